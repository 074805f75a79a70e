"""Tests for portal/kernel/workdays.py (the one working-day calendar)."""

import subprocess
import sys
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from portal.kernel.workdays import (
    DEFAULT_CALENDAR_DAYS,
    HOLIDAY,
    WORKDAY,
    CalendarDay,
    WorkCalendar,
    default_calendar,
)

REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def cal() -> WorkCalendar:
    return default_calendar()


def test_module_is_pure_python():
    code = (
        "import sys, portal.kernel.workdays;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('reflex', 'sqlalchemy'));"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True)


# --- the official data -------------------------------------------------------------------------------------------


def test_seed_has_no_duplicate_days():
    counts = Counter(d.day for d in DEFAULT_CALENDAR_DAYS)
    assert [day for day, n in counts.items() if n > 1] == []


def test_every_makeup_workday_is_a_weekend_day():
    makeups = [d.day for d in DEFAULT_CALENDAR_DAYS if d.kind == WORKDAY]
    assert len(makeups) == 11  # 5 in 2025 + 6 in 2026, as in the two notices
    assert all(day.weekday() >= 5 for day in makeups)


@pytest.mark.parametrize(
    ("year", "name", "first", "days"),
    [
        (2025, "春节", date(2025, 1, 28), 8),
        (2025, "国庆节、中秋节", date(2025, 10, 1), 8),
        (2026, "元旦", date(2026, 1, 1), 3),
        (2026, "春节", date(2026, 2, 15), 9),
        (2026, "劳动节", date(2026, 5, 1), 5),
        (2026, "国庆节", date(2026, 10, 1), 7),
    ],
)
def test_holiday_spans_match_the_notices(year, name, first, days):
    span = sorted(d.day for d in DEFAULT_CALENDAR_DAYS if d.kind == HOLIDAY and d.name == name and d.day.year == year)
    assert span == [first + timedelta(days=i) for i in range(days)]


@pytest.mark.parametrize("year", [2025, 2026])
def test_year_has_248_working_days(cal, year):
    # 365 days − 104 weekend days − 13 statutory holidays (since the 2024 revision), make-up days balancing
    # the bridged weekdays: both years come out at 248.
    assert cal.working_days_between(date(year - 1, 12, 31), date(year, 12, 31)) == 248


def test_years_covered_by_default_data(cal):
    assert cal.years == frozenset({2025, 2026})


def test_year_without_data_falls_back_to_monday_to_friday(cal):
    assert cal.is_working_day(date(2027, 10, 1))  # a Friday; 2027 not yet published
    assert not cal.is_working_day(date(2027, 10, 2))  # Saturday


# --- is_working_day / next_working_day ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 10), True),  # ordinary Tuesday
        (date(2026, 3, 14), False),  # ordinary Saturday
        (date(2026, 10, 1), False),  # National Day, Thursday
        (date(2026, 10, 7), False),  # last day of the National Day break, Wednesday
        (date(2026, 10, 10), True),  # make-up Saturday
        (date(2026, 9, 20), True),  # make-up Sunday
        (date(2026, 9, 25), False),  # Mid-Autumn, Friday
        (date(2025, 2, 8), True),  # make-up Saturday after Spring Festival 2025
    ],
)
def test_is_working_day(cal, day, expected):
    assert cal.is_working_day(day) is expected


def test_is_working_day_accepts_datetime(cal):
    assert cal.is_working_day(datetime(2026, 10, 10, 9, 30)) is True


def test_next_working_day_is_strictly_after(cal):
    assert cal.next_working_day(date(2026, 3, 10)) == date(2026, 3, 11)
    assert cal.next_working_day(date(2026, 3, 13)) == date(2026, 3, 16)  # Friday → Monday
    assert cal.next_working_day(date(2026, 9, 30)) == date(2026, 10, 8)  # over National Day


# --- add_working_days --------------------------------------------------------------------------------------------


def test_monday_plus_one_is_tuesday(cal):
    assert cal.add_working_days(date(2026, 3, 9), 1) == date(2026, 3, 10)


def test_friday_plus_one_is_monday(cal):
    assert cal.add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)


def test_step_started_on_weekend_counts_from_next_working_day(cal):
    # Saturday: Monday is working day 1, so the deadline equals that of a Friday start.
    assert cal.add_working_days(date(2026, 3, 7), 1) == date(2026, 3, 9)
    assert cal.add_working_days(date(2026, 3, 7), 3) == date(2026, 3, 11)


def test_zero_days_is_the_day_the_step_is_deemed_to_begin(cal):
    assert cal.add_working_days(date(2026, 3, 9), 0) == date(2026, 3, 9)
    assert cal.add_working_days(date(2026, 3, 7), 0) == date(2026, 3, 9)
    assert cal.add_working_days(date(2026, 10, 2), 0) == date(2026, 10, 8)


def test_deadline_across_national_day_2026(cal):
    start = date(2026, 9, 30)  # Wednesday before the break
    assert cal.add_working_days(start, 1) == date(2026, 10, 8)
    assert cal.add_working_days(start, 2) == date(2026, 10, 9)


