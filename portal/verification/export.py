"""The findings list as an Excel workbook: one sheet, the same columns the officer sees, in the officer's language,
written by the one spreadsheet export (`kernel.export`). CPU-bound: callers run it through `kernel.heavy`."""

from __future__ import annotations

from portal.i18n.catalog import text
from portal.kernel import export
from portal.verification.queries import QueueFinding

COLUMNS = (("verify.col_household", 22), ("verify.col_township", 22), ("verify.col_rule", 30),
           ("verify.col_member", 22), ("verify.col_declared", 14), ("verify.col_found", 28),
           ("verify.col_source", 30), ("verify.col_status", 10), ("verify.col_resolution", 30))


def filename(lang: str) -> str:
    return text("verify.findings_title", lang) + ".xlsx"


def workbook(rows: list[QueueFinding], lang: str) -> bytes:
    columns = [export.Column(text(key, lang), export.TEXT, width) for key, width in COLUMNS]
    return export.xlsx(text("verify.findings_title", lang), columns, (_row(r, lang) for r in rows))


def _row(r: QueueFinding, lang: str) -> list[str]:
    return [f"{r.household} {r.head}", f"{r.village} ({r.township})", text(f"verify.rule.{r.rule}", lang),
            r.member, r.declared, f"{r.found} {r.refs}".strip(),
            f"{text(f'verify.source.{r.source}', lang)} {r.as_of} {r.document_no}".strip(),
            text(f"verify.status.{r.status}", lang),
            (text(f"verify.resolution.{r.resolution}", lang) + " " + r.note).strip() if r.resolution else ""]
