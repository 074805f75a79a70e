"""PDF documents with real, embedded Chinese text, drawn with ReportLab (the approval form; more forms later).

ReportLab embeds TrueType outlines only, and the machine's Noto Sans CJK (the font the posters use, found by
`kernel.drawing`) has PostScript (CFF) outlines. So for each document the font is cut down to the characters the
document uses (fontTools' subsetter) and its outlines converted to TrueType quadratics (cu2qu): a few kilobytes,
well under a second, and the PDF carries selectable, searchable text that prints the same everywhere.

CPU-bound: call from async code through `kernel.heavy`. Pure Python: no Reflex, no database.
"""

from __future__ import annotations

import io
import itertools
import threading
from collections.abc import Callable

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont as ReportLabFont

from portal.kernel.drawing import _find_font_file

__all__ = ["cjk_font_for", "release"]

_names = itertools.count(1)
_lock = threading.Lock()  # ReportLab's font registry is process-wide


def _sc_index(path: str) -> int:
    """The Simplified Chinese face of a collection (0 for a single font file)."""
    if not path.lower().endswith(".ttc"):
        return 0
    collection = TTCollection(path, lazy=True)
    for i, face in enumerate(collection.fonts):
        if " SC" in (face["name"].getDebugName(1) or ""):
            return i
    return 0


def _to_truetype(font: TTFont) -> None:
    """Replace CFF outlines by TrueType ones in place (what ReportLab can embed)."""
    if "CFF " not in font:
        return
    glyphs = font.getGlyphSet()
    order = font.getGlyphOrder()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                 "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    font["head"].indexToLocFormat = 0
    font["head"].glyphDataFormat = 0
    post = font["post"]
    post.formatType, post.extraNames, post.mapping = 2.0, [], {}
    font.sfntVersion = "\x00\x01\x00\x00"


def cjk_font_for(text: str, bold: bool = False) -> str:
    """Register (under a fresh name) a CJK font holding every character of `text`; returns its ReportLab name."""
    path = _find_font_file(bold)
    font = TTFont(path, fontNumber=_sc_index(path), lazy=False)
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.desubroutinize = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(set(text + " 0123456789"))))
    subsetter.subset(font)
    _to_truetype(font)
    buf = io.BytesIO()
    font.save(buf)
    buf.seek(0)
    with _lock:
        name = f"PortalCJK{next(_names)}{'B' if bold else ''}"
        rl_font = ReportLabFont(name, buf)
        # ReportLab shares fonts by their face name: each cut of the same face needs a name of its own.
        rl_font.face.name = rl_font.face.name + b"-" + name.encode("ascii")
        pdfmetrics.registerFont(rl_font)
    return name


def release(*names: str) -> None:
    """Forget fonts registered for one finished document, so a long-running server does not collect them."""
    with _lock:
        for name in names:
            font = pdfmetrics._fonts.get(name)  # noqa: SLF001 - looked up only to unregister it
            if font is not None:
                font.unregister()


def drawn_with_cjk(text: str, draw: Callable[[str, str], bytes]) -> bytes:
    """`draw(regular, bold)` with a regular and a bold CJK font cut for `text` (every character the document
    shows), released afterwards: the one way a document gets its fonts."""
    regular, bold = cjk_font_for(text), cjk_font_for(text, bold=True)
    try:
        return draw(regular, bold)
    finally:
        release(regular, bold)
