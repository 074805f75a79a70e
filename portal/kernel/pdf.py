"""PDF documents with real, embedded Chinese text, drawn with ReportLab (the approval form, notices, reports, the
window posters), and the one place that finds the machine's Chinese font (Pillow drawings load the same file).

ReportLab embeds TrueType outlines only, and the machine's Noto Sans CJK has PostScript (CFF) outlines. So for each
document the font is cut down to the characters the document uses (fontTools' subsetter, without the layout and
vertical tables ReportLab never reads) and its outlines converted to TrueType quadratics (cu2qu): a few kilobytes,
about a quarter of a second per face, and the PDF carries selectable, searchable text that prints the same
everywhere. The last cuts are kept per process: the same characters (a document downloaded again, the monospaced
face of codes and addresses) are not cut twice.

CPU-bound: call from async code through `kernel.heavy`. Pure Python: no Reflex, no database.
"""

from __future__ import annotations

import io
import itertools
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont as ReportLabFont

__all__ = ["CJK_FONT_CANDIDATES", "cjk_font_for", "drawn_with_cjk", "font_file", "release"]

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

# Inside a Noto CJK collection the faces are ordered JP, KR, SC, TC, HK, then Mono variants; Simplified Chinese is
# picked by name so glyph shapes match mainland conventions (the JP face at index 0 draws e.g. 门/们 differently).
FAMILY = "Noto Sans CJK SC"
FAMILY_MONO = "Noto Sans Mono CJK SC"


def font_file(bold: bool) -> str:
    """The first installed candidate; RuntimeError naming `fonts-noto-cjk` if none."""
    for regular, bold_path in CJK_FONT_CANDIDATES:
        path = bold_path if bold else regular
        if Path(path).is_file():
            return path
    searched = ", ".join(b if bold else r for r, b in CJK_FONT_CANDIDATES)
    raise RuntimeError(
        "No Chinese (CJK) font found for drawing posters and documents. Install the Debian "
        "package `fonts-noto-cjk` (apt-get install fonts-noto-cjk). "
        f"Searched: {searched}"
    )

_names = itertools.count(1)
_lock = threading.Lock()  # ReportLab's font registry is process-wide


@lru_cache(maxsize=16)
def _sc_index(path: str, mono: bool = False) -> int:
    """The Simplified Chinese face of a collection, proportional or monospaced (0 for a single font file, and for a
    collection without that face: its first face still has the glyphs)."""
    if not path.lower().endswith(".ttc"):
        return 0
    want = FAMILY_MONO if mono else FAMILY
    collection = TTCollection(path, lazy=True)
    for i, face in enumerate(collection.fonts):
        if (face["name"].getDebugName(1) or "") == want:
            return i
    if mono:
        return _sc_index(path)
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


# Tables ReportLab never reads (it sets horizontal text glyph by glyph): dropped before the subsetter parses them,
# which halves the time a cut takes.
_UNUSED_TABLES = ["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "vhea", "vmtx", "VORG"]
# Every document's codes and addresses come from this set, so the monospaced cut is the same file each time.
_MONO_CHARSET = "".join(chr(c) for c in range(32, 127)) + "…"


@lru_cache(maxsize=32)
def _cut(path: str, face: int, chars: str) -> bytes:
    """The face cut down to `chars`, with TrueType outlines: the same characters give the same bytes, so a poster
    downloaded again, or the monospaced face of every poster, is cut once per process."""
    options = subset.Options()
    options.layout_features = []
    options.drop_tables += _UNUSED_TABLES
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.desubroutinize = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    buf = io.BytesIO()
    # Lazy, as fontTools' own subsetter loads fonts: a table is parsed when the cut needs it (less memory); the file
    # stays open until then, so it is closed here rather than whenever the object is collected.
    with TTFont(path, fontNumber=face, lazy=True) as font:
        subsetter.subset(font)
        _to_truetype(font)
        font.save(buf)
    return buf.getvalue()


def cjk_font_for(text: str, bold: bool = False, mono: bool = False) -> str:
    """Register (under a fresh name) a CJK font holding every character of `text`; returns its ReportLab name."""
    path = font_file(bold)
    chars = "".join(sorted(set(text + " 0123456789" + (_MONO_CHARSET if mono else ""))))
    cut = _cut(path, _sc_index(path, mono), chars)
    with _lock:
        name = f"PortalCJK{next(_names)}{'M' if mono else ''}{'B' if bold else ''}"
        rl_font = ReportLabFont(name, io.BytesIO(cut))
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


def drawn_with_cjk(text: str, draw: Callable[..., bytes], mono: str | None = None) -> bytes:
    """`draw(regular, bold)` with a regular and a bold CJK font cut for `text` (every character the document
    shows), released afterwards: the one way a document gets its fonts. With `mono` (every character shown in the
    monospaced face: codes and addresses someone reads out or types), `draw(regular, bold, mono, mono_bold)`."""
    cuts = [(text, False, False), (text, True, False)]
    if mono is not None:
        cuts += [(mono, False, True), (mono, True, True)]
    names: list[str] = []
    try:
        for chars, bold, monospaced in cuts:
            names.append(cjk_font_for(chars, bold=bold, mono=monospaced))
        return draw(*names)
    finally:
        release(*names)
