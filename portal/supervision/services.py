"""Supervision use cases: the power list's dated versions, risk rules watched as acts happen, monitoring items.

Built on the audit log: `install()` registers `watch` with `kernel.audit.on_record`, so the risk rules of an act
run right after its audit row is written, in the same transaction and a savepoint of their own (a failing check
never undoes the act; the sweep looks at the row again). `sweep()` replays the rows written since the last sweep
through the same checks, so nothing written while the hook was not installed (imports, another process) is missed.
Each hit opens one `MonitoringItem` per rule and subject, for the level above the office where the act happened,
with the audit row ids as evidence and a working-day deadline. Nobody closes an item about themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from portal.kernel.errors import DomainError
from portal.accounts.models import RoleGrant
from portal.applications import services as applications
from portal.applications.models import Application
from portal.kernel import audit, text_rules
from portal.kernel.audit_models import AuditEntry
from portal.kernel.base import utcnow
from portal.kernel.calendar_store import load_calendar
from portal.kernel.permissions import Actor, PermissionDenied, Role, authorize, authorize_province
from portal.kernel.workdays import china_date, china_today
from portal.regions.models import Region, RegionLevel
from portal.register.models import Household, Member
from portal.reports.models import Report, ReportReward
from portal.roster.models import RosterBatch, RosterEntry
from portal.regions.models import ServiceWindow
from portal.accounts import services as accounts
from portal.kernel.masking import account_numbers
from portal.supervision import rules
from portal.supervision.models import MonitoringItem, PowerVersion, RiskSetting, SweepMark

log = logging.getLogger(__name__)

SUPERVISING = (Role.OFFICER, Role.INSPECTOR, Role.ADMIN)
MIN_OUTCOME_TEXT = 10
MAX_OUTCOME_TEXT = 2000


class SupervisionError(DomainError):
    """A refused supervision action."""


# --- the power list --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Power:
    key: str
    name_zh: str
    name_en: str
    grade: str
    legal_basis: str
    office_level: str
    time_limit_wd: int | None
    a_post: str
    b_post: str
    process_zh: str
    process_en: str
    control_points: tuple[str, ...]
    risk_points: tuple[str, ...]
    actions: tuple[str, ...]
    effective_from: date | None  # None: the seed, never edited
    document_no: str = ""


def _from_seed(seed: rules.PowerSeed) -> Power:
    return Power(seed.key, seed.name_zh, seed.name_en, seed.grade, seed.legal_basis, seed.office_level,
                 seed.time_limit_wd, seed.a_post, seed.b_post, seed.process_zh, seed.process_en, seed.control_points,
                 seed.risk_points, seed.actions, None)


def powers_in_force(session: Session, on: date | None = None) -> list[Power]:
    """Every listed power as it reads on `on`: the newest version from on or before that day, else the seed."""
    on = on or china_today()
    rows = session.execute(select(PowerVersion).where(PowerVersion.effective_from <= on)
                           .order_by(PowerVersion.key, PowerVersion.effective_from)).scalars().all()
    newest = {r.key: r for r in rows}
    out = []
    for seed in rules.POWERS:
        r = newest.get(seed.key)
        out.append(_from_seed(seed) if r is None else Power(
            r.key, r.name_zh, r.name_en, r.grade, r.legal_basis, r.office_level, r.time_limit_wd, r.a_post,
            r.b_post, r.process_zh, r.process_en, tuple(r.control_points or ()), tuple(r.risk_points or ()),
            seed.actions, r.effective_from, r.document_no or ""))
    return out


@dataclass(frozen=True)
class PowerChange:
    key: str
    effective_from: date
    name_zh: str
    name_en: str
    grade: str
    legal_basis: str
    office_level: str
    time_limit_wd: int | None
    a_post: str
    b_post: str
    process_zh: str
    process_en: str
    control_points: tuple[str, ...] = ()
    risk_points: tuple[str, ...] = ()
    document_no: str = ""


MAX_POINTS, MAX_POINT_CHARS = 20, 200


def set_power(session: Session, actor: Actor, change: PowerChange, *, today: date | None = None) -> PowerVersion:
    """A new dated version of one power (province admins; audited), with the document number that decided it.
    Earlier versions stay as they were. It applies from today or a later day, never an earlier one: an act is
    judged against the version in force when it happened, so history is never rewritten."""
    authorize_province(actor, Role.ADMIN)
    if change.key not in rules.POWER_KEYS:
        raise SupervisionError("sup.err_power")
    if change.effective_from < (today or china_today()):
        raise SupervisionError("sup.err_power_past")
    document_no = text_rules.clean_text(change.document_no or "", multiline=False)
    if not 4 <= len(document_no) <= 60:
        raise SupervisionError("sup.err_power_document")
    points = [[text_rules.clean_text(p or "", multiline=False) for p in group]
              for group in (change.control_points, change.risk_points)]
    points = [[p for p in group if p] for group in points]
    if any(len(g) > MAX_POINTS or any(len(p) > MAX_POINT_CHARS for p in g) for g in points):
        raise SupervisionError("sup.err_power_fields")
    if change.grade not in (rules.GRADE_A, rules.GRADE_B) or change.office_level not in rules.LEVELS:
        raise SupervisionError("sup.err_power_fields")
    if change.time_limit_wd is not None and not 0 < change.time_limit_wd <= 90:
        raise SupervisionError("sup.err_power_fields")
    texts = [text_rules.clean_text(x, multiline=False) for x in (change.name_zh, change.name_en, change.legal_basis,
                                                                  change.a_post, change.b_post)]
    if not all(texts) or len(texts[0]) > 80 or len(texts[1]) > 120:
        raise SupervisionError("sup.err_power_fields")
    if session.execute(select(PowerVersion.id).where(PowerVersion.key == change.key,
                                                     PowerVersion.effective_from == change.effective_from)).first():
        raise SupervisionError("sup.err_power_date")
    row = PowerVersion(key=change.key, effective_from=change.effective_from, name_zh=texts[0], name_en=texts[1],
                       legal_basis=texts[2], a_post=texts[3], b_post=texts[4], grade=change.grade,
                       office_level=change.office_level, time_limit_wd=change.time_limit_wd,
                       process_zh=change.process_zh, process_en=change.process_en,
                       control_points=points[0], risk_points=points[1], document_no=document_no,
                       created_by=actor.username)
    session.add(row)
    session.flush()
    audit.record(session, actor, "supervision.power_set", "supervision_power", row.id,
                 after={"key": row.key, "effective_from": row.effective_from.isoformat(), "grade": row.grade,
                        "time_limit_wd": row.time_limit_wd, "office_level": row.office_level,
                        "a_post": row.a_post, "b_post": row.b_post, "control_points": len(row.control_points),
                        "risk_points": len(row.risk_points), "document_no": document_no})
    return row


def revise_power(session: Session, actor: Actor, key: str, effective_from: date, document_no: str, *,
                 time_limit_wd: int | None, a_post: str, b_post: str, control_points: tuple[str, ...],
                 risk_points: tuple[str, ...], today: date | None = None) -> PowerVersion:
    """What the admin page publishes: a new version of one power with a new time limit, posts and points; its name,
    grade, basis, office level and process carried over from the version in force on `effective_from`."""
    authorize_province(actor, Role.ADMIN)
    current = next((p for p in powers_in_force(session, effective_from) if p.key == key), None)
    if current is None:
        raise SupervisionError("sup.err_power")
    return set_power(session, actor, PowerChange(
        key, effective_from, current.name_zh, current.name_en, current.grade, current.legal_basis,
        current.office_level, time_limit_wd, a_post, b_post, current.process_zh, current.process_en,
        tuple(control_points), tuple(risk_points), document_no), today=today)


# --- risk rules as data ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RuleInForce:
    rule: rules.RiskRule
    enabled: bool
    threshold: int
    window_days: int
    review_level: str = "above"


def rule_in_force(session: Session, key: str) -> RuleInForce:
    base = rules.RULES_BY_KEY[key]
    row = session.get(RiskSetting, key)
    if row is None:
        return RuleInForce(base, True, base.threshold, base.window_days, base.review_level)
    return RuleInForce(base, row.enabled, row.threshold, row.window_days, row.review_level or base.review_level)


def set_rule(session: Session, actor: Actor, key: str, enabled: bool, threshold: int, window_days: int, *,
             reason: str, review_level: str = "above") -> None:
    """Enable, disable or re-tune a risk rule and choose the level that reviews its hits (province admins, with the
    reason; audited). Items already open keep their reviewer; the change applies to the next hit."""
    authorize_province(actor, Role.ADMIN)
    if key not in rules.RULES_BY_KEY or not 0 < int(threshold) <= 10_000 or not 0 < int(window_days) <= 3650:
        raise SupervisionError("sup.err_rule")
    if review_level not in rules.REVIEW_LEVELS:
        raise SupervisionError("sup.err_rule")
    reason = _text(reason, "sup.err_rule_reason", 500)
    row = session.get(RiskSetting, key)
    before = None if row is None else {"enabled": row.enabled, "threshold": row.threshold,
                                       "window_days": row.window_days, "review_level": row.review_level}
    if row is None:
        row = RiskSetting(rule=key)
        session.add(row)
    row.enabled, row.threshold, row.window_days = bool(enabled), int(threshold), int(window_days)
    row.review_level, row.reason = review_level, reason
    row.updated_by, row.updated_at = actor.username, utcnow()
    session.flush()
    audit.record(session, actor, "supervision.rule_set", "supervision_risk_setting", key, before=before,
                 after={"enabled": row.enabled, "threshold": row.threshold, "window_days": row.window_days,
                        "review_level": review_level, "reason": reason})


# --- the checks --------------------------------------------------------------------------------------------------

@dataclass
class Hit:
    subject: str
    office: Region
    evidence: list[int]
    about: list[int] = field(default_factory=list)
    facts: dict = field(default_factory=dict)


def _region(session: Session, code: str | None) -> Region | None:
    return None if not code else session.execute(select(Region).where(Region.code == code)).scalar_one_or_none()


def _ancestor_at(session: Session, region: Region, level: RegionLevel) -> Region:
    """The region's ancestor (or itself) at `level`; the region itself when it is already above that level."""
    order = [lv for lv in RegionLevel]
    if order.index(region.level) <= order.index(level):
        return region
    codes = [c for c in region.path.strip("/").split("/")]
    found = session.execute(select(Region).where(Region.code.in_(codes), Region.level == level)).scalar_one_or_none()
    return found or region


