"""The printable notice (通报) of a closed evaluation round: A4 pages in the red-header style, as a PDF.

Pure Python (Pillow). Fonts, line wrapping and the PDF writer are the poster module's (`services.qr`); every
human-readable string is passed in already localized by the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw

from portal.kernel.drawing import A4_SIZE, cjk_font, pages_pdf, wrap_text

MARGIN = 90
RED = (190, 20, 30)
BLACK = (20, 20, 20)
GREY = (100, 100, 100)
RULE = (200, 200, 200)
ROW_H = 64
# Column x positions (left edges) and widths in px at 150 dpi; the target column takes what is left.
COLS = (("rank", 90, 90), ("target", 180, 470), ("sup", 650, 130), ("res", 780, 150), ("combined", 930, 130),
        ("talk", 1060, 90))


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


def _page() -> tuple[Image.Image, ImageDraw.ImageDraw]:
    page = Image.new("RGB", A4_SIZE, "white")
    return page, ImageDraw.Draw(page)


def _lines(draw: ImageDraw.ImageDraw, text: str, y: int, size: int, fill, bold: bool = False,
           center: bool = False, max_lines: int = 6) -> int:
    font = cjk_font(size, bold=bold)
    width = A4_SIZE[0] - 2 * MARGIN
    for line in wrap_text(text, font, width)[:max_lines]:
        if center:
            draw.text((A4_SIZE[0] // 2, y), line, font=font, fill=fill, anchor="ma")
        else:
            draw.text((MARGIN, y), line, font=font, fill=fill)
        y += int(size * 1.4)
    return y


def _header_row(draw: ImageDraw.ImageDraw, headers: dict[str, str], y: int) -> int:
    font = cjk_font(24, bold=True)
    draw.rectangle((MARGIN, y, A4_SIZE[0] - MARGIN, y + ROW_H), fill=(245, 235, 235))
    for key, x, _w in COLS:
        draw.text((x + 6, y + ROW_H // 2), headers[key], font=font, fill=BLACK, anchor="lm")
    return y + ROW_H


def _row(draw: ImageDraw.ImageDraw, line: NoticeLine, y: int) -> int:
    font = cjk_font(24)
    for key, x, w in COLS:
        value = getattr(line, key)
        cell = wrap_text(value, font, w - 12)
        if len(cell) > 2:
            cell = cell[:2]
            cell[-1] = cell[-1][:-1] + "…"
        top = y + ROW_H // 2 - (len(cell) * 30) // 2
        for i, text in enumerate(cell):
            draw.text((x + 6, top + i * 30), text, font=font, fill=RED if key == "talk" else BLACK)
    draw.line((MARGIN, y + ROW_H, A4_SIZE[0] - MARGIN, y + ROW_H), fill=RULE, width=2)
    return y + ROW_H


def notice_pages(text: NoticeText, lines: Sequence[NoticeLine]) -> list[Image.Image]:
    """Red header, title, the numbers behind the ranking, and the table; continued on further pages."""
    width, height = A4_SIZE
    bottom = height - 160
    pages: list[Image.Image] = []
    page, draw = _page()
    y = _lines(draw, text.issuer, 70, 44, RED, bold=True, center=True, max_lines=2)
    y += 20
    draw.rectangle((MARGIN, y, width - MARGIN, y + 4), fill=RED)
    draw.rectangle((MARGIN, y + 7, width - MARGIN, y + 8), fill=RED)
    y = _lines(draw, text.title, y + 40, 60, BLACK, bold=True, center=True, max_lines=2)
    y = _lines(draw, text.subtitle, y + 10, 34, BLACK, center=True, max_lines=2)
    y = _lines(draw, text.meta, y + 10, 24, GREY, center=True, max_lines=2)
    y = _lines(draw, text.formula, y + 20, 26, BLACK, max_lines=3)
    y = _lines(draw, text.rules, y + 6, 22, GREY, max_lines=6)
    y = _header_row(draw, text.headers, y + 20)
    for line in lines:
        if y + ROW_H > bottom:
            pages.append(page)
            page, draw = _page()
            y = _header_row(draw, text.headers, 90)
        y = _row(draw, line, y)
    pages.append(page)
    font = cjk_font(22)
    for number, p in enumerate(pages, start=1):
        d = ImageDraw.Draw(p)
        d.line((MARGIN, height - 120, width - MARGIN, height - 120), fill=RULE, width=2)
        d.text((MARGIN, height - 100), text.footer, font=font, fill=GREY)
        d.text((width - MARGIN, height - 100), f"{number} / {len(pages)}", font=font, fill=GREY, anchor="ra")
    return pages


def notice_pdf(text: NoticeText, lines: Sequence[NoticeLine]) -> bytes:
    return pages_pdf(notice_pages(text, lines))
