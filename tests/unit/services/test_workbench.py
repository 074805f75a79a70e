"""The workbench (portal/workbench/queries.py): the to-do list puts overdue first and shows the level above its
townships' overdue steps; search stays inside the officer's regions."""

from __future__ import annotations

from datetime import date

from portal.applications import services as svc
from portal.workbench import queries as wb
from tests import factories
from tests.unit.services.test_applications import CAL, at, submitted, world  # noqa: F401 - fixture


def test_county_sees_a_townships_overdue_step_and_the_township_sees_it_as_its_own(db_session, world):
    late = submitted(db_session, world, when=at(2026, 3, 2))  # acceptance due 3-05
    fresh = submitted(db_session, world, when=at(2026, 3, 19))  # due 3-24, not late on 3-20
    today = date(2026, 3, 20)
    township = wb.todo(db_session, world["officer"], today=today)
    assert [(i.ref, i.overdue, i.mine) for i in township if i.kind == "application"] == [
        (late.number, True, True), (fresh.number, False, True)]  # overdue first
    county = wb.todo(db_session, world["county_officer"], today=today)
    apps = [i for i in county if i.kind == "application"]
    assert [(i.ref, i.overdue, i.mine, i.step) for i in apps] == [(late.number, True, False, "apply.step.accept")]
    c = wb.counts(apps)
    assert (c.overdue, c.below) == (1, 1)
    assert not [i for i in wb.todo(db_session, world["stranger"], today=today) if i.kind == "application"]


def test_the_county_visit_waits_on_the_county_itself(db_session, world):
    app = submitted(db_session, world, related={"any": True, "detail": "婶婶是村委会委员"})
    svc.accept(db_session, world["officer"], app.number, now=at(2026, 3, 3), cal=CAL)
    county = wb.todo(db_session, world["county_officer"], today=date(2026, 3, 4))
    assert [(i.step, i.mine) for i in county if i.kind == "application"] == [("apply.step.county_visit", True)]


def test_search_finds_a_case_by_number_or_name_only_in_scope(db_session, world):
    app = submitted(db_session, world)
    hits = wb.search(db_session, world["county_officer"], app.number.lower())
    assert [(h.kind, h.ref) for h in hits] == [("application", app.number)]
    assert [h.ref for h in wb.search(db_session, world["officer"], "建国")] == [app.number]
    assert wb.search(db_session, world["stranger"], app.number) == []
    assert wb.search(db_session, world["stranger"], "建国") == []
    assert wb.search(db_session, world["officer"], "%") == []  # a LIKE wildcard is just a character


def test_search_finds_a_window_by_code_only_in_scope(db_session, world):
    window = factories.window(db_session, world["village"], code="HB-TEST-0001", name="一号窗口")
    assert [(h.kind, h.ref) for h in wb.search(db_session, world["officer"], "hb-test-0001")] == [
        ("window", window.code)]
    assert wb.search(db_session, world["stranger"], window.code) == []


def test_search_by_id_number_uses_the_register_and_is_audited(db_session, world):
    from sqlalchemy import select

    from portal.kernel.audit_models import AuditEntry
    from tests.unit.services.test_application_queries import approved_at_preliminary

    app = approved_at_preliminary(db_session, world)
    svc.send_to_publicity(db_session, world["officer"], app.number, now=at(2026, 3, 9), cal=CAL)
    svc.county_decision(db_session, world["county_officer"], app.number, True, "公示期间无异议，同意",
                        now=at(2026, 3, 17), cal=CAL)
    hits = wb.search(db_session, world["officer"], "13010219760720002 5".replace(" ", ""))
    assert [(h.kind, h.title) for h in hits] == [("household", "李秀兰 130102********0025")]
    assert "130102197607200025" not in repr(hits)
    assert wb.search(db_session, world["stranger"], "130102197607200025") == []
    assert "register.lookup" in " ".join(db_session.execute(select(AuditEntry.action)).scalars())
    assert [h.kind for h in wb.search(db_session, world["officer"], "张建国")] == ["application", "household"]
