"""Read models for the admins' pages: accounts found by name, the region tree and windows to pick from, and what the
system holds (the admin home's counts). And who is signed in (`open_lookup`), for the UI shell and the API routes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from portal.accounts import services as auth
from portal.accounts.models import RoleGrant, StaffAccountChange, StaffAccountMark, User
from portal.kernel.db import session_scope
from portal.kernel.permissions import Actor, Role, authorize
from portal.kernel.workdays import CHINA_TZ
from portal.regions.models import Region, RegionLevel, ServiceWindow

USER_PAGE = 20
MAX_REGIONS = 400
# Roles are granted down to the township: villages are not offered in the picker.
PICKABLE_LEVELS = (RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWNSHIP)


@dataclass(frozen=True)
class GrantLine:
    id: int
    role: str
    region_code: str
    region_name: str


@dataclass(frozen=True)
class AccountLine:
    id: int
    username: str
    display_name: str
    active: bool
    window_code: str
    grants: list[GrantLine]
    account_kinds: tuple[str, ...] = ()  # own account numbers on record (bank, phone, id): the kinds, never numbers
    waiting_kinds: tuple[str, ...] = ()  # kinds with a replacement waiting for a second admin


def open_lookup(token: str | None) -> auth.SessionLookup:
    """The acting person behind a sign-in cookie's token, read again on every call (a revocation counts at once)."""
    with session_scope() as session:
        return auth.lookup(session, token)


def _admin_paths(actor: Actor | None) -> list[str]:
    authorize(actor, Role.ADMIN)
    assert actor is not None
    return [g.region_path for g in actor.grants if g.role == Role.ADMIN]


def find_accounts(session: Session, actor: Actor | None, text: str = "", *, page: int = 1) -> list[AccountLine]:
    """Accounts whose username or name contains ``text``, among those this admin manages: every grant inside the
    admin's regions, or no grant at all. USER_PAGE + 1 rows (the extra one says a next page exists)."""
    q = select(User).options(selectinload(User.grants).selectinload(RoleGrant.region)).where(
        User.id.not_in(auth.unmanaged_user_ids(actor)))
    text = (text or "").strip()[:64]
    if text:
        q = q.where(or_(User.username.contains(text, autoescape=True),
                        User.display_name.contains(text, autoescape=True)))
    page = max(1, min(int(page), 10_000))
    users = session.execute(q.order_by(User.username).offset((page - 1) * USER_PAGE).limit(USER_PAGE + 1)
                            ).scalars().all()
    windows = {w.id: w.code for w in session.execute(
        select(ServiceWindow).where(ServiceWindow.id.in_([u.window_id for u in users if u.window_id]))).scalars()}
    kinds: dict[int, list[str]] = {}
    for user_id, kind in session.execute(select(StaffAccountMark.user_id, StaffAccountMark.kind).where(
            StaffAccountMark.user_id.in_([u.id for u in users])).order_by(StaffAccountMark.kind)):
        kinds.setdefault(user_id, []).append(kind)
    waiting: dict[int, list[str]] = {}
    for user_id, kind in session.execute(select(StaffAccountChange.user_id, StaffAccountChange.kind).where(
            StaffAccountChange.user_id.in_([u.id for u in users]), StaffAccountChange.pending.is_(True))
            .order_by(StaffAccountChange.kind)):
        waiting.setdefault(user_id, []).append(kind)
    return [AccountLine(u.id, u.username, u.display_name, u.active, windows.get(u.window_id, ""),
                        [GrantLine(g.id, g.role.value, g.region.code, g.region.name) for g in u.grants],
                        tuple(kinds.get(u.id, ())), tuple(waiting.get(u.id, ())))
            for u in users]


@dataclass(frozen=True)
class WaitingChange:
    id: int
    username: str
    display_name: str
    kind: str
    proposed_by: str
    proposed_at: str  # China time, to the minute
    mine: bool  # proposed by the viewer: they may withdraw it, never approve it


CHANGES_SHOWN = 50


def waiting_account_changes(session: Session, actor: Actor | None) -> list[WaitingChange]:
    """Replacements of recorded account numbers waiting for a second admin, about accounts this admin manages
    (never the admin's own), oldest first: the kinds and who proposed them, never a number."""
    proposer = aliased(User)
    rows = session.execute(
        select(StaffAccountChange, User.username, User.display_name, proposer.username)
        .join(User, User.id == StaffAccountChange.user_id)
        .join(proposer, proposer.id == StaffAccountChange.proposed_by_id)
        .where(StaffAccountChange.pending.is_(True),
               StaffAccountChange.user_id.not_in(auth.unmanaged_user_ids(actor)),  # guards: admins only
               StaffAccountChange.user_id != actor.user_id)
        .order_by(StaffAccountChange.proposed_at, StaffAccountChange.id).limit(CHANGES_SHOWN)).all()
    return [WaitingChange(c.id, username, display_name, c.kind, by,
                          c.proposed_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M"),
                          c.proposed_by_id == actor.user_id)
            for c, username, display_name, by in rows]


@dataclass(frozen=True)
class RegionChoice:
    code: str
    name: str
    depth: int  # 0 for the admin's own region: the picker indents by it


def region_choices(session: Session, actor: Actor | None,
                   levels: tuple[RegionLevel, ...] = PICKABLE_LEVELS) -> list[RegionChoice]:
    """The region tree under this admin's regions at `levels` (down to townships by default), in tree order."""
    paths = _admin_paths(actor)
    rows = session.execute(select(Region).where(or_(*[Region.path.startswith(p) for p in paths]),
                                                Region.level.in_(levels))
                           .order_by(Region.path).limit(MAX_REGIONS)).scalars().all()
    base = min((p.count("/") for p in paths), default=2)
    return [RegionChoice(r.code, r.name, r.path.count("/") - base) for r in rows]


@dataclass(frozen=True)
class WindowChoice:
    code: str
    name: str
    region_code: str


def window_choices(session: Session, actor: Actor | None) -> list[WindowChoice]:
    paths = _admin_paths(actor)
    rows = session.execute(select(ServiceWindow, Region.code).join(Region, Region.id == ServiceWindow.region_id)
                           .where(or_(*[Region.path.startswith(p) for p in paths]), ServiceWindow.active.is_(True))
                           .order_by(ServiceWindow.code).limit(MAX_REGIONS)).all()
    return [WindowChoice(w.code, f"{w.office_name} {w.name}", code) for w, code in rows]


@dataclass(frozen=True)
class SystemCounts:
    regions: int
    windows: int
    users: int


def system_counts(session: Session, actor: Actor | None) -> SystemCounts:
    """The admin home: regions, service windows and accounts in the whole system (any admin)."""
    authorize(actor, Role.ADMIN)
    return SystemCounts(session.execute(select(func.count()).select_from(Region)).scalar_one(),
                        session.execute(select(func.count()).select_from(ServiceWindow)).scalar_one(),
                        session.execute(select(func.count()).select_from(User)).scalar_one())
