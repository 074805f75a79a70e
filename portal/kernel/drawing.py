"""QR codes and printable A4 posters for service-window ratings, and the receipt card a resident saves to the
phone's photo album (a report's receipt code, an application's number, each with its secret).

One poster layout (`_poster_layout`, in pixels of A4 at 150 dpi) drawn two ways: a PNG for screens (Pillow) and a
vector PDF for printing (ReportLab through `kernel.pdf`: embedded, selectable Chinese text, the QR code as filled
squares, so it stays sharp at any printer resolution and a page is a few kilobytes). No Reflex or database
imports, so the CLI and batch jobs can use it too. All human-readable text is passed in by the caller: the message
catalog lives in ``portal.i18n``.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

import qrcode
from PIL import Image, ImageDraw, ImageFont
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from portal.kernel import pdf

__all__ = [
    "A4_SIZE",
    "POSTER_DPI",
    "PT",
    "PosterText",
    "ReceiptCardText",
    "cjk_font",
    "ellipsized",
    "poster_image",
    "poster_pdf",
    "poster_png",
    "posters_pdf",
    "qr_png",
    "rating_url",
    "vertical_metrics",
    "receipt_card_png",
    "wrap_text",
]

POSTER_DPI = 150
A4_SIZE = (1240, 1754)  # 210 x 297 mm at 150 dpi
PT = 72 / POSTER_DPI  # PDF points per layout pixel: the PDF page is A4_SIZE scaled, 595.2 x 841.92 pt

_MAX_TTC_FACES = 16


@dataclass(frozen=True)
class PosterText:
    """Caller-supplied (already localized) strings printed on a poster."""

    window_name: str
    window_code: str
    office_name: str
    instruction: str
    footer: str


def rating_url(base_url: str, window_code: str) -> str:
    """Public rating URL for one service window (the code is URL-quoted)."""
    if not window_code:
        raise ValueError("window_code must not be empty")
    return f"{base_url.rstrip('/')}/r/{quote(window_code, safe='')}"


# --------------------------------------------------------------------- QR


def _qr_matrix(url: str) -> list[list[bool]]:
    """Module matrix including the 4-module quiet zone; level M tolerates
    ~15 % damage (scuffed or partly covered posters) while staying small."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(url)
    qr.make(fit=True)
    return qr.get_matrix()


def _qr_bitmap(matrix: list[list[bool]], side: int) -> Image.Image:
    # Build the bitmap ourselves from the matrix so we don't depend on the
    # qrcode image-factory API, and scale with NEAREST to keep edges crisp.
    n = len(matrix)
    small = Image.new("L", (n, n), 255)
    small.putdata([0 if dark else 255 for row in matrix for dark in row])
    return small.resize((side, side), Image.Resampling.NEAREST)


def qr_png(url: str, box_size: int = 10) -> bytes:
    """PNG bytes of a QR code for ``url`` (error correction M, border 4)."""
    if box_size < 1:
        raise ValueError("box_size must be >= 1")
    matrix = _qr_matrix(url)
    buf = io.BytesIO()
    _qr_bitmap(matrix, len(matrix) * box_size).convert("1").save(buf, format="PNG", optimize=True)
    return buf.getvalue()


# ------------------------------------------------------------------ fonts


@lru_cache(maxsize=64)
def _load_font(path: str, size: int, mono: bool) -> ImageFont.FreeTypeFont:
    want = pdf.FAMILY_MONO if mono else pdf.FAMILY
    first: ImageFont.FreeTypeFont | None = None
    # Non-collection files have a single face; for .ttc scan for the SC face.
    for index in range(_MAX_TTC_FACES):
        try:
            font = ImageFont.truetype(path, size, index=index)
        except OSError:
            break
        first = first or font
        if font.getname()[0] == want:
            return font
    if mono:
        # No mono CJK face: the proportional SC face still has the glyphs.
        return _load_font(path, size, False)
    if first is None:
        raise RuntimeError(f"Could not load CJK font {path}; reinstall `fonts-noto-cjk`.")
    return first


def cjk_font(size: int, bold: bool = False, mono: bool = False) -> ImageFont.FreeTypeFont:
    """A Simplified-Chinese capable font; RuntimeError naming `fonts-noto-cjk` if none."""
    return _load_font(pdf.font_file(bold), size, mono)


