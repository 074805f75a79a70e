"""Loads the one working-day calendar from its table (admins edit the rows; the code never hard-codes them)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from portal.kernel.calendar_models import CalendarDayRow
from portal.kernel import audit
from portal.kernel import version_models  # noqa: F401  (every write changes the settings token)
from portal.kernel.permissions import Role, authorize_province
from portal.kernel.workdays import HOLIDAY, KINDS, NOTICE_NAMES, WORKDAY, CalendarDay, WorkCalendar


class china_day(FunctionElement):  # noqa: N801 - used like a SQL function: china_day(Table.at)
    """The date in China (UTC+8; no daylight saving since 1991) of a stored instant, in SQL: what
    `workdays.china_date` is in Python, for statements that group or compare by the day as lived in China."""

    type = Date()
    name = "china_day"
    inherit_cache = True


@compiles(china_day)
def _china_day_other(element, compiler, **kw) -> str:
    # Printed statements (logs, str()); the portal runs only on the two dialects below.
    return f"china_day({compiler.process(element.clauses, **kw)})"


@compiles(china_day, "sqlite")
def _china_day_sqlite(element, compiler, **kw) -> str:
    # Instants are stored as UTC text ('YYYY-MM-DD HH:MM:SS.ffffff', kernel.base.UTCDateTime).
    return f"date({compiler.process(element.clauses, **kw)}, '+8 hours')"


@compiles(china_day, "postgresql")
def _china_day_postgresql(element, compiler, **kw) -> str:
    return f"CAST(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'Asia/Shanghai' AS DATE)"


def load_calendar(session: Session) -> WorkCalendar:
    rows = session.execute(select(CalendarDayRow)).scalars()
    return WorkCalendar.from_days(CalendarDay(r.day, r.kind, r.name) for r in rows)


def set_day(session: Session, actor, day: date, kind: str | None, name: str = "") -> None:
    """Mark a day as holiday / make-up workday, or (kind None) return it to the plain weekly rhythm. The calendar
    moves every deadline in the province: only an admin with a grant at the province (PermissionDenied otherwise)."""
    authorize_province(actor, Role.ADMIN)
    row = session.get(CalendarDayRow, day)
    before = {"kind": row.kind, "name": row.name} if row else None
    if kind is None:
        if row is not None:
            session.delete(row)
    else:
        if kind not in KINDS:
            raise ValueError(kind)
        if row is None:
            session.add(CalendarDayRow(day=day, kind=kind, name=name))
        else:
            row.kind, row.name = kind, name
    audit.record(session, actor, "calendar.set_day", "calendar_day", day.isoformat(), before=before,
                 after={"kind": kind, "name": name} if kind else None)


# --- a whole year at once -----------------------------------------------------------------------------------------

class CalendarUnavailable(Exception):
    """The holiday package holds no schedule for that year yet (the State Council publishes it each November)."""


def official_year(year: int) -> list[CalendarDay]:
    """The State Council's holidays and make-up workdays of ``year``, from the maintained `chinese-calendar`
    package (pinned in requirements.txt; a newer release carries the next year's notice). Every day off is listed,
    weekends inside a holiday span included, so the table reads like the notice."""
    import chinese_calendar
    from chinese_calendar.constants import Holiday, holidays, workdays

    first = date(year, 1, 1)
    try:
        chinese_calendar.is_holiday(first)  # raises for a year the package does not cover
    except NotImplementedError:
        raise CalendarUnavailable(year) from None
    names = {h.value: NOTICE_NAMES.get(h.chinese, h.chinese) for h in Holiday}
    days = [CalendarDay(d, HOLIDAY, names.get(n, n)[:40]) for d, n in holidays.items() if d.year == year]
    # `workdays` lists the weekend days on which offices open (调休上班); weekdays need no row.
    days += [CalendarDay(d, WORKDAY, names.get(n, n)[:40]) for d, n in workdays.items()
             if d.year == year and d.weekday() >= 5]
    return sorted(days, key=lambda d: d.day)


def year_days(session: Session, year: int) -> list[CalendarDay]:
    rows = session.execute(select(CalendarDayRow).where(CalendarDayRow.day >= date(year, 1, 1),
                                                        CalendarDayRow.day <= date(year, 12, 31))
                           .order_by(CalendarDayRow.day)).scalars()
    return [CalendarDay(r.day, r.kind, r.name) for r in rows]


def years_with_data(session: Session) -> set[int]:
    return load_calendar(session).years


def replace_year(session: Session, actor, year: int, days: list[CalendarDay]) -> None:
    """Store ``days`` as the whole of ``year`` (what the admin reviewed), in one audited change."""
    if any(d.day.year != year for d in days):
        raise ValueError("a day outside the year")
    WorkCalendar.from_days(days)  # refuses a day listed both as holiday and workday
    before = year_days(session, year)
    for row in session.execute(select(CalendarDayRow).where(CalendarDayRow.day >= date(year, 1, 1),
                                                            CalendarDayRow.day <= date(year, 12, 31))).scalars():
        session.delete(row)
    session.flush()
    for d in days:
        session.add(CalendarDayRow(day=d.day, kind=d.kind, name=d.name[:40]))
    session.flush()
    audit.record(session, actor, "calendar.replace_year", "calendar_year", str(year),
                 before=[[d.day.isoformat(), d.kind, d.name] for d in before],
                 after=[[d.day.isoformat(), d.kind, d.name] for d in days])


# --- open deadlines a calendar change would move -----------------------------------------------------------------

@dataclass(frozen=True)
class OpenDeadline:
    """One running deadline counted in working days: what it is (a catalog key), which case (number or receipt),
    where, the day its count started and the date stored. How many working days it runs is read back from the
    calendar it was computed with, so a limit changed in the policy since does not show up as a move."""

    kind_key: str
    ref: str
    region_path: str
    started_on: date
    due_on: date
    row_id: int = 0  # the source's own row, for `reschedule`


@dataclass(frozen=True)
class DeadlineSource:
    """A domain's open deadlines (`list`) and how to store a new date for one of them (`reschedule`)."""

    name: str
    list: Callable[[Session], Iterable[OpenDeadline]]
    reschedule: Callable[[Session, OpenDeadline, date], None]


_SOURCES: dict[str, DeadlineSource] = {}


def register_deadline_source(source: DeadlineSource) -> None:
    """Each domain that stores working-day deadlines registers here (its services module, at import): the kernel
    knows no domain, yet the calendar page can show and apply what a change moves."""
    _SOURCES[source.name] = source


def open_deadlines(session: Session) -> list[tuple[DeadlineSource, OpenDeadline]]:
    return [(src, d) for src in _SOURCES.values() for d in src.list(session)]


@dataclass(frozen=True)
class MovedDeadline:
    deadline: OpenDeadline
    new_due: date


def _new_due(d: OpenDeadline, old: WorkCalendar, new: WorkCalendar) -> date | None:
    """The date ``d`` falls on under ``new``: the same number of working days from the same start. None when it
    does not move, or when the stored date is not a working-day count under ``old`` (then it is left alone)."""
    n = old.working_days_between(d.started_on, d.due_on)
    if n < 0 or old.add_working_days(d.started_on, n) != d.due_on:
        return None
    moved = new.add_working_days(d.started_on, n)
    return moved if moved != d.due_on else None


def moved_by(session: Session, new_calendar: WorkCalendar) -> list[MovedDeadline]:
    """Open deadlines whose date changes when the live calendar becomes ``new_calendar`` (earliest first)."""
    old = load_calendar(session)
    moved = []
    for _src, d in open_deadlines(session):
        new_due = _new_due(d, old, new_calendar)
        if new_due is not None:
            moved.append(MovedDeadline(d, new_due))
    return sorted(moved, key=lambda m: (m.deadline.due_on, m.deadline.ref))


def calendar_with_year(session: Session, year: int, days: list[CalendarDay]) -> WorkCalendar:
    """The live calendar with ``year`` replaced by ``days`` (what saving would make it)."""
    rows = session.execute(select(CalendarDayRow)).scalars()
    kept = [CalendarDay(r.day, r.kind, r.name) for r in rows if r.day.year != year]
    return WorkCalendar.from_days(kept + list(days))


def calendar_with_day(session: Session, day: date, kind: str | None, name: str = "") -> WorkCalendar:
    """The live calendar with one day changed (what `set_day` would make it)."""
    rows = session.execute(select(CalendarDayRow)).scalars()
    kept = [CalendarDay(r.day, r.kind, r.name) for r in rows if r.day != day]
    return WorkCalendar.from_days(kept + ([CalendarDay(day, kind, name)] if kind else []))


def reschedule_moved(session: Session, actor, old_calendar: WorkCalendar, new_calendar: WorkCalendar) -> int:
    """Store the new date of every open deadline a saved calendar change moved (the change is already written;
    ``old_calendar`` is the one before it), in one audit row."""
    changes = []
    for src, d in open_deadlines(session):
        new_due = _new_due(d, old_calendar, new_calendar)
        if new_due is not None:
            src.reschedule(session, d, new_due)
            changes.append([d.kind_key, d.ref, d.due_on.isoformat(), new_due.isoformat()])
    if changes:
        audit.record(session, actor, "calendar.deadlines_moved", "calendar", "deadlines", after=changes)
    return len(changes)


def save_year(session: Session, actor, year: int, days: list[CalendarDay]) -> int:
    """Replace ``year`` and move the open deadlines it moves, as one change. Returns how many moved."""
    old = load_calendar(session)
    new = calendar_with_year(session, year, days)
    replace_year(session, actor, year, days)
    return reschedule_moved(session, actor, old, new)


def save_day(session: Session, actor, day: date, kind: str | None, name: str = "") -> int:
    """`set_day` and move the open deadlines it moves, as one change. Returns how many moved."""
    old = load_calendar(session)
    new = calendar_with_day(session, day, kind, name)
    set_day(session, actor, day, kind, name)
    return reschedule_moved(session, actor, old, new)


def years_missing(session: Session, today: date) -> dict[int, int]:
    """Years with no holiday data that open deadlines already run into → how many deadlines; the current year
    and later only (past years are history)."""
    have = years_with_data(session)
    counts: dict[int, int] = {}
    for _src, d in open_deadlines(session):
        for y in range(max(d.started_on.year, today.year), d.due_on.year + 1):
            if y not in have:
                counts[y] = counts.get(y, 0) + 1
    return dict(sorted(counts.items()))
