"""/api/health: database and (when configured) Redis reachability (`kernel.health`); 503 when either is down."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from portal.kernel.health import probe


async def health(request: Request) -> JSONResponse:
    checks = await probe()
    healthy = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ok" if healthy else "down", "checks": checks}, status_code=200 if healthy else 503)
