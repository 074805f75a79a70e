"""The findings list as an Excel workbook (openpyxl): one sheet, the same columns the officer sees, in the officer's
language. CPU-bound: callers run it through `kernel.heavy`."""

from __future__ import annotations

import io

from portal.i18n.catalog import text
from portal.verification.queries import QueueFinding

COLUMNS = ("verify.col_household", "verify.col_township", "verify.col_rule", "verify.col_member",
           "verify.col_declared", "verify.col_found", "verify.col_source", "verify.col_status",
           "verify.col_resolution")


def workbook(rows: list[QueueFinding], lang: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = text("verify.findings_title", lang)[:31]
    ws.append([text(k, lang) for k in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append([f"{r.household} {r.head}", f"{r.village} ({r.township})", text(f"verify.rule.{r.rule}", lang),
                   r.member, r.declared, f"{r.found} {r.refs}".strip(),
                   f"{text(f'verify.source.{r.source}', lang)} {r.as_of} {r.document_no}".strip(),
                   text(f"verify.status.{r.status}", lang),
                   (text(f"verify.resolution.{r.resolution}", lang) + " " + r.note).strip() if r.resolution else ""])
    for col, width in zip("ABCDEFGHI", (22, 22, 30, 22, 14, 28, 30, 10, 30)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
