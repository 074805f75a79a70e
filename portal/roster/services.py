"""Public roster (公示): publish 7-day publicity batches and the standing roster, withdraw with a reason, and read
it back page by page, masked, with a per-client read budget.

Write side (officers): `publish_batch`, `withdraw_entry`. Each checks role + region with the one guard and writes
to the hash-chained audit log in the same transaction. Every publicity line names the case it comes from
("application:<id>"): the service refuses a line without one and the table's CHECK constraint refuses it too, so the
only way onto the publicity roster is `applications.services.publish_cases`, which builds the lines from the cases. The standing roster is not typed in by hand: it follows the
recipient register (`register.services`), which calls `add_standing` when a household is admitted or resumed,
`withdraw_standing` when it is suspended or stopped, and `add_standing_bulk` for an imported register; every standing
entry carries its household's `source_ref` ("household:<id>"). A batch runs exactly `PUBLICITY` from the
moment it is published; nothing here can end, shorten, move or delete a batch, and the case workflow asks
`publicity_finished` before a case may go on to the county decision (so publicity cannot be skipped either).

Read side (anyone): `browse`, `search_name`, `count_capped`, `current_batches`, `batch_proof`. They select only
publishable columns and return `PublicEntry` values whose name is already masked (`services.masking.mask_name`), so
a page cannot send more than this module hands it. Pages are `PAGE_SIZE` rows, keyset-paginated in the database;
`take_read` meters them per client so nobody can pull a province in minutes.

Seam for the applications feature: `publish_cases` builds `NewEntry(source_ref="application:<id>", ...)` for the
cases at the publicity step and calls `publish_batch`; before the county decision it calls
`publicity_finished(session, source_ref)`.
"""

from __future__ import annotations

import base64
import os
import random
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, delete, func, or_, select, tuple_
from sqlalchemy.orm import Session

from portal.kernel.errors import DomainError
from portal.accounts.models import Role
from portal.kernel import money
from portal.kernel.audit_models import AuditEntry
from portal.kernel.base import utcnow
from portal.regions.models import Region, RegionLevel
from portal.roster.models import (
    KIND_PUBLICITY, KIND_STANDING, STATUS_ACTIVE, STATUS_WITHDRAWN, RosterBatch, RosterEntry, RosterReadCount,
)
from portal.kernel import audit
from portal.kernel import text_rules
from portal.kernel.db import insert_rows
from portal.kernel.masking import mask_name
from portal.kernel.permissions import Actor, authorize

PUBLICITY_DAYS = 7
PUBLICITY = timedelta(days=PUBLICITY_DAYS)  # 7 calendar days, to the minute
PAGE_SIZE = 20
COUNT_CAP = 1000  # counts above this are shown as "1000+" (an exact province count is a full index scan)
MAX_ENTRIES_PER_BATCH = 500
MAX_NAME = 32
MAX_HOUSEHOLD = 20
MAX_AMOUNT_FEN = 5_000_000  # 50,000 yuan a month: anything above is a typing error
MIN_REASON = 4
MAX_REASON = 500
MAX_SOURCE_REF = 64
CHINA = timezone(timedelta(hours=8))  # dates on notices are China time
KINDS = (KIND_PUBLICITY, KIND_STANDING)

# Audit actions written by this module.
ACTION_PUBLISH = "roster.batch_publish"
ACTION_STANDING = "roster.standing_add"
ACTION_WITHDRAW = "roster.entry_withdraw"


class RosterError(DomainError):
    """A refused roster change; `key` is a message-catalog key."""

    def __init__(self, key: str, detail: str = "") -> None:
        super().__init__(key, f"{key} {detail}".strip())
        self.detail = detail


@dataclass(frozen=True)
class NewEntry:
    """One line to publish. Only publishable fields, plus the opaque link to its case."""

    name: str
    household_size: int
    monthly_amount_fen: int
    village_code: str
    source_ref: str | None = None


def _path_upper(path: str) -> str:
    """Every descendant path of `path` sorts in [path, path + '~') bytewise ('~' is above digits and '/')."""
    return path + "~"


