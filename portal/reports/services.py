"""Reports (举报投诉) and reward-for-reporting (有奖举报): filing, tracking with a receipt, officer handling.

Residents file without an account: anonymous by default, or with a real name and phone. They get a 16-digit
receipt code and a secret (stored only as a keyed hash) to follow the case, read the office's replies, add
information and claim a reward. Wrong secrets are counted per receipt and per client address in the sign-in
failure table, exactly as sign-in failures are (accounts/services.py).

Officers see the reports whose handling region their grant covers (a report about a staff member or cadre is
handled one level up), minus any they declared a conflict of interest on. The first officer to take a report owns
it (首问负责) until a reasoned transfer; only the owner acknowledges, replies and concludes. The reporter's identity
is read only by the identity-viewer role, and every read is audited. Rewards: one officer decides (amount from
policy parameters), a second approves, finance pays. Every officer action passes the one guard and the audit log.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from portal.kernel.errors import DomainError
from portal.kernel.images import StoredImage
from portal.kernel import images
from portal.accounts.models import Role, RoleGrant, User
from portal.kernel import money
from portal.kernel.base import utcnow
from portal.kernel.hashing import keyed_hash
from portal.regions.models import Region, RegionLevel
from portal.roster.models import RosterEntry
from portal.reports.models import (
    Report, ReportCategory, ReportConflict, ReportEvent, ReportEvidence, ReportOutcome, ReportReward, ReportStatus,
    RewardStatus,
)
from portal.kernel import audit
from portal.kernel import drawing
from portal.kernel import throttle as lookup_throttle
from portal.kernel import policy
from portal.kernel import text_rules
from portal.roster import services as roster_svc
from portal.kernel import calendar_store
from portal.kernel.calendar_store import load_calendar
from portal.kernel.images import PrivateImageStore
from portal.kernel.permissions import Actor, PermissionDenied, authorize, region_paths_in_scope
from portal.ratings.services import PHONE_RE
from portal.kernel.codes import new_secret, normalize_secret  # the one grouped secret form
from portal.kernel.workdays import CHINA_TZ, china_date, china_today

MAX_PHOTOS = 5
MAX_DESCRIPTION = 2000
MIN_DESCRIPTION = 10
MAX_SUBJECT = 200
MAX_NAME = 32
MAX_NOTE = 1000
INBOX_PAGE = 50  # reports per page of an officer's inbox
MAX_PAYOUT = 300
MAX_ADDITIONS = 20  # "add information" steps per report: enough for a real case, not a flood of the officer's history
ACKNOWLEDGE_DAYS = 7  # DOMAIN: acknowledge reports within 7 days
RECEIPT_DIGITS = 16
REWARDABLE = (ReportOutcome.SUBSTANTIATED,)
CATEGORIES = tuple(ReportCategory)
OUTCOMES = tuple(ReportOutcome)
# Reporter-visible history steps (ReportEvent.kind); the rest are for officers only.
PUBLIC_KINDS = ("submitted", "acknowledged", "reply", "info_added", "concluded", "reward_decided",
                "reward_approved", "reward_paid", "reward_claimed")
OFFICER_KINDS = ("taken", "transferred", "conflict", "reward_rejected")
EVENT_KINDS = PUBLIC_KINDS + OFFICER_KINDS


class ReportError(DomainError):
    """A refused request; `key` is a message-catalog key."""

    def __init__(self, key: str, retry_at: str = "") -> None:
        super().__init__(key)
        self.retry_at = retry_at  # with a throttled key: the time ("14:36") to try again


# --- receipts and secrets ---------------------------------------------------------------------------------------

def new_receipt_code() -> str:
    """16 random digits, never starting with 0 (so nobody drops a leading zero when copying it)."""
    return str(10 ** (RECEIPT_DIGITS - 1) + secrets.randbelow(9 * 10 ** (RECEIPT_DIGITS - 1)))


def format_receipt(code: str) -> str:
    """'1234567890123456' → '1234 5678 9012 3456', for reading aloud and copying."""
    return " ".join(code[i:i + 4] for i in range(0, len(code), 4))


def normalize_receipt(text: str) -> str:
    """Digits only (spaces, dashes and full-width digits tolerated); '' unless exactly 16 digits remain."""
    digits = "".join(str(unicodedata.digit(c)) for c in text_rules.plain(text, 64) if c.isdigit())
    return digits if len(digits) == RECEIPT_DIGITS else ""


def _secret_hash(key: str, receipt: str, secret: str) -> str:
    # Keyed with the portal secret and the receipt, so equal secrets never hash alike across reports.
    return keyed_hash(key, f"report-secret:{receipt}:{secret}")


# --- rules over plain values ------------------------------------------------------------------------------------

def handler_region(region: Region, about_staff: bool) -> Region:
    """Who handles a report about `region`: its township (or the county, for a county-level place); a report
    about a staff member or cadre goes one level above that."""
    handler = region
    while handler.level == RegionLevel.VILLAGE and handler.parent is not None:
        handler = handler.parent
    if about_staff and handler.parent is not None:
        handler = handler.parent
    return handler


def subject_key(subject: str, roster_ref: str | None = None) -> str:
    """Reports about the same household or person share a key: the roster case link, else the written name/subject
    with spacing, case and punctuation removed."""
    if roster_ref:
        return roster_ref[:120]
    text = unicodedata.normalize("NFKC", subject or "").casefold()
    return "text:" + "".join(c for c in text if c.isalnum())[:100]


@dataclass(frozen=True)
class RewardRule:
    share_percent: int
    floor_fen: int
    cap_fen: int


def reward_rule(session: Session) -> RewardRule:
    return RewardRule(policy.get_int(session, "report.reward_share_percent"),
                      policy.get_int(session, "report.reward_floor_yuan") * 100,
                      policy.get_int(session, "report.reward_cap_yuan") * 100)


def reward_amount(recovered_fen: int, rule: RewardRule) -> tuple[int, str]:
    """(amount in fen, basis): the share of the money recovered, raised to the floor, limited by the cap."""
    share = recovered_fen * rule.share_percent // 100
    amount = min(max(share, rule.floor_fen), rule.cap_fen)
    fmt = money.yuan
    # Numbers and symbols only, so it reads the same in both languages: share, then [floor – cap], then the amount.
    basis = (f"{rule.share_percent}% × {fmt(recovered_fen)} = {fmt(share)}; "
             f"[{fmt(rule.floor_fen)} – {fmt(rule.cap_fen)}] → {fmt(amount)}")
    return amount, basis


def is_overdue(report: Report, today: date) -> bool:
    if report.status == ReportStatus.CONCLUDED:
        return False
    if report.acknowledged_at is None and today > report.acknowledge_due:
        return True
    return today > report.conclude_due


# --- residents: photos, filing ----------------------------------------------------------------------------------

PhotoRef = StoredImage  # a photo already through the image intake and in the private store


def accept_photo(data: bytes, store: PrivateImageStore) -> PhotoRef:
    """The one image intake, then the private store. Raises images.ImageRejected (its reason is a catalog key)."""
    return images.accept(data, store)


@dataclass(frozen=True)
class NewReport:
    category: str
    subject: str
    description: str
    region_code: str = ""
    roster_entry: str = ""  # public id of the roster entry the objection is about
    about_staff: bool = False
    anonymous: bool = True
    name: str = ""
    phone: str = ""
    photos: tuple[PhotoRef, ...] = ()


@dataclass(frozen=True)
class Filed:
    receipt_code: str
    secret: str  # shown once, never stored in the clear
    created_at: datetime


def _clean_text(value: str, max_len: int) -> str:
    return text_rules.clean_text(value)[:max_len + 1]


def _count_since(session: Session, column, value: str, since: datetime) -> int:
    return session.execute(select(func.count()).select_from(Report).where(column == value,
                                                                           Report.created_at >= since)).scalar_one()


def file_report(session: Session, new: NewReport, *, device_id: str, client: str, key: str,
                now: datetime | None = None) -> Filed:
    """Validate everything on the server, apply the per-device and per-address limits, store, start the clock."""
    now = now or utcnow()
    try:
        category = ReportCategory(new.category)
    except ValueError:
        raise ReportError("report.err.category") from None
    description = _clean_text(new.description, MAX_DESCRIPTION)
    if len(description) < MIN_DESCRIPTION:
        raise ReportError("report.err.description_short")
    if len(description) > MAX_DESCRIPTION:
        raise ReportError("report.err.description_long")
    if len(new.photos) > MAX_PHOTOS:
        raise ReportError("report.err.too_many_photos")

    entry = None
    roster_ref = None
    if new.roster_entry:
        public_id = text_rules.plain(new.roster_entry, 64)
        entry = roster_svc.public_entry(session, public_id, now=now) if public_id else None
        link = roster_svc.case_link(session, public_id) if entry else None
        if entry is None or link is None:
            raise ReportError("report.err.roster_entry")
        roster_ref = link[1] or f"roster:{link[0]}"
    subject = _clean_text(new.subject, MAX_SUBJECT)
    if entry is not None:
        # What the roster shows (masked) is what the report says it is about; the link holds the rest.
        subject = f"{entry.masked_name} ({entry.village_name})"
    if not subject:
        raise ReportError("report.err.subject")
    if len(subject) > MAX_SUBJECT:
        raise ReportError("report.err.subject_long")

    if entry is not None:
        region = session.execute(select(Region).join(RosterEntry, RosterEntry.village_id
                                                     == Region.id)
                                 .where(RosterEntry.public_id == entry.public_id)).scalar_one()
    else:
        region = session.execute(select(Region).where(Region.code == text_rules.plain(new.region_code, 20))).scalar_one_or_none()
        if region is None or region.level not in (RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
            raise ReportError("report.err.region")

    name = phone = None
    if not new.anonymous:
        name = text_rules.clean_text(new.name, multiline=False)
        phone = re.sub(r"[\s-]", "", text_rules.plain(new.phone, 40))
        if not name or len(name) > MAX_NAME:
            raise ReportError("report.err.name")
        if not PHONE_RE.match(phone):
            raise ReportError("report.err.phone")
    if not device_id or len(device_id) > 64:
        raise ReportError("report.err.device")

    device_hash = keyed_hash(key, f"device:{device_id}")
    client_hash = keyed_hash(key, f"client:{client}")
    since = now - timedelta(days=1)
    if (_count_since(session, Report.device_hash, device_hash, since)
            >= policy.get_int(session, "report.max_per_device_day")
            or _count_since(session, Report.client_hash, client_hash, since)
            >= policy.get_int(session, "report.max_per_client_day")):
        raise ReportError("report.err.rate_limited")

    about_staff = bool(new.about_staff or category == ReportCategory.STAFF_MISCONDUCT)
    handler = handler_region(region, about_staff)
    code = new_receipt_code()
    while session.execute(select(Report.id).where(Report.receipt_code == code)).first():
        code = new_receipt_code()
    secret = new_secret()
    today = china_date(now)
    report = Report(
        receipt_code=code, secret_hash=_secret_hash(key, code, secret), category=category, subject=subject,
        roster_entry_id=session.execute(select(RosterEntry.id).where(
            RosterEntry.public_id == entry.public_id)).scalar_one() if entry else None,
        subject_key=subject_key(subject, roster_ref), about_staff=about_staff, description=description,
        region_id=region.id, handler_region_id=handler.id, handler_path=handler.path, anonymous=new.anonymous,
        reporter_name=name, reporter_phone=phone, status=ReportStatus.NEW,
        acknowledge_due=today + timedelta(days=ACKNOWLEDGE_DAYS),
        conclude_due=load_calendar(session).add_working_days(
            today, policy.get_int(session, "report.conclude_working_days")),
        device_hash=device_hash, client_hash=client_hash, created_at=now,
    )
    session.add(report)
    session.flush()
    _add_photos(session, report, new.photos, now)
    _event(session, report, "submitted", now)
    audit.record(session, "resident", "report.file", "report", report.id, region_code=handler.code, at=now,
                 after={"category": category.value, "anonymous": new.anonymous, "about_staff": about_staff,
                        "photos": len(new.photos)})
    return Filed(code, secret, now)


def _add_photos(session: Session, report: Report, photos: Sequence[PhotoRef], now: datetime) -> None:
    attached = set(session.execute(select(ReportEvidence.image_id)
                                   .where(ReportEvidence.report_id == report.id)).scalars())
    # The same picture again (the store is content-addressed) is already evidence: counted and stored once.
    fresh = [p for p in dict.fromkeys(photos) if p.image_id not in attached]
    if len(attached) + len(fresh) > MAX_PHOTOS:
        raise ReportError("report.err.too_many_photos")
    for photo in fresh:
        session.add(ReportEvidence(report_id=report.id, image_id=photo.image_id, width=photo.width,
                                   height=photo.height, added_at=now))


def _event(session: Session, report: Report, kind: str, now: datetime, note: str | None = None,
           actor: Actor | None = None) -> None:
    session.add(ReportEvent(report_id=report.id, at=now, kind=kind, public=kind in PUBLIC_KINDS, note=note,
                            actor_id=actor.user_id if actor else None))


# --- residents: tracking with receipt + secret -------------------------------------------------------------------

TRACK_LIMITS = lookup_throttle.Limits("report", "report_receipt", "report.track_max_failures",
                                      "report.track_max_failures_client", "report.track_window_minutes")


def open_receipt(session: Session, receipt: str, secret: str, *, client: str, key: str,
                 now: datetime | None = None) -> Report:
    """The report behind a receipt + secret, or ReportError. Failures are counted per receipt and per client
    address like sign-in failures (`services/lookup_throttle`); over the limit even the right secret waits for the
    window to pass.

    A failure is written to the session before ReportError is raised: callers commit it (catch inside the unit of
    work), or the count would roll back with the error."""
    now = now or utcnow()
    code, secret = normalize_receipt(receipt), normalize_secret(secret)
    try:
        lookup_throttle.check(session, TRACK_LIMITS, code, client, now)
    except lookup_throttle.Throttled as exc:
        raise ReportError("report.err.track_throttled", exc.retry_at) from None
    report = session.execute(select(Report).where(Report.receipt_code == code)).scalar_one_or_none() if code else None
    # Compared even for an unknown receipt, so both answers take the same time.
    expected = report.secret_hash if report else _secret_hash(key, "0" * RECEIPT_DIGITS, "none")
    given = _secret_hash(key, code, secret) if secret else ""
    if report is None or not secrets.compare_digest(expected, given):
        lookup_throttle.failed(session, TRACK_LIMITS, code, client, now)
        raise ReportError("report.err.track_wrong")
    return report


@dataclass(frozen=True)
class HistoryStep:
    kind: str
    at: datetime
    note: str


@dataclass(frozen=True)
class RewardView:
    status: str
    amount_fen: int
    basis: str
    paid_on: date | None
    claimed: bool


@dataclass(frozen=True)
class TrackView:
    receipt: str
    category: str
    subject: str
    status: str
    outcome: str | None
    conclusion: str | None
    anonymous: bool
    photos: int
    created_at: datetime
    acknowledge_due: date
    history: list[HistoryStep]
    reward: RewardView | None
    can_add: bool
    can_claim: bool


def _reward_view(reward: ReportReward | None) -> RewardView | None:
    if reward is None or reward.status == RewardStatus.REJECTED:
        return None
    return RewardView(reward.status.value, reward.amount_fen, reward.basis, reward.paid_on,
                      reward.claimed_at is not None)


def track_view(session: Session, report: Report) -> TrackView:
    """What the holder of the receipt sees: public steps with their reasons, never officers' names or notes."""
    events = session.execute(select(ReportEvent).where(ReportEvent.report_id == report.id,
                                                       ReportEvent.public.is_(True))
                             .order_by(ReportEvent.at, ReportEvent.id)).scalars().all()
    photos = session.execute(select(func.count()).select_from(ReportEvidence)
                             .where(ReportEvidence.report_id == report.id)).scalar_one()
    reward = _reward_view(_reward(session, report.id))
    return TrackView(
        receipt=format_receipt(report.receipt_code), category=report.category.value, subject=report.subject,
        status=report.status.value, outcome=report.outcome.value if report.outcome else None,
        conclusion=report.conclusion, anonymous=report.anonymous, photos=photos, created_at=report.created_at,
        acknowledge_due=report.acknowledge_due,
        history=[HistoryStep(e.kind, e.at, e.note or "") for e in events], reward=reward,
        can_add=report.status != ReportStatus.CONCLUDED and photos <= MAX_PHOTOS,
        can_claim=bool(reward and reward.status == "approved" and not reward.claimed),
    )


