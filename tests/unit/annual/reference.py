"""The annual figures of one county the plain way: each figure its own statement over the county's rows, as the
definitions in docs/annual-reports.md read. `annual.services.figures` computes every county of a region in one grouped
pass per table; tests/unit/annual/test_grouped.py holds it to exactly these figures on generated data, and
bench/payments_scale.py times both."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from portal.annual import rules
from portal.annual.services import _moment, _under
from portal.applications import services as apps
from portal.applications.models import Application, ApplicationStep
from portal.evaluations.models import EvaluationResult, EvaluationRound, EvaluationTarget, RoundStatus
from portal.kernel.calendar_store import load_calendar
from portal.kernel.workdays import WorkCalendar, china_date
from portal.payments import rules as pay_rules
from portal.payments.models import PaymentBatch
from portal.ratings.models import Rating, RatingStatus
from portal.regions.models import Region, ServiceWindow
from portal.register.models import STATUS_STOPPED, Household, Member
from portal.reports.models import Report, ReportOutcome, ReportReward, RewardStatus
from portal.supervision.models import Inspection, InspectionCase, MonitoringItem, Rectification, Referral
from portal.verification.models import Finding


def county_figures(session: Session, county: Region, year: int, quarter: int = 0,
                   cal: WorkCalendar | None = None) -> dict:
    """One county's figures for the period, from the data (see `rules.empty` for the shape)."""
    first, after = rules.period_bounds(year, quarter)
    start, end = _moment(first), _moment(after)
    months = rules.period_months(year, quarter)
    cal = cal or load_calendar(session)
    f = rules.empty(months)
    path = county.path

    # The register: households on it (active or suspended) at the start and at the end, who came and who left.
    def on_register(day: date):
        return and_(Household.started_on < day, (Household.stopped_on.is_(None)) | (Household.stopped_on >= day))

    def households_and_members(*where) -> tuple[int, int]:
        n = session.execute(select(func.count(Household.id)).where(_under(Household.region_path, path), *where))
        m = session.execute(select(func.count(Member.id)).join(Household, Household.id == Member.household_id)
                            .where(_under(Household.region_path, path), *where))
        return int(n.scalar_one()), int(m.scalar_one())

    reg = f["register"]
    reg["households_start"], reg["members_start"] = households_and_members(on_register(first))
    reg["households_end"], reg["members_end"] = households_and_members(on_register(after))
    reg["admitted_households"], reg["admitted_members"] = households_and_members(
        Household.started_on >= first, Household.started_on < after)
    stopped = (Household.status == STATUS_STOPPED, Household.stopped_on >= first, Household.stopped_on < after)
    reg["stopped_households"], reg["stopped_members"] = households_and_members(*stopped)
    for reason, n in session.execute(select(Household.status_reason, func.count(Household.id))
                                     .where(_under(Household.region_path, path), *stopped)
                                     .group_by(Household.status_reason)):
        said = " ".join((reason or "").split())[:80] or "-"
        f["stop_reasons"][said] = f["stop_reasons"].get(said, 0) + int(n)

    # Applications: received (submitted in the period), decided by the county (approved or refused).
    in_county = _under(Application.region_path, path)
    f["applications"]["received"] = int(session.execute(select(func.count(Application.id)).where(
        in_county, Application.submitted_at >= start, Application.submitted_at < end)).scalar_one())
    for outcome, n in session.execute(
            select(ApplicationStep.outcome, func.count(ApplicationStep.id))
            .join(Application, Application.id == ApplicationStep.application_id)
            .where(in_county, ApplicationStep.kind == apps.STEP_COUNTY, ApplicationStep.state == "done",
                   ApplicationStep.done_at >= start, ApplicationStep.done_at < end)
            .group_by(ApplicationStep.outcome)):
        if outcome == "approve":
            f["applications"]["approved"] += int(n)
        elif outcome == "refuse":
            f["applications"]["refused"] += int(n)
    # Every step finished in the period: working days taken (the one calendar) and whether it passed its deadline.
    for kind, started_on, done_at, due_on in session.execute(
            select(ApplicationStep.kind, ApplicationStep.started_on, ApplicationStep.done_at, ApplicationStep.due_on)
            .join(Application, Application.id == ApplicationStep.application_id)
            .where(in_county, ApplicationStep.state == "done", ApplicationStep.done_at >= start,
                   ApplicationStep.done_at < end)):
        done_on = china_date(done_at)
        s = f["steps"].setdefault(kind, {"done": 0, "days": 0, "overdue": 0})
        s["done"] += 1
        s["days"] += max(0, cal.working_days_between(started_on, done_on))
        s["overdue"] += int(due_on is not None and done_on > due_on)

    # Money paid: each paid batch of the period's months, less what the bank returned.
    for period, fen, returned_fen, households, returned in session.execute(
            select(PaymentBatch.period, PaymentBatch.total_fen, PaymentBatch.returned_fen,
                   PaymentBatch.household_count, PaymentBatch.returned_count)
            .where(PaymentBatch.county_id == county.id, PaymentBatch.status == pay_rules.BATCH_PAID,
                   PaymentBatch.period.in_(months))):
        p = f["payments"][period]
        p["fen"] += int(fen) - int(returned_fen)
        p["households"] += int(households) - int(returned)
    for period, people in session.execute(
            select(PaymentBatch.period, PaymentBatch.people - PaymentBatch.returned_people)
            .where(PaymentBatch.county_id == county.id, PaymentBatch.status == pay_rules.BATCH_PAID,
                   PaymentBatch.period.in_(months))):
        f["payments"][period]["people"] += int(people)

    # Reports about the county: received, concluded, substantiated; rewards paid.
    rep = f["reports"]
    place = select(Region.id).where(_under(Region.path, path))
    about = Report.region_id.in_(place)
    rep["received"] = int(session.execute(select(func.count(Report.id)).where(
        about, Report.created_at >= start, Report.created_at < end)).scalar_one())
    concluded = (about, Report.concluded_at >= start, Report.concluded_at < end)
    rep["concluded"] = int(session.execute(select(func.count(Report.id)).where(*concluded)).scalar_one())
    rep["substantiated"] = int(session.execute(select(func.count(Report.id)).where(
        *concluded, Report.outcome == ReportOutcome.SUBSTANTIATED)).scalar_one())
    rep["partly"] = int(session.execute(select(func.count(Report.id)).where(
        *concluded, Report.outcome == ReportOutcome.PARTLY)).scalar_one())
    n, fen = session.execute(select(func.count(ReportReward.id), func.coalesce(func.sum(ReportReward.amount_fen), 0))
                             .join(Report, Report.id == ReportReward.report_id)
                             .where(about, ReportReward.status == RewardStatus.PAID,
                                    ReportReward.paid_on >= first, ReportReward.paid_on < after)).one()
    rep["rewards_paid"], rep["rewards_fen"] = int(n), int(fen)

    # Window satisfaction: counted ratings of the county's windows (4 or 5 stars is satisfied).
    windows = select(ServiceWindow.id).join(Region, Region.id == ServiceWindow.region_id).where(
        _under(Region.path, path))
    ratings = (Rating.window_id.in_(windows), Rating.status == RatingStatus.COUNTED, Rating.created_at >= start,
               Rating.created_at < end)
    f["ratings"]["total"] = int(session.execute(select(func.count(Rating.id)).where(*ratings)).scalar_one())
    f["ratings"]["satisfied"] = int(session.execute(select(func.count(Rating.id)).where(
        *ratings, Rating.level >= 4)).scalar_one())

    # Supervisors' evaluations: results of rounds closed in the period for targets in the county.
    ev = f["evaluations"]
    for score, combined, talk in session.execute(
            select(EvaluationResult.supervisor_score, EvaluationResult.combined, EvaluationResult.talk_flag)
            .join(EvaluationRound, EvaluationRound.id == EvaluationResult.round_id)
            .join(EvaluationTarget, EvaluationTarget.id == EvaluationResult.target_id)
            .join(Region, Region.id == EvaluationTarget.region_id)
            .where(_under(Region.path, path), EvaluationRound.status == RoundStatus.CLOSED,
                   EvaluationRound.closed_at >= start, EvaluationRound.closed_at < end)):
        ev["results"] += 1
        if score is not None:
            ev["scored"] += 1
            ev["score_milli"] += round(score * 1000)
        if combined is not None:
            ev["combined_count"] += 1
            ev["combined_milli"] += round(combined * 1000)
        ev["talks"] += int(bool(talk))

    # Supervision: inspections of the county's offices, what they found, rectifications, risk items, referrals.
    sv = f["supervision"]
    inspections = select(Inspection.id).where(_under(Inspection.region_path, path), Inspection.opened_at >= start,
                                              Inspection.opened_at < end)
    sv["inspections"] = int(session.execute(select(func.count()).select_from(inspections.subquery())).scalar_one())
    cases = (InspectionCase.inspection_id.in_(inspections), InspectionCase.verdict.is_not(None))
    sv["cases_checked"] = int(session.execute(select(func.count(InspectionCase.id)).where(*cases)).scalar_one())
    sv["problems"] = int(session.execute(select(func.count(InspectionCase.id)).where(
        *cases, InspectionCase.verdict == "problem")).scalar_one())
    sv["rectifications"] = int(session.execute(select(func.count(Rectification.id)).where(
        Rectification.inspection_id.in_(inspections))).scalar_one())
    sv["rectified"] = int(session.execute(select(func.count(Rectification.id)).where(
        _under(Rectification.office_path, path), Rectification.status == "closed",
        Rectification.closed_at >= start, Rectification.closed_at < end)).scalar_one())
    sv["items_opened"] = int(session.execute(select(func.count(MonitoringItem.id)).where(
        _under(MonitoringItem.region_path, path), MonitoringItem.opened_at >= start,
        MonitoringItem.opened_at < end)).scalar_one())
    sv["items_closed"] = int(session.execute(select(func.count(MonitoringItem.id)).where(
        _under(MonitoringItem.region_path, path), MonitoringItem.status == "closed",
        MonitoringItem.closed_at >= start, MonitoringItem.closed_at < end)).scalar_one())
    referrals = (_under(Referral.region_path, path), Referral.referred_on >= first, Referral.referred_on < after)
    sv["referrals"] = int(session.execute(select(func.count(Referral.id)).where(*referrals)).scalar_one())
    for outcome, n in session.execute(select(Referral.outcome, func.count(Referral.id)).where(
            _under(Referral.region_path, path), Referral.outcome.is_not(None), Referral.decided_on >= first,
            Referral.decided_on < after).group_by(Referral.outcome)):
        f["accountability"][outcome] = int(n)

    # Verification: findings first found in the period, and findings resolved in it.
    vf = f["verification"]
    vf["findings"] = int(session.execute(select(func.count(Finding.id)).where(
        Finding.county_code == county.code, Finding.created_at >= start, Finding.created_at < end)).scalar_one())
    vf["resolved"] = int(session.execute(select(func.count(Finding.id)).where(
        Finding.county_code == county.code, Finding.resolution.is_not(None), Finding.resolved_at >= start,
        Finding.resolved_at < end)).scalar_one())
    return f
