"""Whether the database and (when configured) Redis answer: what `/api/health` reports."""

from __future__ import annotations

import asyncio

from portal.kernel import db
from portal.kernel.settings import get_settings


def _check_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


async def probe() -> dict[str, str]:
    """"ok" or "down: <error class>" per service; never raises (this is the probe)."""
    checks: dict[str, str] = {}
    try:
        await asyncio.to_thread(db.ping)
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"down: {type(exc).__name__}"
    if url := get_settings().redis_url:
        try:
            await asyncio.to_thread(_check_redis, url)
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"down: {type(exc).__name__}"
    return checks
