"""Golden, table-driven tests of the eligibility engine (applications/eligibility/rules.py).

Parameters are illustrative round numbers so each expected amount can be checked by hand:
urban standard ¥900, rural ¥700, deposits ¥20,000 per member, no car, one home, 40 m² per member, no business,
near-poor line 1.5 × standard, excluded kinds as in DOMAIN.md, no work-cost deduction, no tiers, no rounding.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from portal.applications.eligibility import rules as el
from portal.applications.eligibility.rules import (
    ELIGIBLE, ELIGIBLE_ZERO, NEAR_MISS, NOT_ELIGIBLE, SINGLE_PERSON, Household, Income, Member, Param, ParamRow,
    PolicyParams,
)

DAY = date(2026, 3, 1)
BASE = {
    el.STANDARD_URBAN: 900_00, el.STANDARD_RURAL: 700_00, el.DEPOSIT_PER_MEMBER: 20_000_00,
    el.MAX_VEHICLES: 0, el.MAX_HOUSES: 1, el.AREA_PER_MEMBER: 40, el.MAX_BUSINESSES: 0,
    el.EXCLUDED_KINDS: ["basic_pension", "award", "scholarship", "social_assistance", "disability_allowance"],
    el.WAGE_DEDUCTION: 0, el.NEAR_POOR_PERMILLE: 1500, el.TIERS: [], el.ROUND_TO_YUAN: False,
}


def params(**overrides: object) -> PolicyParams:
    values = {**BASE, **{k.replace("__", "."): v for k, v in overrides.items()}}
    return PolicyParams({k: Param(k, v, date(2025, 7, 1), f"TEST-{k}") for k, v in values.items()}, DAY)


def m(name: str = "A", age: int = 45, rel: str = "applicant", grade: int = 0, ill: bool = False,
      student: bool = False, **incomes: int) -> Member:
    """A member; incomes as kind=yuan per month."""
    return Member(name, rel, age, grade, ill, student, tuple(Income(k, v * 100) for k, v in incomes.items()))


def hh(*members: Member, residence: str = "urban", deposits: int = 0, vehicles: int = 0, houses: int = 1,
       area: int = 30, businesses: int = 0, hardship: bool = False) -> Household:
    return Household(tuple(members), residence, deposits * 100, vehicles, houses, area, businesses, hardship)


TIERED = dict(benefit__tiers=[{"below": 300_00, "per_person": 800_00}, {"below": 600_00, "per_person": 500_00}])

# (id, household, parameter overrides, outcome, monthly amount in fen, routes)
CASES = [
    ("single-no-income", hh(m()), {}, ELIGIBLE, 900_00, ()),
    ("single-some-wage", hh(m(wage=400)), {}, ELIGIBLE, 500_00, ()),
    ("income-exactly-at-standard", hh(m(wage=900)), {}, NEAR_MISS, 0, ("edge_family",)),
    ("income-one-fen-below", hh(Member("A", incomes=(Income("wage", 899_99),))), {}, ELIGIBLE, 1, ()),
    ("income-just-over", hh(m(wage=901)), {}, NEAR_MISS, 0, ("edge_family",)),
    ("family-of-three", hh(m(wage=1200), m("B", rel="spouse", wage=300), m("C", 10, "child")), {},
     ELIGIBLE, 1200_00, ()),
    ("family-at-standard-total", hh(m(wage=1800), m("B", rel="spouse"), m("C", 10, "child", wage=900)), {},
     NEAR_MISS, 0, ("edge_family",)),
    ("rural-standard", hh(m(business=500), residence="rural"), {}, ELIGIBLE, 200_00, ()),
    ("rural-over-urban-would-pass", hh(m(business=800), residence="rural"), {}, NEAR_MISS, 0, ("edge_family",)),
    ("excluded-basic-pension", hh(m(age=70, basic_pension=200, transfer=300)), {}, ELIGIBLE, 600_00, ()),
    ("excluded-scholarship", hh(m(wage=600), m("B", 19, "child", student=True, scholarship=500)), {},
     ELIGIBLE, 1200_00, ()),
    ("excluded-award-and-assistance", hh(m(award=5000, social_assistance=300)), {}, ELIGIBLE, 900_00, ()),
    ("excluded-disability-allowance", hh(m(grade=3, disability_allowance=150, wage=100)), {}, ELIGIBLE, 800_00, ()),
    # A locality's list only adds kinds: the four national ones stay excluded whatever it says.
    ("local-list-without-pension-still-excludes-it", hh(m(age=70, basic_pension=200)),
     {"income__excluded_kinds": ["award"]}, ELIGIBLE, 900_00, ()),
    ("empty-local-list-pension-not-counted", hh(m(age=70, basic_pension=200)),
     {"income__excluded_kinds": []}, ELIGIBLE, 900_00, ()),
    ("empty-local-list-none-of-the-four-counted",
     hh(m(age=70, basic_pension=200, award=300, social_assistance=400), m("B", 19, "child", student=True,
                                                                           scholarship=500)),
     {"income__excluded_kinds": []}, ELIGIBLE, 1800_00, ()),
    ("empty-local-list-counts-a-kind-only-the-locality-excludes", hh(m(grade=3, disability_allowance=150)),
     {"income__excluded_kinds": []}, ELIGIBLE, 750_00, ()),
    ("property-and-transfer-counted", hh(m(property=200, transfer=300)), {}, ELIGIBLE, 400_00, ()),
    ("wage-deduction", hh(m(wage=500)), {"income__wage_deduction": 100_00}, ELIGIBLE, 500_00, ()),
    ("wage-deduction-never-negative", hh(m(wage=50)), {"income__wage_deduction": 100_00}, ELIGIBLE, 900_00, ()),
    ("deposits-at-limit", hh(m(), m("B", rel="spouse"), deposits=40_000), {}, ELIGIBLE, 1800_00, ()),
    ("deposits-over-limit", hh(m(), m("B", rel="spouse"), deposits=40_001), {}, NOT_ELIGIBLE, 0, ()),
    ("vehicle-over-limit", hh(m(), vehicles=1), {}, NOT_ELIGIBLE, 0, ()),
    ("vehicle-allowed-locally", hh(m(), vehicles=1), {"asset__max_vehicles": 1}, ELIGIBLE, 900_00, ()),
    ("two-houses", hh(m(), houses=2), {}, NOT_ELIGIBLE, 0, ()),
    ("housing-area-over", hh(m(), m("B", rel="spouse"), area=81), {}, NOT_ELIGIBLE, 0, ()),
    ("business-registration", hh(m(), businesses=1), {}, NOT_ELIGIBLE, 0, ()),
    ("tier-lowest", hh(m(wage=100), m("B", rel="spouse")), TIERED, ELIGIBLE, 1600_00, ()),
    ("tier-second", hh(m(wage=800), m("B", rel="spouse")), TIERED, ELIGIBLE, 1000_00, ()),
    ("tier-above-bands-uses-gap", hh(m(wage=1400), m("B", rel="spouse")), TIERED, ELIGIBLE, 400_00, ()),
    ("tier-of-zero", hh(m(wage=500)), {"benefit__tiers": [{"below": 900_00, "per_person": 0}]},
     ELIGIBLE_ZERO, 0, ()),
    ("gap-under-a-yuan-rounded", hh(Member("A", incomes=(Income("wage", 899_50),))),
     {"benefit__round_to_yuan": True}, ELIGIBLE_ZERO, 0, ()),
    ("rounding-down", hh(Member("A", incomes=(Income("wage", 400_50),))), {"benefit__round_to_yuan": True},
     ELIGIBLE, 499_00, ()),
    ("disabled-member-applies-alone", hh(m(wage=2000), m("B", 50, "spouse", grade=1)), {},
     SINGLE_PERSON, 900_00, ()),
    ("ill-member-with-own-income-alone", hh(m(wage=1700), m("B", 70, "parent", ill=True, transfer=300)), {},
     SINGLE_PERSON, 600_00, ()),
    ("grade-3-cannot-apply-alone", hh(m(wage=2000), m("B", 50, "spouse", grade=3)), {},
     NEAR_MISS, 0, ("edge_family", "medical")),
    ("severe-but-not-near-poor", hh(m(wage=2800), m("B", 50, "spouse", grade=1)), {}, NOT_ELIGIBLE, 0,
     ("medical",)),
    ("severe-but-assets-over", hh(m(wage=1500), m("B", 50, "spouse", grade=2), vehicles=1), {}, NOT_ELIGIBLE, 0,
     ("medical",)),
    ("near-poor-line-exact-is-not-near", hh(m(wage=1350)), {}, NOT_ELIGIBLE, 0, ()),
    # 单人保 at the member's own income boundary, in a near-poor two-person household (total ≥ 2 × ¥900 and
    # < 2 × ¥1,350): one fen under the standard qualifies for the gap; at or over it, not eligible (routed).
    ("single-own-income-one-fen-under", hh(m(wage=1000), Member("B", "spouse", 50, 1, incomes=(
        Income("wage", 899_99),))), {}, SINGLE_PERSON, 1, ()),
    ("single-own-income-at-standard", hh(m(wage=1000), m("B", 50, "spouse", grade=1, wage=900)), {},
     NEAR_MISS, 0, ("edge_family", "medical")),
    ("single-own-income-one-fen-over", hh(m(wage=1000), Member("B", "spouse", 50, 1, incomes=(
        Income("wage", 900_01),))), {}, NEAR_MISS, 0, ("edge_family", "medical")),
    ("single-own-income-under-assets-over", hh(m(wage=1000), Member("B", "spouse", 50, 1, incomes=(
        Income("wage", 899_99),)), deposits=40_001), {}, NOT_ELIGIBLE, 0, ("medical",)),
    ("single-own-income-at-assets-over", hh(m(wage=1000), m("B", 50, "spouse", grade=1, wage=900),
                                            deposits=40_001), {}, NOT_ELIGIBLE, 0, ("medical",)),
    ("single-own-income-over-assets-over", hh(m(wage=1000), Member("B", "spouse", 50, 1, incomes=(
        Income("wage", 900_01),)), vehicles=1), {}, NOT_ELIGIBLE, 0, ("medical",)),
    # The cases that were "单人保, ¥0": alone or as a household nobody is under the standard (¥1,015).
    ("alone-disabled-over-standard", hh(m(grade=1, wage=1100)), {"standard__urban": 1015_00}, NEAR_MISS, 0,
     ("edge_family", "medical")),
    ("disabled-member-is-the-earner", hh(m(grade=1, wage=2200), m("B", rel="spouse")),
     {"standard__urban": 1015_00}, NEAR_MISS, 0, ("edge_family", "medical")),
    ("two-severe-only-one-under", hh(m(wage=1600, grade=2), m("B", 70, "parent", ill=True, transfer=300)), {},
     SINGLE_PERSON, 600_00, ()),
    ("single-gap-rounded-to-zero", hh(m(wage=1000), Member("B", "spouse", 50, 1, incomes=(
        Income("wage", 899_50),))), {"benefit__round_to_yuan": True}, SINGLE_PERSON, 0, ()),
    ("near-miss-with-hardship", hh(m(wage=1000), hardship=True), {}, NEAR_MISS, 0, ("edge_family", "temporary")),
    ("eligible-with-hardship", hh(m(), hardship=True), {}, ELIGIBLE, 900_00, ("temporary",)),
    ("no-income-items-zero", hh(m(wage=0)), {}, ELIGIBLE, 900_00, ()),
    ("large-household", hh(*[m(f"M{i}", 30) for i in range(20)], area=800), {}, ELIGIBLE, 18_000_00, ()),
]


@pytest.mark.parametrize("case_id,household,overrides,outcome,amount,routes", CASES, ids=[c[0] for c in CASES])
def test_golden(case_id, household, overrides, outcome, amount, routes):
    result = el.assess(household, params(**overrides))
    assert (result.outcome, result.monthly_amount_fen, result.routes) == (outcome, amount, routes)
    # Every outcome comes with reasons: the income test and all five asset tests, at least.
    keys = [line.key for line in result.lines]
    assert keys.count("elig.line.asset_deposits") == 1 and "elig.line.asset_business" in keys
    assert any(k.startswith("elig.line.income_test") for k in keys)


def test_at_least_thirty_golden_cases():
    assert len(CASES) >= 30 and len({c[0] for c in CASES}) == len(CASES)


def test_reasons_cite_parameters_and_items():
    result = el.assess(hh(m(age=70, basic_pension=200, transfer=300)), params())
    by_key = {line.key: line for line in result.lines}
    assert by_key["elig.line.income_excluded"].params["kind"] == "basic_pension"
    assert by_key["elig.line.income_excluded"].params["doc"] == f"TEST-{el.EXCLUDED_KINDS}"
    assert by_key["elig.line.income_counted"].params["amount"] == "300.00"
    assert by_key["elig.line.income_test"].params["doc"] == f"TEST-{el.STANDARD_URBAN}"
    assert by_key["elig.line.income_test"].ok is True
    assert {p.key for p in result.params_used} >= {el.STANDARD_URBAN, el.DEPOSIT_PER_MEMBER, el.NEAR_POOR_PERMILLE}
    text_zh = el.describe(by_key["elig.line.income_excluded"], "zh")
    assert "城乡居民基础养老金" in text_zh and "TEST-" in text_zh
    assert "Residents' basic pension" in el.describe(by_key["elig.line.income_excluded"], "en")


def test_failed_asset_line_is_marked():
    result = el.assess(hh(m(), deposits=20_001), params())
    line = next(x for x in result.lines if x.key == "elig.line.asset_deposits")
    assert line.ok is False and not result.assets_ok and result.income_ok


def test_eligible_zero_is_not_not_eligible():
    zero = el.assess(hh(m(wage=500)), params(benefit__tiers=[{"below": 900_00, "per_person": 0}]))
    assert zero.outcome == ELIGIBLE_ZERO and zero.may_apply
    assert "elig.line.zero" in [x.key for x in zero.lines]
    assert not el.assess(hh(m(wage=900)), params()).may_apply
    assert el.assess(hh(m(wage=1400)), params()).outcome == NOT_ELIGIBLE


def test_single_person_names_the_member():
    result = el.assess(hh(m(wage=2000), m("Bo", 50, "spouse", grade=2)), params())
    assert result.single_members == ("Bo",)


def test_single_person_names_only_members_under_the_standard():
    result = el.assess(hh(m("Al", wage=1600, grade=2), m("Bo", 70, "parent", ill=True, transfer=300)), params())
    assert result.single_members == ("Bo",)
    over = next(x for x in result.lines if x.key == "elig.line.single_over")
    assert (over.params["member"], over.params["own"], over.params["relation"], over.ok) == ("Al", "1,600.00",
                                                                                               "above", False)
    assert "本人月收入 1,600.00 元，高于低保标准 900.00 元，不能单独申请" in el.describe(over, "zh")


def test_member_at_the_standard_is_not_eligible_zero():
    result = el.assess(hh(m(wage=1000), m("B", 50, "spouse", grade=1, wage=900)), params())
    assert result.outcome == NEAR_MISS and not result.may_apply and result.single_members == ()
    assert "elig.line.single" not in [x.key for x in result.lines]
    over = next(x for x in result.lines if x.key == "elig.line.single_over")
    assert el.describe(over, "en").startswith("B (severe disability or serious illness) has own income of "
                                              "¥900.00/month, equal to the standard of ¥900.00")


def test_pension_never_counted_cites_the_national_rule_when_the_local_list_is_empty():
    result = el.assess(hh(m(age=70, basic_pension=200)), params(income__excluded_kinds=[]))
    line = next(x for x in result.lines if x.key.startswith("elig.line.income_"))
    assert line.key == "elig.line.income_never_counted" and line.params["kind"] == "basic_pension"
    assert result.counted_income_fen == 0
    assert "一律不计入家庭收入" in el.describe(line, "zh")


# --- shown figures never make a comparison look false ----------------------------------------------------------

def test_near_poor_line_shows_the_digit_that_tells_them_apart():
    """Standard ¥1,015.01 × 1.5 = ¥1,522.515; ¥1,522.51 of income is below it, and must read so."""
    result = el.assess(hh(Member("A", disability_grade=1, incomes=(Income("wage", 1522_51),))),
                       params(standard__urban=1015_01))
    line = next(x for x in result.lines if x.key == "elig.line.near_poor")
    assert (line.params["per_capita"], line.params["relation"], line.params["line"]) == ("1,522.51", "below",
                                                                                          "1,522.515")
    assert "人均收入 1,522.51 元，低于低保边缘家庭线 1,522.515 元" in el.describe(line, "zh")


def test_income_test_shows_a_per_capita_just_over_the_standard():
    result = el.assess(hh(Member("A", incomes=(Income("wage", 2700_01),)), m("B", rel="spouse"),
                          m("C", 10, "child")), params())
    line = next(x for x in result.lines if x.key == "elig.line.income_test_fail")
    assert (line.params["per_capita"], line.params["relation"], line.params["standard"]) == ("900.003", "above",
                                                                                              "900.00")


def test_amount_line_is_exact_arithmetic():
    result = el.assess(hh(m(wage=1000), m("B", rel="spouse"), m("C", 10, "child")), params())
    line = next(x for x in result.lines if x.key == "elig.line.amount_gap")
    assert (line.params["standard"], line.params["size"], line.params["total"], line.params["amount"]) == (
        "900.00", 3, "1,000.00", "1,700.00")


@pytest.mark.parametrize("a,b,a_per,b_per,expected", [
    (152251, 152251_500, 1, 1000, ("1,522.51", "below", "1,522.515")),
    (90000, 90000, 1, 1, ("900.00", "equal", "900.00")),
    (270001, 90000, 3, 1, ("900.003", "above", "900.00")),
    (100000, 33333, 3, 1, ("333.333", "above", "333.33")),
    (10000001, 333333, 300, 10, ("333.3333", "above", "333.333")),
    (2 * 152251_000 + 1, 152251_000, 2000, 1000, ("1,522.51", "slightly_above", "1,522.51")),
    (2 * 152251_000 - 1, 152251_000, 2000, 1000, ("1,522.50", "below", "1,522.51")),
    (304503, 152251_505, 2, 1000, ("1,522.51", "slightly_below", "1,522.51")),
])
def test_compare_picks_digits_or_words(a, b, a_per, b_per, expected):
    assert el.compare(a, b, a_per, b_per) == expected


def test_slightly_is_in_the_catalog_words():
    line = el.Line("elig.line.near_poor", {"per_capita": "1,522.51", "relation": "slightly_below",
                                           "line": "1,522.51", "multiple": "1.5", "doc": "D"})
    assert "略低于" in el.describe(line, "zh") and "slightly below" in el.describe(line, "en")


def test_yuan_keeps_one_format():
    assert el.yuan(123456789) == "1,234,567.89" and el.yuan(-5) == "-0.05"
    assert el.yuan(100000, 3) == "333.33" and el.yuan(100000, 3, 4) == "333.3333"
    assert el.yuan(152251_500, 1000, 4) == "1,522.515"  # exact: no trailing zeros
    # trim: residents' estimates without decimals that claim nothing; a real fraction of a yuan stays.
    assert el.yuan(101500, trim=True) == "1,015" and el.yuan(101550, trim=True) == "1,015.50"
    assert el.yuan(0, trim=True) == "0" and el.yuan(-300, trim=True) == "-3"


# --- parameters in force on a date ------------------------------------------------------------------------------

CITY, COUNTY, OTHER = "/13/1301/", "/13/1301/130102/", "/13/1301/130104/"
ROWS = [
    ParamRow(el.STANDARD_URBAN, 850_00, date(2025, 1, 1), "CITY-2025", CITY, row_id=1),
    ParamRow(el.STANDARD_URBAN, 900_00, date(2026, 1, 1), "CITY-2026", CITY, row_id=2),
    ParamRow(el.STANDARD_URBAN, 950_00, date(2026, 7, 1), "COUNTY-2026", COUNTY, row_id=3),
    ParamRow(el.STANDARD_URBAN, 960_00, date(2026, 7, 1), "COUNTY-2026-corrected", COUNTY, row_id=4),
]


@pytest.mark.parametrize("path,on,value,doc", [
    (COUNTY + "130102001/", date(2025, 12, 31), 850_00, "CITY-2025"),
    (COUNTY + "130102001/", date(2026, 1, 1), 900_00, "CITY-2026"),
    (COUNTY + "130102001/", date(2026, 6, 30), 900_00, "CITY-2026"),
    (COUNTY + "130102001/", date(2026, 7, 1), 960_00, "COUNTY-2026-corrected"),
    (OTHER, date(2026, 8, 1), 900_00, "CITY-2026"),
])
def test_value_in_force_on_a_date(path, on, value, doc):
    p = el.resolve(ROWS, path, on).get(el.STANDARD_URBAN)
    assert (p.value, p.document_no) == (value, doc)


def test_change_of_standard_changes_the_outcome_by_case_date():
    """Same household, judged before and after the standard rose: ¥880 income is over ¥850, under ¥900."""
    household = hh(m(wage=880))
    before = el.resolve(ROWS, OTHER, date(2025, 12, 31))
    after = el.resolve(ROWS, OTHER, date(2026, 1, 1))
    rest = {k: Param(k, v, date(2025, 1, 1), "T") for k, v in BASE.items() if k != el.STANDARD_URBAN}
    judged_before = el.assess(household, PolicyParams({**rest, **before.values}, before.on))
    judged_after = el.assess(household, PolicyParams({**rest, **after.values}, after.on))
    assert judged_before.outcome == NEAR_MISS
    assert (judged_after.outcome, judged_after.monthly_amount_fen) == (ELIGIBLE, 20_00)


def test_missing_parameter_is_an_error_not_a_guess():
    with pytest.raises(el.ParameterMissing):
        el.assess(hh(m()), PolicyParams({}, DAY))


# --- bad input --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("household,field,key", [
    (hh(), "members", "elig.err_no_members"),
    (hh(*[m(f"M{i}") for i in range(50)]), "members", "elig.err_too_many_members"),
    (hh(Member("A", incomes=(Income("wage", -1),))), "member-0-income-wage", "elig.err_negative"),
    (hh(Member("A", incomes=(Income("wage", 10**12),))), "member-0-income-wage", "elig.err_absurd"),
    (hh(m(age=130)), "member-0-age", "elig.err_age"),
    (hh(m(), deposits=-5), "deposits", "elig.err_negative"),
    (hh(m(), vehicles=999), "vehicles", "elig.err_too_large"),  # a count: no "monthly, in yuan" hint
    (hh(m(name=" ")), "member-0-name", "elig.err_name"),
])
def test_bad_input_is_named(household, field, key):
    assert el.FieldError(field, key) in el.validate(household)
    with pytest.raises(ValueError):
        el.assess(household, params())


@pytest.mark.parametrize("key,value", [
    (el.STANDARD_URBAN, 0), (el.STANDARD_URBAN, 1.5), (el.STANDARD_URBAN, True), (el.NEAR_POOR_PERMILLE, 999),
    (el.EXCLUDED_KINDS, ["lottery"]), (el.TIERS, [{"below": -1, "per_person": 5}]), (el.ROUND_TO_YUAN, 1),
])
def test_parameter_values_are_checked(key, value):
    with pytest.raises(ValueError):
        el.check_value(key, value)


def test_tiers_are_sorted_on_storage():
    value = el.check_value(el.TIERS, [{"below": 600, "per_person": 1}, {"below": 300, "per_person": 2}])
    assert [t["below"] for t in value] == [300, 600]
