"""Staff sign-in: password check, throttling, server-side sessions behind an HttpOnly cookie."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from portal.kernel.errors import DomainError
from portal.accounts.models import (Role, RoleGrant, SignInFailure, SignInSession, StaffAccountChange,
                                     StaffAccountMark, User)
from portal.kernel.base import utcnow
from portal.regions.models import Region
from portal.kernel import audit
from portal.kernel.audit_models import AuditEntry
from portal.kernel.db import session_scope
from portal.kernel import text_rules
from portal.kernel.hashing import keyed_hash
from portal.kernel.masking import account_numbers
from portal.kernel import throttle as lookup_throttle
from portal.kernel.permissions import Actor, Grant, PermissionDenied, authorize

COOKIE_NAME = "sd_session"
MAX_USERNAME = 64
MAX_PASSWORD = 256

_hasher = PasswordHasher()
# Verified against when the account does not exist, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Policy:
    session_hours: int = 8
    max_failures_account: int = 5
    max_failures_client: int = 20
    window_minutes: int = 15


@dataclass(frozen=True)
class SignInResult:
    token: str | None = None
    actor: Actor | None = None
    error: str | None = None  # message-catalog key
    retry_at: datetime | None = None  # with auth.throttled: when this address may try this account again


def sign_in(session: Session, username: str, password: str, client: str, policy: Policy,
            now: datetime | None = None) -> SignInResult:
    """Check a password. Unknown account and wrong password give the same answer, in the same time. Failures are
    throttled per account *and* address (`lookup_throttle.wait_until`): a refusal carries the time to try again."""
    now = now or utcnow()
    typed = username.strip() if isinstance(username, str) else ""
    username = text_rules.plain(typed, MAX_USERNAME + 1)
    client = (client or "unknown")[:64]
    if (not username or username != typed or not isinstance(password, str) or not password
            or len(username) > MAX_USERNAME or len(password) > MAX_PASSWORD or not text_rules.storable(password)):
        return SignInResult(error="auth.malformed")
    rule = lookup_throttle.Rule(policy.max_failures_account, policy.max_failures_client,
                                timedelta(minutes=policy.window_minutes))
    if (until := lookup_throttle.wait_until(session, rule, username, client, now)) is not None:
        audit.record(session, f"client:{client}", "auth.signin_throttled", "user", username, at=now)
        return SignInResult(error="auth.throttled", retry_at=until)

    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not ok:
        session.add(SignInFailure(username=username, client=client, at=now))
        audit.record(session, f"client:{client}", "auth.signin_failed", "user", username, at=now)
        return SignInResult(error="auth.bad_credentials")
    if not user.active:
        audit.record(session, f"client:{client}", "auth.signin_disabled", "user", user.id, at=now)
        return SignInResult(error="auth.account_disabled")

    token = secrets.token_urlsafe(32)
    session.add(SignInSession(token_hash=_token_hash(token), user_id=user.id, created_at=now,
                              expires_at=now + timedelta(hours=policy.session_hours)))
    # A success clears this address's failures for the account; others' failures keep slowing the account.
    session.execute(delete(SignInFailure).where(SignInFailure.username == username, SignInFailure.client == client))
    actor = actor_for_user(session, user)
    audit.record(session, actor, "auth.signin", "user", user.id, after={"client": client}, at=now)
    return SignInResult(token=token, actor=actor)


@dataclass(frozen=True)
class SessionLookup:
    actor: Actor | None
    status: str  # "ok" | "missing" | "invalid" | "expired" | "disabled"


def actor_for_user(session: Session, user: User) -> Actor:
    rows = session.execute(
        select(RoleGrant.role, Region.code, Region.path, Region.name)
        .join(Region, Region.id == RoleGrant.region_id)
        .where(RoleGrant.user_id == user.id)
        .order_by(RoleGrant.id)
    ).all()
    grants = tuple(Grant(role=Role(r[0]), region_code=r[1], region_path=r[2], region_name=r[3]) for r in rows)
    return Actor(user_id=user.id, username=user.username, display_name=user.display_name, grants=grants,
                 window_id=user.window_id)


def lookup(session: Session, token: str | None, now: datetime | None = None) -> SessionLookup:
    """Resolve a cookie token to the acting person, re-checked on every call (revocation is immediate)."""
    if not token:
        return SessionLookup(None, "missing")
    if len(token) > 128:
        return SessionLookup(None, "invalid")
    now = now or utcnow()
    row = session.execute(
        select(SignInSession).where(SignInSession.token_hash == _token_hash(token))
    ).scalar_one_or_none()
    if row is None or row.revoked:
        return SessionLookup(None, "invalid")
    if row.expires_at <= now:
        return SessionLookup(None, "expired")
    user = session.get(User, row.user_id, options=[selectinload(User.grants)])
    if user is None or not user.active:
        return SessionLookup(None, "disabled")
    return SessionLookup(actor_for_user(session, user), "ok")


def tab_binding(token: str | None, secret: str) -> str:
    """What a browser tab's server-side state records about the sign-in it was filled for ("" for none).

    A keyed hash of the cookie token, distinct from the stored `token_hash`: a copy of a tab's state tells
    nothing that could be matched against, or replayed as, a sign-in.
    """
    if not token or len(token) > 128:
        return ""
    return hmac.new(secret.encode(), f"tab:{token}".encode(), hashlib.sha256).hexdigest()


def sign_out(session: Session, token: str | None) -> None:
    if not token:
        return
    row = session.execute(
        select(SignInSession).where(SignInSession.token_hash == _token_hash(token))
    ).scalar_one_or_none()
    if row is not None and not row.revoked:
        row.revoked = True
        audit.record(session, f"user:{row.user_id}", "auth.signout", "user", row.user_id)


def token_from_cookie_header(cookie_header: str | None) -> str | None:
    """Pick our cookie out of a raw Cookie header (the websocket handshake carries it to event handlers).

    Parsed exactly as Starlette parses `request.cookies` for the /api/ routes. Not SimpleCookie: it silently
    drops every cookie after one it dislikes (a space, JSON or non-ASCII in another site's cookie on the same
    host), which signed people out of event handlers while /api/auth/me still saw them signed in.
    """
    if not cookie_header:
        return None
    from starlette.requests import cookie_parser

    return cookie_parser(cookie_header).get(COOKIE_NAME) or None


def create_user(session: Session, username: str, display_name: str, password: str,
                grants: list[tuple[Role, Region]], *, phone: str | None = None, window_id: int | None = None,
                created_by: Actor | str = "system") -> User:
    user = User(username=username, display_name=display_name, password_hash=hash_password(password),
                phone=phone, window_id=window_id)
    session.add(user)
    session.flush()
    for role, region in grants:
        session.add(RoleGrant(user_id=user.id, role=role, region_id=region.id))
    session.flush()
    audit.record(session, created_by, "user.create", "user", user.id,
                 after={"username": username, "grants": [[r.value, reg.code] for r, reg in grants]})
    return user


# --- accounts managed by admins (the page under /admin/accounts; the CLI's create-user stays for the first admin) --

class AccountError(DomainError):
    """A refused account change, with the catalog key to show."""


USERNAME_PATTERN = re.compile(r"[a-z][a-z0-9_.-]{2,63}")


def _one_time_password() -> str:
    # 16 characters from an alphabet without look-alikes (0/O, 1/l/I): read off a screen and typed once.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(16))


def _region_or_refuse(session: Session, actor: Actor | None, region_code: str) -> Region:
    region = session.execute(select(Region).where(Region.code == (region_code or "").strip()[:20])
                             ).scalar_one_or_none()
    if region is None:
        raise AccountError("accounts.err.region")
    authorize(actor, Role.ADMIN, region.path)
    return region


def manages(actor: Actor | None, user: User) -> bool:
    """Whether this admin manages `user`: every grant the user holds lies in the admin's regions (a user with no
    grant yet is managed by any admin)."""
    try:
        for grant in user.grants:
            authorize(actor, Role.ADMIN, grant.region.path)
    except PermissionDenied:
        return False
    return True


def unmanaged_user_ids(actor: Actor | None):
    """The ids of the accounts this admin does not manage (`manages` as a subquery, for pages that search)."""
    authorize(actor, Role.ADMIN)
    assert actor is not None
    paths = [g.region_path for g in actor.grants if g.role == Role.ADMIN]
    return select(RoleGrant.user_id).join(Region, Region.id == RoleGrant.region_id).where(
        ~or_(*[Region.path.startswith(p) for p in paths]))


def _managed_user(session: Session, actor: Actor | None, user_id: int) -> User:
    """A user this admin may manage (`manages`); anything else is refused like a missing user."""
    authorize(actor, Role.ADMIN)
    user = session.get(User, int(user_id))
    if user is None or not manages(actor, user):
        raise PermissionDenied()
    if actor is not None and user.id == actor.user_id:
        raise AccountError("accounts.err.self")
    return user


def _end_sessions(session: Session, user_id: int) -> None:
    session.execute(delete(SignInSession).where(SignInSession.user_id == user_id))


def _window_id(session: Session, role: Role, region: Region, window_code: str) -> int | None:
    if role != Role.WINDOW_STAFF:
        return None
    from portal.regions.models import ServiceWindow

    window = session.execute(select(ServiceWindow).where(ServiceWindow.code == (window_code or "").strip()[:32])
                             ).scalar_one_or_none()
    if window is None or not session.get(Region, window.region_id).path.startswith(region.path):
        raise AccountError("accounts.err.window")
    return window.id


def admin_create_user(session: Session, actor: Actor | None, username: str, display_name: str, role: str,
                      region_code: str, window_code: str = "") -> tuple[User, str]:
    """Create an account with one role over one region (in the admin's scope). Returns the user and a one-time
    password, to be shown once and changed by its holder."""
    region = _region_or_refuse(session, actor, region_code)
    username = (username or "").strip().lower()
    display_name = " ".join((display_name or "").split())[:64]
    if not USERNAME_PATTERN.fullmatch(username):
        raise AccountError("accounts.err.username")
    if not display_name:
        raise AccountError("accounts.err.display_name")
    try:
        role_value = Role(role)
    except ValueError:
        raise AccountError("accounts.err.role") from None
    if session.execute(select(User.id).where(User.username == username)).first():
        raise AccountError("accounts.err.taken")
    password = _one_time_password()
    user = create_user(session, username, display_name, password, [(role_value, region)],
                       window_id=_window_id(session, role_value, region, window_code), created_by=actor)
    return user, password


def set_active(session: Session, actor: Actor | None, user_id: int, active: bool) -> None:
    """Disable (every sign-in ends at once) or enable an account."""
    user = _managed_user(session, actor, user_id)
    if user.active == bool(active):
        return
    user.active = bool(active)
    if not active:
        _end_sessions(session, user.id)
    audit.record(session, actor, "user.enable" if active else "user.disable", "user", user.id,
                 before={"active": not active}, after={"active": bool(active)})


def add_grant(session: Session, actor: Actor | None, user_id: int, role: str, region_code: str,
              window_code: str = "") -> None:
    user = _managed_user(session, actor, user_id)
    region = _region_or_refuse(session, actor, region_code)
    try:
        role_value = Role(role)
    except ValueError:
        raise AccountError("accounts.err.role") from None
    if any(g.role == role_value and g.region_id == region.id for g in user.grants):
        raise AccountError("accounts.err.duplicate")
    if role_value == Role.WINDOW_STAFF:
        user.window_id = _window_id(session, role_value, region, window_code)
    session.add(RoleGrant(user_id=user.id, role=role_value, region_id=region.id))
    session.flush()
    _end_sessions(session, user.id)  # the new scope applies from the next sign-in, never half-way
    audit.record(session, actor, "user.grant", "user", user.id, region_code=region.code,
                 after={"role": role_value.value, "region": region.code})


def remove_grant(session: Session, actor: Actor | None, user_id: int, grant_id: int) -> None:
    user = _managed_user(session, actor, user_id)
    grant = next((g for g in user.grants if g.id == int(grant_id)), None)
    if grant is None:
        raise PermissionDenied()
    before = {"role": grant.role.value, "region": grant.region.code}
    user.grants.remove(grant)
    session.flush()
    _end_sessions(session, user.id)
    audit.record(session, actor, "user.revoke", "user", user.id, region_code=before["region"], before=before)


def reset_password(session: Session, actor: Actor | None, user_id: int) -> str:
    """A new one-time password (shown once to the admin, handed over in person); every sign-in of the account ends."""
    user = _managed_user(session, actor, user_id)
    password = _one_time_password()
    user.password_hash = hash_password(password)
    _end_sessions(session, user.id)
    audit.record(session, actor, "user.password_reset", "user", user.id)  # never the password itself
    return password


# --- a staff member's own account numbers (only their keyed hashes) ---------------------------------------------

ACCOUNT_KINDS = ("bank", "phone", "id")  # 银行卡号, 手机号, 身份证号


def account_hash(number: str) -> str:
    """The keyed hash an account number is kept and compared as (`number` as `masking.account_numbers` gives it)."""
    from portal.kernel.settings import get_settings

    return keyed_hash(get_settings().secret_key, f"account-number:{number}")


RECORDED, PROPOSED = "recorded", "proposed"


def set_account_number(session: Session, actor: Actor | None, user_id: int, kind: str, value: str) -> str:
    """Record a staff member's own bank card, phone or ID number as a keyed hash, so a reward paid to it is noticed
    (supervision); the number itself is never stored, logged or shown again. The first number of a kind is recorded
    at once (it only adds a check). Replacing one takes a second admin (`approve_account_change`): alone, an admin
    could swap an officer's card for another just before a reward is paid to the real one. Returns RECORDED or
    PROPOSED."""
    user = _managed_user(session, actor, user_id)
    if kind not in ACCOUNT_KINDS:
        raise AccountError("accounts.err.account_kind")
    numbers = account_numbers(value or "")
    if len(numbers) != 1:
        raise AccountError("accounts.err.account_number")
    value_hash = account_hash(numbers[0])
    row = session.execute(select(StaffAccountMark).where(StaffAccountMark.user_id == user.id,
                                                         StaffAccountMark.kind == kind)).scalar_one_or_none()
    if row is None:
        try:
            with session.begin_nested():
                session.add(StaffAccountMark(user_id=user.id, kind=kind, value_hash=value_hash, recorded_at=utcnow()))
                session.flush()
        except IntegrityError:  # another admin recorded the first number of this kind a moment ago
            raise AccountError("accounts.err.number_just_recorded") from None
        audit.record(session, actor, "user.account_number", "user", user.id, after={"kind": kind, "replaced": False})
        return RECORDED
    # Whether the proposed number equals the recorded one is never told: that would let an admin test guesses.
    change = StaffAccountChange(user_id=user.id, kind=kind, value_hash=value_hash, proposed_by_id=actor.user_id,
                                proposed_at=utcnow(), pending=True)
    try:
        with session.begin_nested():
            session.add(change)
            session.flush()
    except IntegrityError:
        raise AccountError("accounts.err.change_waiting") from None
    audit.record(session, actor, "user.account_number_proposed", "user", user.id,
                 after={"kind": kind, "change": change.id})
    return PROPOSED


def _waiting_change(session: Session, actor: Actor | None, change_id: int) -> tuple[StaffAccountChange, User]:
    """A waiting change about someone this admin manages (never their own number); anything else is refused like a
    missing one."""
    authorize(actor, Role.ADMIN)
    change = session.get(StaffAccountChange, int(change_id))
    if change is None:
        raise PermissionDenied()
    user = _managed_user(session, actor, change.user_id)
    if not change.pending:
        raise AccountError("accounts.err.change_closed")
    return change, user


def _decide(session: Session, actor: Actor, change: StaffAccountChange, outcome: str) -> None:
    """Close the change once: a conditional UPDATE, so of two admins deciding at the same moment one is refused."""
    done = session.execute(update(StaffAccountChange).where(
        StaffAccountChange.id == change.id, StaffAccountChange.pending.is_(True)).values(
        pending=None, outcome=outcome, decided_by_id=actor.user_id, decided_at=utcnow())
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise AccountError("accounts.err.change_closed")
    session.refresh(change)


# What one admin does to another's account that would let them act as that account: create it (and receive its
# first password), grant it a role, enable it, reset its password.
SHAPING_ACTIONS = ("user.create", "user.grant", "user.enable", "user.password_reset")


def _shaped_by(session: Session, proposer_id: int, approver_id: int) -> bool:
    """Whether the proposer ever created, granted, enabled or reset the approver's account: such an approver is not
    a second person (the proposer could have signed in as them), so the approval must come from someone else."""
    return session.execute(select(AuditEntry.id).where(
        AuditEntry.target_type == "user", AuditEntry.target_id == str(approver_id),
        AuditEntry.actor_id == proposer_id, AuditEntry.action.in_(SHAPING_ACTIONS)).limit(1)).first() is not None


def approve_account_change(session: Session, actor: Actor | None, change_id: int) -> None:
    """A second admin approves a replacement: the recorded number becomes the proposed one. Never the proposer."""
    change, user = _waiting_change(session, actor, change_id)
    if change.proposed_by_id == actor.user_id:
        raise AccountError("accounts.err.change_own")
    if _shaped_by(session, change.proposed_by_id, actor.user_id):
        raise AccountError("accounts.err.change_not_independent")
    proposer = session.get(User, change.proposed_by_id)
    if proposer is None or not proposer.active:
        raise AccountError("accounts.err.change_stale")
    _decide(session, actor, change, "approved")
    row = session.execute(select(StaffAccountMark).where(StaffAccountMark.user_id == user.id,
                                                         StaffAccountMark.kind == change.kind)).scalar_one_or_none()
    if row is None:
        row = StaffAccountMark(user_id=user.id, kind=change.kind)
        session.add(row)
    row.value_hash, row.recorded_at = change.value_hash, utcnow()
    session.flush()
    audit.record(session, actor, "user.account_number", "user", user.id,
                 after={"kind": change.kind, "replaced": True, "change": change.id,
                        "proposed_by": change.proposed_by_id})


def reject_account_change(session: Session, actor: Actor | None, change_id: int) -> None:
    """Turn a replacement down (another admin) or withdraw it (its proposer): the recorded number stays."""
    change, user = _waiting_change(session, actor, change_id)
    outcome = "withdrawn" if change.proposed_by_id == actor.user_id else "rejected"
    _decide(session, actor, change, outcome)
    audit.record(session, actor, "user.account_number_rejected", "user", user.id,
                 after={"kind": change.kind, "change": change.id, "outcome": outcome})


def staff_holding(session: Session, numbers: list[str], user_ids: set[int]) -> dict[int, list[str]]:
    """Of `user_ids`, those whose recorded account numbers (or the phone on their account) are among `numbers`:
    user id → the kinds that matched."""
    if not numbers or not user_ids:
        return {}
    hashes = {account_hash(n) for n in numbers}
    out: dict[int, list[str]] = {}
    for user_id, kind in session.execute(select(StaffAccountMark.user_id, StaffAccountMark.kind).where(
            StaffAccountMark.value_hash.in_(hashes), StaffAccountMark.user_id.in_(user_ids))):
        out.setdefault(user_id, []).append(kind)
    phones = [n for n in numbers if len(n) == 11]
    if phones:
        for user_id, phone in session.execute(select(User.id, User.phone).where(
                User.phone.is_not(None), User.id.in_(user_ids))):
            if any(p in account_numbers(phone) for p in phones) and "phone" not in out.get(user_id, []):
                out.setdefault(user_id, []).append("phone")
    return out


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""
    target: str = ""  # "user:12" (type:id), or an id alone
    date_from: datetime | None = None
    date_to: datetime | None = None  # exclusive


@dataclass(frozen=True)
class AuditLine:
    id: int
    at: datetime
    actor: str
    action: str
    target_type: str
    target_id: str
    region_code: str
    before: object
    after: object


AUDIT_PAGE = 25


def view_audit_log(session: Session, actor: Actor | None, flt: AuditFilter, *, page: int = 1) -> list[AuditLine]:
    """One page (newest first, AUDIT_PAGE + 1 rows: the extra one says a next page exists) of the audit log.

    Admins only, and only rows of their regions (rows without a region — sign-ins, settings — for admins of a
    top-level region). Each view is itself written to the log, with the filters used.
    """
    from portal.kernel.audit_models import AuditEntry

    authorize(actor, Role.ADMIN)
    assert actor is not None
    grants = [g for g in actor.grants if g.role == Role.ADMIN]
    codes = [g.region_code for g in grants]
    top = any(g.region_path.strip("/").count("/") == 0 for g in grants)
    scope = [AuditEntry.region_code.startswith(c) for c in codes]
    if top:
        scope.append(AuditEntry.region_code.is_(None))
    q = select(AuditEntry).where(or_(*scope))
    if flt.actor:
        q = q.where(AuditEntry.actor.contains(flt.actor[:80], autoescape=True))
    if flt.action:
        q = q.where(AuditEntry.action.startswith(flt.action[:64], autoescape=True))
    if flt.target:
        kind, _, ident = flt.target.partition(":")
        q = q.where(AuditEntry.target_type == kind[:40], AuditEntry.target_id == ident[:64]) if ident else \
            q.where(AuditEntry.target_id == kind[:64])
    if flt.date_from:
        q = q.where(AuditEntry.at >= flt.date_from)
    if flt.date_to:
        q = q.where(AuditEntry.at < flt.date_to)
    page = max(1, min(int(page), 10_000))
    rows = session.execute(q.order_by(AuditEntry.id.desc()).offset((page - 1) * AUDIT_PAGE)
                           .limit(AUDIT_PAGE + 1)).scalars().all()
    audit.record(session, actor, "audit.view", "audit_log", "search",
                 after={"actor": flt.actor, "action": flt.action, "target": flt.target,
                        "from": flt.date_from.isoformat() if flt.date_from else None,
                        "to": flt.date_to.isoformat() if flt.date_to else None, "page": page})
    return [AuditLine(r.id, r.at, r.actor, r.action, r.target_type, r.target_id, r.region_code or "", r.before,
                      r.after) for r in rows]


def verify_audit_chain(session: Session, actor: Actor | None) -> audit.ChainReport:
    """An admin walks the whole audit chain; the check itself is written to the log (under the admin's username)."""
    authorize(actor, Role.ADMIN)
    assert actor is not None
    report = audit.verify_chain(session)
    audit.record(session, actor.username, "audit.verify", "audit_log", "chain",
                 after={"ok": report.ok, "rows": report.rows, "first_broken_id": report.first_broken_id})
    return report


def verify_audit_chain_now(actor: Actor | None) -> audit.ChainReport:
    """`verify_audit_chain` in its own unit of work (the admin home runs it in a thread: it takes seconds on a year
    of rows)."""
    with session_scope() as session:
        return verify_audit_chain(session, actor)
