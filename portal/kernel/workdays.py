"""Working-day calendar (工作日历): the one place the portal counts working days (WD).

Chinese public holidays move every year and are paired with make-up workdays (调休上班), weekend days on which
offices are open. Every deadline in the portal (application steps, bad-review follow-up, report handling) is
computed here, from data an admin can edit; nothing else may count working days on its own.

Deadline semantics (期间开始之日不计算在内 — the day a period starts is not counted):

* ``add_working_days(start, n)`` is the n-th working day strictly after the date of ``start``.
  Started Monday, 1 WD → Tuesday; started Friday, 1 WD → next Monday.
* A step started on a non-working day counts from the next working day, which is WD number 1:
  started Saturday, 1 WD → Monday (the same deadline as a step started on Friday).
* ``n == 0`` gives the day the step is deemed to begin: ``start`` if it is a working day, else the next one.
* ``working_days_between(a, b)`` counts working days in the half-open interval (a, b], so for n ≥ 1
  ``working_days_between(s, add_working_days(s, n)) == n``.

Only the calendar date matters: datetimes are reduced with ``.date()``, so pass them in local (China) time.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

HOLIDAY = "holiday"
WORKDAY = "workday"
KINDS = (HOLIDAY, WORKDAY)

_SATURDAY = 5

# Deadlines count local (China Standard Time) dates, whatever timezone a timestamp is stored in.
CHINA_TZ = ZoneInfo("Asia/Shanghai")


def china_date(moment: datetime) -> date:
    """The local date of an aware timestamp (naive values are taken as already local)."""
    return moment.astimezone(CHINA_TZ).date() if moment.tzinfo else moment.date()


def china_today() -> date:
    """Today in China, whatever the server's own timezone: ``date.today()`` on a UTC host is yesterday until 08:00."""
    return datetime.now(CHINA_TZ).date()


def recent_months(n: int = 12) -> list[str]:
    """The last `n` months in China ("YYYY-MM"), this month first."""
    today = china_today()
    months, year, month = [], today.year, today.month
    for _ in range(n):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months


@dataclass(frozen=True, slots=True)
class CalendarDay:
    """One exception to the Monday–Friday week: a day off (放假) or a make-up workday (调休上班)."""

    day: date
    kind: str
    name: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")


def _as_date(value: date | datetime) -> date:
    # datetime is a subclass of date, so test it first.
    return value.date() if isinstance(value, datetime) else value


def _weekdays_through(d: date) -> int:
    """Number of Monday–Friday days from 0001-01-01 (a Monday) through ``d`` inclusive."""
    ordinal = d.toordinal()
    return ordinal // 7 * 5 + min(ordinal % 7, 5)


