"""Officers' files of applications: document photos, the approval form (审批表) PDF, and the queue as .xlsx.
Each only for an officer whose region covers the case (or the list), each read written to the audit log, the
drawing and the workbook built off the event loop in the bounded heavy pool.

GET /api/applications/{number}/form.pdf: the case, its household and its whole history, with places to sign.
GET /api/applications/export.xlsx?status=…&overdue=1: the queue as the officer filters it.

GET /api/applications/documents/{doc_id}.jpg: 401 when not signed in, 403 from the one guard (also for an unknown
id, so nobody learns which ids exist), then the re-encoded, metadata-free JPEG from the private store (never from
the public upload folder). Every view is written to the audit log.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response

from portal.applications import approval_form, queries
from portal.applications.eligibility import rules as el
from portal.i18n import text
from portal.kernel import export, heavy
from portal.kernel.base import utcnow
from portal.kernel.masking import mask_id_number
from portal.kernel.workdays import china_today
from portal.register import rules as id_rules
from portal.shell.http import request_lang

from portal.shell.http import MAX_ROW_ID, actor_or_error, error
from portal.kernel.db import session_scope
from portal.applications.models import Application
from portal.regions.models import Region
from portal.applications import services as svc
from portal.kernel import audit
from portal.kernel.permissions import PermissionDenied


def document(request: Request) -> Response:
    actor = actor_or_error(request)
    if not hasattr(actor, "grants"):
        return actor  # the 401 response
    raw = str(request.path_params.get("doc_id", ""))
    # Ids no row can have (past PostgreSQL's integer) are refused like unknown ones, never sent to the database.
    doc_id = int(raw) if raw.isdigit() and len(raw) < 12 and 0 < int(raw) <= MAX_ROW_ID else 0
    with session_scope() as session:
        try:
            doc = svc.document_for_officer(session, actor, doc_id)
        except PermissionDenied:
            return error(request, 403, "auth.forbidden")
        app = session.get(Application, doc.application_id)
        village = session.get(Region, app.village_id)
        audit.record(session, actor, "application.document_view", "application_document", doc.id,
                     region_code=village.code, after={"application": app.number, "kind": doc.kind})
        image_id = doc.image_id
    try:
        body = svc.document_store().open(image_id)
    except (KeyError, ValueError):
        return error(request, 404, "app.not_found")
    return Response(body, media_type="image/jpeg", headers={"Cache-Control": "private, no-store",
                                                            "X-Content-Type-Options": "nosniff"})


def _form_text(session, actor, number: str, lang: str) -> tuple[approval_form.FormText, str]:
    d = queries.case_detail(session, actor, number)
    verdict = d.verdict
    members = []
    for m in d.answers.get("members") or []:
        if not isinstance(m, dict):
            continue
        rel = m.get("relationship") if m.get("relationship") in el.RELATIONSHIPS else "other"
        incomes = m.get("incomes") or {}
        members.append((str(m.get("name", "")), text(f"apply.rel.{rel}", lang), str(m.get("age", "")),
                        mask_id_number(id_rules.normalize(str(m.get("id_number", "")))),
                        el.yuan(sum(v for v in incomes.values() if isinstance(v, int)))))
    history = []
    for h in d.history:
        note = h.note
        if h.materials:
            note = text("app.list_sep", lang).join(text(f"apply.material.{k}", lang) for k in h.materials
                                                   if k in svc.MATERIAL_ITEMS) + ("\n" + note if note else "")
        if h.attachments:
            note = (note + "\n" if note else "") + text("app.list_sep", lang).join(
                text(f"apply.doc.{k}", lang) for k in h.attachments if k in svc.DOCUMENT_KINDS)
        when = h.done_at or text("officer_apps.open_step", lang, due=h.due_on)
        history.append((text(f"apply.step.{h.kind}", lang), " ".join(x for x in (h.actor, h.office) if x), when,
                        text(f"apply.outcome.{h.outcome}", lang) if h.outcome else "", note))
    form = approval_form.FormText(
        title=text("pdf.approval.title", lang),
        case_line=text("pdf.approval.case", lang, number=d.app_number, applicant=d.applicant, place=d.place),
        status_line=text("pdf.approval.status", lang, status=text(f"apply.status.{d.status}", lang),
                         amount=el.yuan(verdict.monthly_amount_fen) if verdict else "—"),
        members_title=text("pdf.approval.members", lang),
        member_headers=(text("apply.name", lang), text("officer_apps.h_relation", lang),
                        text("officer_apps.h_age", lang), text("officer_apps.h_id", lang),
                        text("officer_apps.h_income", lang)),
        members=tuple(members),
        history_title=text("pdf.approval.history", lang),
        history_headers=(text("officer_apps.h_step", lang), text("officer_apps.h_who", lang),
                         text("officer_apps.h_when", lang), text("officer_apps.h_outcome", lang),
                         text("officer_apps.h_note", lang)),
        history=tuple(history),
        sign_township=text("pdf.approval.sign_township", lang),
        sign_county=text("pdf.approval.sign_county", lang),
        signature=(text("pdf.approval.sign_handler", lang), text("pdf.approval.sign_head", lang),
                   text("pdf.approval.sign_date", lang)),
        printed=text("pdf.approval.printed", lang, who=actor.display_name,
                     when=queries._fmt(utcnow())),
    )
    app = svc.get_for_officer(session, actor, number)
    village = session.get(Region, app.village_id)
    audit.record(session, actor, "application.form_print", "application", app.number, region_code=village.code,
                 after={"lang": lang})
    return form, d.app_number


def _read_form(actor, number: str, lang: str):
    with session_scope() as session:
        return _form_text(session, actor, number, lang)


async def form_pdf(request: Request) -> Response:
    actor = actor_or_error(request)
    if not hasattr(actor, "grants"):
        return actor  # the 401 response
    number = str(request.path_params.get("number", ""))[:20]
    lang = request_lang(request)
    try:
        form, number = await asyncio.to_thread(_read_form, actor, number, lang)
    except PermissionDenied:
        return error(request, 403, "auth.forbidden")
    try:
        body = await heavy.run(approval_form.approval_form_pdf, form)
    except heavy.Busy as exc:
        return error(request, 503, exc.key)
    return Response(body, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="approval-{number}.pdf"',
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


QUEUE_COLUMNS = (("officer_apps.h_number", export.TEXT, 14), ("officer_apps.h_applicant", export.TEXT, 12),
                 ("officer_apps.h_village", export.TEXT, 16), ("officer_apps.h_status", export.TEXT, 24),
                 ("officer_apps.h_submitted", export.DATE, 12), ("officer_apps.h_due", export.DATE, 12),
                 ("officer_apps.h_overdue", export.TEXT, 8), ("officer_apps.h_amount", export.YUAN, 14))


def _read_queue(actor, status: str, overdue: bool, lang: str):
    with session_scope() as session:
        rows = queries.queue_for_export(session, actor, status=status if status in svc.STATUSES else "",
                                        overdue_only=overdue)
        audit.record(session, actor, "application.export", "application_queue", "xlsx",
                     after={"rows": len(rows), "status": status, "overdue": overdue})
    yes, no = text("officer_apps.yes", lang), text("officer_apps.no", lang)
    return [(r.number, r.applicant, r.village, text(f"apply.status.{r.status}", lang), r.submitted_on, r.next_due,
             yes if r.overdue else no, r.amount_fen) for r in rows]


async def queue_xlsx(request: Request) -> Response:
    actor = actor_or_error(request)
    if not hasattr(actor, "grants"):
        return actor
    lang = request_lang(request)
    status = str(request.query_params.get("status", ""))[:24]
    overdue = request.query_params.get("overdue") == "1"
    try:
        rows = await asyncio.to_thread(_read_queue, actor, status, overdue, lang)
    except PermissionDenied:
        return error(request, 403, "auth.forbidden")
    columns = [export.Column(text(k, lang), kind, width) for k, kind, width in QUEUE_COLUMNS]
    try:
        body = await heavy.run(export.xlsx, text("officer_apps.title", lang), columns, rows)
    except heavy.Busy as exc:
        return error(request, 503, exc.key)
    day = china_today().isoformat()
    return Response(body, media_type=export.MEDIA_TYPE,
                    headers=export.response_headers(f"{text('officer_apps.title', lang)}-{day}.xlsx"))