# ----------------------------------------------------------------- layout

_MARGIN = 90
_RED = (190, 20, 30)  # classic red-header (红头) accent of official notices
_BLACK = (20, 20, 20)
_GREY = (100, 100, 100)
_LIGHT = (235, 235, 235)
_RULE = (200, 200, 200)
_LINE_SPACING = 1.3
_QR_MIN, _QR_MAX = 900, 1000
_ELLIPSIS = "…"

# Closing punctuation must not start a line (basic Chinese line-breaking rule).
_NO_LINE_START = set("，。、；：？！）》」』】〕…,.;:?!)]}%")

Color = tuple[int, int, int]
# Width of a text at a size in one of the four faces: (text, size, bold, mono) -> width, in the size's unit.
Measure = Callable[[str, float, bool, bool], float]


def _tokens(text: str) -> list[str]:
    """Break into wrap units: each CJK char alone, Latin words kept whole."""
    out: list[str] = []
    word = ""
    for ch in text:
        if ch.isascii() and not ch.isspace():
            word += ch
            continue
        if word:
            out.append(word)
            word = ""
        out.append(ch)
    if word:
        out.append(word)
    return out


def wrap_text(text: str, width_of: Callable[[str], float], max_width: float) -> list[str]:
    """Lines no wider than ``max_width`` as ``width_of`` measures them (a Pillow font's ``getlength``, or ReportLab's
    string width in a PDF): CJK breaks anywhere, Latin words stay whole, no line starts with ，。"""
    tokens: list[str] = []
    for tok in _tokens(text.strip()):
        # A word wider than the whole line (long code, URL) can only be split
        # by character; otherwise it would run off the page.
        tokens.extend(tok if width_of(tok) > max_width else [tok])
    lines: list[str] = []
    line = ""
    for tok in tokens:
        candidate = line + tok
        if not line or width_of(candidate) <= max_width or tok in _NO_LINE_START:
            line = candidate
            continue
        lines.append(line.rstrip())
        line = tok.lstrip()
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


def _wrap_balanced(text: str, width_of: Callable[[str], float], max_width: int) -> list[str]:
    """Wrap, then narrow the measure while the line count stays the same, so
    a two-line title splits evenly instead of leaving one orphaned word."""
    lines = wrap_text(text, width_of, max_width)
    if len(lines) < 2:
        return lines
    lo, hi = max_width // len(lines), max_width
    while lo < hi:
        mid = (lo + hi) // 2
        if len(wrap_text(text, width_of, mid)) <= len(lines):
            hi = mid
        else:
            lo = mid + 1
    return wrap_text(text, width_of, hi)


def ellipsized(line: str, width_of: Callable[[str], float], max_width: float) -> str:
    """The line shortened until it fits with a trailing …, so a cut never passes silently."""
    while line and width_of(line + _ELLIPSIS) > max_width:
        line = line[:-1]
    return line + _ELLIPSIS


@dataclass(frozen=True)
class _Block:
    lines: list[str]
    size: int
    bold: bool
    mono: bool
    fill: Color

    @property
    def line_height(self) -> int:
        return int(self.size * _LINE_SPACING)

    @property
    def height(self) -> int:
        return self.line_height * len(self.lines)


# What a poster is made of, in layout pixels from the page's top left: text centred on a point, filled boxes
# (PIL's inclusive corners), a horizontal rule, and the QR code.
@dataclass(frozen=True)
class _Text:
    cx: int
    cy: int
    text: str
    size: int
    bold: bool
    mono: bool
    fill: Color


@dataclass(frozen=True)
class _Box:
    x0: int
    y0: int
    x1: int
    y1: int
    fill: Color
    radius: int = 0


@dataclass(frozen=True)
class _Rule:
    x0: int
    x1: int
    y: int
    width: int
    fill: Color


@dataclass(frozen=True)
class _Qr:
    x: int
    y: int
    side: int
    matrix: list[list[bool]]


_Shape = _Text | _Box | _Rule | _Qr


