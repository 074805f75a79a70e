"""The screener (applications/eligibility/screener.py): at most 10 questions, ranges judged at both ends by the one engine."""

from __future__ import annotations

from datetime import date

import pytest

from portal.applications.eligibility import rules as el
from portal.applications.eligibility import screener
from tests.unit.services.test_eligibility import params

BASE = {"township": "130102001", "residence": "urban", "size": "2", "income": "none", "savings": "lt10k",
        "vehicle": "no", "houses": "1", "business": "no", "severe": "no", "hardship": "no"}


def test_at_most_ten_questions():
    assert len(screener.QUESTIONS) <= 10 and len(set(screener.QUESTION_NAMES)) == len(screener.QUESTIONS)


def test_no_income_is_firmly_eligible_with_full_amount():
    result = screener.screen(BASE, params())
    assert (result.outcome, result.firm, result.amount_low_fen, result.amount_high_fen) == (
        el.ELIGIBLE, True, 1800_00, 1800_00)
    assert "screen.doc.disability" not in result.documents


def test_a_range_straddling_the_standard_is_not_firm():
    result = screener.screen({**BASE, "size": "1", "income": "500_1000"}, params())
    assert result.outcome == el.ELIGIBLE and not result.firm
    assert (result.amount_low_fen, result.amount_high_fen) == (0, 400_00)


def test_range_fully_under_gives_an_amount_range():
    result = screener.screen({**BASE, "income": "500_1000"}, params())
    assert result.firm and (result.amount_low_fen, result.amount_high_fen) == (801_00, 1300_00)


def test_severe_member_in_near_poor_household_may_apply_alone():
    result = screener.screen({**BASE, "income": "2000_3000", "severe": "yes"}, params())
    assert result.outcome == el.SINGLE_PERSON
    assert "screen.doc.disability" in result.documents


@pytest.mark.parametrize("change,outcome", [
    ({"vehicle": "yes"}, el.NOT_ELIGIBLE), ({"business": "yes"}, el.NOT_ELIGIBLE), ({"houses": "2"}, el.NOT_ELIGIBLE),
    ({"savings": "gt100k"}, el.NOT_ELIGIBLE), ({"income": "gt5000"}, el.NOT_ELIGIBLE),
    ({"income": "2000_3000"}, el.NEAR_MISS),
])
def test_failing_answers(change, outcome):
    assert screener.screen({**BASE, **change}, params()).outcome == outcome


def test_incomplete_or_invalid_answers_are_refused():
    with pytest.raises(ValueError):
        screener.screen({**BASE, "size": "0"}, params())
    with pytest.raises(ValueError):
        screener.screen({k: v for k, v in BASE.items() if k != "income"}, params())
    assert not screener.valid("size", "50")


def test_townships_windows_and_params_from_the_database(db_session):
    from portal import demo
    from portal.applications import demo as demo_applications

    demo.load(db_session, "demo-password-123")
    demo_applications.load_parameters(db_session)
    choices = screener.townships(db_session)
    assert any(c.code == "130102001" and c.name == "长安区 · 建北街道" for c in choices)
    assert {w.code for w in screener.windows_for(db_session, "130102001")} == {"HB-SJZ-0001", "HB-SJZ-0002"}
    before = screener.params_for_township(db_session, "130102001", date(2025, 12, 31))
    after = screener.params_for_township(db_session, "130102001", date(2026, 1, 1))
    assert before.get(el.STANDARD_URBAN).value == 985_00 and after.get(el.STANDARD_URBAN).value == 1015_00
    assert screener.params_for_township(db_session, "nope", date(2026, 1, 1)) is None
    # 正定县's own rural tiers apply in its townships only.
    assert screener.params_for_township(db_session, "130123100", date(2026, 1, 2)).get(el.TIERS).value
    assert not screener.params_for_township(db_session, "130102001", date(2026, 1, 2)).get(el.TIERS).value


def test_every_question_and_choice_has_a_message():
    from portal.i18n import MESSAGES

    needed = [*screener.CHOICE_KEYS, *screener.DOCUMENTS, screener.DOCUMENT_SEVERE]
    needed += [f"screen.{q.name}.{part}" for q in screener.QUESTIONS for part in ("q", "hint")]
    assert [k for k in needed if k not in MESSAGES] == []


def test_screener_reasons_name_people_in_words_and_skip_unasked_tests():
    result = screener.screen({**BASE, "income": "2000_3000", "severe": "yes"}, params())
    texts = [el.describe(line, "zh") for line in result.lines]
    assert any(t.startswith("家庭成员 2") for t in texts) and not any("@" in t for t in texts)
    assert any(el.describe(line, "en").startswith("Member 2") for line in result.lines)
    assert "elig.line.asset_area" not in [line.key for line in result.lines]


def test_screener_reasons_say_what_was_chosen_never_a_figure_the_resident_did_not_give():
    result = screener.screen({**BASE, "income": "500_1000"}, params())
    texts = [el.describe(line, "zh") for line in result.lines]
    assert texts[0] == ("您选择了：全家每月收入——500 – 1000 元，共 2 人。按这个范围，人均收入低于城市低保标准 900 元"
                        "（TEST-standard.urban，2025-07-01 起执行）。")
    assert texts[1].startswith("您选择了：存款、理财和商业保险——1 万元以下。限额 40,000 元") and texts[1].endswith("在限额以内。")
    assert texts[-1] == "月补助 =（标准 − 人均收入）× 人数。按您选择的收入范围估算，每月约 801 – 1,300 元，以入户调查和核算为准。"
    joined = "".join(texts)
    assert "0.00" not in joined and ".00 元" not in joined  # no invented exact figure, no needless decimals
    assert [line.ok for line in result.lines] == [True, True, True, True, True, None]
    assert el.describe(result.lines[0], "en").startswith("You chose: household income a month — ¥500 – 1,000")


