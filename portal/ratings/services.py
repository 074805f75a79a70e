"""Window ratings against the database: submit, follow up bad reviews, decide bursts and appeals, aggregate.

Rules (levels, tags, k ≥ 5, cool-down, bursts, ranking, deadlines) live in `services.ratings`; this module loads
and stores. Every staff or officer action passes the one guard and writes the audit log.
"""

from __future__ import annotations

import re
import secrets
import weakref
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, case, func, insert, or_, select, update
from sqlalchemy.orm import Session

from portal.kernel.errors import DomainError
from portal.accounts.models import Role
from portal.ratings.models import BurstFlag, CaseStatus, FollowupCase, Rating, RatingStatus
from portal.regions.models import Region, ServiceWindow
from portal.kernel.base import utcnow
from portal.kernel.hashing import keyed_hash
from portal.kernel import audit
from portal.kernel import masking
from portal.kernel import policy
from portal.kernel import settings_cache
from portal.kernel import text_rules
from portal.ratings import rules
from portal.regions import services as regions
from portal.kernel import calendar_store
from portal.kernel.calendar_store import load_calendar
from portal.kernel.permissions import Actor, PermissionDenied, authorize
from portal.kernel.workdays import CHINA_TZ, WorkCalendar, china_date, china_today
from portal.kernel.codes import ALPHABET as RECEIPT_ALPHABET  # no 0/O, 1/I/L: read aloud and typed on phones

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")  # mainland mobile numbers
MAX_TEXT = 1000


class RatingError(DomainError):
    """A resident-facing problem with what was sent; `key` is a message-catalog key."""


def new_receipt_code() -> str:
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def normalize_receipt(code: str) -> str:
    raw = re.sub(r"[^0-9A-Za-z]", "", text_rules.plain(code, 64)).upper()[:8]
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == 8 else ""


# --- residents ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WindowInfo:
    id: int
    code: str
    name: str
    office_name: str
    region_path: str


def find_window(session: Session, code: str) -> WindowInfo | None:
    """An active window by its public code (case-insensitive); None for unknown or inactive."""
    code = text_rules.plain(code, 32).upper()
    row = session.execute(
        select(ServiceWindow, Region.path).join(Region).where(ServiceWindow.code == code,
                                                             ServiceWindow.active.is_(True))
    ).first()
    if row is None:
        return None
    window, path = row
    return WindowInfo(window.id, window.code, window.name, window.office_name, path)


@dataclass(frozen=True)
class NewRating:
    window_code: str
    level: int
    tags: tuple[str, ...] = ()
    comment: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Submitted:
    receipt_code: str
    bad_review: bool
    held: bool


@dataclass(frozen=True)
class RatingSettings:
    """The policy settings a rating needs, and the calendar for 差评 deadlines: read once per settings change."""
    cooldown: timedelta
    burst_span: timedelta
    burst_floor: int
    burst_multiplier: int
    burst_baseline_days: int
    max_per_address_day: int
    comment_max_chars: int
    calendar: WorkCalendar


def _load_settings(session: Session) -> RatingSettings:
    values = policy.all_values(session)
    return RatingSettings(
        cooldown=timedelta(hours=int(values["rating.cooldown_hours"])),
        burst_span=timedelta(minutes=int(values["rating.burst_window_minutes"])),
        burst_floor=int(values["rating.burst_threshold"]), burst_multiplier=int(values["rating.burst_multiplier"]),
        burst_baseline_days=int(values["rating.burst_baseline_days"]),
        max_per_address_day=int(values["rating.max_per_address_day"]),
        comment_max_chars=int(values["rating.comment_max_chars"]), calendar=load_calendar(session))


def rating_settings(session: Session) -> RatingSettings:
    return settings_cache.cached(session, "ratings", _load_settings)


# Per database (engine), window code → window, for the hot path. Codes are printed on posters and never reused;
# only found windows are kept, and `submit_rating` re-checks `active` in the statement that locks the row, so a
# window switched off is refused at once (and forgotten here).
_windows: weakref.WeakKeyDictionary[object, dict[str, WindowInfo]] = weakref.WeakKeyDictionary()


def _known_windows(session: Session) -> dict[str, WindowInfo]:
    engine = session.bind if session.bind is not None else session.get_bind()
    known = _windows.get(engine)
    if known is None:
        known = _windows.setdefault(engine, {})
    return known


def _window(session: Session, code: str) -> WindowInfo | None:
    key = text_rules.plain(code, 32).upper()
    known = _known_windows(session)
    window = known.get(key)
    if window is None:
        window = find_window(session, key)
        if window is not None:
            known[key] = window
    return window


