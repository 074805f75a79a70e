"""Tests for portal.kernel.drawing (QR codes and printable posters): the PNG for screens, and the vector PDF for
printing whose text pdftotext reads and whose QR code, rendered by poppler, decodes to the rating URL."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from portal.kernel import drawing as qr
from portal.kernel import pdf
from portal.kernel.drawing import (
    A4_SIZE,
    PosterText,
    cjk_font,
    poster_image,
    poster_pdf,
    poster_png,
    posters_pdf,
    qr_png,
    rating_url,
)

pyzbar = pytest.importorskip("pyzbar.pyzbar", reason="needs pyzbar + libzbar0")

BASE = "https://dibao.example.gov.cn/"


def _text(name: str = "城关镇社会救助综合窗口", code: str = "SC-510104-003") -> PosterText:
    return PosterText(
        window_name=name,
        window_code=code,
        office_name="成都市锦江区民政局 · 城关镇人民政府",
        instruction="扫码评价本窗口：选满意程度，点提交，两步完成",
        footer="本评价仅用于改进服务质量，不会影响您的低保待遇。监督电话：12345",
    )


def _decode(png: bytes) -> list[str]:
    with Image.open(io.BytesIO(png)) as im:
        return [r.data.decode("utf-8") for r in pyzbar.decode(im.convert("L"))]


def _pdf_pages(body: bytes) -> int:
    # "/Type /Page" but not "/Type /Pages" (ReportLab writes a plain, non-incremental PDF).
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", body))


def _poppler(tool: str) -> str:
    if shutil.which(tool) is None:
        pytest.skip(f"needs {tool} (Debian package poppler-utils; scripts/test installs it)")
    return tool


def _page_texts(body: bytes, tmp_path: Path) -> list[str]:
    """pdftotext's reading of each page (pages end with a form feed)."""
    src = tmp_path / "text.pdf"
    src.write_bytes(body)
    out = subprocess.run([_poppler("pdftotext"), str(src), "-"], capture_output=True, text=True, check=True).stdout
    return out.split("\f")[:-1]


def _page_pngs(body: bytes, tmp_path: Path, dpi: int = 100) -> list[bytes]:
    src = tmp_path / "raster.pdf"
    src.write_bytes(body)
    for old in tmp_path.glob("page*.png"):
        old.unlink()
    subprocess.run([_poppler("pdftoppm"), "-png", "-r", str(dpi), str(src), str(tmp_path / "page")], check=True,
                   timeout=120)
    return [p.read_bytes() for p in sorted(tmp_path.glob("page*.png"))]


# ------------------------------------------------------------ rating_url


def test_rating_url_strips_trailing_slash() -> None:
    assert rating_url(BASE, "W001") == "https://dibao.example.gov.cn/r/W001"
    assert rating_url("https://x.cn", "W001") == "https://x.cn/r/W001"


def test_rating_url_quotes_code() -> None:
    assert rating_url(BASE, "a b/c?d") == "https://dibao.example.gov.cn/r/a%20b%2Fc%3Fd"
    assert rating_url(BASE, "窗口1").endswith("/r/%E7%AA%97%E5%8F%A31")


def test_rating_url_rejects_empty_code() -> None:
    with pytest.raises(ValueError):
        rating_url(BASE, "")


# ---------------------------------------------------------------- qr_png


def test_qr_png_decodes_to_exact_url() -> None:
    url = rating_url(BASE, "SC-510104-003")
    png = qr_png(url)
    assert png.startswith(b"\x89PNG")
    assert _decode(png) == [url]


def test_qr_png_box_size_scales_image() -> None:
    url = rating_url(BASE, "W1")
    with Image.open(io.BytesIO(qr_png(url, box_size=4))) as small, \
         Image.open(io.BytesIO(qr_png(url, box_size=8))) as big:
        assert big.width == 2 * small.width
        # version 2-3 symbol + 2 x 4 quiet-zone modules
        assert small.width % 4 == 0 and small.width // 4 >= 21 + 8


# ---------------------------------------------------------------- poster


def test_poster_png_is_a4_and_decodes() -> None:
    url = rating_url(BASE, "SC-510104-003")
    png = poster_png(url, _text())
    with Image.open(io.BytesIO(png)) as im:
        assert im.size == A4_SIZE == (1240, 1754)
        assert im.mode == "RGB"
        assert round(im.info["dpi"][0]) == 150
        # page background is white
        assert im.getpixel((5, 5)) == (255, 255, 255)
    assert _decode(png) == [url]