@pytest.mark.parametrize("change,key,ok", [
    ({"size": "1", "income": "500_1000"}, "screen.line.income_either", None),  # ¥500–999 against ¥900: it depends
    ({"income": "gt5000"}, "screen.line.income_above", False),
    ({"savings": "30k_60k"}, "screen.line.savings_either", None),  # limit ¥40,000
    ({"savings": "60k_100k"}, "screen.line.savings_over", False),
    ({"income": "2000_3000"}, "screen.line.near_poor_either", None),  # ¥1,000–1,499 per person against ¥1,350
])
def test_a_range_that_straddles_a_rule_says_so(change, key, ok):
    lines = {line.key: line.ok for line in screener.screen({**BASE, **change}, params()).lines}
    assert key in lines and lines[key] is ok


def test_demo_cases_load_once(db_session, tmp_path):
    from portal.applications.models import Application
    from portal import demo
    from portal.applications import demo as demo_applications
    from portal.applications import services as apps
    from portal.kernel.images import PrivateImageStore
    from sqlalchemy import func, select

    demo.load(db_session, "demo-password-123")
    store = PrivateImageStore(tmp_path / "store")
    demo_applications.load(db_session, store)
    demo_applications.load(db_session, store)
    statuses = sorted(db_session.execute(select(Application.status)).scalars())
    # The demo's cases at their steps, and the batch in publicity.
    assert statuses == sorted([apps.SUBMITTED, apps.INVESTIGATING, apps.INVESTIGATING, apps.MATERIALS,
                               apps.TO_PUBLISH] + [apps.PUBLICITY] * len(demo_applications.PUBLICITY))
    assert db_session.execute(select(func.count(Application.id))).scalar_one() == \
        len(demo_applications.CASES) + len(demo_applications.PUBLICITY)


def test_the_wage_deduction_shown_is_the_rule_not_the_low_end_of_a_small_range():
    result = screener.screen({**BASE, "income": "lt500"}, params(income__wage_deduction=100_00))
    texts = [el.describe(line, "zh") for line in result.lines]
    assert "工资收入按规定先扣除就业成本 100 元再计入（TEST-income.wage_deduction）。" in texts


def test_the_edge_line_verdict_follows_income_even_when_savings_straddle_their_limit():
    # 4 people with ¥3,000–4,999 (¥750–1,249 a person) against a ¥1,400 edge line (¥700 × 2): below at both ends,
    # while the savings range straddles its limit (the high end is not eligible for another reason).
    answers = {**BASE, "size": "4", "income": "3000_5000", "savings": "60k_100k"}
    lines = {line.key: line.ok for line in screener.screen(answers, params(
        standard__urban=700_00, near_poor__multiple_permille=2000)).lines}
    assert lines.get("screen.line.near_poor_below") is True, lines


from hypothesis import given, settings, strategies as st  # noqa: E402

ANSWERS = st.fixed_dictionaries({
    "township": st.just("130102001"), "residence": st.sampled_from(el.RESIDENCES),
    "size": st.sampled_from(screener.SIZES), "income": st.sampled_from([r[0] for r in screener.INCOME_RANGES]),
    "savings": st.sampled_from([r[0] for r in screener.SAVINGS_RANGES]), "vehicle": st.sampled_from(("no", "yes")),
    "houses": st.sampled_from(("0", "1", "2")), "business": st.sampled_from(("no", "yes")),
    "severe": st.sampled_from(("no", "yes")), "hardship": st.sampled_from(("no", "yes"))})
FIGURE_LINES = {"elig.line.income_wage", "elig.line.income_counted", "elig.line.income_test",
                "elig.line.income_test_fail", "elig.line.asset_deposits", "elig.line.amount_gap", "elig.line.rounded",
                "elig.line.near_poor", "elig.line.single", "elig.line.single_over"}


@settings(max_examples=300, deadline=None)
@given(ANSWERS, st.sampled_from([0, 100_00]))
def test_screener_lines_never_contradict_the_outcome_or_state_a_figure_nobody_gave(answers, deduction):
    result = screener.screen(answers, params(income__wage_deduction=deduction))
    lines = result.lines
    keys = [line.key for line in lines]
    assert not FIGURE_LINES & set(keys)  # every engine line with a range-end figure is said as chosen
    verdicts = {line.key: line.ok for line in lines}
    income_key = next(k for k in keys if k.startswith("screen.line.income_"))
    # The income verdict is the test at both ends: below at both, above at both, or it depends.
    both = (result.assessment.income_ok, result.worst.income_ok)
    assert income_key == {(True, True): "screen.line.income_below", (False, False): "screen.line.income_above"
                          }.get(both, "screen.line.income_either")
    assert verdicts[income_key] is (both[0] if both[0] == both[1] else None)
    if result.firm and result.outcome == el.ELIGIBLE:
        assert False not in verdicts.values()  # a firm "eligible" has no failing reason
    if result.firm and result.outcome == el.NOT_ELIGIBLE:
        assert False in verdicts.values()  # a firm "not eligible" names what fails
    amount_lines = [k for k in keys if k.startswith("screen.line.amount_")]
    assert len(amount_lines) <= 1 and (not amount_lines or result.amount_high_fen > 0)
    for lang in ("zh", "en"):
        assert all("{" not in el.describe(line, lang) for line in lines)