def window_for_page(session: Session, code: str) -> WindowInfo | None:
    """The window a rating page shows (from the same cache as submissions)."""
    return _window(session, code)


_RATING = Rating.__table__
_CASE = FollowupCase.__table__
_WINDOW = ServiceWindow.__table__
# The hot path's statements, built once: building and keying a statement per call costs more than running it.
_LOCK_WINDOW = (update(_WINDOW).where(_WINDOW.c.id == bindparam("wid"), _WINDOW.c.active.is_(True))
                .values(active=_WINDOW.c.active))
_LAST_FROM_DEVICE = (
    select(_RATING.c.created_at, _RATING.c.attempt_hash, _RATING.c.receipt_code, _RATING.c.level, _RATING.c.status)
    .where(_RATING.c.device_hash == bindparam("device"), _RATING.c.window_id == bindparam("wid"))
    .order_by(_RATING.c.created_at.desc()).limit(1))
_RECEIPT_TAKEN = select(_RATING.c.id).where(_RATING.c.receipt_code == bindparam("code"))
_INSERT_RATING = insert(_RATING)
_INSERT_CASE = insert(_CASE)


def device_hash(secret: str, device_id: str) -> str:
    return keyed_hash(secret, f"device:{device_id}")


def cooldown_ends(session: Session, window_code: str, *, device_id: str, secret: str,
                  now: datetime | None = None) -> datetime | None:
    """When this device may rate the window again, or None when it may now (shown before the form is filled in)."""
    now = now or utcnow()
    window = _window(session, window_code)
    if window is None or not device_id:
        return None
    last = session.execute(
        select(func.max(_RATING.c.created_at)).where(_RATING.c.device_hash == device_hash(secret, device_id),
                                                     _RATING.c.window_id == window.id)).scalar_one()
    cooldown = rating_settings(session).cooldown
    return None if rules.cooldown_allows(last, now, cooldown) else last + cooldown


def submit_rating(session: Session, new: NewRating, *, device_id: str, client: str, secret: str,
                  now: datetime | None = None, attempt_key: str = "") -> Submitted:
    """Validate everything on the server, apply cool-down and burst rules, store, open a follow-up for 差评.

    `attempt_key` is the form's key for this rating attempt, the same on every retry of it: when a rating from this
    device with this key is already stored, its receipt is answered again and nothing new is stored.

    The hot path of the portal: Core statements (no ORM objects), settings from `rating_settings`, and six
    statements for a rating that counts (settings token, lock, this device's last rating, the window's recent
    counts, receipt check, insert).
    """
    now = now or utcnow()
    conf = rating_settings(session)
    window = _window(session, new.window_code)
    if window is None:
        raise RatingError("rating.window_missing")
    try:
        level = rules.validate_level(new.level)
        tags = rules.validate_tags(level, new.tags)
    except ValueError:
        raise RatingError("rating.invalid_choice") from None
    comment = text_rules.clean_text(new.comment)
    if len(comment) > conf.comment_max_chars:
        raise RatingError("rating.comment_too_long")
    phone = re.sub(r"[\s-]", "", text_rules.plain(new.phone, 40))
    if phone and not PHONE_RE.match(phone):
        raise RatingError("rating.phone_invalid")
    if not device_id or len(device_id) > 64 or len(attempt_key) > 64:
        raise RatingError("rating.device_missing")

    # Serialise submissions at this window before checking: the cool-down and burst rules read, then write. The
    # no-op update takes the window's row lock on PostgreSQL and the write lock on SQLite (whose reads otherwise run
    # outside the transaction), so two submissions from one phone cannot both pass the check. It also re-checks that
    # the window is still in use.
    locked = session.execute(_LOCK_WINDOW, {"wid": window.id}).rowcount
    if not locked:
        _known_windows(session).pop(window.code, None)
        raise RatingError("rating.window_missing")
    device = device_hash(secret, device_id)
    attempt_hash = keyed_hash(secret, f"attempt:{device_id}:{window.id}:{attempt_key}") if attempt_key else None
    # This device's latest rating here: a retry of the same attempt answers its receipt, anything else is the
    # cool-down's reference point.
    last = session.execute(_LAST_FROM_DEVICE, {"device": device, "wid": window.id}).first()
    if last is not None and attempt_hash is not None and last.attempt_hash == attempt_hash:
        return Submitted(receipt_code=last.receipt_code, bad_review=rules.is_bad(last.level),
                         held=RatingStatus(last.status) == RatingStatus.HELD)
    if not rules.cooldown_allows(last.created_at if last is not None else None, now, conf.cooldown):
        raise RatingError("rating.cooldown")

    client_hash = keyed_hash(secret, f"client:{client}")
    hold_reason = _hold_reason(session, conf, window.id, client_hash, now)
    held = hold_reason is not None
    code = new_receipt_code()
    while session.execute(_RECEIPT_TAKEN, {"code": code}).first():
        code = new_receipt_code()
    rating_id = session.execute(_INSERT_RATING, {
        "window_id": window.id, "level": level, "tags": list(tags), "comment": comment or None,
        "phone": phone or None, "device_hash": device, "client_hash": client_hash, "receipt_code": code,
        "attempt_hash": attempt_hash, "status": RatingStatus.HELD if held else RatingStatus.COUNTED,
        "status_reason": hold_reason, "created_at": now,
    }).inserted_primary_key[0]
    if rules.is_bad(level):
        deadlines = rules.followup_deadlines(now.astimezone(CHINA_TZ), bool(phone), conf.calendar)
        session.execute(_INSERT_CASE, {"rating_id": rating_id, "window_id": window.id, "opened_at": now,
                                       "status": CaseStatus.OPEN, "callback_due": deadlines.callback_due,
                                       "resolve_due": deadlines.resolve_due})
    return Submitted(receipt_code=code, bad_review=rules.is_bad(level), held=held)


