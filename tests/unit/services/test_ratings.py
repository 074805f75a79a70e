"""Tests for portal/ratings/rules.py (好差评 rules)."""

import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from portal.ratings.rules import (
    K_MIN,
    LEVELS,
    NEGATIVE_TAGS,
    POSITIVE_TAGS,
    TAGS_BY_LEVEL,
    FollowupDeadlines,
    RankRow,
    RatingPoint,
    WeekBucket,
    address_over_daily_limit,
    bottom_two_months_running,
    burst_threshold,
    cooldown_allows,
    detect_burst,
    followup_deadlines,
    is_bad,
    is_satisfied,
    rank_windows,
    summarize,
    validate_tags,
)
from portal.kernel.workdays import default_calendar

REPO_ROOT = Path(__file__).resolve().parents[3]
MONDAY = datetime(2026, 3, 9, 10, 0)


def point(level: int, *tags: str, at: datetime = MONDAY) -> RatingPoint:
    return RatingPoint(level=level, tags=tuple(tags), created_at=at, comment=None)


def test_module_is_pure_python():
    code = (
        "import sys, portal.ratings.rules;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('reflex', 'sqlalchemy'));"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True)


# --- levels and tags ---------------------------------------------------------------------------------------------


def test_five_levels_with_message_keys():
    assert dict(LEVELS) == {n: f"rating.level.{n}" for n in (1, 2, 3, 4, 5)}


@pytest.mark.parametrize(
    ("level", "bad", "satisfied"),
    [(1, True, False), (2, True, False), (3, False, False), (4, False, True), (5, False, True)],
)
def test_bad_and_satisfied_levels(level, bad, satisfied):
    assert is_bad(level) is bad
    assert is_satisfied(level) is satisfied


@pytest.mark.parametrize("level", [0, 6, -1, True, 4.0])
def test_invalid_level_rejected(level):
    with pytest.raises(ValueError):
        is_bad(level)
    with pytest.raises(ValueError):
        RatingPoint(level=level, tags=(), created_at=MONDAY, comment=None)


def test_tags_offered_per_level():
    assert TAGS_BY_LEVEL[5] == TAGS_BY_LEVEL[4] == POSITIVE_TAGS
    assert TAGS_BY_LEVEL[3] == TAGS_BY_LEVEL[2] == TAGS_BY_LEVEL[1] == NEGATIVE_TAGS
    assert "tag.runaround" in NEGATIVE_TAGS
    assert not set(POSITIVE_TAGS) & set(NEGATIVE_TAGS)


def test_validate_tags_returns_deduplicated_catalog_order():
    chosen = ["tag.clear_info", "tag.efficient", "tag.clear_info"]
    assert validate_tags(5, chosen) == ("tag.efficient", "tag.clear_info")
    assert validate_tags(1, []) == ()


def test_validate_tags_rejects_tags_of_the_other_polarity():
    with pytest.raises(ValueError, match="tag.rude"):
        validate_tags(5, ["tag.efficient", "tag.rude"])
    with pytest.raises(ValueError, match="tag.friendly"):
        validate_tags(3, ["tag.friendly"])


def test_validate_tags_rejects_unknown_tag():
    with pytest.raises(ValueError):
        validate_tags(2, ["tag.whatever"])


# --- summarize: k-anonymity --------------------------------------------------------------------------------------


def test_four_ratings_give_no_breakdown():
    summary = summarize([point(1, "tag.rude"), point(5), point(5), point(4)])
    assert summary.count == 4
    assert summary.suppressed is True
    assert summary.satisfaction_rate is None
    assert summary.bad_rate is None
    assert summary.distribution == {}
    assert summary.top_tags == []
    assert summary.weekly_trend == []


def test_five_ratings_give_a_breakdown():
    points = [
        point(5, "tag.efficient", "tag.friendly"),
        point(5, "tag.efficient"),
        point(4, "tag.friendly"),
        point(3, "tag.long_wait"),
        point(1, "tag.rude", "tag.long_wait"),
    ]
    summary = summarize(points)
    assert summary.count == 5
    assert summary.suppressed is False
    assert summary.satisfaction_rate == pytest.approx(3 / 5)
    assert summary.bad_rate == pytest.approx(1 / 5)
    assert summary.distribution == {1: 1, 2: 0, 3: 1, 4: 1, 5: 2}
    # Ties broken by tag key, most used first.
    assert summary.top_tags == [("tag.efficient", 2), ("tag.friendly", 2), ("tag.long_wait", 2), ("tag.rude", 1)]
    assert summary.weekly_trend == [WeekBucket(date(2026, 3, 9), 5, pytest.approx(3 / 5))]


