"""Supervisors' evaluation rounds against the database: appoint, open, target, assign, evaluate, close, publish.

Rules (criteria, scores, combined score, ranking, talk flag) live in `services.evaluations`; the residents' side
comes from the ratings aggregation (`rating_workflow.windows_summary`, k ≥ 5). Every privileged action passes the
one guard and writes the audit log. A supervisor reaches an assignment only by its id AND being its supervisor:
an unknown id and somebody else's id are refused the same way.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portal.accounts import services as auth
from portal.accounts.models import Role, RoleGrant, User
from portal.kernel.base import utcnow
from portal.evaluations.models import (AssignmentStatus, EvaluationAssignment, EvaluationResult, EvaluationRound,
                                       EvaluationTarget, RoundStatus, SupervisorAppointment)
from portal.regions.models import Region, ServiceWindow
from portal.kernel import audit
from portal.kernel import policy
from portal.regions import services as regions
from portal.kernel import text_rules
from portal.evaluations import rules
from portal.ratings import services as wf
from portal.evaluations.rules import EvaluationRuleError
from portal.kernel.permissions import Actor, PermissionDenied, authorize
from portal.ratings.rules import WindowSummary
from portal.kernel.workdays import china_date

MAX_TITLE = 120
MAX_REASON = 500


def _today(now: datetime | None) -> date:
    return china_date(now or utcnow())


def _text(value: str | None, limit: int) -> str:
    value = text_rules.clean_text(value)
    if len(value) > limit:
        raise EvaluationRuleError("eval.err.too_long")
    return value


# --- appointments -----------------------------------------------------------------------------------------------


def appoint_supervisor(session: Session, actor: Actor | None, username: str, region_code: str, term_start: date,
                       term_end: date) -> SupervisorAppointment:
    """聘任: an existing account serves `region` for the term; it gets the supervisor role there if missing."""
    region = regions.by_code(session, (region_code or "").strip()[:20])
    if region is None:
        raise EvaluationRuleError("eval.err.region")
    authorize(actor, Role.ADMIN, region.path)
    user = session.execute(select(User).where(User.username == (username or "").strip()[:64])).scalar_one_or_none()
    if not _appointable(actor, user):
        raise EvaluationRuleError("eval.err.user")
    if term_end < term_start:
        raise EvaluationRuleError("eval.err.dates")
    grant = session.execute(select(RoleGrant).where(RoleGrant.user_id == user.id, RoleGrant.role == Role.SUPERVISOR,
                                                    RoleGrant.region_id == region.id)).scalar_one_or_none()
    if grant is None:
        session.add(RoleGrant(user_id=user.id, role=Role.SUPERVISOR, region_id=region.id))
    row = SupervisorAppointment(user_id=user.id, region_id=region.id, term_start=term_start, term_end=term_end,
                                appointed_by=actor.user_id)
    session.add(row)
    session.flush()
    audit.record(session, actor, "supervisor.appoint", "supervisor_appointment", row.id, region_code=region.code,
                 after={"username": user.username, "region": region.code, "term_start": term_start,
                        "term_end": term_end, "role_granted": grant is None})
    return row


def _appointable(actor: Actor, user: User | None) -> bool:
    """An active account this admin manages (accounts.services.manages: its grants all lie in the admin's regions,
    or it has none yet), never the admin's own: appointing grants a role, which only the account's admins give."""
    return user is not None and user.active and user.id != actor.user_id and auth.manages(actor, user)


SEARCH_MIN = 2  # characters typed before the appointment search looks
SEARCH_LIMIT = 10


@dataclass(frozen=True)
class AccountChoice:
    username: str
    display_name: str


def appointable_accounts(session: Session, actor: Actor | None, text: str) -> list[AccountChoice]:
    """The accounts `appoint_supervisor` would accept from this admin whose username or name contains `text` (at
    least SEARCH_MIN characters, else none), by username, SEARCH_LIMIT + 1 at most (the extra one says there are
    more): names and usernames only."""
    authorize(actor, Role.ADMIN)
    text = text_rules.plain(text, 64)
    if len(text) < SEARCH_MIN:
        return []
    rows = session.execute(
        select(User).where(User.active.is_(True), User.id != actor.user_id,
                           User.id.not_in(auth.unmanaged_user_ids(actor)),
                           or_(User.username.contains(text, autoescape=True),
                               User.display_name.contains(text, autoescape=True)))
        .order_by(User.username).limit(SEARCH_LIMIT + 1)).scalars().all()
    return [AccountChoice(u.username, u.display_name) for u in rows if _appointable(actor, u)]


def _appointed(session: Session, user_id: int, region_path: str, on: date) -> bool:
    rows = session.execute(
        select(Region.path).join(SupervisorAppointment, SupervisorAppointment.region_id == Region.id)
        .where(SupervisorAppointment.user_id == user_id, SupervisorAppointment.term_start <= on,
               SupervisorAppointment.term_end >= on)
    ).scalars()
    return any(region_path.startswith(path) for path in rows)


@dataclass(frozen=True)
class AppointmentRow:
    id: int
    username: str
    display_name: str
    region_name: str
    term_start: date
    term_end: date
    current: bool


def list_appointments(session: Session, actor: Actor | None, region_path: str,
                      today: date | None = None) -> list[AppointmentRow]:
    authorize(actor, Role.ADMIN, region_path)
    today = today or _today(None)
    rows = session.execute(
        select(SupervisorAppointment, User, Region).join(User, User.id == SupervisorAppointment.user_id)
        .join(Region, Region.id == SupervisorAppointment.region_id).where(Region.path.startswith(region_path))
        .order_by(SupervisorAppointment.term_end.desc(), User.username)
    ).all()
    return [AppointmentRow(a.id, u.username, u.display_name, r.name, a.term_start, a.term_end,
                           a.term_start <= today <= a.term_end) for a, u, r in rows]


# --- rounds, targets, assignments (admins) ----------------------------------------------------------------------


def _round(session: Session, round_id: int) -> tuple[EvaluationRound, Region]:
    row = session.execute(select(EvaluationRound, Region).join(Region, Region.id == EvaluationRound.region_id)
                          .where(EvaluationRound.id == round_id)).first()
    if row is None:
        raise PermissionDenied()
    return row[0], row[1]


def _admin_round(session: Session, actor: Actor | None, round_id: int, *, must_be_open: bool = True) -> EvaluationRound:
    rnd, region = _round(session, round_id)
    authorize(actor, Role.ADMIN, region.path)
    if must_be_open and rnd.status != RoundStatus.OPEN:
        raise EvaluationRuleError("eval.err.round_closed")
    return rnd


def open_round(session: Session, actor: Actor | None, *, title: str, region_code: str, period_start: date,
               period_end: date, due_on: date, criteria: list[tuple[str, int]],
               now: datetime | None = None) -> EvaluationRound:
    region = regions.by_code(session, (region_code or "").strip()[:20])
    if region is None:
        raise EvaluationRuleError("eval.err.region")
    authorize(actor, Role.ADMIN, region.path)
    title = _text(title, MAX_TITLE)
    if not title:
        raise EvaluationRuleError("eval.err.title")
    if period_end < period_start or due_on < _today(now):
        raise EvaluationRuleError("eval.err.dates")
    stored = rules.validate_criteria(criteria)
    rnd = EvaluationRound(title=title, region_id=region.id, period_start=period_start, period_end=period_end,
                          due_on=due_on, criteria=stored, opened_by=actor.user_id, opened_at=now or utcnow())
    session.add(rnd)
    session.flush()
    audit.record(session, actor, "evaluation.round_open", "evaluation_round", rnd.id, region_code=region.code,
                 after={"title": title, "period": [period_start, period_end], "due_on": due_on, "criteria": stored})
    return rnd


def add_window_target(session: Session, actor: Actor | None, round_id: int, window_code: str) -> EvaluationTarget:
    rnd = _admin_round(session, actor, round_id)
    window = wf.find_window(session, window_code)
    round_region = session.get(Region, rnd.region_id)
    if window is None or not window.region_path.startswith(round_region.path):
        raise EvaluationRuleError("eval.err.window")
    region_id = session.get(ServiceWindow, window.id).region_id
    return _add_target(session, actor, rnd, EvaluationTarget(
        round_id=rnd.id, kind="window", key=f"w:{window.code}", window_id=window.id, office_name=window.office_name,
        region_id=region_id))


def _office_windows(session: Session, office_name: str, region_path: str) -> list[ServiceWindow]:
    return list(session.execute(
        select(ServiceWindow).join(Region).where(ServiceWindow.office_name == office_name,
                                                 ServiceWindow.active.is_(True), Region.path.startswith(region_path))
        .order_by(ServiceWindow.code)).scalars())


def add_office_target(session: Session, actor: Actor | None, round_id: int, office_name: str) -> EvaluationTarget:
    rnd = _admin_round(session, actor, round_id)
    office_name = (office_name or "").strip()[:120]
    windows = _office_windows(session, office_name, session.get(Region, rnd.region_id).path) if office_name else []
    if not windows:
        raise EvaluationRuleError("eval.err.office")
    return _add_target(session, actor, rnd, EvaluationTarget(
        round_id=rnd.id, kind="office", key=f"o:{office_name}", window_id=None, office_name=office_name,
        region_id=windows[0].region_id))


@dataclass(frozen=True)
class WindowOption:
    code: str
    label: str  # office, window name and code, as a target card names it


@dataclass(frozen=True)
class TargetOptions:
    """What the round may still take: `add_window_target` accepts each window, `add_office_target` each office."""

    windows: list[WindowOption] = field(default_factory=list)
    offices: list[str] = field(default_factory=list)


def target_options(session: Session, actor: Actor | None, round_id: int) -> TargetOptions:
    """The active windows under an open round's region and their offices, less those already targets of the round
    (a closed round takes nothing). The admin's pickers offer exactly these; the add_* services still check a value
    sent by hand."""
    rnd = _admin_round(session, actor, round_id, must_be_open=False)
    if rnd.status != RoundStatus.OPEN:
        return TargetOptions()
    taken = set(session.execute(select(EvaluationTarget.key).where(EvaluationTarget.round_id == rnd.id)).scalars())
    windows = regions.windows_under(session, session.get(Region, rnd.region_id).path, active_only=True)
    return TargetOptions(
        [WindowOption(w.code, f"{w.office_name} {w.name} ({w.code})") for w in windows
         if f"w:{w.code}" not in taken],
        sorted({w.office_name for w in windows if f"o:{w.office_name}" not in taken}))


def _add_target(session: Session, actor: Actor, rnd: EvaluationRound, target: EvaluationTarget) -> EvaluationTarget:
    exists = session.execute(select(EvaluationTarget.id).where(EvaluationTarget.round_id == rnd.id,
                                                               EvaluationTarget.key == target.key)).first()
    if exists:
        raise EvaluationRuleError("eval.err.duplicate")
    session.add(target)
    session.flush()
    audit.record(session, actor, "evaluation.target_add", "evaluation_round", rnd.id,
                 after={"target": target.key, "target_id": target.id})
    return target


def _assign_refusal(session: Session, rnd: EvaluationRound, target: EvaluationTarget, user: User | None,
                    on: date) -> str | None:
    """Why `user` may not evaluate `target` (a catalog key), or None: an active account with an appointment in
    force on `on` covering the target's region, not staff of a window under evaluation, not already on it."""
    target_path = session.get(Region, target.region_id).path
    if user is None or not user.active or not _appointed(session, user.id, target_path, on):
        return "eval.err.not_appointed"
    if user.window_id is not None and user.window_id in _target_window_ids(session, target, session.get(
            Region, rnd.region_id).path):  # staff of the window under evaluation never evaluate it
        return "eval.err.own_window"
    existing = session.execute(select(EvaluationAssignment).where(
        EvaluationAssignment.target_id == target.id, EvaluationAssignment.supervisor_id == user.id)
    ).scalar_one_or_none()
    if existing is not None:
        # A declared conflict stands: the same supervisor is never put back on that target.
        return "eval.err.conflict_declared" if existing.status == AssignmentStatus.CONFLICT else "eval.err.duplicate"
    return None


