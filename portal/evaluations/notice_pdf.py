"""The printable notice (通报) of a closed evaluation round: A4 pages in the red-header style, as a vector PDF.

Drawn with ReportLab through `kernel.pdf` (embedded, selectable Chinese text), laid out in the posters' units: pixels
of A4 at 150 dpi (`kernel.drawing`: A4_SIZE, PT points per pixel), with the posters' line breaking. Every
human-readable string is passed in already localized by the caller. CPU-bound: the API runs it through
`kernel.heavy`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, fields

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from portal.kernel import pdf
from portal.kernel.drawing import A4_SIZE, PT, ellipsized, vertical_metrics, wrap_text

MARGIN = 90
RED = (190, 20, 30)
BLACK = (20, 20, 20)
GREY = (100, 100, 100)
RULE = (200, 200, 200)
HEAD_FILL = (245, 235, 235)
ROW_H = 64
CELL_SIZE, CELL_LEADING = 24, 30
# Column x positions (left edges) and widths in px at 150 dpi; the target column takes what is left.
COLS = (("rank", 90, 90), ("target", 180, 470), ("sup", 650, 130), ("res", 780, 150), ("combined", 930, 130),
        ("talk", 1060, 90))
TABLE_BOTTOM = A4_SIZE[1] - 160  # rows stop here; the footer sits below
CONTINUED_TOP = 90  # where the repeated header row starts on a further page


@dataclass(frozen=True)
class NoticeText:
    issuer: str  # red header, e.g. 长安区民政部门
    title: str  # 民主评议结果通报
    subtitle: str  # round title
    meta: str  # period and publication date
    formula: str
    rules: str
    headers: dict[str, str]  # column key → heading
    footer: str


@dataclass(frozen=True)
class NoticeLine:
    rank: str
    target: str
    sup: str
    res: str
    combined: str
    talk: str


class _Page:
    """One canvas addressed in layout pixels from the top left, as the poster is."""

    def __init__(self, page: canvas.Canvas, regular: str, bold: str) -> None:
        self.page, self.regular, self.bold = page, regular, bold

    def font(self, bold: bool) -> str:
        return self.bold if bold else self.regular

    def width_of(self, bold: bool, size: int):
        name = self.font(bold)
        return lambda s: pdfmetrics.stringWidth(s, name, size)

    def text(self, x: float, y: float, value: str, size: int, fill, bold: bool = False, align: str = "left",
             middle: bool = False) -> None:
        """`y` is the line's top (its ascender), or with `middle` the middle between ascender and descender."""
        ascender, descender = vertical_metrics(bold)
        baseline = y + ((ascender - descender) / 2 if middle else ascender) * size
        self.page.setFillColorRGB(*(c / 255 for c in fill))
        self.page.setFont(self.font(bold), size * PT)
        at = (x * PT, (A4_SIZE[1] - baseline) * PT)
        if align == "center":
            self.page.drawCentredString(*at, value)
        elif align == "right":
            self.page.drawRightString(*at, value)
        else:
            self.page.drawString(*at, value)

    def box(self, x0: float, y0: float, x1: float, y1: float, fill) -> None:
        self.page.setFillColorRGB(*(c / 255 for c in fill))
        self.page.rect(x0 * PT, (A4_SIZE[1] - y1) * PT, (x1 - x0) * PT, (y1 - y0) * PT, stroke=0, fill=1)

    def rule(self, y: float, width: float, color) -> None:
        self.page.setStrokeColorRGB(*(c / 255 for c in color))
        self.page.setLineWidth(width * PT)
        self.page.line(MARGIN * PT, (A4_SIZE[1] - y) * PT, (A4_SIZE[0] - MARGIN) * PT, (A4_SIZE[1] - y) * PT)


def _lines(p: _Page, text: str, y: int, size: int, fill, bold: bool = False, center: bool = False,
           max_lines: int = 6) -> int:
    width = A4_SIZE[0] - 2 * MARGIN
    for line in wrap_text(text, p.width_of(bold, size), width)[:max_lines]:
        if center:
            p.text(A4_SIZE[0] / 2, y, line, size, fill, bold=bold, align="center")
        else:
            p.text(MARGIN, y, line, size, fill, bold=bold)
        y += int(size * 1.4)
    return y


HEADER_SIZES = (CELL_SIZE, 22, 20, 18)


def _header_cell(p: _Page, heading: str, width: int) -> tuple[int, list[str]]:
    """The largest size at which every word of a heading fits its column, on at most two lines (an English
    heading such as "Supervisors" is wider than its column at the table's size)."""
    for size in HEADER_SIZES:
        width_of = p.width_of(True, size)
        lines = wrap_text(heading, width_of, width)
        if len(lines) <= 2 and all(width_of(word) <= width for word in heading.split()):
            return size, lines
    return size, lines[:2]