def _fit_block(
    text: str,
    sizes: Sequence[int],
    max_lines: int,
    max_width: int,
    bold: bool,
    fill: Color,
    measure: Measure,
    mono: bool = False,
) -> _Block:
    """Largest size whose wrapped text fits ``max_lines``; else truncate."""
    for size in sizes:
        def width_of(s: str, size: int = size) -> float:
            return measure(s, size, bold, mono)

        lines = _wrap_balanced(text, width_of, max_width)
        if len(lines) <= max_lines:
            return _Block(lines, size, bold, mono, fill)
    # Even the smallest size overflows: keep max_lines and mark the cut so a
    # poster never silently drops part of a name.
    lines = lines[:max_lines]
    lines[-1] = ellipsized(lines[-1], width_of, max_width)
    return _Block(lines, size, bold, mono, fill)


def _place(block: _Block, top: int, cx: int, out: list[_Shape]) -> int:
    lh = block.line_height
    for i, line in enumerate(block.lines):
        # Centred on the line's visual middle, so CJK and Latin mix line up.
        out.append(_Text(cx, top + i * lh + lh // 2, line, block.size, block.bold, block.mono, block.fill))
    return top + block.height


def _poster_layout(url: str, text: PosterText, measure: Measure) -> list[_Shape]:
    """Every shape of one A4 poster (1240 x 1754 layout pixels = A4 at 150 dpi)."""
    width, height = A4_SIZE
    cx = width // 2
    text_w = width - 2 * _MARGIN

    office = _fit_block(text.office_name, (46, 40, 34), 2, text_w, True, _RED, measure)
    title = _fit_block(text.window_name, (88, 80, 72, 64, 56, 48), 3, text_w, True, _BLACK, measure)
    instruction = _fit_block(text.instruction, (46, 40, 34), 2, text_w, True, _BLACK, measure)
    code = _fit_block(text.window_code, (84, 72, 60, 48), 1, text_w - 80, True, _BLACK, measure, mono=True)
    # The address the code encodes, printed under it: whoever hangs the poster can see where a scan leads.
    address = _fit_block(url, (30, 26, 22, 18), 2, text_w, False, _BLACK, measure, mono=True)
    footer = _fit_block(text.footer, (28, 24), 2, text_w, False, _GREY, measure)

    top, bottom = 70, 50
    rule_gap, code_pad = 24, 18
    fixed = (
        top + office.height + rule_gap + 8 + rule_gap + title.height
        + instruction.height + 20 + code.height + 2 * code_pad + 12 + address.height
        + 24 + 2 + 16 + footer.height + bottom
    )
    # The QR takes whatever space is left, clamped to [900, 1000] px; its own
    # 4-module white quiet zone provides the breathing room around it.
    qr_side = max(_QR_MIN, min(_QR_MAX, height - fixed))
    matrix = _qr_matrix(url)
    box = qr_side // len(matrix)
    # Whole pixels per module where that still gives 900 px (crisp on screen); a very long URL takes the side as is.
    side = box * len(matrix) if box * len(matrix) >= _QR_MIN else qr_side
    slack = max(0, height - fixed - side)

    shapes: list[_Shape] = []
    y = _place(office, top, cx, shapes)
    # Red double rule under the issuing office, as on printed official notices.
    y += rule_gap
    shapes += [_Box(_MARGIN, y, width - _MARGIN, y + 4, _RED), _Box(_MARGIN, y + 7, width - _MARGIN, y + 8, _RED)]
    y += 8 + rule_gap + slack // 3
    y = _place(title, y, cx, shapes)

    shapes.append(_Qr(cx - side // 2, y, side, matrix))
    y += side
    y = _place(instruction, y, cx, shapes) + 20 + slack // 3

    # Window code in a light box so staff can read it out / type it manually.
    code_w = int(max(measure(line, code.size, True, True) for line in code.lines)) + 80
    shapes.append(_Box(cx - code_w // 2, y, cx + code_w // 2, y + code.height + 2 * code_pad, _LIGHT, radius=16))
    y = _place(code, y + code_pad, cx, shapes) + code_pad
    _place(address, y + 12, cx, shapes)

    # Footer is pinned to the bottom edge with a thin separator above it.
    fy = height - bottom - footer.height
    shapes.append(_Rule(_MARGIN, width - _MARGIN, fy - 16, 2, _RULE))
    _place(footer, fy, cx, shapes)
    return shapes


# ------------------------------------------------------------ the PNG (screens)


def _pillow_measure(text: str, size: float, bold: bool, mono: bool) -> float:
    return cjk_font(int(size), bold=bold, mono=mono).getlength(text)


def poster_image(url: str, text: PosterText) -> Image.Image:
    """Render the A4 poster (RGB, 1240x1754 px = A4 at 150 dpi)."""
    page = Image.new("RGB", A4_SIZE, "white")
    draw = ImageDraw.Draw(page)
    for shape in _poster_layout(url, text, _pillow_measure):
        if isinstance(shape, _Text):
            font = cjk_font(shape.size, bold=shape.bold, mono=shape.mono)
            draw.text((shape.cx, shape.cy), shape.text, font=font, fill=shape.fill, anchor="mm")
        elif isinstance(shape, _Box):
            corners = (shape.x0, shape.y0, shape.x1, shape.y1)
            if shape.radius:
                draw.rounded_rectangle(corners, radius=shape.radius, fill=shape.fill)
            else:
                draw.rectangle(corners, fill=shape.fill)
        elif isinstance(shape, _Rule):
            draw.line((shape.x0, shape.y, shape.x1, shape.y), fill=shape.fill, width=shape.width)
        else:
            page.paste(_qr_bitmap(shape.matrix, shape.side).convert("RGB"), (shape.x, shape.y))
    return page


def poster_png(url: str, text: PosterText) -> bytes:
    """The poster as PNG bytes (with 150 dpi metadata for printing)."""
    buf = io.BytesIO()
    poster_image(url, text).save(buf, format="PNG", optimize=True, dpi=(POSTER_DPI, POSTER_DPI))
    return buf.getvalue()


# ------------------------------------------------------------ the PDF (printing)


def _rgb(page: canvas.Canvas, color: Color) -> None:
    page.setFillColorRGB(*(c / 255 for c in color))
    page.setStrokeColorRGB(*(c / 255 for c in color))


def vertical_metrics(bold: bool = False, mono: bool = False) -> tuple[float, float]:
    """(ascender, descender) per unit of font size, both positive: the hhea values Pillow places text by, not the
    OS/2 ones ReportLab reports, so a line drawn into a PDF sits where Pillow's anchors put it on a PNG."""
    ascender, descender = cjk_font(1000, bold=bold, mono=mono).getmetrics()
    return ascender / 1000, descender / 1000


def _draw_qr(page: canvas.Canvas, shape: _Qr, page_h: float) -> None:
    """Dark modules as squares, each row's runs merged into one rectangle, all in one filled path: no seams
    between neighbouring modules, and a few hundred path operations per code."""
    module = shape.side * PT / len(shape.matrix)
    left, top = shape.x * PT, page_h - shape.y * PT
    path = page.beginPath()
    for r, row in enumerate(shape.matrix):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            path.rect(left + start * module, top - (r + 1) * module, (c - start) * module, module)
    page.setFillColorRGB(0, 0, 0)
    page.drawPath(path, stroke=0, fill=1)


def _draw_poster_page(page: canvas.Canvas, shapes: list[_Shape], fonts: dict[tuple[bool, bool], str]) -> None:
    page_h = A4_SIZE[1] * PT
    for shape in shapes:
        if isinstance(shape, _Text):
            name, size = fonts[(shape.bold, shape.mono)], shape.size * PT
            _rgb(page, shape.fill)
            page.setFont(name, size)
            ascender, descender = vertical_metrics(shape.bold, shape.mono)
            # Pillow's "mm" anchor: the middle between ascender and descender on cy.
            baseline = page_h - shape.cy * PT - (ascender - descender) / 2 * size
            page.drawCentredString(shape.cx * PT, baseline, shape.text)
        elif isinstance(shape, _Box):
            _rgb(page, shape.fill)
            x, w = shape.x0 * PT, (shape.x1 - shape.x0 + 1) * PT
            y, h = page_h - (shape.y1 + 1) * PT, (shape.y1 - shape.y0 + 1) * PT
            if shape.radius:
                page.roundRect(x, y, w, h, shape.radius * PT, stroke=0, fill=1)
            else:
                page.rect(x, y, w, h, stroke=0, fill=1)
        elif isinstance(shape, _Rule):
            _rgb(page, shape.fill)
            page.setLineWidth(shape.width * PT)
            page.line(shape.x0 * PT, page_h - shape.y * PT, shape.x1 * PT, page_h - shape.y * PT)
        else:
            _draw_qr(page, shape, page_h)


def posters_pdf(items: Sequence[tuple[str, PosterText]]) -> bytes:
    """Vector A4 PDF, one poster per (url, text) -- one window, or all windows of a region: embedded Chinese text
    (one font cut for the whole file), the QR codes as squares. CPU work: run it through `kernel.heavy`."""
    if not items:
        raise ValueError("posters_pdf needs at least one poster")
    # Codes and addresses are drawn in the monospaced face, everything else in the proportional one; the … marks
    # a text cut to fit.
    words = "".join(t.window_name + t.office_name + t.instruction + t.footer for _, t in items) + _ELLIPSIS
    codes = "".join(t.window_code + url for url, t in items) + _ELLIPSIS

    def draw(regular: str, bold: str, mono: str, mono_bold: str) -> bytes:
        fonts = {(False, False): regular, (True, False): bold, (False, True): mono, (True, True): mono_bold}

        def measure(s: str, size: float, is_bold: bool, is_mono: bool) -> float:
            return pdfmetrics.stringWidth(s, fonts[(is_bold, is_mono)], size)

        buf = io.BytesIO()
        # The initial font is one of the document's own, so the file names no font it does not embed.
        page = canvas.Canvas(buf, pagesize=(A4_SIZE[0] * PT, A4_SIZE[1] * PT), pageCompression=1,
                             initialFontName=regular)
        for url, text in items:
            _draw_poster_page(page, _poster_layout(url, text, measure), fonts)
            page.showPage()
        page.save()
        return buf.getvalue()

    return pdf.drawn_with_cjk(words, draw, mono=codes)


def poster_pdf(url: str, text: PosterText) -> bytes:
    """One window's poster: a one-page vector A4 PDF."""
    return posters_pdf([(url, text)])


# ----------------------------------------------------------------- receipt card

@dataclass(frozen=True)
class ReceiptCardText:
    """Caller-supplied (already localized) strings on a receipt card."""

    title: str
    code_label: str  # 受理码, 申请编号 …
    secret_label: str
    hint: str
    dated: str  # when it was filed or created, e.g. "2026-03-10 10:00"


def _fitting_font(text: str, max_width: int, size: int, smallest: int, **kw) -> ImageFont.FreeTypeFont:
    """The largest font from `size` down to `smallest` in which `text` fits on one line of `max_width` px."""
    font = cjk_font(size, **kw)
    while size > smallest and font.getlength(text) > max_width:
        size -= 2
        font = cjk_font(size, **kw)
    return font


def receipt_card_png(code: str, secret: str, text: ReceiptCardText) -> bytes:
    """A 720 px wide PNG of a code as it is shown (a report's receipt '1234 5678 9012 3456', an application number)
    and its secret, to keep in the phone's photo album. CPU work: run it through `kernel.heavy`."""
    width, margin = 720, 48
    inner = width - 2 * margin
    title_font = _fitting_font(text.title, inner, 40, 26, bold=True)
    label_font, small_font = cjk_font(26), cjk_font(24)
    code_font = _fitting_font(max(code, secret, key=len), inner, 52, 30, bold=True, mono=True)
    hint_lines = wrap_text(text.hint, small_font.getlength, inner)  # the poster's CJK-aware line breaking
    height = 420 + 34 * len(hint_lines)
    img = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, width, 92), fill=(183, 28, 28))
    draw.text((margin, 46), text.title, font=title_font, fill=(255, 255, 255), anchor="lm")
    y = 116
    for label, value in ((text.code_label, code), (text.secret_label, secret)):
        draw.text((margin, y), label, font=label_font, fill=(90, 90, 90))
        draw.text((margin, y + 36), value, font=code_font, fill=(20, 20, 20))
        y += 116
    draw.text((margin, y), text.dated, font=small_font, fill=(90, 90, 90))
    y += 40
    for line in hint_lines:
        draw.text((margin, y), line, font=small_font, fill=(60, 60, 60))
        y += 34
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()
