"""The findings workbook: the officer's columns in their language, and department text kept as text."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from portal.verification import export
from portal.verification.queries import QueueFinding


def _finding(**changes) -> QueueFinding:
    values = dict(id=1, household="HH-0001", head="张**", village="跃进社区", township="建北街道", rule="vehicles",
                  severity="high", routed_to="township", member="130102********123X", declared="0",
                  found="小型轿车 冀A12345", refs="VEH-9", source="vehicles", as_of="2026-11-30",
                  document_no="冀民〔2026〕7号", status="open", resolution="", note="", household_status="active")
    values.update(changes)
    return QueueFinding(**values)


def _sheet(rows, lang):
    return load_workbook(io.BytesIO(export.workbook(rows, lang))).active


def test_the_columns_and_cells_are_the_officers_in_their_language():
    sheet = _sheet([_finding(), _finding(id=2, status="resolved", resolution="explained", note="车辆已过户")], "zh")
    assert [c.value for c in sheet[1]][:3] == ["家庭", "乡镇（街道）", "核对项目"]
    first, second = [c.value for c in sheet[2]], [c.value for c in sheet[3]]
    assert first[0] == "HH-0001 张**" and first[4] == "0" and first[5] == "小型轿车 冀A12345 VEH-9"
    assert first[2] == "有不在豁免范围内的机动车" and first[8] is None
    assert second[8].endswith("车辆已过户")
    assert sheet.freeze_panes == "A2" and sheet.max_row == 3
    english = _sheet([_finding()], "en")
    assert english[2][2].value == "A vehicle not on the exempt list"


def test_a_department_value_that_looks_like_a_formula_stays_text():
    sheet = _sheet([_finding(found="=HYPERLINK(\"http://x\")", declared="+1", refs="")], "zh")
    row = [c.value for c in sheet[2]]
    assert row[4] == "+1" and row[5] == '=HYPERLINK("http://x")'
    assert all(c.data_type == "s" for c in sheet[2] if c.value is not None) and sheet[2][5].quotePrefix


def test_the_download_is_named_in_the_officers_language():
    assert export.filename("zh").endswith(".xlsx") and export.filename("en") != export.filename("zh")