# Ratings an officer already cleared stand as decided: they neither start a new hold nor are held again.
_UNDECIDED = or_(Rating.status_reason.is_(None), Rating.status_reason.not_like("burst cleared:%"))
_RECENT_COUNTS = (
    select(func.count(case((_RATING.c.created_at > bindparam("span_start"), 1))),
           func.count(case((_RATING.c.client_hash == bindparam("client"), 1))))
    .where(_RATING.c.window_id == bindparam("wid"), _RATING.c.created_at > bindparam("since"),
           _RATING.c.created_at <= bindparam("now"), _UNDECIDED))


def _hold_reason(session: Session, conf: RatingSettings, window_id: int, client_hash: str,
                 now: datetime) -> str | None:
    """Why this rating is held ("burst" / "address"), or None when it counts. Only the suspicious ratings are held:
    a rating after a flood has passed counts, even while the officer has not yet decided the flood's flag."""
    span = conf.burst_span
    # One read of the window's last day answers both rules: ratings in the burst span, and from this address.
    in_span, from_address = session.execute(_RECENT_COUNTS, {
        "span_start": now - span, "client": client_hash, "wid": window_id,
        "since": now - max(span, timedelta(days=1)), "now": now}).one()
    if rules.over_burst_threshold(in_span + 1, conf.burst_floor) and _burst_check(session, conf, window_id, now):
        return "burst"
    if span > timedelta(days=1):  # the address rule looks back one day only
        from_address = session.execute(
            select(func.count()).select_from(Rating).where(Rating.window_id == window_id,
                                                           Rating.client_hash == client_hash,
                                                           Rating.created_at > now - timedelta(days=1), _UNDECIDED)
        ).scalar_one()
    limit = conf.max_per_address_day
    if not rules.address_over_daily_limit(from_address, limit):
        return None
    if _open_flag(session, window_id, now):
        audit.record(session, "system", "rating.burst_flagged", "service_window", window_id,
                     after={"reason": "address", "max_per_address_day": limit}, at=now)
    return "address"


def _open_flag(session: Session, window_id: int, now: datetime) -> bool:
    """Make sure the window has an open flag for officers to decide; True when this call opened it."""
    if session.execute(
        select(BurstFlag.id).where(BurstFlag.window_id == window_id, BurstFlag.status == "open")
    ).first():
        return False
    session.add(BurstFlag(window_id=window_id, opened_at=now))
    return True


def _normal_hours(session: Session, window_id: int, now: datetime, span: timedelta, days: int) -> list[int]:
    """Counted ratings per active hour of the window over the trailing baseline days (before the current span)."""
    moments = session.execute(
        select(Rating.created_at).where(Rating.window_id == window_id, Rating.status == RatingStatus.COUNTED,
                                        Rating.created_at > now - timedelta(days=days),
                                        Rating.created_at <= now - span)
    ).scalars()
    per_hour: Counter[tuple[int, int, int, int]] = Counter()
    for moment in moments:
        per_hour[(moment.year, moment.month, moment.day, moment.hour)] += 1
    return list(per_hour.values())


