"""Read models of the officer's roster desk (/officer/roster and one batch), each in its own unit of work so the page
holds no session: the regions an officer may look at, a region's batches, a name look-up, one batch's entries. Every read that shows roster data checks role + region with the one guard (`authorize`); the
`*_path` look-ups only tell the page which region to guard, and show nothing.

The session-taking functions (`scope_choices`, `region_desk`, `find`, `batch_view`) are the read models; the
`open_*` ones open the session for a page.

The public /roster pages (anyone, no account) read through `public_page` and `public_proof`: each counts one read
for the client (`take_read`) in the same unit of work and shows only what the services hand out (masked names).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.kernel.base import utcnow
from portal.kernel.db import session_scope
from portal.kernel.permissions import Actor, Role, authorize, region_paths_in_scope
from portal.regions import services as regions
from portal.regions.models import Region
from portal.roster import services as svc
from portal.roster.models import KIND_PUBLICITY, KIND_STANDING, RosterBatch, RosterEntry

MAX_SCOPE_OPTIONS = 400
INDENT = chr(0x3000)  # an ideographic space: one level of the region tree in a native select


@dataclass(frozen=True)
class Choice:
    code: str
    label: str


@dataclass(frozen=True)
class OfficerBatch:
    info: svc.BatchInfo
    running: bool  # still in publicity now


@dataclass(frozen=True)
class RegionDesk:
    batches: list[OfficerBatch]


def _officer_batches(infos: list[svc.BatchInfo], now: datetime) -> list[OfficerBatch]:
    return [OfficerBatch(b, b.ends_at > now) for b in infos]


# --- which region to guard (nothing shown) -----------------------------------------------------------------------

def region_path(code: str) -> str | None:
    """The materialised path of the region with this code (None: unknown)."""
    if not code:
        return None
    with session_scope() as session:
        region = regions.by_code(session, code)
        return region.path if region else None


def entry_region_path(public_id: str) -> str | None:
    with session_scope() as session:
        return session.execute(select(RosterEntry.region_path)
                                .where(RosterEntry.public_id == public_id)).scalar_one_or_none()


def batch_region_path(batch_id: int) -> str | None:
    with session_scope() as session:
        batch = session.get(RosterBatch, batch_id)
        return batch.region_path if batch else None


# --- read models -------------------------------------------------------------------------------------------------

def scope_choices(session: Session, actor: Actor) -> list[Choice]:
    """The officer's regions and what lies below them, down to villages (capped, in tree order)."""
    options: list[Choice] = []
    for path in region_paths_in_scope(actor, Role.OFFICER):
        top = session.execute(select(Region).where(Region.path == path)).scalar_one_or_none()
        if top is None:
            continue
        rows = session.execute(select(Region).where(svc.in_region(Region.path, path)).order_by(Region.path)
                               .limit(MAX_SCOPE_OPTIONS)).scalars().all()
        depth0 = top.path.count("/")
        for r in rows:
            indent = INDENT * (r.path.count("/") - depth0)
            options.append(Choice(code=r.code, label=indent + r.name))
    return options[:MAX_SCOPE_OPTIONS]


def _region(session: Session, actor: Actor, code: str) -> Region:
    region = regions.by_code(session, code)
    authorize(actor, Role.OFFICER, region.path if region else "/nonexistent/")
    assert region is not None
    return region


def region_desk(session: Session, actor: Actor, code: str, *, now: datetime | None = None) -> RegionDesk:
    """The newest batches published inside the region."""
    region = _region(session, actor, code)
    return RegionDesk(_officer_batches(svc.batches_in_scope(session, actor, region), now or utcnow()))


def find(session: Session, actor: Actor, code: str, name: str) -> list[svc.OfficerEntry]:
    return svc.officer_find(session, actor, _region(session, actor, code), name)


def batch_view(session: Session, actor: Actor, batch_id: int, *, now: datetime | None = None
               ) -> tuple[OfficerBatch, list[svc.OfficerEntry]]:
    """One batch with every entry, withdrawn ones with their reasons."""
    info, entries = svc.batch_entries(session, actor, batch_id)
    return _officer_batches([info], now or utcnow())[0], entries


# --- for pages: each in its own unit of work ---------------------------------------------------------------------

def open_scope_choices(actor: Actor) -> list[Choice]:
    with session_scope() as session:
        return scope_choices(session, actor)


def open_region_desk(actor: Actor, code: str) -> RegionDesk:
    with session_scope() as session:
        return region_desk(session, actor, code)


def open_find(actor: Actor, code: str, name: str) -> list[svc.OfficerEntry]:
    with session_scope() as session:
        return find(session, actor, code, name)


def open_batch_view(actor: Actor, batch_id: int) -> tuple[OfficerBatch, list[svc.OfficerEntry]]:
    with session_scope() as session:
        return batch_view(session, actor, batch_id)


# --- the public roster (/roster, /roster/batch/<id>) -------------------------------------------------------------

PUBLICITY, STANDING = KIND_PUBLICITY, KIND_STANDING  # the two views (the page does not import the tables' module)


@dataclass(frozen=True)
class PublicPage:
    """One page read. `error_key` "roster.region_missing" (the region is gone: nothing read, nothing counted) or
    "roster.rate_limited" (over the client's budget); otherwise "" with the page's entries. `totals` and `batches`
    come with the first page of a view (not of a search): None otherwise."""

    error_key: str
    entries: list[svc.PublicEntry]
    next_cursor: Any
    totals: tuple[int, bool] | None = None
    batches: list[svc.BatchInfo] | None = None


def public_page(session: Session, client: str, region_code: str, view: str, name: str | None, cursor: Any
                ) -> PublicPage:
    """The page after `cursor` (None: the first) of the region's `view`, or of the exact-name search when `name`."""
    region = regions.by_code(session, region_code) if region_code else None
    if region is None:
        return PublicPage("roster.region_missing", [], None)
    if not svc.take_read(session, client):
        return PublicPage("roster.rate_limited", [], None)
    if name is not None:
        result = svc.search_name(session, region.path, name, cursor=cursor)
        return PublicPage("", result.entries, result.next_cursor)
    result = svc.browse(session, region.path, view, cursor=cursor)
    if cursor is not None:
        return PublicPage("", result.entries, result.next_cursor)
    return PublicPage("", result.entries, result.next_cursor, svc.count_capped(session, region.path, view),
                      svc.current_batches(session, region))


def public_proof(session: Session, client: str, raw_id: str) -> tuple[bool, svc.BatchProof | None]:
    """(counted, proof): counted False when the client is over its read budget; proof None for no such batch."""
    if not svc.take_read(session, client):
        return False, None
    return True, svc.batch_proof(session, int(raw_id)) if raw_id.isdigit() and len(raw_id) < 12 else None


def open_public_page(client: str, region_code: str, view: str, name: str | None, cursor: Any) -> PublicPage:
    with session_scope() as session:
        return public_page(session, client, region_code, view, name, cursor)


def open_public_proof(client: str, raw_id: str) -> tuple[bool, svc.BatchProof | None]:
    with session_scope() as session:
        return public_proof(session, client, raw_id)
