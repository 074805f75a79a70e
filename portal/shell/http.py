"""Helpers shared by every /api/ route: who is calling, the guard, same-origin checks, JSON errors."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse

from portal.i18n import text
from portal.accounts import queries as accounts
from portal.accounts import services as auth
from portal.kernel.client_address import resolve
from portal.kernel.permissions import Actor
from portal.kernel.settings import get_settings


def client_address(request: Request) -> str:
    """The caller's address by the one rule of `services.client_address` (proxies from PORTAL_TRUSTED_PROXIES)."""
    forwarded = ",".join(request.headers.getlist("x-forwarded-for")) or None
    return resolve(request.client.host if request.client else None, forwarded, get_settings().trusted_proxies)


MAX_ROW_ID = 2**31 - 1  # the largest id every supported database stores (PostgreSQL integer)


def path_id(request: Request, name: str) -> int | None:
    """An `{name:int}` path parameter as a row id; None when no row can have it (the route answers 404, not 500)."""
    value = int(request.path_params[name])
    return value if 0 < value <= MAX_ROW_ID else None


def request_lang(request: Request) -> str:
    return "en" if request.cookies.get("sd_lang") == "en" else "zh"


def current_actor(request: Request) -> auth.SessionLookup:
    return accounts.open_lookup(request.cookies.get(auth.COOKIE_NAME))


def error(request: Request, status: int, key: str, **params: object) -> JSONResponse:
    return JSONResponse({"error": key, "message": text(key, request_lang(request), **params)}, status_code=status)


def same_origin(request: Request) -> bool:
    """State-changing requests must come from our own pages (SameSite cookies plus this check)."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        # Browsers send Origin on cross-site POSTs; its absence means a same-site navigation or a non-browser.
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


def actor_or_error(request: Request) -> Actor | JSONResponse:
    found = current_actor(request)
    if found.actor is None:
        return error(request, 401, "auth.expired" if found.status == "expired" else "auth.sign_in_required")
    return found.actor