def test_no_ratings_is_suppressed():
    summary = summarize([])
    assert (summary.count, summary.suppressed, summary.distribution) == (0, True, {})


def test_stricter_k_suppresses_more():
    assert summarize([point(5)] * 5, k=6).suppressed is True
    assert summarize([point(5)] * 6, k=6).suppressed is False


def test_k_below_minimum_is_refused():
    with pytest.raises(ValueError):
        summarize([point(5)] * 5, k=K_MIN - 1)


def test_a_tag_repeated_within_one_rating_counts_once():
    summary = summarize([point(5, "tag.efficient", "tag.efficient")] + [point(5)] * 4)
    assert summary.top_tags == [("tag.efficient", 1)]


def test_weekly_trend_suppresses_small_weeks_and_fills_gaps():
    week1 = datetime(2026, 3, 9, 9)  # Monday
    sunday_of_week1 = datetime(2026, 3, 15, 23, 59)
    week3 = datetime(2026, 3, 25, 12)  # Wednesday two weeks later
    points = [point(5, at=week1)] * 3 + [point(2, at=week1), point(4, at=sunday_of_week1)] + [point(1, at=week3)] * 2
    trend = summarize(points).weekly_trend
    assert trend == [
        WeekBucket(date(2026, 3, 9), 5, pytest.approx(4 / 5)),
        WeekBucket(date(2026, 3, 16), 0, None),
        WeekBucket(date(2026, 3, 23), 2, None),  # count shown, rate withheld below k
    ]


# --- cool-down ---------------------------------------------------------------------------------------------------


COOLDOWN = timedelta(hours=24)


def test_first_rating_is_allowed():
    assert cooldown_allows(None, MONDAY, COOLDOWN) is True


def test_cooldown_boundaries():
    assert cooldown_allows(MONDAY - COOLDOWN, MONDAY, COOLDOWN) is True  # exactly elapsed
    assert cooldown_allows(MONDAY - COOLDOWN + timedelta(seconds=1), MONDAY, COOLDOWN) is False
    assert cooldown_allows(MONDAY - COOLDOWN - timedelta(seconds=1), MONDAY, COOLDOWN) is True


def test_last_rating_in_the_future_is_refused():
    assert cooldown_allows(MONDAY + timedelta(minutes=5), MONDAY, COOLDOWN) is False


def test_negative_cooldown_rejected():
    with pytest.raises(ValueError):
        cooldown_allows(None, MONDAY, timedelta(seconds=-1))


# --- burst detection ---------------------------------------------------------------------------------------------


WINDOW = timedelta(minutes=10)


def test_burst_threshold_boundary():
    inside = [MONDAY - timedelta(minutes=m) for m in (0, 1, 5)]
    assert detect_burst(inside, MONDAY, WINDOW, threshold=3) is False  # exactly threshold
    assert detect_burst(inside + [MONDAY - timedelta(minutes=9)], MONDAY, WINDOW, threshold=3) is True


def test_burst_window_is_half_open():
    three = [MONDAY - timedelta(minutes=1)] * 3
    at_start = MONDAY - WINDOW  # excluded
    just_inside = MONDAY - WINDOW + timedelta(seconds=1)
    future = MONDAY + timedelta(seconds=1)  # excluded: not yet "now"
    assert detect_burst(three + [at_start, future], MONDAY, WINDOW, threshold=3) is False
    assert detect_burst(three + [just_inside], MONDAY, WINDOW, threshold=3) is True


def test_burst_arguments_validated():
    with pytest.raises(ValueError):
        detect_burst([], MONDAY, timedelta(0), threshold=3)
    with pytest.raises(ValueError):
        detect_burst([], MONDAY, WINDOW, threshold=-1)


