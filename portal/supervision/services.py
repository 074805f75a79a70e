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

from portal.accounts.models import RoleGrant
from portal.kernel import audit, text_rules
from portal.kernel.audit_models import AuditEntry
from portal.kernel.base import utcnow
from portal.kernel.calendar_store import load_calendar
from portal.kernel.permissions import Actor, Role, authorize
from portal.kernel.workdays import china_date, china_today
from portal.regions.models import Region, RegionLevel
from portal.register.models import Household, Member
from portal.reports.models import Report
from portal.roster.models import RosterBatch, RosterEntry
from portal.regions.models import ServiceWindow
from portal.supervision import rules
from portal.supervision.models import MonitoringItem, PowerVersion, RiskSetting, SweepMark

log = logging.getLogger(__name__)

SUPERVISING = (Role.OFFICER, Role.INSPECTOR, Role.ADMIN)
MIN_OUTCOME_TEXT = 10
MAX_OUTCOME_TEXT = 2000


class SupervisionError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


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
            seed.actions, r.effective_from))
    return out


def _province_path(session: Session) -> str:
    root = session.execute(select(Region.path).where(Region.parent_id.is_(None)).order_by(Region.id)).scalars().first()
    return root or "/nonexistent/"


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


def set_power(session: Session, actor: Actor, change: PowerChange) -> PowerVersion:
    """A new dated version of one power (province admins; audited). Earlier versions stay as they were."""
    authorize(actor, Role.ADMIN, _province_path(session))
    if change.key not in rules.POWER_KEYS:
        raise SupervisionError("sup.err_power")
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
                       control_points=list(change.control_points), risk_points=list(change.risk_points),
                       created_by=actor.username)
    session.add(row)
    session.flush()
    audit.record(session, actor, "supervision.power_set", "supervision_power", row.id,
                 after={"key": row.key, "effective_from": row.effective_from.isoformat(), "grade": row.grade,
                        "time_limit_wd": row.time_limit_wd, "office_level": row.office_level})
    return row


# --- risk rules as data ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RuleInForce:
    rule: rules.RiskRule
    enabled: bool
    threshold: int
    window_days: int


def rule_in_force(session: Session, key: str) -> RuleInForce:
    base = rules.RULES_BY_KEY[key]
    row = session.get(RiskSetting, key)
    if row is None:
        return RuleInForce(base, True, base.threshold, base.window_days)
    return RuleInForce(base, row.enabled, row.threshold, row.window_days)


def set_rule(session: Session, actor: Actor, key: str, enabled: bool, threshold: int, window_days: int) -> None:
    """Enable, disable or re-tune a risk rule (province admins; audited)."""
    authorize(actor, Role.ADMIN, _province_path(session))
    if key not in rules.RULES_BY_KEY or not 0 < int(threshold) <= 10_000 or not 0 < int(window_days) <= 3650:
        raise SupervisionError("sup.err_rule")
    row = session.get(RiskSetting, key)
    before = None if row is None else {"enabled": row.enabled, "threshold": row.threshold,
                                       "window_days": row.window_days}
    if row is None:
        row = RiskSetting(rule=key)
        session.add(row)
    row.enabled, row.threshold, row.window_days = bool(enabled), int(threshold), int(window_days)
    row.updated_by, row.updated_at = actor.username, utcnow()
    session.flush()
    audit.record(session, actor, "supervision.rule_set", "supervision_risk_setting", key, before=before,
                 after={"enabled": row.enabled, "threshold": row.threshold, "window_days": row.window_days})


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


CHECKS: dict[str, Callable[[Session, AuditEntry, RuleInForce], Hit | None]] = {
    "ab_separation": _check_ab_separation,
    "too_fast": _check_too_fast,
    "quick_withdraw": _check_quick_withdraw,
    "own_office_unfounded": _check_own_office_unfounded,
    "burst_repeat": _check_burst_repeat,
    "retaliation": _check_retaliation,
    "bulk_admit": _check_bulk_admit,
}


def _open_item(session: Session, key: str, rule: RuleInForce, hit: Hit, at: datetime) -> MonitoringItem | None:
    if session.execute(select(MonitoringItem.id).where(MonitoringItem.rule == key,
                                                       MonitoringItem.subject == hit.subject)).first():
        return None
    reviewer = session.get(Region, hit.office.parent_id) if hit.office.parent_id else hit.office
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


def _text(value: str, key: str, max_len: int = MAX_TEXT) -> str:
    value = text_rules.clean_text(value or "", multiline=True)
    if not MIN_TEXT <= len(value) <= max_len:
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
    """问责: refer a finding (an inspection's or a risk hit's) to a body, with the grounds."""
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
                   target=_text(target, "sup.err_referral", 120), grounds=_text(grounds, "sup.err_referral"),
                   body=_text(body, "sup.err_referral", 120), referred_on=china_date(now), referred_by=actor.user_id)
    session.add(row)
    session.flush()
    audit.record(session, actor, "supervision.referral", "supervision_referral", row.id, at=now,
                 after={"inspection": inspection_id, "item": item_id, "body": row.body})
    return row


def record_accountability(session: Session, actor: Actor, referral_id: int, outcome: str, decided_on: date) -> None:
    """The outcome the body decided, from the fixed list (批评教育 … 移送司法机关)."""
    from portal.supervision.models import Referral

    row = session.get(Referral, int(referral_id))
    authorize(actor, (Role.INSPECTOR, Role.ADMIN), row.region_path if row else "/nonexistent/")
    assert row is not None
    if outcome not in rules.ACCOUNTABILITY:
        raise SupervisionError("sup.err_outcome")
    if decided_on < row.referred_on:
        raise SupervisionError("sup.err_deadline")
    row.outcome, row.decided_on = outcome, decided_on
    session.flush()
    audit.record(session, actor, "supervision.accountability", "supervision_referral", row.id,
                 after={"outcome": outcome, "decided_on": decided_on.isoformat()})