def _burst_check(session: Session, conf: RatingSettings, window_id: int, now: datetime) -> bool:
    """Called once the span holds more ratings than the floor: True when this rating is part of a burst at the
    window, above its own normal volume. A new burst opens a flag and holds the span's earlier ratings with this
    one."""
    span = conf.burst_span
    recent = list(session.execute(
        select(Rating.created_at).where(Rating.window_id == window_id, Rating.created_at > now - span,
                                        Rating.created_at <= now, _UNDECIDED)
    ).scalars())
    hours = _normal_hours(session, window_id, now, span, conf.burst_baseline_days)
    threshold = rules.burst_threshold(hours, span, conf.burst_multiplier, conf.burst_floor)
    if not rules.detect_burst([*recent, now], now, span, threshold):
        return False
    session.execute(update(Rating).where(Rating.window_id == window_id, Rating.created_at > now - span,
                                         Rating.created_at <= now, Rating.status == RatingStatus.COUNTED, _UNDECIDED)
                    .values(status=RatingStatus.HELD, status_reason="burst"))
    if _open_flag(session, window_id, now):
        audit.record(session, "system", "rating.burst_flagged", "service_window", window_id,
                     after={"window_minutes": span.total_seconds() / 60, "threshold": threshold}, at=now)
    return True


@dataclass(frozen=True)
class Acknowledged:
    """What the thank-you page shows about a stored rating."""
    receipt_code: str
    window_code: str
    bad_review: bool
    held: bool


def acknowledged(session: Session, receipt_code: str) -> Acknowledged | None:
    code = normalize_receipt(receipt_code)
    if not code:
        return None
    row = session.execute(
        select(_RATING.c.level, _RATING.c.status, _WINDOW.c.code)
        .join(_WINDOW, _WINDOW.c.id == _RATING.c.window_id).where(_RATING.c.receipt_code == code)
    ).first()
    if row is None:
        return None
    return Acknowledged(code, row.code, rules.is_bad(row.level), RatingStatus(row.status) == RatingStatus.HELD)


@dataclass(frozen=True)
class ReceiptView:
    window_name: str
    level: int
    bad_review: bool
    case_status: str | None
    staff_answer: str | None
    followup_given: bool


def lookup_receipt(session: Session, receipt_code: str) -> ReceiptView | None:
    code = normalize_receipt(receipt_code)
    if not code:
        return None
    row = session.execute(
        select(Rating, ServiceWindow.name).join(ServiceWindow).where(Rating.receipt_code == code)
    ).first()
    if row is None:
        return None
    rating, window_name = row
    case = session.execute(select(FollowupCase).where(FollowupCase.rating_id == rating.id)).scalar_one_or_none()
    return ReceiptView(window_name, rating.level, rules.is_bad(rating.level), case.status.value if case else None,
                       case.staff_answer if case else None, bool(case and case.followup_level))


def add_followup_rating(session: Session, receipt_code: str, level: int, comment: str,
                        now: datetime | None = None) -> None:
    """追评: once, only on a bad review, by whoever holds the receipt code."""
    code = normalize_receipt(receipt_code)
    case = session.execute(
        select(FollowupCase).join(Rating).where(Rating.receipt_code == code)
    ).scalar_one_or_none() if code else None
    if case is None:
        raise RatingError("followup.receipt_unknown")
    if case.followup_level is not None:
        raise RatingError("followup.already_given")
    try:
        rules.validate_level(level)
    except ValueError:
        raise RatingError("rating.invalid_choice") from None
    comment = text_rules.clean_text(comment)
    if len(comment) > policy.get_int(session, "rating.comment_max_chars"):
        raise RatingError("rating.comment_too_long")
    case.followup_level, case.followup_comment, case.followup_at = level, comment or None, now or utcnow()


# --- staff and officers ---------------------------------------------------------------------------------------


def _case_and_window(session: Session, case_id: int) -> tuple[FollowupCase, ServiceWindow, str]:
    row = session.execute(
        select(FollowupCase, ServiceWindow, Region.path)
        .join(ServiceWindow, ServiceWindow.id == FollowupCase.window_id).join(Region)
        .where(FollowupCase.id == case_id)
    ).first()
    if row is None:
        raise PermissionDenied()  # an unknown id is answered like a forbidden one
    return row[0], row[1], row[2]


def _require_window_staff(actor: Actor | None, window: ServiceWindow, region_path: str) -> None:
    authorize(actor, Role.WINDOW_STAFF, region_path)
    if actor.window_id != window.id:  # staff answer for their own window only
        raise PermissionDenied()


def _text(value: str, key: str) -> str:
    value = text_rules.clean_text(value)
    if not value:
        raise RatingError(key)
    if len(value) > MAX_TEXT:
        raise RatingError("followup.text_too_long")
    return value


