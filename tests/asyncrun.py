"""Run a coroutine to completion from a synchronous test, whatever the main thread is doing.

When the end-to-end tests run in the same session, Playwright's sync API keeps an event loop running in the main
thread until the session ends, and `asyncio.run` refuses to start inside it; a fresh thread has no loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()