def as_reporter(session: Session, report_id: int, idle_seconds: float, act, *args) -> TrackView | None:
    """The reporter's action `act(session, report, *args)` (`add_information`, `claim_reward`) on the report their
    tab opened with the receipt and secret, and the report as they now see it. None, and nothing done, when the tab
    sat unused longer than `apply.idle_minutes` (the next person on a shared phone needs the secret again) or the
    report is gone."""
    if idle_seconds > 60 * policy.get_int(session, "apply.idle_minutes"):
        return None
    report = session.get(Report, report_id) if report_id else None
    if report is None:
        return None
    act(session, report, *args)
    session.flush()
    return track_view(session, report)


def add_information(session: Session, report: Report, text: str, photos: Sequence[PhotoRef] = (),
                    now: datetime | None = None) -> None:
    """The reporter adds information or evidence (with the receipt) until the report is concluded."""
    now = now or utcnow()
    if report.status == ReportStatus.CONCLUDED:
        raise ReportError("report.err.closed")
    note = _clean_text(text, MAX_NOTE)
    if not note and not photos:
        raise ReportError("report.err.note_required")
    if len(note) > MAX_NOTE:
        raise ReportError("report.err.note_long")
    if session.execute(select(func.count()).select_from(ReportEvent).where(
            ReportEvent.report_id == report.id, ReportEvent.kind == "info_added")).scalar_one() >= MAX_ADDITIONS:
        raise ReportError("report.err.too_many_additions")
    _add_photos(session, report, photos, now)
    _event(session, report, "info_added", now, note or None)
    audit.record(session, "resident", "report.add_info", "report", report.id, at=now,
                 after={"photos": len(photos), "chars": len(note)})


