"""Window satisfaction ratings (好差评): levels, tags, aggregation, anti-abuse and ranking rules.

Pure rules over plain values: callers load ratings from the database and pass them in. Texts shown to people
live in the message catalog; this module only hands out message keys ("rating.level.5", "tag.slow").
Datetimes are compared as given: pass them all naive local time or all timezone-aware, never mixed.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Generic, TypeVar

from portal.kernel.workdays import WorkCalendar

# ---------------------------------------------------------------------------------------------------------------
# Levels and tags

MIN_LEVEL = 1
MAX_LEVEL = 5
# 非常满意 5, 满意 4, 基本满意 3, 不满意 2, 非常不满意 1.
LEVELS: Mapping[int, str] = {level: f"rating.level.{level}" for level in range(MIN_LEVEL, MAX_LEVEL + 1)}

POSITIVE_TAGS: tuple[str, ...] = (
    "tag.efficient",
    "tag.friendly",
    "tag.professional",
    "tag.short_wait",
    "tag.clear_info",
)
NEGATIVE_TAGS: tuple[str, ...] = (
    "tag.slow",
    "tag.rude",
    "tag.unprofessional",
    "tag.long_wait",
    "tag.unclear_info",
    "tag.runaround",  # 多次跑腿: had to come back several times
)
# 基本满意 (3) is offered the negative tags: a lukewarm rating is most useful when it says what to improve.
TAGS_BY_LEVEL: Mapping[int, tuple[str, ...]] = {
    level: POSITIVE_TAGS if level >= 4 else NEGATIVE_TAGS for level in LEVELS
}

K_MIN = 5  # no breakdown of fewer than K_MIN ratings (k-anonymity for raters)
CALLBACK_WD = 1  # call a bad reviewer back within 1 working day when a phone was left
RESOLVE_WD = 5  # fix or explain a bad review within 5 working days


def validate_level(level: int) -> int:
    """Return ``level`` if it is one of ``LEVELS``, else raise ``ValueError``."""
    # bool is an int subclass; True must not pass as level 1.
    if isinstance(level, bool) or not isinstance(level, int) or level not in LEVELS:
        raise ValueError(f"rating level must be an int in {MIN_LEVEL}..{MAX_LEVEL}, got {level!r}")
    return level


def is_bad(level: int) -> bool:
    """差评 (bad review): levels 1–2; starts a follow-up."""
    return validate_level(level) <= 2


def is_satisfied(level: int) -> bool:
    """满意 (satisfied): levels 4–5; the numerator of the satisfaction rate."""
    return validate_level(level) >= 4


def validate_tags(level: int, tags: Iterable[str]) -> tuple[str, ...]:
    """Check that every tag is offered for ``level``; return them de-duplicated in catalog order.

    Raises ``ValueError`` naming the tags not offered for that level (e.g. "tag.rude" on a 5).
    """
    offered = TAGS_BY_LEVEL[validate_level(level)]
    chosen = set(tags)
    unknown = chosen.difference(offered)
    if unknown:
        raise ValueError(f"tags not offered for level {level}: {sorted(unknown)}")
    return tuple(tag for tag in offered if tag in chosen)


# ---------------------------------------------------------------------------------------------------------------
# Aggregation for staff dashboards and published results


@dataclass(frozen=True, slots=True)
class RatingPoint:
    """One rating as the aggregation sees it: nothing that identifies the rater."""

    level: int
    tags: tuple[str, ...]
    created_at: datetime
    comment: str | None = None

    def __post_init__(self) -> None:
        validate_level(self.level)


@dataclass(frozen=True, slots=True)
class WeekBucket:
    week_start: date  # Monday of the ISO week
    count: int
    satisfaction_rate: float | None  # None when the week holds fewer than k ratings


@dataclass(frozen=True, slots=True)
class WindowSummary:
    """Aggregate of one window's ratings. When ``suppressed`` only ``count`` is filled in."""

    count: int
    suppressed: bool
    satisfaction_rate: float | None = None
    bad_rate: float | None = None
    distribution: dict[int, int] = field(default_factory=dict)  # every level, zeros included
    top_tags: list[tuple[str, int]] = field(default_factory=list)  # most used first, then by tag key
    weekly_trend: list[WeekBucket] = field(default_factory=list)  # consecutive weeks, empty weeks included


def _week_start(moment: datetime) -> date:
    day = moment.date()
    return day - timedelta(days=day.weekday())


