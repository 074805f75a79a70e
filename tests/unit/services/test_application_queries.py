"""The officers' workbench on applications (applications/queries.py, publish_cases, the approval form, the export):
the county reads every note written before its decision, sees only the forms it may use, batch publicity makes one
roster batch, the approval-form PDF carries the history as text, the .xlsx holds typed cells."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.applications import approval_form, queries
from portal.applications import services as svc
from portal.applications.api import QUEUE_COLUMNS, _form_text, _read_queue
from portal.kernel import export
from portal.kernel.audit_models import AuditEntry
from portal.kernel.permissions import PermissionDenied
from portal.roster.models import RosterBatch, RosterEntry
from tests.unit.services.test_applications import CAL, at, step, submitted, world  # noqa: F401 - fixture

SURVEY_NOTE = "入户看到房屋漏雨，家中无劳动力"
CHECK_NOTE = "银行存款与申报相差 300 元，已说明为低保前的工资"
PRELIM_NOTE = "收入和财产均在标准以内，同意"


def to_preliminary(db_session, world, when=None, **changes):
    app = submitted(db_session, world, when=when, **changes)
    officer = world["officer"]
    svc.accept(db_session, officer, app.number, now=at(2026, 3, 3), cal=CAL)
    svc.record_home_survey(db_session, officer, app.number, SURVEY_NOTE, now=at(2026, 3, 4), cal=CAL)
    svc.record_cross_check(db_session, officer, app.number, "explained", CHECK_NOTE, now=at(2026, 3, 5), cal=CAL)
    return app


def approved_at_preliminary(db_session, world, **changes):
    app = to_preliminary(db_session, world, **changes)
    svc.preliminary_decision(db_session, world["officer"], app.number, True, PRELIM_NOTE, now=at(2026, 3, 6),
                             cal=CAL)
    return app


def test_history_shows_every_note_to_the_county_in_order(db_session, world):
    app = approved_at_preliminary(db_session, world)
    rows = queries.history(db_session, world["county_officer"], app)
    kinds = [r.kind for r in rows]
    assert kinds == ["submitted", "accept", "home_survey", "cross_check", "preliminary", "publicity"]
    by_kind = {r.kind: r for r in rows}
    assert by_kind["home_survey"].note == SURVEY_NOTE
    assert by_kind["cross_check"].note == CHECK_NOTE and by_kind["cross_check"].outcome == "explained"
    assert by_kind["preliminary"].note == PRELIM_NOTE and by_kind["preliminary"].outcome == "approve"
    assert by_kind["home_survey"].actor and by_kind["home_survey"].done_at.startswith("2026-03-04")
    assert by_kind["submitted"].attachments == ("id_card",)
    assert by_kind["publicity"].state == "open" and by_kind["publicity"].note == ""


def test_county_refusal_reasons_show_afterwards(db_session, world):
    app = to_preliminary(db_session, world)
    svc.preliminary_decision(db_session, world["officer"], app.number, False, "存款超过标准，建议不予批准",
                             now=at(2026, 3, 6), cal=CAL)
    svc.county_decision(db_session, world["county_officer"], app.number, False, "经复核存款超标，不予批准",
                        now=at(2026, 3, 9), cal=CAL)
    rows = queries.history(db_session, world["officer"], app)
    county = [r for r in rows if r.kind == svc.STEP_COUNTY][0]
    assert (county.outcome, county.note) == ("refuse", "经复核存款超标，不予批准")


def test_history_is_refused_outside_the_region(db_session, world):
    app = to_preliminary(db_session, world)
    with pytest.raises(PermissionDenied):
        queries.history(db_session, world["stranger"], app)


def test_county_forms_only_for_the_county_and_approval_only_after_publicity(db_session, world):
    app = to_preliminary(db_session, world)
    svc.preliminary_decision(db_session, world["officer"], app.number, False, "存款超过标准，建议不予批准",
                             now=at(2026, 3, 6), cal=CAL)
    assert app.status == svc.COUNTY  # never published
    township = queries.powers(db_session, world["officer"], app)
    county = queries.powers(db_session, world["county_officer"], app)
    assert (township.county, township.can_extend, township.can_approve) == (False, False, False)
    assert (county.county, county.can_extend, county.can_approve) == (True, True, False)


def test_three_approved_cases_publish_as_one_batch(db_session, world):
    apps = [approved_at_preliminary(db_session, world) for _ in range(3)]
    groups = queries.publicity_candidates(db_session, world["officer"])
    assert [len(g.cases) for g in groups] == [3] and groups[0].township_code == world["township"].code
    batch_id = svc.publish_cases(db_session, world["officer"], world["township"].code, [a.number for a in apps],
                                 now=at(2026, 3, 9), cal=CAL)
    assert db_session.execute(select(func.count(RosterBatch.id))).scalar_one() == 1
    entries = db_session.execute(select(RosterEntry).where(RosterEntry.batch_id == batch_id)).scalars().all()
    assert sorted(e.source_ref for e in entries) == sorted(svc.source_ref(a) for a in apps)
    assert {e.name for e in entries} == {"张建国"} and all(e.monthly_amount_fen == 2100_00 for e in entries)
    for a in apps:
        assert a.status == svc.PUBLICITY
        assert step(db_session, a, svc.STEP_COUNTY).started_on == date(2026, 3, 16)
    assert queries.publicity_candidates(db_session, world["officer"]) == []
    audits = db_session.execute(select(AuditEntry.action)).scalars().all()
    assert audits.count("application.publish") == 3 and audits.count("roster.batch_publish") == 1


def test_batch_publicity_is_all_or_nothing_and_scoped(db_session, world):
    ready = approved_at_preliminary(db_session, world)
    not_ready = to_preliminary(db_session, world)
    with pytest.raises(svc.ApplicationError) as caught:
        svc.publish_cases(db_session, world["officer"], world["township"].code, [ready.number, not_ready.number],
                          cal=CAL)
    assert caught.value.key == "apply.err_wrong_step"
    assert db_session.execute(select(func.count(RosterBatch.id))).scalar_one() == 0
    with pytest.raises(svc.ApplicationError) as caught:
        svc.publish_cases(db_session, world["officer"], world["township"].code, [], cal=CAL)
    assert caught.value.key == "apply.err_batch_empty"
    other_village = world["tree"].villages[world["township"].code][1]
    with pytest.raises(svc.ApplicationError) as caught:  # a village batch holds only that village's cases
        svc.publish_cases(db_session, world["officer"], other_village.code, [ready.number], cal=CAL)
    assert caught.value.key == "apply.err_batch_region"
    with pytest.raises(PermissionDenied):
        svc.publish_cases(db_session, world["stranger"], world["township"].code, [ready.number], cal=CAL)


@pytest.mark.skipif(shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
                    reason="poppler-utils (scripts/test installs it)")
def test_approval_form_pdf_renders_with_the_history(db_session, world, tmp_path: Path):
    app = approved_at_preliminary(db_session, world)
    form, number = _form_text(db_session, world["county_officer"], app.number, "zh")
    body = approval_form.approval_form_pdf(form)
    assert body.startswith(b"%PDF")
    pdf = tmp_path / "form.pdf"
    pdf.write_bytes(body)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(tmp_path / "page")], check=True)
    assert list(tmp_path.glob("page*.png"))
    words = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    flat = "".join(words.split())
    for expected in ("最低生活保障审批表", number, "入户调查", SURVEY_NOTE, CHECK_NOTE, PRELIM_NOTE, "经办人签字", "负责人签字"):
        assert "".join(expected.split()) in flat, expected
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert "NotoSansCJK" in fonts and " yes " in fonts  # the Chinese font is embedded
    assert db_session.execute(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "application.form_print")).scalar_one() == 1


def test_queue_export_holds_typed_cells(db_session, world, monkeypatch):
    app = approved_at_preliminary(db_session, world)
    other = submitted(db_session, world)

    class Scope:  # _read_queue opens its own unit of work: hand it the test's session
        def __enter__(self):
            return db_session

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr("portal.applications.api.session_scope", lambda: Scope())
    rows = _read_queue(world["officer"], "", False, "zh")
    columns = [export.Column(k, kind, w) for k, kind, w in QUEUE_COLUMNS]
    book = load_workbook(io.BytesIO(export.xlsx("申请", columns, rows)))
    sheet = book.active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "officer_apps.h_number"
    by_number = {r[0]: r for r in values[1:]}
    assert set(by_number) == {app.number, other.number}
    row = [c for c in sheet.iter_rows(min_row=2) if c[0].value == app.number][0]
    assert row[4].is_date and row[4].value.date() == date(2026, 3, 2)
    assert row[7].data_type == "n" and float(row[7].value) == 2100.0 and row[7].number_format == "#,##0.00"
    assert row[3].value == "初审通过，等待公示"
    assert db_session.execute(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "application.export")).scalar_one() == 1
    assert _read_queue(world["stranger"], "", False, "zh") == []  # another county's officer gets none of them


def test_export_cells_never_start_a_formula():
    body = export.xlsx("t", [export.Column("h")], [["=HYPERLINK(\"x\")"], ["@SUM(A1)"], ["-5"], ["plain"],
                                                   ["控制\x0b字符"]])
    sheet = load_workbook(io.BytesIO(body)).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    # Shown as typed (no added apostrophe), stored as text with Excel's quote prefix: never run as a formula.
    assert [c.value for c in cells] == ["=HYPERLINK(\"x\")", "@SUM(A1)", "-5", "plain", "控制字符"]
    assert [c.data_type for c in cells] == ["s"] * 5
    assert [c.quotePrefix for c in cells] == [True, True, True, False, False]