def in_region(column, path: str):
    return and_(column >= path, column < _path_upper(path))


def new_public_id() -> str:
    return base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()


def normalize_name(name: str) -> str:
    return text_rules.normalize_name(name)


def _utc(now: datetime | None) -> datetime:
    """`now` in UTC (what the database gives back), so stored and audited times compare and hash alike."""
    if now is None:
        return utcnow()
    if now.tzinfo is None:
        raise ValueError("naive datetime")
    return now.astimezone(timezone.utc)


def to_china(at: datetime) -> datetime:
    return at.astimezone(CHINA)


def fmt_time(at: datetime | None) -> str:
    return to_china(at).strftime("%Y-%m-%d %H:%M") if at else ""


def fmt_date(at: datetime | None) -> str:
    return to_china(at).strftime("%Y-%m-%d") if at else ""


def parse_amount_fen(text: str) -> int | None:
    """A monthly amount as typed by an officer: non-negative yuan below a billion → fen, else None."""
    fen = money.parse_yuan(text)
    return fen if fen is not None and 0 <= fen < 100_000_000_000 else None


# --- write side -------------------------------------------------------------------------------------------------

def check_entry(entry: NewEntry) -> NewEntry:
    """The entry cleaned up (name whitespace, empty source_ref), or RosterError naming the first bad field."""
    name = normalize_name(entry.name)
    # The one name rule (shared with applications): digits are refused so an ID or phone number typed into the name
    # box can never be published, and no control, zero-width or bidi character reaches a public page.
    if (key := text_rules.name_error(name)) is not None:
        raise RosterError(key, text_rules.clean_text(name, multiline=False)[:8])
    if not isinstance(entry.household_size, int) or not 1 <= entry.household_size <= MAX_HOUSEHOLD:
        raise RosterError("roster.err_household")
    if not isinstance(entry.monthly_amount_fen, int) or not 1 <= entry.monthly_amount_fen <= MAX_AMOUNT_FEN:
        raise RosterError("roster.err_amount")
    ref = (entry.source_ref or "").strip() or None
    if ref is not None and len(ref) > MAX_SOURCE_REF:
        raise RosterError("roster.err_source_ref")
    return NewEntry(name, entry.household_size, entry.monthly_amount_fen, (entry.village_code or "").strip(), ref)


def _villages_for(session: Session, region: Region, entries: Sequence[NewEntry]) -> dict[str, Region]:
    codes = {e.village_code for e in entries}
    found = {r.code: r for r in session.execute(select(Region).where(Region.code.in_(codes))).scalars()}
    for code in codes:
        village = found.get(code)
        if village is None or village.level != RegionLevel.VILLAGE or not village.path.startswith(region.path):
            raise RosterError("roster.err_village", code)
    return found


def _prepare(session: Session, actor: Actor, region: Region, entries: Sequence[NewEntry]):
    authorize(actor, Role.OFFICER, region.path)
    if not entries:
        raise RosterError("roster.err_empty")
    if len(entries) > MAX_ENTRIES_PER_BATCH:
        raise RosterError("roster.err_too_many")
    checked = [check_entry(e) for e in entries]
    return checked, _villages_for(session, region, checked)


def _rows(checked: list[NewEntry], villages: dict[str, Region], kind: str, batch_id: int | None,
          starts_at: datetime, ends_at: datetime | None) -> list[RosterEntry]:
    return [RosterEntry(public_id=new_public_id(), kind=kind, status=STATUS_ACTIVE, batch_id=batch_id,
                        village_id=villages[e.village_code].id, region_path=villages[e.village_code].path,
                        name=e.name, household_size=e.household_size, monthly_amount_fen=e.monthly_amount_fen,
                        starts_at=starts_at, ends_at=ends_at, source_ref=e.source_ref, created_at=starts_at)
            for e in checked]


CASE_REF_PREFIX = "application:"


def is_case_ref(ref: str | None) -> bool:
    """"application:<id>": the link every publicity line carries back to its case."""
    rest = (ref or "").removeprefix(CASE_REF_PREFIX)
    return (ref or "").startswith(CASE_REF_PREFIX) and rest.isascii() and rest.isdigit()