@dataclass(frozen=True)
class SupervisorChoice:
    username: str
    display_name: str


def _eligible(session: Session, rnd: EvaluationRound, target: EvaluationTarget, on: date) -> list[SupervisorChoice]:
    """Everyone `assign` would accept for the target today, by name: the admin's picker offers exactly these."""
    target_path = session.get(Region, target.region_id).path
    # Appointments covering the target: at its region or one above ("/13/", "/13/1301/", … of "/13/1301/130102/").
    covering = ["/".join(target_path.split("/")[:n]) + "/" for n in range(2, target_path.count("/") + 1)]
    rows = session.execute(
        select(User).join(SupervisorAppointment, SupervisorAppointment.user_id == User.id)
        .join(Region, Region.id == SupervisorAppointment.region_id)
        .where(SupervisorAppointment.term_start <= on, SupervisorAppointment.term_end >= on,
               Region.path.in_(covering), User.active.is_(True))
        .order_by(User.display_name, User.username)).scalars().all()
    users = list({u.id: u for u in rows}.values())
    return [SupervisorChoice(u.username, u.display_name) for u in users
            if _assign_refusal(session, rnd, target, u, on) is None]


def assign(session: Session, actor: Actor | None, target_id: int, supervisor_username: str,
           now: datetime | None = None) -> EvaluationAssignment:
    target = session.get(EvaluationTarget, target_id)
    if target is None:
        raise PermissionDenied()
    rnd = _admin_round(session, actor, target.round_id)
    user = session.execute(select(User).where(User.username == (supervisor_username or "").strip()[:64])
                           ).scalar_one_or_none()
    key = _assign_refusal(session, rnd, target, user, _today(now))
    if key is not None:
        raise EvaluationRuleError(key)
    assert user is not None
    row = EvaluationAssignment(round_id=rnd.id, target_id=target.id, supervisor_id=user.id, assigned_by=actor.user_id,
                               scores={}, comments={}, photos=[])
    session.add(row)
    session.flush()
    audit.record(session, actor, "evaluation.assign", "evaluation_assignment", row.id,
                 after={"round": rnd.id, "target": target.key, "supervisor": user.username})
    return row


