"""QR codes and printable A4 posters for service-window ratings, and the receipt card a resident saves to the
phone's photo album (a report's receipt code, an application's number, each with its secret).

Pure Python (Pillow + qrcode); no Reflex or database imports, so the CLI and
batch jobs can use it too. All human-readable text is passed in by the caller:
the message catalog lives in ``portal.i18n``.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

import qrcode
from PIL import Image, ImageDraw, ImageFont

__all__ = [
    "A4_SIZE",
    "CJK_FONT_CANDIDATES",
    "POSTER_DPI",
    "PosterText",
    "ReceiptCardText",
    "cjk_font",
    "pages_pdf",
    "poster_image",
    "poster_pdf",
    "poster_png",
    "posters_pdf",
    "qr_png",
    "rating_url",
    "receipt_card_png",
    "wrap_text",
]

POSTER_DPI = 150
A4_SIZE = (1240, 1754)  # 210 x 297 mm at 150 dpi

# Candidate font files, most preferred first: (regular, bold). Only fonts that
# actually contain Chinese glyphs belong here -- a silent fallback to a Latin
# font would print tofu boxes on hundreds of posters. Tests monkeypatch this.
CJK_FONT_CANDIDATES: list[tuple[str, str]] = [
    # Debian/Ubuntu fonts-noto-cjk (TTC with JP/KR/SC/TC/HK + Mono faces)
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
     "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    ("/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
     "/usr/share/fonts/truetype/noto/NotoSansCJK-Bold.ttc"),
    # Older Debian / other distros ship per-language OTFs
    ("/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
     "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Bold.otf"),
    # Fedora / Arch / Alpine layouts
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
     "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc"),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
     "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc"),
    # Last resort: WenQuanYi (fonts-wqy-microhei); no separate bold face
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
     "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
]

# Inside a Noto CJK collection the faces are ordered JP, KR, SC, TC, HK, then
# Mono variants; pick Simplified Chinese by name so glyph shapes match
# mainland conventions (the JP face at index 0 draws e.g. 门/们 differently).
_FAMILY = "Noto Sans CJK SC"
_FAMILY_MONO = "Noto Sans Mono CJK SC"
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


def _qr_image(url: str, box_size: int) -> Image.Image:
    # Build the bitmap ourselves from the matrix so we don't depend on the
    # qrcode image-factory API, and scale with NEAREST to keep edges crisp.
    if box_size < 1:
        raise ValueError("box_size must be >= 1")
    matrix = _qr_matrix(url)
    n = len(matrix)
    small = Image.new("L", (n, n), 255)
    small.putdata([0 if dark else 255 for row in matrix for dark in row])
    return small.resize((n * box_size, n * box_size), Image.Resampling.NEAREST)


def qr_png(url: str, box_size: int = 10) -> bytes:
    """PNG bytes of a QR code for ``url`` (error correction M, border 4)."""
    buf = io.BytesIO()
    _qr_image(url, box_size).convert("1").save(buf, format="PNG", optimize=True)
    return buf.getvalue()


# ------------------------------------------------------------------ fonts


def _find_font_file(bold: bool) -> str:
    for regular, bold_path in CJK_FONT_CANDIDATES:
        path = bold_path if bold else regular
        if Path(path).is_file():
            return path
    searched = ", ".join(b if bold else r for r, b in CJK_FONT_CANDIDATES)
    raise RuntimeError(
        "No Chinese (CJK) font found for poster rendering. Install the Debian "
        "package `fonts-noto-cjk` (apt-get install fonts-noto-cjk). "
        f"Searched: {searched}"
    )


@lru_cache(maxsize=64)
def _load_font(path: str, size: int, mono: bool) -> ImageFont.FreeTypeFont:
    want = _FAMILY_MONO if mono else _FAMILY
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
    return _load_font(_find_font_file(bold), size, mono)


# ----------------------------------------------------------------- layout

_MARGIN = 90
_RED = (190, 20, 30)  # classic red-header (红头) accent of official notices
_BLACK = (20, 20, 20)
_GREY = (100, 100, 100)
_LIGHT = (235, 235, 235)
_LINE_SPACING = 1.3
_QR_MIN, _QR_MAX = 900, 1000

# Closing punctuation must not start a line (basic Chinese line-breaking rule).
_NO_LINE_START = set("，。、；：？！）》」』】〕…,.;:?!)]}%")


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


def wrap_text(text: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    """Lines of at most ``max_width`` px (CJK breaks anywhere, Latin words stay whole, no line starts with ，。)."""
    tokens: list[str] = []
    for tok in _tokens(text.strip()):
        # A word wider than the whole line (long code, URL) can only be split
        # by character; otherwise it would run off the page.
        tokens.extend(tok if font.getlength(tok) > max_width else [tok])
    lines: list[str] = []
    line = ""
    for tok in tokens:
        candidate = line + tok
        if not line or font.getlength(candidate) <= max_width or tok in _NO_LINE_START:
            line = candidate
            continue
        lines.append(line.rstrip())
        line = tok.lstrip()
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


def _wrap_balanced(text: str, font: ImageFont.FreeTypeFont, max_width: int) -> list[str]:
    """Wrap, then narrow the measure while the line count stays the same, so
    a two-line title splits evenly instead of leaving one orphaned word."""
    lines = wrap_text(text, font, max_width)
    if len(lines) < 2:
        return lines
    lo, hi = max_width // len(lines), max_width
    while lo < hi:
        mid = (lo + hi) // 2
        if len(wrap_text(text, font, mid)) <= len(lines):
            hi = mid
        else:
            lo = mid + 1
    return wrap_text(text, font, hi)


def _ellipsize(line: str, font: ImageFont.FreeTypeFont, max_width: int) -> str:
    while line and font.getlength(line + "…") > max_width:
        line = line[:-1]
    return line + "…"


@dataclass
class _Block:
    lines: list[str]
    font: ImageFont.FreeTypeFont
    fill: tuple[int, int, int]

    @property
    def line_height(self) -> int:
        return int(self.font.size * _LINE_SPACING)

    @property
    def height(self) -> int:
        return self.line_height * len(self.lines)


def _fit_block(
    text: str,
    sizes: Sequence[int],
    max_lines: int,
    max_width: int,
    bold: bool,
    fill: tuple[int, int, int],
    mono: bool = False,
) -> _Block:
    """Largest size whose wrapped text fits ``max_lines``; else truncate."""
    for size in sizes:
        font = cjk_font(size, bold=bold, mono=mono)
        lines = _wrap_balanced(text, font, max_width)
        if len(lines) <= max_lines:
            return _Block(lines, font, fill)
    # Even the smallest size overflows: keep max_lines and mark the cut so a
    # poster never silently drops part of a name.
    lines = lines[:max_lines]
    lines[-1] = _ellipsize(lines[-1], font, max_width)
    return _Block(lines, font, fill)


def _draw_block(draw: ImageDraw.ImageDraw, block: _Block, top: int, cx: int) -> int:
    lh = block.line_height
    for i, line in enumerate(block.lines):
        # "mm" anchors on the visual middle, so CJK and Latin mix line up.
        draw.text((cx, top + i * lh + lh // 2), line, font=block.font, fill=block.fill, anchor="mm")
    return top + block.height


def poster_image(url: str, text: PosterText) -> Image.Image:
    """Render the A4 poster (RGB, 1240x1754 px = A4 at 150 dpi)."""
    width, height = A4_SIZE
    cx = width // 2
    text_w = width - 2 * _MARGIN

    office = _fit_block(text.office_name, (46, 40, 34), 2, text_w, True, _RED)
    title = _fit_block(text.window_name, (88, 80, 72, 64, 56, 48), 3, text_w, True, _BLACK)
    instruction = _fit_block(text.instruction, (46, 40, 34), 2, text_w, True, _BLACK)
    code = _fit_block(text.window_code, (84, 72, 60, 48), 1, text_w - 80, True, _BLACK, mono=True)
    # The address the code encodes, printed under it: whoever hangs the poster can see where a scan leads.
    address = _fit_block(url, (30, 26, 22, 18), 2, text_w, False, _BLACK, mono=True)
    footer = _fit_block(text.footer, (28, 24), 2, text_w, False, _GREY)

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
    qr = _qr_image(url, 1)
    box = qr_side // qr.width
    if box * qr.width >= _QR_MIN:
        qr = qr.resize((box * qr.width,) * 2, Image.Resampling.NEAREST)  # crisp integer modules
    else:
        qr = qr.resize((qr_side, qr_side), Image.Resampling.NEAREST)  # very long URL
    slack = max(0, height - fixed - qr.height)

    page = Image.new("RGB", A4_SIZE, "white")
    draw = ImageDraw.Draw(page)

    y = _draw_block(draw, office, top, cx)
    # Red double rule under the issuing office, as on printed official notices.
    y += rule_gap
    draw.rectangle((_MARGIN, y, width - _MARGIN, y + 4), fill=_RED)
    draw.rectangle((_MARGIN, y + 7, width - _MARGIN, y + 8), fill=_RED)
    y += 8 + rule_gap + slack // 3
    y = _draw_block(draw, title, y, cx)

    page.paste(qr.convert("RGB"), (cx - qr.width // 2, y))
    y += qr.height
    y = _draw_block(draw, instruction, y, cx) + 20 + slack // 3

    # Window code in a light box so staff can read it out / type it manually.
    code_w = int(max(code.font.getlength(line) for line in code.lines)) + 80
    draw.rounded_rectangle(
        (cx - code_w // 2, y, cx + code_w // 2, y + code.height + 2 * code_pad),
        radius=16, fill=_LIGHT,
    )
    y = _draw_block(draw, code, y + code_pad, cx) + code_pad
    _draw_block(draw, address, y + 12, cx)

    # Footer is pinned to the bottom edge with a thin separator above it.
    fy = height - bottom - footer.height
    draw.line((_MARGIN, fy - 16, width - _MARGIN, fy - 16), fill=(200, 200, 200), width=2)
    _draw_block(draw, footer, fy, cx)
    return page


def poster_png(url: str, text: PosterText) -> bytes:
    """The poster as PNG bytes (with 150 dpi metadata for printing)."""
    buf = io.BytesIO()
    poster_image(url, text).save(buf, format="PNG", optimize=True, dpi=(POSTER_DPI, POSTER_DPI))
    return buf.getvalue()


def pages_pdf(pages: list[Image.Image]) -> bytes:
    """A4 page images (150 dpi) into one PDF; also used for printed notices (evaluations/notice_pdf.py)."""
    buf = io.BytesIO()
    # Pillow embeds RGB pages as JPEG; quality 92 with no chroma subsampling
    # keeps QR edges and red text sharp while pages stay ~200-250 KB.
    pages[0].save(
        buf, format="PDF", resolution=float(POSTER_DPI), save_all=True,
        append_images=pages[1:], quality=92, subsampling=0,
    )
    return buf.getvalue()


def poster_pdf(url: str, text: PosterText) -> bytes:
    """One A4 page PDF."""
    return pages_pdf([poster_image(url, text)])


def posters_pdf(items: Sequence[tuple[str, PosterText]]) -> bytes:
    """Multi-page A4 PDF, one poster per (url, text) -- e.g. all windows of a region.

    Pillow's PDF writer needs every page as a decoded image up front, so peak
    memory grows ~9 MB per page (40 pages ~ 385 MB RSS). Callers batching a
    whole city should chunk (e.g. per township) rather than pass hundreds.
    """
    if not items:
        raise ValueError("posters_pdf needs at least one poster")
    return pages_pdf([poster_image(url, text) for url, text in items])


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
    hint_lines = wrap_text(text.hint, small_font, inner)  # the poster's CJK-aware line breaking
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