def test_burst_threshold_is_the_floor_without_history_or_for_a_quiet_window():
    assert burst_threshold([], WINDOW, multiplier=3, floor=8) == 8
    assert burst_threshold([0, 0], WINDOW, multiplier=3, floor=8) == 8  # hours without ratings are not "active"
    # 16 an hour is 16/6 in ten minutes; 3 × that = 8: exactly the floor.
    assert burst_threshold([16], WINDOW, multiplier=3, floor=8) == 8


def test_burst_threshold_follows_the_windows_normal_volume_above_the_floor():
    # Median active hour 17 → 3 × 17 / 6 = 8.5, rounded up: 9 ratings in ten minutes are still normal.
    assert burst_threshold([17], WINDOW, multiplier=3, floor=8) == 9
    # A busy window: median of 60, 60, 1000 is 60 → 3 × 10 = 30 in ten minutes; the one flood hour does not move it.
    assert burst_threshold([60, 1000, 60], WINDOW, multiplier=3, floor=8) == 30
    # Even count: the median is the mean of the middle two (60 and 120 → 90 → 45).
    assert burst_threshold([30, 60, 120, 600], WINDOW, multiplier=3, floor=8) == 45
    assert burst_threshold([60], timedelta(hours=1), multiplier=2, floor=8) == 120


def test_burst_threshold_arguments_validated():
    with pytest.raises(ValueError):
        burst_threshold([1], timedelta(0), multiplier=3, floor=8)
    with pytest.raises(ValueError):
        burst_threshold([1], WINDOW, multiplier=-1, floor=8)
    with pytest.raises(ValueError):
        burst_threshold([1], WINDOW, multiplier=3, floor=-1)


def test_address_limit_holds_only_beyond_the_daily_count():
    assert address_over_daily_limit(4, limit=5) is False  # the fifth rating from that address counts
    assert address_over_daily_limit(5, limit=5) is True  # the sixth is held
    assert address_over_daily_limit(0, limit=0) is True
    with pytest.raises(ValueError):
        address_over_daily_limit(0, limit=-1)


# --- ranking -----------------------------------------------------------------------------------------------------


def ranks(rows: list[RankRow]) -> list[tuple[str, int | None]]:
    return [(row.key, row.rank) for row in rows]


def test_ties_share_a_rank_competition_style():
    rows = [("C", 10, 7), ("A", 10, 9), ("B", 20, 18), ("D", 10, 5)]
    result = rank_windows(rows, min_count=5)
    # A and B both 90 %: B first on count, both rank 1; C is third, not second.
    assert ranks(result) == [("B", 1), ("A", 1), ("C", 3), ("D", 4)]
    assert [row.satisfaction_rate for row in result] == pytest.approx([0.9, 0.9, 0.7, 0.5])


def test_equal_rates_from_different_fractions_tie():
    result = rank_windows([("X", 5, 4), ("Y", 10, 8), ("Z", 10, 8)], min_count=5)
    assert ranks(result) == [("Y", 1), ("Z", 1), ("X", 1)]  # count desc, then key


def test_rows_below_min_count_are_unranked_and_listed_last():
    rows = [("small", 6, 6), ("big", 30, 15), ("tiny", 2, 0), ("mid", 10, 8)]
    result = rank_windows(rows, min_count=10)
    assert ranks(result) == [("mid", 1), ("big", 2), ("small", None), ("tiny", None)]
    by_key = {row.key: row for row in result}
    assert by_key["small"].satisfaction_rate == 1.0  # ≥ K_MIN ratings: rate may be shown
    assert by_key["tiny"].satisfaction_rate is None  # < K_MIN ratings: no breakdown at all


def test_min_count_below_k_is_refused():
    with pytest.raises(ValueError):
        rank_windows([("A", 3, 3)], min_count=3)


@pytest.mark.parametrize("row", [("A", 5, 6), ("A", 5, -1), ("A", -1, 0)])
def test_inconsistent_counts_rejected(row):
    with pytest.raises(ValueError):
        rank_windows([row], min_count=5)


def test_duplicate_keys_rejected():
    with pytest.raises(ValueError):
        rank_windows([("A", 5, 5), ("A", 6, 5)], min_count=5)


# --- bottom two months running (约谈) ----------------------------------------------------------------------------


