"""GET /api/verification/findings.xlsx: the signed-in officer's findings list (the same filters as /officer/findings,
scoped to their regions) as an Excel file. 401 when not signed in, 403 for another role; the export is audited."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response

from portal.kernel import audit, heavy
from portal.kernel import export as kernel_export
from portal.kernel.db import session_scope
from portal.kernel.permissions import PermissionDenied, Role, authorize
from portal.shell.http import actor_or_error, error, request_lang
from portal.verification import export
from portal.verification import queries as vq

MAX_ROWS = kernel_export.MAX_ROWS


def _rows(actor, filters: vq.Filters):
    with session_scope() as session:
        rows, total = vq.queue(session, actor, filters, limit=MAX_ROWS)
        audit.record(session, actor, "verification.findings_export", "verification_finding", "-",
                     after={"rows": len(rows), "total": total, "rule": filters.rule, "status": filters.status,
                            "settled": filters.settled, "township": filters.township})
        return rows


async def findings_xlsx(request: Request) -> Response:
    actor = actor_or_error(request)
    if not hasattr(actor, "grants"):
        return actor
    try:
        authorize(actor, Role.OFFICER)
    except PermissionDenied:
        return error(request, 403, "auth.forbidden")
    q = request.query_params
    filters = vq.Filters(rule=q.get("rule", "")[:32], status=q.get("status", "")[:10],
                         settled=q.get("settled", "")[:3], township=q.get("township", "")[:12])
    rows = await asyncio.to_thread(_rows, actor, filters)
    try:
        body = await heavy.run(export.workbook, rows, request_lang(request))
    except heavy.Busy as exc:
        return error(request, 503, exc.key)
    return Response(body, media_type=kernel_export.MEDIA_TYPE,
                    headers=kernel_export.response_headers(export.filename(request_lang(request))))
