"""Payments at province scale on SQLite: a synthetic province's register (2.91 M households at --fraction 1), a
year of monthly batches per county prepared, approved and marked paid through the portal's own services
(portal/payments/services.py: one INSERT … SELECT per county and month), then the public figures
(portal/payments/queries.public_figures) timed for one county and for the province.

    .venv/bin/python bench/payments_scale.py                   # 1 % of the province (29,100 households), 12 months
    .venv/bin/python bench/payments_scale.py --fraction 0.05   # 5 %

Baseline in the same run: one bare pass over the payment table (`SELECT count(*), sum(amount_fen) FROM payment`),
the floor under any province-wide figure. Figures at a fraction are extrapolated linearly to the full province and
printed as such (preparation scales with a county's households; the figures read one batch row per county and month
and do not grow with households).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from portal.accounts import services as auth  # noqa: E402
from portal.accounts.models import Role  # noqa: E402
from portal.kernel.db import make_engine  # noqa: E402
from portal.payments import queries  # noqa: E402
from portal.payments import services as pay  # noqa: E402
from portal.regions import services as regions  # noqa: E402
from portal.regions.models import RegionLevel  # noqa: E402
from portal.register.models import Household, Member  # noqa: E402
from portal.schema import Base  # noqa: E402

FULL_HOUSEHOLDS = 2_910_000
CITIES, COUNTIES_PER_CITY, VILLAGES_PER_COUNTY = 11, 16, 20  # 176 counties (Hebei has about 170)
YEAR = 2026


def build(session: Session, households: int, rng: random.Random):
    province = regions.add_region(session, "13", "province", RegionLevel.PROVINCE, None)
    counties, villages = [], []
    for c in range(1, CITIES + 1):
        city = regions.add_region(session, f"13{c:02d}", f"city{c}", RegionLevel.CITY, province)
        for k in range(1, COUNTIES_PER_CITY + 1):
            county = regions.add_region(session, f"{city.code}{k:02d}", f"county{c}-{k}", RegionLevel.COUNTY, city)
            township = regions.add_region(session, f"{county.code}001", "t", RegionLevel.TOWNSHIP, county)
            counties.append(county)
            for v in range(1, VILLAGES_PER_COUNTY + 1):
                villages.append(regions.add_region(session, f"{township.code}{v:03d}", "v", RegionLevel.VILLAGE,
                                                   township))
    session.flush()
    # Uneven counties: weights drawn once, so some counties are several times larger than others.
    weights = [rng.uniform(0.3, 3.0) for _ in villages]
    picks = rng.choices(villages, weights=weights, k=households)
    rows, members = [], []
    for n, village in enumerate(picks, start=1):
        rows.append({"id": n, "code": f"B{n:09d}", "village_id": village.id, "region_path": village.path,
                     "head_name": "户主", "monthly_amount_fen": rng.randrange(300_00, 1800_00),
                     "started_on": date(YEAR - 1, 1, 1), "status": "active",
                     "created_at": datetime.now(timezone.utc), "updated_at": datetime.now(timezone.utc)})
        for k in range(rng.choice((1, 1, 2, 2, 3, 4))):
            members.append({"household_id": n, "name": "m", "relation": "head" if k == 0 else "child",
                            "id_number": f"{n:09d}{k:09d}", "id_hash": f"{n}-{k}", "birth_date": date(1970, 1, 1),
                            "sex": "M", "created_at": datetime.now(timezone.utc)})
    for start in range(0, len(rows), 50_000):
        session.execute(insert(Household), rows[start:start + 50_000])
    for start in range(0, len(members), 50_000):
        session.execute(insert(Member), members[start:start + 50_000])
    session.commit()
    return province, counties


def timed(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fraction", type=float, default=0.01)
    parser.add_argument("--months", type=int, default=12)
    args = parser.parse_args()
    households = int(FULL_HOUSEHOLDS * args.fraction)
    scale = 1 / args.fraction
    rng = random.Random(2014)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        Base.metadata.create_all(engine)
        with Session(engine, expire_on_commit=False) as s:
            t0 = time.perf_counter()
            province, counties = build(s, households, rng)
            load_s = time.perf_counter() - t0
            a = auth.create_user(s, "preparer", "p", "bench-password-123", [(Role.OFFICER, province)])
            b = auth.create_user(s, "approver", "a", "bench-password-123", [(Role.OFFICER, province)])
            preparer, approver = auth.actor_for_user(s, a), auth.actor_for_user(s, b)
            s.commit()
            now = datetime(YEAR, 12, 20, 2, 0, tzinfo=timezone.utc)
            prep_times = []
            t0 = time.perf_counter()
            for month in range(1, args.months + 1):
                period = f"{YEAR}-{month:02d}"
                for county in counties:
                    t1 = time.perf_counter()
                    batch = pay.prepare_batch(s, preparer, county.code, period, now=now)
                    prep_times.append(time.perf_counter() - t1)
                    pay.approve_batch(s, approver, batch.id, True, now=now)
                    pay.mark_paid(s, preparer, batch.id, f"BANK-{batch.id:06d}", date(YEAR, 12, 20), now=now)
                s.commit()
            year_s = time.perf_counter() - t0
            payments = s.execute(text("SELECT count(*) FROM payment")).scalar()
            biggest = max(counties, key=lambda c: s.execute(
                text("SELECT count(*) FROM register_household WHERE region_path >= :p AND region_path < :q"),
                {"p": c.path, "q": c.path + "~"}).scalar())
            base_s, _ = timed(lambda: s.execute(text("SELECT count(*), sum(amount_fen) FROM payment")).one())
            county_s, county_fig = timed(lambda: queries.public_figures(s, YEAR, biggest.path))
            province_s, prov_fig = timed(lambda: queries.public_figures(s, YEAR))
    prep_times.sort()
    print(f"SQLite, {households:,} households ({args.fraction:.2%} of {FULL_HOUSEHOLDS:,}), {len(counties)} counties,"
          f" {args.months} months -> {payments:,} payments")
    print(f"  load register                     {load_s:8.2f} s")
    print(f"  prepare+approve+pay the year      {year_s:8.2f} s   (x{scale:.0f} = {year_s * scale:,.0f} s extrapolated)")
    print(f"  prepare one county-month  p50 {prep_times[len(prep_times) // 2] * 1000:7.1f} ms  "
          f"max {prep_times[-1] * 1000:7.1f} ms   (x{scale:.0f} = {prep_times[-1] * scale:.2f} s for the largest, "
          "extrapolated)")
    print(f"  baseline: one pass over payment   {base_s * 1000:8.1f} ms")
    print(f"  figures, largest county ({county_fig.rows[0].households if county_fig.rows else 0:,} households/month)"
          f" {county_s * 1000:8.1f} ms")
    print(f"  figures, province ({len(prov_fig.rows)} county-months)  {province_s * 1000:8.1f} ms"
          f"  = {province_s / base_s:.2f}x baseline")
    print("  (the figures read the batches' own totals, one row per county and month: their time does not grow with"
          " the households, so it is not extrapolated; the baseline's does, linearly)")

if __name__ == "__main__":
    main()