def summarize(points: Sequence[RatingPoint], k: int = K_MIN) -> WindowSummary:
    """Summarize ratings for display; below ``k`` ratings nothing but the count is revealed.

    ``k`` may be raised above ``K_MIN`` but never lowered below it.
    """
    if k < K_MIN:
        raise ValueError(f"k must be >= {K_MIN}, got {k}")
    count = len(points)
    if count < k:
        return WindowSummary(count=count, suppressed=True)

    distribution = {level: 0 for level in LEVELS}
    tag_counts: Counter[str] = Counter()
    weeks: dict[date, list[int]] = {}
    for point in points:
        distribution[point.level] += 1
        tag_counts.update(set(point.tags))  # a tag counts once per rating
        weeks.setdefault(_week_start(point.created_at), []).append(point.level)

    satisfied = sum(n for level, n in distribution.items() if is_satisfied(level))
    bad = sum(n for level, n in distribution.items() if is_bad(level))

    # Fill empty weeks so a chart shows quiet periods instead of joining distant points.
    trend: list[WeekBucket] = []
    week, last_week = min(weeks), max(weeks)
    while week <= last_week:
        levels = weeks.get(week, [])
        rate = sum(1 for lv in levels if is_satisfied(lv)) / len(levels) if len(levels) >= k else None
        trend.append(WeekBucket(week_start=week, count=len(levels), satisfaction_rate=rate))
        week += timedelta(days=7)

    return WindowSummary(
        count=count,
        suppressed=False,
        satisfaction_rate=satisfied / count,
        bad_rate=bad / count,
        distribution=distribution,
        top_tags=sorted(tag_counts.items(), key=lambda item: (-item[1], item[0])),
        weekly_trend=trend,
    )


# ---------------------------------------------------------------------------------------------------------------
# Anti-abuse


def cooldown_allows(last_rating_at: datetime | None, now: datetime, cooldown: timedelta) -> bool:
    """True when a device may rate this window again: no earlier rating, or at least ``cooldown`` has passed."""
    if cooldown < timedelta(0):
        raise ValueError("cooldown must not be negative")
    if last_rating_at is None:
        return True
    # A last rating "in the future" (clock skew) gives a negative gap and is refused.
    return now - last_rating_at >= cooldown


def burst_threshold(active_hour_counts: Sequence[int], window: timedelta, multiplier: int, floor: int) -> int:
    """How many ratings one window may receive inside ``window`` before they are a burst: ``multiplier`` × its
    normal volume for that long, never below ``floor``.

    The normal volume is the median count of the window's active hours (hours with at least one counted rating)
    in a trailing period: nights and closed days say nothing about how busy the window is when it serves, and a
    median is not moved by one earlier flood. A window with no history gets the floor.
    """
    if window <= timedelta(0):
        raise ValueError("window must be positive")
    if multiplier < 0 or floor < 0:
        raise ValueError("multiplier and floor must not be negative")
    counts = sorted(n for n in active_hour_counts if n > 0)
    if not counts:
        return floor
    mid = len(counts) // 2
    median = Fraction(counts[mid]) if len(counts) % 2 else Fraction(counts[mid - 1] + counts[mid], 2)
    scaled = multiplier * median * Fraction(int(window.total_seconds()), 3600)
    return max(floor, math.ceil(scaled))


def address_over_daily_limit(earlier_from_address: int, limit: int) -> bool:
    """A rating beyond ``limit`` from one client address at one window in a day is held, never refused: a hall's
    Wi-Fi puts many residents behind one address, so only an officer decides whether they were genuine."""
    if limit < 0:
        raise ValueError("limit must not be negative")
    return earlier_from_address >= limit


def over_burst_threshold(recent_including_this: int, threshold: int) -> bool:
    """The counting form of `detect_burst`: the ratings in the span, this one included, against the threshold."""
    if threshold < 0:
        raise ValueError("threshold must not be negative")
    return recent_including_this > threshold


def detect_burst(timestamps: Sequence[datetime], now: datetime, window: timedelta, threshold: int) -> bool:
    """刷评 (rating burst): more than ``threshold`` ratings of one window in the interval (now − window, now]."""
    if window <= timedelta(0):
        raise ValueError("window must be positive")
    if threshold < 0:
        raise ValueError("threshold must not be negative")
    start = now - window
    recent = sum(1 for t in timestamps if start < t <= now)
    return recent > threshold


