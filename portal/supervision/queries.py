"""Read models for the power list page and the monitoring board (counts only on the public page, never people).

The `*_for` functions open their own unit of work for the pages; the functions taking a session are what they run
(and what bench/monitor_scale.py times).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from portal.applications.models import Application, ApplicationStep
from portal.payments.models import PaymentBatch
from portal.evaluations.models import AssignmentStatus, EvaluationAssignment, EvaluationRound, EvaluationTarget, \
    RoundStatus
from portal.kernel.audit_models import AuditEntry
from portal.kernel.calendar_store import load_calendar
from portal.kernel.base import utcnow
from portal.kernel.db import session_scope
from portal.kernel.permissions import Actor, PermissionDenied, Role, authorize
from portal.kernel.workdays import CHINA_TZ, china_date, china_today
from portal.ratings.models import CaseStatus, FollowupCase
from portal.regions.models import Region, RegionLevel, ServiceWindow
from portal.reports.models import Report, ReportStatus
from portal.supervision import rules
from portal.supervision.models import MonitoringItem, PowerVersion
from portal.supervision.services import SUPERVISING, powers_in_force

BOARD_LEVELS = (RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY)
STEP_POWER = {"accept": "dibao.accept", "home_survey": "dibao.investigate", "cross_check": "dibao.investigate",
              "recheck": "dibao.investigate", "county_visit": "dibao.investigate", "preliminary": "dibao.preliminary",
              "publicity": "dibao.publicity", "county_decision": "dibao.decide", "notice": "dibao.decide"}
WEEKS = 8
DRILL_LIMIT = 50


def _day_start_utc(day: date) -> datetime:
    """Midnight of a China date, as an aware time (the database stores UTC)."""
    return datetime.combine(day, time(0), tzinfo=CHINA_TZ)


# --- the public power list ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PowerFigures:
    key: str
    exercised: int
    timed: int  # acts done this month under a version of the power with a time limit
    on_time_pct: int | None


# The application steps whose closing is the power's own act, timed from the step's start to its closing. The
# publicity step is closed later by the county's decision: the publicity is timed to its own last day instead, which
# publishing sets as the step's due day (from the roster batch's end), so the county's days are never charged to it.
STEP_TIMED = {k: v for k, v in STEP_POWER.items() if k != "publicity"}


def time_limits(session: Session) -> rules.TimeLimits:
    """Every power's time limit by date: the seed, then each published version from its effective day."""
    versions: dict[str, list[tuple[date, int | None]]] = defaultdict(list)
    for key, since, limit in session.execute(select(PowerVersion.key, PowerVersion.effective_from,
                                                    PowerVersion.time_limit_wd).order_by(PowerVersion.effective_from)):
        versions[key].append((since, limit))
    return rules.TimeLimits(rules.SEED_LIMITS, {k: tuple(v) for k, v in versions.items()})


def power_figures(session: Session, region_path: str | None, month: date) -> dict[str, PowerFigures]:
    """How often each power was exercised in `month` in the region, and the share of the acts done in the month that
    took no more working days than the power's time limit in the version in force on the day of the act (the one
    calendar counts them). Acts done while their power had no limit are not timed."""
    start = _day_start_utc(month.replace(day=1))
    nxt = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    end = _day_start_utc(nxt)
    # The whole tree (a root's path) is every act with a region: no join with the regions, as on the board.
    scoped = bool(region_path) and not _is_root(region_path)
    stmt = select(AuditEntry.action, func.count()).where(AuditEntry.at >= start, AuditEntry.at < end)
    if scoped:
        stmt = stmt.join(Region, Region.code == AuditEntry.region_code).where(Region.path.startswith(region_path))
    elif region_path:
        stmt = stmt.where(AuditEntry.region_code.is_not(None))
    exercised: Counter[str] = Counter()
    for action, n in session.execute(stmt.group_by(AuditEntry.action)):
        if action in rules.POWER_OF_ACTION:  # see _acts_between: the list stays out of the WHERE
            exercised[rules.POWER_OF_ACTION[action]] += n
    limits, cal = time_limits(session), load_calendar(session)
    timed: Counter[str] = Counter()
    on_time: Counter[str] = Counter()
    spans: Counter[tuple[str, date, date]] = Counter()  # (power, started, done) → acts: a month repeats them often

    def tally(key: str, started: date | datetime | None, done: date | datetime | None) -> None:
        if started is not None and done is not None:
            spans[key, _local(started), _local(done)] += 1

    steps = select(ApplicationStep.kind, ApplicationStep.started_on, ApplicationStep.done_at,
                   ApplicationStep.due_on).where(ApplicationStep.done_at >= start, ApplicationStep.done_at < end)
    if scoped:
        steps = steps.join(Application, Application.id == ApplicationStep.application_id).where(
            Application.region_path.startswith(region_path))
    for kind, started, done, due in session.execute(steps):
        if kind in STEP_TIMED:
            tally(STEP_TIMED[kind], started, done)
        elif kind == "publicity":
            tally("dibao.publicity", started, due)
    reports = select(Report.created_at, Report.acknowledged_at, Report.concluded_at).where(
        or_(and_(Report.acknowledged_at >= start, Report.acknowledged_at < end),
            and_(Report.concluded_at >= start, Report.concluded_at < end)))
    if region_path:
        reports = reports.where(Report.handler_path.startswith(region_path))
    for filed, ack, concluded in session.execute(reports):
        if ack is not None and start <= ack < end:
            tally("report.handle", filed, ack)
        if concluded is not None and start <= concluded < end:
            tally("report.conclude", filed, concluded)
    cases = select(FollowupCase.opened_at, FollowupCase.answered_at).where(
        FollowupCase.answered_at >= start, FollowupCase.answered_at < end)
    if region_path:
        cases = cases.join(ServiceWindow, ServiceWindow.id == FollowupCase.window_id).join(
            Region, Region.id == ServiceWindow.region_id).where(Region.path.startswith(region_path))
    for opened, answered in session.execute(cases):
        tally("rating.followup", opened, answered)
    items = select(MonitoringItem.opened_at, MonitoringItem.closed_at).where(
        MonitoringItem.closed_at >= start, MonitoringItem.closed_at < end)
    if region_path:
        items = items.where(MonitoringItem.region_path.startswith(region_path))
    for opened, closed in session.execute(items):
        tally("supervision.watch", opened, closed)
    batches = select(PaymentBatch.prepared_at, PaymentBatch.paid_on).where(
        PaymentBatch.paid_on >= month.replace(day=1), PaymentBatch.paid_on < nxt)
    if region_path:
        batches = batches.where(PaymentBatch.region_path.startswith(region_path))
    for prepared, paid in session.execute(batches):
        tally("payments.pay", prepared, paid)
    for (key, started, done), n in spans.items():
        limit = limits.on(key, done)
        if limit is not None:
            timed[key] += n
            on_time[key] += n * rules.within_limit(cal, started, done, limit)
    return {k: PowerFigures(k, exercised[k], timed[k], rules.share_pct(on_time[k], timed[k])) for k in rules.POWER_KEYS}


