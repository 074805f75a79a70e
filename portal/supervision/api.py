"""Supervision's documents over plain HTTP, drawn in the bounded heavy pool (`kernel.heavy`, ReportLab via kernel/pdf).

GET /api/supervision/inspections/{id}/report.pdf: the inspection report (督察报告) for the level above, open or
closed. 401 when not signed in; 403 unless the caller is an inspector over the inspected region or an officer,
inspector or admin of the level above (also for an unknown id, so nobody learns which exist). Every download is
an audited read (`supervision.inspection_report`). Never cached.

GET /api/supervision/notices/{id}/notice.pdf: a published notice of praise or criticism (public, like /results);
404 for a draft or an unknown id. Only the masked text frozen at publication is printed.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response

from portal.i18n import text
from portal.kernel import heavy
from portal.kernel.base import utcnow
from portal.kernel.db import session_scope
from portal.kernel.permissions import PermissionDenied
from portal.kernel.workdays import china_date
from portal.shell.http import actor_or_error, error, path_id, request_lang
from portal.supervision import documents, queries, services

DASH = "—"


def _d(value) -> str:
    return value.isoformat() if value else DASH


def report_document(r: services.InspectionReport, lang: str, printed_by: str) -> documents.Document:
    """The report's words in `lang` (the figures and masked names as the service gives them)."""
    t = lambda key, **kw: text(key, lang, **kw)  # noqa: E731
    topic = t(f"sup.topic.{r.topic}")
    sep = t("app.list_sep")
    cases = tuple((str(c.position), c.ref, sep.join(c.persons) or DASH, t(f"sup.verdict.{c.verdict}") if c.verdict
                   else t("sup.rep.pending"), c.finding or DASH) for c in r.cases)
    problems = sum(1 for c in r.cases if c.verdict == "problem")
    rects = tuple((x.office, x.demand, _d(x.due_on), t(f"sup.rect_status.{x.status}"),
                   t("sup.rep.answered", answer=x.answer, date=_d(x.answered_on)) if x.answered_on else DASH,
                   _d(x.closed_on)) for x in r.rectifications)
    refs = tuple((x.target, x.grounds, x.body, _d(x.referred_on),
                  t(f"sup.acc.{x.outcome}") if x.outcome else t("sup.rep.pending"), _d(x.decided_on))
                 for x in r.referrals)
    return documents.Document(
        issuer=t("sup.rep.issuer", region=r.region),
        number=r.number,
        title=t("sup.rep.title", region=r.region, topic=topic),
        meta=(t("sup.rep.to", above=r.above),
              t("sup.rep.meta", inspector=r.inspector, opened=_d(r.opened_on),
                closed=_d(r.closed_on) if r.closed_on else t("sup.ins_status.open"))),
        sections=(
            documents.Section(t("sup.rep.sampling"), paragraphs=(
                t("sup.rep.sampling_text", n=r.population, k=r.sample_size, conf=r.confidence, margin=r.margin_pct,
                  computed=r.computed_size),
                t("sup.rep.seed_text", seed=r.seed),
                t("sup.rep.summary", k=len(r.cases), problems=problems,
                  pending=sum(1 for c in r.cases if not c.verdict)))),
            documents.Section(t("sup.rep.findings"), headers=(
                t("sup.ins_no"), t("sup.ins_case"), t("sup.rep.persons"), t("sup.ins_verdict"), t("sup.ins_finding")),
                rows=cases, widths=(0.07, 0.2, 0.15, 0.12, 0.46), empty=t("sup.rep.none")),
            documents.Section(t("sup.ins_rect"), headers=(
                t("sup.ins_office"), t("sup.ins_demand"), t("sup.drill_due"), t("sup.status"), t("sup.rect_answer"),
                t("sup.rep.closed_on")), rows=rects, widths=(0.14, 0.24, 0.12, 0.1, 0.28, 0.12),
                empty=t("sup.rep.none")),
            documents.Section(t("sup.ins_refer"), headers=(
                t("sup.ref_target"), t("sup.ref_grounds"), t("sup.ref_body"), t("sup.ref_on"), t("sup.ref_outcome"),
                t("sup.ref_decided")), rows=refs, widths=(0.16, 0.28, 0.16, 0.13, 0.14, 0.13),
                empty=t("sup.rep.none")),
        ),
        signature=(t("sup.rep.sign_inspector", inspector=r.inspector), t("sup.rep.sign_date",
                                                                        date=_d(china_date(utcnow())))),
        sign_lines=(t("sup.rep.sign_review"), t("sup.rep.sign_issue"), t("sup.rep.sign_receive", above=r.above)),
        footer=t("sup.rep.footer", number=r.number, who=printed_by),
    )


