"""The report as a document for the file: a PDF (ReportLab, embedded Chinese text through `kernel/pdf`: the title
with the document number, the figures as tables, the narrative, the office's signature block) and a workbook
(`kernel/export`: a cover, one sheet per figure section, one for the narrative).

Every string arrives already localized (`DocText`, built by `queries.document_text`), so this module decides layout
only. CPU-bound: the API runs both through `kernel.heavy`. No database, no Reflex.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from portal.annual import rules
from portal.kernel import export, pdf


@dataclass(frozen=True)
class FigureLine:
    label: str
    shown: str  # as printed
    value: float | int | None  # as typed in the workbook
    kind: str  # rules.INT | YUAN | PERCENT | DAYS | SCORE


@dataclass(frozen=True)
class DocText:
    title: str
    document_line: str  # the number, or the draft mark
    to_line: str
    figures_title: str
    narrative_title: str
    col_item: str
    col_value: str
    figure_sections: tuple[tuple[str, tuple[FigureLine, ...]], ...]
    narrative: tuple[tuple[str, str], ...]  # (section title, text or the "not written" mark)
    signature: tuple[str, str, str, str]  # office (seal), head, prepared by, date
    printed: str
    cover_sheet: str
    narrative_sheet: str
    cover: tuple[tuple[str, str], ...]  # (label, value) lines of the workbook's cover


def _all_text(d: DocText) -> str:
    parts = [d.title, d.document_line, d.to_line, d.figures_title, d.narrative_title, d.col_item, d.col_value,
             *d.signature, d.printed]
    for title, lines in d.figure_sections:
        parts += [title] + [x.label + x.shown for x in lines]
    for title, body in d.narrative:
        parts += [title, body]
    return "".join(parts)


def report_pdf(d: DocText) -> bytes:
    return pdf.drawn_with_cjk(_all_text(d), lambda regular, bold: _draw(d, regular, bold))


def _draw(d: DocText, regular: str, bold: str) -> bytes:
    title = ParagraphStyle("title", fontName=bold, fontSize=17, leading=24, alignment=1, spaceAfter=2 * mm)
    number = ParagraphStyle("number", fontName=regular, fontSize=10, leading=14, alignment=1, spaceAfter=4 * mm)
    part = ParagraphStyle("part", fontName=bold, fontSize=13, leading=18, spaceBefore=5 * mm, spaceAfter=2 * mm)
    head = ParagraphStyle("head", fontName=bold, fontSize=11, leading=15, spaceBefore=3 * mm, spaceAfter=1.5 * mm)
    body = ParagraphStyle("body", fontName=regular, fontSize=10.5, leading=17, wordWrap="CJK", firstLineIndent=21)
    plain = ParagraphStyle("plain", fontName=regular, fontSize=10, leading=14, wordWrap="CJK")
    cell = ParagraphStyle("cell", fontName=regular, fontSize=9, leading=12, wordWrap="CJK")
    cell_right = ParagraphStyle("cellr", parent=cell, alignment=2)
    cell_bold = ParagraphStyle("cellb", parent=cell, fontName=bold)

    def p(value: str, style=cell) -> Paragraph:
        return Paragraph(escape(value).replace("\n", "<br/>"), style)

    width = A4[0] - 40 * mm
    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                       ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                       ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)])
    story = [Paragraph(escape(d.title), title), p(d.document_line, number), p(d.to_line, plain),
             Paragraph(escape(d.figures_title), part)]
    for section, lines in d.figure_sections:
        rows = [[p(d.col_item, cell_bold), p(d.col_value, cell_bold)]]
        rows += [[p(x.label), p(x.shown, cell_right)] for x in lines]
        story.append(KeepTogether([Paragraph(escape(section), head),
                                   Table(rows, colWidths=[width * 0.72, width * 0.28], repeatRows=1, style=grid)]))
    story.append(Paragraph(escape(d.narrative_title), part))
    for section, text in d.narrative:
        story.append(Paragraph(escape(section), head))
        for para in [x for x in text.split("\n") if x.strip()] or [text]:
            story.append(p(para, body))
    story.append(Spacer(1, 10 * mm))
    office, head_line, filler, day = (p(x, plain) for x in d.signature)
    story.append(KeepTogether([Table([[office, ""], [head_line, filler], ["", day]],
                                     colWidths=[width * 0.5, width * 0.5], rowHeights=[14 * mm, 10 * mm, 10 * mm],
                                     style=TableStyle([("SPAN", (0, 0), (-1, 0)),
                                                       ("VALIGN", (0, 0), (-1, -1), "TOP")]))]))
    story.append(Spacer(1, 4 * mm))
    story.append(p(d.printed, cell))
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                      bottomMargin=18 * mm, title=d.title).build(story)
    return buf.getvalue()


_KINDS = {rules.INT: export.INT, rules.YUAN: export.YUAN, rules.PERCENT: export.PERCENT,
          rules.DAYS: export.DECIMAL, rules.SCORE: export.DECIMAL}


def report_xlsx(d: DocText) -> bytes:
    """A cover, one sheet per figure section (typed cells: counts, yuan, shares), and the narrative."""
    two = [export.Column(d.col_item, export.TEXT, 48), export.Column(d.col_value, export.TEXT, 18)]
    sheets = [export.Sheet(d.cover_sheet, [export.Column(d.col_item, export.TEXT, 24),
                                           export.Column(d.col_value, export.TEXT, 60)], list(d.cover))]
    for section, lines in d.figure_sections:
        sheets.append(export.Sheet(section, two, [
            (x.label, export.Typed(_KINDS[x.kind], x.value)) for x in lines]))
    sheets.append(export.Sheet(d.narrative_sheet, [export.Column(d.col_item, export.TEXT, 28),
                                                   export.Column(d.narrative_sheet, export.TEXT, 100)],
                               list(d.narrative)))
    return export.workbook(sheets)