def publish_batch(session: Session, actor: Actor, region: Region, entries: Sequence[NewEntry], *,
                  now: datetime | None = None) -> RosterBatch:
    """Publish a publicity batch for `region`: it starts now and ends exactly 7 days later. Audited. Every line
    names its case (a line typed by hand, without one, is refused): called by `applications.services.publish_cases`."""
    checked, villages = _prepare(session, actor, region, entries)
    if not all(is_case_ref(e.source_ref) for e in checked):
        raise RosterError("roster.err_case_ref")
    now = _utc(now)
    batch = RosterBatch(region_id=region.id, region_path=region.path, starts_at=now, ends_at=now + PUBLICITY,
                        published_by_id=actor.user_id, entry_count=len(checked), created_at=now)
    session.add(batch)
    session.flush()
    rows = _rows(checked, villages, KIND_PUBLICITY, batch.id, batch.starts_at, batch.ends_at)
    session.add_all(rows)
    session.flush()
    row = audit.record(session, actor, ACTION_PUBLISH, "roster_batch", batch.id, region_code=region.code, at=now,
                       after={"starts_at": batch.starts_at.isoformat(), "ends_at": batch.ends_at.isoformat(),
                              "days": PUBLICITY_DAYS, "entries": [r.public_id for r in rows]})
    batch.publish_audit_id = row.id
    session.flush()
    return batch


STANDING_REF_PREFIX = "household:"


def _standing_refs(checked: list[NewEntry]) -> None:
    """Every standing entry names the register household it comes from."""
    for e in checked:
        if not (e.source_ref or "").startswith(STANDING_REF_PREFIX):
            raise RosterError("roster.err_source_ref")


def add_standing(session: Session, actor: Actor, region: Region, entries: Sequence[NewEntry], *,
                 now: datetime | None = None) -> list[RosterEntry]:
    """Put register households on the standing roster of `region` (listed from now until withdrawn). Audited.
    Called by the register only; each entry's source_ref is its household."""
    checked, villages = _prepare(session, actor, region, entries)
    _standing_refs(checked)
    now = _utc(now)
    rows = _rows(checked, villages, KIND_STANDING, None, now, None)
    session.add_all(rows)
    session.flush()
    audit.record(session, actor, ACTION_STANDING, "region", region.code, region_code=region.code, at=now,
                 after={"entries": [r.public_id for r in rows],
                        "sources": [r.source_ref for r in rows]})
    return rows


@dataclass(frozen=True)
class StandingRow:
    """One imported household for `add_standing_bulk`: the village is already resolved by the caller."""

    entry: NewEntry
    village_id: int
    region_path: str


def add_standing_bulk(session: Session, rows: Sequence[StandingRow], *, now: datetime | None = None) -> int:
    """Standing entries for households of an imported register, in one executemany (the caller checked the
    importer's rights and audits the import as a whole). Every entry is checked like a typed one."""
    checked = [check_entry(r.entry) for r in rows]
    _standing_refs(checked)
    now = _utc(now)
    values = [dict(public_id=new_public_id(), kind=KIND_STANDING, status=STATUS_ACTIVE, batch_id=None,
                   village_id=r.village_id, region_path=r.region_path, name=e.name, household_size=e.household_size,
                   monthly_amount_fen=e.monthly_amount_fen, starts_at=now, ends_at=None, source_ref=e.source_ref,
                   created_at=now) for r, e in zip(rows, checked)]
    if values:
        insert_rows(session, RosterEntry.__table__, values)
    return len(values)


def withdraw_standing(session: Session, actor: Actor, source_ref: str, reason: str, *,
                      now: datetime | None = None) -> list[RosterEntry]:
    """Take a register household off the standing roster (it was suspended or stopped). Audited per entry."""
    ids = session.execute(select(RosterEntry.public_id).where(
        RosterEntry.source_ref == source_ref, RosterEntry.kind == KIND_STANDING,
        RosterEntry.status == STATUS_ACTIVE)).scalars().all()
    return [withdraw_entry(session, actor, public_id, reason, now=now) for public_id in ids]


