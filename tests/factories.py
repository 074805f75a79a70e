"""Test data builders: a small region tree, service windows, signed-in-capable users with role grants, and cases
approved at 初审 published as one publicity batch (the only way onto the publicity roster).

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

import io
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from PIL import Image
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


# --- cases approved at 初审 and their publicity batch ---------------------------------------------------------------

# A household the eligibility parameters below admit: 3 members, ¥600 wage, urban standard ¥900 → ¥2,100 a month.
CASE_ANSWERS = {
    "residence": "urban",
    "applicant": {"name": "张建国", "phone": "13800138000"},
    "members": [
        {"name": "张建国", "relationship": "applicant", "age": 52, "incomes": {"wage": 600_00},
         "id_number": "130102197403150011"},
        {"name": "李秀兰", "relationship": "spouse", "age": 50, "disability_grade": 1, "incomes": {},
         "id_number": "130102197607200025"},
        {"name": "张小华", "relationship": "child", "age": 12, "incomes": {}, "id_number": "130102201409010035"},
    ],
    "assets": {"deposits": 5_000_00, "vehicles": 0, "houses": 1, "housing_area": 60, "businesses": 0},
    "hardship": False,
    "related": {"any": False, "detail": ""},
    "consent": [0, 1],
}


def eligibility_values() -> dict[str, object]:
    from portal.applications.eligibility import rules as el

    return {el.STANDARD_URBAN: 900_00, el.STANDARD_RURAL: 700_00, el.DEPOSIT_PER_MEMBER: 20_000_00,
            el.MAX_VEHICLES: 0, el.MAX_HOUSES: 1, el.AREA_PER_MEMBER: 40, el.MAX_BUSINESSES: 0,
            el.EXCLUDED_KINDS: ["basic_pension"], el.WAGE_DEDUCTION: 0, el.NEAR_POOR_PERMILLE: 1500, el.TIERS: [],
            el.ROUND_TO_YUAN: False}


def seed_eligibility(session: Session, city: Region) -> None:
    """The city's eligibility parameters in force from 2025 (idempotent: keys already set are skipped)."""
    from portal.applications.eligibility import services as ep

    ep.seed(session, city, eligibility_values(), date(2025, 1, 1), "DOC-1")


def jpeg(size: tuple[int, int] = (40, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 180, 160)).save(buf, "JPEG")
    return buf.getvalue()


def approved_cases(session: Session, officer: Actor, people: Sequence[tuple[str, str]], *, now: datetime,
                   store_dir: Path) -> list:
    """One case per (applicant name, village code), taken through the real steps by `officer` (submitted 7 days
    before `now`, then accepted, surveyed, cross-checked and approved at 初审 a day apart): ready to publish."""
    from portal.applications import crosscheck
    from portal.applications import services as svc
    from portal.kernel.images import PrivateImageStore
    from portal.kernel.workdays import default_calendar

    cal, store = default_calendar(), PrivateImageStore(store_dir)
    out = []
    for name, village_code in people:
        village = regions.by_code(session, village_code)
        seed_eligibility(session, regions.by_code(session, village.path.strip("/").split("/")[1]))
        members = [dict(CASE_ANSWERS["members"][0], name=name), *CASE_ANSWERS["members"][1:]]
        answers = {**CASE_ANSWERS, "village": village_code, "applicant": {**CASE_ANSWERS["applicant"], "name": name},
                   "members": members}
        day = [now - timedelta(days=d) for d in (7, 6, 5, 4, 3)]
        app, _secret = svc.create_draft(session, now=day[0])
        for section in svc.SECTIONS:
            svc.save_section(session, app, section, answers[section])
        svc.add_document(session, app, "id_card", jpeg(), store)
        svc.submit(session, app, now=day[0], cal=cal)
        svc.accept(session, officer, app.number, now=day[1], cal=cal)
        svc.record_home_survey(session, officer, app.number, "入户看到房屋漏雨，家中无劳动力", now=day[2], cal=cal)
        svc.record_cross_check(session, officer, app.number, crosscheck.MATCH, "", now=day[3], cal=cal)
        svc.preliminary_decision(session, officer, app.number, True, "收入和财产均在标准以内，同意", now=day[4],
                                 cal=cal)
        out.append(app)
    return out


def publicity_batch(session: Session, officer: Actor, region: Region, people: Sequence[tuple[str, str]], *,
                    now: datetime, store_dir: Path) -> int:
    """Cases for `people` approved at 初审, published by `officer` as one batch of `region` at `now` (its id)."""
    from portal.applications import services as svc
    from portal.kernel.workdays import default_calendar

    apps = approved_cases(session, officer, people, now=now, store_dir=store_dir)
    return svc.publish_cases(session, officer, region.code, [a.number for a in apps], now=now,
                             cal=default_calendar())
