"""Property tests of the eligibility engine: whatever the household and the local values, the reasons shown never
contradict the outcome, and no shown pair of figures contradicts the word between them.

Hypothesis draws households (1–20 members, incomes of every kind, severe members, assets around their limits) and
parameters (standard, near-poor multiple, local excluded kinds, tiers, rounding). `database=None`: no example files
are written into the work tree; `deadline=None`: nothing here is timed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from portal.applications.eligibility import rules as el

DAY = date(2026, 3, 1)
SETTINGS = settings(max_examples=400, deadline=None, database=None)

# Each comparison line: (shown left, shown right) parameter names.
PAIRS = {
    "elig.line.income_test": ("per_capita", "standard"),
    "elig.line.income_test_fail": ("per_capita", "standard"),
    "elig.line.near_poor": ("per_capita", "line"),
    "elig.line.single": ("own", "standard"),
    "elig.line.single_over": ("own", "standard"),
}
# What the shown figures must look like for each word.
SHOWN = {
    "below": lambda a, b: a < b, "slightly_below": lambda a, b: a <= b, "equal": lambda a, b: a == b,
    "above": lambda a, b: a > b, "slightly_above": lambda a, b: a >= b,
}
# The words a passing / failing line may use.
WORDS = {True: {"below", "slightly_below"}, False: {"equal", "above", "slightly_above"}}
ASSET_KEYS = ("elig.line.asset_deposits", "elig.line.asset_vehicles", "elig.line.asset_houses",
              "elig.line.asset_area", "elig.line.asset_business")


def money(text: str) -> Decimal:
    return Decimal(str(text).replace(",", ""))


incomes = st.lists(st.builds(el.Income, st.sampled_from(el.INCOME_KINDS),
                             st.one_of(st.integers(0, 3000_00), st.sampled_from([0, 1, 899_99, 900_00, 900_01]))),
                   max_size=3)
members = st.builds(el.Member, name=st.sampled_from(["A", "B", "C"]), relationship=st.just("other"),
                    age=st.integers(0, 100), disability_grade=st.integers(0, 4), serious_illness=st.booleans(),
                    student=st.booleans(), incomes=incomes.map(tuple))


@st.composite
def cases(draw):
    size = draw(st.integers(1, 20))
    people = tuple(draw(members) for _ in range(size))
    standard = draw(st.one_of(st.integers(1, 3000_00), st.sampled_from([900_00, 1015_00, 1015_01])))
    deposit_per = draw(st.integers(0, 50_000_00))
    household = el.Household(
        people, draw(st.sampled_from(el.RESIDENCES)),
        deposits_fen=draw(st.one_of(st.integers(0, 2_000_000_00),
                                    st.sampled_from([deposit_per * size, deposit_per * size + 1]))),
        vehicles=draw(st.integers(0, 2)), houses=draw(st.integers(0, 2)),
        housing_area_m2=draw(st.integers(0, 60 * size)), businesses=draw(st.integers(0, 1)),
        sudden_hardship=draw(st.booleans()))
    tiers = draw(st.lists(st.builds(lambda b, p: {"below": b, "per_person": p}, st.integers(0, 3000_00),
                                    st.integers(0, 1000_00)), max_size=3))
    values = {
        el.STANDARD_URBAN: standard, el.STANDARD_RURAL: standard, el.DEPOSIT_PER_MEMBER: deposit_per,
        el.MAX_VEHICLES: draw(st.integers(0, 1)), el.MAX_HOUSES: 1, el.AREA_PER_MEMBER: 40,
        el.MAX_BUSINESSES: 0,
        el.EXCLUDED_KINDS: draw(st.lists(st.sampled_from(el.INCOME_KINDS), unique=True)),
        el.WAGE_DEDUCTION: draw(st.sampled_from([0, 100_00])),
        el.NEAR_POOR_PERMILLE: draw(st.integers(1000, 3000)),
        el.TIERS: el.check_value(el.TIERS, tiers), el.ROUND_TO_YUAN: draw(st.booleans()),
    }
    params = el.PolicyParams({k: el.Param(k, v, date(2025, 1, 1), f"D-{k}") for k, v in values.items()}, DAY)
    return household, params, values


@SETTINGS
@given(cases())
def test_shown_reasons_never_contradict_the_outcome(case):
    household, params, values = case
    result = el.assess(household, params)
    lines = result.lines
    keys = [line.key for line in lines]
    asset_lines = [line for line in lines if line.key in ASSET_KEYS]
    income_line = next(line for line in lines if line.key.startswith("elig.line.income_test"))

    # The income test line: its key, its ok flag and its word say the same thing.
    assert income_line.ok is result.income_ok
    assert (income_line.key == "elig.line.income_test") is result.income_ok
    assert len(asset_lines) == 5 and all((line.ok is True) or (line.ok is False) for line in asset_lines)
    assert result.assets_ok is all(line.ok for line in asset_lines)

    if result.outcome in (el.ELIGIBLE, el.ELIGIBLE_ZERO):
        assert result.income_ok and result.assets_ok and result.single_members == ()
        assert (result.monthly_amount_fen > 0) is (result.outcome == el.ELIGIBLE)
        assert (result.outcome == el.ELIGIBLE_ZERO) is ("elig.line.zero" in keys)
    elif result.outcome == el.SINGLE_PERSON:
        assert not result.income_ok and result.assets_ok and "elig.line.near_poor" in keys
        passing = [line.params["member"] for line in lines if line.key == "elig.line.single"]
        assert passing and len(passing) == len(result.single_members)
    else:  # not eligible (with or without routes): something shown failed, nothing shown lets them apply
        assert result.monthly_amount_fen == 0 and not result.may_apply
        assert any(line.ok is False for line in lines)
        assert "elig.line.single" not in keys and "elig.line.amount_gap" not in keys
        assert "elig.line.amount_tier" not in keys
        if result.outcome == el.NEAR_MISS:
            assert el.ROUTE_EDGE in result.routes

    # Every shown comparison: the word is the exact relation, and the shown figures agree with the word.
    size = len(household.members)
    for line in lines:
        if line.key not in PAIRS:
            continue
        left, right = (money(line.params[name]) for name in PAIRS[line.key])
        word = line.params.get("relation", "below")  # the 单人保 line's wording says "below" itself
        assert SHOWN[word](left, right), (line.key, left, word, right)
        assert word in WORDS[bool(line.ok)], (line.key, word, line.ok)
        # The figures are the exact values cut (2 to 4 decimals), never rounded up.
        if line.key.startswith("elig.line.income_test"):
            exact = Fraction(result.counted_income_fen, size * 100)
            assert exact - Fraction(1, 100) < left <= exact
            assert right == Fraction(result.standard_fen, 100)
        if line.key == "elig.line.near_poor":
            exact = Fraction(result.standard_fen * values[el.NEAR_POOR_PERMILLE], 100_000)
            assert exact - Fraction(1, 100) < right <= exact
    # The 单人保 lines: a member is let apply alone only below the standard, and the amount is the gap.
    for line in lines:
        if line.key == "elig.line.single":
            assert money(line.params["own"]) < money(line.params["standard"])
            gap = money(line.params["standard"]) - money(line.params["own"])
            assert money(line.params["amount"]) == (gap if not values[el.ROUND_TO_YUAN] else int(gap))

    # The amount line is exact arithmetic.
    for line in lines:
        if line.key == "elig.line.amount_gap":
            assert money(line.params["standard"]) * line.params["size"] - money(line.params["total"]) == \
                money(line.params["amount"])

    # The four national kinds are never counted, whatever the local list holds.
    counted_kinds = {line.params["kind"] for line in lines if line.key == "elig.line.income_counted"}
    assert not counted_kinds & set(el.ALWAYS_EXCLUDED)
    expected_total = 0
    excluded = set(values[el.EXCLUDED_KINDS]) | set(el.ALWAYS_EXCLUDED)
    for m in household.members:
        for inc in m.incomes:
            if inc.kind in excluded:
                continue
            amount = inc.monthly_fen
            if inc.kind == "wage":
                amount = max(0, amount - values[el.WAGE_DEDUCTION])
            expected_total += amount
    assert result.counted_income_fen == expected_total

    # Both languages render every line (no missing placeholder).
    for line in lines:
        assert el.describe(line, "zh") and el.describe(line, "en")