class WorkCalendar:
    """Chinese working-day calendar (工作日历): Monday–Friday, minus holidays, plus make-up workdays.

    Years without data fall back to a plain Monday–Friday week; check ``years`` to warn admins in time.
    """

    def __init__(self, holidays: Iterable[date] = (), makeup_workdays: Iterable[date] = ()) -> None:
        self._holidays = frozenset(_as_date(d) for d in holidays)
        self._makeups = frozenset(_as_date(d) for d in makeup_workdays)
        clash = self._holidays & self._makeups
        if clash:
            # Admin-edited data: a day cannot be both off and on, refuse rather than guess.
            raise ValueError(f"days listed both as holiday and make-up workday: {sorted(clash)}")
        # Only the days that change the plain weekday count matter for range arithmetic.
        self._weekday_holidays = sorted(d for d in self._holidays if d.weekday() < _SATURDAY)
        self._weekend_makeups = sorted(d for d in self._makeups if d.weekday() >= _SATURDAY)

    @classmethod
    def from_days(cls, days: Iterable[CalendarDay]) -> WorkCalendar:
        """Build from ``CalendarDay`` rows (e.g. the admin-editable calendar table)."""
        days = list(days)
        return cls(
            holidays=(d.day for d in days if d.kind == HOLIDAY),
            makeup_workdays=(d.day for d in days if d.kind == WORKDAY),
        )

    @property
    def holidays(self) -> frozenset[date]:
        return self._holidays

    @property
    def makeup_workdays(self) -> frozenset[date]:
        return self._makeups

    @property
    def years(self) -> frozenset[int]:
        """Years for which the calendar holds any holiday or make-up data."""
        return frozenset(d.year for d in self._holidays | self._makeups)

    def is_working_day(self, d: date | datetime) -> bool:
        d = _as_date(d)
        if d in self._makeups:
            return True
        if d in self._holidays:
            return False
        return d.weekday() < _SATURDAY

    def next_working_day(self, d: date | datetime) -> date:
        """First working day strictly after ``d``."""
        day = _as_date(d) + timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, start: date | datetime, n: int) -> date:
        """Deadline of a step of ``n`` working days started at ``start`` (see module docstring)."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        day = _as_date(start)
        if n == 0:
            return day if self.is_working_day(day) else self.next_working_day(day)
        for _ in range(n):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, a: date | datetime, b: date | datetime) -> int:
        """Working days after ``a`` up to and including ``b``; negative when ``b`` is before ``a``."""
        a, b = _as_date(a), _as_date(b)
        if b < a:
            return -self.working_days_between(b, a)
        # Arithmetic instead of a day-by-day walk, so multi-year spans (statistics) stay cheap.
        count = _weekdays_through(b) - _weekdays_through(a)
        count -= bisect.bisect_right(self._weekday_holidays, b) - bisect.bisect_right(self._weekday_holidays, a)
        count += bisect.bisect_right(self._weekend_makeups, b) - bisect.bisect_right(self._weekend_makeups, a)
        return count


def _span(first: date, last: date, name: str) -> list[CalendarDay]:
    days = (last - first).days + 1
    return [CalendarDay(first + timedelta(days=i), HOLIDAY, name) for i in range(days)]


def _workdays(name: str, *days: date) -> list[CalendarDay]:
    return [CalendarDay(d, WORKDAY, name) for d in days]


# Official State Council schedules (国务院办公厅关于…年部分节假日安排的通知). Holiday spans list every day off,
# weekends included, so the seeded table reads like the notice. Verified against the published notices:
#   2025: 国办发明电〔2024〕12号, 2024-11-12 (Xinhua release).
#   2026: notice dated 2025-11-04 (Xinhua release, e.g. politics.gmw.cn/2025-11/04/content_38391083.htm).
# 2027 is not included: its notice is normally published in November of the year before. Add it (via the admin
# calendar page or here) as soon as it is out; until then 2027 falls back to Monday–Friday.
DEFAULT_CALENDAR_DAYS: list[CalendarDay] = [
    # 2025
    *_span(date(2025, 1, 1), date(2025, 1, 1), "元旦"),
    *_span(date(2025, 1, 28), date(2025, 2, 4), "春节"),
    *_workdays("春节", date(2025, 1, 26), date(2025, 2, 8)),
    *_span(date(2025, 4, 4), date(2025, 4, 6), "清明节"),
    *_span(date(2025, 5, 1), date(2025, 5, 5), "劳动节"),
    *_workdays("劳动节", date(2025, 4, 27)),
    *_span(date(2025, 5, 31), date(2025, 6, 2), "端午节"),
    *_span(date(2025, 10, 1), date(2025, 10, 8), "国庆节、中秋节"),
    *_workdays("国庆节、中秋节", date(2025, 9, 28), date(2025, 10, 11)),
    # 2026
    *_span(date(2026, 1, 1), date(2026, 1, 3), "元旦"),
    *_workdays("元旦", date(2026, 1, 4)),
    *_span(date(2026, 2, 15), date(2026, 2, 23), "春节"),
    *_workdays("春节", date(2026, 2, 14), date(2026, 2, 28)),
    *_span(date(2026, 4, 4), date(2026, 4, 6), "清明节"),
    *_span(date(2026, 5, 1), date(2026, 5, 5), "劳动节"),
    *_workdays("劳动节", date(2026, 5, 9)),
    *_span(date(2026, 6, 19), date(2026, 6, 21), "端午节"),
    *_span(date(2026, 9, 25), date(2026, 9, 27), "中秋节"),
    *_span(date(2026, 10, 1), date(2026, 10, 7), "国庆节"),
    *_workdays("国庆节", date(2026, 9, 20), date(2026, 10, 10)),
]


# The `chinese-calendar` package's short holiday names, written as the State Council's notices write them.
NOTICE_NAMES: dict[str, str] = {"清明": "清明节", "端午": "端午节", "中秋": "中秋节"}


@lru_cache(maxsize=1)
def default_calendar() -> WorkCalendar:
    """Calendar built from ``DEFAULT_CALENDAR_DAYS`` (the seed data; the live one comes from the DB table)."""
    return WorkCalendar.from_days(DEFAULT_CALENDAR_DAYS)