def withdraw_entry(session: Session, actor: Actor, public_id: str, reason: str, *,
                   now: datetime | None = None) -> RosterEntry:
    """Take one entry off the roster. A written reason is required; the batch itself keeps running. Audited."""
    entry = session.execute(select(RosterEntry).where(RosterEntry.public_id == (public_id or "")[:16])
                            ).scalar_one_or_none()
    # An unknown id is checked like a region nobody holds: no hint of what exists elsewhere.
    authorize(actor, Role.OFFICER, entry.region_path if entry else "/nonexistent/")
    assert entry is not None
    reason = text_rules.clean_text(reason, multiline=False)
    if len(reason) < MIN_REASON or len(reason) > MAX_REASON:
        raise RosterError("roster.err_reason")
    if entry.status == STATUS_WITHDRAWN:
        raise RosterError("roster.err_already_withdrawn")
    now = _utc(now)
    entry.status, entry.withdrawn_at, entry.withdrawn_reason = STATUS_WITHDRAWN, now, reason
    entry.withdrawn_by_id = actor.user_id
    session.flush()
    village_code = session.execute(select(Region.code).where(Region.id == entry.village_id)).scalar_one()
    audit.record(session, actor, ACTION_WITHDRAW, "roster_entry", entry.public_id, region_code=village_code, at=now,
                 before={"status": STATUS_ACTIVE, "kind": entry.kind, "batch_id": entry.batch_id},
                 after={"status": STATUS_WITHDRAWN, "reason": reason})
    return entry


def publicity_finished(session: Session, source_ref: str, now: datetime | None = None) -> bool:
    """For the case workflow: True once the case's latest publicity entry has stayed up its full 7 days."""
    now = _utc(now)
    entry = session.execute(
        select(RosterEntry).where(RosterEntry.source_ref == source_ref, RosterEntry.kind == KIND_PUBLICITY)
        .order_by(RosterEntry.id.desc()).limit(1)
    ).scalar_one_or_none()
    return bool(entry and entry.status == STATUS_ACTIVE and entry.ends_at is not None and entry.ends_at <= now)


# --- read side (public) -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PublicEntry:
    """Everything a public page may show about one entry, the name already masked."""

    public_id: str
    masked_name: str
    household_size: int
    monthly_amount_fen: int
    village_name: str
    kind: str
    starts_at: datetime
    ends_at: datetime | None


Cursor = tuple[str, int]  # (region_path, id) of the last row shown


@dataclass(frozen=True)
class Page:
    entries: list[PublicEntry]
    next_cursor: Cursor | None  # None on the last page


_PUBLIC_COLUMNS = (RosterEntry.id, RosterEntry.public_id, RosterEntry.name, RosterEntry.household_size,
                   RosterEntry.monthly_amount_fen, RosterEntry.kind, RosterEntry.starts_at, RosterEntry.ends_at,
                   RosterEntry.region_path, RosterEntry.village_id)


def _current(now: datetime):
    """Listed right now: any standing entry, or a publicity entry inside its 7 days."""
    return or_(RosterEntry.kind == KIND_STANDING,
               and_(RosterEntry.starts_at <= now, RosterEntry.ends_at > now))


def _page(session: Session, stmt, cursor: Cursor | None) -> Page:
    if cursor is not None:
        stmt = stmt.where(tuple_(RosterEntry.region_path, RosterEntry.id) > tuple_(*cursor))
    rows = session.execute(stmt.order_by(RosterEntry.region_path, RosterEntry.id).limit(PAGE_SIZE + 1)).all()
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    villages = {r.id: (r.name, r.name_mask_style) for r in session.execute(
        select(Region.id, Region.name, Region.name_mask_style).where(Region.id.in_({row.village_id for row in rows}))
    )} if rows else {}
    entries = [PublicEntry(public_id=row.public_id, masked_name=mask_name(row.name, villages[row.village_id][1]),
                           household_size=row.household_size, monthly_amount_fen=row.monthly_amount_fen,
                           village_name=villages[row.village_id][0], kind=row.kind, starts_at=row.starts_at,
                           ends_at=row.ends_at) for row in rows]
    return Page(entries, (rows[-1].region_path, rows[-1].id) if more else None)


