"""The recipient register's use cases: admit a household from an approved case, suspend / resume / stop it with a
reason, look people up by ID number through the keyed hash index, flag a person already in another active
household, and read members' ID numbers for the officer entitled to see them.

Every change checks role + region with the one guard (`kernel.permissions.authorize`), is written to the
hash-chained audit log in the same transaction (`kernel.audit`), and keeps the standing public roster in step through
`roster.services` (admission and resumption list the household, suspension and stopping withdraw it): the
standing roster is derived from the register and nothing else writes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from portal.kernel.errors import DomainError
from portal.accounts.models import Role
from portal.kernel import audit
from portal.kernel.base import utcnow
from portal.kernel.masking import mask_id_number
from portal.kernel.permissions import Actor, authorize, region_paths_in_scope
from portal.kernel.settings import get_settings
from portal.kernel.workdays import china_date
from portal.regions.models import Region, RegionLevel
from portal.register import rules
from portal.register.models import (
    STATUS_ACTIVE, STATUS_STOPPED, STATUS_SUSPENDED, Household, Member,
)
from portal.roster import services as roster

MIN_REASON = 4
MAX_REASON = 500
MAX_NAME = 32
MAX_MEMBERS = 20

ACTION_ADMIT = "register.admit"
ACTION_SUSPEND = "register.suspend"
ACTION_RESUME = "register.resume"
ACTION_STOP = "register.stop"
ACTION_LOOKUP = "register.lookup"
ACTION_IMPORT = "register.import"


class RegisterError(DomainError):
    """A refused register change; `key` is a message-catalog key."""

    def __init__(self, key: str, detail: str = "") -> None:
        super().__init__(key, f"{key} {detail}".strip())
        self.detail = detail


def secret_key() -> str:
    return get_settings().secret_key


def hash_number(number: str) -> str:
    return rules.id_hash(secret_key(), number)


def source_ref(household: Household) -> str:
    return f"{roster.STANDING_REF_PREFIX}{household.id}"


def _now(now: datetime | None) -> datetime:
    return now if now is not None else utcnow()


# --- admission --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NewMember:
    name: str
    relation: str  # rules.RELATIONS
    id_number: str


@dataclass(frozen=True)
class Admission:
    """What an approved case brings into the register."""

    code: str  # the application number
    application_id: int | None
    village_code: str
    head_name: str
    monthly_amount_fen: int
    started_on: date
    members: tuple[NewMember, ...]


def check_members(members: Sequence[NewMember], today: date) -> list[tuple[NewMember, rules.IdNumber]]:
    """Each member with its parsed number; RegisterError for a bad name, relation or number, or a person twice."""
    if not members or len(members) > MAX_MEMBERS:
        raise RegisterError("register.err_members")
    out, seen = [], set()
    for m in members:
        name = " ".join((m.name or "").split())
        if not name or len(name) > MAX_NAME:
            raise RegisterError("register.err_name", name[:8])
        if m.relation not in rules.RELATIONS:
            raise RegisterError("register.err_relation", m.relation[:16])
        try:
            parsed = rules.parse(m.id_number, today)
        except rules.IdNumberError as exc:
            raise RegisterError(exc.key, name) from None
        if parsed.number in seen:
            raise RegisterError("register.err_same_person", name)
        seen.add(parsed.number)
        out.append((NewMember(name, m.relation, parsed.number), parsed))
    return out


def admit(session: Session, actor: Actor, admission: Admission, *, now: datetime | None = None) -> Household:
    """Enter an approved case into the register and onto the standing roster of its village. Audited, with every
    member already active in another household named (the officer saw the flag on the case page; the county
    decided with it in view). Admitting the same case twice returns the household already there."""
    now = _now(now)
    village = session.execute(select(Region).where(Region.code == admission.village_code)).scalar_one_or_none()
    authorize(actor, Role.OFFICER, village.path if village else "/nonexistent/")
    assert village is not None
    if village.level != RegionLevel.VILLAGE:
        raise RegisterError("register.err_village", admission.village_code)
    existing = session.execute(select(Household).where(Household.code == admission.code)).scalar_one_or_none()
    if existing is not None:
        return existing
    checked = check_members(admission.members, china_date(now))
    household = Household(code=admission.code, village_id=village.id, region_path=village.path,
                          head_name=" ".join(admission.head_name.split())[:MAX_NAME],
                          application_id=admission.application_id, monthly_amount_fen=admission.monthly_amount_fen,
                          started_on=admission.started_on, status=STATUS_ACTIVE, created_at=now, updated_at=now)
    session.add(household)
    session.flush()
    key = secret_key()
    hashes = []
    for m, parsed in checked:
        h = rules.id_hash(key, parsed.number)
        hashes.append(h)
        session.add(Member(household_id=household.id, name=m.name, relation=m.relation, id_number=parsed.number,
                           id_hash=h, birth_date=parsed.birth_date, sex=parsed.sex, created_at=now))
    session.flush()
    elsewhere = other_active_households(session, hashes, household.id)
    roster.add_standing(session, actor, village, [roster.NewEntry(
        household.head_name, len(checked), household.monthly_amount_fen, village.code, source_ref(household))],
        now=now)
    audit.record(session, actor, ACTION_ADMIT, "register_household", household.code, region_code=village.code,
                 at=now, after={"application_id": admission.application_id, "members": len(checked),
                                "amount_fen": household.monthly_amount_fen,
                                "started_on": household.started_on.isoformat(),
                                "also_active_in": sorted({c for codes in elsewhere.values() for c in codes})})
    return household


# --- suspend, resume, stop --------------------------------------------------------------------------------------

def _household_for(session: Session, actor: Actor, code: str) -> Household:
    household = session.execute(select(Household).where(Household.code == (code or "")[:32])).scalar_one_or_none()
    # An unknown code is checked like a region nobody holds: no hint of what exists elsewhere.
    authorize(actor, Role.OFFICER, household.region_path if household else "/nonexistent/")
    assert household is not None
    return household


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not MIN_REASON <= len(reason) <= MAX_REASON:
        raise RegisterError("register.err_reason")
    return reason


def _village_of(session: Session, household: Household) -> Region:
    return session.get(Region, household.village_id)


def _change(session: Session, actor: Actor, code: str, reason: str, allowed: tuple[str, ...], new_status: str,
            action: str, now: datetime | None) -> Household:
    household = _household_for(session, actor, code)
    reason = _reason(reason)
    if household.status not in allowed:
        raise RegisterError("register.err_status")
    now = _now(now)
    before = household.status
    household.status, household.status_reason, household.updated_at = new_status, reason, now
    today = china_date(now)
    village = _village_of(session, household)
    if new_status == STATUS_SUSPENDED:
        household.suspended_on = today
    elif new_status == STATUS_STOPPED:
        household.stopped_on = today
    else:
        household.suspended_on = None
    session.flush()
    if new_status == STATUS_ACTIVE:
        roster.add_standing(session, actor, village, [roster.NewEntry(
            household.head_name, member_count(session, household), household.monthly_amount_fen, village.code,
            source_ref(household))], now=now)
    elif before == STATUS_ACTIVE:
        roster.withdraw_standing(session, actor, source_ref(household), reason, now=now)
    audit.record(session, actor, action, "register_household", household.code, region_code=village.code, at=now,
                 before={"status": before}, after={"status": new_status, "reason": reason})
    return household


def suspend(session: Session, actor: Actor, code: str, reason: str, *, now: datetime | None = None) -> Household:
    """暂停: payments paused and off the standing roster until resumed."""
    return _change(session, actor, code, reason, (STATUS_ACTIVE,), STATUS_SUSPENDED, ACTION_SUSPEND, now)


def resume(session: Session, actor: Actor, code: str, reason: str, *, now: datetime | None = None) -> Household:
    return _change(session, actor, code, reason, (STATUS_SUSPENDED,), STATUS_ACTIVE, ACTION_RESUME, now)


def stop(session: Session, actor: Actor, code: str, reason: str, *, now: datetime | None = None) -> Household:
    """停保: the household leaves the register for good (a new application starts again) and the roster with it."""
    return _change(session, actor, code, reason, (STATUS_ACTIVE, STATUS_SUSPENDED), STATUS_STOPPED, ACTION_STOP,
                   now)


# --- reading ----------------------------------------------------------------------------------------------------

def member_count(session: Session, household: Household) -> int:
    return len(session.execute(select(Member.id).where(Member.household_id == household.id)).all())


def other_active_households(session: Session, hashes: Iterable[str], exclude_household_id: int | None = None,
                            exclude_code: str | None = None) -> dict[str, list[str]]:
    """id_hash → codes of the ACTIVE households (other than the excluded one) that list that person."""
    hashes = list(dict.fromkeys(hashes))
    if not hashes:
        return {}
    stmt = (select(Member.id_hash, Household.code).join(Household, Household.id == Member.household_id)
            .where(Member.id_hash.in_(hashes), Household.status == STATUS_ACTIVE))
    if exclude_household_id is not None:
        stmt = stmt.where(Household.id != exclude_household_id)
    if exclude_code is not None:
        stmt = stmt.where(Household.code != exclude_code)
    out: dict[str, list[str]] = {}
    for h, code in session.execute(stmt.order_by(Household.code)):
        out.setdefault(h, []).append(code)
    return out


def flags_for_numbers(session: Session, numbers: Sequence[str], *, case_code: str) -> list[list[str]]:
    """For a case page: per number (in order), the villages of the other active households that already list that
    person ([] when none; a malformed number has no flag). Village names only: the officer may not hold those
    regions, and the flag is a prompt to check, not a disclosure."""
    key = secret_key()
    hashes = [rules.id_hash(key, n) if not rules.error_of(n, date.max) else "" for n in numbers]
    found = other_active_households(session, [h for h in hashes if h], exclude_code=case_code)
    codes = {c for cs in found.values() for c in cs}
    villages = dict(session.execute(select(Household.code, Region.name).join(Region, Region.id == Household.village_id)
                                    .where(Household.code.in_(codes))).all()) if codes else {}
    return [sorted({villages[c] for c in found.get(h, [])}) if h else [] for h in hashes]


@dataclass(frozen=True)
class MemberView:
    name: str
    relation: str
    masked_id: str
    birth_date: str
    sex: str
    household_code: str
    village: str
    status: str
    also_active_elsewhere: bool


def find_by_id(session: Session, actor: Actor, raw_number: str, *, now: datetime | None = None) -> list[MemberView]:
    """Officer look-up by ID number inside the regions they hold: one probe of the keyed hash index, never a scan.
    Raises rules.IdNumberError for a malformed number. Audited (who looked whom up), the number itself masked."""
    authorize(actor, Role.OFFICER)
    now = _now(now)
    parsed = rules.parse(raw_number, china_date(now))
    h = hash_number(parsed.number)
    paths = region_paths_in_scope(actor, Role.OFFICER)
    scope = or_(*[and_(Household.region_path >= p, Household.region_path < p + "~") for p in paths])
    rows = session.execute(select(Member, Household, Region.name).join(Household, Household.id == Member.household_id)
                           .join(Region, Region.id == Household.village_id)
                           .where(Member.id_hash == h, scope).order_by(Household.code)).all()
    active = [hh for _, hh, _ in rows if hh.status == STATUS_ACTIVE]
    audit.record(session, actor, ACTION_LOOKUP, "register_member", mask_id_number(parsed.number), at=now,
                 after={"found": len(rows)})
    return [MemberView(m.name, m.relation, mask_id_number(m.id_number), m.birth_date.isoformat(), m.sex, hh.code,
                       village, hh.status, any(a.id != hh.id for a in active)) for m, hh, village in rows]


def household_by_application(session: Session, application_id: int) -> Household | None:
    return session.execute(select(Household).where(Household.application_id == application_id)).scalar_one_or_none()


@dataclass(frozen=True)
class HouseholdHit:
    code: str
    head_name: str
    village: str
    status: str
    application_id: int | None


def search_households(session: Session, actor: Actor, name: str, *, limit: int = 20) -> list[HouseholdHit]:
    """Register households in the officer's regions whose head's name contains `name`."""
    authorize(actor, Role.OFFICER)
    name = (name or "").strip()[:32]
    if not name:
        return []
    paths = region_paths_in_scope(actor, Role.OFFICER)
    scope = or_(*[and_(Household.region_path >= p, Household.region_path < p + "~") for p in paths])
    rows = session.execute(select(Household, Region.name).join(Region, Region.id == Household.village_id)
                           .where(scope, Household.head_name.contains(name, autoescape=True))
                           .order_by(Household.code).limit(limit)).all()
    return [HouseholdHit(h.code, h.head_name, village, h.status, h.application_id) for h, village in rows]
