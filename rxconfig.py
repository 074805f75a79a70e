"""Reflex configuration. Offline settings are the project's, not the user's to remember."""

import os

os.environ.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
os.environ.setdefault("REFLEX_CHECK_LATEST_VERSION", "false")
os.environ.setdefault("REFLEX_USE_SYSTEM_BUN", "1")

# Every process of the portal reads this file first. Files it creates (the tabs' state under .states/, the database,
# uploads) hold personal data: readable by the portal's own user only.
os.umask(0o077)

import reflex as rx  # noqa: E402
from reflex.plugins.sitemap import SitemapPlugin  # noqa: E402

from portal.kernel.settings import public_origin_from_env  # noqa: E402
from portal.shell.theme import TrimmedRadixThemes  # noqa: E402

_redis_url = os.environ.get("REDIS_URL") or None

config = rx.Config(
    app_name="portal",
    telemetry_enabled=False,
    redis_url=_redis_url,
    state_manager_mode="redis" if _redis_url else "disk",
    # Radix Themes with only the palettes the pages use (shell/theme.py): about a fifth less CSS to download.
    plugins=[TrimmedRadixThemes(
        theme=rx.theme(accent_color="red", gray_color="slate", radius="medium", appearance="light"),
    )],
    disable_plugins=[SitemapPlugin],
    show_built_with_reflex=False,
    # Brotli first, gzip for the rest: browsers ask for it over HTTPS only (so in production), where the render-blocking
    # stylesheet is 38 % smaller than gzip's and the scripts 16 % (bench/README.md, issue 17's first paint on 3G).
    frontend_compression_formats=["brotli", "gzip"],  # in order of preference
    # CORS for /api/ and the Socket.IO server: the portal's own origin only, never "*" (which Starlette answers by
    # echoing the caller's origin with credentials). portal/shell/origin.py refuses foreign websocket handshakes.
    cors_allowed_origins=[public_origin_from_env()],
)