def _browse_stmt(region_path: str, kind: str, now: datetime):
    stmt = select(*_PUBLIC_COLUMNS).where(RosterEntry.kind == kind, RosterEntry.status == STATUS_ACTIVE,
                                          in_region(RosterEntry.region_path, region_path))
    if kind == KIND_PUBLICITY:
        stmt = stmt.where(RosterEntry.starts_at <= now, RosterEntry.ends_at > now)
    return stmt


def browse(session: Session, region_path: str, kind: str, *, cursor: Cursor | None = None,
           now: datetime | None = None) -> Page:
    """One page of a region's current publicity entries or standing roster, in (village, id) order."""
    if kind not in KINDS:
        raise ValueError(kind)
    return _page(session, _browse_stmt(region_path, kind, _utc(now)), cursor)


def search_name(session: Session, region_path: str, name: str, *, cursor: Cursor | None = None,
                now: datetime | None = None) -> Page:
    """Exact-name search inside a region, over the standing roster and current publicity together."""
    name = normalize_name(name)
    if not name or len(name) > MAX_NAME:
        return Page([], None)
    stmt = select(*_PUBLIC_COLUMNS).where(RosterEntry.name == name, RosterEntry.status == STATUS_ACTIVE,
                                          in_region(RosterEntry.region_path, region_path), _current(_utc(now)))
    return _page(session, stmt, cursor)


def public_entry(session: Session, public_id: str, *, now: datetime | None = None) -> PublicEntry | None:
    """Seam for the reports page (`/report?roster_entry=<public_id>`): the entry an objection is about, exactly as
    the roster shows it (masked). None when the id is unknown or the entry was withdrawn."""
    public_id = (public_id or "").strip().lower()
    if not public_id or len(public_id) > 16:
        return None
    stmt = select(*_PUBLIC_COLUMNS).where(RosterEntry.public_id == public_id, RosterEntry.status == STATUS_ACTIVE)
    entries = _page(session, stmt, None).entries
    return entries[0] if entries else None


def case_link(session: Session, public_id: str) -> tuple[int, str | None] | None:
    """Server side only: (entry row id, source_ref) behind a public id, so a report can be tied to its case and
    reports about the same household grouped. Never send this to a browser."""
    row = session.execute(select(RosterEntry.id, RosterEntry.source_ref)
                          .where(RosterEntry.public_id == (public_id or "").strip().lower()[:16])).first()
    return (row.id, row.source_ref) if row else None


def count_capped(session: Session, region_path: str, kind: str, *, now: datetime | None = None) -> tuple[int, bool]:
    """(count, capped): the number of rows `browse` would list, stopping at COUNT_CAP."""
    inner = _browse_stmt(region_path, kind, _utc(now)).with_only_columns(RosterEntry.id).limit(COUNT_CAP + 1)
    n = session.execute(select(func.count()).select_from(inner.subquery())).scalar_one()
    return min(n, COUNT_CAP), n > COUNT_CAP


@dataclass(frozen=True)
class BatchInfo:
    id: int
    region_name: str
    region_code: str
    starts_at: datetime
    ends_at: datetime
    entry_count: int
    withdrawn_count: int


def _batch_info(session: Session, batches: Sequence[RosterBatch]) -> list[BatchInfo]:
    ids = [b.id for b in batches]
    withdrawn = dict(session.execute(
        select(RosterEntry.batch_id, func.count()).where(RosterEntry.batch_id.in_(ids),
                                                          RosterEntry.status == STATUS_WITHDRAWN)
        .group_by(RosterEntry.batch_id)
    ).all()) if ids else {}
    return [BatchInfo(b.id, b.region.name, b.region.code, b.starts_at, b.ends_at, b.entry_count,
                      withdrawn.get(b.id, 0)) for b in batches]


