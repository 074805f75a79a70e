"""/api/health: database and (when configured) Redis reachability; 503 when either is down."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse

from portal.kernel import db
from portal.kernel.settings import get_settings


def _check_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


async def health(request: Request) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        await asyncio.to_thread(db.ping)
        checks["database"] = "ok"
    except Exception as exc:  # report, never raise: this is the probe
        checks["database"] = f"down: {type(exc).__name__}"
    if url := get_settings().redis_url:
        try:
            await asyncio.to_thread(_check_redis, url)
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"down: {type(exc).__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ok" if healthy else "down", "checks": checks}, status_code=200 if healthy else 503)
