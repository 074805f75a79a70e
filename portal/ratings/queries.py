"""Read models of ratings: the public results page's published monthly rankings (cached), and the window staff
desk (`staff_desk`: the staff member's own window, its figures and its open follow-up cases) and the officer's desk
of a region (`officer_desk`: the month's ranking, one window's or office's trend, open cases and held bursts).

The published rankings:

/results is anonymous and each choice of region or month is three group-by scans over a month of a province's
ratings. A published month is complete, so its ranking changes only when an officer clears a held burst: the cache
keeps each (region, month) for `TTL_SECONDS`, which bounds both the repeated work a stranger can cause and how long
such a late change takes to show. Callers run these in a thread (they block on the database).
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.kernel.db import session_scope
from portal.kernel.permissions import Actor, Role, authorize
from portal.ratings import rules
from portal.ratings import services as wf
from portal.regions.models import Region, RegionLevel, ServiceWindow

TTL_SECONDS = 600
PUBLISHED_LEVELS = (RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY)


@dataclass(frozen=True)
class PublishedRegion:
    code: str
    name: str
    depth: int  # 0 province, 1 city, 2 county


@dataclass(frozen=True)
class PublishedRanking:
    windows: tuple[wf.RankedWindow, ...]
    offices: tuple[wf.RankedOffice, ...]


def _bucket() -> int:
    return int(time.time() // TTL_SECONDS)


def published_regions() -> tuple[PublishedRegion, ...]:
    return _regions(_bucket())


def published_ranking(region_code: str, month: str) -> PublishedRanking | None:
    """The ranking of a province, city or county for a month; None for any other code."""
    return _ranking(str(region_code)[:20], str(month)[:7], _bucket())


@functools.lru_cache(maxsize=4)
def _regions(_bucket: int) -> tuple[PublishedRegion, ...]:
    depth = {level: i for i, level in enumerate(PUBLISHED_LEVELS)}
    with session_scope() as session:
        rows = session.execute(select(Region.code, Region.name, Region.level)
                               .where(Region.level.in_(PUBLISHED_LEVELS)).order_by(Region.path)).all()
    return tuple(PublishedRegion(code, name, depth[level]) for code, name, level in rows)


@functools.lru_cache(maxsize=2048)
def _ranking(region_code: str, month: str, _bucket: int) -> PublishedRanking | None:
    with session_scope() as session:
        path = session.execute(select(Region.path).where(Region.code == region_code,
                                                         Region.level.in_(PUBLISHED_LEVELS))).scalar_one_or_none()
        if path is None:
            return None
        return PublishedRanking(tuple(wf.monthly_ranking(session, path, month)),
                                tuple(wf.office_ranking(session, path, month)))


# --- the window staff desk (/staff) ------------------------------------------------------------------------------

@dataclass(frozen=True)
class StaffDesk:
    """The caller's own window, its summary over [start, end], its comments (none while the summary is suppressed)
    and its follow-up cases as the staff member may see them (numbers in comments scrubbed, no phone)."""

    window_name: str
    window_code: str
    office_name: str
    summary: rules.WindowSummary
    comments: list[tuple[date, int, str]]
    cases: list[wf.CaseRow]


def staff_desk(session: Session, actor: Actor, start: date, end: date) -> StaffDesk | None:
    """None: the caller has no window (or it is gone). Refuses (PermissionDenied) a caller who is not window staff."""
    authorize(actor, Role.WINDOW_STAFF)
    window = session.get(ServiceWindow, actor.window_id) if actor.window_id else None
    if window is None:
        return None
    summary = wf.window_summary(session, window.id, start, end)
    comments = wf.recent_comments(session, window.id, start, end) if not summary.suppressed else []
    cases = wf.list_cases(session, actor, window_id=window.id)
    return StaffDesk(window.name, window.code, window.office_name, summary, comments, cases)


def open_staff_desk(actor: Actor, start: date, end: date) -> StaffDesk | None:
    with session_scope() as session:
        return staff_desk(session, actor, start, end)


@dataclass(frozen=True)
class TrendChoice:
    value: str  # "w:<window code>" or "o:<office name>"
    label: str


@dataclass(frozen=True)
class OfficerDesk:
    """One region's month for an officer. `trend_pick` is the choice the trend is of: the one asked for when it is
    among `trend_choices`, else the first ("" when there is none)."""

    ranking: list[wf.RankedWindow]
    offices: list[wf.RankedOffice]  # the same month ranked by office
    trend_choices: list[TrendChoice]
    trend_pick: str
    trend: list[wf.TrendPoint]
    cases: list[wf.CaseRow]
    bursts: list[tuple[int, str, str, datetime, int]]  # flag id, window code, window name, opened, ratings held


def officer_desk(session: Session, actor: Actor, region_path: str, month: str, months: list[str],
                 trend_pick: str) -> OfficerDesk:
    """The services check the officer's role + region for the cases and bursts."""
    ranked = wf.monthly_ranking(session, region_path, month)
    offices = sorted({r.office for r in ranked})
    choices = [TrendChoice(f"w:{r.code}", f"{r.office} {r.name} ({r.code})")
               for r in sorted(ranked, key=lambda r: r.code)] + [TrendChoice(f"o:{o}", o) for o in offices]
    if trend_pick not in [c.value for c in choices]:
        trend_pick = choices[0].value if choices else ""
    kind, _, key = trend_pick.partition(":")
    points = wf.satisfaction_trend(session, region_path, months, window_code=key if kind == "w" else "",
                                   office=key if kind == "o" else "") if key else []
    return OfficerDesk(ranked, wf.office_ranking(session, region_path, month), choices, trend_pick, points,
                       wf.list_cases(session, actor, region_path=region_path),
                       wf.open_bursts(session, actor, region_path))


def open_officer_desk(actor: Actor, region_path: str, month: str, months: list[str], trend_pick: str) -> OfficerDesk:
    with session_scope() as session:
        return officer_desk(session, actor, region_path, month, months, trend_pick)
