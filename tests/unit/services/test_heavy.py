"""The bounded heavy-work pool (kernel/heavy.py) and the one upload intake built on it (images.accept_upload):
a pixel-bomb-like decode never stops the event loop, and no more jobs run at once than the bound allows."""

from __future__ import annotations

import asyncio
import io
import threading

import pytest
from PIL import Image

from tests.asyncrun import run_async
from portal.kernel import heavy
from portal.kernel import images
from portal.kernel.images import ImageRejected, IntakePolicy, PrivateImageStore


class FakeUpload:
    """What Reflex hands a handler: an async read(n). Records how much was asked for."""

    def __init__(self, data: bytes) -> None:
        self.data, self.asked = data, []

    async def read(self, n: int = -1) -> bytes:
        self.asked.append(n)
        return self.data if n < 0 else self.data[:n]


def big_png(side: int = 6000) -> bytes:
    """Small on the wire, tens of megapixels once decoded (under the intake's 40 MP cap, so it is decoded)."""
    im = Image.new("L", (side, side))
    im.frombytes(bytes((x * 7) % 256 for x in range(side)) * side)
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def pool():
    p = heavy.configure(2, 1)
    yield p
    heavy.configure(2, 8)


def test_the_event_loop_keeps_ticking_while_a_huge_picture_is_decoded(tmp_path, monkeypatch, pool):
    data = big_png()
    assert len(data) < 2 * 1024 * 1024  # a small upload ...
    ticks = 0
    seen: dict[str, int] = {}
    real_intake = images.intake_image

    def watched_intake(raw, policy):
        seen["start"] = ticks
        try:
            return real_intake(raw, policy)  # ... that decodes to 36 megapixels
        finally:
            seen["end"] = ticks

    monkeypatch.setattr(images, "intake_image", watched_intake)

    async def scenario():
        nonlocal ticks
        job = asyncio.ensure_future(images.accept_upload(FakeUpload(data), PrivateImageStore(tmp_path)))
        while not job.done():
            ticks += 1  # only the event loop counts: it can only count when it is free
            await asyncio.sleep(0.001)
        return await job

    stored = run_async(scenario())
    assert 0 < max(stored.width, stored.height) <= 2048
    # The loop ran between the decode's start and its end: the decode did not hold it.
    assert seen["end"] > seen["start"]


def test_on_the_event_loop_the_same_decode_would_stop_the_ticks(tmp_path):
    """The measure above is meaningful: called directly from a coroutine, nothing else runs meanwhile."""
    data = big_png(3000)
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    async def scenario():
        task = asyncio.ensure_future(ticker())
        await asyncio.sleep(0)
        before = ticks
        images.accept(data, PrivateImageStore(tmp_path))
        after = ticks
        task.cancel()
        return before, after

    before, after = run_async(scenario())
    assert after == before


def test_no_more_jobs_run_at_once_than_the_bound_and_extra_ones_are_refused(pool):
    release = threading.Event()
    lock = threading.Lock()
    running = peak = 0
    started = threading.Semaphore(0)

    def job(i: int) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        started.release()
        release.wait(30)  # a guard against a hang, not a measure
        with lock:
            running -= 1
        return i

    async def scenario():
        jobs = [asyncio.ensure_future(pool.run(job, i)) for i in range(3)]  # 2 running + 1 waiting
        await asyncio.sleep(0)
        await asyncio.to_thread(started.acquire)
        await asyncio.to_thread(started.acquire)
        assert pool.admitted == 3
        with pytest.raises(heavy.Busy) as refused:
            await pool.run(job, 99)
        assert refused.value.key == "heavy.busy"
        release.set()
        results = await asyncio.gather(*jobs)
        return results

    assert run_async(scenario()) == [0, 1, 2]
    assert peak == 2
    assert pool.admitted == 0


def test_a_full_pool_refuses_an_upload_with_the_catalog_message(tmp_path, pool):
    release = threading.Event()

    async def scenario():
        blockers = [asyncio.ensure_future(pool.run(release.wait, 30)) for _ in range(3)]
        await asyncio.sleep(0)
        try:
            with pytest.raises(ImageRejected) as refused:
                await images.accept_upload(FakeUpload(big_png(100)), PrivateImageStore(tmp_path))
        finally:
            release.set()
            await asyncio.gather(*blockers)
        return refused.value.reason

    from portal.i18n import MESSAGES

    reason = run_async(scenario())
    assert reason == "image.busy" and reason in MESSAGES
    assert not list(tmp_path.rglob("*.jpg"))


def test_a_cancelled_request_keeps_its_slot_until_the_job_really_ends(pool):
    release = threading.Event()
    started = threading.Event()

    def job():
        started.set()
        release.wait(30)

    async def scenario():
        first = asyncio.ensure_future(pool.run(job))
        await asyncio.to_thread(started.wait, 30)
        first.cancel()  # the browser went away; the decode goes on in its thread
        await asyncio.sleep(0)
        held = pool.admitted
        release.set()
        while pool.admitted:
            await asyncio.sleep(0.001)
        return held

    assert run_async(scenario()) == 1


def test_uploads_are_read_with_a_cap(tmp_path):
    policy = IntakePolicy(max_bytes=1000)
    upload = FakeUpload(b"\x89PNG" + b"x" * 5000)
    with pytest.raises(ImageRejected) as refused:
        run_async(images.accept_upload(upload, PrivateImageStore(tmp_path), policy))
    assert refused.value.reason == "image.too_large"
    assert upload.asked == [1001]  # never the whole file: one byte past the limit tells it is too large


def test_photos_reach_the_server_through_one_capped_pooled_endpoint():
    """No page takes a file any more: every photo goes to /api/photos/<purpose>, which reads the body with the
    intake's cap (stopping at the first chunk past it) and decodes in the bounded pool, never on the loop."""
    import inspect

    from portal import photos_api
    from portal.applications.pages import apply
    from portal.reports.pages import resident as report
    from portal.evaluations.pages import evaluate

    for module in (apply, report, evaluate):
        source = inspect.getsource(module)
        assert "UploadFile" not in source and ".read(" not in source and "intake_image(" not in source
    assert "heavy.run(accept," in inspect.getsource(photos_api.take_photo)

    pulled = []

    class Body:
        async def stream(self):
            for i in range(100):
                pulled.append(i)
                yield b"x" * 400

    with pytest.raises(ImageRejected) as refused:
        run_async(photos_api._read_capped(Body(), 1000))
    assert refused.value.reason == "image.too_large"
    assert len(pulled) == 3  # 1,200 bytes: one chunk past the cap, then no further