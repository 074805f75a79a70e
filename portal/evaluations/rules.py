"""Volunteer supervisors' evaluations (民主评议): criteria, scores, the combined score, ranking, the talk flag.

Pure rules over plain values (no database, no Reflex); `evaluation_workflow` loads and stores. Scores:

* a supervisor scores each criterion of the round 1-5; one evaluation's score is the weighted mean of them;
* a target's supervisors' score is the mean of its submitted evaluations, on a 100-point scale (× 20);
* residents' side is the satisfaction rate (levels 4-5) of the counted ratings in the round's period, from the
  ratings aggregation (k ≥ 5: below that there is no rate), × 100;
* combined = (W_s × supervisors + W_r × residents) / (W_s + W_r), weights from policy settings;
* a target lacking either part is listed with its numbers but not ranked; ranking is competition ranking
  (1, 1, 3) on exact values, so equal scores share a rank.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Generic, TypeVar

from portal.kernel.errors import DomainError
from portal.ratings.rules import RankRow, bottom_keys

MIN_SCORE, MAX_SCORE = 1, 5
SCALE = 20  # 1-5 → 20-100 points
MIN_ROUNDS_PER_YEAR = 2  # 每年至少开展两次评议

# Criteria an admin may put in a round (message keys "eval.crit.<key>"); the order is the form's order.
CRITERIA: tuple[str, ...] = ("attitude", "efficiency", "openness", "integrity", "professionalism", "environment")
DEFAULT_CRITERIA: tuple[tuple[str, int], ...] = (("attitude", 30), ("efficiency", 30), ("openness", 20),
                                                 ("integrity", 20))
MAX_COMMENT = 500
MAX_PHOTOS = 6


class EvaluationRuleError(DomainError):
    """Breaks a rule; `key` is a message-catalog key."""


def validate_criteria(criteria: Sequence[tuple[str, int]]) -> list[dict]:
    """[(key, weight)] → the stored form. Known keys, no repeats, positive integer weights summing to 100."""
    seen: set[str] = set()
    out = []
    for key, weight in criteria:
        if key not in CRITERIA or key in seen:
            raise EvaluationRuleError("eval.err.criteria")
        if isinstance(weight, bool) or not isinstance(weight, int) or weight <= 0:
            raise EvaluationRuleError("eval.err.weights")
        seen.add(key)
        out.append({"key": key, "weight": weight})
    if not out:
        raise EvaluationRuleError("eval.err.criteria")
    if sum(c["weight"] for c in out) != 100:
        raise EvaluationRuleError("eval.err.weights")
    return out


def validate_score(score: object) -> int:
    if isinstance(score, bool) or not isinstance(score, int) or not MIN_SCORE <= score <= MAX_SCORE:
        raise EvaluationRuleError("eval.err.score")
    return score


def evaluation_score(criteria: Sequence[Mapping], scores: Mapping[str, int]) -> Fraction:
    """Weighted mean (1-5) of one complete evaluation; every criterion of the round must be scored."""
    total = Fraction(0)
    weights = 0
    for c in criteria:
        if c["key"] not in scores:
            raise EvaluationRuleError("eval.err.incomplete")
        total += c["weight"] * validate_score(scores[c["key"]])
        weights += c["weight"]
    if weights <= 0:
        raise EvaluationRuleError("eval.err.weights")
    return total / weights


def supervisors_score(evaluation_scores: Sequence[Fraction]) -> Fraction | None:
    """Mean of the submitted evaluations, on 100 points; None when nobody submitted."""
    if not evaluation_scores:
        return None
    return sum(evaluation_scores, Fraction(0)) / len(evaluation_scores) * SCALE


def validate_weights(weight_supervisors: int, weight_residents: int) -> tuple[int, int]:
    for w in (weight_supervisors, weight_residents):
        if isinstance(w, bool) or not isinstance(w, int) or w < 0:
            raise EvaluationRuleError("eval.err.weights")
    if weight_supervisors + weight_residents <= 0:
        raise EvaluationRuleError("eval.err.weights")
    return weight_supervisors, weight_residents


def combined_score(supervisors: Fraction | None, resident_rate: Fraction | None, weight_supervisors: int,
                   weight_residents: int) -> Fraction | None:
    """0-100. None when a part that carries weight is missing (no submitted evaluation, or fewer than k ratings)."""
    ws, wr = validate_weights(weight_supervisors, weight_residents)
    if (ws and supervisors is None) or (wr and resident_rate is None):
        return None
    parts = Fraction(0)
    if ws:
        parts += ws * supervisors
    if wr:
        parts += wr * resident_rate * 100
    return parts / (ws + wr)


K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Ranked(Generic[K]):
    key: K
    score: Fraction | None
    rank: int | None  # None: not ranked (a part missing)


def rank_scores(scores: Mapping[K, Fraction | None]) -> list[Ranked[K]]:
    """Highest first, competition ranking (1, 1, 3); unscored keys last, unranked. Keys must be orderable."""
    scored = sorted(((k, s) for k, s in scores.items() if s is not None), key=lambda item: (-item[1], item[0]))
    out: list[Ranked[K]] = []
    rank, previous = 0, None
    for position, (key, score) in enumerate(scored, start=1):
        if score != previous:
            rank, previous = position, score
        out.append(Ranked(key, score, rank))
    out.extend(Ranked(k, None, None) for k in sorted(k for k, s in scores.items() if s is None))
    return out


def bottom_of(rows: Sequence[Ranked[K]]) -> set[K]:
    """Targets in last place (ties included); nobody when all ranked targets share one rank (as for ratings)."""
    return bottom_keys(RankRow(r.key, 0, None, r.rank) for r in rows)


def talk_flags(this_round: Sequence[Ranked[K]], previous_round: Sequence[Ranked[K]] | None) -> set[K]:
    """约谈: last place in this round and in the round before (same region, the latest one closed before)."""
    if not previous_round:
        return set()
    return bottom_of(this_round) & bottom_of(previous_round)


def rounds_short_of_minimum(round_starts: Sequence[date], year: int) -> int:
    """How many more rounds must open in `year` to reach the yearly minimum (0 when reached)."""
    return max(0, MIN_ROUNDS_PER_YEAR - sum(1 for d in round_starts if d.year == year))