def month(*rows: tuple[str, int, int]) -> list[RankRow]:
    return rank_windows(list(rows), min_count=5)


def test_last_in_two_consecutive_months_is_flagged():
    monthly = {
        "2026-09": month(("A", 10, 9), ("B", 10, 8), ("C", 10, 5)),
        "2026-10": month(("A", 10, 9), ("B", 10, 4), ("C", 10, 3)),
    }
    assert bottom_two_months_running(monthly) == {"C"}


def test_non_consecutive_months_are_not_flagged():
    monthly = {
        "2026-08": month(("A", 10, 9), ("C", 10, 3)),
        "2026-10": month(("A", 10, 9), ("C", 10, 3)),
    }
    assert bottom_two_months_running(monthly) == set()


def test_last_then_recovered_is_not_flagged():
    monthly = {
        "2026-09": month(("A", 10, 9), ("C", 10, 3)),
        "2026-10": month(("A", 10, 4), ("C", 10, 9)),
    }
    assert bottom_two_months_running(monthly) == set()


def test_december_and_january_are_consecutive():
    monthly = {
        "2025-12": month(("A", 10, 9), ("C", 10, 3)),
        "2026-01": month(("A", 10, 9), ("C", 10, 3)),
    }
    assert bottom_two_months_running(monthly) == {"C"}


def test_ties_at_the_bottom_are_all_flagged():
    monthly = {
        "2026-09": month(("A", 10, 9), ("B", 10, 3), ("C", 10, 3)),
        "2026-10": month(("A", 10, 9), ("B", 20, 6), ("C", 10, 3)),
    }
    assert bottom_two_months_running(monthly) == {"B", "C"}


def test_unranked_windows_are_never_at_the_bottom():
    # D has the worst rate both months but too few ratings to be ranked: B is last among ranked windows.
    rows = [("A", 10, 9), ("B", 10, 5), ("D", 6, 0)]
    monthly = {"2026-09": rank_windows(rows, min_count=8), "2026-10": rank_windows(rows, min_count=8)}
    assert bottom_two_months_running(monthly) == {"B"}


def test_everyone_tied_means_nobody_is_last():
    monthly = {
        "2026-09": month(("A", 10, 10), ("B", 10, 10)),
        "2026-10": month(("A", 10, 10), ("B", 10, 10)),
    }
    assert bottom_two_months_running(monthly) == set()


@pytest.mark.parametrize("bad_month", ["2026-13", "2026/09", "26-09", "2026-9"])
def test_malformed_month_rejected(bad_month):
    with pytest.raises(ValueError):
        bottom_two_months_running({bad_month: []})


# --- bad-review follow-up deadlines ------------------------------------------------------------------------------


def test_followup_across_national_day_2026():
    created = datetime(2026, 9, 30, 16, 45)  # Wednesday before the break
    deadlines = followup_deadlines(created, has_phone=True, cal=default_calendar())
    # 10-08 (1), 10-09 (2), 10-10 make-up Saturday (3), 10-12 (4), 10-13 (5).
    assert deadlines == FollowupDeadlines(callback_due=date(2026, 10, 8), resolve_due=date(2026, 10, 13))


def test_no_phone_means_no_callback_deadline():
    deadlines = followup_deadlines(datetime(2026, 9, 30, 16, 45), has_phone=False, cal=default_calendar())
    assert deadlines.callback_due is None
    assert deadlines.resolve_due == date(2026, 10, 13)


def test_followup_callback_can_fall_on_a_makeup_saturday():
    deadlines = followup_deadlines(datetime(2026, 2, 13, 11), has_phone=True, cal=default_calendar())
    # Sat 02-14 is a working day; then Spring Festival until 02-23: 02-24 (2) … 02-27 (5).
    assert deadlines == FollowupDeadlines(callback_due=date(2026, 2, 14), resolve_due=date(2026, 2, 27))


def test_followup_for_a_weekend_rating_counts_from_monday():
    deadlines = followup_deadlines(datetime(2026, 3, 7, 10), has_phone=True, cal=default_calendar())
    assert deadlines == FollowupDeadlines(callback_due=date(2026, 3, 9), resolve_due=date(2026, 3, 13))
