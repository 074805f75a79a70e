"""Payment files over plain HTTP.

GET  /api/payments/batches/{id}.csv: the bank file of an approved or paid batch (officer or finance of its region;
     audited). 401 when not signed in, 404 for a batch the caller may not see (nobody learns which batches exist).
POST /api/payments/batches/{id}/returns: the bank's return file as the request body (text/csv), taken whole or
     refused whole: 200 {"returned", "returned_fen"} or 422 {"error", "message", "line"} with nothing changed.
Both run in the bounded heavy pool, never on the event loop.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from portal.i18n import text
from portal.kernel import heavy
from portal.kernel.db import session_scope
from portal.kernel.permissions import Actor, PermissionDenied
from portal.payments import rules
from portal.payments import services as pay
from portal.shell.http import actor_or_error, error, path_id, request_lang, same_origin


def _export(actor: Actor, batch_id: int) -> tuple[str, bytes]:
    with session_scope() as session:
        return pay.export_batch(session, actor, batch_id)


def _returns(actor: Actor, batch_id: int, body: bytes) -> pay.ReturnSummary:
    with session_scope() as session:
        return pay.import_returns(session, actor, batch_id, body)


async def bank_file(request: Request) -> Response:
    actor = actor_or_error(request)
    if isinstance(actor, Response):
        return actor
    batch_id = path_id(request, "batch_id")
    if batch_id is None:
        return error(request, 404, "payments.not_found")
    try:
        name, body = await heavy.run(_export, actor, batch_id)
    except (PermissionDenied, pay.PaymentError):
        return error(request, 404, "payments.not_found")
    except heavy.Busy:
        return error(request, 503, heavy.Busy.key)
    return Response(body, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


async def return_file(request: Request) -> Response:
    if not same_origin(request):
        return error(request, 403, "auth.forbidden")
    actor = actor_or_error(request)
    if isinstance(actor, Response):
        return actor
    batch_id = path_id(request, "batch_id")
    if batch_id is None:
        return error(request, 404, "payments.not_found")
    body = await request.body()
    if len(body) > rules.MAX_RETURN_BYTES:
        return error(request, 413, "payments.err_file_size")
    try:
        summary = await heavy.run(_returns, actor, batch_id, body)
    except PermissionDenied:
        return error(request, 404, "payments.not_found")
    except pay.PaymentError as exc:
        lang = request_lang(request)
        return JSONResponse({"error": exc.key, "line": exc.line,
                             "message": text("payments.file_refused", lang, line=exc.line, reason=text(exc.key, lang))},
                            status_code=422)
    except heavy.Busy:
        return error(request, 503, heavy.Busy.key)
    return JSONResponse({"batch": summary.batch_no, "returned": summary.count, "returned_fen": summary.total_fen})
