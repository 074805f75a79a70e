"""Demo reports (portal/reports/demo.py): loaded through the real services, idempotent, every stage shown."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select

from portal.reports.models import Report, ReportReward
from portal.kernel import audit
from portal import demo
from portal.reports import demo as demo_reports
from portal.reports import services as svc

NOW = datetime(2026, 3, 10, 2, 0, tzinfo=timezone.utc)


def test_demo_reports_load_once_with_every_stage(db_session, fast_passwords):
    s = db_session
    demo.load(s, "pw-for-tests-123")
    assert demo_reports.load(s, "pw-for-tests-123", "k", now=NOW) == 7
    assert demo_reports.load(s, "pw-for-tests-123", "k", now=NOW) == 0
    assert s.execute(select(func.count()).select_from(Report)).scalar_one() == 7
    statuses = {r.status.value for r in s.execute(select(Report)).scalars()}
    assert statuses == {"new", "acknowledged", "concluded"}
    assert sorted(r.status.value for r in s.execute(select(ReportReward)).scalars()) == ["approved", "paid"]
    assert svc.public_reward_totals(s) == (1, 186_000)
    officer = demo_reports._actor(s, "officer_jianbei")
    rows = svc.inbox(s, officer, now=NOW)
    assert any(r.overdue for r in rows) and any(r.group_size == 2 for r in rows)
    assert audit.verify_chain(s).ok
