"""Annual and periodic reports: figures computed from the portal's own data, and the county → city → province
workflow (docs/annual-reports.md).

A county's figures come from each domain's tables for the period, the same way the reporting scores read them (the
year as lived in China). A city's figures are the sum of its counties' (`rules.add`), computed the same way, so the
two always agree. The county officer drafts the report (figures computed; recomputable while a draft or returned),
writes the sections and submits it: the figures are computed once more and frozen, and the report gets its document
number. An officer of the city (the region just above) accepts it or returns it with a reason; a returned report is
edited and submitted again under a new number. A city drafts and submits its own to the province the same way.
The province drafts its own from its cities' accepted reports (their frozen figures added up, `rules.add`) and, with
nobody above it, issues it (印发) once every city's report is accepted: numbered and frozen like a submission.

Each level's report is due on a date from the policy settings (`due_dates`); `below` tells an office which reports
of the level under it are missing or late, and `waiting` is what the workbench's to-do shows.

The guard: role + region (`authorize`), and the office itself for its own acts: drafting, editing and submitting
need an officer grant AT the report's region, reviewing one AT the region above (a grant higher up covers the
region for reading, not for acting in another office's name). Drafts are read only by their own office.
Every act is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import String, and_, case, func, or_, select, true, type_coerce
from sqlalchemy.orm import Session

from portal.kernel.errors import DomainError
from portal.accounts.models import Role
from portal.applications import services as apps
from portal.applications.models import Application, ApplicationStep
from portal.annual import rules
from portal.annual.models import AnnualReport
from portal.evaluations.models import EvaluationResult, EvaluationRound, EvaluationTarget, RoundStatus
from portal.i18n import text
from portal.kernel import audit, policy
from portal.kernel.base import utcnow
from portal.kernel.calendar_store import china_day, load_calendar
from portal.kernel.db import ordered_join
from portal.kernel.permissions import Actor, PermissionDenied, authorize, region_paths_in_scope
from portal.kernel.workdays import CHINA_TZ, WorkCalendar, china_date, china_today
from portal.payments import rules as pay_rules
from portal.payments.models import PaymentBatch
from portal.ratings.models import Rating, RatingStatus
from portal.regions.models import Region, RegionLevel, ServiceWindow
from portal.register.models import STATUS_STOPPED, Household, Member
from portal.reports.models import Report, ReportOutcome, ReportReward, RewardStatus
from portal.supervision.models import Inspection, InspectionCase, MonitoringItem, Rectification, Referral
from portal.verification.models import Finding

NOWHERE = "/nonexistent/"
ACTION_ANNUAL_DRAFT = "annual.draft"
ACTION_ANNUAL_RECOMPUTE = "annual.recompute"
ACTION_ANNUAL_SAVE = "annual.save"
ACTION_ANNUAL_SUBMIT = "annual.submit"
ACTION_ANNUAL_ACCEPT = "annual.accept"
ACTION_ANNUAL_RETURN = "annual.return"
ACTION_ANNUAL_ISSUE = "annual.issue"
ACTION_ANNUAL_DOWNLOAD = "annual.download"


class AnnualError(DomainError):
    def __init__(self, key: str, missing: list[str] | None = None) -> None:
        super().__init__(key)
        self.missing = missing or []


# --- figures ------------------------------------------------------------------------------------------------------

def _under(column, path: str):
    return and_(column >= path, column < path + "~")


def _moment(d: date) -> datetime:
    return datetime.combine(d, time(0), tzinfo=CHINA_TZ)


def _in(column, lo, hi):
    return and_(column >= lo, column < hi)


def _count_if(*conditions):
    """1 for each row meeting every condition (a NULL comparison counts as not met, as it would in a WHERE)."""
    return func.coalesce(func.sum(case((and_(*conditions), 1), else_=0)), 0)


class _Counties:
    """The counties of a region and which of them a row's region path (or a county code) falls under. A row above
    every county (a city's own inspection, say) belongs to none and is left out, as a sum of counties leaves it."""

    def __init__(self, counties: list[Region]) -> None:
        self.by_path = {c.path: c.code for c in counties}
        self.codes = {c.code for c in counties}
        self.ids = {c.id: c.code for c in counties}
        self._seen: dict[str, str | None] = {}

    def of(self, path: str | None) -> str | None:
        if path is None:
            return None
        if path not in self._seen:
            parts = path.strip("/").split("/")
            self._seen[path] = next((self.by_path[p] for p in ("/" + "/".join(parts[:n]) + "/"
                                                               for n in range(1, len(parts) + 1))
                                     if p in self.by_path), None)
        return self._seen[path]


def figures_by_county(session: Session, region: Region, year: int, quarter: int = 0,
                      cal: WorkCalendar | None = None) -> dict[str, dict]:
    """Every county's figures for the period under `region` (a county, a city or the province), keyed by county code
    in path order (see `rules.empty` for the shape). Each table is read once for all the counties (about 20
    statements whatever the region), grouped by the region path its rows carry or by the county that path is under,
    and the groups are given to their counties here: a province costs about what its rows cost to scan rather than
    some 34 statements per county. tests/unit/annual/reference.py keeps the plain per-county statements these must
    equal (tests/unit/annual/test_grouped.py)."""
    first, after = rules.period_bounds(year, quarter)
    start, end = _moment(first), _moment(after)
    months = rules.period_months(year, quarter)
    cal = cal or load_calendar(session)
    counties = counties_of(session, region)
    out = {c.code: rules.empty(months) for c in counties}
    where = _Counties(counties)
    path = region.path

    def rows(stmt):
        """(county's figures, values) for each row grouped by a region path that falls under one of the counties."""
        for key, *values in session.execute(stmt):
            code = where.of(key)
            if code is not None:
                yield out[code], values

    # The big tables (the register, application steps) are grouped by county in SQL: their path cut to a county
    # path's length (one pass per length; one in practice). For the province the register leaves its path out of
    # the WHERE: the range is the whole table, and SQLite (no statistics: the portal never runs ANALYZE) would walk
    # the path index and fetch every household from it instead of reading the table straight through (twice as
    # slow); a household of no county is dropped when the groups are handed out either way.
    lengths = sorted({len(c.path) for c in counties})
    register_scope = true() if region.level == RegionLevel.PROVINCE else _under(Household.region_path, path)

    def by_county(column, build):
        """(county's figures, values) for each row of `build(county key)`, grouped by that key first."""
        for length in lengths:
            # Plain rows (the Core connection, no ORM result layer): these statements return hundreds of thousands
            # of groups for a province, and the session has flushed at the first statement above.
            for key, *values in session.connection().execute(build(func.substr(column, 1, length))):
                code = where.by_path.get(key) if key is not None and len(key) == length else None
                if code is not None:
                    yield out[code], values

    # The register: households on it (active or suspended) at the start and at the end, who came and who left.
    def on_register(day: date):
        return (Household.started_on < day, or_(Household.stopped_on.is_(None), Household.stopped_on >= day))

    admitted = (Household.started_on >= first, Household.started_on < after)
    stopped = (Household.status == STATUS_STOPPED, Household.stopped_on >= first, Household.stopped_on < after)
    tallies = (_count_if(*on_register(first)), _count_if(*on_register(after)), _count_if(*admitted),
               _count_if(*stopped))
    # The same four tallies over households, then over their members.
    for unit, counted in (("households", lambda key: select(key, *tallies)),
                          ("members", lambda key: select(key, *tallies).select_from(Member)
                           .join(Household, Household.id == Member.household_id))):
        for f, (s, e, a, st) in by_county(Household.region_path,
                                          lambda key: counted(key).where(register_scope).group_by(key)):
            reg = f["register"]
            reg[f"{unit}_start"] += int(s)
            reg[f"{unit}_end"] += int(e)
            reg[f"admitted_{unit}"] += int(a)
            reg[f"stopped_{unit}"] += int(st)
    for f, (reason, n) in rows(select(Household.region_path, Household.status_reason, func.count(Household.id))
                               .where(_under(Household.region_path, path), *stopped)
                               .group_by(Household.region_path, Household.status_reason)):
        said = " ".join((reason or "").split())[:80] or "-"
        f["stop_reasons"][said] = f["stop_reasons"].get(said, 0) + int(n)

    # Applications: received (submitted in the period), decided by the county (approved or refused).
    apps_in_region = _under(Application.region_path, path)
    for f, (n,) in rows(select(Application.region_path, func.count(Application.id))
                        .where(apps_in_region, Application.submitted_at >= start, Application.submitted_at < end)
                        .group_by(Application.region_path)):
        f["applications"]["received"] += int(n)
    done = (ApplicationStep.state == "done", ApplicationStep.done_at >= start, ApplicationStep.done_at < end)
    # The region's applications first, then each one's finished steps from ix_application_step_annual: left to
    # itself SQLite (no statistics) would read every step with state 'done' (nearly all) through the index on state.
    app_steps = ordered_join(Application, ApplicationStep, Application.id == ApplicationStep.application_id)
    for f, (outcome, n) in rows(select(Application.region_path, ApplicationStep.outcome, func.count(ApplicationStep.id))
                                .select_from(app_steps)
                                .where(apps_in_region, ApplicationStep.kind == apps.STEP_COUNTY, *done)
                                .group_by(Application.region_path, ApplicationStep.outcome)):
        if outcome == "approve":
            f["applications"]["approved"] += int(n)
        elif outcome == "refuse":
            f["applications"]["refused"] += int(n)
    # Every step finished in the period: working days taken (the one calendar) and whether it passed its deadline.
    # A step's working days are W(done) − W(started) with W the calendar's running count of working days (none when
    # it was done before it started), so the steps are counted by county, kind and China day in SQL, once by the day
    # they were done and once by the day they started, and W is applied to each day here: a year of a province's
    # steps comes back as a few hundred thousand groups instead of millions of rows.
    done_on = china_day(ApplicationStep.done_at)
    forward = done_on >= ApplicationStep.started_on
    working: dict[date | str, int] = {}

    def w(day: date | str) -> int:
        """W(day); the day as the driver gives it (SQLite's text is parsed once per distinct day, not per group)."""
        if day not in working:
            working[day] = cal.working_days_between(first, date.fromisoformat(day) if isinstance(day, str) else day)
        return working[day]

    def steps(key, *columns):
        return select(key, ApplicationStep.kind, *columns).select_from(app_steps).where(apps_in_region, *done)

    def line(f: dict, kind: str) -> dict:
        return f["steps"].setdefault(kind, {"done": 0, "days": 0, "overdue": 0})

    for f, (kind, day, n, n_forward, n_overdue) in by_county(Application.region_path, lambda key: steps(
            key, type_coerce(done_on, String), func.count(ApplicationStep.id), _count_if(forward),
            _count_if(ApplicationStep.due_on.is_not(None), done_on > ApplicationStep.due_on))
            .group_by(key, ApplicationStep.kind, done_on)):
        s = line(f, kind)
        s["done"] += int(n)
        s["overdue"] += int(n_overdue)
        s["days"] += int(n_forward) * w(day)
    for f, (kind, day, n) in by_county(Application.region_path, lambda key: steps(
            key, type_coerce(ApplicationStep.started_on, String), func.count(ApplicationStep.id)).where(forward)
            .group_by(key, ApplicationStep.kind, ApplicationStep.started_on)):
        line(f, kind)["days"] -= int(n) * w(day)

    # Money paid: each paid batch of the period's months, less what the bank returned. A batch belongs to the county
    # that prepared it (its county_id), whatever path it carries.
    for county_id, period, fen, returned_fen, households, returned, people, returned_people in session.execute(
            select(PaymentBatch.county_id, PaymentBatch.period, PaymentBatch.total_fen, PaymentBatch.returned_fen,
                   PaymentBatch.household_count, PaymentBatch.returned_count, PaymentBatch.people,
                   PaymentBatch.returned_people)
            .where(PaymentBatch.county_id.in_(list(where.ids)), PaymentBatch.status == pay_rules.BATCH_PAID,
                   PaymentBatch.period.in_(months))):
        p = out[where.ids[county_id]]["payments"][period]
        p["fen"] += int(fen) - int(returned_fen)
        p["households"] += int(households) - int(returned)
        p["people"] += int(people) - int(returned_people)

    # Reports about the county: received, concluded, substantiated; rewards paid.
    in_region = _under(Region.path, path)
    concluded = (Report.concluded_at >= start, Report.concluded_at < end)
    for f, counts in rows(select(Region.path, _count_if(Report.created_at >= start, Report.created_at < end),
                                 _count_if(*concluded),
                                 _count_if(*concluded, Report.outcome == ReportOutcome.SUBSTANTIATED),
                                 _count_if(*concluded, Report.outcome == ReportOutcome.PARTLY))
                          .join(Region, Region.id == Report.region_id)
                          .where(in_region, or_(_in(Report.created_at, start, end), and_(*concluded)))
                          .group_by(Region.path)):
        for key, n in zip(("received", "concluded", "substantiated", "partly"), counts):
            f["reports"][key] += int(n)
    for f, (n, fen) in rows(select(Region.path, func.count(ReportReward.id), func.sum(ReportReward.amount_fen))
                            .join(Report, Report.id == ReportReward.report_id)
                            .join(Region, Region.id == Report.region_id)
                            .where(in_region, ReportReward.status == RewardStatus.PAID, ReportReward.paid_on >= first,
                                   ReportReward.paid_on < after)
                            .group_by(Region.path)):
        f["reports"]["rewards_paid"] += int(n)
        f["reports"]["rewards_fen"] += int(fen or 0)

    # Window satisfaction: counted ratings of the county's windows (4 or 5 stars is satisfied).
    for f, (n, satisfied) in rows(select(Region.path, func.count(Rating.id), _count_if(Rating.level >= 4))
                                  .join(ServiceWindow, ServiceWindow.id == Rating.window_id)
                                  .join(Region, Region.id == ServiceWindow.region_id)
                                  .where(in_region, Rating.status == RatingStatus.COUNTED, Rating.created_at >= start,
                                         Rating.created_at < end)
                                  .group_by(Region.path)):
        f["ratings"]["total"] += int(n)
        f["ratings"]["satisfied"] += int(satisfied)

    # Supervisors' evaluations: results of rounds closed in the period for targets in the county.
    for f, (score, combined, talk) in rows(
            select(Region.path, EvaluationResult.supervisor_score, EvaluationResult.combined,
                   EvaluationResult.talk_flag)
            .join(EvaluationRound, EvaluationRound.id == EvaluationResult.round_id)
            .join(EvaluationTarget, EvaluationTarget.id == EvaluationResult.target_id)
            .join(Region, Region.id == EvaluationTarget.region_id)
            .where(in_region, EvaluationRound.status == RoundStatus.CLOSED, EvaluationRound.closed_at >= start,
                   EvaluationRound.closed_at < end)):
        ev = f["evaluations"]
        ev["results"] += 1
        if score is not None:
            ev["scored"] += 1
            ev["score_milli"] += round(score * 1000)
        if combined is not None:
            ev["combined_count"] += 1
            ev["combined_milli"] += round(combined * 1000)
        ev["talks"] += int(bool(talk))

    # Supervision: inspections of the county's offices, what they found, rectifications, risk items, referrals.
    opened = (_under(Inspection.region_path, path), Inspection.opened_at >= start, Inspection.opened_at < end)
    for f, (n,) in rows(select(Inspection.region_path, func.count(Inspection.id)).where(*opened)
                        .group_by(Inspection.region_path)):
        f["supervision"]["inspections"] += int(n)
    for f, (checked, problems) in rows(
            select(Inspection.region_path, _count_if(InspectionCase.verdict.is_not(None)),
                   _count_if(InspectionCase.verdict == "problem"))
            .join(Inspection, Inspection.id == InspectionCase.inspection_id).where(*opened)
            .group_by(Inspection.region_path)):
        f["supervision"]["cases_checked"] += int(checked)
        f["supervision"]["problems"] += int(problems)
    for f, (n,) in rows(select(Inspection.region_path, func.count(Rectification.id))
                        .join(Inspection, Inspection.id == Rectification.inspection_id).where(*opened)
                        .group_by(Inspection.region_path)):
        f["supervision"]["rectifications"] += int(n)
    for f, (n,) in rows(select(Rectification.office_path, func.count(Rectification.id))
                        .where(_under(Rectification.office_path, path), Rectification.status == "closed",
                               Rectification.closed_at >= start, Rectification.closed_at < end)
                        .group_by(Rectification.office_path)):
        f["supervision"]["rectified"] += int(n)
    for f, (n_opened, n_closed) in rows(
            select(MonitoringItem.region_path, _count_if(MonitoringItem.opened_at >= start,
                                                         MonitoringItem.opened_at < end),
                   _count_if(MonitoringItem.status == "closed", MonitoringItem.closed_at >= start,
                             MonitoringItem.closed_at < end))
            .where(_under(MonitoringItem.region_path, path),
                   or_(_in(MonitoringItem.opened_at, start, end), _in(MonitoringItem.closed_at, start, end)))
            .group_by(MonitoringItem.region_path)):
        f["supervision"]["items_opened"] += int(n_opened)
        f["supervision"]["items_closed"] += int(n_closed)
    in_region = _under(Referral.region_path, path)
    for f, (n,) in rows(select(Referral.region_path, func.count(Referral.id))
                        .where(in_region, Referral.referred_on >= first, Referral.referred_on < after)
                        .group_by(Referral.region_path)):
        f["supervision"]["referrals"] += int(n)
    for f, (outcome, n) in rows(select(Referral.region_path, Referral.outcome, func.count(Referral.id))
                                .where(in_region, Referral.outcome.is_not(None), Referral.decided_on >= first,
                                       Referral.decided_on < after)
                                .group_by(Referral.region_path, Referral.outcome)):
        f["accountability"][outcome] = f["accountability"].get(outcome, 0) + int(n)

    # Verification: findings first found in the period, and findings resolved in it (by the county's code).
    for code, n_found, n_resolved in session.execute(
            select(Finding.county_code, _count_if(Finding.created_at >= start, Finding.created_at < end),
                   _count_if(Finding.resolution.is_not(None), Finding.resolved_at >= start,
                             Finding.resolved_at < end))
            .where(Finding.county_code.in_(sorted(where.codes)),
                   or_(_in(Finding.created_at, start, end), _in(Finding.resolved_at, start, end)))
            .group_by(Finding.county_code)):
        vf = out[code]["verification"]
        vf["findings"] += int(n_found)
        vf["resolved"] += int(n_resolved)
    return out


def counties_of(session: Session, region: Region) -> list[Region]:
    if region.level == RegionLevel.COUNTY:
        return [region]
    return list(session.execute(select(Region).where(_under(Region.path, region.path),
                                                     Region.level == RegionLevel.COUNTY)
                                .order_by(Region.path)).scalars())


def figures(session: Session, region: Region, year: int, quarter: int = 0) -> dict:
    """A county's own figures; a city's (or the whole province's) as the sum of its counties', live from the data.
    The province's report does not use this: it adds up its cities' accepted reports (`province_figures`)."""
    parts = figures_by_county(session, region, year, quarter)
    return rules.total(list(parts.values()), rules.period_months(year, quarter))


def children(session: Session, region: Region) -> list[Region]:
    """The offices that report to `region`: a city's counties, the province's cities."""
    return list(session.execute(select(Region).where(Region.parent_id == region.id).order_by(Region.code))
                .scalars())


def province_figures(session: Session, province: Region, year: int, quarter: int = 0
                     ) -> tuple[dict, list[dict], list[str]]:
    """The province's figures: exactly the sum of its cities' accepted reports for the period, as frozen when they
    were submitted; with the reports added up (code, name, id, document number) and the cities not yet in."""
    accepted = {r.region_id: r for r in session.execute(select(AnnualReport).where(
        _under(AnnualReport.region_path, province.path), AnnualReport.level == "city", AnnualReport.year == year,
        AnnualReport.quarter == quarter, AnnualReport.status == rules.ACCEPTED)).scalars()}
    sources, missing, parts = [], [], []
    for city in children(session, province):
        report = accepted.get(city.id)
        if report is None:
            missing.append(city.name)
            continue
        parts.append(report.figures or {})
        sources.append({"code": city.code, "name": city.name, "report_id": report.id,
                        "document_no": report.document_no or ""})
    return rules.total(parts, rules.period_months(year, quarter)), sources, missing


# --- due dates ----------------------------------------------------------------------------------------------------

def due_dates(session: Session, year: int, quarter: int = 0, cal: WorkCalendar | None = None) -> dict[str, date]:
    """Each level's due date for the period, from the policy settings and the one working-day calendar."""
    return rules.due_dates(year, quarter, cal or load_calendar(session),
                           city_mmdd=policy.get_int(session, "annual.city_due_mmdd"),
                           county_lead=policy.get_int(session, "annual.county_lead_working_days"),
                           province_lag=policy.get_int(session, "annual.province_lag_working_days"))


def sent_on(report: AnnualReport | None) -> date | None:
    """The day the report left the office (submitted or issued); None while it is with the office."""
    if report is None or report.status not in (rules.SUBMITTED, *rules.FINAL) or report.submitted_at is None:
        return None
    return china_date(report.submitted_at)


# --- the guard ----------------------------------------------------------------------------------------------------

def _level(region: Region) -> str:
    return region.level.value if hasattr(region.level, "value") else str(region.level)


def _holds_office(actor: Actor | None, region: Region) -> None:
    """An officer grant AT `region` (after the one guard): acting in the office's own name."""
    authorize(actor, Role.OFFICER, region.path)
    assert actor is not None
    if not any(g.role == Role.OFFICER and g.region_path == region.path for g in actor.grants):
        raise PermissionDenied()


def offices(actor: Actor) -> list[tuple[str, str, str]]:
    """(code, name, path) of the province, city and county offices where the actor may draft reports."""
    return sorted({(g.region_code, g.region_name, g.region_path) for g in actor.grants
                   if g.role == Role.OFFICER and g.region_path.count("/") in (2, 3, 4)}, key=lambda x: x[2])


def _region(session: Session, report: AnnualReport) -> Region:
    region = session.get(Region, report.region_id)
    assert region is not None
    return region


def _report(session: Session, report_id: int) -> AnnualReport | None:
    return session.get(AnnualReport, int(report_id)) if isinstance(report_id, int) and report_id > 0 else None


def can_edit(actor: Actor, report: AnnualReport) -> bool:
    return report.status in rules.EDITABLE and any(
        g.role == Role.OFFICER and g.region_path == report.region_path for g in actor.grants)


def reviewer_path(report: AnnualReport) -> str:
    """The region just above the report's: its path without the last segment."""
    parts = report.region_path.strip("/").split("/")
    return "/" + "/".join(parts[:-1]) + "/"


def can_review(actor: Actor, report: AnnualReport) -> bool:
    return report.status == rules.SUBMITTED and any(
        g.role == Role.OFFICER and g.region_path == reviewer_path(report) for g in actor.grants)


def for_reader(session: Session, actor: Actor | None, report_id: int) -> AnnualReport:
    """A report the actor may read: in their region; a draft only by its own office (refused like a missing one)."""
    report = _report(session, report_id)
    authorize(actor, Role.OFFICER, report.region_path if report else NOWHERE)
    assert report is not None and actor is not None
    if report.status == rules.DRAFT and not any(g.role == Role.OFFICER and g.region_path == report.region_path
                                                for g in actor.grants):
        raise PermissionDenied()
    return report


def visible(session: Session, actor: Actor, year: int | None = None) -> list[AnnualReport]:
    """Reports in the actor's regions: their own office's in every status, the ones below once submitted."""
    paths = region_paths_in_scope(actor, Role.OFFICER)
    if not paths:
        return []
    own = {g.region_path for g in actor.grants if g.role == Role.OFFICER}
    stmt = select(AnnualReport).where(or_(*[_under(AnnualReport.region_path, p) for p in paths]))
    if year is not None:
        stmt = stmt.where(AnnualReport.year == year)
    rows = session.execute(stmt.order_by(AnnualReport.year.desc(), AnnualReport.quarter,
                                         AnnualReport.region_path)).scalars().all()
    return [r for r in rows if r.status != rules.DRAFT or r.region_path in own]


# --- the workflow -------------------------------------------------------------------------------------------------

def _code(report: AnnualReport) -> str:
    return report.region_path.strip("/").split("/")[-1]


def draft(session: Session, actor: Actor | None, region_code: str, year: int, quarter: int = 0, *,
          now: datetime | None = None) -> AnnualReport:
    """Open the office's report for the period: the existing one, or a new draft with its figures computed."""
    now = now or utcnow()
    region = session.execute(select(Region).where(Region.code == str(region_code or "")[:20])).scalar_one_or_none()
    ok = region is not None and _level(region) in rules.REPORTING_LEVELS
    _holds_office(actor, region) if ok else authorize(actor, Role.OFFICER, NOWHERE)
    assert region is not None and actor is not None
    try:
        rules.check_period(year, quarter)
    except ValueError:
        raise AnnualError("annual.err_period") from None
    if year > china_date(now).year:
        raise AnnualError("annual.err_period")
    existing = session.execute(select(AnnualReport).where(
        AnnualReport.region_id == region.id, AnnualReport.year == year, AnnualReport.quarter == quarter)).scalar_one_or_none()
    if existing is not None:
        return existing
    report = AnnualReport(region_id=region.id, region_path=region.path, level=_level(region), year=year,
                          quarter=quarter, status=rules.DRAFT, figures={}, computed_at=now,
                          sections=dict.fromkeys(rules.SECTIONS, ""), revision=0, created_by=actor.user_id,
                          created_at=now, updated_at=now)
    _compute(session, report, region)
    session.add(report)
    session.flush()
    audit.record(session, actor, ACTION_ANNUAL_DRAFT, "annual_report", report.id, region_code=region.code, at=now,
                 after={"year": year, "quarter": quarter})
    return report


def _compute(session: Session, report: AnnualReport, region: Region) -> list[str]:
    """The report's figures from today's data (the province's: its cities' accepted reports, which are recorded);
    the names of the cities not yet in."""
    if _level(region) != "province":
        report.figures = figures(session, region, report.year, report.quarter)
        return []
    report.figures, report.sources, missing = province_figures(session, region, report.year, report.quarter)
    return missing


def _editable(session: Session, actor: Actor | None, report_id: int) -> AnnualReport:
    report = _report(session, report_id)
    if report is None:
        authorize(actor, Role.OFFICER, NOWHERE)
    assert report is not None
    _holds_office(actor, _region(session, report))
    if report.status not in rules.EDITABLE:
        raise AnnualError("annual.err_wrong_state")
    return report


def recompute(session: Session, actor: Actor | None, report_id: int, *, now: datetime | None = None) -> AnnualReport:
    """While a draft (or returned): the figures again from today's data."""
    now = now or utcnow()
    report = _editable(session, actor, report_id)
    _compute(session, report, _region(session, report))
    report.computed_at = report.updated_at = now
    session.flush()
    audit.record(session, actor, ACTION_ANNUAL_RECOMPUTE, "annual_report", report.id, region_code=_code(report),
                 at=now)
    return report


def _store_sections(report: AnnualReport, sections: dict) -> dict[str, str]:
    try:
        clean = rules.clean_sections(sections)
    except ValueError:
        raise AnnualError("annual.err_too_long") from None
    report.sections = clean
    return clean


def save_sections(session: Session, actor: Actor | None, report_id: int, sections: dict, *,
                  now: datetime | None = None) -> AnnualReport:
    now = now or utcnow()
    report = _editable(session, actor, report_id)
    clean = _store_sections(report, sections)
    report.updated_at = now
    session.flush()
    audit.record(session, actor, ACTION_ANNUAL_SAVE, "annual_report", report.id, region_code=_code(report), at=now,
                 after={"lengths": {k: len(v) for k, v in clean.items()}})
    return report


def submit(session: Session, actor: Actor | None, report_id: int, sections: dict | None = None, *,
           now: datetime | None = None) -> AnnualReport:
    """Submit to the level above: the sections (as given, if given) must all be written; the figures are computed
    once more and frozen; the report gets its document number."""
    now = now or utcnow()
    report = _editable(session, actor, report_id)
    if report.level == "province":
        raise AnnualError("annual.err_wrong_state")  # nobody above: the province issues (`issue`)
    before = _send(session, actor, report, sections, rules.SUBMITTED, now)
    audit.record(session, actor, ACTION_ANNUAL_SUBMIT, "annual_report", report.id, region_code=_code(report), at=now,
                 before={"status": before}, after={"status": report.status, "document_no": report.document_no})
    return report


def issue(session: Session, actor: Actor | None, report_id: int, sections: dict | None = None, *,
          now: datetime | None = None) -> AnnualReport:
    """The province's own report, issued (印发) by the provincial office: the sections must all be written and every
    city's report for the period accepted (the figures are their sum, so a missing city would leave a hole);
    figures frozen, numbered like a submission. Final: nobody above reviews it."""
    now = now or utcnow()
    report = _editable(session, actor, report_id)
    if report.level != "province":
        raise AnnualError("annual.err_wrong_state")
    before = _send(session, actor, report, sections, rules.ISSUED, now)
    audit.record(session, actor, ACTION_ANNUAL_ISSUE, "annual_report", report.id, region_code=_code(report), at=now,
                 before={"status": before}, after={"status": report.status, "document_no": report.document_no})
    return report


def _send(session: Session, actor: Actor | None, report: AnnualReport, sections: dict | None, status: str,
          now: datetime) -> str:
    """The report leaves the office (submitted or issued): sections complete, figures once more and frozen, the
    next number. Returns the status it had before; the caller writes the audit row."""
    assert actor is not None
    clean = _store_sections(report, sections) if sections is not None else rules.clean_sections(report.sections)
    missing = rules.missing_sections(clean)
    if missing:
        raise AnnualError("annual.err_missing", missing)
    region = _region(session, report)
    before = report.status
    pending = _compute(session, report, region)
    if pending:
        raise AnnualError("annual.err_cities_pending", pending)
    report.revision += 1
    kind = (text("annual.kind_year", "zh") if report.quarter == 0
            else text("annual.kind_quarter", "zh", q=report.quarter))
    report.document_no = rules.document_no(text("annual.document_no", "zh"), kind, region.code, report.year,
                                           report.revision)
    report.status, report.computed_at, report.updated_at = status, now, now
    report.submitted_by, report.submitted_at = actor.user_id, now
    report.reviewed_by = report.reviewed_at = None
    session.flush()
    return before


def review(session: Session, actor: Actor | None, report_id: int, accept: bool, reason: str = "", *,
           now: datetime | None = None) -> AnnualReport:
    """The level above accepts a submitted report, or returns it to the office with a reason."""
    now = now or utcnow()
    report = _report(session, report_id)
    authorize(actor, Role.OFFICER, report.region_path if report else NOWHERE)
    assert report is not None and actor is not None
    above = session.execute(select(Region).where(Region.path == reviewer_path(report))).scalar_one_or_none()
    if above is None:
        raise PermissionDenied()
    _holds_office(actor, above)
    if report.status != rules.SUBMITTED:
        raise AnnualError("annual.err_wrong_state")
    if not accept:
        clean = rules.clean_reason(reason)
        if clean is None:
            raise AnnualError("annual.err_reason")
        report.return_reason = clean
    report.status = rules.ACCEPTED if accept else rules.RETURNED
    report.reviewed_by, report.reviewed_at, report.updated_at = actor.user_id, now, now
    session.flush()
    action = ACTION_ANNUAL_ACCEPT if accept else ACTION_ANNUAL_RETURN
    audit.record(session, actor, action, "annual_report", report.id, region_code=_code(report), at=now,
                 before={"status": rules.SUBMITTED}, after={"status": report.status, "reason": report.return_reason})
    return report


def record_download(session: Session, actor: Actor | None, report_id: int, kind: str) -> AnnualReport:
    """An audited read: the PDF or the workbook of one report."""
    report = for_reader(session, actor, report_id)
    audit.record(session, actor, ACTION_ANNUAL_DOWNLOAD, "annual_report", report.id, region_code=_code(report),
                 after={"kind": kind, "status": report.status})
    return report


# --- who is missing or late ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Standing:
    """One lower office's report for a period, as the office above sees it (a draft counts as not sent)."""

    code: str
    name: str
    report_id: int | None  # None: nothing the office above may read yet
    status: str  # rules.STATUSES, or "" when nothing was sent
    sent_on: date | None
    due_on: date
    timeliness: str  # rules.TIMELINESS


def below(session: Session, actor: Actor | None, region_code: str, year: int, quarter: int = 0, *,
          today: date | None = None) -> list[Standing]:
    """The reports due to the actor's office (a city or the province: an officer grant AT it) for the period, one per
    office under it: sent on time or late, not yet sent and still due, or overdue."""
    today = today or china_today()
    region = session.execute(select(Region).where(Region.code == str(region_code or "")[:20])).scalar_one_or_none()
    ok = region is not None and _level(region) in rules.REVIEWER_LEVEL.values()
    _holds_office(actor, region) if ok else authorize(actor, Role.OFFICER, NOWHERE)
    assert region is not None
    rules.check_period(year, quarter)
    offices_below = children(session, region)
    level = {"city": "county", "province": "city"}[_level(region)]
    due = due_dates(session, year, quarter)[level]
    reports = {r.region_id: r for r in session.execute(select(AnnualReport).where(
        AnnualReport.region_id.in_([o.id for o in offices_below]), AnnualReport.year == year,
        AnnualReport.quarter == quarter, AnnualReport.status != rules.DRAFT)).scalars()} if offices_below else {}
    out = []
    for office in offices_below:
        report = reports.get(office.id)
        sent = sent_on(report)
        out.append(Standing(office.code, office.name, report.id if report else None,
                            report.status if report else "", sent, due, rules.timeliness(due, sent, today)))
    return out


@dataclass(frozen=True)
class Waiting:
    """A report waiting on the actor, for the to-do: their own office's to write and send, one to review, or (not
    mine) a lower office's overdue one."""

    step: str  # WAITING_STEPS
    report_id: int | None
    region: str
    year: int
    quarter: int
    due_on: date
    overdue: bool
    mine: bool


WAITING_STEPS = ("draft", "returned", "missing", "review", "below")
SOON_DAYS = 30  # an office's annual report shows on its to-do this long before it is due, even before a draft


def waiting(session: Session, actor: Actor, *, today: date | None = None) -> list[Waiting]:
    """What the workbench lists: the actor's own offices' reports not yet sent (a draft or returned one of any
    period; the annual report when due within SOON_DAYS or past, even before it is drafted), submitted reports
    waiting for the actor's office to review (due by the office's own date), and, below, the annual reports of the
    offices under it that are overdue. This year's and last year's annual reports; quarters only once drafted."""
    today = today or china_today()
    own = [(code, path) for code, _name, path in offices(actor)]
    if not own:
        return []
    cal = load_calendar(session)
    dues: dict[tuple[int, int], dict[str, date]] = {}

    def due(year: int, quarter: int, level: str) -> date:
        if (year, quarter) not in dues:
            dues[year, quarter] = due_dates(session, year, quarter, cal)
        return dues[year, quarter][level]

    regions = {r.path: r for r in session.execute(select(Region).where(
        Region.path.in_([p for _c, p in own]))).scalars()}
    out: list[Waiting] = []
    years = (today.year, today.year - 1)
    for path, region in sorted(regions.items()):
        level = _level(region)
        mine = {(r.year, r.quarter): r for r in session.execute(select(AnnualReport).where(
            AnnualReport.region_id == region.id, AnnualReport.year >= today.year - 1)).scalars()}
        for (year, quarter), r in sorted(mine.items()):
            if r.status in rules.EDITABLE:
                d = due(year, quarter, level)
                out.append(Waiting(r.status, r.id, region.name, year, quarter, d, today > d, True))
        for year in years:
            d = due(year, 0, level)
            if (year, 0) not in mine and (d - today).days <= SOON_DAYS:
                out.append(Waiting("missing", None, region.name, year, 0, d, today > d, True))
        if level not in rules.REVIEWER_LEVEL.values():
            continue
        lower = children(session, region)
        if not lower:
            continue
        names = {o.id: o.name for o in lower}
        sent = session.execute(select(AnnualReport).where(
            AnnualReport.region_id.in_(list(names)), AnnualReport.year >= today.year - 1)).scalars().all()
        for r in sent:
            if r.status == rules.SUBMITTED:
                d = due(r.year, r.quarter, level)
                out.append(Waiting("review", r.id, names[r.region_id], r.year, r.quarter, d, today > d, True))
        lower_level = {"city": "county", "province": "city"}[level]
        done = {(r.region_id, r.year) for r in sent if r.quarter == 0 and sent_on(r) is not None}
        for year in years:
            d = due(year, 0, lower_level)
            if today > d:
                out += [Waiting("below", None, name, year, 0, d, True, False)
                        for office_id, name in names.items() if (office_id, year) not in done]
    return out
