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
