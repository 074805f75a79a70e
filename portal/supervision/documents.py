"""Supervision's printable documents: the inspection report (督察报告) for the level above and the published notices
(通报表扬 / 通报批评), both A4 in the red-header style of an official document (文号, title, sections, signature block).

Drawn with ReportLab on A4 with embedded Chinese text (`kernel/pdf`, the one way to draw PDFs). Every string arrives
already localized and already masked (`Document`), so this module decides layout only. CPU-bound: the API runs it
through `kernel.heavy`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from portal.kernel import pdf

RED = colors.HexColor("#be141e")


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    widths: tuple[float, ...] = ()  # shares of the text width, one per column
    empty: str = ""  # printed instead of an empty table


@dataclass(frozen=True)
class Document:
    issuer: str  # red header: 石家庄市民政局
    number: str  # 文号
    title: str
    meta: tuple[str, ...]  # lines under the title
    sections: tuple[Section, ...]
    signature: tuple[str, ...]  # right-aligned lines at the end: issuer, date, who drew it up
    footer: str
    sign_lines: tuple[str, ...] = field(default=())  # blank lines to sign on: 审核人, 签发人


def _all_text(d: Document) -> str:
    parts = [d.issuer, d.number, d.title, d.footer, *d.meta, *d.signature, *d.sign_lines]
    for s in d.sections:
        parts += [s.heading, s.empty, *s.paragraphs, *s.headers, *(c for row in s.rows for c in row)]
    return "".join(parts)


def document_pdf(d: Document) -> bytes:
    return pdf.drawn_with_cjk(_all_text(d) + "/", lambda regular, bold: _draw(d, regular, bold))


def _draw(d: Document, regular: str, bold: str) -> bytes:
    issuer = ParagraphStyle("issuer", fontName=bold, fontSize=22, leading=30, alignment=1, textColor=RED)
    number = ParagraphStyle("number", fontName=regular, fontSize=10.5, leading=16, alignment=1)
    title = ParagraphStyle("title", fontName=bold, fontSize=17, leading=24, alignment=1, spaceBefore=3 * mm,
                           spaceAfter=2 * mm)
    meta = ParagraphStyle("meta", fontName=regular, fontSize=9.5, leading=14, alignment=1, textColor=colors.grey)
    head = ParagraphStyle("head", fontName=bold, fontSize=11.5, leading=16, spaceBefore=4 * mm, spaceAfter=2 * mm)
    body = ParagraphStyle("body", fontName=regular, fontSize=10.5, leading=17, wordWrap="CJK", firstLineIndent=21)
    cell = ParagraphStyle("cell", fontName=regular, fontSize=9, leading=12, wordWrap="CJK")
    cell_bold = ParagraphStyle("cellb", parent=cell, fontName=bold)
    right = ParagraphStyle("right", fontName=regular, fontSize=10.5, leading=17, alignment=2)

    def p(value: str, style=cell) -> Paragraph:
        return Paragraph(escape(value or "").replace("\n", "<br/>"), style)

    width = A4[0] - 36 * mm
    rule = Table([[""]], colWidths=[width], rowHeights=[1.2 * mm],
                 style=TableStyle([("LINEBELOW", (0, 0), (-1, -1), 1.6, RED)]))
    story = [p(d.issuer, issuer), p(d.number, number), rule, p(d.title, title), *(p(m, meta) for m in d.meta)]
    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                       ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f5eaea")),
                       ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)])
    for s in d.sections:
        story.append(p(s.heading, head))
        story += [p(x, body) for x in s.paragraphs]
        if s.headers:
            if s.rows:
                rows = [[p(h, cell_bold) for h in s.headers]] + [[p(c) for c in row] for row in s.rows]
                widths = s.widths or tuple(1 / len(s.headers) for _ in s.headers)
                story.append(Table(rows, colWidths=[width * w for w in widths], repeatRows=1, style=grid))
            elif s.empty:
                story.append(p(s.empty, body))
    closing = [Spacer(1, 8 * mm), *(p(x, right) for x in d.signature)]
    if d.sign_lines:
        closing.append(Spacer(1, 4 * mm))
        closing.append(Table([[p(x, body) for x in d.sign_lines]], colWidths=[width / len(d.sign_lines)] *
                             len(d.sign_lines), rowHeights=[14 * mm],
                             style=TableStyle([("BOX", (0, 0), (-1, -1), 0.8, colors.black),
                                               ("INNERGRID", (0, 0), (-1, -1), 0.5, colors.black),
                                               ("VALIGN", (0, 0), (-1, -1), "TOP")])))
    story.append(KeepTogether(closing))

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(regular, 8)
        canvas.setFillColor(colors.grey)
        canvas.drawString(18 * mm, 10 * mm, d.footer)
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"{doc.page}")
        canvas.restoreState()

    story.append(Spacer(1, 2 * mm))
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                      bottomMargin=18 * mm, title=d.title, subject=d.number).build(
        story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()
