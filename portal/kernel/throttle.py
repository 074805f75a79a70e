"""Wrong secrets for look-ups by a public code + a secret (a report's receipt, an application's number), counted in
the sign-in failure table like sign-in failures: per code (username "<scope>:<code>") and per client address in
the scope's own bucket (client "<scope>:<address>"), so residents' wrong secrets never lock out the staff behind a
shared address, nor the other way round. Over either limit even the right secret waits for the window to pass.

The limits are policy settings named by the caller. A failure is added to the session: callers commit it (catch
their error inside the unit of work), or the count would roll back with it.

`take` is the same table used as a quota: anonymous work that costs disk (photos, new application drafts) is counted
per client address in its own bucket (username "<scope>:quota", client "<scope>:<address>") and refused over the
policy's number inside the window.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.kernel.throttle_models import SignInFailure
from portal.kernel import audit
from portal.kernel import policy


@dataclass(frozen=True)
class Limits:
    scope: str  # "report", "apply": prefix of the failure rows and of the audit actions (.track_failed/_throttled)
    target_type: str  # the audit row's target type
    max_per_code: str  # policy keys
    max_per_client: str
    window_minutes: str


class Throttled(Exception):
    pass


@dataclass(frozen=True)
class Quota:
    scope: str  # "upload", "draft": the bucket's prefix
    max_per_client: str  # policy key
    window_minutes: int


UPLOADS = Quota("upload", "upload.max_per_client_hour", 60)
DRAFTS = Quota("draft", "apply.max_drafts_per_client_day", 24 * 60)

log = logging.getLogger(__name__)


def _failures(session: Session, column, value: str, since: datetime) -> int:
    return session.execute(select(func.count()).select_from(SignInFailure)
                           .where(column == value, SignInFailure.at >= since)).scalar_one()


def _names(limits: Limits, code: str, client: str) -> tuple[str, str, str]:
    client = (client or "unknown")[:56]
    return f"{limits.scope}:{code or 'malformed'}", f"{limits.scope}:{client}", client


def check(session: Session, limits: Limits, code: str, client: str, now: datetime) -> None:
    """Raise Throttled (audited) when this code or this client address has used up its wrong secrets."""
    account, bucket, client = _names(limits, code, client)
    since = now - timedelta(minutes=policy.get_int(session, limits.window_minutes))
    if (_failures(session, SignInFailure.username, account, since) >= policy.get_int(session, limits.max_per_code)
            or _failures(session, SignInFailure.client, bucket, since)
            >= policy.get_int(session, limits.max_per_client)):
        audit.record(session, f"client:{client}", f"{limits.scope}.track_throttled", limits.target_type,
                     code or "-", at=now)
        raise Throttled()


def failed(session: Session, limits: Limits, code: str, client: str, now: datetime) -> None:
    """Count one wrong code or secret (and audit it)."""
    account, bucket, client = _names(limits, code, client)
    session.add(SignInFailure(username=account, client=bucket, at=now))
    audit.record(session, f"client:{client}", f"{limits.scope}.track_failed", limits.target_type, code or "-",
                 at=now)


def take(session: Session, quota: Quota, client: str, now: datetime, n: int = 1) -> None:
    """Count `n` uses by this client address, or raise Throttled (nothing counted) when they would pass its quota
    inside the window. Added to the session: the caller's unit of work commits it."""
    client = (client or "unknown")[:56]
    bucket = f"{quota.scope}:{client}"
    used = _failures(session, SignInFailure.client, bucket, now - timedelta(minutes=quota.window_minutes))
    if used + n > policy.get_int(session, quota.max_per_client):
        log.warning("quota %s used up by %s (%d in %d min)", quota.scope, client, used, quota.window_minutes)
        raise Throttled()
    session.add_all([SignInFailure(username=f"{quota.scope}:quota", client=bucket, at=now) for _ in range(n)])


def take_uploads(session: Session, client: str, n: int, now: datetime) -> None:
    """`n` anonymous photos (report or application) against the address's hourly quota; ImageRejected("image.quota"),
    like the image intake's own refusals, beyond it."""
    from portal.kernel.images import ImageRejected

    try:
        take(session, UPLOADS, client, now, n)
    except Throttled:
        raise ImageRejected("image.quota") from None
