"""Only the portal's own pages may use a signed-in officer's cookie over the websocket.

A websocket handshake carries the cookie whatever page opened it, and browsers apply no CORS to websockets, so a
page on another port of the same host (same site: SameSite does not help) could drive an officer's tab state. The
handshake, and Socket.IO's HTTP polling and Reflex's upload endpoint beside it, are refused here when they carry an
Origin other than `PUBLIC_BASE_URL`'s. /api/ reads are covered by CORS (rxconfig `cors_allowed_origins`: no grant
for any other origin) and its state-changing POSTs by `common.same_origin`. No Origin header at all means no
browser page is involved (scripts, health checks), so it passes.
"""

from __future__ import annotations

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from portal.kernel.routes import API_PHOTOS_PREFIX
from portal.kernel.settings import get_settings

GUARDED_HTTP_PREFIXES = ("/_event", "/_upload", API_PHOTOS_PREFIX)


def _origin(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"origin":
            return value.decode("latin-1")
    return None


def allowed_origin(origin: str | None) -> bool:
    return origin is None or origin.rstrip("/").lower() == get_settings().public_origin


class OriginGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        guarded = scope["type"] == "websocket" or (
            scope["type"] == "http" and scope.get("path", "").startswith(GUARDED_HTTP_PREFIXES))
        if guarded and not allowed_origin(_origin(scope)):
            if scope["type"] == "websocket":
                # Closing before accepting makes the server answer the handshake with 403.
                await send({"type": "websocket.close", "code": 1008})
                return
            await PlainTextResponse("origin not allowed", status_code=403)(scope, receive, send)
            return
        await self.app(scope, receive, send)
