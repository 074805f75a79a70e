"""The rating page and 追评 as server-rendered HTML routes, mounted in front of Reflex like /api/.

`/r/<window code>` is the poster's QR link: one GET gives the whole page (a few KB, no script needed), one form POST
stores the rating through `services.submit_rating` and answers 303 to the thank-you page with the receipt (a reload
shows the receipt again; nothing is sent twice). Each form carries an attempt key: a POST retried after a lost reply
answers the stored receipt.

The device cool-down identifier is an HttpOnly, SameSite=Lax cookie (`sd_device`) set here. A POST must come from
our own page: its Origin (or, without one, its Referer) must be the portal's (`shell.origin.allowed_origin`, the rule
the websocket handshake uses), and its form token must match the device cookie (a keyed hash of it, which another
site can neither read nor make; the Lax cookie is not even sent with another site's POST).

Database work runs in Starlette's thread pool, never on the event loop.
"""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import datetime

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.i18n import text
from portal.kernel import routes
from portal.kernel.db import session_scope, write_scope
from portal.kernel.hashing import keyed_hash
from portal.kernel.settings import get_settings, origin_of
from portal.kernel.workdays import CHINA_TZ
from portal.ratings import html, rules
from portal.ratings import services as wf
from portal.shell.html_page import ONE_YEAR, Prefs, page
from portal.shell.http import client_address
from portal.shell.origin import allowed_origin

DEVICE_COOKIE = "sd_device"
_DEVICE_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_TYPED = 2000  # a comment longer than any allowed one is still given back (cut here), with the message


# --- the request's device, token and origin --------------------------------------------------------------------


def _device(request: Request) -> str | None:
    value = request.cookies.get(DEVICE_COOKIE, "")
    return value if _DEVICE_RE.match(value) else None


def form_token(device_id: str) -> str:
    return keyed_hash(get_settings().secret_key, f"form:{device_id}")[:32]


def _token_ok(device_id: str | None, sent: object) -> bool:
    # Compared as bytes: compare_digest refuses a str with non-ASCII characters (a forged token), which must be a
    # plain "no", not an error.
    return device_id is not None and isinstance(sent, str) and hmac.compare_digest(
        form_token(device_id).encode(), sent.encode("utf-8", "replace"))


def from_our_page(request: Request) -> bool:
    origin = request.headers.get("origin")
    if origin is not None:
        return origin != "null" and allowed_origin(origin)
    referer = request.headers.get("referer")
    return referer is None or origin_of(referer) == get_settings().public_origin


def _keep_device(response: Response, device_id: str, fresh: bool) -> Response:
    if fresh:
        response.set_cookie(DEVICE_COOKIE, device_id, max_age=ONE_YEAR, httponly=True, samesite="lax",
                            secure=get_settings().cookie_secure, path="/")
    return response


def _china_time(moment: datetime, lang: str) -> str:
    local = moment.astimezone(CHINA_TZ)
    # English spells the month ("6 Dec"): "6/12" and "12/6" are both read as dates somewhere.
    month = f"{local:%b}" if lang == "en" else local.month
    return text("rating.moment", lang, month=month, day=local.day, time=f"{local:%H:%M}")


def _typed(form: FormData) -> html.Typed:
    level = form.get("level")
    tags = tuple(str(tag)[:40] for tag in form.getlist("tag")[:20])
    return html.Typed(level=int(level) if isinstance(level, str) and level.isdigit() and len(level) < 3 else 0,
                      tags=tags, comment=str(form.get("comment") or "")[:MAX_TYPED],
                      phone=str(form.get("phone") or "")[:20])


# --- database work (thread pool) -------------------------------------------------------------------------------


def _page_data(code: str, device_id: str | None) -> tuple[wf.WindowInfo | None, datetime | None, wf.RatingSettings]:
    with session_scope() as session:
        window = wf.window_for_page(session, code)
        conf = wf.rating_settings(session)
        until = (wf.cooldown_ends(session, window.code, device_id=device_id, secret=get_settings().secret_key)
                 if window is not None and device_id else None)
        return window, until, conf


