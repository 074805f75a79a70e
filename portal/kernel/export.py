"""The one spreadsheet export: the lists officers work from, as .xlsx with Chinese (or English) headings and real
cells — numbers as numbers, amounts in yuan with two decimals, dates as dates — written by openpyxl.

A domain's API turns its read model into `Column`s and rows; `xlsx` writes the workbook (CPU-bound: call it through
`kernel.heavy`), `response_headers` names the download. Pure Python: no Reflex, no database.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

__all__ = ["Column", "Sheet", "Typed", "TEXT", "INT", "YUAN", "DATE", "DATETIME", "PERCENT", "DECIMAL", "SCORE",
           "xlsx", "workbook", "response_headers"]

TEXT, INT, YUAN, DATE, DATETIME, PERCENT, DECIMAL = "text", "int", "yuan", "date", "datetime", "percent", "decimal"
SCORE = "score"  # a score out of 100 with two decimals, as notices print it
FORMATS = {INT: "0", YUAN: "#,##0.00", DATE: "yyyy-mm-dd", DATETIME: "yyyy-mm-dd hh:mm", PERCENT: "0.0%",
           DECIMAL: "0.0", SCORE: "0.00"}
MAX_ROWS = 50_000
MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = TEXT  # TEXT | INT | YUAN (value in fen) | DATE | DATETIME | PERCENT (0..1)
    width: int = 14


@dataclass(frozen=True)
class Typed:
    """A cell whose kind differs from its column's (a two-column sheet of labelled figures: counts, yuan, shares)."""

    kind: str
    value: object


@dataclass(frozen=True)
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[object]]


def _cell(kind: str, value: object) -> object:
    if isinstance(value, Typed):
        kind, value = value.kind, value.value
    if value is None or value == "":
        return None
    if kind == YUAN:
        return Decimal(int(value)) / 100  # type: ignore[arg-type]
    if kind == INT:
        return int(value)  # type: ignore[arg-type]
    if kind == DATE and isinstance(value, str):
        return date.fromisoformat(value)
    if kind == DATETIME and isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones: the caller passes local (China) time
    if kind == TEXT:
        # Control characters (a department's record may carry them) are not allowed in a worksheet at all.
        return ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return value


FORMULA_LEAD = ("=", "+", "-", "@")


def _as_text(cell) -> None:
    """A text cell that a spreadsheet must never run as a formula (formula injection through = + - @): stored as a
    string with Excel's quote prefix, so it shows as typed, without an added apostrophe."""
    cell.data_type = "s"
    cell.quotePrefix = True


def xlsx(title: str, columns: Sequence[Column], rows: Iterable[Sequence[object]]) -> bytes:
    """One sheet: a bold, frozen heading row, then the rows (at most MAX_ROWS) with typed cells."""
    return workbook([Sheet(title, columns, rows)])


_BAD_TITLE = str.maketrans({c: " " for c in "[]:*?/\\"})


def workbook(sheets: Sequence[Sheet]) -> bytes:
    """Several sheets, each like `xlsx`'s one (titles cut to Excel's 31 characters, made unique)."""
    book = Workbook()
    book.remove(book.active)
    seen: set[str] = set()
    for spec in sheets:
        title = spec.title.translate(_BAD_TITLE).strip()[:31] or "Sheet"
        n = 2
        while title.lower() in seen:
            title = f"{title[:28]} {n}"
            n += 1
        seen.add(title.lower())
        _write(book.create_sheet(title), spec.columns, spec.rows)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _write(sheet, columns: Sequence[Column], rows: Iterable[Sequence[object]]) -> None:
    sheet.append([c.header for c in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEEEEE")
        cell.alignment = Alignment(vertical="center")
    for n, row in enumerate(rows):
        if n >= MAX_ROWS:
            break
        sheet.append([_cell(c.kind, v) for c, v in zip(columns, row)])
        for c, v, cell in zip(columns, row, sheet[sheet.max_row]):
            kind = v.kind if isinstance(v, Typed) else c.kind
            if kind in FORMATS:
                cell.number_format = FORMATS[kind]
            if kind == TEXT and isinstance(cell.value, str) and cell.value[:1] in FORMULA_LEAD:
                _as_text(cell)
            if c.kind == TEXT and isinstance(v, str) and "\n" in v:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, c in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = c.width
    sheet.freeze_panes = "A2"


def response_headers(filename: str) -> dict[str, str]:
    """A download named `filename` (UTF-8 names through RFC 5987), never cached or sniffed."""
    return {"Content-Disposition": f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(filename)}",
            "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
