"""Read models of the annual reports for the page and the downloads (pages open no session themselves): the list an
officer may see, one report with its figures labelled in both languages, and the localized text of its documents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.annual import document, rules
from portal.annual import services as svc
from portal.annual.models import AnnualReport
from portal.applications import services as apps
from portal.i18n import text
from portal.kernel.base import utcnow
from portal.kernel.db import session_scope
from portal.kernel.permissions import Actor
from portal.kernel.workdays import CHINA_TZ, china_today
from portal.regions.models import Region


def fmt(at: datetime | None) -> str:
    if at is None:
        return ""
    return (at.astimezone(CHINA_TZ) if at.tzinfo else at).strftime("%Y-%m-%d %H:%M")


def period_label(year: int, quarter: int, lang: str) -> str:
    if quarter == 0:
        return text("annual.period.year", lang, year=year)
    return text("annual.period.quarter", lang, year=year, q=quarter)


def label(row: rules.Row, lang: str) -> str:
    arg = text(row.arg_key, lang) if row.arg_key else row.arg
    return text(row.key, lang, x=arg)


@dataclass(frozen=True)
class Office:
    code: str
    name: str


@dataclass(frozen=True)
class ReportLine:
    id: int
    region: str
    level: str
    year: int
    quarter: int
    period_zh: str
    period_en: str
    status: str
    document_no: str
    updated: str
    due: str
    timeliness: str  # rules.TIMELINESS


@dataclass(frozen=True)
class Line:
    head: bool  # a section heading
    zh: str
    en: str
    value: str


@dataclass(frozen=True)
class Detail:
    id: int
    region: str
    level: str
    period_zh: str
    period_en: str
    status: str
    document_no: str
    computed: str
    return_reason: str
    sections: dict[str, str]
    can_edit: bool
    can_review: bool
    lines: list[Line]
    due: str
    timeliness: str
    sources: list[str]  # the province's: the accepted city reports added up ("石家庄市 1301〔2026〕低保年报1号")
    pending: list[str]  # the province's: cities whose report is not accepted yet (it cannot be issued)


@dataclass(frozen=True)
class BelowLine:
    code: str
    name: str
    report_id: int
    status: str
    sent: str
    due: str
    timeliness: str


@dataclass(frozen=True)
class Below:
    """The reports due to one of the actor's offices for a year, one line per office under it."""

    office: str
    year: int
    lines: list[BelowLine]


def offices(actor: Actor) -> list[Office]:
    return [Office(code, name) for code, name, _ in svc.offices(actor)]


def _names(session: Session, reports: list[AnnualReport]) -> dict[int, str]:
    ids = {r.region_id for r in reports}
    return dict(session.execute(select(Region.id, Region.name).where(Region.id.in_(ids))).all()) if ids else {}


def _due(session: Session, report: AnnualReport, cache: dict, today: date) -> tuple[date, str]:
    key = (report.year, report.quarter)
    if key not in cache:
        cache[key] = svc.due_dates(session, *key)
    due = cache[key][report.level]
    return due, rules.timeliness(due, svc.sent_on(report), today)


def listing(actor: Actor, year: int | None = None) -> list[ReportLine]:
    today, cache = china_today(), {}
    with session_scope() as session:
        reports = svc.visible(session, actor, year)
        names = _names(session, reports)
        out = []
        for r in reports:
            due, when = _due(session, r, cache, today)
            out.append(ReportLine(r.id, names.get(r.region_id, ""), r.level, r.year, r.quarter,
                                  period_label(r.year, r.quarter, "zh"), period_label(r.year, r.quarter, "en"),
                                  r.status, r.document_no or "", fmt(r.updated_at), due.isoformat(), when))
        return out


def below(actor: Actor, year: int) -> list[Below]:
    """For each city or province office the actor holds: its lower offices' annual reports for the year."""
    today = china_today()
    with session_scope() as session:
        out = []
        for code, name, path in svc.offices(actor):
            if path.count("/") > 3:
                continue  # a county has no office under it that reports
            out.append(Below(name, year, [
                BelowLine(x.code, x.name, x.report_id or 0, x.status, x.sent_on.isoformat() if x.sent_on else "",
                          x.due_on.isoformat(), x.timeliness)
                for x in svc.below(session, actor, code, year, today=today)]))
        return out


