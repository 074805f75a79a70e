"""Wrong guesses of a secret, counted in the sign-in failure table: staff passwords (`services.auth`) and look-ups
by a public code + a secret (a report's receipt, an application's number: username "<scope>:<code>", client
"<scope>:<address>", so residents' wrong secrets never lock out the staff behind a shared address, nor the other way
round).

One rule for all of them (`wait_until`), so that usernames and receipt numbers, which others can know, never let a
stranger lock their owner out:
- one address that got one account (code) wrong `max_per_account` times in the window waits until the window has
  passed those failures: that address is guessing;
- one address with `max_per_client` failures over all accounts waits the same way: it is spraying;
- an account with `max_per_account` failures from all addresses together is not locked but slowed: after its latest
  failure every address waits `first_delay`, doubling with each further failure, at most the window. The owner
  from a fresh address still signs in after that short wait; guessers spread over many addresses get a few tries
  an hour.
A refused attempt is not counted and says when to try again (`retry_label`).

A failure is added to the session: callers commit it (catch their error inside the unit of work), or the count
would roll back with it. The limits are policy settings named by the caller.

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
from portal.kernel.workdays import CHINA_TZ

MAX_DOUBLINGS = 16  # beyond this the delay is the window anyway; keeps the arithmetic small


@dataclass(frozen=True)
class Rule:
    max_per_account: int
    max_per_client: int
    window: timedelta
    first_delay: timedelta = timedelta(seconds=30)


def _nth_latest(session: Session, n: int, *where) -> datetime | None:
    """The time of the n-th most recent failure matching `where` (None when there are fewer than n)."""
    if n < 1:
        n = 1
    return session.execute(select(SignInFailure.at).where(*where).order_by(SignInFailure.at.desc())
                           .offset(n - 1).limit(1)).scalar_one_or_none()


def wait_until(session: Session, rule: Rule, account: str, client: str, now: datetime) -> datetime | None:
    """When this address may next try this account, or None when it may now (the module's rule)."""
    since = now - rule.window
    recent = SignInFailure.at >= since
    waits: list[datetime] = []
    if (at := _nth_latest(session, rule.max_per_account, SignInFailure.username == account,
                          SignInFailure.client == client, recent)) is not None:
        waits.append(at + rule.window)
    if (at := _nth_latest(session, rule.max_per_client, SignInFailure.client == client, recent)) is not None:
        waits.append(at + rule.window)
    count, last = session.execute(select(func.count(), func.max(SignInFailure.at))
                                  .where(SignInFailure.username == account, recent)).one()
    if count >= rule.max_per_account and last is not None:
        if last.tzinfo is None:  # aggregate results bypass the column type on SQLite
            last = last.replace(tzinfo=now.tzinfo)
        doublings = min(count - rule.max_per_account, MAX_DOUBLINGS)
        waits.append(last + min(rule.first_delay * (2 ** doublings), rule.window))
    until = max(waits, default=None)
    return until if until is not None and until >= now else None


def retry_label(at: datetime) -> str:
    """'14:36': the Beijing time to try again, rounded up to the minute so the wait is never shorter than told."""
    local = at.astimezone(CHINA_TZ)
    if local.second or local.microsecond:
        local = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return local.strftime("%H:%M")


# --- look-ups by a public code + a secret ---------------------------------------------------------------------

@dataclass(frozen=True)
class Limits:
    scope: str  # "report", "apply": prefix of the failure rows and of the audit actions (.track_failed/_throttled)
    target_type: str  # the audit row's target type
    max_per_code: str  # policy keys
    max_per_client: str
    window_minutes: str


class Throttled(Exception):
    def __init__(self, until: datetime) -> None:
        super().__init__(until.isoformat())
        self.until = until

    @property
    def retry_at(self) -> str:
        return retry_label(self.until)


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
    """Raise Throttled (audited, with the time to try again) when this address must wait for this code."""
    account, bucket, client = _names(limits, code, client)
    rule = Rule(policy.get_int(session, limits.max_per_code), policy.get_int(session, limits.max_per_client),
                timedelta(minutes=policy.get_int(session, limits.window_minutes)))
    until = wait_until(session, rule, account, bucket, now)
    if until is not None:
        audit.record(session, f"client:{client}", f"{limits.scope}.track_throttled", limits.target_type,
                     code or "-", at=now)
        raise Throttled(until)


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
        raise Throttled(now + timedelta(minutes=quota.window_minutes))
    session.add_all([SignInFailure(username=f"{quota.scope}:quota", client=bucket, at=now) for _ in range(n)])


def take_uploads(session: Session, client: str, n: int, now: datetime) -> None:
    """`n` anonymous photos (report or application) against the address's hourly quota; ImageRejected("image.quota"),
    like the image intake's own refusals, beyond it."""
    from portal.kernel.images import ImageRejected

    try:
        take(session, UPLOADS, client, now, n)
    except Throttled:
        raise ImageRejected("image.quota") from None
