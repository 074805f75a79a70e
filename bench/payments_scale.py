"""Payments and the annual report at province scale: a synthetic province's register (2.91 M households, about
7.3 M members at --fraction 1), a year of monthly batches per county prepared, approved and marked paid through the
portal's own services (portal/payments/services.py: one INSERT … SELECT per county and month, 35 M payments at full
size), then the public figures (payments.queries.public_figures) and the annual report's figures
(annual.services.figures, what a report's draft and recompute run) timed for the largest county and the province,
next to the per-county statements they replaced (tests/unit/annual/reference.py, summed over the counties; the two
must agree or the bench fails). Then the province's report as it is issued: every city drafts and submits its report
(figures computed live for its counties), the province accepts each, and the province's figures are the sum of the
cities' frozen ones (annual.services.province_figures).

    .venv/bin/python bench/payments_scale.py                         # 1 % of the province, 12 months, SQLite
    .venv/bin/python bench/payments_scale.py --fraction 1            # the whole province
    .venv/bin/python bench/payments_scale.py --fraction 1 --db pg    # PostgreSQL (own database, dropped afterwards)

Baselines in the same run: one bare pass over the payment table (`SELECT count(*), sum(amount_fen) FROM payment`)
and one over the register. Only the register and payments are generated: applications, reports, ratings and the
rest of the annual report's sources are empty here (bench/monitor_scale.py --annual times the report on a year of
those). The register loads straight through the driver (executemany on SQLite, COPY on PostgreSQL).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Integer, create_engine, make_url, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from portal.accounts import services as auth  # noqa: E402
from portal.annual import rules as annual_rules  # noqa: E402
from portal.annual import services as annual  # noqa: E402
from portal.accounts.models import Role  # noqa: E402
from portal.kernel.db import make_engine  # noqa: E402
from portal.payments import queries  # noqa: E402
from portal.payments import services as pay  # noqa: E402
from portal.regions import services as regions  # noqa: E402
from portal.regions.models import Region, RegionLevel  # noqa: E402
from portal.schema import Base  # noqa: E402
from tests.unit.annual import reference  # noqa: E402

FULL_HOUSEHOLDS = 2_910_000
CITIES, COUNTIES_PER_CITY, VILLAGES_PER_COUNTY = 11, 16, 20  # 176 counties (Hebei has about 170)
YEAR = 2026
CHUNK = 100_000
PG_DB = "sd_payments_bench"


def build(session: Session, households: int, rng: random.Random):
    province, counties, villages = build_tree(session)
    load_register(session, [(v.id, v.path) for v in villages], households, rng)
    return province, counties


def build_tree(session: Session):
    """This bench's own tree: 176 counties of one township and 20 villages each."""
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
    return province, counties, villages


def load_register(session: Session, villages: list[tuple[int, str]], households: int, rng: random.Random) -> None:
    """The register over `villages` ((id, path) each), households spread unevenly and 1–4 members each."""
    # Uneven counties: weights drawn once, so some counties are several times larger than others.
    weights = [rng.uniform(0.3, 3.0) for _ in villages]
    picks = rng.choices(range(len(villages)), weights=weights, k=households)
    paths = [path for _, path in villages]
    ids = [vid for vid, _ in villages]
    stamp = datetime.now(timezone.utc)
    hh_cols = ("id", "code", "village_id", "region_path", "head_name", "monthly_amount_fen", "started_on", "status",
               "created_at", "updated_at")
    mem_cols = ("household_id", "name", "relation", "id_number", "id_hash", "birth_date", "sex", "created_at")
    hh_rows, mem_rows = [], []
    for n, v in enumerate(picks, start=1):
        hh_rows.append((n, f"B{n:09d}", ids[v], paths[v], "户主", rng.randrange(300_00, 1800_00), date(YEAR - 1, 1, 1),
                        "active", stamp, stamp))
        for k in range(rng.choice((1, 1, 2, 2, 3, 4))):
            mem_rows.append((n, "m", "head" if k == 0 else "child", f"{n:09d}{k:09d}", f"{n}-{k}", date(1970, 1, 1),
                             "M", stamp))
        if len(hh_rows) >= CHUNK:
            bulk(session, "register_household", hh_cols, hh_rows)
            bulk(session, "register_member", mem_cols, mem_rows)
            hh_rows, mem_rows = [], []
    bulk(session, "register_household", hh_cols, hh_rows)
    bulk(session, "register_member", mem_cols, mem_rows)
    session.commit()


