"""The officer report desk's read model (portal/reports/queries.py): the inbox page (stepping back when the last page
emptied), what finance sees, and the open report, refused once it is no longer the caller's to see."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.kernel.permissions import PermissionDenied
from portal.reports import queries
from portal.reports import services as svc
from portal.reports.models import Report, ReportCategory, ReportOutcome, ReportStatus
from tests import factories

T0 = datetime(2026, 3, 10, 2, 0, tzinfo=timezone.utc)
ALL = svc.InboxFilter("all", "", False, False)


@pytest.fixture
def w(db_session, fast_passwords):
    tree = factories.region_tree(db_session)
    township, sibling = tree.townships["130102"]
    village = tree.villages[township.code][0]
    ids = []
    for i in range(3):
        filed = svc.file_report(db_session, svc.NewReport(category="fraud", subject=f"Zhang San {i}",
                                                          description="Owns two cars and a shop in town.",
                                                          region_code=village.code),
                                device_id=f"d{i}", client=f"10.0.0.{i}", key="unit-test-secret", now=T0)
        ids.append(db_session.execute(select(Report.id).where(Report.receipt_code == filed.receipt_code)).scalar_one())
    db_session.commit()

    class W:
        session = db_session
        report_ids = ids
        officer = factories.actor_with(db_session, (Role.OFFICER, township))
        sibling_officer = factories.actor_with(db_session, (Role.OFFICER, sibling))
        finance = factories.actor_with(db_session, (Role.FINANCE, tree["130102"]))
    return W


def test_the_inbox_pages_and_steps_back_from_an_emptied_last_page(w, monkeypatch):
    monkeypatch.setattr(svc, "INBOX_PAGE", 2)
    first = queries.desk(w.session, w.officer, ALL, 1, "2026-03", 0)
    assert (first.page_no, first.has_next, len(first.inbox)) == (1, True, 2)
    beyond = queries.desk(w.session, w.officer, ALL, 5, "2026-03", 0)
    assert (beyond.page_no, beyond.has_next, len(beyond.inbox)) == (2, False, 1)
    assert {r.id for r in first.inbox + beyond.inbox} == set(w.report_ids)
    assert first.detail is None and not first.detail_refused
    assert first.finance_queue == [] and first.register == []


def test_finance_gets_no_inbox_but_its_register_and_queue(w):
    got = queries.desk(w.session, w.finance, ALL, 3, "2026-03", 0)
    assert got.inbox is None and got.page_no == 3 and got.has_next is False
    assert got.register == [] and got.finance_queue == []


def test_the_open_report_and_its_refusal(w, monkeypatch):
    rid = w.report_ids[0]
    got = queries.desk(w.session, w.officer, ALL, 1, "2026-03", rid)
    assert got.detail is not None and got.detail.id == rid and not got.detail_refused
    elsewhere = queries.desk(w.session, w.sibling_officer, ALL, 1, "2026-03", rid)
    assert elsewhere.detail is None and elsewhere.detail_refused and elsewhere.inbox == []

    class Scope:
        def __enter__(self):
            return w.session

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(queries, "session_scope", lambda: Scope())
    assert queries.open_detail(w.officer, rid).id == rid
    with pytest.raises(PermissionDenied):
        queries.open_detail(w.sibling_officer, rid)
    assert queries.open_desk(w.officer, ALL, 1, "2026-03", 0).inbox


def test_the_choices_the_page_lists_are_the_enums_values():
    assert queries.CATEGORIES == tuple(c.value for c in ReportCategory)
    assert queries.STATUSES == tuple(s.value for s in ReportStatus)
    assert queries.OUTCOMES == tuple(o.value for o in ReportOutcome)


def test_recent_months_count_back_from_this_month_in_china(monkeypatch):
    from datetime import date

    from portal.kernel import workdays

    monkeypatch.setattr(workdays, "china_today", lambda: date(2026, 2, 1))
    assert workdays.recent_months(3) == ["2026-02", "2026-01", "2025-12"]
    assert len(workdays.recent_months()) == 12
