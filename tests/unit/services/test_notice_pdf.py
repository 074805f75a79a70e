"""The printable notice (portal/evaluations/notice_pdf.py): A4 pages, Chinese drawn (not tofu), long tables continue
on further pages, and the PDF is a real PDF with one page per image."""

from __future__ import annotations

import re

from portal.evaluations import notice_pdf
from portal.kernel import drawing as qr

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


def test_one_page_holds_a_short_notice_in_a4():
    pages = notice_pdf.notice_pages(TEXT, [_line(i) for i in range(1, 4)])
    assert len(pages) == 1 and pages[0].size == qr.A4_SIZE
    # The red header is drawn in red; the page is not blank.
    colors = {c for _n, c in pages[0].getcolors(maxcolors=1 << 20)}
    assert any(r > 150 and g < 60 and b < 60 for r, g, b in colors)


def test_long_tables_continue_on_more_pages_and_the_pdf_has_them_all():
    lines = [_line(i) for i in range(1, 60)]
    pages = notice_pdf.notice_pages(TEXT, lines)
    assert len(pages) >= 3
    pdf = notice_pdf.notice_pdf(TEXT, lines)
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf)) == len(pages)


def test_the_talk_flag_is_drawn_in_red_in_its_row():
    flagged = notice_pdf.notice_pages(TEXT, [_line(3)])[0]
    plain = notice_pdf.notice_pages(TEXT, [_line(2)])[0]
    x, w = next((x, w) for key, x, w in notice_pdf.COLS if key == "talk")
    box = (x, 0, x + w, flagged.height - 200)  # the talk column, footer excluded

    def red(im):
        return sum(n for n, (r, g, b) in im.crop(box).getcolors(maxcolors=1 << 20) if r > 150 and g < 80)

    assert red(flagged) > red(plain)