def claim_reward(session: Session, report: Report, payout: str, now: datetime | None = None) -> None:
    """The reporter (anonymous or not) claims an approved reward with the receipt; payout details go to finance."""
    now = now or utcnow()
    reward = _reward(session, report.id)
    # Only an approved reward is claimed: finance pays what was claimed, never before (see mark_paid).
    if reward is None or reward.status != RewardStatus.APPROVED:
        raise ReportError("report.err.no_reward")
    if reward.claimed_at is not None:
        raise ReportError("report.err.already_claimed")
    payout = _clean_text(payout, MAX_PAYOUT)
    if len(payout) < 4:
        raise ReportError("report.err.payout_required")
    if len(payout) > MAX_PAYOUT:
        raise ReportError("report.err.note_long")
    reward.claimed_at, reward.payout_details = now, payout
    _event(session, report, "reward_claimed", now)
    audit.record(session, "resident", "report.reward_claim", "report", report.id, at=now)


def public_reward_totals(session: Session) -> tuple[int, int]:
    """(count, total in fen) of rewards paid: published, with no identities and no case details."""
    count, total = session.execute(select(func.count(), func.coalesce(func.sum(ReportReward.amount_fen), 0))
                                   .where(ReportReward.status == RewardStatus.PAID)).one()
    return int(count), int(total)