def _header_row(p: _Page, headers: dict[str, str], y: int) -> int:
    p.box(MARGIN, y, A4_SIZE[0] - MARGIN, y + ROW_H, HEAD_FILL)
    for key, x, w in COLS:
        size, lines = _header_cell(p, headers[key], w - 12)
        leading = size * 1.2
        for i, line in enumerate(lines):
            middle = y + ROW_H / 2 + (i - (len(lines) - 1) / 2) * leading
            p.text(x + 6, middle, line, size, BLACK, bold=True, middle=True)
    return y + ROW_H


def _row(p: _Page, line: NoticeLine, y: int) -> int:
    width_of = p.width_of(False, CELL_SIZE)
    for key, x, w in COLS:
        cell = wrap_text(getattr(line, key), width_of, w - 12)
        if len(cell) > 2:
            cell = cell[:2]
            cell[-1] = ellipsized(cell[-1], width_of, w - 12)
        top = y + ROW_H // 2 - (len(cell) * CELL_LEADING) // 2
        for i, value in enumerate(cell):
            p.text(x + 6, top + i * CELL_LEADING, value, CELL_SIZE, RED if key == "talk" else BLACK)
    p.rule(y + ROW_H, 2, RULE)
    return y + ROW_H


def _first_page_head(p: _Page, text: NoticeText) -> int:
    """Red header, the double rule, title, the round, and the numbers behind the ranking; returns where the table
    starts."""
    width = A4_SIZE[0]
    y = _lines(p, text.issuer, 70, 44, RED, bold=True, center=True, max_lines=2)
    y += 20
    p.box(MARGIN, y, width - MARGIN, y + 5, RED)
    p.box(MARGIN, y + 7, width - MARGIN, y + 9, RED)
    y = _lines(p, text.title, y + 40, 60, BLACK, bold=True, center=True, max_lines=2)
    y = _lines(p, text.subtitle, y + 10, 34, BLACK, center=True, max_lines=2)
    y = _lines(p, text.meta, y + 10, 24, GREY, center=True, max_lines=2)
    y = _lines(p, text.formula, y + 20, 26, BLACK, max_lines=3)
    return _lines(p, text.rules, y + 6, 22, GREY, max_lines=6) + 20


def _rows_fitting(table_top: int) -> int:
    """Rows that fit under a header row starting at `table_top` (at least one, so a table always moves on)."""
    return max(1, (TABLE_BOTTOM - table_top - ROW_H) // ROW_H)


def _draw(text: NoticeText, lines: Sequence[NoticeLine], regular: str, bold: str) -> bytes:
    buf = io.BytesIO()
    doc = canvas.Canvas(buf, pagesize=(A4_SIZE[0] * PT, A4_SIZE[1] * PT), pageCompression=1,
                        initialFontName=regular)
    doc.setTitle(text.title)
    doc.setSubject(text.subtitle)
    p = _Page(doc, regular, bold)
    table_top = _first_page_head(p, text)
    # Cut the table into pages first, so every page's footer can say "n / total".
    pages, rest, top = [], list(lines), table_top
    while True:
        pages.append((top, rest[:_rows_fitting(top)]))
        rest = rest[_rows_fitting(top):]
        if not rest:
            break
        top = CONTINUED_TOP
    height = A4_SIZE[1]
    for number, (top, rows) in enumerate(pages, start=1):
        if number > 1:
            doc.showPage()
        y = _header_row(p, text.headers, top)
        for line in rows:
            y = _row(p, line, y)
        p.rule(height - 120, 2, RULE)
        p.text(MARGIN, height - 100, text.footer, 22, GREY)
        p.text(A4_SIZE[0] - MARGIN, height - 100, f"{number} / {len(pages)}", 22, GREY, align="right")
    doc.showPage()
    doc.save()
    return buf.getvalue()


def _all_text(text: NoticeText, lines: Sequence[NoticeLine]) -> str:
    parts = [text.issuer, text.title, text.subtitle, text.meta, text.formula, text.rules, text.footer,
             *text.headers.values()]
    parts += [getattr(line, f.name) for line in lines for f in fields(NoticeLine)]
    return "".join(parts) + "/…"  # the page number's "1 / 3", and the mark of a cell cut to fit


def notice_pdf(text: NoticeText, lines: Sequence[NoticeLine]) -> bytes:
    return pdf.drawn_with_cjk(_all_text(text, lines), lambda regular, bold: _draw(text, lines, regular, bold))