def with_cases(engine, session: Session, scale: float, households: int, rng: random.Random):
    """The whole of a province's annual report in one database: bench/monitor_scale.py's year of applications,
    steps, audit rows, reports, follow-ups, evaluations and risk items (its own tree: 176 counties, 50,336 villages)
    at `scale`, then this bench's register over that tree's villages."""
    monitor = _monitor_bench()
    monitor.generate(engine.url.render_as_string(hide_password=False), scale, monitor_now())
    if engine.dialect.name == "postgresql":
        restart_sequences(session)
    province = session.execute(select(Region).where(Region.code == "13")).scalar_one()
    counties = list(session.execute(select(Region).where(Region.level == RegionLevel.COUNTY)
                                    .order_by(Region.path)).scalars())
    villages = session.execute(select(Region.id, Region.path).where(Region.level == RegionLevel.VILLAGE)
                               .order_by(Region.id)).all()
    load_register(session, [tuple(v) for v in villages], households, rng)
    return province, counties


def _monitor_bench():
    """bench/monitor_scale.py as a module (bench/ is no package): registered before it runs, as its dataclasses and
    a second import need."""
    name = "bench_monitor_scale"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "monitor_scale.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def monitor_now() -> datetime:
    return datetime(YEAR, 12, 5, 4, 0, tzinfo=timezone.utc)  # the moment bench/monitor_scale.py generates at


def restart_sequences(session: Session) -> None:
    """The generator wrote its ids itself; PostgreSQL's sequences must start after them before the services insert
    (the audit rows each batch writes, above all)."""
    for table in Base.metadata.sorted_tables:
        column = table.c.get("id")
        if column is None or not isinstance(column.type, Integer):
            continue
        seq = session.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}).scalar()
        if seq:
            session.execute(text(f"SELECT setval('{seq}', coalesce((SELECT max(id) FROM {table.name}), 0) + 1, "
                                 "false)"))
    session.commit()


def bulk(session: Session, table: str, cols: tuple[str, ...], rows: list[tuple]) -> None:
    """Rows straight to the driver: SQLite's executemany, PostgreSQL's COPY (the ORM's insert would take most of an
    hour for the register's 10 million rows)."""
    if not rows:
        return
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        with conn.connection.driver_connection.cursor() as cur:
            with cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    def plain(v):  # SQLAlchemy's SQLite storage formats for the UTC datetime and date columns
        if isinstance(v, datetime):
            return v.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")
        return v.isoformat() if isinstance(v, date) else v
    conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                         [tuple(plain(v) for v in row) for row in rows])