def unassign(session: Session, actor: Actor | None, assignment_id: int) -> None:
    row = session.get(EvaluationAssignment, assignment_id)
    if row is None:
        raise PermissionDenied()
    _admin_round(session, actor, row.round_id)
    if row.status == AssignmentStatus.SUBMITTED:
        raise EvaluationRuleError("eval.err.submitted")
    if row.status == AssignmentStatus.CONFLICT:  # the declared conflict is the record that keeps it unassignable
        raise EvaluationRuleError("eval.err.conflict_declared")
    before = {"target_id": row.target_id, "supervisor_id": row.supervisor_id, "status": row.status.value}
    session.delete(row)
    audit.record(session, actor, "evaluation.unassign", "evaluation_assignment", assignment_id, before=before)


@dataclass(frozen=True)
class RoundRow:
    id: int
    title: str
    region_name: str
    period_start: date
    period_end: date
    due_on: date
    status: str
    targets: int
    assigned: int
    submitted: int


def list_rounds(session: Session, actor: Actor | None, region_path: str) -> list[RoundRow]:
    authorize(actor, Role.ADMIN, region_path)
    rounds = session.execute(
        select(EvaluationRound, Region.name).join(Region, Region.id == EvaluationRound.region_id)
        .where(Region.path.startswith(region_path)).order_by(EvaluationRound.period_start.desc(), EvaluationRound.id.desc())
    ).all()
    out = []
    for rnd, region_name in rounds:
        targets = session.execute(select(EvaluationTarget.id).where(EvaluationTarget.round_id == rnd.id)).all()
        statuses = list(session.execute(select(EvaluationAssignment.status)
                                        .where(EvaluationAssignment.round_id == rnd.id)).scalars())
        live = [s for s in statuses if s != AssignmentStatus.CONFLICT]
        out.append(RoundRow(rnd.id, rnd.title, region_name, rnd.period_start, rnd.period_end, rnd.due_on,
                            rnd.status.value, len(targets), len(live),
                            sum(1 for s in live if s == AssignmentStatus.SUBMITTED)))
    return out


