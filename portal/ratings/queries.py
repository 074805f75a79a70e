"""Read models of ratings for the public results page (which opens no database session itself)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from portal.kernel.db import session_scope
from portal.ratings import services as wf
from portal.regions.models import Region, RegionLevel

PUBLISHED_LEVELS = (RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY)
_INDENT = {RegionLevel.PROVINCE: "", RegionLevel.CITY: "　", RegionLevel.COUNTY: "　　"}


@dataclass(frozen=True)
class PublishedRegion:
    code: str
    label: str  # the name, indented by level (full-width spaces) for a plain select


def published_regions() -> list[PublishedRegion]:
    """Province, cities and counties, in tree order: the regions a ranking is published for."""
    with session_scope() as session:
        rows = session.execute(select(Region).where(Region.level.in_(PUBLISHED_LEVELS))
                               .order_by(Region.path)).scalars().all()
        return [PublishedRegion(r.code, _INDENT[r.level] + r.name) for r in rows]


def published_ranking(region_code: str, month: str) -> tuple[list[wf.RankedWindow], list[wf.RankedOffice]]:
    """The month's window and office rankings of a published region; empty for any other code."""
    with session_scope() as session:
        region = session.execute(select(Region).where(Region.code == region_code,
                                                      Region.level.in_(PUBLISHED_LEVELS))).scalar_one_or_none()
        if region is None:
            return [], []
        return wf.monthly_ranking(session, region.path, month), wf.office_ranking(session, region.path, month)
