"""Evaluation files: the published notice as a printable PDF (public), and evaluation photos (private).

GET /api/evaluations/rounds/{id}/notice.pdf: anyone, once the round is closed (the notice is public); 404 before.
GET /api/evaluations/rounds/{id}/results.xlsx: the same results as a workbook (typed cells), on the same terms.
GET /api/evaluations/{assignment}/photos/{image}.jpg: the supervisor who took it, or an admin over the target's
region (`evaluation_workflow.photo_allowed`, the one guard inside). 401 when not signed in, then 404 for anything
not allowed, so nobody learns which assignments or photos exist. Admins' views are written to the audit log.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict

from starlette.requests import Request
from starlette.responses import Response

from portal.shell.http import actor_or_error, error, path_id, request_lang
from portal.shell.format import DASH, percent, rank_text
from portal.kernel.db import session_scope
from portal.i18n import text
from portal.kernel import audit
from portal.kernel import export, heavy
from portal.evaluations import services as ew
from portal.evaluations import notice_pdf
from portal.kernel.images import PrivateImageStore
from portal.kernel.permissions import PermissionDenied
from portal.kernel.settings import get_settings

# Drawing is CPU-bound: it runs in the bounded heavy pool (services/heavy). A closed round's notice never changes
# (its results are frozen), so each (round, language) is drawn once per worker: anonymous repeated downloads
# cannot keep the pool busy.
PDF_CACHE_SIZE = 16
_pdf_cache: OrderedDict[tuple[int, str], bytes] = OrderedDict()
_pdf_cache_lock = threading.Lock()


def _score(value: float | None) -> str:
    return DASH if value is None else f"{value:.2f}"


def notice_text(n: ew.Notice, lang: str) -> tuple[notice_pdf.NoticeText, list[notice_pdf.NoticeLine]]:
    """The notice's words in `lang` and its lines, as the page shows them."""
    headers = {"rank": text("eval.notice.rank", lang), "target": text("eval.notice.target", lang),
               "sup": text("eval.notice.sup", lang), "res": text("eval.notice.res", lang),
               "combined": text("eval.notice.combined", lang), "talk": text("eval.notice.talk", lang)}
    body = notice_pdf.NoticeText(
        issuer=text("eval.notice.pdf_issuer", lang, region=n.region_name),
        title=text("eval.notice.pdf_title", lang),
        subtitle=n.title,
        meta=text("eval.notice.meta", lang, region=n.region_name, start=n.period_start, end=n.period_end,
                  closed=n.closed_on),
        formula=text("eval.notice.formula", lang, ws=n.weight_supervisors, wr=n.weight_residents),
        rules=text("eval.notice.rule", lang),
        headers=headers,
        footer=text("eval.notice.pdf_footer", lang),
    )
    lines = [notice_pdf.NoticeLine(
        rank=rank_text(r.rank), target=r.label,
        sup=f"{_score(r.supervisor_score)} ({r.submitted}/{r.assigned})",
        res=f"{percent(r.resident_rate)} ({r.resident_count})",
        combined=_score(r.combined), talk=text("eval.notice.talk", lang) if r.talk_flag else "",
    ) for r in n.rows]
    return body, lines


def _load_notice(round_id: int) -> ew.Notice | None:
    with session_scope() as session:
        return ew.notice(session, round_id)


def _cached(key: tuple[int, str]) -> bytes | None:
    with _pdf_cache_lock:
        if key in _pdf_cache:
            _pdf_cache.move_to_end(key)
            return _pdf_cache[key]
    return None


def _render(n: ew.Notice, lang: str) -> bytes:
    key = (n.round_id, lang)
    body = _cached(key)  # drawn by another request while this one waited for a slot
    if body is not None:
        return body
    body = notice_pdf.notice_pdf(*notice_text(n, lang))
    with _pdf_cache_lock:
        _pdf_cache[key] = body
        while len(_pdf_cache) > PDF_CACHE_SIZE:
            _pdf_cache.popitem(last=False)
    return body


async def notice_pdf_file(request: Request) -> Response:
    round_id = path_id(request, "round_id")
    n = await asyncio.to_thread(_load_notice, round_id) if round_id else None
    if n is None:
        return error(request, 404, "eval.notice.missing")
    lang = request_lang(request)
    try:
        body = _cached((n.round_id, lang)) or await heavy.run(_render, n, lang)
    except heavy.Busy as exc:
        return error(request, 503, exc.key)
    return Response(body, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="evaluation-notice-{n.round_id}.pdf"',
        "Cache-Control": "public, max-age=300",
        "X-Content-Type-Options": "nosniff",
    })


def results_workbook(n: ew.Notice, lang: str) -> bytes:
    """The notice's table as a sheet: rank, target, office, evaluations in, the three scores (numbers, two
    decimals), residents' ratings counted, and the talk flag."""
    columns = [export.Column(text("eval.notice.rank", lang), export.INT, 8),
               export.Column(text("eval.notice.target", lang), export.TEXT, 36),
               export.Column(text("eval.xlsx.office", lang), export.TEXT, 28),
               export.Column(text("eval.xlsx.submitted", lang), export.INT, 12),
               export.Column(text("eval.notice.sup", lang), export.SCORE, 12),
               export.Column(text("eval.xlsx.resident_count", lang), export.INT, 12),
               export.Column(text("eval.notice.res", lang), export.PERCENT, 12),
               export.Column(text("eval.notice.combined", lang), export.SCORE, 12),
               export.Column(text("eval.notice.talk", lang), export.TEXT, 8)]
    rows = [(r.rank, r.label, r.office_name, r.submitted, r.supervisor_score, r.resident_count,
             r.resident_rate, r.combined, text("eval.notice.talk", lang) if r.talk_flag else "") for r in n.rows]
    return export.xlsx(n.title, columns, rows)


async def results_xlsx(request: Request) -> Response:
    round_id = path_id(request, "round_id")
    n = await asyncio.to_thread(_load_notice, round_id) if round_id else None
    if n is None:
        return error(request, 404, "eval.notice.missing")
    lang = request_lang(request)
    try:
        body = await heavy.run(results_workbook, n, lang)
    except heavy.Busy as exc:
        return error(request, 503, exc.key)
    headers = export.response_headers(f"{n.title}-{n.closed_on.isoformat()}.xlsx")
    headers["Cache-Control"] = "public, max-age=300"  # public results, frozen once the round closed
    return Response(body, media_type=export.MEDIA_TYPE, headers=headers)


def _photo(request: Request) -> Response:
    actor = actor_or_error(request)
    if isinstance(actor, Response):
        return actor
    assignment_id = path_id(request, "assignment_id")
    image_id = str(request.path_params["image_id"])[:64]
    if assignment_id is None:
        return error(request, 404, "eval.form.missing")
    try:
        with session_scope() as session:
            own = ew.photo_allowed(session, actor, assignment_id, image_id)
            if not own:  # an admin looking at a supervisor's photo
                audit.record(session, actor, "evaluation.photo_view", "evaluation_assignment", assignment_id,
                             after={"image": image_id})
        data = PrivateImageStore(get_settings().private_upload_dir).open(image_id)
    except (PermissionDenied, KeyError, ValueError):
        return error(request, 404, "eval.form.missing")
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, no-store",
                                                            "X-Content-Type-Options": "nosniff"})


async def photo(request: Request) -> Response:
    return await asyncio.to_thread(_photo, request)

