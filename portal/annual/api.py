"""The annual report as files: GET /api/annual-reports/{id}.pdf and /api/annual-reports/{id}.xlsx.

401 when not signed in, 403 from the guard (also for an unknown id or another office's draft, so nobody learns which
ids exist); each download is an audited read; the drawing and the workbook run in the bounded heavy pool.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response

from portal.annual import document, queries
from portal.annual import services as svc
from portal.kernel import export, heavy
from portal.kernel.db import session_scope
from portal.kernel.permissions import PermissionDenied
from portal.shell.http import MAX_ROW_ID, actor_or_error, error, request_lang


def _report_id(request: Request) -> int:
    raw = str(request.path_params.get("report_id", ""))
    return int(raw) if raw.isdigit() and len(raw) < 12 and 0 < int(raw) <= MAX_ROW_ID else 0


def _read(actor, report_id: int, kind: str, lang: str) -> tuple[document.DocText, str]:
    with session_scope() as session:
        report = svc.record_download(session, actor, report_id, kind)
        name = f"{report.region_path.strip('/').split('/')[-1]}-{report.year}" + (
            f"Q{report.quarter}" if report.quarter else "")
        return queries.document_text(session, actor, report, lang), name


async def _serve(request: Request, kind: str) -> Response:
    actor = actor_or_error(request)
    if not hasattr(actor, "grants"):
        return actor  # the 401 response
    lang = request_lang(request)
    try:
        doc, name = await asyncio.to_thread(_read, actor, _report_id(request), kind, lang)
    except PermissionDenied:
        return error(request, 403, "auth.forbidden")
    try:
        if kind == "pdf":
            body = await heavy.run(document.report_pdf, doc)
        else:
            body = await heavy.run(document.report_xlsx, doc)
    except heavy.Busy as exc:
        return error(request, 503, exc.key)
    if kind == "pdf":
        return Response(body, media_type="application/pdf", headers={
            "Content-Disposition": f'inline; filename="annual-report-{name}.pdf"',
            "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})
    return Response(body, media_type=export.MEDIA_TYPE, headers=export.response_headers(f"{doc.title}.xlsx"))


async def report_pdf(request: Request) -> Response:
    return await _serve(request, "pdf")


async def report_xlsx(request: Request) -> Response:
    return await _serve(request, "xlsx")
