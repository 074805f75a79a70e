"""Rules of supervisors' evaluations (portal/evaluations/rules.py): criteria and weights, one evaluation's score,
supervisors' average, the combined score with residents' satisfaction, missing parts, ranking with ties, talk flag."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from portal.evaluations import rules as ev
from portal.evaluations.rules import EvaluationRuleError, Ranked

CRIT = [{"key": "attitude", "weight": 30}, {"key": "efficiency", "weight": 30}, {"key": "openness", "weight": 20},
        {"key": "integrity", "weight": 20}]


def test_criteria_must_be_known_unique_and_weigh_100():
    assert ev.validate_criteria([("attitude", 60), ("integrity", 40)]) == [
        {"key": "attitude", "weight": 60}, {"key": "integrity", "weight": 40}]
    for bad, key in [([("attitude", 50), ("attitude", 50)], "eval.err.criteria"),
                     ([("bribes", 100)], "eval.err.criteria"), ([], "eval.err.criteria"),
                     ([("attitude", 60), ("integrity", 30)], "eval.err.weights"),
                     ([("attitude", 100), ("integrity", 0)], "eval.err.weights"),
                     ([("attitude", True)], "eval.err.weights"), ([("attitude", 100.0)], "eval.err.weights")]:
        with pytest.raises(EvaluationRuleError) as err:
            ev.validate_criteria(bad)
        assert err.value.key == key, bad


@pytest.mark.parametrize("score", [0, 6, True, 3.5, "4", None])
def test_scores_are_whole_numbers_1_to_5(score):
    with pytest.raises(EvaluationRuleError):
        ev.validate_score(score)


def test_one_evaluation_is_the_weighted_mean_of_its_criteria():
    scores = {"attitude": 5, "efficiency": 4, "openness": 3, "integrity": 5}
    # (30*5 + 30*4 + 20*3 + 20*5) / 100 = 4.3
    assert ev.evaluation_score(CRIT, scores) == Fraction(43, 10)
    with pytest.raises(EvaluationRuleError) as err:
        ev.evaluation_score(CRIT, {"attitude": 5})
    assert err.value.key == "eval.err.incomplete"


def test_supervisors_score_is_the_mean_on_100_points_and_none_without_evaluations():
    assert ev.supervisors_score([Fraction(43, 10), Fraction(37, 10)]) == 80
    assert ev.supervisors_score([Fraction(5)]) == 100
    assert ev.supervisors_score([]) is None


def test_combined_score_weights_both_parts():
    # 60 × 80 + 40 × 90 (satisfaction 0.9) → 84
    assert ev.combined_score(Fraction(80), Fraction(9, 10), 60, 40) == 84
    # Weights are relative to their sum: 3:2 is the same as 60:40.
    assert ev.combined_score(Fraction(80), Fraction(9, 10), 3, 2) == 84
    assert ev.combined_score(Fraction(80), Fraction(9, 10), 100, 0) == 80
    assert ev.combined_score(Fraction(80), Fraction(9, 10), 0, 100) == 90


def test_missing_part_means_no_combined_score_unless_its_weight_is_zero():
    assert ev.combined_score(None, Fraction(9, 10), 60, 40) is None  # nobody submitted
    assert ev.combined_score(Fraction(80), None, 60, 40) is None  # fewer than k ratings
    assert ev.combined_score(Fraction(80), None, 100, 0) == 80
    for ws, wr in [(0, 0), (-1, 50), (True, 40)]:
        with pytest.raises(EvaluationRuleError):
            ev.combined_score(Fraction(80), Fraction(1, 2), ws, wr)


def test_ranking_shares_ranks_on_ties_and_lists_unscored_last():
    rows = ev.rank_scores({"b": Fraction(84), "a": Fraction(84), "c": Fraction(90), "d": None, "e": Fraction(70)})
    assert [(r.key, r.rank) for r in rows] == [("c", 1), ("a", 2), ("b", 2), ("e", 4), ("d", None)]
    # Exact arithmetic: 1/3-style values that floats would split still tie.
    tied = ev.rank_scores({"x": Fraction(1, 3) * 3, "y": Fraction(1)})
    assert {r.rank for r in tied} == {1}


def test_bottom_place_in_two_consecutive_rounds_is_flagged():
    this = ev.rank_scores({"a": Fraction(90), "b": Fraction(70), "c": Fraction(70)})
    prev = [Ranked("a", None, 2), Ranked("b", None, 3), Ranked("c", None, 1)]
    assert ev.talk_flags(this, prev) == {"b"}
    assert ev.talk_flags(this, None) == set()
    # When everyone ties there is no bottom, so nobody is flagged.
    all_tied = ev.rank_scores({"a": Fraction(80), "b": Fraction(80)})
    assert ev.talk_flags(all_tied, [Ranked("a", None, 2), Ranked("b", None, 1)]) == set()
    # Unranked targets are never at the bottom.
    with_missing = ev.rank_scores({"a": Fraction(90), "b": Fraction(80), "z": None})
    assert ev.bottom_of(with_missing) == {"b"}


def test_rounds_short_of_the_yearly_minimum():
    assert ev.rounds_short_of_minimum([], 2026) == 2
    assert ev.rounds_short_of_minimum([date(2026, 3, 1), date(2025, 9, 1)], 2026) == 1
    assert ev.rounds_short_of_minimum([date(2026, 3, 1), date(2026, 9, 1), date(2026, 11, 1)], 2026) == 0
