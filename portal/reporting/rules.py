"""Pure rules of reporting: the performance score term by term, and the reward pool shared in proportion to the
scores above a floor, exact to the fen.

Scores are kept as integers in thousandths of a point (a score of 87.5 is 87_500) and weights in thousandths
(per-mille), so the same data always gives the same score on every machine: no float decides money.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    """One term of a score: the measure (0–100 points, in thousandths), its weight (per-mille) and what it adds."""

    key: str
    points_milli: int
    weight_permille: int

    @property
    def contribution_milli(self) -> int:
        # Cut, never rounded up: the shown terms add up to the shown total exactly.
        return self.points_milli * self.weight_permille // 1000


def score(terms: Sequence[Term]) -> int:
    """The weighted score in thousandths of a point; the weights must add up to 1000 (the dated weight set's rule)."""
    if sum(t.weight_permille for t in terms) != 1000:
        raise ValueError("weights must add up to 1000 per mille")
    if any(not 0 <= t.points_milli <= 100_000 or t.weight_permille < 0 for t in terms):
        raise ValueError("points are 0..100 and weights not negative")
    return sum(t.contribution_milli for t in terms)


def allocate(pool_fen: int, scores: Mapping[str, int], floor: int) -> dict[str, int]:
    """Share `pool_fen` among the regions scoring at least `floor`, in proportion to their scores, by the largest
    remainder method: each gets the floor of its exact share, and the fen left over go one each to the largest
    remainders (ties to the higher score, then the region code), so the shares always add up to the pool exactly and
    none is negative. Regions under the floor, or with a score of 0, get 0. If nobody qualifies, every share is 0 and
    the pool stays unallocated (the caller must say so; it is not spread to those who did not qualify)."""
    if pool_fen < 0:
        raise ValueError("the pool cannot be negative")
    if any(s < 0 for s in scores.values()):
        raise ValueError("scores cannot be negative")
    eligible = {code: s for code, s in scores.items() if s >= floor and s > 0}
    shares = {code: 0 for code in scores}
    weight = sum(eligible.values())
    if not eligible or pool_fen == 0:
        return shares
    remainders = []
    for code, s in eligible.items():
        whole, rest = divmod(pool_fen * s, weight)
        shares[code] = whole
        remainders.append((rest, s, code))
    left = pool_fen - sum(shares.values())
    remainders.sort(key=lambda r: (-r[0], -r[1], r[2]))
    for _rest, _s, code in remainders[:left]:
        shares[code] += 1
    return shares


def city_score(county_scores: Mapping[str, int], recipients: Mapping[str, int]) -> int:
    """A city's score from its counties: the average weighted by each county's recipients (a county with more people
    on the allowance weighs more), cut to the thousandth; plain average when no county has recipients."""
    if not county_scores:
        raise ValueError("a city score needs at least one county")
    total = sum(recipients.get(code, 0) for code in county_scores)
    if total == 0:
        return sum(county_scores.values()) // len(county_scores)
    return sum(s * recipients.get(code, 0) for code, s in county_scores.items()) // total


# The score's terms, each a measure turned into 0–100 points (in thousandths) by a rule written here, so the
# calculation shown term by term can be checked by hand.
TERM_SATISFACTION = "satisfaction"  # counted window ratings of 4 or 5 stars, as a share of all counted ratings
TERM_SUBSTANTIATED = "substantiated"  # 100 points less 10 per substantiated report per 1,000 recipients
TERM_PAID_ON_TIME = "paid_on_time"  # months whose allowance was paid by the month's end, as a share of the months
TERMS = (TERM_SATISFACTION, TERM_SUBSTANTIATED, TERM_PAID_ON_TIME)
PENALTY_PER_PER_THOUSAND_MILLI = 10_000


def share_points(part: int, whole: int) -> int | None:
    """part / whole as points in thousandths, cut; None when there is nothing to measure (whole 0)."""
    if whole <= 0:
        return None
    return 100_000 * min(part, whole) // whole


def substantiated_points(substantiated: int, recipients: int) -> int | None:
    if recipients <= 0:
        return None
    penalty = PENALTY_PER_PER_THOUSAND_MILLI * substantiated * 1000 // recipients
    return max(0, 100_000 - penalty)


def check_weights(weights: Mapping[str, int]) -> None:
    """A weight set names every term once, none negative, adding up to 1000 per mille."""
    if set(weights) != set(TERMS) or any(not isinstance(v, int) or v < 0 for v in weights.values()) \
            or sum(weights.values()) != 1000:
        raise ValueError("weights")


def shown_points(milli: int) -> str:
    """Thousandths of a point as printed: 72500 → '72.500' (every digit the score is kept with)."""
    return f"{milli // 1000}.{milli % 1000:03d}"


def parse_points(text: str | None) -> int | None:
    """'30', '72.5' (points, at most three decimals) → thousandths of a point; None when not such a number in 0–100.

    >>> parse_points("72.5"), parse_points("100"), parse_points("101"), parse_points("x")
    (72500, 100000, None, None)
    """
    whole, dot, frac = (text or "").strip().partition(".")
    if not whole.isdigit() or len(whole) > 3 or (dot and (not frac.isdigit() or len(frac) > 3)):
        return None
    value = int(whole) * 1000 + (int(frac.ljust(3, "0")) if dot else 0)
    return value if value <= 100_000 else None
