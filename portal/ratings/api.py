"""QR codes and printable A4 posters of service windows, for signed-in staff of the window's region.

GET /api/windows/{code}/qr.png | poster.png | poster.pdf, and /api/regions/{code}/posters.pdf (every window in use
under a region, one page each). Order of answers: 401 when not signed in (so nobody outside learns which codes
exist), then 404 for an unknown code, then 403 from the one guard. Window staff may print only their own window;
officers and admins any window their grant covers. Every download is written to the audit log.

The PDFs are vector files for printing (`kernel.drawing.posters_pdf`: embedded Chinese text, the QR code as squares,
~3 KB a page in a batch); the PNGs are for screens. Drawing is CPU-bound (cutting the font faces for the file, the QR
codes' mask choice), so it runs in the bounded heavy pool (`kernel.heavy`: 503 with a message when it is full) and
batches are capped at MAX_BATCH windows.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import Response

from portal.shell.http import actor_or_error, error
from portal.kernel.db import session_scope
from portal.i18n import text
from portal.accounts.models import Role
from portal.regions.models import Region, ServiceWindow
from portal.kernel import audit
from portal.kernel import heavy
from portal.kernel import drawing as qr
from portal.regions import services as regions
from portal.kernel.permissions import Actor, PermissionDenied, authorize
from portal.ratings import services as wf
from portal.ratings.services import WindowInfo, find_window
from portal.kernel import export
from portal.kernel.workdays import china_today
from portal.shell.http import request_lang
from portal.kernel.settings import get_settings

ACTION = "poster.download"
MAX_BATCH = 60  # windows per batch PDF: one slot of the heavy pool for a few seconds (bench/posters_pdf.py)
POSTER_LANG = "zh"  # posters hang on Chinese notice boards, whatever the downloader's UI language
MAX_CODE = 32  # ServiceWindow.code / Region.code column widths

PNG, PDF = "image/png", "application/pdf"


@dataclass(frozen=True)
class _Target:
    """What the audit row names: the window or region code, and the region it belongs to."""

    code: str
    region_code: str


def _poster_text(window: WindowInfo | ServiceWindow) -> qr.PosterText:
    return qr.PosterText(window_name=window.name, window_code=window.code, office_name=window.office_name,
                         instruction=text("poster.instruction", POSTER_LANG), footer=text("poster.footer", POSTER_LANG))


def _url(window_code: str) -> str:
    return qr.rating_url(get_settings().public_base_url, window_code)


def _filename(stem: str, code: str, ext: str) -> str:
    # Codes are admin-chosen; keep the header plain ASCII whatever they contain.
    return f"{stem}-{re.sub(r'[^A-Za-z0-9_.-]', '_', code)}.{ext}"


def _file(body: bytes, media_type: str, filename: str) -> Response:
    return Response(body, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
    })


def _may_print_window(actor: Actor, window: WindowInfo) -> None:
    """Officers and admins over the window's region; window staff only at their own window. Raises PermissionDenied."""
    try:
        authorize(actor, (Role.OFFICER, Role.ADMIN), window.region_path)
    except PermissionDenied:
        authorize(actor, Role.WINDOW_STAFF, window.region_path)
        if actor.window_id != window.id:
            raise PermissionDenied() from None


def _record(actor: Actor, target_type: str, target: _Target, after: dict[str, object]) -> None:
    with session_scope() as session:
        audit.record(session, actor, ACTION, target_type, target.code, region_code=target.region_code, after=after)


# --- one window -------------------------------------------------------------------------------------------------

def _local_address_error(request: Request) -> Response | None:
    """A poster for localhost or a private address sends every resident who scans it to a dead page: refuse, and
    say which setting to change (PORTAL_ALLOW_LOCAL_POSTER_URL lets the demo and the tests draw them anyway)."""
    settings = get_settings()
    if settings.poster_url_refused:
        return error(request, 409, "poster.local_url", url=settings.public_base_url)
    return None


def _window_or_error(request: Request) -> tuple[Actor, WindowInfo] | Response:
    actor = actor_or_error(request)
    if isinstance(actor, Response):
        return actor
    code = request.path_params["code"]
    with session_scope() as session:
        # Active windows only: a poster for a window out of use would send residents to "window not found".
        window = find_window(session, code) if len(code) <= MAX_CODE else None
    if window is None:
        return error(request, 404, "poster.window_missing")
    try:
        _may_print_window(actor, window)
    except PermissionDenied:
        return error(request, 403, "auth.forbidden")
    return _local_address_error(request) or (actor, window)


def _render_window(kind: str, window: WindowInfo) -> bytes:
    url = _url(window.code)
    if kind == "qr.png":
        return qr.qr_png(url)
    if kind == "poster.png":
        return qr.poster_png(url, _poster_text(window))
    return qr.poster_pdf(url, _poster_text(window))


# kind → (file name stem, extension, media type)
_WINDOW_FILES = {"qr.png": ("qr", "png", PNG), "poster.png": ("poster", "png", PNG),
                 "poster.pdf": ("poster", "pdf", PDF)}


