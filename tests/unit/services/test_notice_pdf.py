"""The printable notice (portal/evaluations/notice_pdf.py): a vector A4 PDF whose title and rows pdftotext reads,
long tables continued on further pages under a repeated header with "n / total", the talk flag in red."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from portal.evaluations import notice_pdf

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
                                reason="poppler-utils (scripts/test installs it)")

TEXT = notice_pdf.NoticeText(
    issuer="长安区民政部门", title="民主评议结果通报", subtitle="长安区窗口服务民主评议（第二轮）",
    meta="评议期间 2026-05-01 至 2026-05-31", formula="综合得分 = 监督员评分 × 60% + 群众满意度 × 40%",
    rules="任一部分缺失的对象不参加排名。", footer="本通报依据民主评议与群众满意度评价综合形成。",
    headers={"rank": "名次", "target": "评议对象", "sup": "监督员评分", "res": "群众满意度", "combined": "综合得分",
             "talk": "约谈"},
)


def _line(i: int) -> notice_pdf.NoticeLine:
    return notice_pdf.NoticeLine(str(i), f"青园街道便民服务中心 低保受理窗口 (HB-SJZ-{i:04d})", "59.00 (2/2)",
                                 "42.9% (21)", "52.54", "约谈" if i == 3 else "")


def _pages_text(body: bytes, tmp_path: Path) -> list[str]:
    src = tmp_path / "notice.pdf"
    src.write_bytes(body)
    out = subprocess.run(["pdftotext", "-layout", str(src), "-"], capture_output=True, text=True, check=True).stdout
    return out.split("\f")[:-1]


def _first_page_png(body: bytes, tmp_path: Path) -> Image.Image:
    src = tmp_path / "raster.pdf"
    src.write_bytes(body)
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-f", "1", "-l", "1", str(src), str(tmp_path / "p")],
                   check=True, timeout=120)
    [png] = sorted(tmp_path.glob("p*.png"))
    return Image.open(io.BytesIO(png.read_bytes())).convert("RGB")


def test_a_short_notice_is_one_vector_page_whose_title_and_rows_are_text(tmp_path):
    body = notice_pdf.notice_pdf(TEXT, [_line(i) for i in range(1, 4)])
    assert body.startswith(b"%PDF") and b"/Subtype /Image" not in body
    assert re.search(rb"/MediaBox\s*\[\s*0 0 595\.2\d* 841\.9\d*", body)  # A4
    [page] = _pages_text(body, tmp_path)
    for needle in ("长安区民政部门", "民主评议结果通报", "长安区窗口服务民主评议（第二轮）", "评议期间 2026-05-01 至 2026-05-31",
                   "综合得分 = 监督员评分 × 60% + 群众满意度 × 40%", "名次", "评议对象", "群众满意度"):
        assert needle in page, needle
    assert re.search(r"1\s*/\s*1\s*$", page)  # the page number
    rows = [line.split() for line in page.splitlines() if "59.00" in line]
    assert [r[0] for r in rows] == ["1", "2", "3"]
    assert all(r[-3:] in (["42.9%", "(21)", "52.54"], ["(21)", "52.54", "约谈"]) for r in rows), rows
    assert rows[2][-1] == "约谈"


def test_long_tables_continue_on_more_pages_with_the_header_and_page_numbers(tmp_path):
    lines = [_line(i) for i in range(1, 60)]
    pages = _pages_text(notice_pdf.notice_pdf(TEXT, lines), tmp_path)
    assert len(pages) >= 3
    for number, page in enumerate(pages, start=1):
        assert "评议对象" in page and "监督员评分" in page  # the header row, repeated
        assert re.search(rf"{number}\s*/\s*{len(pages)}\s*$", page)
        assert TEXT.footer in page
    assert "民主评议结果通报" in pages[0] and "民主评议结果通报" not in pages[1]
    ranks = [line.split()[0] for page in pages for line in page.splitlines() if "59.00" in line]
    assert ranks == [str(i) for i in range(1, 60)]  # every row once, in order


def test_an_english_notice_prints_the_callers_words(tmp_path):
    text = notice_pdf.NoticeText(
        issuer="Chang'an District Civil Affairs", title="Evaluation results", subtitle="Round 2",
        meta="Period 2026-05-01 to 2026-05-31", formula="Combined = supervisors x 60% + residents x 40%",
        rules="Targets missing either part are not ranked.", footer="Based on the evaluation and residents' ratings.",
        headers={"rank": "Rank", "target": "Target", "sup": "Supervisors", "res": "Residents",
                 "combined": "Combined", "talk": "Talk"})
    [page] = _pages_text(notice_pdf.notice_pdf(text, [_line(1)]), tmp_path)
    for needle in ("Chang'an District Civil Affairs", "Evaluation results", "Round 2", "Supervisors", "Combined"):
        assert needle in page, needle
    # A heading wider than its column at the table's size is set smaller, not run into its neighbour.
    assert re.search(r"Supervisors\s+Residents\s+Combined\s+Talk", page)


def test_a_cell_too_long_for_two_lines_is_cut_with_a_mark(tmp_path):
    long = notice_pdf.NoticeLine("1", "便民服务中心" * 20, "59.00 (2/2)", "42.9% (21)", "52.54", "")
    [page] = _pages_text(notice_pdf.notice_pdf(TEXT, [long]), tmp_path)
    assert "…" in page
    assert page.count("便民服务中心") < 20


def test_the_talk_flag_is_drawn_in_red_in_its_row(tmp_path):
    (tmp_path / "flagged").mkdir()
    (tmp_path / "plain").mkdir()
    flagged = _first_page_png(notice_pdf.notice_pdf(TEXT, [_line(3)]), tmp_path / "flagged")
    plain = _first_page_png(notice_pdf.notice_pdf(TEXT, [_line(2)]), tmp_path / "plain")
    x, w = next((x, w) for key, x, w in notice_pdf.COLS if key == "talk")
    box = (x, 0, x + w, flagged.height - 200)  # the talk column, footer excluded (150 dpi = layout pixels)

    def red(im: Image.Image) -> int:
        return sum(n for n, (r, g, b) in im.crop(box).getcolors(maxcolors=1 << 20) if r > 150 and g < 80)

    assert red(flagged) > red(plain)  # the red header rule crosses every column