def rounds_needed_this_year(session: Session, region_path: str, year: int) -> int:
    starts = session.execute(select(EvaluationRound.period_start).join(Region, Region.id == EvaluationRound.region_id)
                             .where(Region.path.startswith(region_path))).scalars().all()
    return rules.rounds_short_of_minimum(starts, year)


@dataclass(frozen=True)
class AssignmentLine:
    id: int
    supervisor: str
    status: str


@dataclass(frozen=True)
class TargetLine:
    id: int
    kind: str
    label: str
    assignments: list[AssignmentLine] = field(default_factory=list)
    candidates: list[SupervisorChoice] = field(default_factory=list)  # who may be assigned now (open rounds)


def _label(target: EvaluationTarget) -> str:
    if target.kind == "window" and target.window is not None:
        return f"{target.office_name} {target.window.name} ({target.window.code})"
    return target.office_name


def round_targets(session: Session, actor: Actor | None, round_id: int,
                  now: datetime | None = None) -> list[TargetLine]:
    rnd = _admin_round(session, actor, round_id, must_be_open=False)
    on = _today(now)
    targets = session.execute(select(EvaluationTarget).where(EvaluationTarget.round_id == round_id)
                              .order_by(EvaluationTarget.id)).scalars().all()
    rows = session.execute(select(EvaluationAssignment, User.display_name, User.username)
                           .join(User, User.id == EvaluationAssignment.supervisor_id)
                           .where(EvaluationAssignment.round_id == round_id).order_by(EvaluationAssignment.id)).all()
    by_target: dict[int, list[AssignmentLine]] = defaultdict(list)
    for a, name, username in rows:
        by_target[a.target_id].append(AssignmentLine(a.id, f"{name} ({username})", a.status.value))
    return [TargetLine(t.id, t.kind, _label(t), by_target.get(t.id, []),
                       _eligible(session, rnd, t, on) if rnd.status == RoundStatus.OPEN else [])
            for t in targets]


# --- supervisors ------------------------------------------------------------------------------------------------


def _own_assignment(session: Session, actor: Actor | None,
                    assignment_id: int) -> tuple[EvaluationAssignment, EvaluationRound, str]:
    """The caller's own assignment, or PermissionDenied (unknown ids and other people's look the same)."""
    authorize(actor, Role.SUPERVISOR)
    row = session.execute(
        select(EvaluationAssignment, EvaluationRound, Region.path)
        .join(EvaluationRound, EvaluationRound.id == EvaluationAssignment.round_id)
        .join(EvaluationTarget, EvaluationTarget.id == EvaluationAssignment.target_id)
        .join(Region, Region.id == EvaluationTarget.region_id)
        .where(EvaluationAssignment.id == assignment_id)
    ).first()
    if row is None or row[0].supervisor_id != actor.user_id or row[0].status == AssignmentStatus.CONFLICT:
        raise PermissionDenied()
    authorize(actor, Role.SUPERVISOR, row[2])
    return row[0], row[1], row[2]


