"""The application wizard's use cases (applications/services: one per page, each opening the draft with the tab's
number and secret) and the pages it shows (applications/queries.wizard_page): what a page stores, the errors left on
it, and what the next page shows of the draft."""

from __future__ import annotations

from datetime import date

import pytest

from portal.applications import queries
from portal.applications import rules
from portal.applications import services as svc
from portal.applications.eligibility import rules as el
from portal.applications.eligibility import services as ep
from portal.accounts.models import Role
from portal.kernel.images import StoredImage
from tests import factories


@pytest.fixture
def world(db_session):
    tree = factories.region_tree(db_session)
    ep.seed(db_session, tree.city, {
        el.STANDARD_URBAN: 900_00, el.STANDARD_RURAL: 700_00, el.DEPOSIT_PER_MEMBER: 20_000_00,
        el.MAX_VEHICLES: 0, el.MAX_HOUSES: 1, el.AREA_PER_MEMBER: 40, el.MAX_BUSINESSES: 0,
        el.EXCLUDED_KINDS: ["basic_pension"], el.WAGE_DEDUCTION: 0, el.NEAR_POOR_PERMILLE: 1500, el.TIERS: [],
        el.ROUND_TO_YUAN: False}, date(2025, 1, 1), "DOC-1")
    township = tree.townships[tree.counties[0].code][0]
    number, secret = svc.new_draft(db_session, client="203.0.113.9")
    return {"tree": tree, "township": township, "village": tree.villages[township.code][1], "key": (number, secret)}


def _photo(db_session, world, kind="id_card") -> None:
    svc.attach_photo(db_session, *world["key"], kind, StoredImage("0" * 32, 10, 10))


def _fill(db_session, world) -> None:
    key = world["key"]
    svc.save_village(db_session, *key, world["village"].code)
    svc.save_residence(db_session, *key, "urban")
    svc.save_applicant(db_session, *key, rules.applicant_answer({"name": "张建国", "phone": "13800138000"}))
    svc.save_size(db_session, *key, 2)
    svc.save_member(db_session, *key, 0, rules.member_answer(
        {"name": "张建国", "relationship": "applicant", "id_number": "130102197403150011", "age": "52"}))
    svc.save_member(db_session, *key, 1, rules.member_answer(
        {"name": "李秀兰", "relationship": "spouse", "id_number": "130102197607200025", "age": "50"}))
    svc.save_income(db_session, *key, 0, rules.incomes_answer({"wage": "600"}))
    svc.save_assets(db_session, *key, rules.assets_answer({"deposits": "5000", "houses": "1", "housing_area": "60"}))
    svc.save_related(db_session, *key, rules.related_answer({"any": "no"}))
    svc.save_consent(db_session, *key, [0, 1])


def test_each_page_stores_its_answer_and_names_what_is_left(db_session, world):
    key = world["key"]
    saved = svc.save_village(db_session, *key, "nowhere")
    assert [(e.field, e.key) for e in saved.errors] == [("village", "apply.err_village")] and saved.members == 0
    assert svc.save_village(db_session, *key, world["village"].code).errors == ()
    assert svc.save_residence(db_session, *key, "on the moon").errors[0].key == "elig.err_choose"
    # The applicant is member 1: entered first, their name is there when the household is sized.
    svc.save_applicant(db_session, *key, rules.applicant_answer({"name": " 张建国 ", "phone": "139"}))
    assert [e.field for e in svc.save_applicant(db_session, *key, {"name": "张建国", "phone": "139"}).errors] == \
        ["applicant-phone"]
    assert [(e.field, e.key) for e in svc.save_size(db_session, *key, None).errors] == [("size", "elig.err_number")]
    assert svc.save_size(db_session, *key, 21).errors[0].key == "elig.err_too_many_members"
    assert svc.save_size(db_session, *key, 2) == svc.PageSaved((), 2)
    page = queries.wizard_page(db_session, *key, "member-0")
    assert page.form["name"] == "张建国" and page.form["relationship"] == "applicant" and page.members == 2
    # A typed age that is no number is named as such (not as a negative age); the rest as the submit check does.
    saved = svc.save_member(db_session, *key, 1, rules.member_answer({"name": "李秀兰", "age": "fifty"}))
    assert {(e.field, e.key) for e in saved.errors} >= {("member-1-age", "elig.err_number"),
                                                         ("member-1-relationship", "elig.err_choose")}
    assert not any(e.field == "member-1-age" and e.key != "elig.err_number" for e in saved.errors)
    assert svc.save_member(db_session, *key, 5, rules.member_answer({"name": "X"})).stale  # a page it no longer has
    saved = svc.save_income(db_session, *key, 1, rules.incomes_answer({"wage": "abc", "transfer": "-5"}))
    assert [e.field for e in saved.errors][:1] == ["member-1-income-wage"]
    assert queries.wizard_page(db_session, *key, "income-1").form["income-wage"] == "abc"  # kept as typed
    saved = svc.save_assets(db_session, *key, rules.assets_answer({"deposits": "-300", "vehicles": "many"}))
    assert [e.field for e in saved.errors if e.key == "elig.err_number"] == ["vehicles"]
    assert "deposits" in [e.field for e in saved.errors]
    assert queries.wizard_page(db_session, *key, "assets").form["vehicles"] == "many"
    saved = svc.save_related(db_session, *key, rules.related_answer({"any": "yes"}))
    assert [e.key for e in saved.errors] == ["apply.err_related_detail"]


