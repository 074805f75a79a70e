"""The cascading region selectors (province → … → village) of the public pages, built and checked in one place.

The browser gets, per level, the options the server offered and the chosen code; a change is accepted only when
the code is one of the options offered at that level (a forged code changes nothing).
"""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy.orm import Session

from portal.regions.models import Region
from portal.regions import services as regions


class RegionOption(TypedDict):
    code: str
    name: str


class LevelRow(TypedDict):
    level_key: str
    selected: str
    options: list[RegionOption]


def _options(rows: list[Region]) -> list[RegionOption]:
    return [RegionOption(code=r.code, name=r.name) for r in rows]


def cascade_levels(session: Session, region: Region | None) -> list[LevelRow]:
    """`region`'s ancestors chosen at their levels, and one more level open below it (the roots when None)."""
    roots = regions.roots(session)
    chain = regions.ancestors(session, region) if region is not None else []
    levels = [LevelRow(level_key=f"level.{r.level.value}", selected=r.code,
                       options=_options(regions.children(session, chain[i - 1]) if i else roots))
              for i, r in enumerate(chain)]
    below = regions.children(session, region) if region is not None else roots
    if below:
        levels.append(LevelRow(level_key=f"level.{below[0].level.value}", selected="", options=_options(below)))
    return levels


def offered_choice(levels: list[LevelRow], index: object, code: object) -> str | None:
    """The region code a selector change leads to: the chosen code, or for "all"/"choose" ("") the level above's
    (so "" at the top level). None when the change is not one the server offered."""
    try:
        index = int(index)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not 0 <= index < len(levels):
        return None
    code = str(code or "")[:20]
    if code and code not in {o["code"] for o in levels[index]["options"]}:
        return None
    if not code:
        return levels[index - 1]["selected"] if index else ""
    return code