def _editable(session: Session, actor: Actor | None, assignment_id: int,
              now: datetime | None) -> tuple[EvaluationAssignment, EvaluationRound]:
    a, rnd, path = _own_assignment(session, actor, assignment_id)
    if rnd.status != RoundStatus.OPEN:
        raise EvaluationRuleError("eval.err.round_closed")
    if _today(now) > rnd.due_on:
        raise EvaluationRuleError("eval.err.past_due")
    if not _appointed(session, actor.user_id, path, _today(now)):  # the term ended during the round
        raise EvaluationRuleError("eval.err.not_appointed")
    if a.status == AssignmentStatus.SUBMITTED:
        raise EvaluationRuleError("eval.err.submitted")
    return a, rnd


def ensure_editable(session: Session, actor: Actor | None, assignment_id: int, now: datetime | None = None) -> None:
    """Raise unless the caller may change this evaluation now (checked before a photo is stored, not only after)."""
    _editable(session, actor, assignment_id, now)


def _touch(a: EvaluationAssignment, now: datetime | None) -> None:
    a.updated_at = now or utcnow()
    if a.status == AssignmentStatus.ASSIGNED:
        a.status = AssignmentStatus.DRAFT


def save_draft(session: Session, actor: Actor | None, assignment_id: int, *, scores: dict[str, int] | None = None,
               comments: dict[str, str] | None = None, overall_comment: str | None = None,
               now: datetime | None = None) -> None:
    """Drafts save as the supervisor goes: any subset of scores / comments, each checked."""
    a, rnd = _editable(session, actor, assignment_id, now)
    keys = {c["key"] for c in rnd.criteria}
    before = {"scores": dict(a.scores or {}), "comments": dict(a.comments or {}), "overall": a.overall_comment}
    if scores:
        new = dict(a.scores or {})
        for key, value in scores.items():
            if key not in keys:
                raise EvaluationRuleError("eval.err.criteria")
            new[key] = rules.validate_score(value)
        a.scores = new
    if comments:
        new_c = dict(a.comments or {})
        for key, value in comments.items():
            if key not in keys:
                raise EvaluationRuleError("eval.err.criteria")
            new_c[key] = _text(value, rules.MAX_COMMENT)
        a.comments = new_c
    if overall_comment is not None:
        a.overall_comment = _text(overall_comment, rules.MAX_COMMENT * 2) or None
    _touch(a, now)
    audit.record(session, actor, "evaluation.draft", "evaluation_assignment", a.id, before=before,
                 after={"scores": a.scores, "comments": a.comments, "overall": a.overall_comment})


def check_in(session: Session, actor: Actor | None, assignment_id: int, *, lat: float | None = None,
             lon: float | None = None, accuracy_m: float | None = None, now: datetime | None = None) -> None:
    """On-site check-in: the server's time, and the browser's location when the supervisor allowed it."""
    a, _rnd = _editable(session, actor, assignment_id, now)
    if lat is not None or lon is not None:
        try:
            lat, lon = float(lat), float(lon)
        except (TypeError, ValueError):
            raise EvaluationRuleError("eval.err.location") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise EvaluationRuleError("eval.err.location")
        accuracy_m = float(accuracy_m) if (isinstance(accuracy_m, (int, float)) and not isinstance(accuracy_m, bool)
                                           and math.isfinite(accuracy_m) and accuracy_m >= 0) else None
    a.checkin_at = now or utcnow()
    a.checkin_lat = round(lat, 6) if lat is not None else None
    a.checkin_lon = round(lon, 6) if lon is not None else None
    a.checkin_accuracy_m = round(accuracy_m, 1) if lat is not None and accuracy_m is not None else None
    _touch(a, now)
    audit.record(session, actor, "evaluation.checkin", "evaluation_assignment", a.id,
                 after={"at": a.checkin_at, "lat": a.checkin_lat, "lon": a.checkin_lon,
                        "accuracy_m": a.checkin_accuracy_m})


def add_photo(session: Session, actor: Actor | None, assignment_id: int, image_id: str,
              now: datetime | None = None) -> None:
    """`image_id` comes from the one image intake (`images.intake_image` → `PrivateImageStore.save`)."""
    a, _rnd = _editable(session, actor, assignment_id, now)
    photos = list(a.photos or [])
    if image_id in photos:
        return
    if len(photos) >= rules.MAX_PHOTOS:
        raise EvaluationRuleError("eval.err.photos")
    a.photos = [*photos, image_id]
    _touch(a, now)
    audit.record(session, actor, "evaluation.photo_add", "evaluation_assignment", a.id, after={"image": image_id})


