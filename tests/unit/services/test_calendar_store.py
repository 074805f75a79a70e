"""kernel/calendar_store: a whole year from the holiday package, reviewed and saved at once; the open deadlines a
change moves, shown before saving and stored with it; the years deadlines run into that have no calendar."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest
from sqlalchemy import select

from portal.kernel import calendar_store as cs
from portal.kernel.audit_models import AuditEntry
from portal.kernel.permissions import Role
from portal.kernel.workdays import DEFAULT_CALENDAR_DAYS, HOLIDAY, WORKDAY, CalendarDay
from tests import factories


@dataclass
class FakeSource:
    """Open deadlines held in memory, so the kernel's part is tested without any domain's tables."""

    rows: dict[int, cs.OpenDeadline] = field(default_factory=dict)

    def list(self, _session):
        return list(self.rows.values())

    def reschedule(self, _session, d: cs.OpenDeadline, new_due: date) -> None:
        self.rows[d.row_id] = cs.OpenDeadline(d.kind_key, d.ref, d.region_path, d.started_on, new_due, d.row_id)


@pytest.fixture
def source(monkeypatch):
    fake = FakeSource()
    monkeypatch.setattr(cs, "_SOURCES", {})
    cs.register_deadline_source(cs.DeadlineSource("fake", fake.list, fake.reschedule))
    return fake


@pytest.fixture
def admin(db_session):
    tree = factories.region_tree(db_session)
    return factories.actor_with(db_session, (Role.ADMIN, tree.province))


def _deadline(row_id: int, start: date, due: date) -> cs.OpenDeadline:
    return cs.OpenDeadline("deadline.report_conclude", f"R{row_id}", "/13/", start, due, row_id)


def test_the_package_gives_the_state_councils_2026_schedule_as_typed_from_the_notice():
    from_package = {(d.day, d.kind) for d in cs.official_year(2026)}
    typed = {(d.day, d.kind) for d in DEFAULT_CALENDAR_DAYS if d.day.year == 2026}
    assert from_package == typed
    names = {d.day: d.name for d in cs.official_year(2026)}
    assert names[date(2026, 2, 17)] == "春节" and names[date(2026, 1, 4)] == "元旦"  # a make-up workday's name


def test_a_year_the_package_does_not_hold_is_refused_not_guessed():
    with pytest.raises(cs.CalendarUnavailable):
        cs.official_year(2099)


def test_saving_a_year_replaces_it_whole_in_one_audited_change(db_session, admin, source):
    cs.set_day(db_session, admin, date(2026, 3, 2), HOLIDAY, "wrong")  # a stray day the official list lacks
    cs.set_day(db_session, admin, date(2025, 5, 1), HOLIDAY, "劳动节")  # another year stays as it is
    cs.save_year(db_session, admin, 2026, cs.official_year(2026))
    assert cs.year_days(db_session, 2026) == cs.official_year(2026)
    assert [d.day for d in cs.year_days(db_session, 2025)] == [date(2025, 5, 1)]
    rows = db_session.execute(select(AuditEntry).where(AuditEntry.action == "calendar.replace_year")).scalars().all()
    assert len(rows) == 1 and rows[0].target_id == "2026"


def test_a_new_holiday_shows_and_then_moves_only_the_deadlines_it_touches(db_session, admin, source):
    # Mon 2026-12-07 + 5 WD = Mon 12-14; another started 12-15 (+5 WD = 12-22) is after the new holiday.
    source.rows = {1: _deadline(1, date(2026, 12, 7), date(2026, 12, 14)),
                   2: _deadline(2, date(2026, 12, 15), date(2026, 12, 22))}
    preview = cs.moved_by(db_session, cs.calendar_with_day(db_session, date(2026, 12, 10), HOLIDAY, "x"))
    assert [(m.deadline.ref, m.new_due) for m in preview] == [("R1", date(2026, 12, 15))]
    assert source.rows[1].due_on == date(2026, 12, 14)  # a preview stores nothing
    assert cs.save_day(db_session, admin, date(2026, 12, 10), HOLIDAY, "x") == 1
    assert source.rows[1].due_on == date(2026, 12, 15) and source.rows[2].due_on == date(2026, 12, 22)
    moved = db_session.execute(select(AuditEntry).where(AuditEntry.action == "calendar.deadlines_moved")
                               ).scalars().one()
    assert moved.after == [["deadline.report_conclude", "R1", "2026-12-14", "2026-12-15"]]
    # A make-up Saturday pulls a deadline in again.
    assert cs.save_day(db_session, admin, date(2026, 12, 12), WORKDAY, "y") == 1
    assert source.rows[1].due_on == date(2026, 12, 14)


def test_a_date_that_is_not_a_working_day_count_is_left_alone(db_session, admin, source):
    # Stored as calendar days (a Sunday): no working-day count gives it, so no calendar change moves it.
    source.rows = {1: _deadline(1, date(2026, 12, 7), date(2026, 12, 13))}
    assert cs.save_day(db_session, admin, date(2026, 12, 9), HOLIDAY, "x") == 0
    assert source.rows[1].due_on == date(2026, 12, 13)


def test_years_without_a_calendar_that_deadlines_run_into_are_named(db_session, admin, source):
    cs.save_year(db_session, admin, 2026, cs.official_year(2026))
    source.rows = {1: _deadline(1, date(2026, 12, 21), date(2027, 1, 20)),
                   2: _deadline(2, date(2026, 12, 1), date(2026, 12, 20)),
                   3: _deadline(3, date(2026, 12, 28), date(2027, 2, 1))}
    assert cs.years_missing(db_session, date(2026, 12, 5)) == {2027: 2}
    cs.save_year(db_session, admin, 2027, [CalendarDay(date(2027, 1, 1), HOLIDAY, "元旦")])
    assert cs.years_missing(db_session, date(2026, 12, 5)) == {}


def test_a_day_listed_twice_is_refused_and_nothing_is_saved(db_session, admin, source):
    with pytest.raises(ValueError):
        cs.save_year(db_session, admin, 2026, [CalendarDay(date(2026, 5, 1), HOLIDAY, "a"),
                                               CalendarDay(date(2026, 5, 1), WORKDAY, "b")])
    with pytest.raises(ValueError):
        cs.save_year(db_session, admin, 2026, [CalendarDay(date(2025, 5, 1), HOLIDAY, "a")])


def test_china_day_in_sql_is_the_day_as_lived_in_china(db_session):
    """The SQL side of `workdays.china_date`: an instant's date at UTC+8, across midnight there (16:00 UTC)."""
    from datetime import datetime, timedelta, timezone

    from portal.kernel.workdays import china_date
    from portal.ratings.models import Rating

    window = factories.window(db_session, factories.region_tree(db_session).all_townships[0])
    instants = [datetime(2026, 12, 31, 16, 0, tzinfo=timezone.utc) + timedelta(seconds=k) for k in (-1, 0, 1)]
    instants += [datetime(2026, 3, 1, 0, 0, tzinfo=timezone.utc), datetime(2024, 2, 28, 23, 59, tzinfo=timezone.utc)]
    for n, at in enumerate(instants):
        db_session.add(Rating(window_id=window.id, level=5, tags=[], device_hash="d", client_hash="c",
                              receipt_code=f"R{n:015d}", created_at=at))
    db_session.flush()
    rows = db_session.execute(select(Rating.created_at, cs.china_day(Rating.created_at)).order_by(Rating.id)).all()
    assert [day for _at, day in rows] == [china_date(at) for at in instants]
    assert [day for _at, day in rows][:3] == [date(2026, 12, 31), date(2027, 1, 1), date(2027, 1, 1)]
    assert rows[4][1] == date(2024, 2, 29)