def answer_case(session: Session, actor: Actor | None, case_id: int, answer: str) -> None:
    case, window, path = _case_and_window(session, case_id)
    _require_window_staff(actor, window, path)
    if case.status not in (CaseStatus.OPEN, CaseStatus.ANSWERED):
        raise RatingError("followup.wrong_state")
    before = {"status": case.status.value, "answer": case.staff_answer}
    case.staff_answer, case.answered_at, case.answered_by = _text(answer, "followup.answer_required"), utcnow(), actor.user_id
    case.status = CaseStatus.ANSWERED
    audit.record(session, actor, "followup.answer", "followup_case", case.id, region_code=None,
                 before=before, after={"status": case.status.value, "answer": case.staff_answer})


def appeal_case(session: Session, actor: Actor | None, case_id: int, reason: str) -> None:
    case, window, path = _case_and_window(session, case_id)
    _require_window_staff(actor, window, path)
    if case.status not in (CaseStatus.OPEN, CaseStatus.ANSWERED) or case.appeal_decision:
        raise RatingError("followup.wrong_state")
    before = {"status": case.status.value}
    case.appeal_reason, case.status = _text(reason, "followup.reason_required"), CaseStatus.APPEALED
    audit.record(session, actor, "followup.appeal", "followup_case", case.id, before=before,
                 after={"status": case.status.value, "reason": case.appeal_reason})


def record_callback(session: Session, actor: Actor | None, case_id: int) -> None:
    case, _window, path = _case_and_window(session, case_id)
    authorize(actor, Role.OFFICER, path)
    if case.callback_due is None or case.callback_at is not None:
        raise RatingError("followup.wrong_state")
    case.callback_at, case.callback_by = utcnow(), actor.user_id
    audit.record(session, actor, "followup.callback", "followup_case", case.id, after={"callback_at": case.callback_at})


def case_phone(session: Session, actor: Actor | None, case_id: int) -> str:
    """The rater's call-back number, for an officer of the window's region; each read audited. "" when none left."""
    case, _window, path = _case_and_window(session, case_id)
    authorize(actor, Role.OFFICER, path)
    phone = session.execute(select(Rating.phone).where(Rating.id == case.rating_id)).scalar_one() or ""
    if phone:
        audit.record(session, actor, "followup.phone_view", "followup_case", case.id)
    return phone


def decide_appeal(session: Session, actor: Actor | None, case_id: int, upheld: bool, note: str) -> None:
    """Upheld: the review is excluded from every figure (kept, marked, audited) and the case closes."""
    case, _window, path = _case_and_window(session, case_id)
    authorize(actor, Role.OFFICER, path)
    if case.status != CaseStatus.APPEALED:
        raise RatingError("followup.wrong_state")
    note = _text(note, "followup.reason_required")
    rating = session.get(Rating, case.rating_id)
    before = {"status": case.status.value, "rating_status": rating.status.value}
    case.appeal_decision, case.appeal_decided_by = ("upheld" if upheld else "rejected"), actor.user_id
    if upheld:
        rating.status, rating.status_reason = RatingStatus.EXCLUDED, f"appeal upheld: {note}"
        case.status, case.close_note, case.closed_at, case.closed_by = CaseStatus.CLOSED, note, utcnow(), actor.user_id
    else:
        case.status = CaseStatus.ANSWERED if case.staff_answer else CaseStatus.OPEN
    audit.record(session, actor, "followup.appeal_decided", "followup_case", case.id, before=before,
                 after={"decision": case.appeal_decision, "note": note, "status": case.status.value,
                        "rating_status": rating.status.value})


def close_case(session: Session, actor: Actor | None, case_id: int, note: str) -> None:
    case, _window, path = _case_and_window(session, case_id)
    authorize(actor, Role.OFFICER, path)
    if case.status != CaseStatus.ANSWERED:
        raise RatingError("followup.wrong_state")
    before = {"status": case.status.value}
    case.status, case.close_note = CaseStatus.CLOSED, _text(note, "followup.reason_required")
    case.closed_at, case.closed_by = utcnow(), actor.user_id
    audit.record(session, actor, "followup.close", "followup_case", case.id, before=before,
                 after={"status": case.status.value, "note": case.close_note})


def decide_burst(session: Session, actor: Actor | None, flag_id: int, confirm: bool, reason: str) -> None:
    """Cleared: held ratings count again. Confirmed 刷评: they stay stored but are excluded."""
    row = session.execute(
        select(BurstFlag, Region.path).join(ServiceWindow, ServiceWindow.id == BurstFlag.window_id)
        .join(Region).where(BurstFlag.id == flag_id)
    ).first()
    if row is None:
        raise PermissionDenied()
    flag, path = row
    authorize(actor, Role.OFFICER, path)
    if flag.status != "open":
        raise RatingError("followup.wrong_state")
    flag.reason = _text(reason, "followup.reason_required")
    flag.status, flag.decided_at, flag.decided_by = ("confirmed" if confirm else "cleared"), utcnow(), actor.user_id
    held = session.execute(
        update(Rating).where(Rating.window_id == flag.window_id, Rating.status == RatingStatus.HELD)
        .values(status=RatingStatus.EXCLUDED if confirm else RatingStatus.COUNTED,
                status_reason=f"burst {flag.status}: {flag.reason}")
    ).rowcount
    audit.record(session, actor, "rating.burst_decided", "burst_flag", flag.id,
                 after={"status": flag.status, "reason": flag.reason, "ratings": held})