def remove_photo(session: Session, actor: Actor | None, assignment_id: int, image_id: str,
                 now: datetime | None = None) -> None:
    a, _rnd = _editable(session, actor, assignment_id, now)
    if image_id not in (a.photos or []):
        return
    a.photos = [p for p in a.photos if p != image_id]
    _touch(a, now)
    audit.record(session, actor, "evaluation.photo_remove", "evaluation_assignment", a.id, before={"image": image_id})


def submit(session: Session, actor: Actor | None, assignment_id: int, now: datetime | None = None) -> None:
    """Final: every criterion scored and a check-in recorded, on or before the due date."""
    a, rnd = _editable(session, actor, assignment_id, now)
    rules.evaluation_score(rnd.criteria, a.scores or {})  # raises eval.err.incomplete
    if a.checkin_at is None:
        raise EvaluationRuleError("eval.err.checkin")
    a.status, a.submitted_at = AssignmentStatus.SUBMITTED, now or utcnow()
    a.updated_at = a.submitted_at
    audit.record(session, actor, "evaluation.submit", "evaluation_assignment", a.id,
                 after={"scores": a.scores, "photos": len(a.photos or [])})


def declare_conflict(session: Session, actor: Actor | None, assignment_id: int, reason: str,
                     now: datetime | None = None) -> None:
    """利益冲突回避: removes the assignment (kept as a record; its draft is discarded and never counted)."""
    a, _rnd = _editable(session, actor, assignment_id, now)
    reason = _text(reason, MAX_REASON)
    if not reason:
        raise EvaluationRuleError("eval.err.reason")
    before = {"status": a.status.value}
    a.status, a.conflict_reason = AssignmentStatus.CONFLICT, reason
    a.scores, a.comments, a.overall_comment, a.photos = {}, {}, None, []
    a.updated_at = now or utcnow()
    audit.record(session, actor, "evaluation.conflict", "evaluation_assignment", a.id, before=before,
                 after={"status": a.status.value, "reason": reason})


@dataclass(frozen=True)
class MyTarget:
    assignment_id: int
    label: str
    status: str


@dataclass(frozen=True)
class MyRound:
    id: int
    title: str
    period_start: date
    period_end: date
    due_on: date
    targets: list[MyTarget]

    @property
    def submitted(self) -> int:
        return sum(1 for t in self.targets if t.status == AssignmentStatus.SUBMITTED.value)


def my_open_rounds(session: Session, actor: Actor | None) -> list[MyRound]:
    authorize(actor, Role.SUPERVISOR)
    rows = session.execute(
        select(EvaluationAssignment, EvaluationRound, EvaluationTarget)
        .join(EvaluationRound, EvaluationRound.id == EvaluationAssignment.round_id)
        .join(EvaluationTarget, EvaluationTarget.id == EvaluationAssignment.target_id)
        .where(EvaluationAssignment.supervisor_id == actor.user_id, EvaluationRound.status == RoundStatus.OPEN,
               EvaluationAssignment.status != AssignmentStatus.CONFLICT)
        .order_by(EvaluationRound.due_on, EvaluationAssignment.id)
    ).all()
    rounds: dict[int, MyRound] = {}
    for a, rnd, target in rows:
        mine = rounds.setdefault(rnd.id, MyRound(rnd.id, rnd.title, rnd.period_start, rnd.period_end, rnd.due_on, []))
        mine.targets.append(MyTarget(a.id, _label(target), a.status.value))
    return list(rounds.values())


@dataclass(frozen=True)
class EvaluationForm:
    assignment_id: int
    round_title: str
    period_start: date
    period_end: date
    due_on: date
    target_label: str
    criteria: list[dict]
    scores: dict[str, int]
    comments: dict[str, str]
    overall_comment: str
    checkin_at: datetime | None
    checkin_lat: float | None
    checkin_lon: float | None
    photos: list[str]
    status: str
    editable: bool
    residents: WindowSummary


def _target_window_ids(session: Session, target: EvaluationTarget, round_region_path: str) -> list[int]:
    if target.kind == "window":
        return [target.window_id] if target.window_id else []
    return [w.id for w in _office_windows(session, target.office_name, round_region_path)]


def residents_summary(session: Session, target: EvaluationTarget, rnd: EvaluationRound) -> WindowSummary:
    """The residents' ratings of the target over the round's period: the ratings aggregation, k ≥ 5."""
    ids = _target_window_ids(session, target, session.get(Region, rnd.region_id).path)
    return wf.windows_summary(session, ids, rnd.period_start, rnd.period_end)