# ---------------------------------------------------------------------------------------------------------------
# Ranking and the 约谈 (talk) flag

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class RankRow(Generic[K]):
    key: K
    count: int
    satisfaction_rate: float | None  # None below K_MIN ratings (no breakdown) or with no ratings
    rank: int | None  # None when count < min_count


def rank_windows(rows: Sequence[tuple[K, int, int]], min_count: int = K_MIN) -> list[RankRow[K]]:
    """Rank windows (or offices) by satisfaction rate; rows are ``(key, count, satisfied_count)``.

    Rows with at least ``min_count`` ratings are ranked with competition ranking (1, 1, 3): equal rates share a
    rank. Order: ranked rows by rate desc, count desc, key; then unranked rows the same way. Keys must be
    mutually orderable (all str or all int). ``min_count`` may not be below ``K_MIN``: a published rate is a
    breakdown.
    """
    if min_count < K_MIN:
        raise ValueError(f"min_count must be >= {K_MIN}, got {min_count}")
    exact: dict[K, Fraction | None] = {}
    for key, count, satisfied in rows:
        if count < 0 or not 0 <= satisfied <= count:
            raise ValueError(f"invalid counts for {key!r}: count={count}, satisfied={satisfied}")
        if key in exact:
            raise ValueError(f"duplicate key {key!r}")
        exact[key] = Fraction(satisfied, count) if count >= K_MIN else None

    # Exact fractions, so 4/5 and 8/10 tie for sure.
    def order(row: tuple[K, int, int]) -> tuple[bool, Fraction, int, K]:
        key, count, _ = row
        rate = exact[key]
        return (count < min_count, -(rate if rate is not None else Fraction(-1)), -count, key)

    result: list[RankRow[K]] = []
    rank = 0
    previous: Fraction | None = None
    for position, (key, count, _) in enumerate(sorted(rows, key=order), start=1):
        rate = exact[key]
        ranked = count >= min_count
        if ranked and rate != previous:
            rank, previous = position, rate
        result.append(
            RankRow(
                key=key,
                count=count,
                satisfaction_rate=float(rate) if rate is not None else None,
                rank=rank if ranked else None,
            )
        )
    return result


def _parse_month(month: str) -> tuple[int, int]:
    try:
        year_text, month_text = month.split("-")
        year, number = int(year_text), int(month_text)
    except ValueError:
        raise ValueError(f"month must look like 'YYYY-MM', got {month!r}") from None
    if len(year_text) != 4 or len(month_text) != 2 or not 1 <= number <= 12:
        raise ValueError(f"month must look like 'YYYY-MM', got {month!r}")
    return year, number


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def bottom_keys(rows: Iterable[RankRow[K]]) -> set[K]:
    """Keys at the worst rank (ties included); none when every ranked row shares one rank."""
    ranks = {row.key: row.rank for row in rows if row.rank is not None}
    if not ranks:
        return set()
    worst = max(ranks.values())
    # When every ranked window shares one rank (or only one is ranked) nobody is behind anybody: no bottom.
    if worst == min(ranks.values()):
        return set()
    return {key for key, rank in ranks.items() if rank == worst}


def bottom_two_months_running(monthly_ranks: Mapping[str, Sequence[RankRow[K]]]) -> set[K]:
    """Keys ranked last (ties included) in two consecutive calendar months: flagged for a talk (约谈).

    ``monthly_ranks`` maps 'YYYY-MM' to that month's ``rank_windows`` result. Months must be adjacent
    (2026-12 and 2027-01 are; 2026-08 and 2026-10 are not, even if 2026-09 is missing from the input).
    """
    bottoms = {_parse_month(month): bottom_keys(rows) for month, rows in monthly_ranks.items()}
    flagged: set[K] = set()
    for month, keys in bottoms.items():
        flagged |= keys & bottoms.get(_next_month(*month), set())
    return flagged


# ---------------------------------------------------------------------------------------------------------------
# Bad-review follow-up


@dataclass(frozen=True, slots=True)
class FollowupDeadlines:
    callback_due: date | None  # None when the rater left no phone
    resolve_due: date


def followup_deadlines(created_at: datetime, has_phone: bool, cal: WorkCalendar) -> FollowupDeadlines:
    """Deadlines for a 差评: callback ≤ 1 WD (only with a phone), fix or explain ≤ 5 WD."""
    return FollowupDeadlines(
        callback_due=cal.add_working_days(created_at, CALLBACK_WD) if has_phone else None,
        resolve_due=cal.add_working_days(created_at, RESOLVE_WD),
    )