# --- reading --------------------------------------------------------------------------------------------------


def china_day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) in China time, as aware datetimes for querying."""
    lo = datetime(start.year, start.month, start.day, tzinfo=CHINA_TZ)
    hi = datetime(end.year, end.month, end.day, tzinfo=CHINA_TZ) + timedelta(days=1)
    return lo, hi


def window_summary(session: Session, window_id: int, start: date, end: date) -> rules.WindowSummary:
    return windows_summary(session, [window_id], start, end)


def windows_summary(session: Session, window_ids: list[int], start: date, end: date) -> rules.WindowSummary:
    """One summary over the counted ratings of several windows (an office), same k rule as a single window."""
    lo, hi = china_day_bounds(start, end)
    rows = session.execute(
        select(Rating.level, Rating.tags, Rating.created_at, Rating.comment)
        .where(Rating.window_id.in_(window_ids), Rating.status == RatingStatus.COUNTED,
               Rating.created_at >= lo, Rating.created_at < hi)
    ).all()
    points = [rules.RatingPoint(level=r[0], tags=tuple(r[1] or ()), created_at=r[2].astimezone(CHINA_TZ),
                                comment=r[3]) for r in rows]
    return rules.summarize(points)


def recent_comments(session: Session, window_id: int, start: date, end: date, limit: int = 10) -> list[tuple[date, int, str]]:
    """(day, level, comment): no phone, no time of day, nothing else that could point at a rater."""
    lo, hi = china_day_bounds(start, end)
    rows = session.execute(
        select(Rating.created_at, Rating.level, Rating.comment)
        .where(Rating.window_id == window_id, Rating.status == RatingStatus.COUNTED, Rating.comment.is_not(None),
               Rating.created_at >= lo, Rating.created_at < hi)
        .order_by(Rating.created_at.desc()).limit(limit)
    ).all()
    # Window staff read these: ID, phone and card numbers typed by raters are scrubbed (officers see the original).
    return [(china_date(r[0]), r[1], masking.scrub_numbers(r[2])) for r in rows]


@dataclass(frozen=True)
class CaseRow:
    id: int
    window_code: str
    window_name: str
    level: int
    tags: tuple[str, ...]
    comment: str | None
    opened_on: date
    callback_due: date | None
    resolve_due: date
    status: str
    overdue: bool
    callback_overdue: bool
    callback_done: bool
    staff_answer: str | None
    appeal_reason: str | None
    followup_level: int | None
    phone: str | None  # filled only for officers


def list_cases(session: Session, actor: Actor, *, window_id: int | None = None, region_path: str | None = None,
               include_closed: bool = False, today: date | None = None, limit: int = 50) -> list[CaseRow]:
    """Cases of one window (staff: guarded to their own) or of every window under a region (officers)."""
    today = today or china_today()
    query = (select(FollowupCase, Rating, ServiceWindow).join(Rating, Rating.id == FollowupCase.rating_id)
             .join(ServiceWindow, ServiceWindow.id == FollowupCase.window_id).join(Region))
    show_phone = False
    if window_id is not None:
        window = session.get(ServiceWindow, window_id)
        path = session.get(Region, window.region_id).path if window else "/none/"
        if window is None:
            raise PermissionDenied()
        try:
            _require_window_staff(actor, window, path)
        except PermissionDenied:
            authorize(actor, Role.OFFICER, path)
            show_phone = True
        query = query.where(FollowupCase.window_id == window_id)
    else:
        authorize(actor, Role.OFFICER, region_path)
        show_phone = True
        query = query.where(Region.path.startswith(region_path))
    if not include_closed:
        query = query.where(FollowupCase.status != CaseStatus.CLOSED)
    rows = session.execute(query.order_by(FollowupCase.resolve_due, FollowupCase.id).limit(limit)).all()
    out = []
    for case, rating, window in rows:
        open_ = case.status != CaseStatus.CLOSED
        out.append(CaseRow(
            id=case.id, window_code=window.code, window_name=f"{window.office_name} {window.name}",
            level=rating.level, tags=tuple(rating.tags or ()),
            # Officers read the comment as typed; the window's own staff without the numbers raters put in it.
            comment=rating.comment if show_phone else masking.scrub_numbers(rating.comment) or None,
            opened_on=china_date(case.opened_at), callback_due=case.callback_due, resolve_due=case.resolve_due,
            status=case.status.value, overdue=open_ and case.status == CaseStatus.OPEN and today > case.resolve_due,
            callback_overdue=open_ and case.callback_due is not None and case.callback_at is None
            and today > case.callback_due,
            callback_done=case.callback_at is not None,
            staff_answer=case.staff_answer, appeal_reason=case.appeal_reason, followup_level=case.followup_level,
            phone=rating.phone if show_phone else None,
        ))
    return out


@dataclass(frozen=True)
class RankedWindow:
    code: str
    name: str
    office: str
    count: int
    satisfaction_rate: float | None
    bad_rate: float | None
    rank: int | None
    talk_flag: bool = False  # 约谈: bottom place two months running


def _counts_by_window(session: Session, region_path: str, lo: datetime, hi: datetime) -> dict[int, tuple[int, int, int]]:
    rows = session.execute(
        select(Rating.window_id, Rating.level, func.count())
        .join(ServiceWindow, ServiceWindow.id == Rating.window_id).join(Region)
        .where(Region.path.startswith(region_path), Rating.status == RatingStatus.COUNTED,
               Rating.created_at >= lo, Rating.created_at < hi)
        .group_by(Rating.window_id, Rating.level)
    ).all()
    acc: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])  # total, satisfied, bad
    for window_id, level, n in rows:
        acc[window_id][0] += n
        acc[window_id][1] += n if rules.is_satisfied(level) else 0
        acc[window_id][2] += n if rules.is_bad(level) else 0
    return {k: (v[0], v[1], v[2]) for k, v in acc.items()}


def _month_bounds(month: str) -> tuple[date, date]:
    year, mon = int(month[:4]), int(month[5:7])
    first = date(year, mon, 1)
    nxt = date(year + (mon == 12), mon % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def previous_month(month: str) -> str:
    first, _ = _month_bounds(month)
    prev = first - timedelta(days=1)
    return f"{prev.year:04d}-{prev.month:02d}"


def rank_region(session: Session, region_path: str, start: date, end: date) -> list[RankedWindow]:
    """Every active window under a region, ranked by satisfaction rate among those with enough ratings."""
    lo, hi = china_day_bounds(start, end)
    counts = _counts_by_window(session, region_path, lo, hi)
    windows = regions.windows_under(session, region_path, active_only=True)
    min_count = max(rules.K_MIN, policy.get_int(session, "rating.min_count_ranked"))
    ranked = rules.rank_windows([(w.id, *counts.get(w.id, (0, 0, 0))[:2]) for w in windows], min_count=min_count)
    by_id = {w.id: w for w in windows}
    out = []
    for row in ranked:
        w = by_id[row.key]
        total, _sat, bad = counts.get(w.id, (0, 0, 0))
        out.append(RankedWindow(w.code, w.name, w.office_name, total, row.satisfaction_rate,
                                bad / total if total >= rules.K_MIN else None, row.rank))
    return out


def monthly_ranking(session: Session, region_path: str, month: str) -> list[RankedWindow]:
    """The month's ranking, with the 约谈 flag on windows at the bottom this month and the month before."""
    start, end = _month_bounds(month)
    this = rank_region(session, region_path, start, end)
    prev_start, prev_end = _month_bounds(previous_month(month))
    prev = rank_region(session, region_path, prev_start, prev_end)

    def as_rows(items: list[RankedWindow]) -> list[rules.RankRow]:
        return [rules.RankRow(i.code, i.count, i.satisfaction_rate, i.rank) for i in items]

    flagged = rules.bottom_two_months_running({previous_month(month): as_rows(prev), month: as_rows(this)})
    return [RankedWindow(**{**r.__dict__, "talk_flag": r.code in flagged}) for r in this]