def evaluation_form(session: Session, actor: Actor | None, assignment_id: int,
                    now: datetime | None = None) -> EvaluationForm:
    a, rnd, _path = _own_assignment(session, actor, assignment_id)
    target = session.get(EvaluationTarget, a.target_id)
    editable = (rnd.status == RoundStatus.OPEN and _today(now) <= rnd.due_on
                and a.status != AssignmentStatus.SUBMITTED)
    return EvaluationForm(
        assignment_id=a.id, round_title=rnd.title, period_start=rnd.period_start, period_end=rnd.period_end,
        due_on=rnd.due_on, target_label=_label(target), criteria=list(rnd.criteria), scores=dict(a.scores or {}),
        comments=dict(a.comments or {}), overall_comment=a.overall_comment or "", checkin_at=a.checkin_at,
        checkin_lat=a.checkin_lat, checkin_lon=a.checkin_lon, photos=list(a.photos or []), status=a.status.value,
        editable=editable, residents=residents_summary(session, target, rnd))


def photo_allowed(session: Session, actor: Actor | None, assignment_id: int, image_id: str) -> bool:
    """A photo is seen by the supervisor who took it (True), and by admins over the target's region (False).

    Anybody else: PermissionDenied (NotSignedIn without an actor)."""
    row = session.execute(
        select(EvaluationAssignment, Region.path)
        .join(EvaluationTarget, EvaluationTarget.id == EvaluationAssignment.target_id)
        .join(Region, Region.id == EvaluationTarget.region_id).where(EvaluationAssignment.id == assignment_id)
    ).first()
    if row is None or image_id not in (row[0].photos or []):
        raise PermissionDenied()
    a, path = row
    if actor is not None and a.supervisor_id == actor.user_id:
        authorize(actor, Role.SUPERVISOR, path)
        return True
    authorize(actor, Role.ADMIN, path)
    return False


# --- closing and the published notice (通报) ------------------------------------------------------------------


def _previous_closed_round(session: Session, rnd: EvaluationRound) -> EvaluationRound | None:
    return session.execute(
        select(EvaluationRound).where(EvaluationRound.region_id == rnd.region_id, EvaluationRound.id != rnd.id,
                                      EvaluationRound.status == RoundStatus.CLOSED,
                                      EvaluationRound.period_end < rnd.period_start)
        .order_by(EvaluationRound.period_end.desc(), EvaluationRound.id.desc()).limit(1)
    ).scalar_one_or_none()


def close_round(session: Session, actor: Actor | None, round_id: int, now: datetime | None = None) -> int:
    """Freeze the results: per target the supervisors' average, the residents' satisfaction, combined, rank, flag.

    Unsubmitted drafts are not counted (the notice shows submitted of assigned). Before the due date the round
    closes only when every live evaluation is in, so a tap too early cannot publish a half-done ranking.
    Returns the number of targets.
    """
    rnd = _admin_round(session, actor, round_id)
    ws = policy.get_int(session, "evaluation.weight_supervisors")
    wr = policy.get_int(session, "evaluation.weight_residents")
    rules.validate_weights(ws, wr)
    targets = session.execute(select(EvaluationTarget).where(EvaluationTarget.round_id == rnd.id)
                              .order_by(EvaluationTarget.id)).scalars().all()
    if not targets:
        raise EvaluationRuleError("eval.err.no_targets")
    assignments = session.execute(select(EvaluationAssignment).where(EvaluationAssignment.round_id == rnd.id)
                                  ).scalars().all()
    per_target: dict[int, list[EvaluationAssignment]] = defaultdict(list)
    for a in assignments:
        if a.status != AssignmentStatus.CONFLICT:
            per_target[a.target_id].append(a)
    if _today(now) <= rnd.due_on and any(a.status != AssignmentStatus.SUBMITTED
                                         for live in per_target.values() for a in live):
        raise EvaluationRuleError("eval.err.early_close")

    facts: dict[str, tuple[EvaluationTarget, int, int, Fraction | None, WindowSummary]] = {}
    combined: dict[str, Fraction | None] = {}
    for target in targets:
        live = per_target.get(target.id, [])
        submitted = [rules.evaluation_score(rnd.criteria, a.scores) for a in live
                     if a.status == AssignmentStatus.SUBMITTED]
        sup = rules.supervisors_score(submitted)
        residents = residents_summary(session, target, rnd)
        rate = None if residents.suppressed or residents.satisfaction_rate is None else \
            Fraction(round(residents.satisfaction_rate * residents.count), residents.count)
        facts[target.key] = (target, len(live), len(submitted), sup, residents)
        combined[target.key] = rules.combined_score(sup, rate, ws, wr)

    ranked = rules.rank_scores(combined)
    previous = _previous_closed_round(session, rnd)
    prev_ranked = None
    if previous is not None:
        prev_rows = session.execute(select(EvaluationResult.target_key, EvaluationResult.rank)
                                    .where(EvaluationResult.round_id == previous.id)).all()
        prev_ranked = [rules.Ranked(k, None, r) for k, r in prev_rows]
    flagged = rules.talk_flags(ranked, prev_ranked)

    for row in ranked:
        target, n_assigned, n_submitted, sup, residents = facts[row.key]
        session.add(EvaluationResult(
            round_id=rnd.id, target_id=target.id, target_key=target.key, label=_label(target)[:250],
            office_name=target.office_name, assigned=n_assigned, submitted=n_submitted,
            supervisor_score=float(sup) if sup is not None else None, resident_count=residents.count,
            resident_rate=None if residents.suppressed else residents.satisfaction_rate,
            combined=float(row.score) if row.score is not None else None, rank=row.rank,
            talk_flag=row.key in flagged))
    rnd.status, rnd.closed_at, rnd.closed_by = RoundStatus.CLOSED, now or utcnow(), actor.user_id
    rnd.weight_supervisors, rnd.weight_residents = ws, wr
    session.flush()
    audit.record(session, actor, "evaluation.round_close", "evaluation_round", rnd.id,
                 before={"status": RoundStatus.OPEN.value},
                 after={"status": rnd.status.value, "weights": [ws, wr], "targets": len(targets),
                        "ranking": [[r.key, r.rank] for r in ranked], "talk_flags": sorted(flagged)})
    return len(targets)


