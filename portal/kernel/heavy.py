"""The one way to run CPU-heavy work (image intake, PDF and QR drawing, exports) from async code: off the event loop,
in a bounded pool of worker threads, so one big upload never stops the server answering everyone else.

`await heavy.run(fn, *args)` runs `fn` in the pool. At most `workers` jobs run at once; up to `queue` more wait
their turn; beyond that `Busy` is raised at once (its `key` is the catalog message "the server is busy, try again")
instead of piling up work nobody will wait for. `run_waiting` is for the few jobs that must finish for work already
stored (a filed report's receipt picture): it waits for a slot however long the queue, never refused, still never
more than `workers` at once. Pillow and zlib release the interpreter lock while they decode,
so the event loop keeps serving while a photo is processed.

Sizes come from settings (`PORTAL_HEAVY_WORKERS`, `PORTAL_HEAVY_QUEUE`). Pure Python: no Reflex.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, TypeVar

__all__ = ["Busy", "HeavyPool", "configure", "pool", "run", "run_waiting"]

T = TypeVar("T")


class Busy(Exception):
    """Too many heavy jobs already running or waiting; ``key`` is a message-catalog key."""

    key = "heavy.busy"

    def __init__(self) -> None:
        super().__init__(self.key)


class HeavyPool:
    """A thread pool with an admission limit: `workers` running + `queue` waiting, the rest refused."""

    def __init__(self, workers: int, queue: int) -> None:
        self.workers = max(1, int(workers))
        self.limit = self.workers + max(0, int(queue))
        self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="heavy")
        self._lock = threading.Lock()  # admissions come from any event loop or thread
        self._admitted = 0

    @property
    def admitted(self) -> int:
        """Jobs running or waiting right now."""
        return self._admitted

    def _admit(self) -> None:
        with self._lock:
            if self._admitted >= self.limit:
                raise Busy()
            self._admitted += 1

    def _release(self, _future=None) -> None:
        with self._lock:
            self._admitted -= 1

    async def run(self, fn: Callable[..., T], /, *args, **kwargs) -> T:
        self._admit()
        return await self._submit(fn, args, kwargs)

    async def run_waiting(self, fn: Callable[..., T], /, *args, **kwargs) -> T:
        with self._lock:
            self._admitted += 1
        return await self._submit(fn, args, kwargs)

    async def _submit(self, fn: Callable[..., T], args, kwargs) -> T:
        try:
            future = self._executor.submit(functools.partial(fn, *args, **kwargs))
        except BaseException:
            self._release()
            raise
        # The slot is freed when the job really ends, even if the awaiting request was cancelled meanwhile:
        # a cancelled upload must not let more decodes run than the bound allows.
        future.add_done_callback(self._release)
        return await asyncio.wrap_future(future)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


_pool: HeavyPool | None = None
_pool_lock = threading.Lock()


def pool() -> HeavyPool:
    global _pool
    with _pool_lock:
        if _pool is None:
            from portal.kernel.settings import get_settings

            s = get_settings()
            _pool = HeavyPool(s.heavy_workers, s.heavy_queue)
        return _pool


def configure(workers: int, queue: int) -> HeavyPool:
    """Replace the process's pool (tests, or a server that knows its core count better)."""
    global _pool
    with _pool_lock:
        old, _pool = _pool, HeavyPool(workers, queue)
    if old is not None:
        old.shutdown()
    return _pool


async def run(fn: Callable[..., T], /, *args, **kwargs) -> T:
    """Run `fn(*args, **kwargs)` in the bounded heavy pool; raises Busy when it is full."""
    return await pool().run(fn, *args, **kwargs)


async def run_waiting(fn: Callable[..., T], /, *args, **kwargs) -> T:
    """Like `run`, but waits for a slot instead of raising Busy (only for work that must finish)."""
    return await pool().run_waiting(fn, *args, **kwargs)
