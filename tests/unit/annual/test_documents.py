"""The report as files: a PDF with real (extractable) Chinese text — title, document number, the figures as tables,
the narrative, the signature block — and a workbook with a cover, one sheet per figure section and the narrative,
typed cells; the downloads audited, another office refused."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import datetime, timezone

import pytest
from openpyxl import load_workbook

from portal.annual import document, queries, rules
from portal.annual import services as svc
from portal.kernel.permissions import PermissionDenied
from tests.unit.annual.world import build

NOW = datetime(2026, 12, 20, 2, 0, tzinfo=timezone.utc)
TEXTS = {k: f"{k} 的情况说明。\n第二段：依法依规。" for k in rules.SECTIONS}


@pytest.fixture
def submitted(db_session, fast_passwords):
    w = build(db_session)
    w.report = svc.draft(w.s, w.county_officer, "130102", 2026, now=NOW)
    svc.submit(w.s, w.county_officer, w.report.id, TEXTS, now=NOW)
    return w


def _doc(w, lang="zh") -> document.DocText:
    report = svc.record_download(w.s, w.city_officer, w.report.id, "pdf")
    return queries.document_text(w.s, w.city_officer, report, lang)


def test_pdf_has_real_chinese_text(submitted, tmp_path):
    body = document.report_pdf(_doc(submitted))
    assert body.startswith(b"%PDF") and 5_000 < len(body) < 2_000_000
    path = tmp_path / "r.pdf"
    path.write_bytes(body)
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
        assert 1 <= pages <= 12
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext not installed")
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    for needle in ("county-130102", "最低生活保障工作报告", "文号：130102〔2026〕低保年报1号", "一、工作数据", "保障对象",
                   "期末在册人数", "满意率", "60.0%", "二、工作情况", "政策落实情况", "policy 的情况说明",
                   "第二段：依法依规", "报送单位（盖章）", "单位负责人", "填报人：长安区民政局 王科长",
                   "报送：city-1301"):
        assert needle in out, needle


def test_pdf_in_english_and_of_a_draft(submitted, tmp_path):
    body = document.report_pdf(_doc(submitted, "en"))
    if shutil.which("pdftotext"):
        path = tmp_path / "en.pdf"
        path.write_bytes(body)
        out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        assert "Satisfaction" in out and "Document no." in out
    w = submitted
    draft = svc.draft(w.s, w.county_officer, "130102", 2026, 2, now=NOW)
    doc = queries.document_text(w.s, w.county_officer, draft, "zh")
    assert doc.document_line == "草稿（未报送，数据可能变化）"
    assert document.report_pdf(doc).startswith(b"%PDF")


def test_workbook_has_one_sheet_per_section_with_typed_cells(submitted):
    book = load_workbook(io.BytesIO(document.report_xlsx(_doc(submitted))))
    expected = ["封面", "保障对象", "申请审核", "办理时限", "资金发放", "举报投诉", "窗口满意度", "监督员评议",
                "监督检查与问责", "核对发现", "工作情况"]
    assert book.sheetnames == expected
    values = {row[0]: row[1] for row in book["保障对象"].iter_rows(min_row=2, values_only=True)}
    assert values["期末在册人数"] == 10 and values["停保原因：收入超标（户）"] == 1
    ratings = {row[0].value: row for row in book["窗口满意度"].iter_rows(min_row=2)}
    assert ratings["满意率"][1].value == pytest.approx(0.6) and ratings["满意率"][1].number_format == "0.0%"
    money = {row[0].value: row[1] for row in book["资金发放"].iter_rows(min_row=2)}
    assert float(money["2026-01 发放金额（元）"].value) == 1200.0
    assert money["2026-01 发放金额（元）"].number_format == "#,##0.00"
    narrative = list(book["工作情况"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in narrative] == [f"{x}" for x in (
        "政策落实情况", "规范管理情况", "资金筹集和使用情况", "重大事项和突发事件处置情况", "监督检查情况",
        "存在问题、整改措施和下一步计划")]
    assert "第二段" in narrative[0][1]
    cover = dict(book["封面"].iter_rows(min_row=2, values_only=True))
    assert cover["文号"] == "130102〔2026〕低保年报1号"


def test_downloads_are_audited_reads_refused_to_others(submitted):
    w = submitted
    for who in (w.other_county, w.township):
        with pytest.raises(PermissionDenied):
            svc.record_download(w.s, who, w.report.id, "pdf")
    draft = svc.draft(w.s, w.county_officer, "130102", 2026, 4, now=NOW)
    with pytest.raises(PermissionDenied):
        svc.record_download(w.s, w.city_officer, draft.id, "xlsx")  # another office's draft
    svc.record_download(w.s, w.county_officer, draft.id, "xlsx")
