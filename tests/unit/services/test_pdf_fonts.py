"""kernel/pdf.py: each document gets its own cut of the Chinese font, embedded, and a later document never draws
with an earlier one's (ReportLab shares fonts by face name)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from reportlab.pdfgen import canvas

from portal.kernel import pdf

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (scripts/test installs it)")


def test_documents_in_a_row_each_carry_their_own_text(tmp_path: Path):
    for i, words in enumerate(["SQ8V4E6W9A 审批表", "Hello world", "SQVP4B7G5R 入户调查"]):
        name = pdf.cjk_font_for(words)
        out = tmp_path / f"{i}.pdf"
        page = canvas.Canvas(str(out))
        page.setFont(name, 14)
        page.drawString(50, 700, words)
        page.save()
        pdf.release(name)
        assert subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                              check=True).stdout.strip() == words
        fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
        assert "NotoSansCJK" in fonts and " yes yes yes " in fonts


def test_a_face_is_cut_once_for_the_same_characters(tmp_path: Path):
    """Two windows' posters: the words differ, so the regular and bold faces are cut for each; the monospaced faces
    (codes and addresses, always cut for the same printable ASCII) only for the first. The text stays right."""
    from portal.kernel import drawing

    pdf._cut.cache_clear()
    for code, name in (("HB-SJZ-0001", "东区受理窗口"), ("HB-SJZ-0002", "西区受理窗口")):
        text = drawing.PosterText(name, code, "建北街道便民服务中心", "扫码评价", "监督电话 12345")
        out = tmp_path / f"{code}.pdf"
        out.write_bytes(drawing.poster_pdf(drawing.rating_url("https://dibao.example.gov.cn", code), text))
        words = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
        assert name in words and code in words
    info = pdf._cut.cache_info()
    assert (info.misses, info.hits) == (6, 2)
