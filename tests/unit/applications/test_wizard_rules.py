"""The application wizard's rules (applications/rules.py): the order of its pages, what each page's form shows of a
draft, and the answers each form makes. Pure: no database."""

from __future__ import annotations

from portal.applications import rules

ANSWERS = {
    "village": "130102001001", "residence": "urban",
    "applicant": {"name": "张建国", "phone": "13800138000"},
    "members": [
        {"name": "张建国", "relationship": "applicant", "age": 52, "id_number": "130102197403150011",
         "incomes": {"wage": 600_00, "transfer": 150_50}, "typed": {"wage": "600", "business": "abc"}},
        {"name": "", "relationship": "child", "age": 12, "disability_grade": 2, "serious_illness": True,
         "student": True, "incomes": {}},
    ],
    "assets": {"deposits": 5_000_00, "vehicles": 0, "houses": 1, "housing_area": 60, "businesses": 0},
    "assets_typed": {"vehicles": "零"},
    "related": {"any": False, "detail": ""},
    "consent": [0],
}


def test_the_pages_in_order_with_two_per_member():
    assert rules.screens(2) == ["village", "residence", "applicant", "size", "member-0", "member-1", "income-0",
                                "income-1", "assets", "related", "consent", "documents", "check"]
    assert rules.progress(2, "village") == 100 // 13 and rules.progress(2, "check") == 100
    assert rules.progress(2, "start") == 0 and rules.progress(0, "member-0") == 0
    assert (rules.kind_of("income-1"), rules.member_index("income-1")) == ("income", 1)
    assert rules.member_index("assets") == 0 and rules.member_index("member-x") == 0


def test_next_and_back():
    assert rules.next_screen(2, "size", False) == "member-0"
    assert rules.next_screen(2, "income-1", False) == "assets"
    assert rules.next_screen(2, "check", False) == "check"  # the last page stays
    assert rules.next_screen(2, "start", False) == "village"  # off the wizard's pages: the first
    # Changing an answer from the check page goes back there, except the household and its members, which follow on.
    assert rules.next_screen(2, "assets", True) == "check"
    assert rules.next_screen(2, "size", True) == "member-0"
    assert rules.next_screen(2, "member-1", True) == "income-0"
    assert rules.next_screen(2, "income-0", True) == "check"
    assert rules.previous_screen(2, "member-0") == "size"
    assert rules.previous_screen(2, "village") == "village"
    assert rules.previous_screen(1, "member-1") == "village"  # a page the household no longer has


def test_an_error_on_the_check_page_links_to_the_row_of_its_page():
    assert rules.anchor_for("member-1-income-wage") == "income-1"
    assert rules.anchor_for("member-0-id_number") == "member-0"
    assert rules.anchor_for("members") == "size"
    assert rules.anchor_for("applicant-phone") == "applicant"
    assert rules.anchor_for("housing_area") == "assets"
    assert rules.anchor_for("consent-1") == "consent" and rules.anchor_for("documents") == "documents"


def test_numbers_as_typed():
    assert [rules.parse_count(t) for t in ("3", " 3 ", "-2", "", "abc", "1.5", "1234567")] == \
        [3, 3, -2, None, None, None, None]
    assert [rules.parse_yuan(t) for t in ("", "600", "1,200.5", "-30", "abc")] == [0, 600_00, 1200_50, -30_00, None]
    assert [rules.yuan_text(f) for f in (600_00, 150_50, 1_234_567_89, True, "5", None)] == \
        ["600", "150.50", "1234567.89", "", "", ""]


def test_each_page_shows_the_draft_as_typed():
    assert rules.form_for(ANSWERS, "residence") == {"residence": "urban"}
    assert rules.form_for(ANSWERS, "applicant") == {"applicant-name": "张建国", "applicant-phone": "13800138000"}
    assert rules.form_for(ANSWERS, "size") == {"size": "2"}
    assert rules.form_for({**ANSWERS, "size_typed": "abc"}, "size") == {"size": "abc"}
    assert rules.form_for({}, "size") == {"size": ""}
    assert rules.form_for(ANSWERS, "member-1") == {
        "name": "", "relationship": "child", "id_number": "", "age": "12", "disability": "2", "illness": "yes",
        "student": "yes"}
    assert rules.form_for(ANSWERS, "member-0")["illness"] == "" and rules.form_for(ANSWERS, "member-0")["age"] == "52"
    income = rules.form_for(ANSWERS, "income-0")
    # What was typed wins (a wrong figure shows as typed); a stored figure without it shows in yuan.
    assert (income["income-wage"], income["income-business"], income["income-transfer"]) == ("600", "abc", "150.50")
    assert income["income-property"] == "" and len(income) == len(rules.INCOME_FIELDS)
    assert rules.form_for(ANSWERS, "assets") == {"deposits": "5000", "vehicles": "零", "houses": "1",
                                                 "housing_area": "60", "businesses": "0"}
    assert rules.form_for(ANSWERS, "related") == {"any": "no", "related-detail": ""}
    assert rules.form_for({}, "related") == {"any": "", "related-detail": ""}
    for screen in ("village", "consent", "documents", "check", "member-5"):
        assert rules.form_for(ANSWERS, screen) == ({} if screen != "member-5" else rules.form_for({}, "member-0"))
    assert rules.member_name(ANSWERS, "income-0") == "张建国"
    assert rules.member_name(ANSWERS, "member-1") == "2"  # no name yet: the member's number
    assert rules.member_name(ANSWERS, "assets") == ""