def _local(moment: date | datetime) -> date:
    return china_date(moment) if isinstance(moment, datetime) else moment


@dataclass(frozen=True)
class PowerRow:
    key: str
    name_zh: str
    name_en: str
    grade: str
    office_level: str
    time_limit_wd: int | None
    process_zh: str
    process_en: str
    legal_basis: str
    a_post: str
    b_post: str
    control_points: tuple[str, ...]
    risk_points: tuple[str, ...]
    exercised: int
    on_time_pct: int | None
    since: str


@dataclass(frozen=True)
class RegionChoice:
    code: str
    name: str
    level: str


def public_regions(session: Session) -> list[RegionChoice]:
    rows = session.execute(select(Region).where(Region.level.in_(BOARD_LEVELS)).order_by(Region.path)).scalars()
    return [RegionChoice(r.code, r.name, r.level.value) for r in rows]


def powers_page(region_code: str | None, *, today: date | None = None
                ) -> tuple[list[RegionChoice], str, list[PowerRow]]:
    """(regions to choose from, the chosen code or "", the powers with this month's figures)."""
    today = today or china_today()
    with session_scope() as session:
        choices = public_regions(session)
        chosen = next((c for c in choices if c.code == region_code), None)
        path = None
        if chosen is not None:
            path = session.execute(select(Region.path).where(Region.code == chosen.code)).scalar_one()
        figures = power_figures(session, path, today)
        powers = powers_in_force(session, today)
    rows = [PowerRow(p.key, p.name_zh, p.name_en, p.grade, p.office_level, p.time_limit_wd, p.process_zh,
                     p.process_en, p.legal_basis, p.a_post, p.b_post,
                     p.control_points, p.risk_points, figures[p.key].exercised,
                     figures[p.key].on_time_pct if p.time_limit_wd is not None else None,
                     p.effective_from.isoformat() if p.effective_from else "")
            for p in powers]
    return choices, chosen.code if chosen else "", rows


# --- the monitoring board ---------------------------------------------------------------------------------------

OVERDUE_KINDS = ("step", "report", "followup", "evaluation")


@dataclass(frozen=True)
class OverdueRow:
    kind: str  # one of OVERDUE_KINDS
    office_id: int
    office: str
    count: int


@dataclass(frozen=True)
class Board:
    region_code: str
    region_name: str
    overdue: list[OverdueRow]
    hits: list[tuple[str, int]]  # rule key, open items
    acts_24h: list[tuple[str, int]]  # power key, acts
    acts_24h_total: int
    trend: list[tuple[str, int, int]]  # week starting (MM-DD), acts, hits opened
    as_of: str
    volumes: list[tuple[str, int, int]]  # week starting (MM-DD), applications submitted, reports filed


