"""The one audit writer: every privileged action leaves a hash-chained row (who, when, what, before → after).

Each row's hash covers its content and the previous row's hash, so editing or deleting any row breaks the
chain from that row on; `verify_chain` names the first broken row.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from collections.abc import Sequence

from portal.kernel.audit_models import AuditCheckpoint, AuditEntry, AuditHead
from portal.kernel.base import utcnow

GENESIS = "0" * 64

# Called with (session, entry) after every row is written, inside the caller's transaction. Supervision watches
# the acts here (portal/supervision): the kernel knows nothing of who listens. A listener must be cheap and must
# never make the act it watches fail (it runs its own savepoint).
_listeners: list[Callable[[Session, AuditEntry], None]] = []


def on_record(listener: Callable[[Session, AuditEntry], None]) -> None:
    """Register a listener once (registering the same function again does nothing)."""
    if listener not in _listeners:
        _listeners.append(listener)


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
    for listener in tuple(_listeners):
        listener(session, entry)
    return entry


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    rows: int
    first_broken_id: int | None = None
    problem: str | None = None


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Walk the log in id order, recompute every hash, and name the first row that does not fit."""
    report, _, _ = _walk(session, 0, GENESIS, 0, batch)
    return report


def _row_hash(row: AuditEntry) -> str:
    return _entry_hash(row.prev_hash, row.at, row.actor_id, row.actor, row.action, row.target_type, row.target_id,
                       row.region_code, row.before, row.after)


def _walk(session: Session, last_id: int, prev: str, count: int, batch: int) -> tuple[ChainReport, int, str]:
    """Verify the rows after `last_id`, whose predecessor has hash `prev`, then that the head is the last of them."""
    while True:
        rows = session.execute(
            select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)
        ).scalars().all()
        if not rows:
            break
        for row in rows:
            if row.prev_hash != prev:
                return ChainReport(False, count, row.id, "prev_hash does not match the row before"), last_id, prev
            if _row_hash(row) != row.hash:
                return ChainReport(False, count, row.id, "content does not match its hash"), last_id, prev
            prev, last_id, count = row.hash, row.id, count + 1
        session.expunge_all()
    head = session.get(AuditHead, 1)
    if head is not None and head.last_hash != prev:
        return (ChainReport(False, count, None, "rows after the last intact one are missing (head hash differs)"),
                last_id, prev)
    return ChainReport(True, count), last_id, prev


def verify_since_checkpoint(session: Session, rows: Sequence[AuditEntry] = (), batch: int = 5000) -> ChainReport:
    """The cheap check a public proof page can afford on every view.

    Re-verifies only the rows after the stored checkpoint (then moves the checkpoint forward), and, wherever they
    stand, the given `rows` themselves and their links to the rows just before them: an edit of one of those rows,
    or of its predecessor, is found even below the checkpoint. A full `verify_chain` still walks everything.
    """
    checked = [(row.id, row.prev_hash, _row_hash(row) == row.hash) for row in rows]
    for row_id, prev_hash, intact in checked:
        if not intact:
            return ChainReport(False, 0, row_id, "content does not match its hash")
        before = session.execute(
            select(AuditEntry).where(AuditEntry.id < row_id).order_by(AuditEntry.id.desc()).limit(1)
        ).scalar_one_or_none()
        if before is None and prev_hash != GENESIS:
            return ChainReport(False, 0, row_id, "prev_hash does not match the row before")
        if before is not None and (before.hash != prev_hash or _row_hash(before) != before.hash):
            return ChainReport(False, 0, row_id if before.hash != prev_hash else before.id,
                               "prev_hash does not match the row before" if before.hash != prev_hash
                               else "content does not match its hash")
    point = session.get(AuditCheckpoint, 1)
    start = (point.verified_id, point.verified_hash, point.verified_rows) if point else (0, GENESIS, 0)
    report, last_id, last_hash = _walk(session, *start, batch)
    if report.ok and last_id > start[0]:
        session.execute(_insert_for(session)(AuditCheckpoint).values(
            id=1, verified_id=0, verified_hash=GENESIS, verified_rows=0, verified_at=utcnow(),
        ).on_conflict_do_nothing(index_elements=[AuditCheckpoint.id]))
        # Only forward: a slower reader that verified less never moves the checkpoint back.
        session.execute(update(AuditCheckpoint).where(AuditCheckpoint.id == 1, AuditCheckpoint.verified_id < last_id)
                        .values(verified_id=last_id, verified_hash=last_hash, verified_rows=report.rows,
                                verified_at=utcnow()))
        session.flush()
    return report
