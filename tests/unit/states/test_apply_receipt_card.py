"""The picture a resident saves when a draft is created (applications/pages/apply.receipt_card): a PNG of the
application number and its secret, drawn by the kernel's receipt card in the heavy pool, never on the event loop."""

from __future__ import annotations

import base64
import io
import threading

from PIL import Image, ImageDraw

import portal.portal  # noqa: F401 (registers every page's state)
from portal.applications.pages import apply
from portal.kernel import drawing, heavy
from tests.asyncrun import run_async


def _card(monkeypatch, lang: str) -> tuple[str, list[str], list[str], list]:
    threads: list[str] = []
    drawn: list[str] = []
    pooled: list = []
    real_card, real_text, real_run = drawing.receipt_card_png, ImageDraw.ImageDraw.text, heavy.run

    def watched_card(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return real_card(*args, **kwargs)

    def watched_text(self, xy, text, *args, **kwargs):
        drawn.append(text)
        return real_text(self, xy, text, *args, **kwargs)

    async def watched_run(fn, *args, **kwargs):
        pooled.append(fn)
        return await real_run(fn, *args, **kwargs)

    monkeypatch.setattr(drawing, "receipt_card_png", watched_card)
    monkeypatch.setattr(ImageDraw.ImageDraw, "text", watched_text)
    monkeypatch.setattr(heavy, "run", watched_run)
    loop_thread: list[str] = []

    async def go() -> str:
        loop_thread.append(threading.current_thread().name)
        return await apply.receipt_card("SQ7K2M9XQP", "K7QM-3XWD", "2026-03-10 10:00", lang)

    url = run_async(go())
    return url, threads + loop_thread, drawn, pooled


def test_the_created_draft_picture_is_a_png_of_number_and_secret_drawn_off_the_loop(monkeypatch):
    url, (drawer, loop), drawn, pooled = _card(monkeypatch, "zh")
    assert [fn.__name__ for fn in pooled] == ["watched_card"]  # through kernel.heavy (refusing when full), once
    assert drawer.startswith("heavy") and drawer != loop  # a worker of the heavy pool, not the event loop's thread
    assert url.startswith("data:image/png;base64,")
    png = base64.b64decode(url.split(",", 1)[1], validate=True)
    im = Image.open(io.BytesIO(png))
    im.load()
    assert im.format == "PNG" and im.width == 720 and 420 <= im.height <= 560
    assert 5_000 < len(png) < 200_000  # a picture a slow phone receives in one event
    assert {"SQ7K2M9XQP", "K7QM-3XWD", "阳光低保 低保申请凭证", "申请编号", "查询密码", "2026-03-10 10:00"} <= set(drawn)
    # Both values are really on it: the rows where they are drawn hold dark pixels.
    grey = im.convert("L")
    assert grey.crop((48, 152, 672, 212)).getextrema()[0] < 60 and grey.crop((48, 268, 672, 328)).getextrema()[0] < 60


def test_the_picture_is_drawn_in_the_residents_language(monkeypatch):
    _, _, drawn, _ = _card(monkeypatch, "en")
    assert {"Sunshine Dibao application receipt", "Application number", "Secret"} <= set(drawn)
    assert not any("申请" in t for t in drawn)


def test_a_full_pool_refuses_the_picture_rather_than_queueing_behind_anyone(monkeypatch):
    import pytest

    async def full(fn, *args, **kwargs):
        raise heavy.Busy()

    monkeypatch.setattr(heavy, "run", full)
    with pytest.raises(heavy.Busy):  # the page then shows the number and secret as text (apply.card_busy)
        run_async(apply.receipt_card("SQ7K2M9XQP", "K7QM-3XWD", "2026-03-10 10:00", "zh"))