def lines(figures: dict) -> list[Line]:
    out = []
    for section in rules.table(figures, apps.STEP_KINDS):
        out.append(Line(True, text(f"annual.fig.{section.key}", "zh"), text(f"annual.fig.{section.key}", "en"), ""))
        out += [Line(False, label(r, "zh"), label(r, "en"), rules.shown(r)) for r in section.rows]
    return out


def detail(actor: Actor, report_id: int) -> Detail:
    """One report the actor may read (PermissionDenied otherwise, also for an unknown id)."""
    with session_scope() as session:
        r = svc.for_reader(session, actor, report_id)
        region = session.get(Region, r.region_id)
        due, when = _due(session, r, {}, china_today())
        pending: list[str] = []
        if r.level == "province" and r.status in rules.EDITABLE and region is not None:
            pending = svc.province_figures(session, region, r.year, r.quarter)[2]
        sources = [f"{x['name']} {x['document_no']}" for x in (r.sources or [])]
        return Detail(r.id, region.name if region else "", r.level, period_label(r.year, r.quarter, "zh"),
                      period_label(r.year, r.quarter, "en"), r.status, r.document_no or "", fmt(r.computed_at),
                      r.return_reason or "" if r.status == rules.RETURNED else "",
                      {k: (r.sections or {}).get(k, "") for k in rules.SECTIONS}, svc.can_edit(actor, r),
                      svc.can_review(actor, r), lines(r.figures or {}), due.isoformat(), when, sources, pending)


def document_text(session: Session, actor: Actor, report: AnnualReport, lang: str) -> document.DocText:
    region = session.get(Region, report.region_id)
    above = session.get(Region, region.parent_id) if region is not None and region.parent_id else None
    name = region.name if region else ""
    period = period_label(report.year, report.quarter, lang)
    filler = session.get(User, report.submitted_by) if report.submitted_by else None
    sections = tuple((text(f"annual.fig.{s.key}", lang), tuple(
        document.FigureLine(label(r, lang), rules.shown(r), r.value, r.kind) for r in s.rows))
        for s in rules.table(report.figures or {}, apps.STEP_KINDS))
    narrative = tuple((text(f"annual.sec.{k}", lang), (report.sections or {}).get(k, "").strip()
                       or text("annual.pdf.empty", lang)) for k in rules.SECTIONS)
    doc_line = (text("annual.pdf.document", lang, no=report.document_no) if report.document_no
                and report.status != rules.DRAFT else text("annual.pdf.unnumbered", lang))
    if report.status == rules.RETURNED:
        doc_line = text("annual.pdf.unnumbered", lang)
    status = text(f"annual.status.{report.status}", lang)
    submitted = fmt(report.submitted_at)[:10] if report.status in (rules.SUBMITTED, *rules.FINAL) else ""
    return document.DocText(
        title=text("annual.pdf.title", lang, region=name, period=period),
        document_line=doc_line,
        to_line=(text("annual.pdf.to", lang, office=above.name) if above else
                 text("annual.pdf.sources", lang, reports="; ".join(
                     f"{x['name']} {x['document_no']}" for x in report.sources or []) or "—")),
        figures_title=text("annual.pdf.part_figures", lang),
        narrative_title=text("annual.pdf.part_narrative", lang),
        col_item=text("annual.col.item", lang), col_value=text("annual.col.value", lang),
        figure_sections=sections, narrative=narrative,
        signature=(text("annual.pdf.sign_office", lang, office=name), text("annual.pdf.sign_head", lang),
                   text("annual.pdf.sign_filler", lang, who=filler.display_name if filler else ""),
                   text("annual.pdf.sign_date", lang, date=submitted)),
        printed=text("annual.pdf.printed", lang, who=actor.display_name, when=fmt(utcnow()),
                     computed=fmt(report.computed_at)),
        cover_sheet=text("annual.sheet.cover", lang), narrative_sheet=text("annual.sheet.narrative", lang),
        cover=((text("annual.col.region", lang), name), (text("annual.col.period", lang), period),
               (text("annual.col.status", lang), status),
               (text("annual.col.document", lang), report.document_no or ""),
               (text("annual.pdf.to", lang, office=""), above.name if above else ""),
               (text("annual.col.updated", lang), fmt(report.computed_at))),
    )
