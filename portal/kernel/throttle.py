"""Wrong secrets for look-ups by a public code + a secret (a report's receipt, an application's number), counted in
the sign-in failure table like sign-in failures: per code (username "<scope>:<code>") and per client address in
the scope's own bucket (client "<scope>:<address>"), so residents' wrong secrets never lock out the staff behind a
shared address, nor the other way round. Over either limit even the right secret waits for the window to pass.

The limits are policy settings named by the caller. A failure is added to the session: callers commit it (catch
their error inside the unit of work), or the count would roll back with it.
"""

from __future__ import annotations

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
