"""Sign-in and sign-out. The browser posts a plain form; JSON clients (tests, scripts) get status codes."""

from __future__ import annotations

import math
from datetime import datetime
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from portal.kernel import heavy
from portal.shell.http import actor_or_error, client_address, error, same_origin
from portal.kernel.db import session_scope
from portal.kernel.base import utcnow
from portal.accounts import services as auth
from portal.kernel import throttle as lookup_throttle
from portal.kernel.settings import get_settings

MAX_FORM_BYTES = 4096


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _fail(request: Request, status: int, key: str, username: str = "", retry_at: datetime | None = None) -> Response:
    until = lookup_throttle.retry_label(retry_at) if retry_at else ""
    if _wants_json(request):
        response = error(request, status, key, time=until)
        if retry_at is not None:
            response.headers["Retry-After"] = str(max(1, math.ceil((retry_at - utcnow()).total_seconds())))
        return response
    # Back to the form with the message and the username kept (never the password).
    query = urlencode({"error": key, "u": username[: auth.MAX_USERNAME], **({"until": until} if until else {})})
    return RedirectResponse(f"/login?{query}", status_code=303)


def _sign_in(username: str, password: str, client: str, policy: auth.Policy) -> auth.SignInResult:
    with session_scope() as session:
        return auth.sign_in(session, username, password, client, policy)


async def login(request: Request) -> Response:
    if not same_origin(request):
        return _fail(request, 403, "auth.bad_origin")
    length = request.headers.get("content-length")
    if length is None or not length.isdigit() or int(length) > MAX_FORM_BYTES:
        return _fail(request, 413, "auth.too_large")
    try:
        body = await request.body()
        if len(body) > MAX_FORM_BYTES:
            return _fail(request, 413, "auth.too_large")
        form = await request.form()
    except Exception:  # malformed multipart / encoding
        return _fail(request, 400, "auth.malformed")
    username, password = form.get("username"), form.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        return _fail(request, 400, "auth.malformed")
    settings = get_settings()
    policy = auth.Policy(settings.session_hours, settings.login_max_failures_account,
                         settings.login_max_failures_client, settings.login_window_minutes)
    try:
        # Password hashing is deliberately slow: in the bounded heavy pool, never on the event loop.
        result = await heavy.run(_sign_in, username, password, client_address(request), policy)
    except heavy.Busy as exc:
        return _fail(request, 503, exc.key, username)
    if result.error:
        status = {"auth.throttled": 429, "auth.malformed": 400, "auth.account_disabled": 403}.get(result.error, 401)
        return _fail(request, status, result.error, username, result.retry_at)
    assert result.actor is not None and result.token is not None
    response: Response
    if _wants_json(request):
        response = JSONResponse({"home": result.actor.home, "username": result.actor.username})
    else:
        response = RedirectResponse(result.actor.home, status_code=303)
    response.set_cookie(auth.COOKIE_NAME, result.token, max_age=settings.session_hours * 3600, httponly=True,
                        samesite="strict", secure=settings.cookie_secure, path="/")
    return response


def logout(request: Request) -> Response:
    if not same_origin(request):
        return _fail(request, 403, "auth.bad_origin")
    with session_scope() as session:
        auth.sign_out(session, request.cookies.get(auth.COOKIE_NAME))
    response: Response = JSONResponse({"ok": True}) if _wants_json(request) else RedirectResponse("/", 303)
    response.delete_cookie(auth.COOKIE_NAME, path="/")
    return response


def me(request: Request) -> Response:
    actor = actor_or_error(request)
    if isinstance(actor, Response):
        return actor
    return JSONResponse({
        "username": actor.username,
        "display_name": actor.display_name,
        "home": actor.home,
        "grants": [{"role": g.role.value, "region": g.region_code} for g in actor.grants],
    })