def _names(session: Session, ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    return dict(session.execute(select(Region.id, Region.name).where(Region.id.in_(ids))).all()) if ids else {}


OPEN_CASES = (CaseStatus.OPEN, CaseStatus.ANSWERED, CaseStatus.APPEALED)  # every status but closed: uses its index


def _is_root(path: str) -> bool:
    return path.count("/") <= 2


def _ids_under(path: str):
    return select(Region.id).where(Region.path.startswith(path))


def overdue_by_office(session: Session, path: str, today: date) -> list[OverdueRow]:
    out: list[tuple[str, int | None, int]] = []
    # An open step's office (township or county) lies on its case's path: scoping by office needs no join.
    steps_stmt = select(ApplicationStep.office_region_id, func.count()).where(
        ApplicationStep.state == "open", ApplicationStep.due_on < today)
    if not _is_root(path):
        steps_stmt = steps_stmt.where(ApplicationStep.office_region_id.in_(_ids_under(path)))
    steps = session.execute(steps_stmt.group_by(ApplicationStep.office_region_id)).all()
    out += [("step", office, n) for office, n in steps]
    reports = session.execute(select(Report.handler_region_id, func.count()).where(
        Report.status != ReportStatus.CONCLUDED, Report.handler_path.startswith(path),
        or_(and_(Report.acknowledged_at.is_(None), Report.acknowledge_due < today), Report.conclude_due < today))
        .group_by(Report.handler_region_id)).all()
    out += [("report", office, n) for office, n in reports]
    cases = session.execute(select(ServiceWindow.region_id, func.count()).select_from(FollowupCase).join(
        ServiceWindow, ServiceWindow.id == FollowupCase.window_id).join(Region, Region.id == ServiceWindow.region_id)
        .where(FollowupCase.status.in_(OPEN_CASES), FollowupCase.resolve_due < today,
               Region.path.startswith(path)).group_by(ServiceWindow.region_id)).all()
    out += [("followup", office, n) for office, n in cases]
    evals = session.execute(select(EvaluationRound.region_id, func.count()).select_from(EvaluationAssignment).join(
        EvaluationRound, EvaluationRound.id == EvaluationAssignment.round_id).join(
        Region, Region.id == EvaluationRound.region_id).where(
        EvaluationRound.status == RoundStatus.OPEN, EvaluationRound.due_on < today,
        EvaluationAssignment.status.in_((AssignmentStatus.ASSIGNED, AssignmentStatus.DRAFT)),
        Region.path.startswith(path)).group_by(EvaluationRound.region_id)).all()
    out += [("evaluation", office, n) for office, n in evals]
    names = _names(session, (o for _, o, _ in out))
    rows = [OverdueRow(kind, office or 0, names.get(office, "—"), n) for kind, office, n in out]
    return sorted(rows, key=lambda r: (-r.count, r.kind, r.office))


def _acts_between(session: Session, path: str, start: datetime, end: datetime):
    """Acts in [start, end) in the region, counted per action; callers keep the listed powers' (`_power_counts`).
    The whole tree (a root's path) needs no join: the time index alone answers it; below the root, each region of
    the scope is one probe of (region_code, at). The power list's actions stay out of the WHERE: given an IN over
    them, SQLite (no statistics) walks the index on action and reads every row of the log for each week asked."""
    stmt = select(AuditEntry.action, func.count()).where(
        AuditEntry.at >= start, AuditEntry.at < end, AuditEntry.region_code.is_not(None))
    if not _is_root(path):
        stmt = stmt.where(AuditEntry.region_code.in_(select(Region.code).where(Region.path.startswith(path))))
    return stmt.group_by(AuditEntry.action)


def _power_counts(session: Session, path: str, start: datetime, end: datetime) -> Counter[str]:
    """Acts of each listed power in [start, end) in the region."""
    out: Counter[str] = Counter()
    for action, n in session.execute(_acts_between(session, path, start, end)):
        if action in rules.POWER_OF_ACTION:
            out[rules.POWER_OF_ACTION[action]] += n
    return out


SUBMITTED_ACTION, FILED_ACTION = "application.submit", "report.file"


def _weekly_acts(session: Session, path: str, mondays: list[date]) -> list[Counter[str]]:
    """Acts per action in each week starting on `mondays` (consecutive, China time), in one query grouped by week.
    The week is a CASE over the Mondays' instants, so the grouping is the same on SQLite and PostgreSQL and the range
    on `at` is read from the same indexes as `_acts_between` (the actions stay out of the WHERE for the same reason)."""
    edges = [_day_start_utc(d) for d in mondays] + [_day_start_utc(mondays[-1] + timedelta(days=7))]
    week = case(*[(AuditEntry.at < edge, k) for k, edge in enumerate(edges[1:-1])], else_=len(mondays) - 1)
    stmt = select(week, AuditEntry.action, func.count()).where(
        AuditEntry.at >= edges[0], AuditEntry.at < edges[-1], AuditEntry.region_code.is_not(None))
    if not _is_root(path):
        stmt = stmt.where(AuditEntry.region_code.in_(select(Region.code).where(Region.path.startswith(path))))
    out: list[Counter[str]] = [Counter() for _ in mondays]
    for k, action, n in session.execute(stmt.group_by(week, AuditEntry.action)):
        out[k][action] += n
    return out


def _weekly_hits(session: Session, path: str, mondays: list[date]) -> list[int]:
    edges = [_day_start_utc(d) for d in mondays] + [_day_start_utc(mondays[-1] + timedelta(days=7))]
    week = case(*[(MonitoringItem.opened_at < edge, k) for k, edge in enumerate(edges[1:-1])],
                else_=len(mondays) - 1)
    out = [0] * len(mondays)
    for k, n in session.execute(select(week, func.count()).where(
            MonitoringItem.opened_at >= edges[0], MonitoringItem.opened_at < edges[-1],
            MonitoringItem.review_path.startswith(path)).group_by(week)):
        out[k] = n
    return out


def board(session: Session, region: Region, now: datetime) -> Board:
    today = china_date(now)
    hits = session.execute(select(MonitoringItem.rule, func.count()).where(
        MonitoringItem.status == "open", MonitoringItem.review_path.startswith(region.path))
        .group_by(MonitoringItem.rule)).all()
    acts = _power_counts(session, region.path, now - timedelta(hours=24), now)
    monday = today - timedelta(days=today.weekday())
    mondays = [monday - timedelta(weeks=k) for k in range(WEEKS - 1, -1, -1)]
    weekly = _weekly_acts(session, region.path, mondays)
    weekly_hits = _weekly_hits(session, region.path, mondays)
    labels = [d.strftime("%m-%d") for d in mondays]
    trend = [(label, sum(n for action, n in week.items() if action in rules.POWER_OF_ACTION), h)
             for label, week, h in zip(labels, weekly, weekly_hits)]
    volumes = [(label, week[SUBMITTED_ACTION], week[FILED_ACTION]) for label, week in zip(labels, weekly)]
    return Board(region.code, region.name, overdue_by_office(session, region.path, today),
                 sorted(hits, key=lambda h: (-h[1], h[0])), acts.most_common(), sum(acts.values()), trend,
                 now.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S"), volumes)


@dataclass(frozen=True)
class DrillRow:
    ref: str  # what the row is about: a case number, a report id, an item id
    what: str  # a catalog key or a plain label
    when: str
    due: str
    note: str
    item_id: int = 0  # for monitoring items: the id the close form sends


def drill(session: Session, region: Region, kind: str, key: str, now: datetime) -> list[DrillRow]:
    """The cases behind one number of the board (at most DRILL_LIMIT, oldest deadline first)."""
    today = china_date(now)
    path = region.path
    office = int(key) if key.isdigit() else -1
    if kind == "step":
        rows = session.execute(select(Application.number, ApplicationStep.kind, ApplicationStep.started_on,
                                      ApplicationStep.due_on).join(Application, Application.id ==
                                                                   ApplicationStep.application_id).where(
            ApplicationStep.state == "open", ApplicationStep.due_on < today, Application.region_path.startswith(path),
            ApplicationStep.office_region_id == office).order_by(ApplicationStep.due_on).limit(DRILL_LIMIT)).all()
        return [DrillRow(n, f"apply.step.{k}", s.isoformat(), d.isoformat(), str((today - d).days)) for n, k, s, d in rows]
    if kind == "report":
        rows = session.execute(select(Report.id, Report.category, Report.created_at, Report.acknowledged_at,
                                      Report.acknowledge_due, Report.conclude_due).where(
            Report.status != ReportStatus.CONCLUDED, Report.handler_path.startswith(path),
            Report.handler_region_id == office,
            or_(and_(Report.acknowledged_at.is_(None), Report.acknowledge_due < today), Report.conclude_due < today))
            .order_by(Report.acknowledge_due).limit(DRILL_LIMIT)).all()
        out = []
        for rid, cat, created, acked, ack_due, con_due in rows:
            due = ack_due if acked is None and ack_due < today else con_due
            out.append(DrillRow(f"#{rid}", f"report.category.{cat.value}", china_date(created).isoformat(), due.isoformat(),
                                str((today - due).days)))
        return out
    if kind == "followup":
        rows = session.execute(select(FollowupCase.id, ServiceWindow.code, FollowupCase.opened_at,
                                      FollowupCase.resolve_due).join(ServiceWindow, ServiceWindow.id ==
                                                                     FollowupCase.window_id).join(
            Region, Region.id == ServiceWindow.region_id).where(
            FollowupCase.status.in_(OPEN_CASES), FollowupCase.resolve_due < today, Region.path.startswith(path),
            ServiceWindow.region_id == office).order_by(FollowupCase.resolve_due).limit(DRILL_LIMIT)).all()
        return [DrillRow(f"#{cid}", code, china_date(o).isoformat(), d.isoformat(), str((today - d).days))
                for cid, code, o, d in rows]
    if kind == "evaluation":
        rows = session.execute(select(EvaluationAssignment.id, EvaluationTarget.office_name, EvaluationRound.title,
                                      EvaluationRound.due_on).join(
            EvaluationRound, EvaluationRound.id == EvaluationAssignment.round_id).join(
            EvaluationTarget, EvaluationTarget.id == EvaluationAssignment.target_id).join(
            Region, Region.id == EvaluationRound.region_id).where(
            EvaluationRound.status == RoundStatus.OPEN, EvaluationRound.due_on < today,
            EvaluationAssignment.status.in_((AssignmentStatus.ASSIGNED, AssignmentStatus.DRAFT)),
            Region.path.startswith(path), EvaluationRound.region_id == office)
            .order_by(EvaluationRound.due_on).limit(DRILL_LIMIT)).all()
        return [DrillRow(f"#{aid}", label, title, d.isoformat(), str((today - d).days)) for aid, label, title, d in rows]
    if kind == "rule":
        items = session.execute(select(MonitoringItem).where(
            MonitoringItem.status == "open", MonitoringItem.rule == key, MonitoringItem.review_path.startswith(path))
            .order_by(MonitoringItem.due_on).limit(DRILL_LIMIT)).scalars()
        return [DrillRow(i.subject, f"sup.rule.{i.rule}", china_date(i.opened_at).isoformat(), i.due_on.isoformat(),
                         _facts(i), i.id) for i in items]
    if kind == "power":
        actions = {a for a, p in rules.POWER_OF_ACTION.items() if p == key}
        # The day's acts of the region, the power's picked here: see _acts_between on an IN over actions.
        stmt = select(AuditEntry.id, AuditEntry.action, AuditEntry.target_id, AuditEntry.at).where(
            AuditEntry.at >= now - timedelta(hours=24), AuditEntry.region_code.is_not(None))
        if not _is_root(path):
            stmt = stmt.where(AuditEntry.region_code.in_(select(Region.code).where(Region.path.startswith(path))))
        rows = [r for r in session.execute(stmt.order_by(AuditEntry.id.desc())) if r.action in actions][:DRILL_LIMIT]
        return [DrillRow(t, a, at.astimezone(CHINA_TZ).strftime("%m-%d %H:%M"), "", f"#{i}") for i, a, t, at in rows]
    return []


def _facts(item: MonitoringItem) -> str:
    shown = {k: v for k, v in (item.facts or {}).items()}
    parts = [f"{k}={v}" for k, v in shown.items()]
    parts.append("audit#" + ",".join(str(e) for e in item.evidence or []))
    return " · ".join(parts)


def board_regions(session: Session, actor: Actor) -> list[RegionChoice]:
    """The county, city or province regions the actor may watch (the top of each of their supervising grants)."""
    paths = sorted({g.region_path for g in actor.grants if g.role in SUPERVISING})
    if not paths:
        return []
    rows = session.execute(select(Region).where(or_(*(Region.path == p for p in paths)),
                                                Region.level.in_(BOARD_LEVELS)).order_by(Region.path)).scalars()
    return [RegionChoice(r.code, r.name, r.level.value) for r in rows]


def _region_for(session: Session, actor: Actor, code: str) -> Region:
    region = session.execute(select(Region).where(Region.code == (code or "")[:20])).scalar_one_or_none()
    authorize(actor, SUPERVISING, region.path if region else "/nonexistent/")
    assert region is not None
    if region.level not in BOARD_LEVELS:
        raise PermissionDenied()
    return region


def board_for(actor: Actor, region_code: str, *, now: datetime | None = None) -> tuple[list[RegionChoice], Board | None]:
    """The regions the actor may watch and the board of the chosen one (the first when none or a wrong one given)."""
    now = now or utcnow()
    with session_scope() as session:
        choices = board_regions(session, actor)
        if not choices:
            raise PermissionDenied()
        code = region_code if any(c.code == region_code for c in choices) else choices[0].code
        return choices, board(session, _region_for(session, actor, code), now)


def drill_for(actor: Actor, region_code: str, kind: str, key: str, *, now: datetime | None = None) -> list[DrillRow]:
    now = now or utcnow()
    with session_scope() as session:
        return drill(session, _region_for(session, actor, region_code), kind, key, now)


def closable(actor: Actor, item_ids: list[int]) -> set[int]:
    """Of these items, those the actor may close (reviewing level, not about themselves)."""
    if not item_ids:
        return set()
    with session_scope() as session:
        items = session.execute(select(MonitoringItem).where(MonitoringItem.id.in_(item_ids))).scalars()
        out = set()
        for item in items:
            try:
                authorize(actor, SUPERVISING, item.review_path)
            except PermissionDenied:
                continue
            if actor.user_id not in (item.about_user_ids or []):
                out.add(item.id)
        return out


@dataclass(frozen=True)
class OfficeOverdue:
    office: str
    by_kind: dict[str, int]  # every kind of the board, 0 where none
    total: int


def overdue_per_office(overdue: list[OverdueRow]) -> list[OfficeOverdue]:
    """The board's overdue rows summed per office (the bar chart's rows), the most overdue first."""
    per: dict[tuple[int, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(OVERDUE_KINDS, 0))
    for r in overdue:
        per[(r.office_id, r.office)][r.kind] += r.count
    rows = [OfficeOverdue(office, counts, sum(counts.values())) for (_, office), counts in per.items()]
    return sorted(rows, key=lambda r: (-r.total, r.office))


def counts_by_kind(overdue: list[OverdueRow]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for r in overdue:
        out[r.kind] += r.count
    return dict(out)


# --- special inspections -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class InspectionRow:
    id: int
    region: str
    topic: str
    seed: str
    population: int
    sample_size: int
    status: str
    opened: str


@dataclass(frozen=True)
class InspectionDetail:
    head: InspectionRow
    region_code: str
    cases: list[tuple[int, int, str, str, str]]  # id, position, ref, verdict, finding
    rectifications: list[tuple[int, str, str, str, str, str]]  # id, office, demand, due, status, answer
    referrals: list[ReferralRow]
    offices: list[RegionChoice]


def _inspection_rows(session: Session, stmt) -> list[InspectionRow]:
    from portal.supervision.models import Inspection

    rows = session.execute(stmt.order_by(Inspection.id.desc()).limit(100)).scalars().all()
    names = _names(session, (r.region_id for r in rows))
    return [InspectionRow(r.id, names.get(r.region_id, ""), r.topic, r.seed, r.population, r.sample_size, r.status,
                          china_date(r.opened_at).isoformat()) for r in rows]


def inspection_regions(session: Session, actor: Actor) -> list[RegionChoice]:
    """Regions an inspector may inspect: their grant regions and everything below them down to townships."""
    paths = sorted({g.region_path for g in actor.grants if g.role == Role.INSPECTOR})
    if not paths:
        return []
    rows = session.execute(select(Region).where(or_(*(Region.path.startswith(p) for p in paths)),
                                                Region.level != RegionLevel.VILLAGE).order_by(Region.path)
                           .limit(500)).scalars()
    return [RegionChoice(r.code, r.name, r.level.value) for r in rows]


def inspections_for(actor: Actor, selected: int | None) -> tuple[list[RegionChoice], list[InspectionRow],
                                                                  InspectionDetail | None]:
    from portal.supervision.models import Inspection, InspectionCase, Rectification, Referral

    authorize(actor, Role.INSPECTOR)
    paths = sorted({g.region_path for g in actor.grants if g.role == Role.INSPECTOR})
    with session_scope() as session:
        regions = inspection_regions(session, actor)
        rows = _inspection_rows(session, select(Inspection).where(
            or_(*(Inspection.region_path.startswith(p) for p in paths))))
        detail = None
        ins = session.get(Inspection, selected) if selected else None
        if ins is not None and any(ins.region_path.startswith(p) for p in paths):
            head = _inspection_rows(session, select(Inspection).where(Inspection.id == ins.id))[0]
            cases = [(c.id, c.position, c.ref, c.verdict or "", c.finding or "") for c in session.execute(
                select(InspectionCase).where(InspectionCase.inspection_id == ins.id)
                .order_by(InspectionCase.position)).scalars()]
            rects = session.execute(select(Rectification).where(Rectification.inspection_id == ins.id)
                                    .order_by(Rectification.id)).scalars().all()
            names = _names(session, (r.office_id for r in rects))
            refs = session.execute(select(Referral).where(Referral.inspection_id == ins.id).order_by(Referral.id)
                                   ).scalars().all()
            offices = session.execute(select(Region).where(Region.path.startswith(ins.region_path),
                                                           Region.level != RegionLevel.VILLAGE)
                                      .order_by(Region.path).limit(300)).scalars()
            code = session.execute(select(Region.code).where(Region.id == ins.region_id)).scalar_one()
            detail = InspectionDetail(
                head, code, cases,
                [(r.id, names.get(r.office_id, ""), r.demand, r.due_on.isoformat(), r.status, r.answer or "")
                 for r in rects],
                [_referral_row(r, None, actor) for r in refs],
                [RegionChoice(o.code, o.name, o.level.value) for o in offices])
        return regions, rows, detail


def rectifications_for_office(actor: Actor) -> list[tuple[int, str, str, str, str]]:
    """Open rectification items of the offices an officer works for: id, office, demand, due, status."""
    from portal.supervision.models import Rectification

    paths = sorted({g.region_path for g in actor.grants if g.role == Role.OFFICER})
    if not paths:
        return []
    with session_scope() as session:
        rows = session.execute(select(Rectification).where(
            Rectification.status == "open", or_(*(Rectification.office_path.startswith(p) for p in paths)))
            .order_by(Rectification.due_on).limit(100)).scalars().all()
        names = _names(session, (r.office_id for r in rows))
        return [(r.id, names.get(r.office_id, ""), r.demand, r.due_on.isoformat(), r.status) for r in rows]


# --- notices of praise and criticism (通报) ------------------------------------------------------------------------

@dataclass(frozen=True)
class PublishedNotice:
    """A published notice as everyone reads it: only the frozen, masked `public` text, never the draft."""

    id: int
    number: str
    kind: str
    region: str
    period_start: str
    period_end: str
    published_on: str
    title: str
    body: str
    offices: tuple[str, ...]
    referrals: tuple[dict, ...]  # target (masked), body, outcome, decided_on
    findings: tuple[dict, ...]  # topic, position, verdict, finding (masked)


def _published(row, region_name: str) -> PublishedNotice:
    pub = row.public or {}
    return PublishedNotice(row.id, row.number or "", row.kind, region_name, row.period_start.isoformat(),
                           row.period_end.isoformat(), china_date(row.decided_at).isoformat(), pub.get("title", ""),
                           pub.get("body", ""), tuple(pub.get("offices", ())), tuple(pub.get("referrals", ())),
                           tuple(pub.get("findings", ())))


def published_notice(session: Session, notice_id: int) -> PublishedNotice | None:
    from portal.supervision.models import Notice

    row = session.get(Notice, notice_id) if 0 < notice_id < 2**31 else None
    if row is None or row.status != "published":
        return None
    return _published(row, session.get(Region, row.region_id).name)


def published_notices(limit: int = 20) -> list[PublishedNotice]:
    """The newest published notices, for /results (public)."""
    from portal.supervision.models import Notice

    with session_scope() as session:
        rows = session.execute(select(Notice).where(Notice.status == "published")
                               .order_by(Notice.decided_at.desc(), Notice.id.desc()).limit(limit)).scalars().all()
        names = _names(session, (r.region_id for r in rows))
        return [_published(r, names.get(r.region_id, "")) for r in rows]


@dataclass(frozen=True)
class DeskNotice:
    id: int
    kind: str
    region: str
    period: str
    title: str
    status: str
    drafter: str
    preview: str  # the text as it would be published (masked)
    offices: str
    return_reason: str
    number: str
    mine: bool


@dataclass(frozen=True)
class LinkChoice:
    id: int
    label: str
    key: str = ""  # a catalog key shown after the label (a referral's outcome), in the reader's language


@dataclass(frozen=True)
class NoticeDesk:
    regions: list[RegionChoice]
    offices: list[RegionChoice]
    referrals: list[LinkChoice]
    findings: list[LinkChoice]
    to_approve: list[DeskNotice]
    mine: list[DeskNotice]
    published: list[DeskNotice]


def notice_desk(actor: Actor) -> NoticeDesk:
    """What an inspector or officer may draft in, link to, approve, and what they drafted."""
    from portal.supervision import services as svc
    from portal.supervision.models import Inspection, InspectionCase, Notice, Referral

    authorize(actor, svc.NOTICE_ROLES)
    paths = sorted({g.region_path for g in actor.grants if g.role in svc.NOTICE_ROLES})
    within = lambda col: or_(*(col.startswith(p) for p in paths))  # noqa: E731
    with session_scope() as session:
        regions = session.execute(select(Region).where(within(Region.path), Region.level != RegionLevel.VILLAGE)
                                  .order_by(Region.path).limit(300)).scalars().all()
        choices = [RegionChoice(r.code, r.name, r.level.value) for r in regions]
        refs = session.execute(select(Referral).where(within(Referral.region_path)).order_by(Referral.id.desc())
                               .limit(50)).scalars().all()
        cases = session.execute(select(InspectionCase, Inspection).join(
            Inspection, Inspection.id == InspectionCase.inspection_id).where(
            within(Inspection.region_path), InspectionCase.verdict == "problem").order_by(InspectionCase.id.desc())
            .limit(50)).all()
        rows = session.execute(select(Notice).where(within(Notice.region_path)).order_by(Notice.id.desc())
                               .limit(100)).scalars().all()
        names = _names(session, (r.region_id for r in rows))
        from portal.accounts.models import User

        drafters = dict(session.execute(select(User.id, User.display_name).where(
            User.id.in_({r.drafted_by for r in rows}))).all())
        office_names = dict(session.execute(select(Region.code, Region.name).where(
            Region.code.in_({c for r in rows for c in r.offices or []}))).all())

        def desk(r) -> DeskNotice:
            pub = r.public if r.status == "published" else svc.public_notice(session, r)
            return DeskNotice(r.id, r.kind, names.get(r.region_id, ""),
                              f"{r.period_start.isoformat()} – {r.period_end.isoformat()}", pub["title"], r.status,
                              drafters.get(r.drafted_by, ""), pub["body"],
                              " · ".join(office_names.get(c, c) for c in r.offices or []), r.return_reason or "",
                              r.number or "", r.drafted_by == actor.user_id)

        shown = [desk(r) for r in rows]
        return NoticeDesk(
            regions=choices, offices=[c for c in choices if c.level != "province"],
            referrals=[LinkChoice(r.id, f"{r.referred_on.isoformat()} {r.target} → {r.body}",
                                  f"sup.acc.{r.outcome}" if r.outcome else "sup.rep.pending") for r in refs],
            findings=[LinkChoice(c.id, f"#{i.id}-{c.position} {c.ref}: {(c.finding or '')[:40]}") for c, i in cases],
            to_approve=[n for n in shown if n.status == "draft" and not n.mine],
            mine=[n for n in shown if n.mine and n.status != "published"],
            published=[n for n in shown if n.status == "published"][:20])


# --- the admin page: the power list's versions and the risk rules' settings ---------------------------------------

@dataclass(frozen=True)
class PowerVersionRow:
    key: str
    name_zh: str
    name_en: str
    effective_from: str  # "" for the seed (version 1, in force from the start)
    until: str  # the day before the next version applies, "" while none follows
    document_no: str
    time_limit_wd: int | None
    a_post: str
    b_post: str
    control_points: tuple[str, ...]
    risk_points: tuple[str, ...]
    created_by: str
    in_force: bool


def power_versions(actor: Actor, *, today: date | None = None) -> list[PowerVersionRow]:
    """Every version of every power, the seed first, each with the days it applies (province admins only)."""
    from portal.kernel.permissions import authorize_province
    from portal.supervision.models import PowerVersion

    authorize_province(actor, Role.ADMIN)
    today = today or china_today()
    with session_scope() as session:
        rows = session.execute(select(PowerVersion).order_by(PowerVersion.key, PowerVersion.effective_from)
                               ).scalars().all()
        in_force = {p.key: p.effective_from for p in powers_in_force(session, today)}
    by_key: dict[str, list] = defaultdict(list)
    for r in rows:
        by_key[r.key].append(r)
    out = []
    for seed in rules.POWERS:
        versions = by_key.get(seed.key, [])
        starts = [v.effective_from for v in versions]
        out.append(PowerVersionRow(seed.key, seed.name_zh, seed.name_en, "",
                                   (starts[0] - timedelta(days=1)).isoformat() if starts else "", "",
                                   seed.time_limit_wd, seed.a_post, seed.b_post, seed.control_points,
                                   seed.risk_points, "", in_force[seed.key] is None))
        for i, v in enumerate(versions):
            until = (starts[i + 1] - timedelta(days=1)).isoformat() if i + 1 < len(starts) else ""
            out.append(PowerVersionRow(v.key, v.name_zh, v.name_en, v.effective_from.isoformat(), until,
                                       v.document_no or "", v.time_limit_wd, v.a_post, v.b_post,
                                       tuple(v.control_points or ()), tuple(v.risk_points or ()), v.created_by,
                                       in_force[seed.key] == v.effective_from))
    return out


@dataclass(frozen=True)
class RuleSettingRow:
    key: str
    unit: str
    enabled: bool
    threshold: int
    window_days: int
    review_level: str
    default_threshold: int
    reason: str
    updated_by: str
    updated_at: str  # China time, "" while the defaults apply


def rule_settings(actor: Actor) -> list[RuleSettingRow]:
    """Each risk rule as it is applied now, with who changed it last and why (province admins only)."""
    from portal.kernel.permissions import authorize_province
    from portal.supervision.models import RiskSetting

    authorize_province(actor, Role.ADMIN)
    with session_scope() as session:
        rows = {r.rule: r for r in session.execute(select(RiskSetting)).scalars()}
    out = []
    for rule in rules.RISK_RULES:
        r = rows.get(rule.key)
        out.append(RuleSettingRow(
            rule.key, rule.unit, r.enabled if r else True, r.threshold if r else rule.threshold,
            r.window_days if r else rule.window_days, (r.review_level if r else None) or rule.review_level,
            rule.threshold, (r.reason or "") if r else "", r.updated_by if r else "",
            r.updated_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if r else ""))
    return out


# --- accountability referrals of a board's region ------------------------------------------------------------------

@dataclass(frozen=True)
class ReferralRow:
    id: int
    source: str  # "item" (a risk hit referred from the board) or "inspection"
    source_ref: str  # the hit's rule key, or the inspection's id
    target: str
    grounds: str
    body: str
    referred_on: str
    outcome: str  # rules.ACCOUNTABILITY or ""
    decided_on: str
    decision_no: str
    decided_by: str
    recordable: bool  # the viewer may record its outcome


def referrals_for(actor: Actor, region_code: str, *, limit: int = DRILL_LIMIT) -> list[ReferralRow]:
    """The referrals of the board's region (from its hits and its inspections), those waiting for an outcome first."""
    from portal.supervision.models import Referral

    with session_scope() as session:
        region = _region_for(session, actor, region_code)
        # A hit's referral where the board shows the hit: reviewed at the region or below (a hit on the office's
        # own acts is reviewed above it, and so is its referral). An inspection's only for those who may read the
        # inspection's report (an inspector over the inspected region, or the level above), never the inspected
        # office itself.
        item_ids = select(MonitoringItem.id).where(MonitoringItem.review_path.startswith(region.path))
        refs = session.execute(select(Referral).where(
            Referral.region_path.startswith(region.path),
            or_(Referral.item_id.in_(item_ids),
                Referral.inspection_id.is_not(None) & _inspection_readable(actor, Referral.region_path))).order_by(
            Referral.outcome.is_not(None), Referral.referred_on.desc(), Referral.id.desc()).limit(limit)
        ).scalars().all()
        items = {i.id: i for i in session.execute(select(MonitoringItem).where(
            MonitoringItem.id.in_({r.item_id for r in refs if r.item_id}))).scalars()}
        return [_referral_row(r, items.get(r.item_id) if r.item_id else None, actor) for r in refs]


def _inspection_readable(actor: Actor, inspected_path):
    """SQL: the actor may read an inspection of the region at `inspected_path` (as `services.report_allowed`): an
    inspector over the inspected region, or supervising the level above it (a grant strictly above; the province
    reads its own, having nobody above)."""
    conditions = [inspected_path.startswith(g.region_path) for g in actor.grants if g.role == Role.INSPECTOR]
    for g in actor.grants:
        if g.role in SUPERVISING:
            above = inspected_path.startswith(g.region_path) & (inspected_path != g.region_path)
            root = g.region_path.count("/") == 2  # a province grant: the province's own inspections too
            conditions.append(inspected_path.startswith(g.region_path) if root else above)
    return or_(*conditions) if conditions else false()


def _referral_row(r, item: MonitoringItem | None, actor: Actor) -> ReferralRow:
    return ReferralRow(
        r.id, "item" if item else "inspection", item.rule if item else str(r.inspection_id or ""), r.target,
        r.grounds, r.body, r.referred_on.isoformat(), r.outcome or "", r.decided_on.isoformat() if r.decided_on else "",
        r.decision_no or "", r.decided_by or "", r.outcome is None and _may_record(actor, r, item))


def _may_record(actor: Actor, referral, item: MonitoringItem | None) -> bool:
    from portal.supervision.services import SupervisionError, check_outcome_recorder

    try:
        check_outcome_recorder(actor, referral, item)
    except (PermissionDenied, SupervisionError):
        return False
    return True