def _submit(new: wf.NewRating, device_id: str, client: str, attempt: str) -> wf.Submitted:
    with write_scope() as session:
        return wf.submit_rating(session, new, device_id=device_id, client=client, secret=get_settings().secret_key,
                                attempt_key=attempt)


def _thanks_data(code: str, receipt: str) -> tuple[wf.WindowInfo | None, wf.Acknowledged | None]:
    with session_scope() as session:
        return wf.window_for_page(session, code), wf.acknowledged(session, receipt)


# --- pages -----------------------------------------------------------------------------------------------------


def _missing(prefs: Prefs) -> Response:
    return page(prefs, *html.missing_page(prefs), status=404)


def _form(prefs: Prefs, window: wf.WindowInfo, conf: wf.RatingSettings, device_id: str, fresh: bool, *,
          attempt: str | None = None, typed: html.Typed = html.Typed(), problem: html.Problem | None = None,
          status: int = 200) -> Response:
    title, body = html.rate_page(prefs, window, form_token=form_token(device_id),
                                 attempt=attempt or secrets.token_hex(16), comment_max=conf.comment_max_chars,
                                 typed=typed, problem=problem)
    return _keep_device(page(prefs, title, body, status), device_id, fresh)


async def rate_page(request: Request) -> Response:
    """GET /r/<code>: the form, or, when this phone rated the window within the cool-down, the notice instead."""
    prefs = Prefs(request)
    device_id = _device(request)
    fresh = device_id is None
    device_id = device_id or secrets.token_hex(16)
    window, until, conf = await run_in_threadpool(_page_data, request.path_params["code"],
                                                  None if fresh else device_id)
    if window is None:
        return _missing(prefs)
    if until is not None:
        title, body = html.cooldown_page(prefs, window, hours=int(conf.cooldown.total_seconds() // 3600),
                                         until=_china_time(until, prefs.lang))
        return page(prefs, title, body)
    return _form(prefs, window, conf, device_id, fresh)


async def rate_submit(request: Request) -> Response:
    """POST /r/<code>: store the rating and go to the thank-you page, or show the form again with the problem."""
    prefs = Prefs(request)
    code = request.path_params["code"]
    if not from_our_page(request):
        return page(prefs, *html.refused_page(prefs, html.Problem("rating.bad_origin"), routes.rate(code)),
                    status=403)
    try:
        form = await request.form()
    except Exception:  # a malformed body: nothing to keep
        form = FormData()
    typed = _typed(form)
    attempt = str(form.get("attempt") or "")[:64]
    device_id = _device(request)

    async def again(key: str, status: int) -> Response:
        """The form once more, with what was typed and the problem (the window is read only on this path)."""
        window, _until, conf = await run_in_threadpool(_page_data, code, None)
        if window is None:
            return _missing(prefs)
        params = {"n": int(conf.cooldown.total_seconds() // 3600)} if key == "rating.cooldown" else {}
        return _form(prefs, window, conf, device_id or secrets.token_hex(16), device_id is None, attempt=attempt,
                     typed=typed, problem=html.Problem(key, params), status=status)

    if not _token_ok(device_id, form.get("form_token")):
        # An expired page, cookies cleared, or a forged form: nothing stored; the resident's input comes back with
        # a token for a (new) device, so one more tap sends it.
        return await again("rating.form_expired", 400)
    assert device_id is not None
    if typed.level not in rules.LEVELS:
        return await again("rating.level_required", 400)
    # Tags of the other kind (chosen before the level was changed) are dropped, as the page hides them.
    tags = tuple(tag for tag in typed.tags if tag in rules.TAGS_BY_LEVEL[typed.level])
    new = wf.NewRating(code, typed.level, tags, typed.comment, typed.phone)
    try:
        result = await run_in_threadpool(_submit, new, device_id, client_address(request), attempt)
    except wf.RatingError as exc:
        if exc.key == "rating.window_missing":
            return _missing(prefs)
        return await again(exc.key, 409 if exc.key == "rating.cooldown" else 400)
    # The window code as printed: the services match it case-insensitively.
    return RedirectResponse(routes.rate_thanks(code.strip().upper()[:32], result.receipt_code), status_code=303)


async def rate_thanks(request: Request) -> Response:
    """GET /r/<code>/thanks?receipt=…: the receipt, after the one POST (reloading it sends nothing)."""
    prefs = Prefs(request)
    window, ack = await run_in_threadpool(_thanks_data, request.path_params["code"],
                                          request.query_params.get("receipt", "")[:16])
    if window is None or ack is None or ack.window_code != window.code:
        return _missing(prefs)
    return page(prefs, *html.thanks_page(prefs, window, ack))


async def rate_entry(request: Request) -> Response:
    """GET /r?code=hb-sjz-0001 (the home page's form, no script needed) → /r/HB-SJZ-0001."""
    code = request.query_params.get("code", "").strip().upper()[:32]
    return RedirectResponse(routes.rate(code) if code else routes.HOME, status_code=303)


# --- 追评 -----------------------------------------------------------------------------------------------------


def _lookup(code: str) -> wf.ReceiptView | None:
    with session_scope() as session:
        view = wf.lookup_receipt(session, code)
    return view if view is not None and view.bad_review else None


def _add_followup(code: str, level: int, comment: str) -> None:
    with write_scope() as session:
        wf.add_followup_rating(session, code, level, comment)


def _followup(prefs: Prefs, code: str, view: wf.ReceiptView | None, device_id: str, fresh: bool, *,
              saved: bool = False, typed: html.Typed = html.Typed(), problem: html.Problem | None = None,
              status: int = 200) -> Response:
    title, body = html.followup_page(prefs, code=code, view=view, form_token=form_token(device_id), saved=saved,
                                     typed=typed, problem=problem)
    return _keep_device(page(prefs, title, body, status), device_id, fresh)


async def followup_page(request: Request) -> Response:
    """GET /rating/followup[?code=…]: look a receipt up, see how the bad review was handled."""
    prefs = Prefs(request)
    device_id = _device(request)
    fresh = device_id is None
    device_id = device_id or secrets.token_hex(16)
    code = request.query_params.get("code", "")[:16]
    view = await run_in_threadpool(_lookup, code) if code.strip() else None
    problem = html.Problem("followup.receipt_unknown") if code.strip() and view is None else None
    return _followup(prefs, code, view, device_id, fresh, saved=request.query_params.get("saved") == "1",
                     problem=problem, status=404 if problem else 200)


async def followup_submit(request: Request) -> Response:
    """POST /rating/followup: the one 追评, then back to the case (303)."""
    prefs = Prefs(request)
    if not from_our_page(request):
        return page(prefs, *html.refused_page(prefs, html.Problem("rating.bad_origin"), routes.RATING_FOLLOWUP),
                    status=403)
    try:
        form = await request.form()
    except Exception:
        form = FormData()
    typed = _typed(form)
    code = str(form.get("code") or "")[:16]
    device_id = _device(request)
    view = await run_in_threadpool(_lookup, code)
    if view is None:
        return _followup(prefs, code, None, device_id or secrets.token_hex(16), device_id is None,
                         problem=html.Problem("followup.receipt_unknown"), status=404)
    if not _token_ok(device_id, form.get("form_token")):
        return _followup(prefs, code, view, device_id or secrets.token_hex(16), device_id is None, typed=typed,
                         problem=html.Problem("rating.form_expired"), status=400)
    assert device_id is not None
    if typed.level not in rules.LEVELS:
        return _followup(prefs, code, view, device_id, False, typed=typed,
                         problem=html.Problem("rating.level_required"), status=400)
    try:
        await run_in_threadpool(_add_followup, code, typed.level, typed.comment)
    except wf.RatingError as exc:
        view = await run_in_threadpool(_lookup, code)
        return _followup(prefs, code, view, device_id, False, typed=typed, problem=html.Problem(exc.key),
                         status=409 if exc.key == "followup.already_given" else 400)
    return RedirectResponse(f"{routes.rating_followup(wf.normalize_receipt(code))}&saved=1", status_code=303)
