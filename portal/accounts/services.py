"""Staff sign-in: password check, throttling, server-side sessions behind an HttpOnly cookie."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from portal.accounts.models import Role, RoleGrant, SignInFailure, SignInSession, User
from portal.kernel.base import utcnow
from portal.regions.models import Region
from portal.kernel import audit
from portal.kernel import text_rules
from portal.kernel import throttle as lookup_throttle
from portal.kernel.permissions import Actor, Grant

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
