"""Long-lived caching for the build's hashed files (`/assets/<name>-<hash>.js|css`).

Reflex serves the production build's static files without a Cache-Control header, so a phone revalidates every
script and stylesheet on each visit: one round trip each, seconds on 3G. A file under `/assets/` carries a content
hash in its name and never changes, so it is cached for a year (`immutable`: not even revalidated on reload). The
pages themselves and unhashed files (`/portal.css`, `/photos.js`) are left to revalidation (ETag), so a new release
shows at once.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HASHED_PREFIX = "/assets/"
IMMUTABLE = b"public, max-age=31536000, immutable"


class ImmutableAssets:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD") or \
                not scope.get("path", "").startswith(HASHED_PREFIX):
            await self.app(scope, receive, send)
            return

        async def with_cache_header(message: Message) -> None:
            if message["type"] == "http.response.start" and message.get("status") in (200, 304):
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"]
                message = {**message, "headers": [*headers, (b"cache-control", IMMUTABLE)]}
            await send(message)

        await self.app(scope, receive, with_cache_header)