def test_the_adults_asked_to_consent():
    assert rules.adult_indexes(ANSWERS) == [0]
    odd = {"members": [{"age": "30"}, {"age": True}, {"age": "abc"}, {}, {"age": 18}]}
    assert rules.adult_indexes(odd) == [0, 4]
    assert rules.adults(ANSWERS) == [rules.Adult(0, "张建国", True)]
    assert rules.adults({**ANSWERS, "consent": []}) == [rules.Adult(0, "张建国", False)]


def test_the_applicant_and_the_household():
    assert rules.applicant_answer({"name": "  张  建国 ", "phone": " 13800138000 "}) == \
        {"name": "张 建国", "phone": "13800138000"}
    assert len(rules.applicant_answer({"name": "长" * 50})["name"]) == rules.MAX_NAME
    # The applicant is member 1: their name goes there while it is empty, and never over one typed.
    assert rules.with_applicant_named([{"name": "", "age": 3}, {"name": "B"}], "A") == [{"name": "A", "age": 3},
                                                                                        {"name": "B"}]
    assert rules.with_applicant_named([{"name": "X"}], "A") is None and rules.with_applicant_named([], "A") is None
    assert [rules.size_error(n) for n in (None, 0, 1, 20, 21)] == \
        ["elig.err_number", "elig.err_no_members", "", "", "elig.err_too_many_members"]
    grown = rules.resized(ANSWERS, 3)
    assert grown[:2] == ANSWERS["members"] and grown[2] == {"name": "", "relationship": "", "incomes": {}}
    assert rules.resized(ANSWERS, 1) == ANSWERS["members"][:1]
    assert rules.resized({"applicant": {"name": "A"}}, 1) == [{"name": "A", "relationship": "applicant",
                                                               "incomes": {}}]


def test_a_member_page():
    answer = rules.member_answer({"name": " 李  秀兰 ", "relationship": "spouse" * 5, "id_number": "１３０１ 0219-7607",
                                  "age": "50", "disability": "1", "illness": "yes", "student": "on"})
    assert answer.fields == {"name": "李 秀兰", "relationship": ("spouse" * 5)[:16], "id_number": "130102197607",
                             "age": 50, "disability_grade": 1, "serious_illness": True, "student": True}
    assert not answer.age_not_a_number
    odd = rules.member_answer({"age": "fifty", "disability": "9"})
    assert odd.age_not_a_number and odd.fields["age"] == -1 and odd.fields["disability_grade"] == 0
    assert odd.fields["serious_illness"] is False and odd.fields["student"] is False
    blank = rules.member_answer({})
    assert not blank.age_not_a_number and blank.fields["age"] == -1  # nothing typed: the submit check names it


def test_figures_keep_what_was_typed():
    incomes = rules.incomes_answer({"wage": "600", "business": "abc", "transfer": "0", "property": " -50 "})
    assert incomes.values == {"wage": 600_00, "property": -50_00}  # blank and 0 left out; negatives named later
    assert incomes.typed == {"wage": "600", "business": "abc", "property": "-50"}
    assert incomes.not_numbers == ("business",)
    assets = rules.assets_answer({"deposits": "5,000", "vehicles": "", "houses": "x", "housing_area": "60"})
    assert assets.values == {"deposits": 5_000_00, "vehicles": 0, "housing_area": 60, "businesses": 0}
    assert assets.typed == {"deposits": "5,000", "vehicles": "", "houses": "x", "housing_area": "60",
                            "businesses": ""}
    assert assets.not_numbers == ("houses",)


def test_the_relatives_declaration():
    assert rules.related_answer({"any": "yes", "detail": " 村支书的弟弟 "}) == {"any": True, "detail": "村支书的弟弟"}
    assert rules.related_answer({"any": "no"}) == {"any": False, "detail": ""}
    assert rules.related_answer({"any": "maybe", "detail": "x" * 300}) == {"any": None, "detail": "x" * 200}