@dataclass(frozen=True)
class RankedOffice:
    office: str
    windows: int
    count: int
    satisfaction_rate: float | None
    rank: int | None


def office_ranking(session: Session, region_path: str, month: str) -> list[RankedOffice]:
    start, end = _month_bounds(month)
    lo, hi = china_day_bounds(start, end)
    counts = _counts_by_window(session, region_path, lo, hi)
    windows = regions.windows_under(session, region_path, active_only=True)
    per_office: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # windows, total, satisfied
    for w in windows:
        total, sat, _bad = counts.get(w.id, (0, 0, 0))
        acc = per_office[w.office_name]
        acc[0] += 1
        acc[1] += total
        acc[2] += sat
    min_count = max(rules.K_MIN, policy.get_int(session, "rating.min_count_ranked"))
    ranked = rules.rank_windows([(office, v[1], v[2]) for office, v in per_office.items()], min_count=min_count)
    return [RankedOffice(r.key, per_office[r.key][0], r.count, r.satisfaction_rate, r.rank) for r in ranked]


def open_bursts(session: Session, actor: Actor, region_path: str) -> list[tuple[int, str, str, datetime, int]]:
    """(flag id, window code, window name, opened at, held ratings) for officers."""
    authorize(actor, Role.OFFICER, region_path)
    rows = session.execute(
        select(BurstFlag.id, ServiceWindow.code, ServiceWindow.name, BurstFlag.opened_at, BurstFlag.window_id)
        .join(ServiceWindow, ServiceWindow.id == BurstFlag.window_id).join(Region)
        .where(Region.path.startswith(region_path), BurstFlag.status == "open")
    ).all()
    out = []
    for flag_id, code, name, opened, window_id in rows:
        held = session.execute(select(func.count()).select_from(Rating).where(
            Rating.window_id == window_id, Rating.status == RatingStatus.HELD)).scalar_one()
        out.append((flag_id, code, name, opened, held))
    return out