def _rows(session: Session, target_type: str, target_id: str, *actions: str) -> list[AuditEntry]:
    return list(session.execute(select(AuditEntry).where(
        AuditEntry.target_type == target_type, AuditEntry.target_id == target_id, AuditEntry.action.in_(actions))
        .order_by(AuditEntry.id)).scalars())


def _check_ab_separation(session: Session, entry: AuditEntry, rule: RuleInForce) -> Hit | None:
    """The officer who decided the case also surveyed it (A/B posts not separated)."""
    if entry.actor_id is None:
        return None
    surveys = [r for r in _rows(session, "application", entry.target_id, "application.home_survey")
               if r.actor_id == entry.actor_id and r.id < entry.id]
    village = _region(session, entry.region_code)
    if not rules.repeated(len(surveys), rule.threshold) or village is None:
        return None
    return Hit(entry.target_id, _ancestor_at(session, village, RegionLevel.COUNTY), [surveys[0].id, entry.id],
               [entry.actor_id], {"surveys": len(surveys)})


def _check_too_fast(session: Session, entry: AuditEntry, rule: RuleInForce) -> Hit | None:
    """Decided in fewer working days after acceptance than the steps allow."""
    accepted = _rows(session, "application", entry.target_id, "application.accept")
    village = _region(session, entry.region_code)
    if not accepted or village is None:
        return None
    days = load_calendar(session).working_days_between(china_date(accepted[0].at), china_date(entry.at))
    if not rules.too_fast(days, rule.threshold):
        return None
    return Hit(entry.target_id, _ancestor_at(session, village, RegionLevel.COUNTY), [accepted[0].id, entry.id],
               [entry.actor_id] if entry.actor_id else [], {"working_days": days, "minimum": rule.threshold})


