"""The one audit writer: every privileged action leaves a hash-chained row (who, when, what, before → after).

Each row's hash covers its content and the previous row's hash, so editing or deleting any row breaks the
chain from that row on; `verify_chain` names the first broken row.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.models.audit import AuditEntry, AuditHead
from portal.models.base import utcnow

GENESIS = "0" * 64


def _insert_for(session: Session):
    """The dialect's INSERT construct (it has ON CONFLICT DO NOTHING on both SQLite and PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


class ActorLike(Protocol):
    user_id: int
    username: str


def _normalize(value: Any) -> Any:
    """What JSON columns give back on every backend, so hashing before and after storage agrees."""
    if value is None:
        return None
    return json.loads(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str))


def _entry_hash(prev_hash: str, at: datetime, actor_id: int | None, actor: str, action: str,
                target_type: str, target_id: str, region_code: str | None,
                before: Any, after: Any) -> str:
    payload = json.dumps(
        [prev_hash, at.isoformat(timespec="microseconds"), actor_id, actor, action, target_type, target_id,
         region_code, before, after],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record(session: Session, actor: ActorLike | str, action: str, target_type: str, target_id: object,
           *, region_code: str | None = None, before: Any = None, after: Any = None,
           at: datetime | None = None) -> AuditEntry:
    """Append one audit row inside the caller's transaction (it commits with the change it records)."""
    # Take the write lock on the head row first: a row lock on PostgreSQL, the database write lock on SQLite.
    lock = update(AuditHead).where(AuditHead.id == 1).values(id=1)
    if not session.execute(lock).rowcount:
        # First write ever. On PostgreSQL several writers can get here at once (no row to lock yet): the losers'
        # inserts wait for the winner's and then do nothing, and every writer goes on to lock the one row.
        session.execute(_insert_for(session)(AuditHead).values(id=1, last_hash=GENESIS, last_id=0)
                        .on_conflict_do_nothing(index_elements=[AuditHead.id]))
        session.execute(lock)
    # populate_existing: a head object already in this session (loaded before the lock) may be stale.
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).execution_options(populate_existing=True)
    ).scalar_one()
    if isinstance(actor, str):
        actor_id, actor_name = None, actor
    else:
        actor_id, actor_name = actor.user_id, actor.username
    at = at or utcnow()
    if at.tzinfo is None:
        raise ValueError("naive datetime given to the audit log")
    # Hashed in UTC, the form every backend gives back (an aware +08:00 time would never verify).
    at = at.astimezone(timezone.utc)
    before_n, after_n = _normalize(before), _normalize(after)
    digest = _entry_hash(head.last_hash, at, actor_id, actor_name, action, target_type, str(target_id),
                         region_code, before_n, after_n)
    entry = AuditEntry(at=at, actor_id=actor_id, actor=actor_name, action=action, target_type=target_type,
                       target_id=str(target_id), region_code=region_code, before=before_n, after=after_n,
                       prev_hash=head.last_hash, hash=digest)
    session.add(entry)
    session.flush()
    head.last_hash, head.last_id = digest, entry.id
    session.flush()  # the head in the database is always the newest, whatever the caller's autoflush
    return entry


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    rows: int
    first_broken_id: int | None = None
    problem: str | None = None


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Walk the log in id order, recompute every hash, and name the first row that does not fit."""
    prev, count, last_id = GENESIS, 0, 0
    while True:
        rows = session.execute(
            select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)
        ).scalars().all()
        if not rows:
            break
        for row in rows:
            if row.prev_hash != prev:
                return ChainReport(False, count, row.id, "prev_hash does not match the row before")
            expected = _entry_hash(row.prev_hash, row.at, row.actor_id, row.actor, row.action, row.target_type,
                                   row.target_id, row.region_code, row.before, row.after)
            if expected != row.hash:
                return ChainReport(False, count, row.id, "content does not match its hash")
            prev, last_id, count = row.hash, row.id, count + 1
        session.expunge_all()
    head = session.get(AuditHead, 1)
    if head is not None and head.last_hash != prev:
        return ChainReport(False, count, None, "rows after the last intact one are missing (head hash differs)")
    return ChainReport(True, count)
