"""A hard request-size limit in front of every HTTP path, Reflex's own upload endpoint (`/_upload`) included.

Reflex spools any multipart body to temporary files before a handler sees it, with no limit of its own. This ASGI
middleware refuses a body over the limit before it reaches the app: at once when `Content-Length` says so, and by
counting the bytes as they stream in otherwise (chunked uploads, or a length that lies). The app then sees the
client as gone, whatever it was about to answer is dropped, and the caller gets 413 with the catalog's message in
its language. Upload requests (`/_upload`, `/api/photos/`) get `PORTAL_MAX_UPLOAD_MB`; everything else `PORTAL_MAX_BODY_KB`.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from portal.i18n import text
from portal.kernel.routes import API_PHOTOS_PREFIX
from portal.kernel.settings import get_settings

UPLOAD_SUFFIX = "/_upload"
KEY = "request.too_large"


def _lang(scope: Scope) -> str:
    for name, value in scope.get("headers") or ():
        if name == b"cookie":
            try:
                jar = SimpleCookie(value.decode("latin-1"))
            except Exception:  # a malformed cookie header only loses the language
                return "zh"
            morsel = jar.get("sd_lang")
            return "en" if morsel is not None and morsel.value == "en" else "zh"
    return "zh"


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers") or ():
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def limit_for(path: str) -> int:
    settings = get_settings()
    if path.rstrip("/").endswith(UPLOAD_SUFFIX) or path.startswith(API_PHOTOS_PREFIX):
        return settings.max_upload_bytes
    return settings.max_body_bytes


def _refusal(scope: Scope) -> JSONResponse:
    return JSONResponse({"error": KEY, "message": text(KEY, _lang(scope))}, status_code=413,
                        headers={"Connection": "close"})


class RequestSizeLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope.get("path", ""))
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await _refusal(scope)(scope, receive, send)
            return

        seen = 0
        over = False
        started = False  # the app's own response has begun (then it can no longer be replaced)

        async def counted_receive() -> Message:
            nonlocal seen, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    over = True
                    # The app stops reading as if the client had left; nothing past the limit is spooled.
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if over and not started:
                return  # replaced by the 413 below
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except Exception:
            if not over:
                raise
        if over and not started:
            await _refusal(scope)(scope, receive, send)
