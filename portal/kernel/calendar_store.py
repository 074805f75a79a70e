"""Loads the one working-day calendar from its table (admins edit the rows; the code never hard-codes them)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.kernel.calendar_models import CalendarDayRow
from portal.kernel import audit
from portal.kernel import version_models  # noqa: F401  (every write changes the settings token)
from portal.kernel.workdays import KINDS, CalendarDay, WorkCalendar


def load_calendar(session: Session) -> WorkCalendar:
    rows = session.execute(select(CalendarDayRow)).scalars()
    return WorkCalendar.from_days(CalendarDay(r.day, r.kind, r.name) for r in rows)


def set_day(session: Session, actor, day: date, kind: str | None, name: str = "") -> None:
    """Mark a day as holiday / make-up workday, or (kind None) return it to the plain weekly rhythm."""
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