def notice_document(n: queries.PublishedNotice, lang: str) -> documents.Document:
    t = lambda key, **kw: text(key, lang, **kw)  # noqa: E731
    sections = [documents.Section(t("sup.notice.body"), paragraphs=tuple(p for p in n.body.split("\n") if p.strip())),
                documents.Section(t("sup.notice.offices"), paragraphs=(t("app.list_sep").join(n.offices),))]
    if n.findings:
        sections.append(documents.Section(t("sup.notice.findings"), headers=(
            t("sup.ins_topic"), t("sup.ins_no"), t("sup.ins_verdict"), t("sup.ins_finding")),
            rows=tuple((t(f"sup.topic.{f['topic']}"), str(f["position"]),
                        t(f"sup.verdict.{f['verdict']}") if f["verdict"] else DASH, f["finding"])
                       for f in n.findings), widths=(0.18, 0.1, 0.14, 0.58)))
    if n.referrals:
        sections.append(documents.Section(t("sup.notice.referrals"), headers=(
            t("sup.ref_target"), t("sup.ref_body"), t("sup.ref_outcome"), t("sup.ref_decided")),
            rows=tuple((x["target"], x["body"], t(f"sup.acc.{x['outcome']}") if x["outcome"] else
                        t("sup.rep.pending"), x["decided_on"] or DASH) for x in n.referrals),
            widths=(0.3, 0.3, 0.22, 0.18)))
    return documents.Document(
        issuer=t("sup.rep.issuer", region=n.region), number=n.number,
        title=n.title,
        meta=(t("sup.notice.pdf_kind", kind=t(f"sup.notice.kind.{n.kind}"),
                meta=t("sup.notice.meta", region=n.region, start=n.period_start, end=n.period_end,
                       published=n.published_on)),),
        sections=tuple(sections),
        signature=(t("sup.rep.issuer", region=n.region), n.published_on),
        footer=t("sup.notice.footer", number=n.number))


def _read_report(actor, inspection_id: int, lang: str) -> documents.Document:
    with session_scope() as session:
        report = services.inspection_report(session, actor, inspection_id, lang=lang)
        return report_document(report, lang, actor.display_name)


async def inspection_report_pdf(request: Request) -> Response:
    actor = actor_or_error(request)
    if not hasattr(actor, "grants"):
        return actor  # the 401 response
    inspection_id = path_id(request, "inspection_id") or 0
    lang = request_lang(request)
    try:
        doc = await asyncio.to_thread(_read_report, actor, inspection_id, lang)
    except PermissionDenied:
        return error(request, 403, "auth.forbidden")
    try:
        body = await heavy.run(documents.document_pdf, doc)
    except heavy.Busy as exc:
        return error(request, 503, exc.key)
    return Response(body, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="inspection-report-{inspection_id}.pdf"',
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


def _read_notice(notice_id: int) -> queries.PublishedNotice | None:
    with session_scope() as session:
        return queries.published_notice(session, notice_id)


async def notice_pdf(request: Request) -> Response:
    notice_id = path_id(request, "notice_id")
    n = await asyncio.to_thread(_read_notice, notice_id) if notice_id else None
    if n is None:
        return error(request, 404, "sup.notice.missing")
    lang = request_lang(request)
    try:
        body = await heavy.run(documents.document_pdf, notice_document(n, lang))
    except heavy.Busy as exc:
        return error(request, 503, exc.key)
    return Response(body, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="notice-{n.id}.pdf"',
        "Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"})
