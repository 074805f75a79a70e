"""Test data builders: a small region tree, service windows and signed-in-capable users with role grants.

Everything goes through the same service functions the portal uses (`regions.add_region`, `auth.create_user`),
so a test's data has the same shape (materialised paths, audit rows) as production data.

Tree built by `region_tree` (codes follow the real 2/4/6/9/12-digit pattern):

    13 province
    └── 1301 city
        ├── 130102 county A          ├── 130104 county B
        │   ├── 130102001 township   │   ├── 130104001 township
        │   │   ├── 130102001001     │   │   ├── ... 2 villages each
        │   │   └── 130102001002     │   └── 130104002 township
        │   └── 130102002 township
        │       └── ... 2 villages
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from portal.accounts.models import Role, User
from portal.regions.models import Region, RegionLevel, ServiceWindow
from portal.accounts import services as auth
from portal.regions import services as regions
from portal.kernel.permissions import Actor

DEFAULT_PASSWORD = "correct-horse-battery-9"

_serial = itertools.count(1)


@dataclass
class RegionTree:
    province: Region
    city: Region
    counties: list[Region]
    townships: dict[str, list[Region]]  # county code -> its townships
    villages: dict[str, list[Region]]  # township code -> its villages
    by_code: dict[str, Region] = field(default_factory=dict)

    def __getitem__(self, code: str) -> Region:
        return self.by_code[code]

    @property
    def all_townships(self) -> list[Region]:
        return [t for ts in self.townships.values() for t in ts]

    @property
    def all_villages(self) -> list[Region]:
        return [v for vs in self.villages.values() for v in vs]

    def under(self, region: Region) -> list[Region]:
        """`region` and everything below it."""
        return [r for r in self.by_code.values() if r.path.startswith(region.path)]


def region_tree(session: Session, *, province_code: str = "13", city_suffix: str = "01",
                county_suffixes: Sequence[str] = ("02", "04"), townships_per_county: int = 2,
                villages_per_township: int = 2) -> RegionTree:
    """Province → city → counties → townships → villages, all through `regions.add_region`."""
    by_code: dict[str, Region] = {}

    def add(code: str, level: RegionLevel, parent: Region | None) -> Region:
        region = regions.add_region(session, code, f"{level.value}-{code}", level, parent)
        by_code[code] = region
        return region

    province = add(province_code, RegionLevel.PROVINCE, None)
    city = add(province_code + city_suffix, RegionLevel.CITY, province)
    counties, townships, villages = [], {}, {}
    for suffix in county_suffixes:
        county = add(city.code + suffix, RegionLevel.COUNTY, city)
        counties.append(county)
        townships[county.code] = []
        for t in range(1, townships_per_county + 1):
            township = add(f"{county.code}{t:03d}", RegionLevel.TOWNSHIP, county)
            townships[county.code].append(township)
            villages[township.code] = [
                add(f"{township.code}{v:03d}", RegionLevel.VILLAGE, township)
                for v in range(1, villages_per_township + 1)
            ]
    return RegionTree(province, city, counties, townships, villages, by_code)


def window(session: Session, region: Region, *, code: str | None = None, name: str = "window",
           office_name: str | None = None, active: bool = True) -> ServiceWindow:
    row = ServiceWindow(code=code or f"T-{region.code}-{next(_serial):04d}", name=name,
                        office_name=office_name or f"office {region.code}", region_id=region.id, active=active)
    session.add(row)
    session.flush()
    return row


def windows_for(session: Session, tree: RegionTree) -> dict[str, ServiceWindow]:
    """One window per county and per township, keyed by region code."""
    return {r.code: window(session, r) for r in [*tree.counties, *tree.all_townships]}


def user(session: Session, grants: Iterable[tuple[Role, Region]] = (), *, username: str | None = None,
         password: str = DEFAULT_PASSWORD, display_name: str | None = None, window: ServiceWindow | None = None,
         active: bool = True) -> User:
    """A user created by `auth.create_user` (argon2 hash, grants, `user.create` audit row)."""
    username = username or f"user{next(_serial)}"
    row = auth.create_user(session, username, display_name or username, password, list(grants),
                           window_id=window.id if window else None)
    if not active:
        row.active = False
        session.flush()
    return row


def actor(session: Session, user_row: User) -> Actor:
    """The guard's view of `user_row`, loaded exactly as a session lookup would."""
    return auth.actor_for_user(session, user_row)


def actor_with(session: Session, *grants: tuple[Role, Region], **kwargs) -> Actor:
    return actor(session, user(session, grants, **kwargs))