def test_makeup_saturday_counts_as_a_working_day(cal):
    # 10-08 Thu (1), 10-09 Fri (2), 10-10 make-up Saturday (3).
    assert cal.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)
    assert cal.add_working_days(date(2026, 10, 9), 1) == date(2026, 10, 10)


def test_makeup_sunday_counts_and_mid_autumn_does_not(cal):
    # Fri 09-18 → Sun 09-20 is a make-up workday.
    assert cal.add_working_days(date(2026, 9, 18), 1) == date(2026, 9, 20)
    # Thu 09-24 → Fri 09-25 is Mid-Autumn, weekend off, so Monday 09-28.
    assert cal.add_working_days(date(2026, 9, 24), 1) == date(2026, 9, 28)


def test_step_started_during_a_holiday(cal):
    assert cal.add_working_days(date(2026, 10, 3), 1) == date(2026, 10, 8)
    assert cal.add_working_days(date(2026, 2, 18), 1) == date(2026, 2, 24)  # inside Spring Festival 2026


def test_deadline_across_spring_festival_2026(cal):
    # Fri 02-13 → Sat 02-14 (make-up) → Tue 02-24 after the nine-day break.
    assert cal.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert cal.add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)


def test_deadline_across_new_year_2026_lands_on_makeup_sunday(cal):
    assert cal.add_working_days(date(2025, 12, 31), 1) == date(2026, 1, 4)


def test_deadline_across_national_day_2025(cal):
    assert cal.add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert cal.add_working_days(date(2025, 9, 26), 1) == date(2025, 9, 28)  # make-up Sunday


def test_datetime_start_uses_its_date(cal):
    assert cal.add_working_days(datetime(2026, 9, 30, 23, 59), 1) == date(2026, 10, 8)


def test_thirty_working_days_over_national_day(cal):
    # An application accepted 2026-09-15 (Tue): the 30 WD limit lands after the break, not 6 weeks flat.
    due = cal.add_working_days(date(2026, 9, 15), 30)
    assert due == date(2026, 11, 2)
    assert cal.working_days_between(date(2026, 9, 15), due) == 30


def test_negative_days_rejected(cal):
    with pytest.raises(ValueError):
        cal.add_working_days(date(2026, 3, 9), -1)


# --- working_days_between ----------------------------------------------------------------------------------------


def test_between_counts_after_a_up_to_and_including_b(cal):
    assert cal.working_days_between(date(2026, 3, 9), date(2026, 3, 9)) == 0
    assert cal.working_days_between(date(2026, 3, 9), date(2026, 3, 10)) == 1
    assert cal.working_days_between(date(2026, 3, 6), date(2026, 3, 8)) == 0  # Fri → Sun


def test_between_across_national_day_with_makeup(cal):
    assert cal.working_days_between(date(2026, 9, 30), date(2026, 10, 10)) == 3


def test_between_is_negative_when_b_before_a(cal):
    assert cal.working_days_between(date(2026, 10, 10), date(2026, 9, 30)) == -3


def test_between_accepts_datetimes(cal):
    assert cal.working_days_between(datetime(2026, 9, 30, 8), datetime(2026, 10, 9, 18)) == 2


def test_between_and_add_agree_with_a_day_by_day_walk(cal):
    # Cross-check the arithmetic counting against is_working_day over both seeded years.
    start = date(2024, 12, 20)
    for offset in range(0, 760, 3):
        a = start + timedelta(days=offset)
        for n in (1, 2, 3, 5, 10):
            due = cal.add_working_days(a, n)
            assert cal.is_working_day(due)
            walked = sum(1 for i in range(1, (due - a).days + 1) if cal.is_working_day(a + timedelta(days=i)))
            assert walked == n
            assert cal.working_days_between(a, due) == n


# --- construction ------------------------------------------------------------------------------------------------


def test_custom_calendar_from_plain_dates():
    cal = WorkCalendar(holidays=[date(2030, 1, 1)], makeup_workdays=[date(2030, 1, 5)])
    assert not cal.is_working_day(date(2030, 1, 1))  # Tuesday off
    assert cal.is_working_day(date(2030, 1, 5))  # Saturday on
    # Tue–Fri (4) minus the Tuesday holiday plus the make-up Saturday.
    assert cal.working_days_between(date(2029, 12, 31), date(2030, 1, 6)) == 4


def test_from_days_matches_constructor():
    days = [CalendarDay(date(2030, 1, 1), HOLIDAY, "元旦"), CalendarDay(date(2030, 1, 5), WORKDAY, "元旦")]
    cal = WorkCalendar.from_days(days)
    assert cal.holidays == frozenset({date(2030, 1, 1)})
    assert cal.makeup_workdays == frozenset({date(2030, 1, 5)})


def test_day_both_holiday_and_workday_is_rejected():
    with pytest.raises(ValueError):
        WorkCalendar(holidays=[date(2030, 1, 5)], makeup_workdays=[date(2030, 1, 5)])


def test_calendar_day_rejects_unknown_kind():
    with pytest.raises(ValueError):
        CalendarDay(date(2030, 1, 1), "vacation", "x")
