"""The printable approval form (审批表) of one case: the case, its household, every step of its history with who,
when, the note and the outcome, and the places for the township's and the county's opinions and signatures.

Drawn with ReportLab on A4 with embedded Chinese text (`kernel/pdf`). Every human-readable string arrives already
localized (`FormText`), so this module decides layout only. CPU-bound: the API runs it through `kernel.heavy`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from portal.kernel import pdf


@dataclass(frozen=True)
class FormText:
    title: str
    case_line: str
    status_line: str
    members_title: str
    member_headers: tuple[str, ...]
    members: tuple[tuple[str, ...], ...]
    history_title: str
    history_headers: tuple[str, ...]  # step, by, when, outcome, note
    history: tuple[tuple[str, str, str, str, str], ...]
    sign_township: str
    sign_county: str
    signature: tuple[str, str, str]  # handler, head, seal and date
    printed: str


def _all_text(f: FormText) -> str:
    parts = [f.title, f.case_line, f.status_line, f.members_title, f.history_title, f.sign_township, f.sign_county,
             *f.signature, f.printed, *f.member_headers, *f.history_headers]
    parts += [c for row in f.members for c in row] + [c for row in f.history for c in row]
    return "".join(parts)


def approval_form_pdf(f: FormText) -> bytes:
    return pdf.drawn_with_cjk(_all_text(f), lambda regular, bold: _draw(f, regular, bold))


def _draw(f: FormText, regular: str, bold: str) -> bytes:
    title = ParagraphStyle("title", fontName=bold, fontSize=18, leading=24, alignment=1, spaceAfter=4 * mm)
    head = ParagraphStyle("head", fontName=bold, fontSize=11.5, leading=16, spaceBefore=4 * mm, spaceAfter=2 * mm)
    body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=14, wordWrap="CJK")
    cell = ParagraphStyle("cell", fontName=regular, fontSize=9, leading=12, wordWrap="CJK")
    cell_bold = ParagraphStyle("cellb", parent=cell, fontName=bold)

    def p(value: str, style=cell) -> Paragraph:
        return Paragraph(escape(value).replace("\n", "<br/>"), style)

    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                       ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                       ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)])
    width = A4[0] - 36 * mm
    story = [Paragraph(escape(f.title), title), p(f.case_line, body), p(f.status_line, body),
             Paragraph(escape(f.members_title), head)]
    members = [[p(h, cell_bold) for h in f.member_headers]] + [[p(c) for c in row] for row in f.members]
    story.append(Table(members, colWidths=[width * w for w in (0.22, 0.14, 0.10, 0.34, 0.20)], repeatRows=1,
                       style=grid))
    story.append(Paragraph(escape(f.history_title), head))
    rows = [[p(h, cell_bold) for h in f.history_headers]] + [[p(c) for c in row] for row in f.history]
    story.append(Table(rows, colWidths=[width * w for w in (0.16, 0.18, 0.17, 0.13, 0.36)], repeatRows=1,
                       style=grid))
    story.append(Spacer(1, 6 * mm))
    signs = [p(x, body) for x in f.signature]
    sign = Table([[p(f.sign_township, body), "", ""], signs, [p(f.sign_county, body), "", ""], list(signs)],
                 colWidths=[width * 0.3, width * 0.3, width * 0.4], rowHeights=[28 * mm, 10 * mm, 28 * mm, 10 * mm],
                 style=TableStyle([("BOX", (0, 0), (-1, 1), 0.8, colors.black),
                                   ("BOX", (0, 2), (-1, 3), 0.8, colors.black),
                                   ("SPAN", (0, 0), (-1, 0)), ("SPAN", (0, 2), (-1, 2)),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story.append(sign)
    story.append(Spacer(1, 3 * mm))
    story.append(p(f.printed, cell))
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                      bottomMargin=16 * mm, title=f.title).build(story)
    return buf.getvalue()