# --- officers: scope, inbox ------------------------------------------------------------------------------------

def _in_scope(actor: Actor, role: Role):
    paths = region_paths_in_scope(actor, role)
    if not paths:
        return Report.id.is_(None)  # matches nothing
    return or_(*[roster_svc.in_region(Report.handler_path, p) for p in paths])


def _not_conflicted(actor: Actor):
    return ~Report.id.in_(select(ReportConflict.report_id).where(ReportConflict.user_id == actor.user_id))


def _conflicted(session: Session, actor: Actor, report_id: int) -> bool:
    return session.execute(select(ReportConflict.id).where(ReportConflict.report_id == report_id,
                                                           ReportConflict.user_id == actor.user_id)).first() is not None


def _load(session: Session, actor: Actor | None, report_id: int, roles=Role.OFFICER) -> Report:
    """A report the actor may handle: role over its handling region, and no declared conflict. An unknown id is
    refused exactly like a forbidden one."""
    report = session.get(Report, int(report_id)) if isinstance(report_id, int) or str(report_id).isdigit() else None
    authorize(actor, roles, report.handler_path if report else "/nonexistent/")
    assert report is not None and actor is not None
    if _conflicted(session, actor, report.id):
        raise PermissionDenied()
    return report


@dataclass(frozen=True)
class InboxRow:
    id: int
    receipt: str
    category: str
    subject: str
    status: str
    owner: str
    mine: bool
    anonymous: bool
    about_staff: bool
    created_at: datetime
    acknowledge_due: date
    conclude_due: date
    overdue: bool
    reply_owed: bool
    group_size: int
    region_name: str


@dataclass(frozen=True)
class InboxFilter:
    status: str = ""  # "" = every open report; a ReportStatus value; "all"
    category: str = ""
    overdue_only: bool = False
    mine_only: bool = False


def _replied_ids(session: Session, ids: list[int]) -> set[int]:
    if not ids:
        return set()
    return set(session.execute(select(ReportEvent.report_id).where(ReportEvent.report_id.in_(ids),
                                                                   ReportEvent.kind == "reply")).scalars())


def inbox(session: Session, actor: Actor | None, flt: InboxFilter = InboxFilter(), *, now: datetime | None = None,
          limit: int = INBOX_PAGE, offset: int = 0) -> list[InboxRow]:
    """Reports handled in the officer's regions, oldest deadline first, `limit` from `offset` (a page of the inbox);
    grouped reports carry their group size."""
    authorize(actor, Role.OFFICER)
    assert actor is not None
    today = china_date(now or utcnow())
    stmt = select(Report).where(_in_scope(actor, Role.OFFICER), _not_conflicted(actor))
    if flt.status == "":
        stmt = stmt.where(Report.status != ReportStatus.CONCLUDED)
    elif flt.status != "all":
        try:
            stmt = stmt.where(Report.status == ReportStatus(flt.status))
        except ValueError:
            return []
    if flt.category:
        try:
            stmt = stmt.where(Report.category == ReportCategory(flt.category))
        except ValueError:
            return []
    if flt.mine_only:
        stmt = stmt.where(Report.owner_id == actor.user_id)
    if flt.overdue_only:
        stmt = stmt.where(Report.status != ReportStatus.CONCLUDED,
                          (and_(Report.acknowledged_at.is_(None), Report.acknowledge_due < today))
                          | (Report.conclude_due < today))
    reports = session.execute(stmt.order_by(Report.acknowledge_due, Report.id).offset(max(0, offset)).limit(limit)
                              ).scalars().all()
    keys = {r.subject_key for r in reports}
    groups = dict(session.execute(
        select(Report.subject_key, func.count()).where(Report.subject_key.in_(keys), _in_scope(actor, Role.OFFICER),
                                                       _not_conflicted(actor))
        .group_by(Report.subject_key)).all()) if keys else {}
    owners = _names(session, {r.owner_id for r in reports if r.owner_id})
    regions = dict(session.execute(select(Region.id, Region.name).where(
        Region.id.in_({r.region_id for r in reports}))).all()) if reports else {}
    replied = _replied_ids(session, [r.id for r in reports if not r.anonymous])
    return [InboxRow(
        id=r.id, receipt=format_receipt(r.receipt_code), category=r.category.value, subject=r.subject,
        status=r.status.value, owner=owners.get(r.owner_id, ""), mine=r.owner_id == actor.user_id,
        anonymous=r.anonymous, about_staff=r.about_staff, created_at=r.created_at, acknowledge_due=r.acknowledge_due,
        conclude_due=r.conclude_due, overdue=is_overdue(r, today),
        reply_owed=not r.anonymous and r.id not in replied, group_size=groups.get(r.subject_key, 1),
        region_name=regions.get(r.region_id, ""),
    ) for r in reports]


