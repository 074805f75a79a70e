"""Evidence photos of reports: GET /api/reports/{report_id}/evidence/{image_id}.jpg, for officers who may handle
that report (role + region by the one guard, no declared conflict of interest). Private files never go through
/_upload/. Answers: 401 when not signed in, 403 for anything else that is not allowed or does not exist (so nobody
learns which reports exist). Every view is written to the audit log.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from portal.i18n import text
from portal.kernel import export, heavy
from portal.kernel.workdays import CHINA_TZ, china_today
from portal.shell.http import request_lang

from portal.shell.http import MAX_ROW_ID, actor_or_error, error
from portal.kernel.db import session_scope
from portal.kernel import audit
from portal.reports import services as svc
from portal.kernel.images import PrivateImageStore
from portal.kernel.permissions import PermissionDenied
from portal.kernel.settings import get_settings


def evidence(request: Request) -> Response:
    actor = actor_or_error(request)
    if isinstance(actor, Response):
        return actor
    report_id, image_id = request.path_params["report_id"], request.path_params["image_id"]
    try:
        with session_scope() as session:
            # An id no row can have (not digits, or past what the database stores) is refused like an unknown one.
            rid = int(report_id) if report_id.isdigit() and len(report_id) <= 10 else -1
            report = svc.evidence_allowed(session, actor, rid if rid <= MAX_ROW_ID else -1, image_id)
            audit.record(session, actor, "report.evidence_view", "report", report.id, after={"image": image_id[:12]})
        data = PrivateImageStore(get_settings().private_upload_dir).open(image_id)
    except (PermissionDenied, ValueError, KeyError):
        return error(request, 403, "auth.forbidden")
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, no-store",
                                                             "X-Content-Type-Options": "nosniff"})


# --- spreadsheets of the lists officers work from (kernel/export: typed cells, the heavy pool) -----------------

INBOX_COLUMNS = (("report.x_receipt", export.TEXT, 22), ("report.x_category", export.TEXT, 26),
                 ("report.x_subject", export.TEXT, 30), ("report.x_region", export.TEXT, 14),
                 ("report.x_status", export.TEXT, 20), ("report.x_owner", export.TEXT, 18),
                 ("report.x_filed", export.DATETIME, 17), ("report.x_ack_due", export.DATE, 12),
                 ("report.x_conclude_due", export.DATE, 12), ("report.x_overdue", export.TEXT, 8))
REGISTER_COLUMNS = (("report.x_receipt", export.TEXT, 22), ("report.x_region", export.TEXT, 14),
                    ("report.x_status", export.TEXT, 20), ("report.x_amount", export.YUAN, 14),
                    ("report.x_decided", export.DATETIME, 17), ("report.x_approved", export.DATETIME, 17),
                    ("report.x_paid", export.DATE, 12), ("report.x_payment_ref", export.TEXT, 20))


def _local(at: datetime | None) -> datetime | None:
    return at.astimezone(CHINA_TZ).replace(tzinfo=None) if at is not None and at.tzinfo else at


def _inbox_rows(actor, lang: str) -> list[tuple]:
    with session_scope() as session:
        rows = svc.inbox(session, actor, svc.InboxFilter(status="all"), limit=export.MAX_ROWS)
        audit.record(session, actor, "report.export_inbox", "report_inbox", "xlsx", after={"rows": len(rows)})
    yes, no = text("officer_apps.yes", lang), text("officer_apps.no", lang)
    return [(r.receipt, text(f"report.category.{r.category}", lang), r.subject, r.region_name,
             text(f"report.status.{r.status}", lang), r.owner, _local(r.created_at), r.acknowledge_due,
             r.conclude_due, yes if r.overdue else no) for r in rows]


def _register_rows(actor, month: str, lang: str) -> list[tuple]:
    with session_scope() as session:
        rows = svc.reward_register(session, actor, month)
        audit.record(session, actor, "report.export_rewards", "reward_register", month, after={"rows": len(rows)})
    return [(r.receipt, r.region_name, text(f"report.reward_status.{r.status}", lang), r.amount_fen,
             _local(r.decided_at), _local(r.approved_at), r.paid_on, r.payment_ref) for r in rows]


async def _xlsx(request: Request, title_key: str, columns, read, *args) -> Response:
    actor = actor_or_error(request)
    if isinstance(actor, Response):
        return actor
    lang = request_lang(request)
    try:
        rows = await asyncio.to_thread(read, actor, *args, lang)
    except PermissionDenied:
        return error(request, 403, "auth.forbidden")
    title = text(title_key, lang)
    try:
        body = await heavy.run(export.xlsx, title, [export.Column(text(k, lang), kind, w) for k, kind, w in columns],
                               rows)
    except heavy.Busy as exc:
        return error(request, 503, exc.key)
    day = china_today().isoformat()
    return Response(body, media_type=export.MEDIA_TYPE, headers=export.response_headers(f"{title}-{day}.xlsx"))


async def inbox_xlsx(request: Request) -> Response:
    """GET /api/reports/export.xlsx: every report the officer may handle (open and concluded)."""
    return await _xlsx(request, "report.inbox", INBOX_COLUMNS, _inbox_rows)


async def rewards_xlsx(request: Request) -> Response:
    """GET /api/reports/rewards.xlsx?month=YYYY-MM: the reward register of a month (officers and finance)."""
    month = str(request.query_params.get("month", ""))[:7]
    return await _xlsx(request, "report.register", REGISTER_COLUMNS, _register_rows, month)