def test_poster_qr_is_at_least_900px_and_centered() -> None:
    im = poster_image(rating_url(BASE, "W1"), _text())
    # Find the bounding box of pure-black pixels in the QR band (text is
    # anti-aliased / coloured; QR modules are exactly black).
    mask = im.convert("RGB").point(lambda v: 255 if v == 0 else 0).convert("L")
    mask = mask.point(lambda v: 255 if v == 255 else 0)
    left, top, right, bottom = mask.getbbox()
    # dark-module area alone is >= 900 * 29/37 ~ 700; with the quiet zone the
    # QR image is >= 900 px, i.e. modules span well over 700 px
    assert right - left >= 700
    assert abs((left + right) / 2 - A4_SIZE[0] / 2) <= 2


def test_long_chinese_window_name_wraps_and_still_scans() -> None:
    long_name = (
        "四川省成都市锦江区城关镇人民政府便民服务中心社会救助（最低生活保障、"
        "特困人员供养、临时救助）综合受理窗口第三号"
    )
    url = rating_url(BASE, "SC-510104-003")
    png = poster_png(url, _text(name=long_name))
    assert _decode(png) == [url]


def test_absurdly_long_texts_are_truncated_not_crashing() -> None:
    text = PosterText(
        window_name="救助窗口" * 80,
        window_code="W" * 60,
        office_name="民政局" * 50,
        instruction="请扫码" * 60,
        footer="监督电话 12345 " * 40,
    )
    url = rating_url(BASE, "W1")
    png = poster_png(url, text)
    assert _decode(png) == [url]
    with Image.open(io.BytesIO(png)) as im:
        # nothing (e.g. the 60-char code box) may run into the page edges
        for x in (*range(0, 40), *range(A4_SIZE[0] - 40, A4_SIZE[0])):
            assert im.crop((x, 0, x + 1, A4_SIZE[1])).getextrema() == ((255, 255),) * 3


def test_wrap_keeps_latin_words_and_punctuation_rules() -> None:
    font = cjk_font(40)
    lines = qr.wrap_text("Service Window 服务窗口，欢迎评价。" * 3, font.getlength, 400)
    assert len(lines) > 1
    assert all(font.getlength(line) <= 400 + font.getlength("，") for line in lines)
    assert not any(line[0] in "，。" for line in lines)
    assert "".join(lines).replace(" ", "") == ("Service Window 服务窗口，欢迎评价。" * 3).replace(" ", "")


def test_wrap_hard_splits_overlong_word() -> None:
    font = cjk_font(40)
    lines = qr.wrap_text("W" * 100, font.getlength, 300)
    assert len(lines) > 1
    assert all(font.getlength(line) <= 300 for line in lines)
    assert "".join(lines) == "W" * 100


def test_cjk_font_is_simplified_chinese_face() -> None:
    font = cjk_font(30)
    assert "CJK" in font.getname()[0]
    # the glyph for a Chinese character has real ink (not a .notdef box test,
    # but at least not an empty glyph)
    assert font.getbbox("低保")[2] > 30
    assert "Mono" in cjk_font(30, bold=True, mono=True).getname()[0]


def test_missing_font_raises_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    missing = str(tmp_path / "nope.ttc")
    monkeypatch.setattr(pdf, "CJK_FONT_CANDIDATES", [(missing, missing)])
    with pytest.raises(RuntimeError, match="fonts-noto-cjk"):
        cjk_font(20)
    with pytest.raises(RuntimeError, match="fonts-noto-cjk"):
        poster_png(rating_url(BASE, "W1"), _text())
    with pytest.raises(RuntimeError, match="fonts-noto-cjk"):
        poster_pdf(rating_url(BASE, "W1"), _text())


# ------------------------------------------------------------------- PDF