@dataclass(frozen=True)
class NoticeRow:
    rank: int | None
    label: str
    office_name: str
    assigned: int
    submitted: int
    supervisor_score: float | None
    resident_count: int
    resident_rate: float | None
    combined: float | None
    talk_flag: bool


@dataclass(frozen=True)
class Notice:
    round_id: int
    title: str
    region_name: str
    period_start: date
    period_end: date
    closed_on: date
    weight_supervisors: int
    weight_residents: int
    criteria: list[dict]
    rows: list[NoticeRow]


@dataclass(frozen=True)
class PublishedRound:
    id: int
    title: str
    region_name: str
    closed_on: date


def published_rounds(session: Session, limit: int = 50) -> list[PublishedRound]:
    """Closed rounds, newest first: their notices are public."""
    rows = session.execute(
        select(EvaluationRound, Region.name).join(Region, Region.id == EvaluationRound.region_id)
        .where(EvaluationRound.status == RoundStatus.CLOSED)
        .order_by(EvaluationRound.closed_at.desc(), EvaluationRound.id.desc()).limit(limit)
    ).all()
    return [PublishedRound(r.id, r.title, name, china_date(r.closed_at)) for r, name in rows]


def notice(session: Session, round_id: int) -> Notice | None:
    """The public notice of a closed round; None for an open or unknown round."""
    found = session.execute(select(EvaluationRound, Region.name).join(Region, Region.id == EvaluationRound.region_id)
                            .where(EvaluationRound.id == round_id,
                                   EvaluationRound.status == RoundStatus.CLOSED)).first()
    if found is None:
        return None
    rnd, region_name = found
    results = session.execute(select(EvaluationResult).where(EvaluationResult.round_id == rnd.id)).scalars().all()
    results = sorted(results, key=lambda r: (r.rank is None, r.rank or 0, r.label))
    rows = [NoticeRow(r.rank, r.label, r.office_name, r.assigned, r.submitted, r.supervisor_score, r.resident_count,
                      r.resident_rate, r.combined, r.talk_flag) for r in results]
    return Notice(rnd.id, rnd.title, region_name, rnd.period_start, rnd.period_end, china_date(rnd.closed_at),
                  rnd.weight_supervisors or 0, rnd.weight_residents or 0, list(rnd.criteria), rows)


@dataclass(frozen=True)
class OfficeRecordLine:
    round_title: str
    closed_on: date
    label: str
    combined: float | None
    rank: int | None
    of: int  # ranked targets in that round
    talk_flag: bool


def office_record(session: Session, office_name: str) -> list[OfficeRecordLine]:
    """An office's record across closed rounds: its own line and its windows' lines, newest round first."""
    rows = session.execute(
        select(EvaluationResult, EvaluationRound).join(EvaluationRound, EvaluationRound.id == EvaluationResult.round_id)
        .where(EvaluationResult.office_name == office_name, EvaluationRound.status == RoundStatus.CLOSED)
        .order_by(EvaluationRound.closed_at.desc(), EvaluationResult.label)
    ).all()
    sizes: dict[int, int] = {}
    out = []
    for res, rnd in rows:
        if rnd.id not in sizes:
            sizes[rnd.id] = len(session.execute(select(EvaluationResult.id).where(
                EvaluationResult.round_id == rnd.id, EvaluationResult.rank.is_not(None))).all())
        out.append(OfficeRecordLine(rnd.title, china_date(rnd.closed_at), res.label, res.combined, res.rank,
                                    sizes[rnd.id], res.talk_flag))
    return out


def published_offices(session: Session) -> list[str]:
    return list(session.execute(
        select(EvaluationResult.office_name).join(EvaluationRound, EvaluationRound.id == EvaluationResult.round_id)
        .where(EvaluationRound.status == RoundStatus.CLOSED).distinct().order_by(EvaluationResult.office_name)
    ).scalars())
