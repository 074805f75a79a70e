"""Read models of the admin's eligibility-parameter page: the cities and counties in the admin's scope, and each
parameter in force in one of them today with where it comes from and its history. Each checks role + region with the
one guard; the `open_*` ones open their own unit of work for the page (which holds no session); `region_path` only
tells the page which region to guard, and shows nothing.

For the public screener (anyone, no account): the townships to choose from, and a household's screening (`screening`:
the outcome by the parameters in force at the township, and its windows)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.applications.eligibility import rules as el
from portal.applications.eligibility import screener
from portal.applications.eligibility import services as ep
from portal.kernel.db import session_scope
from portal.kernel.permissions import Actor, Role, authorize, region_paths_in_scope
from portal.regions.models import Region, RegionLevel


@dataclass(frozen=True)
class RegionChoice:
    code: str
    name: str


@dataclass(frozen=True)
class ParamLine:
    key: str
    value: str  # as an admin types it ("" when nothing is in force)
    doc: str
    since: str
    source: str  # the region whose value applies (this one or the city above)
    history: str  # every value set at this region, newest first, joined with " · "


def region_path(code: str) -> str | None:
    with session_scope() as session:
        return session.execute(select(Region.path).where(Region.code == code)).scalar_one_or_none()


def admin_regions(session: Session, actor: Actor | None) -> list[RegionChoice]:
    """The cities and counties inside the admin's regions, in tree order."""
    authorize(actor, Role.ADMIN)
    paths = region_paths_in_scope(actor, Role.ADMIN)
    rows = session.execute(select(Region).where(
        Region.level.in_([RegionLevel.CITY, RegionLevel.COUNTY])).order_by(Region.path)).scalars()
    return [RegionChoice(code=r.code, name=r.name) for r in rows if any(r.path.startswith(p) for p in paths)]


def parameter_lines(session: Session, actor: Actor | None, region_code: str, today: date) -> list[ParamLine]:
    """Every parameter key, in the engine's order, with the value in force at the region on `today` ([] for an
    unknown code)."""
    region = session.execute(select(Region).where(Region.code == region_code)).scalar_one_or_none()
    if region is None:
        authorize(actor, Role.ADMIN)
        return []
    authorize(actor, Role.ADMIN, region.path)
    in_force = ep.params_for(session, region.path, today)
    history = ep.history(session, region)
    out = []
    for key in el.PARAMETER_KEYS:
        p = in_force.values.get(key)
        past = [f"{h.effective_from.isoformat()} {ep.format_value(key, h.value)} ({h.document_no})"
                for h in history if h.key == key]
        out.append(ParamLine(key=key, value=ep.format_value(key, p.value) if p else "",
                             doc=p.document_no if p else "", since=p.effective_from.isoformat() if p else "",
                             source=p.region_name if p else "", history=" · ".join(past)))
    return out


def open_admin_regions(actor: Actor | None) -> list[RegionChoice]:
    with session_scope() as session:
        return admin_regions(session, actor)


def open_parameter_lines(actor: Actor | None, region_code: str, today: date) -> list[ParamLine]:
    with session_scope() as session:
        return parameter_lines(session, actor, region_code, today)


# --- the public screener -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Screening:
    result: screener.ScreenResult | None  # None: no parameters in force at the township (or one is missing)
    windows: list[screener.WindowInfo]


def screening(session: Session, answers: Mapping[str, str], today: date) -> Screening:
    township = answers.get("township", "")
    params = screener.params_for_township(session, township, today)
    try:
        result = screener.screen(answers, params) if params is not None else None
    except el.ParameterMissing:
        result = None
    return Screening(result, screener.windows_for(session, township))


def open_screening(answers: Mapping[str, str], today: date) -> Screening:
    with session_scope() as session:
        return screening(session, answers, today)


def open_townships() -> list[screener.TownshipChoice]:
    with session_scope() as session:
        return screener.townships(session)