def test_poster_pdf_is_one_vector_a4_page_with_real_text_and_a_qr_that_scans(tmp_path) -> None:
    url = rating_url(BASE, "SC-510104-003")
    body = poster_pdf(url, _text())
    assert body.startswith(b"%PDF")
    assert _pdf_pages(body) == 1
    # 1240 x 1754 layout px at 150 dpi = 595.2 x 841.92 pt (A4)
    assert re.search(rb"/MediaBox\s*\[\s*0 0 595\.2\d* 841\.9\d*", body)
    assert b"/Subtype /Image" not in body  # drawn, not a picture of a page
    [page] = _page_texts(body, tmp_path)
    for needle in ("城关镇社会救助综合窗口", "SC-510104-003", "成都市锦江区民政局 · 城关镇人民政府",
                   "扫码评价本窗口：选满意程度，点提交，两步完成", url, "监督电话：12345"):
        assert needle in page, needle
    [png] = _page_pngs(body, tmp_path)
    assert _decode(png) == [url]


def test_poster_pdf_embeds_every_font_it_names(tmp_path) -> None:
    src = tmp_path / "fonts.pdf"
    src.write_bytes(poster_pdf(rating_url(BASE, "W1"), _text()))
    rows = subprocess.run([_poppler("pdffonts"), str(src)], capture_output=True, text=True,
                          check=True).stdout.splitlines()[2:]
    # regular and bold for the words, the monospaced regular and bold for the address and the code
    assert len(rows) == 4
    assert all(" yes yes yes " in row for row in rows), rows
    assert sum("NotoSansMonoCJK" in row for row in rows) == 2


def test_poster_pdf_prints_what_the_caller_passes_in_english(tmp_path) -> None:
    text = PosterText(window_name="Minimum Allowance Window", window_code="HB-SJZ-0002",
                      office_name="Jianbei Subdistrict Service Centre",
                      instruction="Scan to rate this window: two taps", footer="Anonymous. Hotline 12345")
    [page] = _page_texts(poster_pdf(rating_url(BASE, "HB-SJZ-0002"), text), tmp_path)
    page = " ".join(page.split())  # the title wraps onto two balanced lines
    for needle in ("Minimum Allowance Window", "Jianbei Subdistrict Service Centre", "Scan to rate this window",
                   "HB-SJZ-0002", "Anonymous. Hotline 12345"):
        assert needle in page, needle


def test_posters_pdf_has_one_page_per_window_each_with_its_own_code(tmp_path) -> None:
    codes = [f"W{i:03d}" for i in range(5)]
    body = posters_pdf([(rating_url(BASE, c), _text(name=f"第{i}号窗口", code=c)) for i, c in enumerate(codes)])
    assert body.startswith(b"%PDF")
    assert _pdf_pages(body) == 5
    assert re.search(rb"/Count 5\b", body)
    pages = _page_texts(body, tmp_path)
    assert len(pages) == 5
    for i, (code, page) in enumerate(zip(codes, pages, strict=True)):
        assert f"第{i}号窗口" in page and code in page and rating_url(BASE, code) in page
    assert [_decode(png) for png in _page_pngs(body, tmp_path)] == [[rating_url(BASE, c)] for c in codes]


def test_posters_pdf_empty_raises() -> None:
    with pytest.raises(ValueError):
        posters_pdf([])


def test_absurdly_long_texts_stay_inside_the_pdf_page_and_still_scan(tmp_path) -> None:
    text = PosterText(window_name="救助窗口" * 80, window_code="W" * 60, office_name="民政局" * 50,
                      instruction="请扫码" * 60, footer="监督电话 12345 " * 40)
    url = rating_url(BASE, "W1")
    body = poster_pdf(url, text)
    [png] = _page_pngs(body, tmp_path, dpi=150)
    assert _decode(png) == [url]
    with Image.open(io.BytesIO(png)) as im:
        for x in (*range(0, 40, 4), *range(im.width - 40, im.width, 4)):
            assert im.convert("L").crop((x, 0, x + 1, im.height)).getextrema()[0] >= 250
    assert "…" in _page_texts(body, tmp_path)[0]  # a cut is marked, never silent


def test_png_and_pdf_share_one_layout(tmp_path) -> None:
    """The PDF rendered at 150 dpi puts the QR code where the PNG has it (same layout, drawn twice)."""
    url = rating_url(BASE, "SC-510104-003")

    def qr_box(png: bytes) -> tuple[int, int, int, int]:
        with Image.open(io.BytesIO(png)) as im:
            [found] = pyzbar.decode(im.convert("L"))
            return found.rect

    drawn = qr_box(_page_pngs(poster_pdf(url, _text()), tmp_path, dpi=150)[0])
    shown = qr_box(poster_png(url, _text()))
    assert all(abs(a - b) <= 2 for a, b in zip(drawn, shown, strict=True)), (drawn, shown)