def timed(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fraction", type=float, default=0.01)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--db", choices=("sqlite", "pg"), default="sqlite")
    parser.add_argument("--cases", type=float, default=0, metavar="SCALE",
                        help="also generate bench/monitor_scale.py's year of cases at SCALE into the same database "
                             "(its tree instead of this bench's), so the annual figures read both halves at once")
    parser.add_argument("--pg-url", default=os.environ.get("PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--province-runs", type=int, default=2, help="runs of the province's live figures")
    parser.add_argument("--keep", metavar="PATH", help="SQLite: generate into PATH and keep it; when PATH exists, "
                        "generate nothing and time the figures on it again (no report is issued)")
    args = parser.parse_args()
    if args.db == "sqlite" and args.keep:
        engine = make_engine(f"sqlite:///{Path(args.keep).resolve()}")
        try:
            return measure(engine, args, reuse=Path(args.keep).exists())
        finally:
            engine.dispose()
    if args.db == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
            try:
                return measure(engine, args)
            finally:
                engine.dispose()
    admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{PG_DB}"'))
    engine = make_engine(make_url(args.pg_url).set(database=PG_DB).render_as_string(hide_password=False))
    try:
        return measure(engine, args)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        admin.dispose()


def measure(engine, args: argparse.Namespace, reuse: bool = False) -> int:
    households = int(FULL_HOUSEHOLDS * args.fraction)
    scale = 1 / args.fraction
    rng = random.Random(2014)
    Base.metadata.create_all(engine)
    print(f"{engine.dialect.name}, {households:,} households ({args.fraction:.2%} of {FULL_HOUSEHOLDS:,}), "
          f"{args.months} months", flush=True)
    with Session(engine, expire_on_commit=False) as s:
        now = datetime(YEAR, 12, 20, 2, 0, tzinfo=timezone.utc)
        load_s = year_s = 0.0
        prep_times = [0.0]
        if reuse:
            print("  a kept database: nothing generated, no report issued", flush=True)
            province = s.execute(select(Region).where(Region.code == "13")).scalar_one()
            counties = list(s.execute(select(Region).where(Region.level == RegionLevel.COUNTY)
                                      .order_by(Region.path)).scalars())
        else:
            t0 = time.perf_counter()
            if args.cases:
                province, counties = with_cases(engine, s, args.cases, households, rng)
            else:
                province, counties = build(s, households, rng)
            analyze(s)
            load_s = time.perf_counter() - t0
            print(f"  load register{' and cases' if args.cases else ''}           {load_s:8.2f} s", flush=True)
            a = auth.create_user(s, "preparer", "p", "bench-password-123", [(Role.OFFICER, province)])
            b = auth.create_user(s, "approver", "a", "bench-password-123", [(Role.OFFICER, province)])
            preparer, approver = auth.actor_for_user(s, a), auth.actor_for_user(s, b)
            s.commit()
            prep_times = []
            t0 = time.perf_counter()
            for month in range(1, args.months + 1):
                t_month = time.perf_counter()
                period = f"{YEAR}-{month:02d}"
                for county in counties:
                    t1 = time.perf_counter()
                    batch = pay.prepare_batch(s, preparer, county.code, period, now=now)
                    prep_times.append(time.perf_counter() - t1)
                    pay.approve_batch(s, approver, batch.id, True, now=now)
                    pay.mark_paid(s, preparer, batch.id, f"BANK-{batch.id:06d}", date(YEAR, 12, 20), now=now)
                    s.commit()
                print(f"  month {period}: {len(counties)} batches prepared, approved, paid in "
                      f"{time.perf_counter() - t_month:7.1f} s", flush=True)
            year_s = time.perf_counter() - t0
            analyze(s)
        payments = s.execute(text("SELECT count(*) FROM payment")).scalar()
        sizes = {t: s.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in (
            "register_household", "register_member", "payment", "payment_batch", "application", "application_step",
            "audit_entry", "report", "followup_case", "evaluation_assignment", "supervision_item")}
        db_bytes = s.execute(text("SELECT pg_database_size(current_database())")).scalar() \
            if engine.dialect.name == "postgresql" else Path(engine.url.database).stat().st_size
        biggest = max(counties, key=lambda c: s.execute(
            text("SELECT count(*) FROM register_household WHERE region_path >= :p AND region_path < :q"),
            {"p": c.path, "q": c.path + "~"}).scalar())
        big_n = s.execute(text("SELECT count(*) FROM register_household WHERE region_path >= :p AND region_path < :q"),
                          {"p": biggest.path, "q": biggest.path + "~"}).scalar()
        base_s, _ = timed(lambda: s.execute(text("SELECT count(*), sum(amount_fen) FROM payment")).one())
        base_reg_s, _ = timed(lambda: s.execute(text(
            "SELECT count(*), sum(monthly_amount_fen) FROM register_household")).one())
        county_s, county_fig = timed(lambda: queries.public_figures(s, YEAR, biggest.path))
        province_s, prov_fig = timed(lambda: queries.public_figures(s, YEAR))
        annual_county = timed_all(lambda: annual.figures(s, biggest, YEAR))
        annual_county_old = timed_all(lambda: reference.county_figures(s, biggest, YEAR))
        annual_province = timed_all(lambda: annual.figures(s, province, YEAR), repeat=args.province_runs)
        print(f"  annual figures grouped: largest county ({big_n:,} households) "
              + ", ".join(f"{x:.2f} s" for x in annual_county) + "; province "
              + ", ".join(f"{x:.2f} s" for x in annual_province), flush=True)
        months = annual_rules.period_months(YEAR, 0)

        def per_county() -> dict:
            return annual_rules.total([reference.county_figures(s, c, YEAR) for c in counties], months)

        old_out: list = []
        annual_province_old = timed_all(lambda: old_out.append(per_county()), repeat=1 if reuse else 2)
        fig = annual.figures(s, province, YEAR)
        if fig != old_out[-1]:
            print("FAILED: the grouped figures differ from the per-county statements", file=sys.stderr)
            return 1
        issued = None if reuse else issue_province_report(s, province, preparer, now)
    paid_fen = sum(p["fen"] for p in fig["payments"].values())
    prep_times.sort()
    print(f"{engine.dialect.name}, {households:,} households ({args.fraction:.2%} of {FULL_HOUSEHOLDS:,}), "
          f"{len(counties)} counties, {args.months} months -> {payments:,} payments")
    print(f"  {db_bytes / 1e9:.2f} GB: " + ", ".join(f"{k} {v:,}" for k, v in sizes.items()))
    print(f"  load register{' and cases' if args.cases else ''}           {load_s:8.2f} s")
    print(f"  prepare+approve+pay the year      {year_s:8.2f} s   (x{scale:.0f} = {year_s * scale:,.0f} s extrapolated)")
    print(f"  prepare one county-month  p50 {prep_times[len(prep_times) // 2] * 1000:7.1f} ms  "
          f"max {prep_times[-1] * 1000:7.1f} ms")
    print(f"  baseline: one pass over payment   {base_s * 1000:8.1f} ms")
    print(f"  baseline: one pass over register_household {base_reg_s * 1000:8.1f} ms")
    print(f"  public figures, largest county ({county_fig.rows[0].households if county_fig.rows else 0:,} "
          f"households/month) {county_s * 1000:8.1f} ms")
    print(f"  public figures, province ({len(prov_fig.rows)} county-months)  {province_s * 1000:8.1f} ms"
          f"  = {province_s / base_s:.2f}x baseline")
    print(f"  annual report figures, largest county ({big_n:,} households): grouped "
          + ", ".join(f"{x:.2f} s" for x in annual_county) + "; per-county statements "
          + ", ".join(f"{x:.2f} s" for x in annual_county_old) + "   (goal <= 2 s)")
    print(f"  annual report figures live over the province ({len(counties)} counties): grouped "
          + ", ".join(f"{x:.2f} s" for x in annual_province) + "; per-county statements "
          + ", ".join(f"{x:.2f} s" for x in annual_province_old) + "   (goal <= 30 s; same figures)")
    if issued is not None:
        print(f"  issued province report: {len(issued['cities'])} cities draft + submit (figures live, each twice) "
              f"{sum(issued['cities']):.2f} s in all, largest {max(issued['cities']):.2f} s; province accepts them "
              f"{issued['accept']:.2f} s; province draft (sum of the cities' reports) {issued['draft']:.3f} s; "
              f"issue {issued['issue']:.3f} s; province_figures alone " + ", ".join(
                  f"{x * 1000:.1f} ms" for x in issued['sum']))
        if issued["figures"] != fig:
            print("FAILED: the issued report's figures differ from the live sum", file=sys.stderr)
            return 1
    print(f"  province report: {fig['register']['households_end']:,} households at the year's end, "
          f"{paid_fen / 100:,.2f} yuan paid")
    return 0


SECTIONS = {k: "bench" for k in annual_rules.SECTIONS}


def issue_province_report(s: Session, province, reviewer, now: datetime) -> dict:
    """The province's report as the workflow makes it: each city's officer drafts and submits (figures live over the
    city's counties, computed at the draft and again at the submission), the province's officer accepts every city's
    report, drafts the province's (the sum of the cities' frozen figures) and issues it."""
    cities = annual.children(s, province)
    city_user = auth.create_user(s, "cities", "c", "bench-password-123", [(Role.OFFICER, c) for c in cities])
    city_officer = auth.actor_for_user(s, city_user)
    out: dict = {"cities": []}
    reports = []
    for city in cities:
        t0 = time.perf_counter()
        report = annual.draft(s, city_officer, city.code, YEAR, now=now)
        annual.submit(s, city_officer, report.id, SECTIONS, now=now)
        s.commit()
        out["cities"].append(time.perf_counter() - t0)
        reports.append(report)
    t0 = time.perf_counter()
    for report in reports:
        annual.review(s, reviewer, report.id, True, now=now)
    s.commit()
    out["accept"] = time.perf_counter() - t0
    out["sum"] = timed_all(lambda: annual.province_figures(s, province, YEAR), repeat=3)
    t0 = time.perf_counter()
    report = annual.draft(s, reviewer, province.code, YEAR, now=now)
    s.commit()
    out["draft"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    annual.issue(s, reviewer, report.id, SECTIONS, now=now)
    s.commit()
    out["issue"] = time.perf_counter() - t0
    out["figures"] = report.figures
    return out


def analyze(s: Session) -> None:
    """PostgreSQL's autovacuum keeps statistics; the portal never runs ANALYZE on SQLite, so neither does the bench."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("ANALYZE"))
        s.commit()


def timed_all(fn, repeat: int = 3) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


if __name__ == "__main__":
    raise SystemExit(main())
