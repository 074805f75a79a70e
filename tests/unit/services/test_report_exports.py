"""The reports exports (portal/reports/api.py through kernel/export) and the workbench's reward step: typed cells,
the officer's regions only, audited; a reward waits on a second officer, never on the one who decided it."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.kernel import export
from portal.kernel.audit_models import AuditEntry
from portal.reports import api
from portal.reports import services as svc
from portal.workbench import queries as wb
from tests.unit.services.test_reports import T0, _concluded, file, w  # noqa: F401 - fixture


@pytest.fixture
def same_session(w, monkeypatch):
    class Scope:  # the export readers open their own unit of work: hand them the test's session
        def __enter__(self):
            return w.session

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(api, "session_scope", lambda: Scope())
    return w


def _sheet(columns, rows):
    return load_workbook(io.BytesIO(export.xlsx("t", [export.Column(k, kind) for k, kind, _w in columns], rows))).active


def test_inbox_export_has_typed_dates_and_only_the_officers_reports(same_session):
    w = same_session
    report, _ = file(w)
    rows = api._inbox_rows(w.officer, "zh")
    sheet = _sheet(api.INBOX_COLUMNS, rows)
    [row] = list(sheet.iter_rows(min_row=2))
    assert row[0].value == svc.format_receipt(report.receipt_code)
    assert row[1].value == "骗保（隐瞒收入财产、虚报材料）" and row[4].value == "待受理"
    assert row[6].is_date and row[7].is_date and row[7].value.date() == report.acknowledge_due
    assert api._inbox_rows(w.sibling_officer, "zh") == []
    actions = w.session.execute(select(AuditEntry.action)).scalars().all()
    assert actions.count("report.export_inbox") == 2


def test_reward_register_export_has_amounts_in_yuan(same_session):
    w = same_session
    report = _concluded(w)
    svc.decide_reward(w.session, w.officer, report.id, now=T0)
    rows = api._register_rows(w.county_officer, "2026-03", "en")
    sheet = _sheet(api.REGISTER_COLUMNS, rows)
    [row] = list(sheet.iter_rows(min_row=2))
    assert row[2].value == "Decided, waiting for approval"
    assert row[3].data_type == "n" and float(row[3].value) == 1200.0 and row[3].number_format == "#,##0.00"
    assert row[4].is_date
    # The reward waits on the second officer (in the to-do list), not on the one who decided it.
    assert [i.kind for i in wb.todo(w.session, w.officer2) if i.kind == "reward"] == ["reward"]
    assert [i.kind for i in wb.todo(w.session, w.officer) if i.kind == "reward"] == []


def test_ranking_export_rows_are_guarded_by_region_and_audited(w, monkeypatch):
    from portal.kernel.permissions import PermissionDenied
    from portal.ratings import api as ratings_api

    class Scope:
        def __enter__(self):
            return w.session

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(ratings_api, "session_scope", lambda: Scope())
    rows = ratings_api._ranking_rows(w.county_officer, w.county.code, "2026-03", "zh")
    assert [(r[0], r[4], r[5]) for r in rows] == [(None, 0, None)]  # the window is listed, unranked, no ratings
    sheet = _sheet(ratings_api.RANKING_COLUMNS, rows)
    [row] = list(sheet.iter_rows(min_row=2))
    assert row[0].value is None and row[4].value == 0 and row[4].data_type == "n"
    with pytest.raises(PermissionDenied):
        ratings_api._ranking_rows(w.sibling_officer, w.township.code, "2026-03", "zh")
    assert "rating.export_ranking" in w.session.execute(select(AuditEntry.action)).scalars().all()