def _names(session: Session, ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


@dataclass(frozen=True)
class OfficerStep:
    kind: str
    at: datetime
    note: str
    by: str
    public: bool


@dataclass(frozen=True)
class GroupMember:
    id: int
    receipt: str
    status: str
    created_at: datetime


@dataclass(frozen=True)
class RewardInfo:
    status: str
    amount_fen: int
    basis: str
    decided_by: str
    approved_by: str
    rejection: str
    paid_on: date | None
    payment_ref: str
    claimed: bool
    may_approve: bool  # a second officer, not the one who decided


@dataclass(frozen=True)
class Detail:
    """An officer's view of one report. Never the reporter's name or phone (see `reveal_identity`)."""

    id: int
    receipt: str
    category: str
    subject: str
    description: str
    region_name: str
    handler_region: str
    status: str
    outcome: str | None
    conclusion: str | None
    recovered_fen: int | None
    anonymous: bool
    about_staff: bool
    from_roster: bool
    owner: str
    mine: bool
    created_at: datetime
    acknowledge_due: date
    conclude_due: date
    overdue: bool
    reply_owed: bool
    history: list[OfficerStep]
    photos: list[str]  # image ids, served by the guarded /api/ route
    group: list[GroupMember]
    reward: RewardInfo | None
    transfer_to: list[tuple[str, str]] = field(default_factory=list)  # (username, display name)


def detail(session: Session, actor: Actor | None, report_id: int, *, now: datetime | None = None) -> Detail:
    report = _load(session, actor, report_id)
    assert actor is not None
    today = china_date(now or utcnow())
    events = session.execute(select(ReportEvent).where(ReportEvent.report_id == report.id)
                             .order_by(ReportEvent.at, ReportEvent.id)).scalars().all()
    reward = _reward(session, report.id)
    names = _names(session, {report.owner_id, *(e.actor_id for e in events),
                             *((reward.decided_by, reward.approved_by) if reward else ())})
    photos = list(session.execute(select(ReportEvidence.image_id).where(ReportEvidence.report_id == report.id)
                                  .order_by(ReportEvidence.id)).scalars())
    group = session.execute(select(Report).where(Report.subject_key == report.subject_key, Report.id != report.id,
                                                 _in_scope(actor, Role.OFFICER), _not_conflicted(actor))
                            .order_by(Report.id)).scalars().all()
    region_names = dict(session.execute(select(Region.id, Region.name).where(
        Region.id.in_({report.region_id, report.handler_region_id}))).all())
    reward_info = None
    if reward is not None:
        reward_info = RewardInfo(reward.status.value, reward.amount_fen, reward.basis,
                                 names.get(reward.decided_by, ""), names.get(reward.approved_by, ""),
                                 reward.rejection or "", reward.paid_on, reward.payment_ref or "",
                                 reward.claimed_at is not None,
                                 reward.status == RewardStatus.DECIDED
                                 and actor.user_id not in (reward.decided_by, report.concluded_by))
    return Detail(
        id=report.id, receipt=format_receipt(report.receipt_code), category=report.category.value,
        subject=report.subject, description=report.description, region_name=region_names.get(report.region_id, ""),
        handler_region=region_names.get(report.handler_region_id, ""), status=report.status.value,
        outcome=report.outcome.value if report.outcome else None, conclusion=report.conclusion,
        recovered_fen=report.recovered_fen, anonymous=report.anonymous, about_staff=report.about_staff,
        from_roster=report.roster_entry_id is not None, owner=names.get(report.owner_id, ""),
        mine=report.owner_id == actor.user_id, created_at=report.created_at, acknowledge_due=report.acknowledge_due,
        conclude_due=report.conclude_due, overdue=is_overdue(report, today),
        reply_owed=not report.anonymous and not any(e.kind == "reply" for e in events),
        history=[OfficerStep(e.kind, e.at, e.note or "", names.get(e.actor_id, ""), e.public) for e in events],
        photos=photos, group=[GroupMember(g.id, format_receipt(g.receipt_code), g.status.value, g.created_at)
                              for g in group],
        reward=reward_info,
        transfer_to=[(u.username, u.display_name) for u in _handlers(session, report) if u.id != actor.user_id],
    )


def _handlers(session: Session, report: Report) -> list[User]:
    """Active officers whose grant covers the report's handling region and who declared no conflict on it."""
    conflicted = select(ReportConflict.user_id).where(ReportConflict.report_id == report.id)
    codes = [c for c in report.handler_path.strip("/").split("/") if c]
    covering = ["/" + "/".join(codes[:i]) + "/" for i in range(1, len(codes) + 1)]  # the region and those above it
    users = session.execute(
        select(User).join(RoleGrant, RoleGrant.user_id == User.id).join(Region, Region.id == RoleGrant.region_id)
        .where(RoleGrant.role == Role.OFFICER, Region.path.in_(covering), User.active.is_(True),
               User.id.not_in(conflicted))
        .order_by(User.username)).scalars().all()
    return list({u.id: u for u in users}.values())


def evidence_allowed(session: Session, actor: Actor | None, report_id: int, image_id: str) -> Report:
    """For the guarded image route: the report must be the actor's to see, and the image one of its photos."""
    report = _load(session, actor, report_id)
    if session.execute(select(ReportEvidence.id).where(ReportEvidence.report_id == report.id,
                                                       ReportEvidence.image_id == image_id)).first() is None:
        raise PermissionDenied()
    return report


# --- officers: handling -----------------------------------------------------------------------------------------

def _note(value: str, key: str, max_len: int = MAX_NOTE) -> str:
    note = _clean_text(value, max_len)
    if not note:
        raise ReportError(key)
    if len(note) > max_len:
        raise ReportError("report.err.note_long")
    return note


def _require_owner(report: Report, actor: Actor) -> None:
    if report.owner_id != actor.user_id:
        raise ReportError("report.err.not_owner")


def _audit(session: Session, actor: Actor, action: str, report: Report, before=None, after=None,
           now: datetime | None = None) -> None:
    region_code = session.execute(select(Region.code).where(Region.id == report.handler_region_id)).scalar_one()
    audit.record(session, actor, action, "report", report.id, region_code=region_code, before=before, after=after,
                 at=now)


def take(session: Session, actor: Actor | None, report_id: int, now: datetime | None = None) -> None:
    """首问负责: the first officer to take a report owns it; nobody else may take it over without a transfer."""
    now = now or utcnow()
    report = _load(session, actor, report_id)
    assert actor is not None
    if report.status == ReportStatus.CONCLUDED:
        raise ReportError("report.err.wrong_state")
    if report.owner_id is not None:
        raise ReportError("report.err.already_owned")
    before = {"status": report.status.value, "owner": None}
    report.owner_id, report.taken_at = actor.user_id, now
    if report.status == ReportStatus.NEW:
        report.status = ReportStatus.TAKEN
    _event(session, report, "taken", now, actor=actor)
    _audit(session, actor, "report.take", report, before, {"status": report.status.value, "owner": actor.username},
           now)


def transfer(session: Session, actor: Actor | None, report_id: int, to_username: str, reason: str,
             now: datetime | None = None) -> None:
    """A reasoned transfer to another officer who may handle it (the only way ownership changes hands)."""
    now = now or utcnow()
    report = _load(session, actor, report_id)
    assert actor is not None
    _require_owner(report, actor)
    reason = _note(reason, "report.err.reason_required")
    target = next((u for u in _handlers(session, report) if u.username == (to_username or "")[:64]), None)
    if target is None or target.id == actor.user_id:
        raise ReportError("report.err.transfer_target")
    report.owner_id, report.taken_at = target.id, now
    _event(session, report, "transferred", now, f"{target.display_name}: {reason}", actor)
    _audit(session, actor, "report.transfer", report, {"owner": actor.username},
           {"owner": target.username, "reason": reason}, now)


def acknowledge(session: Session, actor: Actor | None, report_id: int, message: str,
                now: datetime | None = None) -> None:
    now = now or utcnow()
    report = _load(session, actor, report_id)
    assert actor is not None
    _require_owner(report, actor)
    if report.status != ReportStatus.TAKEN:
        raise ReportError("report.err.wrong_state")
    message = _note(message, "report.err.message_required")
    report.status, report.acknowledged_at = ReportStatus.ACKNOWLEDGED, now
    _event(session, report, "acknowledged", now, message, actor)
    _audit(session, actor, "report.acknowledge", report, {"status": "taken"}, {"status": "acknowledged"}, now)


def reply(session: Session, actor: Actor | None, report_id: int, text: str, now: datetime | None = None) -> None:
    """A written reply the reporter reads with the receipt (real-name reports always get one)."""
    now = now or utcnow()
    report = _load(session, actor, report_id)
    assert actor is not None
    _require_owner(report, actor)
    text = _note(text, "report.err.message_required")
    _event(session, report, "reply", now, text, actor)
    _audit(session, actor, "report.reply", report, after={"chars": len(text)}, now=now)


def conclude(session: Session, actor: Actor | None, report_id: int, outcome: str, reasons: str,
             recovered_fen: int | None = None, now: datetime | None = None) -> None:
    """Substantiated / partly / unfounded, with reasons the reporter reads. A real-name report must have had a
    written reply first."""
    now = now or utcnow()
    report = _load(session, actor, report_id)
    assert actor is not None
    _require_owner(report, actor)
    if report.status != ReportStatus.ACKNOWLEDGED:
        raise ReportError("report.err.wrong_state")
    try:
        result = ReportOutcome(outcome)
    except ValueError:
        raise ReportError("report.err.outcome") from None
    reasons = _note(reasons, "report.err.reason_required", MAX_DESCRIPTION)
    if recovered_fen is not None and (recovered_fen < 0 or recovered_fen > 10 ** 11):
        raise ReportError("report.err.amount")
    if not report.anonymous and not session.execute(select(ReportEvent.id).where(
            ReportEvent.report_id == report.id, ReportEvent.kind == "reply")).first():
        raise ReportError("report.err.reply_owed")
    report.status, report.outcome, report.conclusion = ReportStatus.CONCLUDED, result, reasons
    report.recovered_fen = recovered_fen if result != ReportOutcome.UNFOUNDED else None
    report.concluded_at, report.concluded_by = now, actor.user_id
    _event(session, report, "concluded", now, reasons, actor)
    _audit(session, actor, "report.conclude", report, {"status": "acknowledged"},
           {"status": "concluded", "outcome": result.value, "recovered_fen": report.recovered_fen}, now)


def declare_conflict(session: Session, actor: Actor | None, report_id: int, reason: str,
                     now: datetime | None = None) -> None:
    """回避: the officer steps aside for good; an owner's ownership is released for someone else to take."""
    now = now or utcnow()
    report = _load(session, actor, report_id)
    assert actor is not None
    reason = _note(reason, "report.err.reason_required")
    before = {"owner": report.owner_id, "status": report.status.value}
    session.add(ReportConflict(report_id=report.id, user_id=actor.user_id, reason=reason, declared_at=now))
    if report.owner_id == actor.user_id:
        report.owner_id, report.taken_at = None, None
        if report.status == ReportStatus.TAKEN:
            report.status = ReportStatus.NEW
    _event(session, report, "conflict", now, reason, actor)
    _audit(session, actor, "report.conflict", report, before, {"owner": report.owner_id, "reason": reason}, now)


@dataclass(frozen=True)
class Identity:
    anonymous: bool
    name: str
    phone: str


def reveal_identity(session: Session, actor: Actor | None, report_id: int, now: datetime | None = None) -> Identity:
    """The reporter's name and phone, for the identity-viewer role only; every view is written to the audit log."""
    report = _load(session, actor, report_id, roles=Role.IDENTITY_VIEWER)
    assert actor is not None
    _audit(session, actor, "report.identity_view", report, after={"anonymous": report.anonymous}, now=now)
    return Identity(report.anonymous, report.reporter_name or "", report.reporter_phone or "")


# --- reward-for-reporting ---------------------------------------------------------------------------------------

def _reward(session: Session, report_id: int) -> ReportReward | None:
    return session.execute(select(ReportReward).where(ReportReward.report_id == report_id)).scalar_one_or_none()


def decide_reward(session: Session, actor: Actor | None, report_id: int, note: str = "",
                  now: datetime | None = None) -> ReportReward:
    """Amount from the policy parameters (share of the money recovered, floor, cap) and its basis."""
    now = now or utcnow()
    report = _load(session, actor, report_id)
    assert actor is not None
    if report.status != ReportStatus.CONCLUDED or report.outcome not in REWARDABLE:
        raise ReportError("report.err.not_rewardable")
    reward = _reward(session, report.id)
    if reward is not None and reward.status != RewardStatus.REJECTED:
        raise ReportError("report.err.reward_exists")
    amount, basis = reward_amount(report.recovered_fen or 0, reward_rule(session))
    note = _clean_text(note, MAX_NOTE)
    if note:
        basis = f"{basis}\n{note}"
    if reward is None:
        reward = ReportReward(report_id=report.id, amount_fen=amount, basis=basis, decided_by=actor.user_id,
                              decided_at=now, status=RewardStatus.DECIDED)
        session.add(reward)
    else:
        reward.amount_fen, reward.basis, reward.decided_by, reward.decided_at = amount, basis, actor.user_id, now
        reward.status, reward.rejection, reward.approved_by, reward.approved_at = RewardStatus.DECIDED, None, None, None
    _event(session, report, "reward_decided", now, None, actor)
    _audit(session, actor, "report.reward_decide", report, after={"amount_fen": amount, "basis": basis}, now=now)
    session.flush()
    return reward


def approve_reward(session: Session, actor: Actor | None, report_id: int, approve: bool, reason: str = "",
                   now: datetime | None = None) -> None:
    """Two-person rule: an officer other than the one who decided approves (or rejects, with reasons). The officer
    who concluded the report set the money recovered, which alone fixes the amount: not the approver either."""
    now = now or utcnow()
    report = _load(session, actor, report_id)
    assert actor is not None
    reward = _reward(session, report.id)
    if reward is None or reward.status != RewardStatus.DECIDED:
        raise ReportError("report.err.wrong_state")
    if actor.user_id in (reward.decided_by, report.concluded_by):
        raise ReportError("report.err.same_officer")
    if approve:
        reward.status, reward.approved_by, reward.approved_at = RewardStatus.APPROVED, actor.user_id, now
        _event(session, report, "reward_approved", now, None, actor)
    else:
        reward.status, reward.rejection = RewardStatus.REJECTED, _note(reason, "report.err.reason_required")
        _event(session, report, "reward_rejected", now, reward.rejection, actor)
    _audit(session, actor, "report.reward_approve" if approve else "report.reward_reject", report,
           {"status": "decided"}, {"status": reward.status.value, "reason": reward.rejection}, now)


def mark_paid(session: Session, actor: Actor | None, report_id: int, paid_on: date, payment_ref: str,
              now: datetime | None = None) -> None:
    """Finance records the payment of an approved reward the reporter has claimed (the payout details say where the
    money goes; without them a "payment" would go nobody knows where): date and payment reference. Separation of
    duties: whoever decided or approved the reward does not also record its payment."""
    now = now or utcnow()
    report = _load(session, actor, report_id, roles=Role.FINANCE)
    assert actor is not None
    reward = _reward(session, report.id)
    if reward is None or reward.status != RewardStatus.APPROVED:
        raise ReportError("report.err.wrong_state")
    if reward.claimed_at is None or not reward.payout_details:
        raise ReportError("report.err.not_claimed")
    if actor.user_id in (report.concluded_by, reward.decided_by, reward.approved_by):
        raise ReportError("report.err.payer_decided")
    ref = " ".join((payment_ref or "").split())
    if not ref or len(ref) > 64:
        raise ReportError("report.err.payment_ref")
    # Not in the future, and not before the claim that said where the money goes (which follows the approval).
    if paid_on > china_date(now) or paid_on < china_date(reward.claimed_at or reward.approved_at or now):
        raise ReportError("report.err.paid_on")
    reward.status, reward.paid_on, reward.payment_ref, reward.paid_by = RewardStatus.PAID, paid_on, ref, actor.user_id
    _event(session, report, "reward_paid", now, paid_on.isoformat(), actor)
    _audit(session, actor, "report.reward_paid", report, {"status": "approved"},
           {"status": "paid", "paid_on": paid_on.isoformat(), "ref": ref}, now)


def payout_details(session: Session, actor: Actor | None, report_id: int, now: datetime | None = None) -> str:
    """What the reporter gave to be paid: finance only, and every view is audited."""
    report = _load(session, actor, report_id, roles=Role.FINANCE)
    assert actor is not None
    reward = _reward(session, report.id)
    if reward is None or reward.payout_details is None:
        return ""
    _audit(session, actor, "report.payout_view", report, now=now)
    return reward.payout_details


@dataclass(frozen=True)
class RegisterRow:
    report_id: int
    receipt: str
    region_name: str
    status: str
    amount_fen: int
    decided_at: datetime
    approved_at: datetime | None
    paid_on: date | None
    payment_ref: str
    claimed: bool


def reward_register(session: Session, actor: Actor | None, month: str) -> list[RegisterRow]:
    """Rewards decided in a month ("YYYY-MM", China time) in the actor's regions, for officers and finance."""
    authorize(actor, (Role.OFFICER, Role.FINANCE))
    assert actor is not None
    try:
        start = datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        return []
    end = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    lo = datetime(start.year, start.month, 1, tzinfo=CHINA_TZ)
    hi = datetime(end.year, end.month, 1, tzinfo=CHINA_TZ)
    scope = _in_scope(actor, Role.OFFICER) | _in_scope(actor, Role.FINANCE)
    rows = session.execute(
        select(ReportReward, Report.receipt_code, Region.name).join(Report, Report.id == ReportReward.report_id)
        .join(Region, Region.id == Report.region_id)
        .where(scope, _not_conflicted(actor), ReportReward.decided_at >= lo, ReportReward.decided_at < hi)
        .order_by(ReportReward.decided_at, ReportReward.id)).all()
    return [RegisterRow(rw.report_id, format_receipt(code), region, rw.status.value, rw.amount_fen, rw.decided_at,
                        rw.approved_at, rw.paid_on, rw.payment_ref or "", rw.claimed_at is not None)
            for rw, code, region in rows]


def finance_queue(session: Session, actor: Actor | None) -> list[RegisterRow]:
    """Approved rewards waiting for payment in the finance officer's regions."""
    authorize(actor, Role.FINANCE)
    assert actor is not None
    rows = session.execute(
        select(ReportReward, Report.receipt_code, Region.name).join(Report, Report.id == ReportReward.report_id)
        .join(Region, Region.id == Report.region_id)
        .where(_in_scope(actor, Role.FINANCE), _not_conflicted(actor), ReportReward.status == RewardStatus.APPROVED)
        .order_by(ReportReward.approved_at, ReportReward.id)).all()
    return [RegisterRow(rw.report_id, format_receipt(code), region, rw.status.value, rw.amount_fen, rw.decided_at,
                        rw.approved_at, rw.paid_on, rw.payment_ref or "", rw.claimed_at is not None)
            for rw, code, region in rows]


# --- the receipt card the reporter saves to the phone's album ----------------------------------------------------

# The card is drawn by the kernel (the application's resume card is the same picture); the page passes the catalog
# texts in the reporter's language: (title, receipt label, secret label, hint, filed on "2026-03-10 10:00").
ReceiptCardText = drawing.ReceiptCardText


def receipt_card_png(receipt: str, secret: str, text: ReceiptCardText) -> bytes:
    """A 720 px wide PNG of the receipt code (grouped for reading) and secret, to keep in the phone's photo album."""
    return drawing.receipt_card_png(format_receipt(receipt), secret, text)


def find_by_receipt(session: Session, actor: Actor | None, receipt: str) -> InboxRow | None:
    """An officer's look-up of one report by its 16-digit receipt, inside the regions they handle and never one
    they declared a conflict on (the same answer as an unknown receipt)."""
    authorize(actor, Role.OFFICER)
    assert actor is not None
    code = normalize_receipt(receipt)
    if len(code) != 16:
        return None
    report = session.execute(select(Report).where(Report.receipt_code == code, _in_scope(actor, Role.OFFICER),
                                                  _not_conflicted(actor))).scalar_one_or_none()
    if report is None:
        return None
    region = session.get(Region, report.region_id)
    owner = _names(session, {report.owner_id}).get(report.owner_id, "") if report.owner_id else ""
    replied = report.id in _replied_ids(session, [report.id])
    return InboxRow(report.id, format_receipt(report.receipt_code), report.category.value, report.subject,
                    report.status.value, owner, report.owner_id == actor.user_id, report.anonymous,
                    report.about_staff, report.created_at, report.acknowledge_due, report.conclude_due,
                    is_overdue(report, china_today()), not report.anonymous and not replied, 1,
                    region.name if region else "")


def rewards_waiting(session: Session, actor: Actor | None) -> list[RegisterRow]:
    """Rewards decided by one officer and waiting for a second officer's approval (not one this officer decided),
    in the officer's regions."""
    authorize(actor, Role.OFFICER)
    assert actor is not None
    rows = session.execute(
        select(ReportReward, Report.receipt_code, Region.name).join(Report, Report.id == ReportReward.report_id)
        .join(Region, Region.id == Report.region_id)
        .where(_in_scope(actor, Role.OFFICER), _not_conflicted(actor), ReportReward.status == RewardStatus.DECIDED,
               ReportReward.decided_by != actor.user_id)
        .order_by(ReportReward.decided_at, ReportReward.id)).all()
    return [RegisterRow(rw.report_id, format_receipt(code), region, rw.status.value, rw.amount_fen, rw.decided_at,
                        rw.approved_at, rw.paid_on, rw.payment_ref or "", rw.claimed_at is not None)
            for rw, code, region in rows]
# --- the working-day deadlines a calendar change moves (kernel.calendar_store) ------------------------------------

def _open_conclude_deadlines(session: Session) -> list[calendar_store.OpenDeadline]:
    rows = session.execute(select(Report.id, Report.receipt_code, Report.handler_path, Report.created_at,
                                  Report.conclude_due).where(Report.status != ReportStatus.CONCLUDED)).all()
    # Only the receipt's last four digits: the calendar page is the admin's, not the report handlers'.
    return [calendar_store.OpenDeadline("deadline.report_conclude", "**** " + code[-4:], path, china_date(created),
                                        due, row_id=rid) for rid, code, path, created, due in rows]


def _reschedule_conclude(session: Session, deadline: calendar_store.OpenDeadline, new_due: date) -> None:
    report = session.get(Report, deadline.row_id)
    if report is not None:
        report.conclude_due = new_due


calendar_store.register_deadline_source(calendar_store.DeadlineSource(
    "reports.conclude", _open_conclude_deadlines, _reschedule_conclude))