@dataclass(frozen=True)
class RatingHit:
    receipt: str
    window_code: str
    window_name: str
    level: int
    status: str
    rated_on: date


def find_by_receipt(session: Session, actor: Actor, receipt: str) -> RatingHit | None:
    """An officer's look-up of one rating by its receipt code, only at a window in their regions (no hint either
    way about a receipt elsewhere). The rater's phone is not part of the answer."""
    authorize(actor, Role.OFFICER)
    code = "".join(c for c in (receipt or "").upper()[:32] if c.isalnum())
    if not code:
        return None
    row = session.execute(select(Rating, ServiceWindow, Region.path).join(
        ServiceWindow, ServiceWindow.id == Rating.window_id).join(Region, Region.id == ServiceWindow.region_id)
        .where(Rating.receipt_code == code)).first()
    if row is None:
        return None
    rating, window, path = row
    try:
        authorize(actor, Role.OFFICER, path)
    except PermissionDenied:
        return None
    return RatingHit(rating.receipt_code, window.code, f"{window.office_name} {window.name}", rating.level,
                     rating.status.value, china_date(rating.created_at))
# --- the working-day deadlines a calendar change moves (kernel.calendar_store) ------------------------------------

def _open_followup_deadlines(session: Session) -> list[calendar_store.OpenDeadline]:
    rows = session.execute(
        select(FollowupCase.id, FollowupCase.opened_at, FollowupCase.resolve_due, FollowupCase.callback_due,
               FollowupCase.callback_at, Region.path)
        .join(ServiceWindow, ServiceWindow.id == FollowupCase.window_id).join(Region, Region.id == ServiceWindow.region_id)
        .where(FollowupCase.status != CaseStatus.CLOSED)).all()
    out = []
    for cid, opened, resolve_due, callback_due, callback_at, path in rows:
        start = china_date(opened)
        out.append(calendar_store.OpenDeadline("deadline.followup_resolve", f"#{cid}", path, start, resolve_due,
                                               row_id=cid))
        if callback_due is not None and callback_at is None:
            out.append(calendar_store.OpenDeadline("deadline.followup_callback", f"#{cid}", path, start,
                                                   callback_due, row_id=cid))
    return out


def _reschedule_followup(session: Session, deadline: calendar_store.OpenDeadline, new_due: date) -> None:
    case = session.get(FollowupCase, deadline.row_id)
    if case is None:
        return
    if deadline.kind_key == "deadline.followup_callback":
        case.callback_due = new_due
    else:
        case.resolve_due = new_due


calendar_store.register_deadline_source(calendar_store.DeadlineSource(
    "ratings.followup", _open_followup_deadlines, _reschedule_followup))


@dataclass(frozen=True)
class TrendPoint:
    month: str  # "2026-07"
    count: int
    satisfaction_rate: float | None  # None below the ranking's minimum count (nothing that could single out raters)


def satisfaction_trend(session: Session, region_path: str, months: list[str], *, window_code: str = "",
                       office: str = "") -> list[TrendPoint]:
    """Satisfaction by month for one window (by code) or one office (by name) under a region, oldest month first,
    from counted ratings with the same minimum count as the published ranking."""
    points = []
    for month in sorted(months):
        if office:
            row = next((r for r in office_ranking(session, region_path, month) if r.office == office), None)
        else:
            start, end = _month_bounds(month)
            row = next((r for r in rank_region(session, region_path, start, end) if r.code == window_code), None)
        points.append(TrendPoint(month, row.count if row else 0, row.satisfaction_rate if row else None))
    return points
