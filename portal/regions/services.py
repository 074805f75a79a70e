"""Region tree queries."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.kernel.permissions import Actor, PermissionDenied, Role, authorize
from portal.regions.models import Region, RegionLevel, ServiceWindow

PHONE_CHARS = re.compile(r"[^0-9+]")


@dataclass(frozen=True)
class OfficeContact:
    """Where a resident finds an office: its name, address, opening hours and a number to tap ("" when unknown)."""

    office: str
    address: str = ""
    phone: str = ""
    hours: str = ""

    @property
    def tel(self) -> str:
        """The `tel:` link target: digits (and a leading +) only, so 0311-8765 4321 dials."""
        return "tel:" + PHONE_CHARS.sub("", self.phone) if self.phone else ""


def contact_of_window(window: ServiceWindow) -> OfficeContact:
    return OfficeContact(window.office_name, window.address or "", window.phone or "", window.hours or "")


def office_contact(session: Session, region: Region | None) -> OfficeContact | None:
    """The office a resident deals with for `region`: its first active window's office (by code), else the region's
    own name with no address; None without a region."""
    if region is None:
        return None
    window = session.execute(select(ServiceWindow).where(ServiceWindow.region_id == region.id, ServiceWindow.active)
                             .order_by(ServiceWindow.code).limit(1)).scalars().first()
    return contact_of_window(window) if window is not None else OfficeContact(region.name)


def child_path(parent: Region | None, code: str) -> str:
    return f"{parent.path if parent else '/'}{code}/"


def add_region(session: Session, code: str, name: str, level: RegionLevel, parent: Region | None) -> Region:
    region = Region(code=code, name=name, level=level, parent=parent, path=child_path(parent, code))
    session.add(region)
    session.flush()
    return region


def roots(session: Session) -> list[Region]:
    """The top of the tree (the provinces), by code."""
    return list(session.execute(select(Region).where(Region.parent_id.is_(None)).order_by(Region.code)).scalars())


def by_code(session: Session, code: str) -> Region | None:
    return session.execute(select(Region).where(Region.code == code)).scalar_one_or_none()


def children(session: Session, region: Region) -> list[Region]:
    return list(session.execute(select(Region).where(Region.parent_id == region.id).order_by(Region.code)).scalars())


def ancestors(session: Session, region: Region) -> list[Region]:
    """Province first, the region itself last."""
    codes = [c for c in region.path.strip("/").split("/") if c]
    rows = {r.code: r for r in session.execute(select(Region).where(Region.code.in_(codes))).scalars()}
    return [rows[c] for c in codes if c in rows]


def windows_under(session: Session, region_path: str, *, active_only: bool = False) -> list[ServiceWindow]:
    """The windows of every region under `region_path` (the region's own included), by code; with `active_only`
    those in service: what a ranking counts and an evaluation round may take as a target."""
    q = select(ServiceWindow).join(Region).where(Region.path.startswith(region_path))
    if active_only:
        q = q.where(ServiceWindow.active.is_(True))
    return list(session.execute(q.order_by(ServiceWindow.code)).scalars())


def window_in_scope(session: Session, actor: Actor, code: str) -> ServiceWindow | None:
    """A window by its code, only when the officer's regions cover it (else None, as for an unknown code)."""
    window = session.execute(select(ServiceWindow).where(ServiceWindow.code == (code or "").strip().upper()[:32])
                             ).scalar_one_or_none()
    if window is None:
        return None
    try:
        authorize(actor, Role.OFFICER, session.get(Region, window.region_id).path)
    except PermissionDenied:
        return None
    return window