def _check_quick_withdraw(session: Session, entry: AuditEntry, rule: RuleInForce) -> Hit | None:
    """A roster entry taken down within hours of its publication."""
    row = session.execute(select(RosterEntry).where(RosterEntry.public_id == entry.target_id)).scalar_one_or_none()
    village = _region(session, entry.region_code)
    if row is None or village is None or not rules.within_hours(row.starts_at, entry.at, rule.threshold):
        return None
    evidence = [entry.id]
    if row.batch_id is not None:
        publish_id = session.execute(select(RosterBatch.publish_audit_id).where(RosterBatch.id == row.batch_id)
                                     ).scalar_one_or_none()
        if publish_id:
            evidence.insert(0, publish_id)
    hours = int((entry.at - row.starts_at).total_seconds() // 3600)
    return Hit(entry.target_id, _ancestor_at(session, village, RegionLevel.TOWNSHIP), evidence,
               [entry.actor_id] if entry.actor_id else [], {"hours": hours, "limit_hours": rule.threshold})


def _check_own_office_unfounded(session: Session, entry: AuditEntry, rule: RuleInForce) -> Hit | None:
    """A report about staff concluded "unfounded" by an officer of the very office it is about."""
    if (entry.after or {}).get("outcome") != "unfounded" or entry.actor_id is None:
        return None
    report = session.get(Report, int(entry.target_id)) if entry.target_id.isdigit() else None
    if report is None or not report.about_staff:
        return None
    place = session.get(Region, report.region_id)
    office = _ancestor_at(session, place, RegionLevel.TOWNSHIP)
    grant_paths = set(session.execute(select(Region.path).join(RoleGrant, RoleGrant.region_id == Region.id).where(
        RoleGrant.user_id == entry.actor_id, RoleGrant.role == Role.OFFICER)).scalars())
    # The concluding officer belongs to the office the report is about when a grant of theirs sits at that office
    # or inside it; an officer of the level above (who should handle staff reports) holds a shorter path.
    if not any(p.startswith(office.path) for p in grant_paths):
        return None
    filed = _rows(session, "report", entry.target_id, "report.file")
    return Hit(f"report:{entry.target_id}", office, [*(r.id for r in filed[:1]), entry.id], [entry.actor_id],
               {"report": int(entry.target_id)})


def _check_burst_repeat(session: Session, entry: AuditEntry, rule: RuleInForce) -> Hit | None:
    """A window's ratings held for a burst again and again."""
    since = entry.at - timedelta(days=rule.window_days)
    flags = list(session.execute(select(AuditEntry.id).where(
        AuditEntry.action == "rating.burst_flagged", AuditEntry.target_type == "service_window",
        AuditEntry.target_id == entry.target_id, AuditEntry.at > since, AuditEntry.id <= entry.id)
        .order_by(AuditEntry.id)).scalars())
    if not rules.repeated(len(flags), rule.threshold):
        return None
    window = session.get(ServiceWindow, int(entry.target_id)) if entry.target_id.isdigit() else None
    if window is None:
        return None
    office = session.get(Region, window.region_id)
    first = session.get(AuditEntry, flags[0])
    # One item per window and window of days: the next run of flags after it opens another.
    return Hit(f"window:{window.id}:{china_date(first.at).isoformat()}", office, flags, [],
               {"flags": len(flags), "days": rule.window_days, "window": window.code})


def _check_retaliation(session: Session, entry: AuditEntry, rule: RuleInForce) -> Hit | None:
    """A real-name reporter's own household stopped or suspended within months of the report (报复观察)."""
    household = session.execute(select(Household).where(Household.code == entry.target_id)).scalar_one_or_none()
    if household is None:
        return None
    village = session.get(Region, household.village_id)
    county = _ancestor_at(session, village, RegionLevel.COUNTY)
    names = set(session.execute(select(Member.name).where(Member.household_id == household.id)).scalars())
    names.add(household.head_name)
    since = entry.at - timedelta(days=rule.threshold)
    reports = session.execute(select(Report.id, Report.created_at).join(Region, Region.id == Report.region_id).where(
        Report.anonymous.is_(False), Report.reporter_name.in_(names), Report.created_at >= since,
        Report.created_at <= entry.at, Region.path.startswith(county.path)).order_by(Report.created_at)).all()
    if not reports:
        return None
    report_id, filed_at = reports[0]
    filed = _rows(session, "report", str(report_id), "report.file")
    days = (entry.at - filed_at).days
    return Hit(f"household:{household.code}:{report_id}", county, [*(r.id for r in filed[:1]), entry.id],
               [entry.actor_id] if entry.actor_id else [], {"days": days, "report": report_id})


def _check_bulk_admit(session: Session, entry: AuditEntry, rule: RuleInForce) -> Hit | None:
    """Many households admitted in one village by one officer in a short time."""
    if entry.actor_id is None or not entry.region_code:
        return None
    since = entry.at - timedelta(days=rule.window_days)
    ids = list(session.execute(select(AuditEntry.id).where(
        AuditEntry.action == "register.admit", AuditEntry.actor_id == entry.actor_id,
        AuditEntry.region_code == entry.region_code, AuditEntry.at > since, AuditEntry.id <= entry.id)
        .order_by(AuditEntry.id)).scalars())
    village = _region(session, entry.region_code)
    if not rules.repeated(len(ids), rule.threshold) or village is None:
        return None
    first = session.get(AuditEntry, ids[0])
    return Hit(f"admit:{entry.region_code}:{entry.actor_id}:{china_date(first.at).isoformat()}",
               _ancestor_at(session, village, RegionLevel.COUNTY), ids, [entry.actor_id],
               {"households": len(ids), "days": rule.window_days, "village": village.name})


def _application(session: Session, entry: AuditEntry) -> Application | None:
    return session.execute(select(Application).where(Application.number == entry.target_id)).scalar_one_or_none()


def _check_staff_case_no_visit(session: Session, entry: AuditEntry, rule: RuleInForce) -> Hit | None:
    """A case of a relative of staff or a village cadre decided without the county's own home visit."""
    app = _application(session, entry)
    village = _region(session, entry.region_code)
    if app is None or village is None:
        return None
    visits = [r for r in _rows(session, "application", entry.target_id, "application.county_visit") if r.id < entry.id]
    if not rules.visit_missing(bool(app.related_to_staff), len(visits), rule.threshold):
        return None
    accepted = _rows(session, "application", entry.target_id, "application.accept")
    return Hit(entry.target_id, _ancestor_at(session, village, RegionLevel.COUNTY),
               [*(r.id for r in accepted[:1]), entry.id], [entry.actor_id] if entry.actor_id else [],
               {"visits": len(visits), "required": rule.threshold})


def _check_amount_differs(session: Session, entry: AuditEntry, rule: RuleInForce) -> Hit | None:
    """An approval whose monthly amount is not what the engine gives for the recorded household with the parameters
    in force on the decision date. The amount the portal itself fixes (the engine with the values in force on the
    case date, `applications.assessment`) is no hit even when the values changed before the decision."""
    if (entry.after or {}).get("status") != applications.APPROVED:
        return None
    app = _application(session, entry)
    village = _region(session, entry.region_code)
    if app is None or village is None or app.monthly_amount_fen is None:
        return None
    decided = int(app.monthly_amount_fen)
    on_decision = applications.assessment(session, app, china_date(entry.at))
    if on_decision is None or not rules.amount_differs(decided, on_decision.monthly_amount_fen, rule.threshold):
        return None
    on_case = applications.assessment(session, app)
    if on_case is not None and not rules.amount_differs(decided, on_case.monthly_amount_fen, rule.threshold):
        return None
    return Hit(entry.target_id, _ancestor_at(session, village, RegionLevel.COUNTY), [entry.id],
               [entry.actor_id] if entry.actor_id else [],
               {"decided_fen": decided, "engine_fen": on_decision.monthly_amount_fen,
                "difference_fen": decided - on_decision.monthly_amount_fen, "threshold_fen": rule.threshold})


def _check_reward_to_staff(session: Session, entry: AuditEntry, rule: RuleInForce) -> Hit | None:
    """A reward for a report paid to an account number (the claim's payout details) that the handling officer, or
    anyone of the handling office, holds themselves (their recorded bank card, phone or ID number)."""
    report = session.get(Report, int(entry.target_id)) if entry.target_id.isdigit() else None
    if report is None:
        return None
    reward = session.execute(select(ReportReward).where(ReportReward.report_id == report.id)).scalar_one_or_none()
    numbers = account_numbers(reward.payout_details if reward is not None else "")
    if not numbers:
        return None
    handlers = {report.owner_id, report.concluded_by, reward.decided_by, reward.approved_by} - {None}
    office_staff = set(session.execute(select(RoleGrant.user_id).join(Region, Region.id == RoleGrant.region_id)
                                       .where(Region.path.startswith(report.handler_path))).scalars())
    holders = accounts.staff_holding(session, numbers, handlers | office_staff)
    if not rules.reward_to_staff(len(holders), rule.threshold):
        return None
    office = session.get(Region, report.handler_region_id)
    evidence = [r.id for r in _rows(session, "report", entry.target_id, "report.reward_decide", "report.reward_approve")
                if r.id < entry.id]
    about = sorted(set(holders) | {u for u in (reward.decided_by, reward.approved_by, reward.paid_by) if u})
    return Hit(f"reward:{report.id}", office, [*evidence, entry.id], about,
               {"report": report.id, "staff": len(holders),
                "kinds": ",".join(sorted({k for kinds in holders.values() for k in kinds}))})


CHECKS: dict[str, Callable[[Session, AuditEntry, RuleInForce], Hit | None]] = {
    "ab_separation": _check_ab_separation,
    "too_fast": _check_too_fast,
    "quick_withdraw": _check_quick_withdraw,
    "own_office_unfounded": _check_own_office_unfounded,
    "burst_repeat": _check_burst_repeat,
    "retaliation": _check_retaliation,
    "bulk_admit": _check_bulk_admit,
    "staff_case_no_visit": _check_staff_case_no_visit,
    "amount_differs": _check_amount_differs,
    "reward_to_staff": _check_reward_to_staff,
}


def _reviewer(session: Session, office: Region, setting: str) -> Region:
    """The region whose officers review a hit at `office` (rules.reviewing_level); the province reviews its own."""
    if office.parent_id is None:
        return office
    level = RegionLevel(rules.reviewing_level(office.level.value, setting))
    parent = session.get(Region, office.parent_id)
    return _ancestor_at(session, parent, level)


def _open_item(session: Session, key: str, rule: RuleInForce, hit: Hit, at: datetime) -> MonitoringItem | None:
    if session.execute(select(MonitoringItem.id).where(MonitoringItem.rule == key,
                                                       MonitoringItem.subject == hit.subject)).first():
        return None
    reviewer = _reviewer(session, hit.office, rule.review_level)
    due = load_calendar(session).add_working_days(china_date(at), rule.rule.deadline_wd)
    item = MonitoringItem(rule=key, subject=hit.subject[:80], region_id=hit.office.id, region_path=hit.office.path,
                          review_path=reviewer.path, about_user_ids=sorted(set(hit.about)),
                          evidence=sorted(set(hit.evidence)), facts=hit.facts, opened_at=at, due_on=due)
    session.add(item)
    session.flush()
    audit.record(session, "system", "supervision.item_opened", "supervision_item", item.id,
                 region_code=hit.office.code, at=at,
                 after={"rule": key, "subject": item.subject, "evidence": item.evidence, "due_on": due.isoformat()})
    return item


def evaluate(session: Session, entry: AuditEntry) -> list[MonitoringItem]:
    """Run the risk rules this act triggers; open an item for each hit not opened before."""
    opened = []
    for key in rules.TRIGGERS.get(entry.action, ()):
        rule = rule_in_force(session, key)
        if not rule.enabled:
            continue
        hit = CHECKS[key](session, entry, rule)
        if hit is not None:
            item = _open_item(session, key, rule, hit, entry.at)
            if item is not None:
                opened.append(item)
    return opened


def watch(session: Session, entry: AuditEntry) -> None:
    """The audit listener: cheap for every act no rule watches (one dict look-up)."""
    if entry.action not in rules.TRIGGERS:
        return
    try:
        with session.begin_nested():
            evaluate(session, entry)
    except Exception:  # the act stands; the sweep looks at this row again
        log.exception("supervision check failed for audit row %s (%s)", entry.id, entry.action)


def install() -> None:
    audit.on_record(watch)


def sweep(session: Session, *, batch: int = 2000) -> tuple[int, int]:
    """Check every watched audit row written since the last sweep. Returns (rows looked at, items opened)."""
    mark = session.get(SweepMark, 1)
    if mark is None:
        mark = SweepMark(id=1, last_audit_id=0)
        session.add(mark)
        session.flush()
    looked = opened = 0
    while True:
        rows = session.execute(select(AuditEntry).where(AuditEntry.id > mark.last_audit_id,
                                                        AuditEntry.action.in_(tuple(rules.TRIGGERS)))
                               .order_by(AuditEntry.id).limit(batch)).scalars().all()
        if not rows:
            break
        for row in rows:
            opened += len(evaluate(session, row))
            looked += 1
        mark.last_audit_id = rows[-1].id
        session.flush()
    mark.swept_at = utcnow()
    session.flush()
    return looked, opened


# --- monitoring items --------------------------------------------------------------------------------------------

def _scope_filter(actor: Actor):
    """Items an actor may see: those reviewed at or below a region where they hold a supervising role."""
    paths = sorted({g.region_path for g in actor.grants if g.role in SUPERVISING})
    if not paths:
        return None
    return or_(*(MonitoringItem.review_path.startswith(p) for p in paths))


def items_in_scope(session: Session, actor: Actor, *, rule: str | None = None, status: str = "open",
                   limit: int = 100) -> list[MonitoringItem]:
    authorize(actor, SUPERVISING)
    where = _scope_filter(actor)
    stmt = select(MonitoringItem).where(where, MonitoringItem.status == status)
    if rule:
        stmt = stmt.where(MonitoringItem.rule == rule)
    return list(session.execute(stmt.order_by(MonitoringItem.due_on, MonitoringItem.id).limit(limit)).scalars())


def close_item(session: Session, actor: Actor, item_id: int, outcome: str, text: str, *,
               now: datetime | None = None) -> MonitoringItem:
    """Write the outcome (explained, corrected, referred). The reviewing level only, and never about oneself."""
    item = session.get(MonitoringItem, int(item_id))
    authorize(actor, SUPERVISING, item.review_path if item else "/nonexistent/")
    assert item is not None
    if actor.user_id in (item.about_user_ids or []):
        raise SupervisionError("sup.err_self")
    if item.status != "open":
        raise SupervisionError("sup.err_closed")
    if outcome not in rules.OUTCOMES:
        raise SupervisionError("sup.err_outcome")
    text = text_rules.clean_text(text or "", multiline=True)
    if not MIN_OUTCOME_TEXT <= len(text) <= MAX_OUTCOME_TEXT:
        raise SupervisionError("sup.err_outcome_text")
    now = now or utcnow()
    item.status, item.outcome, item.outcome_text, item.closed_by, item.closed_at = "closed", outcome, text, \
        actor.user_id, now
    session.flush()
    region_code = session.execute(select(Region.code).where(Region.id == item.region_id)).scalar_one()
    audit.record(session, actor, "supervision.item_closed", "supervision_item", item.id, region_code=region_code,
                 at=now, before={"status": "open"}, after={"status": "closed", "outcome": outcome,
                                                          "chars": len(text)})
    return item


def open_counts_by_rule(session: Session, review_path: str) -> dict[str, int]:
    return dict(session.execute(select(MonitoringItem.rule, func.count()).where(
        MonitoringItem.status == "open", MonitoringItem.review_path.startswith(review_path))
        .group_by(MonitoringItem.rule)).all())


# --- special inspections (专项督察) and accountability (问责) ----------------------------------------------------------

MIN_TEXT, MAX_TEXT = 4, 2000


def _text(value: str, key: str, max_len: int = MAX_TEXT, min_len: int = MIN_TEXT) -> str:
    value = text_rules.clean_text(value or "", multiline=True)
    if not min_len <= len(value) <= max_len:
        raise SupervisionError(key)
    return value


def inspection_population(session: Session, region: Region, topic: str) -> list[str]:
    """The cases an inspection of `topic` draws from: decided applications (对象认定), households in the register
    (资金发放), concluded reports (举报办理) of the region."""
    from portal.applications.models import Application
    from portal.reports.models import ReportStatus

    if topic == "identification":
        return list(session.execute(select(Application.number).where(
            Application.region_path.startswith(region.path), Application.status.in_(("approved", "refused")))
        ).scalars())
    if topic == "funds":
        return list(session.execute(select(Household.code).where(Household.region_path.startswith(region.path))
                                    ).scalars())
    return [str(i) for i in session.execute(select(Report.id).where(
        Report.handler_path.startswith(region.path), Report.status == ReportStatus.CONCLUDED)).scalars()]


def open_inspection(session: Session, actor: Actor, region_code: str, topic: str, *, size: int | None = None,
                    seed: int | None = None, now: datetime | None = None):
    """Open an inspection and draw its sample. `size` None: enough for ±5 % at 95 % confidence. `seed` None: a
    fresh random one. The seed and the population size go into the audit row and onto the inspection."""
    import secrets

    from portal.supervision.models import Inspection, InspectionCase

    region = session.execute(select(Region).where(Region.code == (region_code or "")[:20])).scalar_one_or_none()
    authorize(actor, Role.INSPECTOR, region.path if region else "/nonexistent/")
    assert region is not None
    if topic not in rules.TOPICS:
        raise SupervisionError("sup.err_topic")
    population = inspection_population(session, region, topic)
    wanted = rules.sample_size(len(population)) if size is None else int(size)
    if not 0 < wanted <= 2000:
        raise SupervisionError("sup.err_sample_size")
    seed = secrets.randbits(48) if seed is None else int(seed)
    if not 0 <= seed < 2**63:
        raise SupervisionError("sup.err_sample_size")
    drawn = rules.draw_sample(population, wanted, seed)
    now = now or utcnow()
    ins = Inspection(region_id=region.id, region_path=region.path, topic=topic, seed=str(seed),
                     population=len(population), sample_size=len(drawn), opened_by=actor.user_id, opened_at=now)
    session.add(ins)
    session.flush()
    session.add_all(InspectionCase(inspection_id=ins.id, position=i + 1, ref=ref) for i, ref in enumerate(drawn))
    session.flush()
    audit.record(session, actor, "supervision.inspection_opened", "supervision_inspection", ins.id,
                 region_code=region.code, at=now, after={"topic": topic, "seed": str(seed),
                                                         "population": len(population), "sample": drawn})
    return ins


def _inspection(session: Session, actor: Actor, inspection_id: int):
    from portal.supervision.models import Inspection

    ins = session.get(Inspection, int(inspection_id))
    authorize(actor, Role.INSPECTOR, ins.region_path if ins else "/nonexistent/")
    assert ins is not None
    return ins


def record_finding(session: Session, actor: Actor, case_id: int, verdict: str, finding: str, *,
                   now: datetime | None = None) -> None:
    from portal.supervision.models import InspectionCase

    case = session.get(InspectionCase, int(case_id))
    ins = _inspection(session, actor, case.inspection_id if case else -1)
    if ins.status != "open":
        raise SupervisionError("sup.err_closed")
    if verdict not in rules.VERDICTS:
        raise SupervisionError("sup.err_outcome")
    case.verdict, case.finding, case.recorded_at = verdict, _text(finding, "sup.err_outcome_text"), now or utcnow()
    session.flush()
    audit.record(session, actor, "supervision.finding", "supervision_inspection_case", case.id, at=case.recorded_at,
                 after={"inspection": ins.id, "ref": case.ref, "verdict": verdict})


def set_rectification(session: Session, actor: Actor, inspection_id: int, office_code: str, demand: str,
                      working_days: int, *, case_id: int | None = None, now: datetime | None = None):
    """整改 for an office inside the inspected region, due in `working_days` working days."""
    from portal.supervision.models import InspectionCase, Rectification

    ins = _inspection(session, actor, inspection_id)
    office = session.execute(select(Region).where(Region.code == (office_code or "")[:20])).scalar_one_or_none()
    if office is None or not office.path.startswith(ins.region_path):
        raise SupervisionError("sup.err_office")
    if case_id is not None and (session.get(InspectionCase, int(case_id)) is None
                                or session.get(InspectionCase, int(case_id)).inspection_id != ins.id):
        raise SupervisionError("sup.err_office")
    if not 1 <= int(working_days) <= 60:
        raise SupervisionError("sup.err_deadline")
    now = now or utcnow()
    due = load_calendar(session).add_working_days(china_date(now), int(working_days))
    row = Rectification(inspection_id=ins.id, case_id=case_id, office_id=office.id, office_path=office.path,
                        demand=_text(demand, "sup.err_outcome_text"), due_on=due)
    session.add(row)
    session.flush()
    audit.record(session, actor, "supervision.rectification_set", "supervision_rectification", row.id,
                 region_code=office.code, at=now, after={"inspection": ins.id, "due_on": due.isoformat()})
    return row


def answer_rectification(session: Session, actor: Actor, rectification_id: int, answer: str, *,
                         now: datetime | None = None) -> None:
    """The inspected office answers (its officers)."""
    from portal.supervision.models import Rectification

    row = session.get(Rectification, int(rectification_id))
    authorize(actor, Role.OFFICER, row.office_path if row else "/nonexistent/")
    assert row is not None
    if row.status == "closed":
        raise SupervisionError("sup.err_closed")
    now = now or utcnow()
    row.answer, row.answered_by, row.answered_at, row.status = _text(answer, "sup.err_outcome_text"), \
        actor.user_id, now, "answered"
    session.flush()
    audit.record(session, actor, "supervision.rectification_answered", "supervision_rectification", row.id, at=now,
                 after={"chars": len(row.answer)})


def close_rectification(session: Session, actor: Actor, rectification_id: int, *, now: datetime | None = None) -> None:
    """The inspector accepts the answer; an unanswered item cannot be closed."""
    from portal.supervision.models import Rectification

    row = session.get(Rectification, int(rectification_id))
    _inspection(session, actor, row.inspection_id if row else -1)
    if row.status != "answered":
        raise SupervisionError("sup.err_unanswered")
    row.status, row.closed_at = "closed", now or utcnow()
    session.flush()
    audit.record(session, actor, "supervision.rectification_closed", "supervision_rectification", row.id,
                 at=row.closed_at)


def close_inspection(session: Session, actor: Actor, inspection_id: int, *, now: datetime | None = None) -> None:
    """Every drawn case has a finding and every rectification is closed before the inspection closes."""
    from portal.supervision.models import InspectionCase, Rectification

    ins = _inspection(session, actor, inspection_id)
    pending = session.execute(select(func.count()).select_from(InspectionCase).where(
        InspectionCase.inspection_id == ins.id, InspectionCase.verdict.is_(None))).scalar_one()
    open_rect = session.execute(select(func.count()).select_from(Rectification).where(
        Rectification.inspection_id == ins.id, Rectification.status != "closed")).scalar_one()
    if pending or open_rect:
        raise SupervisionError("sup.err_inspection_open")
    ins.status, ins.closed_at = "closed", now or utcnow()
    session.flush()
    audit.record(session, actor, "supervision.inspection_closed", "supervision_inspection", ins.id, at=ins.closed_at)


def refer(session: Session, actor: Actor, *, target: str, grounds: str, body: str, inspection_id: int | None = None,
          item_id: int | None = None, now: datetime | None = None):
    """问责: refer a finding (an inspection's or a risk hit's) to a body, with the grounds. The target is a person
    (two characters is a whole name: 王五) or an office."""
    from portal.supervision.models import Referral

    if (inspection_id is None) == (item_id is None):
        raise SupervisionError("sup.err_referral")
    if inspection_id is not None:
        path = _inspection(session, actor, inspection_id).region_path
    else:
        item = session.get(MonitoringItem, int(item_id))
        authorize(actor, SUPERVISING, item.review_path if item else "/nonexistent/")
        assert item is not None
        if actor.user_id in (item.about_user_ids or []):
            raise SupervisionError("sup.err_self")
        path = item.region_path
    now = now or utcnow()
    row = Referral(inspection_id=inspection_id, item_id=item_id, region_path=path,
                   target=_text(target, "sup.err_referral", 120, 2), grounds=_text(grounds, "sup.err_referral"),
                   body=_text(body, "sup.err_referral", 120), referred_on=china_date(now), referred_by=actor.user_id)
    session.add(row)
    session.flush()
    audit.record(session, actor, "supervision.referral", "supervision_referral", row.id, at=now,
                 after={"inspection": inspection_id, "item": item_id, "body": row.body})
    return row


def inspection_readers_path(inspected_path: str) -> str:
    """The region path of the level above an inspected region (the province's own for the province): who, besides
    the inspectors over it, reads an inspection's report and records its referrals' outcomes."""
    parts = [p for p in (inspected_path or "").split("/") if p]
    return "/" + "/".join(parts[:-1] if len(parts) > 1 else parts) + "/" if parts else "/nonexistent/"


def check_outcome_recorder(actor: Actor, referral, item: MonitoringItem | None) -> None:
    """Who records a referral's outcome: for an inspection's, an inspector over the inspected region or an admin of
    the level above; for a risk hit's, the reviewing level of its item (as referring), never someone the item is
    about. PermissionDenied or SupervisionError otherwise."""
    if item is None:
        # An inspection's: an inspector over the inspected region, or an admin of the level above it (as who reads
        # the inspection's report), never an admin of the inspected office itself.
        try:
            authorize(actor, Role.INSPECTOR, referral.region_path)
        except PermissionDenied:
            authorize(actor, Role.ADMIN, inspection_readers_path(referral.region_path))
        return
    authorize(actor, SUPERVISING, item.review_path)
    if actor.user_id in (item.about_user_ids or []):
        raise SupervisionError("sup.err_self")


def _referral_for_outcome(session: Session, actor: Actor, referral_id: int):
    from portal.supervision.models import Referral

    row = session.get(Referral, int(referral_id)) if 0 < int(referral_id) < 2**31 else None
    authorize(actor, SUPERVISING)
    if row is None:
        raise PermissionDenied()
    check_outcome_recorder(actor, row, session.get(MonitoringItem, row.item_id) if row.item_id else None)
    return row


def record_accountability(session: Session, actor: Actor, referral_id: int, outcome: str, decided_on: date, *,
                          decision_no: str, decided_by: str, now: datetime | None = None) -> None:
    """The outcome the body decided, from the fixed list (批评教育 … 移送司法机关), with its date, the decision's
    document number and who decided it. Recorded once: a later change would rewrite what notices and annual
    reports already count."""
    row = _referral_for_outcome(session, actor, referral_id)
    if row.outcome is not None:
        raise SupervisionError("sup.err_closed")
    if outcome not in rules.ACCOUNTABILITY:
        raise SupervisionError("sup.err_outcome")
    now = now or utcnow()
    if decided_on < row.referred_on or decided_on > china_date(now):
        raise SupervisionError("sup.err_decided_on")
    number = _text(decision_no, "sup.err_decision_no", 60)
    decider = _text(decided_by, "sup.err_decided_by", 120, 2)
    row.outcome, row.decided_on, row.decision_no, row.decided_by = outcome, decided_on, number, decider
    row.outcome_recorded_by = actor.user_id
    session.flush()
    region_code = row.region_path.strip("/").split("/")[-1]
    audit.record(session, actor, "supervision.accountability", "supervision_referral", row.id, region_code=region_code,
                 at=now, after={"outcome": outcome, "decided_on": decided_on.isoformat(), "decision_no": number,
                                "decided_by": decider, "item": row.item_id, "inspection": row.inspection_id})


# --- documents: the inspection report (督察报告) for the level above ---------------------------------------------------

def case_persons(session: Session, topic: str, refs: list[str]) -> dict[str, list[str]]:
    """The individuals each drawn case is about (applicant and members; household head and members; reporter and
    a person reported), so a document masks every one of them wherever the inspector's words repeat a name."""
    from portal.applications.models import Application

    out: dict[str, list[str]] = {ref: [] for ref in refs}
    if not refs:
        return out
    if topic == "identification":
        for number, name, answers in session.execute(select(Application.number, Application.applicant_name,
                                                            Application.answers).where(Application.number.in_(refs))):
            members = (answers or {}).get("members") or []
            out[number] = [name, *(str(m.get("name", "")) for m in members if isinstance(m, dict))]
    elif topic == "funds":
        heads = dict(session.execute(select(Household.code, Household.head_name).where(Household.code.in_(refs))).all())
        for code, head in heads.items():
            out[code].append(head)
        for code, name in session.execute(select(Household.code, Member.name).join(
                Member, Member.household_id == Household.id).where(Household.code.in_(refs))):
            out[code].append(name)
    else:
        ids = [int(r) for r in refs if r.isdigit()]
        for rid, reporter, subject in session.execute(select(Report.id, Report.reporter_name, Report.subject)
                                                      .where(Report.id.in_(ids))):
            out[str(rid)] += [n for n in (reporter, subject if rules.is_individual(subject or "") else None) if n]
    return {ref: sorted({n for n in names if n and n.strip()}) for ref, names in out.items()}


def _office_names(session: Session, path: str) -> set[str]:
    """Names of the regions inside `path` and above it: a target naming one of them is an office, not a person."""
    codes = [c for c in path.strip("/").split("/") if c]
    return set(session.execute(select(Region.name).where(or_(Region.path.startswith(path), Region.code.in_(codes))))
               .scalars())


def _mask_target(target: str, offices: set[str], persons: list[str], style: str) -> str:
    if rules.is_individual(target, offices):
        return rules.mask_persons(target, [target], style)
    return rules.mask_persons(target, persons, style)


@dataclass(frozen=True)
class ReportCase:
    position: int
    ref: str
    persons: tuple[str, ...]  # the case's individuals, masked (张*明, 李*)
    verdict: str  # ok | problem | "" (not recorded yet)
    finding: str  # masked


@dataclass(frozen=True)
class ReportRectification:
    office: str
    demand: str
    due_on: date
    status: str
    answer: str
    answered_on: date | None
    closed_on: date | None


@dataclass(frozen=True)
class ReportReferral:
    target: str  # masked when a person
    grounds: str
    body: str
    referred_on: date
    outcome: str  # rules.ACCOUNTABILITY or ""
    decided_on: date | None


@dataclass(frozen=True)
class InspectionReport:
    id: int
    number: str
    region: str
    region_code: str
    above: str  # the level the report goes to
    topic: str
    status: str
    inspector: str
    opened_on: date
    closed_on: date | None
    population: int
    sample_size: int
    seed: str
    confidence: int
    margin_pct: int
    computed_size: int  # what rules.sample_size gives for this population
    cases: tuple[ReportCase, ...]
    rectifications: tuple[ReportRectification, ...]
    referrals: tuple[ReportReferral, ...]


def report_allowed(session: Session, actor: Actor, inspection_id: int):
    """The inspection, if the actor may read its report: an inspector over the inspected region, or an officer,
    inspector or admin of the level above (the report is written for them). PermissionDenied otherwise."""
    from portal.supervision.models import Inspection

    ins = session.get(Inspection, int(inspection_id)) if 0 < int(inspection_id) < 2**31 else None
    if ins is None:
        raise PermissionDenied()
    try:
        authorize(actor, Role.INSPECTOR, ins.region_path)
        return ins
    except PermissionDenied:
        pass
    region = session.get(Region, ins.region_id)
    parent = session.get(Region, region.parent_id) if region.parent_id else region
    authorize(actor, SUPERVISING, parent.path)
    return ins


def inspection_report(session: Session, actor: Actor, inspection_id: int, *, lang: str = "zh",
                      now: datetime | None = None) -> InspectionReport:
    """Everything the report prints, individuals masked with the one masker; the read is audited."""
    from portal.accounts.models import User
    from portal.supervision.models import InspectionCase, Rectification, Referral

    ins = report_allowed(session, actor, inspection_id)
    region = session.get(Region, ins.region_id)
    parent = session.get(Region, region.parent_id) if region.parent_id else region
    style = region.name_mask_style
    cases = session.execute(select(InspectionCase).where(InspectionCase.inspection_id == ins.id)
                            .order_by(InspectionCase.position)).scalars().all()
    persons = case_persons(session, ins.topic, [c.ref for c in cases])
    everyone = sorted({n for names in persons.values() for n in names})
    rects = session.execute(select(Rectification).where(Rectification.inspection_id == ins.id)
                            .order_by(Rectification.id)).scalars().all()
    office_name = dict(session.execute(select(Region.id, Region.name).where(
        Region.id.in_({r.office_id for r in rects}))).all())
    refs = session.execute(select(Referral).where(Referral.inspection_id == ins.id).order_by(Referral.id)
                           ).scalars().all()
    offices = _office_names(session, ins.region_path)
    inspector = session.get(User, ins.opened_by)
    report = InspectionReport(
        id=ins.id, number=rules.report_number(china_date(ins.opened_at).year, ins.id), region=region.name,
        region_code=region.code, above=parent.name, topic=ins.topic, status=ins.status,
        inspector=inspector.display_name if inspector else "", opened_on=china_date(ins.opened_at),
        closed_on=china_date(ins.closed_at) if ins.closed_at else None, population=ins.population,
        sample_size=ins.sample_size, seed=ins.seed, confidence=95, margin_pct=5,
        computed_size=rules.sample_size(ins.population),
        cases=tuple(ReportCase(c.position, c.ref, tuple(rules.mask_persons(n, [n], style)
                                                        for n in persons.get(c.ref, [])),
                               c.verdict or "", rules.mask_persons(c.finding or "", everyone, style)) for c in cases),
        rectifications=tuple(ReportRectification(
            office_name.get(r.office_id, ""), rules.mask_persons(r.demand, everyone, style), r.due_on, r.status,
            rules.mask_persons(r.answer or "", everyone, style),
            china_date(r.answered_at) if r.answered_at else None,
            china_date(r.closed_at) if r.closed_at else None) for r in rects),
        referrals=tuple(ReportReferral(
            _mask_target(r.target, offices, everyone, style), rules.mask_persons(r.grounds, everyone, style),
            r.body, r.referred_on, r.outcome or "", r.decided_on) for r in refs),
    )
    audit.record(session, actor, "supervision.inspection_report", "supervision_inspection", ins.id,
                 region_code=region.code, at=now, after={"lang": lang, "number": report.number})
    return report


# --- notices of praise and criticism (通报表扬 / 通报批评) ---------------------------------------------------------------

NOTICE_ROLES = (Role.INSPECTOR, Role.OFFICER)
MAX_TITLE = 120
MAX_PERSONS = 20


@dataclass(frozen=True)
class NoticeDraft:
    region_code: str
    kind: str
    title: str
    body: str
    period_start: date
    period_end: date
    offices: tuple[str, ...] = ()  # region codes inside the region
    persons: tuple[str, ...] = ()  # individuals named (masked when published)
    referral_ids: tuple[int, ...] = ()
    case_ids: tuple[int, ...] = ()


def draft_notice(session: Session, actor: Actor, d: NoticeDraft, *, now: datetime | None = None):
    """An inspector or officer of the region drafts a notice; links must be referrals and findings of the region."""
    from portal.supervision.models import Inspection, InspectionCase, Notice, Referral

    region = session.execute(select(Region).where(Region.code == (d.region_code or "")[:20])).scalar_one_or_none()
    authorize(actor, NOTICE_ROLES, region.path if region else "/nonexistent/")
    assert region is not None
    if d.kind not in rules.NOTICE_KINDS:
        raise SupervisionError("sup.err_notice_kind")
    if d.period_end < d.period_start or (d.period_end - d.period_start).days > 366:
        raise SupervisionError("sup.err_notice_period")
    title = text_rules.clean_text(d.title or "", multiline=False)
    if not MIN_TEXT <= len(title) <= MAX_TITLE:
        raise SupervisionError("sup.err_notice_title")
    body = _text(d.body, "sup.err_notice_body")
    codes = list(dict.fromkeys(c.strip() for c in d.offices if c and c.strip()))
    offices = session.execute(select(Region).where(Region.code.in_(codes))).scalars().all() if codes else []
    if not codes or len(offices) != len(codes) or any(not o.path.startswith(region.path) for o in offices):
        raise SupervisionError("sup.err_office")
    persons = list(dict.fromkeys(" ".join(text_rules.clean_text(p or "", multiline=False).split())
                                 for p in d.persons))
    persons = [p for p in persons if p]
    if len(persons) > MAX_PERSONS or any(len(p) > 40 for p in persons):
        raise SupervisionError("sup.err_notice_persons")
    ref_ids = sorted({int(i) for i in d.referral_ids})
    refs = session.execute(select(Referral).where(Referral.id.in_(ref_ids))).scalars().all() if ref_ids else []
    if len(refs) != len(ref_ids) or any(not r.region_path.startswith(region.path) for r in refs):
        raise SupervisionError("sup.err_notice_link")
    case_ids = sorted({int(i) for i in d.case_ids})
    cases = session.execute(select(InspectionCase, Inspection.region_path).join(
        Inspection, Inspection.id == InspectionCase.inspection_id).where(InspectionCase.id.in_(case_ids))
    ).all() if case_ids else []
    if len(cases) != len(case_ids) or any(not p.startswith(region.path) or c.verdict is None for c, p in cases):
        raise SupervisionError("sup.err_notice_link")
    now = now or utcnow()
    row = Notice(kind=d.kind, region_id=region.id, region_path=region.path, period_start=d.period_start,
                 period_end=d.period_end, title=title, body=body, offices=[o.code for o in offices],
                 persons=persons, referral_ids=ref_ids, case_ids=case_ids, status="draft",
                 drafted_by=actor.user_id, drafted_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor, "supervision.notice_drafted", "supervision_notice", row.id, region_code=region.code,
                 at=now, after={"kind": d.kind, "offices": row.offices, "persons": len(persons),
                                "referrals": ref_ids, "cases": case_ids})
    return row


def _notice_for_decision(session: Session, actor: Actor, notice_id: int):
    from portal.supervision.models import Notice

    row = session.get(Notice, int(notice_id)) if 0 < int(notice_id) < 2**31 else None
    authorize(actor, NOTICE_ROLES, row.region_path if row else "/nonexistent/")
    assert row is not None
    if row.status != "draft":
        raise SupervisionError("sup.err_notice_state")
    if row.drafted_by == actor.user_id:
        raise SupervisionError("sup.err_notice_self")
    return row


def public_notice(session: Session, row) -> dict:
    """The text everyone reads: individuals masked (the drafter's list, each linked referral's target when it is a
    person, each linked case's own people), numbers scrubbed; offices by name; links as their published lines."""
    from portal.supervision.models import Inspection, InspectionCase, Referral

    region = session.get(Region, row.region_id)
    style = region.name_mask_style
    cases = session.execute(select(InspectionCase, Inspection.topic).join(
        Inspection, Inspection.id == InspectionCase.inspection_id).where(InspectionCase.id.in_(row.case_ids or [])
                                                                          ).order_by(InspectionCase.id)).all()
    persons = set(row.persons or [])
    for case, topic in cases:
        persons |= set(case_persons(session, topic, [case.ref]).get(case.ref, []))
    refs = session.execute(select(Referral).where(Referral.id.in_(row.referral_ids or [])).order_by(Referral.id)
                           ).scalars().all()
    offices = _office_names(session, row.region_path)
    persons |= {r.target for r in refs if rules.is_individual(r.target, offices)}
    everyone = sorted(persons)
    names = dict(session.execute(select(Region.code, Region.name).where(Region.code.in_(row.offices or []))).all())
    return {
        "title": rules.mask_persons(row.title, everyone, style),
        "body": rules.mask_persons(row.body, everyone, style),
        "offices": [names.get(c, c) for c in row.offices or []],
        "referrals": [{"target": _mask_target(r.target, offices, everyone, style), "body": r.body,
                       "outcome": r.outcome or "", "decided_on": r.decided_on.isoformat() if r.decided_on else ""}
                      for r in refs],
        "findings": [{"topic": topic, "position": case.position, "verdict": case.verdict or "",
                      "finding": rules.mask_persons(case.finding or "", everyone, style)} for case, topic in cases],
    }


def approve_notice(session: Session, actor: Actor, notice_id: int, *, now: datetime | None = None):
    """A second person (an inspector or officer of the region or above, never the drafter) approves: the notice is
    published with its document number and the masked text frozen."""
    from portal.supervision.models import Notice

    row = _notice_for_decision(session, actor, notice_id)
    now = now or utcnow()
    region = session.get(Region, row.region_id)
    year = china_date(now).year
    prefix = rules.notice_number(year, region.code, 0).split("-")[0] + "-"
    seq = session.execute(select(func.count()).select_from(Notice).where(Notice.number.startswith(prefix))
                          ).scalar_one() + 1
    row.public = public_notice(session, row)
    row.number = rules.notice_number(year, region.code, seq)
    row.status, row.decided_by, row.decided_at = "published", actor.user_id, now
    session.flush()
    audit.record(session, actor, "supervision.notice_published", "supervision_notice", row.id,
                 region_code=region.code, at=now, before={"status": "draft"},
                 after={"status": "published", "number": row.number, "drafted_by": row.drafted_by})
    return row


def return_notice(session: Session, actor: Actor, notice_id: int, reason: str, *, now: datetime | None = None):
    """The second person sends the draft back with the reason; the drafter drafts again."""
    row = _notice_for_decision(session, actor, notice_id)
    now = now or utcnow()
    row.return_reason = _text(reason, "sup.err_outcome_text")
    row.status, row.decided_by, row.decided_at = "returned", actor.user_id, now
    session.flush()
    region_code = session.execute(select(Region.code).where(Region.id == row.region_id)).scalar_one()
    audit.record(session, actor, "supervision.notice_returned", "supervision_notice", row.id, region_code=region_code,
                 at=now, before={"status": "draft"}, after={"status": "returned", "chars": len(row.return_reason)})
    return row


def refer_item(session: Session, actor: Actor, item_id: int, *, target: str, grounds: str, body: str,
               now: datetime | None = None):
    """From the board: refer a risk hit for accountability and close it as referred (已移送), the grounds as its
    written outcome, in one unit of work. The reviewing level only, never about oneself (as `close_item`)."""
    cleaned = text_rules.clean_text(grounds or "", multiline=True)
    if len(cleaned) < MIN_OUTCOME_TEXT:
        raise SupervisionError("sup.err_outcome_text")
    now = now or utcnow()
    row = refer(session, actor, target=target, grounds=cleaned, body=body, item_id=item_id, now=now)
    close_item(session, actor, item_id, "referred", cleaned, now=now)
    return row
