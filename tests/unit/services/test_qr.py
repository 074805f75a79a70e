"""Tests for portal.kernel.drawing (QR codes and printable posters)."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from portal.kernel import drawing as qr
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


def _pdf_pages(pdf: bytes) -> int:
    # "/Type /Page" but not "/Type /Pages" (Pillow writes a non-incremental PDF).
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


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
    lines = qr.wrap_text("Service Window 服务窗口，欢迎评价。" * 3, font, 400)
    assert len(lines) > 1
    assert all(font.getlength(line) <= 400 + font.getlength("，") for line in lines)
    assert not any(line[0] in "，。" for line in lines)
    assert "".join(lines).replace(" ", "") == ("Service Window 服务窗口，欢迎评价。" * 3).replace(" ", "")


def test_wrap_hard_splits_overlong_word() -> None:
    font = cjk_font(40)
    lines = qr.wrap_text("W" * 100, font, 300)
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
    monkeypatch.setattr(qr, "CJK_FONT_CANDIDATES", [(missing, missing)])
    with pytest.raises(RuntimeError, match="fonts-noto-cjk"):
        cjk_font(20)
    with pytest.raises(RuntimeError, match="fonts-noto-cjk"):
        poster_png(rating_url(BASE, "W1"), _text())


# ------------------------------------------------------------------- PDF


def test_poster_pdf_single_a4_page() -> None:
    pdf = poster_pdf(rating_url(BASE, "W1"), _text())
    assert pdf.startswith(b"%PDF")
    assert _pdf_pages(pdf) == 1
    # 1240 px at 150 dpi = 595.2 pt, 1754 px = 841.92 pt (A4)
    assert re.search(rb"/MediaBox\s*\[\s*0 0 595\.2\d* 841\.9\d*", pdf)


def test_posters_pdf_batch_has_n_pages() -> None:
    items = [(rating_url(BASE, f"W{i:03d}"), _text(code=f"W{i:03d}")) for i in range(5)]
    pdf = posters_pdf(items)
    assert pdf.startswith(b"%PDF")
    assert _pdf_pages(pdf) == 5
    assert re.search(rb"/Count 5\b", pdf)


def test_posters_pdf_empty_raises() -> None:
    with pytest.raises(ValueError):
        posters_pdf([])
