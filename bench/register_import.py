"""Importing a province's register (`python -m portal register import households.csv members.csv`) at province
size: 2.91 million households and about 7 million members at --scale 1.

Generates the two CSV files (households.csv in GBK with the Chinese column names, as Excel on a Chinese Windows
writes it; members.csv in UTF-8 with the English ones), with every village they name in the region table, ID numbers
valid under GB 11643 (check character from `register.rules.make_number`) and unique, a few suspended and stopped
households, and a consent date on every other household. Then times, through `portal.cli.main` (what the command
runs: pass 1 checks, pass 2 writes in one transaction, the grants, ANALYZE on PostgreSQL):

- the import, end to end: rows per second and peak memory (getrusage of this process; the PostgreSQL server's own
  memory is not in it);
- a second import of the same files, which must change nothing (rows counted before and after in every table the
  import writes: the bench exits 1 otherwise);
- two baselines in the same run: reading and splitting both files with the csv module and nothing else, and a plain
  load of the same rows with no check at all (csv read, the keyed hash computed, batches of 10,000 through
  `kernel.db.insert_rows`, the importer's own way to write: COPY on PostgreSQL, executemany on SQLite) into two
  scratch tables with the register's columns and indexes, in one transaction.

    .venv/bin/python bench/register_import.py --scale 0.01               # SQLite
    .venv/bin/python bench/register_import.py --scale 0.01 --db pg       # PostgreSQL
    .venv/bin/python bench/register_import.py                            # full size, SQLite
    .venv/bin/python bench/register_import.py --scale 0.01 --profile first   # cProfile of the first import

SQLite: a file in the work directory. PostgreSQL: a database `sd_regimport_bench` the bench creates on PG_URL's
server (default postgresql+psycopg://postgres@127.0.0.1:5432/test) and drops afterwards (kept with --keep). Not a
test: run it by hand.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import csv
import io
import os
import pstats
import random
import resource
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy.orm import Session  # noqa: E402
from sqlalchemy import (  # noqa: E402
    Column, Date, DateTime, ForeignKey, Index, Integer, MetaData, String, Table, Text, UniqueConstraint, create_engine,
    func, insert, make_url, select, text,
)

from portal.kernel.audit_models import AuditEntry  # noqa: E402
from portal.kernel.db import insert_rows, make_engine  # noqa: E402
from portal.kernel.textfiles import detect_encoding  # noqa: E402
from portal.regions.models import Region, RegionLevel  # noqa: E402
from portal.register import rules  # noqa: E402
from portal.register.models import Household, Member  # noqa: E402
from portal.roster.models import RosterEntry  # noqa: E402
from portal.schema import Base  # noqa: E402
from portal.verification.models import ConsentGrant  # noqa: E402

FULL_HOUSEHOLDS = 2_910_000
PG_DB = "sd_regimport_bench"
SECRET = "register-import-bench-key"
PER_VILLAGE = 200  # households per village: 14,550 villages at full size
VILLAGES_PER_TOWNSHIP, TOWNSHIPS_PER_COUNTY, COUNTIES_PER_CITY = 10, 15, 10
BIRTH_FROM, BIRTH_DAYS = date(1935, 1, 1), 32_000  # birth dates 1935 … 2022; (day, sequence) is unique per person
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华建国志红玉梅春燕文辉海波"
RELATIONS_ZH = ("户主", "配偶", "子女", "子女", "父母")  # by position in the household: members.csv spells them both ways
RELATIONS_EN = ("head", "spouse", "child", "child", "parent")
BASELINE_BATCH = 10_000


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def village_codes(n_villages: int) -> list[tuple[str, str, str, str, str]]:
    """(city, county, township, village) codes of each village, province 13."""
    out = []
    for v in range(n_villages):
        t = v // VILLAGES_PER_TOWNSHIP
        c = t // TOWNSHIPS_PER_COUNTY
        ci = c // COUNTIES_PER_CITY
        city = f"13{ci + 1:02d}"
        county = f"{city}{c % COUNTIES_PER_CITY + 1:02d}"
        township = f"{county}{t % TOWNSHIPS_PER_COUNTY + 1:03d}"
        out.append(("13", city, county, township, f"{township}{v % VILLAGES_PER_TOWNSHIP + 1:03d}"))
    return out


def add_regions(engine, villages: list[tuple[str, ...]]) -> None:
    """The region tree the files name, straight into the table (setup, not timed)."""
    levels = (RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)
    rows, ids = [], {}
    for chain in villages:
        path = "/"
        for depth, code in enumerate(chain):
            path += code + "/"
            if code in ids:
                continue
            ids[code] = len(ids) + 1
            rows.append({"id": ids[code], "code": code, "name": f"{levels[depth].value}-{code}", "level": levels[depth],
                         "parent_id": ids[chain[depth - 1]] if depth else None, "path": path,
                         "name_mask_style": "middle"})
    with engine.begin() as conn:
        for i in range(0, len(rows), 10_000):
            conn.execute(insert(Region), rows[i:i + 10_000])
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE region"))


def generate(directory: Path, n: int, villages: list[tuple[str, ...]], seed: int = 7) -> tuple[Path, Path, int]:
    """households.csv (GBK, Chinese column names) and members.csv (UTF-8); returns the paths and the member count."""
    rng = random.Random(seed)
    days = [(BIRTH_FROM + timedelta(days=d)).strftime("%Y%m%d") for d in range(BIRTH_DAYS)]
    h_path, m_path = directory / "households.csv", directory / "members.csv"
    person = 0
    with h_path.open("w", encoding="gbk", newline="") as hf, m_path.open("w", encoding="utf-8", newline="") as mf:
        hw, mw = csv.writer(hf), csv.writer(mf)
        hw.writerow(["户编号", "村（社区）代码", "户主姓名", "月保障金额（元）", "起始日期", "状态", "状态原因", "状态日期",
                     "授权日期"])
        mw.writerow(["household_code", "name", "relation", "id_number"])
        for i in range(n):
            chain = villages[i // PER_VILLAGE]
            county, village = chain[2], chain[4]
            code = f"{county}-{i:08d}"
            size = rng.choice((1, 1, 2, 2, 2, 3, 3, 3, 4, 5))  # 2.6 on average
            surname = SURNAMES[rng.randrange(len(SURNAMES))]
            names = [surname + GIVEN[rng.randrange(len(GIVEN))] + GIVEN[rng.randrange(len(GIVEN))]
                     for _ in range(size)]
            if i % 50 == 0:
                status, reason, on = "暂停", "外出务工待核实", "2025-06-01"
            elif i % 50 == 1:
                status, reason, on = "停保", "家庭收入超过标准", "2025/03/15"
            else:
                status, reason, on = ("在保" if i % 3 else "active"), "", ""
            hw.writerow([code, village, names[0], f"{rng.randrange(300, 1500)}.{rng.randrange(100):02d}",
                         f"20{rng.randrange(10, 26)}-{rng.randrange(1, 13):02d}-01", status, reason, on,
                         "2024-12-20" if i % 2 == 0 else ""])
            for k in range(size):
                first17 = f"{county}{days[person % BIRTH_DAYS]}{person // BIRTH_DAYS:03d}"
                relation = (RELATIONS_ZH if person % 2 else RELATIONS_EN)[min(k, 4)]
                mw.writerow([code, names[k], relation, rules.make_number(first17)])
                person += 1
    return h_path, m_path, person


def baseline_parse(paths: tuple[Path, Path]) -> int:
    """Read and split both files with the csv module, nothing else."""
    rows = 0
    for path in paths:
        with path.open(encoding=detect_encoding(path), newline="") as fh:
            for _ in csv.reader(fh):
                rows += 1
    return rows - 2


def baseline_load(engine, paths: tuple[Path, Path], village_ids: dict[str, tuple[int, str]]) -> tuple[int, int]:
    """The same rows into scratch tables with the register's columns and indexes, without a single check: csv read,
    the keyed hash, executemany, one transaction. The tables are dropped afterwards."""
    meta = MetaData()
    bh = Table("bench_household", meta, Column("id", Integer, primary_key=True, autoincrement=False),
               Column("code", String(32), unique=True), Column("village_id", Integer),
               Column("region_path", String(200)), Column("head_name", String(64)),
               Column("monthly_amount_fen", Integer), Column("started_on", Date), Column("status", String(12)),
               Column("status_reason", Text), Column("created_at", DateTime), Column("updated_at", DateTime),
               Index("ix_bench_household_region", "region_path", "status", "id"))
    bm = Table("bench_member", meta, Column("id", Integer, primary_key=True, autoincrement=False),
               Column("household_id", ForeignKey("bench_household.id")), Column("name", String(64)),
               Column("relation", String(16)), Column("id_number", String(18)), Column("id_hash", String(64)),
               Column("birth_date", Date), Column("sex", String(1)), Column("created_at", DateTime),
               UniqueConstraint("household_id", "id_hash"), Index("ix_bench_member_id_hash", "id_hash"))
    meta.drop_all(engine)
    meta.create_all(engine)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    ids: dict[str, int] = {}
    h_path, m_path = paths
    try:
        with Session(engine) as conn, conn.begin():
            batch: list[dict] = []
            with h_path.open(encoding=detect_encoding(h_path), newline="") as fh:
                reader = csv.reader(fh)
                next(reader)
                for code, village, head, amount, start, status, reason, _on, _consent in reader:
                    ids[code] = len(ids) + 1
                    vid, path = village_ids[village]
                    batch.append({"id": ids[code], "code": code, "village_id": vid, "region_path": path,
                                  "head_name": head, "monthly_amount_fen": int(float(amount) * 100),
                                  "started_on": date.fromisoformat(start), "status": status,
                                  "status_reason": reason or None, "created_at": now, "updated_at": now})
                    if len(batch) >= BASELINE_BATCH:
                        insert_rows(conn, bh, batch)
                        batch = []
            if batch:
                insert_rows(conn, bh, batch)
            batch = []
            members = 0
            with m_path.open(encoding=detect_encoding(m_path), newline="") as fh:
                reader = csv.reader(fh)
                next(reader)
                for code, name, relation, number in reader:
                    members += 1
                    batch.append({"id": members, "household_id": ids[code], "name": name, "relation": relation,
                                  "id_number": number, "id_hash": rules.id_hash(SECRET, number),
                                  "birth_date": date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
                                  "sex": "M" if int(number[16]) % 2 else "F", "created_at": now})
                    if len(batch) >= BASELINE_BATCH:
                        insert_rows(conn, bm, batch)
                        batch = []
            if batch:
                insert_rows(conn, bm, batch)
        return len(ids), members
    finally:
        meta.drop_all(engine)


COUNTED = {"households": Household, "members": Member, "roster entries": RosterEntry, "grants": ConsentGrant,
           "audit rows": AuditEntry}


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: conn.execute(select(func.count()).select_from(model)).scalar_one()
                for name, model in COUNTED.items()}


def run_cli(paths: tuple[Path, Path], profile: bool) -> tuple[int, str]:
    """`python -m portal register import` in this process, through portal.cli.main; returns (exit code, output)."""
    from portal import cli

    out = io.StringIO()
    prof = cProfile.Profile() if profile else None
    with contextlib.redirect_stdout(out):
        if prof:
            prof.enable()
        code = cli.main(["register", "import", str(paths[0]), str(paths[1]), "--lang", "en"])
        if prof:
            prof.disable()
    if prof:
        stats = pstats.Stats(prof, stream=sys.stdout)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(30)
    return code, out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the 2.91 million households")
    parser.add_argument("--workdir", help="keep the files here (default: a temporary directory)")
    parser.add_argument("--db", choices=("sqlite", "pg"), default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get("PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument("--profile", choices=("first", "second"), help="cProfile one import (slows it down)")
    parser.add_argument("--no-load-baseline", action="store_true", help="skip the plain load baseline")
    args = parser.parse_args()
    if args.workdir:
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
        return with_db(args, Path(args.workdir))
    # the files of a full-size run take about 0.5 GB: never left behind
    with tempfile.TemporaryDirectory(prefix="regimport-bench-") as tmp:
        return with_db(args, Path(tmp))


def with_db(args: argparse.Namespace, tmp: Path) -> int:
    if args.db == "sqlite":
        db = tmp / "bench.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        return measure(args, tmp, f"sqlite:///{db}")
    admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{PG_DB}"'))
    try:
        return measure(args, tmp, make_url(args.pg_url).set(database=PG_DB).render_as_string(hide_password=False))
    finally:
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        admin.dispose()


def measure(args: argparse.Namespace, tmp: Path, url: str) -> int:
    from tests.conftest import clear_portal_caches

    n = int(FULL_HOUSEHOLDS * args.scale)
    villages = village_codes(-(-n // PER_VILLAGE))
    print(f"register import: {n:,} households (scale {args.scale}), {len(villages):,} villages, in {tmp}; "
          f"database: {args.db}; load average {os.getloadavg()[0]:.2f}", flush=True)
    t = time.perf_counter()
    paths = generate(tmp, n, villages)
    members = paths[2]
    paths = paths[:2]
    sizes = sum(p.stat().st_size for p in paths) / 1e6
    print(f"  generate (not counted)       {time.perf_counter() - t:8.1f} s   {n:,} households + {members:,} members, "
          f"{sizes:,.0f} MB", flush=True)

    engine = make_engine(url)
    Base.metadata.create_all(engine)
    add_regions(engine, villages)
    os.environ.update(DATABASE_URL=url, PORTAL_SECRET_KEY=SECRET, PORTAL_DATA_DIR=str(tmp / "data"))
    clear_portal_caches()
    rows = n + members

    t = time.perf_counter()
    parsed = baseline_parse(paths)
    parse_s = time.perf_counter() - t
    print(f"  baseline: csv read + split   {parse_s:8.1f} s   {parsed / parse_s:10,.0f} rows/s   "
          f"peak {peak_mb():6.0f} MB", flush=True)

    t = time.perf_counter()
    code, out = run_cli(paths, args.profile == "first")
    first_s = time.perf_counter() - t
    first_peak = peak_mb()
    summary = [line for line in out.splitlines() if not line.startswith("  ")]
    print(f"  import (portal.cli.main)     {first_s:8.1f} s   {rows / first_s:10,.0f} rows/s   "
          f"peak {first_peak:6.0f} MB   exit {code}", flush=True)
    for line in summary[-6:]:
        print(f"    | {line}")
    if code != 0:
        return 1
    before = counts(engine)

    t = time.perf_counter()
    code2, out2 = run_cli(paths, args.profile == "second")
    again_s = time.perf_counter() - t
    after = counts(engine)
    print(f"  second import, same files    {again_s:8.1f} s   {rows / again_s:10,.0f} rows/s   "
          f"peak {peak_mb():6.0f} MB   exit {code2}", flush=True)
    for line in [x for x in out2.splitlines() if not x.startswith("  ")][-3:]:
        print(f"    | {line}")
    print(f"  rows before / after it: {', '.join(f'{k} {before[k]:,}/{after[k]:,}' for k in COUNTED)}")
    unchanged = before == after and before["households"] == n and before["members"] == members

    load_s = None
    if not args.no_load_baseline:
        with engine.connect() as conn:
            village_ids = {c: (i, p) for c, i, p in conn.execute(
                select(Region.code, Region.id, Region.path).where(Region.level == RegionLevel.VILLAGE))}
        t = time.perf_counter()
        loaded = baseline_load(engine, paths, village_ids)
        load_s = time.perf_counter() - t
        print(f"  baseline: plain load         {load_s:8.1f} s   {rows / load_s:10,.0f} rows/s   "
              f"peak {peak_mb():6.0f} MB   ({loaded[0]:,} + {loaded[1]:,} rows, no checks)", flush=True)
    print(f"import {first_s:.1f} s = {first_s / parse_s:.1f}x the csv read"
          + (f", {first_s / load_s:.1f}x the plain load" if load_s else "")
          + f"; second import {again_s:.1f} s, {'changed nothing' if unchanged else 'CHANGED ROWS'}")
    engine.dispose()
    clear_portal_caches()
    return 0 if unchanged and code2 == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