async def _window_file(request: Request, kind: str) -> Response:
    found = await asyncio.to_thread(_window_or_error, request)
    if isinstance(found, Response):
        return found
    actor, window = found
    try:
        body = await heavy.run(_render_window, kind, window)
    except heavy.Busy as exc:
        return error(request, 503, exc.key)
    region_code = window.region_path.strip("/").rsplit("/", 1)[-1]  # paths are "/13/1301/130102/"
    await asyncio.to_thread(_record, actor, "service_window", _Target(window.code, region_code), {"file": kind})
    stem, ext, media_type = _WINDOW_FILES[kind]
    return _file(body, media_type, _filename(stem, window.code, ext))


async def window_qr_png(request: Request) -> Response:
    return await _window_file(request, "qr.png")


async def window_poster_png(request: Request) -> Response:
    return await _window_file(request, "poster.png")


async def window_poster_pdf(request: Request) -> Response:
    return await _window_file(request, "poster.pdf")


# --- every window of a region -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Batch:
    actor: Actor
    region: _Target
    items: list[tuple[str, qr.PosterText]]


def _batch_or_error(request: Request) -> _Batch | Response:
    actor = actor_or_error(request)
    if isinstance(actor, Response):
        return actor
    code = request.path_params["code"]
    with session_scope() as session:
        region = regions.by_code(session, code) if len(code) <= MAX_CODE else None
        if region is None:
            return error(request, 404, "poster.region_missing")
        target = _Target(region.code, region.code)
        try:
            # A batch holds other people's windows: officers and admins only.
            authorize(actor, (Role.OFFICER, Role.ADMIN), region.path)
        except PermissionDenied:
            return error(request, 403, "auth.forbidden")
        in_use = (select(ServiceWindow).join(Region).where(Region.path.startswith(region.path),
                                                            ServiceWindow.active.is_(True)))
        count = session.execute(select(func.count()).select_from(in_use.subquery())).scalar_one()
        if count == 0:
            return error(request, 404, "poster.no_windows")
        if count > MAX_BATCH:
            return error(request, 413, "poster.too_many", n=count, max=MAX_BATCH)
        refused = _local_address_error(request)
        if refused is not None:
            return refused
        windows = session.execute(in_use.order_by(ServiceWindow.code)).scalars().all()
        items = [(_url(w.code), _poster_text(w)) for w in windows]
    return _Batch(actor, target, items)


async def region_posters_pdf(request: Request) -> Response:
    found = await asyncio.to_thread(_batch_or_error, request)
    if isinstance(found, Response):
        return found
    try:
        body = await heavy.run(qr.posters_pdf, found.items)
    except heavy.Busy as exc:
        return error(request, 503, exc.key)
    await asyncio.to_thread(_record, found.actor, "region", found.region,
                            {"file": "posters.pdf", "windows": [t.window_code for _, t in found.items]})
    return _file(body, PDF, _filename("posters", found.region.code, "pdf"))


# --- the monthly ranking as a spreadsheet (kernel/export: typed cells, the heavy pool) ----------------------------

RANKING_COLUMNS = (("officer.x_rank", export.INT, 8), ("officer.x_window", export.TEXT, 14),
                   ("officer.x_window_name", export.TEXT, 26), ("officer.x_office", export.TEXT, 26),
                   ("officer.x_count", export.INT, 10), ("officer.x_satisfaction", export.PERCENT, 12),
                   ("officer.x_bad", export.PERCENT, 12), ("officer.x_talk", export.TEXT, 10))


def _ranking_rows(actor: Actor, region_code: str, month: str, lang: str) -> list[tuple]:
    with session_scope() as session:
        region = regions.by_code(session, region_code)
        authorize(actor, Role.OFFICER, region.path if region else "/nonexistent/")
        assert region is not None
        rows = wf.monthly_ranking(session, region.path, month)
        audit.record(session, actor, "rating.export_ranking", "region", region.code,
                     region_code=region.code, after={"month": month, "rows": len(rows)})
    yes = text("officer_apps.yes", lang)
    return [(r.rank, r.code, r.name, r.office, r.count, r.satisfaction_rate, r.bad_rate, yes if r.talk_flag else "")
            for r in rows]


async def ranking_xlsx(request: Request) -> Response:
    """GET /api/ratings/ranking.xlsx?region=CODE&month=YYYY-MM: the month's ranking of the windows under a region
    the officer holds (counted ratings only, as /results publishes)."""
    actor = actor_or_error(request)
    if isinstance(actor, Response):
        return actor
    lang = request_lang(request)
    region_code = str(request.query_params.get("region", ""))[:20]
    month = str(request.query_params.get("month", ""))[:7]
    if not re.fullmatch(r"\d{4}-\d{2}", month):
        return error(request, 400, "auth.forbidden")
    try:
        rows = await asyncio.to_thread(_ranking_rows, actor, region_code, month, lang)
    except PermissionDenied:
        return error(request, 403, "auth.forbidden")
    title = text("officer.ranking", lang)
    columns = [export.Column(text(k, lang), kind, w) for k, kind, w in RANKING_COLUMNS]
    try:
        body = await heavy.run(export.xlsx, title, columns, rows)
    except heavy.Busy as exc:
        return error(request, 503, exc.key)
    return Response(body, media_type=export.MEDIA_TYPE,
                    headers=export.response_headers(f"{title}-{month}-{china_today().isoformat()}.xlsx"))