def current_batches(session: Session, region: Region, *, now: datetime | None = None,
                    limit: int = 20) -> list[BatchInfo]:
    """Batches in publicity now that concern `region`: published for it, above it, or for a place inside it."""
    now = _utc(now)
    ancestors = [p for p in _ancestor_paths(region.path)]
    batches = session.execute(
        select(RosterBatch).where(RosterBatch.starts_at <= now, RosterBatch.ends_at > now,
                                  or_(RosterBatch.region_path.in_(ancestors),
                                      in_region(RosterBatch.region_path, region.path)))
        .order_by(RosterBatch.starts_at.desc(), RosterBatch.id.desc()).limit(limit)
    ).scalars().all()
    return _batch_info(session, batches)


def batches_in_scope(session: Session, actor: Actor, region: Region, *, limit: int = 30) -> list[BatchInfo]:
    """Officer view: the newest batches published inside `region` (current and past)."""
    authorize(actor, Role.OFFICER, region.path)
    batches = session.execute(
        select(RosterBatch).where(in_region(RosterBatch.region_path, region.path))
        .order_by(RosterBatch.starts_at.desc(), RosterBatch.id.desc()).limit(limit)
    ).scalars().all()
    return _batch_info(session, batches)


def _ancestor_paths(path: str) -> list[str]:
    codes = [c for c in path.strip("/").split("/") if c]
    return ["/" + "/".join(codes[:i]) + "/" for i in range(1, len(codes))]


# --- proof that a batch stayed up its full 7 days ------------------------------------------------------------

@dataclass(frozen=True)
class ProofRow:
    audit_id: int
    at: datetime
    action: str
    target_id: str  # the batch id, or the public id of the withdrawn entry
    hash: str
    prev_hash: str
    reason: str | None  # withdrawal reason: for officers only, pages decide


@dataclass(frozen=True)
class BatchProof:
    batch: BatchInfo
    rows: list[ProofRow]
    chain_ok: bool
    chain_rows: int
    chain_broken_id: int | None
    publish_recorded: bool  # the publish row exists, at the batch's start, naming this batch's interval
    exactly_seven_days: bool  # ends_at - starts_at == 7 days
    completed: bool  # now >= ends_at: it has stayed up its full term
    remaining: timedelta = field(default=timedelta(0))


