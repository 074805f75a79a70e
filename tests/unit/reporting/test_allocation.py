"""The reward pool (以奖代补) shared by score above a floor, exact to the fen, and the score term by term."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings, strategies as st

from portal.reporting.rules import Term, allocate, city_score, score

codes = st.text(alphabet="0123456789", min_size=6, max_size=6)
scores_st = st.dictionaries(codes, st.integers(min_value=0, max_value=100_000), min_size=1, max_size=40)
pools = st.integers(min_value=0, max_value=10**13)  # up to 100 billion yuan
floors = st.integers(min_value=0, max_value=100_000)


@settings(max_examples=400, deadline=None)
@given(pool=pools, scores=scores_st, floor=floors)
def test_shares_sum_to_the_pool_and_are_never_negative(pool, scores, floor):
    shares = allocate(pool, scores, floor)
    assert set(shares) == set(scores)
    assert all(v >= 0 for v in shares.values())
    qualified = [c for c, s in scores.items() if s >= floor and s > 0]
    assert sum(shares.values()) == (pool if qualified else 0)
    for code, s in scores.items():
        if code not in qualified:
            assert shares[code] == 0


@settings(max_examples=400, deadline=None)
@given(pool=pools, scores=scores_st, floor=floors)
def test_each_share_is_within_one_fen_of_its_exact_proportion(pool, scores, floor):
    shares = allocate(pool, scores, floor)
    qualified = {c: s for c, s in scores.items() if s >= floor and s > 0}
    weight = sum(qualified.values())
    for code, s in qualified.items():
        exact = Fraction(pool * s, weight)
        assert exact - 1 < shares[code] < exact + 1


@settings(max_examples=300, deadline=None)
@given(pool=pools, scores=scores_st, floor=floors)
def test_a_higher_score_never_gets_less(pool, scores, floor):
    shares = allocate(pool, scores, floor)
    qualified = sorted((s, shares[c]) for c, s in scores.items() if s >= floor and s > 0)
    for (s1, v1), (s2, v2) in zip(qualified, qualified[1:]):
        if s1 < s2:
            assert v1 <= v2
        else:  # equal scores: equal shares, but for the one fen of a remainder the tie-break by code may give
            assert abs(v1 - v2) <= 1


@given(pool=pools, scores=scores_st, floor=floors)
def test_the_allocation_is_the_same_whatever_the_order(pool, scores, floor):
    backwards = dict(reversed(list(scores.items())))
    assert allocate(pool, scores, floor) == allocate(pool, backwards, floor)


def test_largest_remainder_by_hand():
    # 100 fen among 3 equal scores: 33 each and the one fen left goes to the lowest code (a documented tie-break).
    assert allocate(100, {"130104": 80_000, "130102": 80_000, "130105": 80_000}, 60_000) == {
        "130102": 34, "130104": 33, "130105": 33}
    # Under the floor gets nothing; the others share all of it.
    assert allocate(1_000_00, {"A": 90_000, "B": 45_000, "C": 59_999}, 60_000) == {"A": 1_000_00, "B": 0, "C": 0}
    assert allocate(7, {"A": 2, "B": 1}, 0) == {"A": 5, "B": 2}  # 4.67 / 2.33: the .67 takes the extra fen
    assert allocate(500, {"A": 10, "B": 20}, 50) == {"A": 0, "B": 0}  # nobody qualifies: nothing allocated
    with pytest.raises(ValueError):
        allocate(-1, {"A": 1}, 0)
    with pytest.raises(ValueError):
        allocate(1, {"A": -1}, 0)


def test_score_term_by_term():
    terms = [Term("timeliness", 92_500, 400), Term("satisfaction", 88_000, 350), Term("substantiated", 70_000, 250)]
    assert [t.contribution_milli for t in terms] == [37_000, 30_800, 17_500]
    assert score(terms) == 85_300
    with pytest.raises(ValueError):
        score(terms[:2])  # weights must add up to 1000 per mille
    with pytest.raises(ValueError):
        score([Term("x", 100_001, 1000)])


def test_city_score_weighs_counties_by_recipients():
    assert city_score({"a": 90_000, "b": 60_000}, {"a": 3000, "b": 1000}) == 82_500
    assert city_score({"a": 90_000, "b": 60_000}, {}) == 75_000
    with pytest.raises(ValueError):
        city_score({}, {})
