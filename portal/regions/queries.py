"""Read models of the officer's region pages (the officer home's list of regions, one region's overview), each
checked for role + region with the one guard and, for pages, in its own unit of work (`open_*`): the page holds no
session. `region_path` only tells the page which region to guard, and shows nothing.

`place` is the public pages' region cascade (anyone, no account: region names are public): the selectors for one
region and the names above it; `villages_of`, the application wizard's choice of village in a township."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from portal.kernel.db import session_scope
from portal.kernel.permissions import Actor, Role, authorize
from portal.regions import services as regions
from portal.regions.cascade import LevelRow, cascade_levels
from portal.regions.models import LEVEL_ORDER, Region, RegionLevel

LEVELS = [lvl.value for lvl in LEVEL_ORDER]  # province first


@dataclass(frozen=True)
class RegionLine:
    code: str
    name: str
    level: str  # a RegionLevel value


@dataclass(frozen=True)
class WindowLine:
    code: str
    name: str
    office: str
    active: bool


@dataclass(frozen=True)
class RegionOverview:
    region: RegionLine
    trail: list[RegionLine]  # province first, the region itself last
    subregions: list[RegionLine]
    windows: list[WindowLine]


def _line(region: Region) -> RegionLine:
    return RegionLine(region.code, region.name, region.level.value)


def region_path(code: str) -> str | None:
    """The materialised path of the region with this code (None: unknown)."""
    with session_scope() as session:
        region = regions.by_code(session, code)
        return region.path if region else None


def officer_regions(session: Session, actor: Actor) -> list[RegionLine]:
    """The regions the officer holds the officer role at, in the order of the grants."""
    authorize(actor, Role.OFFICER)
    return [_line(r) for g in actor.grants if g.role == Role.OFFICER
            if (r := regions.by_code(session, g.region_code)) is not None]


def overview(session: Session, actor: Actor, code: str) -> RegionOverview:
    """One region in the officer's scope: the trail above it, the regions below and every window under it. An
    unknown code is refused like a region nobody holds."""
    region = regions.by_code(session, code)
    authorize(actor, Role.OFFICER, region.path if region else "/nonexistent/")
    assert region is not None
    return RegionOverview(_line(region), [_line(r) for r in regions.ancestors(session, region)],
                          [_line(r) for r in regions.children(session, region)],
                          [WindowLine(w.code, w.name, w.office_name, w.active)
                           for w in regions.windows_under(session, region.path)])


def open_officer_regions(actor: Actor) -> list[RegionLine]:
    with session_scope() as session:
        return officer_regions(session, actor)


def open_overview(actor: Actor, code: str) -> RegionOverview:
    with session_scope() as session:
        return overview(session, actor, code)


# --- the public pages' region cascade ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Place:
    code: str  # "" when no region (the cascade opens at the roots)
    label: str  # the names from the province down to the region, space-separated
    levels: list[LevelRow]


def place(session: Session, code: str, *, or_root: bool = False) -> Place | None:
    """The cascade for the region with this code. An unknown or empty code: None, or with `or_root` the first root
    (None still when there is no region at all)."""
    region = regions.by_code(session, code) if code else None
    if region is None and or_root:
        roots = regions.roots(session)
        region = roots[0] if roots else None
    if region is None:
        return None
    return Place(region.code, " ".join(r.name for r in regions.ancestors(session, region)),
                 cascade_levels(session, region))


def no_place(session: Session) -> list[LevelRow]:
    """The cascade with nothing chosen: the roots open."""
    return cascade_levels(session, None)


def open_place(code: str, *, or_root: bool = False) -> Place | None:
    with session_scope() as session:
        return place(session, code, or_root=or_root)


def open_no_place() -> list[LevelRow]:
    with session_scope() as session:
        return no_place(session)


def villages_of(session: Session, township_code: str) -> list[RegionLine]:
    """The villages and communities (村/社区) under the township with this code, by code; none for an unknown one."""
    township = regions.by_code(session, township_code) if township_code else None
    return [_line(r) for r in (regions.children(session, township) if township else [])
            if r.level == RegionLevel.VILLAGE]