def test_what_each_page_shows(db_session, world):
    key = world["key"]
    _fill(db_session, world)
    _photo(db_session, world)
    village = queries.wizard_page(db_session, *key, "village", "")
    assert village.form == {"village": world["village"].code} and village.township_code == world["township"].code
    assert [v.code for v in village.villages] == [v.code for v in world["tree"].villages[world["township"].code]]
    # Nothing chosen yet: the township the tab had picked, and its villages.
    other = world["tree"].townships[world["tree"].counties[1].code][0]
    svc.save_village(db_session, *key, "")
    blank = queries.wizard_page(db_session, *key, "village", other.code)
    assert blank.form == {"village": ""} and blank.township_code == other.code and len(blank.villages) == 2
    svc.save_village(db_session, *key, world["village"].code)
    assert queries.wizard_page(db_session, *key, "consent").adults == (rules.Adult(0, "张建国", True),
                                                                        rules.Adult(1, "李秀兰", True))
    assert [d.kind for d in queries.wizard_page(db_session, *key, "documents").documents] == ["id_card"]
    check = queries.wizard_page(db_session, *key, "check").check
    assert [c.anchor for c in check] == ["village", "residence", "applicant", "size", "member-0", "income-0",
                                         "member-1", "income-1", "assets", "related", "consent", "documents"]
    assert queries.wizard_page(db_session, *key, "income-1").member_name == "李秀兰"
    # The back link follows the draft's own household.
    assert queries.page_before(db_session, *key, "assets").screen == "income-1"
    assert queries.page_before(db_session, *key, "member-0").screen == "size"


def test_submitting_and_its_receipt(db_session, world):
    key = world["key"]
    _fill(db_session, world)
    with pytest.raises(svc.SubmitErrors) as refused:
        svc.submit_draft(db_session, *key)
    assert [(e.field, e.key) for e in refused.value.errors] == [("documents", "apply.err_id_photo")]
    assert svc.finish_documents(db_session, *key).errors[0].key == "apply.err_id_photo"
    _photo(db_session, world)
    assert svc.finish_documents(db_session, *key) == svc.PageSaved((), 2)
    step = svc.submit_draft(db_session, *key)
    assert step is not None and step.kind == svc.STEP_ACCEPT and step.due_on
    assert queries.held_case(db_session, *key) == queries.HeldCase(svc.SUBMITTED, step)
    # Submitted: no page of the wizard opens it again, and nothing more is stored.
    for use_case, args in [(queries.wizard_page, ("check",)), (svc.save_residence, ("rural",)),
                           (svc.submit_draft, ()), (svc.finish_documents, ())]:
        with pytest.raises(svc.NoDraft) as gone:
            use_case(db_session, *key, *args)
        assert gone.value.key == "apply.err_not_draft"


def test_a_case_waiting_for_materials_takes_photos_only(db_session, world):
    key = world["key"]
    _fill(db_session, world)
    _photo(db_session, world)
    svc.submit_draft(db_session, *key)
    officer = factories.actor_with(db_session, (Role.OFFICER, world["township"]))
    svc.request_materials(db_session, officer, key[0], ["hukou"])
    assert queries.held_case(db_session, *key) == queries.HeldCase(svc.MATERIALS, None)
    with pytest.raises(svc.NoDraft):
        queries.wizard_page(db_session, *key, "documents")
    _photo(db_session, world, "hukou")
    page = queries.wizard_page(db_session, *key, "documents", materials_ok=True)
    assert [d.kind for d in page.documents] == ["id_card", "hukou"]
    with pytest.raises(svc.ApplicationError) as locked:  # a photo sent with the application stays
        svc.detach_photo(db_session, *key, page.documents[0].id)
    assert locked.value.key == "apply.err_doc_locked"
    assert svc.finish_documents(db_session, *key).supplied
    assert queries.held_case(db_session, *key).status == svc.SUBMITTED


def test_only_the_number_and_secret_open_the_draft(db_session, world):
    number, secret = world["key"]
    for args in [("", ""), (number, "WRNG-SCRT"), ("SQNOSUCH1", secret)]:
        with pytest.raises(svc.NoDraft) as refused:
            svc.save_residence(db_session, *args, "urban")
        assert refused.value.key == "apply.err_not_found"
        assert queries.held_case(db_session, *args) is None
    assert not isinstance(svc.NoDraft("apply.err_not_found"), svc.ApplicationError)  # told apart from a refusal
    # Typed loosely (lowercase, a space for the dash) still opens it, as on the resume form.
    assert svc.save_residence(db_session, number, secret.lower().replace("-", " "), "urban").errors == ()