def _parse(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None


def batch_proof(session: Session, batch_id: int, *, now: datetime | None = None) -> BatchProof | None:
    """The audit rows for a batch (publish + withdrawals), the chain check, and whether the 7 days have run."""
    now = _utc(now)
    batch = session.get(RosterBatch, batch_id)
    if batch is None:
        return None
    info = _batch_info(session, [batch])[0]
    withdrawn_ids = list(session.execute(
        select(RosterEntry.public_id).where(RosterEntry.batch_id == batch.id, RosterEntry.status == STATUS_WITHDRAWN)
    ).scalars())
    conditions = [and_(AuditEntry.action == ACTION_PUBLISH, AuditEntry.target_type == "roster_batch",
                       AuditEntry.target_id == str(batch.id))]
    if withdrawn_ids:
        conditions.append(and_(AuditEntry.action == ACTION_WITHDRAW, AuditEntry.target_id.in_(withdrawn_ids)))
    audit_rows = session.execute(select(AuditEntry).where(or_(*conditions)).order_by(AuditEntry.id)).scalars().all()
    rows = [ProofRow(r.id, r.at, r.action, r.target_id, r.hash, r.prev_hash,
                     (r.after or {}).get("reason") if r.action == ACTION_WITHDRAW else None) for r in audit_rows]
    publish = next((r for r in audit_rows if r.action == ACTION_PUBLISH), None)
    publish_ok = bool(publish and publish.id == batch.publish_audit_id and publish.at == batch.starts_at
                      and _parse((publish.after or {}).get("ends_at")) == batch.ends_at)
    # Rows after the checkpoint, plus this batch's own rows and their links (a full walk per view would not scale).
    report = audit.verify_since_checkpoint(session, audit_rows)
    return BatchProof(batch=info, rows=rows, chain_ok=report.ok, chain_rows=report.rows,
                      chain_broken_id=report.first_broken_id, publish_recorded=publish_ok,
                      exactly_seven_days=(batch.ends_at - batch.starts_at) == PUBLICITY,
                      completed=now >= batch.ends_at, remaining=max(batch.ends_at - now, timedelta(0)))


# --- officer reads ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OfficerEntry:
    public_id: str
    name: str
    masked_name: str
    household_size: int
    monthly_amount_fen: int
    village_name: str
    kind: str
    status: str
    starts_at: datetime
    ends_at: datetime | None
    withdrawn_reason: str | None


def _officer_entries(session: Session, stmt) -> list[OfficerEntry]:
    rows = session.execute(stmt).scalars().all()
    villages = {r.id: r for r in session.execute(
        select(Region).where(Region.id.in_({e.village_id for e in rows}))).scalars()} if rows else {}
    return [OfficerEntry(e.public_id, e.name, mask_name(e.name, villages[e.village_id].name_mask_style),
                         e.household_size, e.monthly_amount_fen, villages[e.village_id].name, e.kind, e.status,
                         e.starts_at, e.ends_at, e.withdrawn_reason) for e in rows]


def batch_entries(session: Session, actor: Actor, batch_id: int) -> tuple[BatchInfo, list[OfficerEntry]] | None:
    """Officer view of one batch: every entry, withdrawn ones with their reasons."""
    batch = session.get(RosterBatch, batch_id)
    authorize(actor, Role.OFFICER, batch.region_path if batch else "/nonexistent/")
    assert batch is not None
    stmt = select(RosterEntry).where(RosterEntry.batch_id == batch.id).order_by(RosterEntry.region_path,
                                                                               RosterEntry.id)
    return _batch_info(session, [batch])[0], _officer_entries(session, stmt)


def officer_find(session: Session, actor: Actor, region: Region, name: str, *, limit: int = PAGE_SIZE
                 ) -> list[OfficerEntry]:
    """Officer lookup by exact name inside a region in scope (to withdraw a standing entry, say)."""
    authorize(actor, Role.OFFICER, region.path)
    name = normalize_name(name)
    if not name:
        return []
    stmt = (select(RosterEntry).where(RosterEntry.name == name, in_region(RosterEntry.region_path, region.path))
            .order_by(RosterEntry.region_path, RosterEntry.id).limit(limit))
    return _officer_entries(session, stmt)


# --- read budget per client (anti-scraping) -------------------------------------------------------------------

@dataclass(frozen=True)
class ReadPolicy:
    per_minute: int = 30
    per_hour: int = 600


def read_policy() -> ReadPolicy:
    """PORTAL_ROSTER_READS_PER_MINUTE / PORTAL_ROSTER_READS_PER_HOUR (pages a client may read)."""
    return ReadPolicy(int(os.environ.get("PORTAL_ROSTER_READS_PER_MINUTE", "30")),
                      int(os.environ.get("PORTAL_ROSTER_READS_PER_HOUR", "600")))


def _insert_for(session: Session):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def _bump(session: Session, client: str, window_start: datetime) -> int:
    insert = _insert_for(session)
    stmt = insert(RosterReadCount).values(client=client, window_start=window_start, count=1)
    stmt = stmt.on_conflict_do_update(index_elements=[RosterReadCount.client, RosterReadCount.window_start],
                                      set_={"count": RosterReadCount.count + 1})
    session.execute(stmt)
    return session.execute(select(RosterReadCount.count).where(RosterReadCount.client == client,
                                                               RosterReadCount.window_start == window_start)
                           ).scalar_one()


def take_read(session: Session, client: str, policy: ReadPolicy | None = None, *,
              now: datetime | None = None) -> bool:
    """Count one page read for `client`; False when it is over its budget for this minute or this hour."""
    policy = policy or read_policy()
    now = _utc(now)
    client = (client or "unknown")[:60]
    minute = now.replace(second=0, microsecond=0)
    hour = minute.replace(minute=0)
    per_minute = _bump(session, "m:" + client, minute)
    per_hour = _bump(session, "h:" + client, hour)
    if random.random() < 0.02:  # now and then, forget windows that are long over
        session.execute(delete(RosterReadCount).where(RosterReadCount.window_start < now - timedelta(hours=2)))
    return per_minute <= policy.per_minute and per_hour <= policy.per_hour
