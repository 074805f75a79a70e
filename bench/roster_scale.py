"""Public roster at province scale: generate a synthetic province of recipients into SQLite and PostgreSQL, then
time region browse and exact-name search with the portal's own query functions (portal/roster/services.py),
without the roster indexes (the baseline) and with them, in the same run.

    .venv/bin/python bench/roster_scale.py                      # 2.91 M recipients, SQLite and PostgreSQL
    .venv/bin/python bench/roster_scale.py --rows 200000 --db sqlite   # a quick run

Province shape (about Hebei's): 11 cities, ~170 counties, ~2,200 townships, ~48,000 villages; recipients spread
unevenly over villages and inserted in random village order (no help from physical clustering). Names follow the
common-surname frequencies, with some compound surnames and dotted names. About 1 % more rows are publicity
entries (half in a current 7-day window, half long over) and 0.5 % of recipients are withdrawn.

Loading: SQLite through executemany in large transactions; PostgreSQL through COPY. The secondary roster indexes
are built after the load (that is also when the baseline is measured) and their build time is reported.

PostgreSQL: PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test) names the server; the benchmark
creates and drops its own database `sd_roster_bench` (kept with --keep).
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from portal.schema import Base  # noqa: E402
from portal.roster.models import KIND_PUBLICITY, KIND_STANDING, RosterEntry  # noqa: E402
from portal.roster import services as roster  # noqa: E402

FULL_ROWS = 2_910_000
PG_DB = "sd_roster_bench"
# The secondary indexes the roster relies on (public_id's unique index and the primary key stay throughout).
INDEXES = [ix for ix in RosterEntry.__table__.indexes]

# --- synthetic people -------------------------------------------------------------------------------------------

# The most common surnames with rough weights (per mille), then a long tail; a few compound surnames.
SURNAMES = [("王", 72), ("李", 72), ("张", 68), ("刘", 53), ("陈", 45), ("杨", 31), ("赵", 23), ("黄", 22),
            ("周", 21), ("吴", 20), ("徐", 16), ("孙", 15), ("胡", 13), ("朱", 12), ("高", 12), ("林", 12),
            ("何", 12), ("郭", 11), ("马", 11), ("罗", 9), ("梁", 9), ("宋", 8), ("郑", 8), ("谢", 7), ("韩", 7),
            ("唐", 6), ("冯", 6), ("于", 6), ("董", 5), ("萧", 5), ("程", 5), ("曹", 5), ("袁", 5), ("邓", 5),
            ("许", 5), ("傅", 4), ("沈", 4), ("曾", 4), ("彭", 4), ("吕", 4), ("苏", 4), ("卢", 4), ("蒋", 4),
            ("蔡", 4), ("贾", 3), ("丁", 3), ("魏", 3), ("薛", 3), ("叶", 3), ("阎", 3), ("余", 3), ("潘", 3),
            ("杜", 3), ("戴", 3), ("夏", 3), ("钟", 3), ("汪", 3), ("田", 3), ("任", 3), ("姜", 3), ("范", 3),
            ("方", 3), ("石", 3), ("姚", 3), ("谭", 2), ("廖", 2), ("邹", 2), ("熊", 2), ("金", 2), ("陆", 2),
            ("郝", 2), ("孔", 2), ("白", 2), ("崔", 2), ("康", 2), ("毛", 2), ("邱", 2), ("秦", 2), ("江", 2),
            ("史", 2), ("顾", 2), ("侯", 2), ("邵", 2), ("孟", 2), ("龙", 2), ("万", 2), ("段", 2), ("雷", 2),
            ("钱", 2), ("汤", 2), ("尹", 2), ("黎", 2), ("易", 2), ("常", 2), ("武", 2), ("乔", 2), ("贺", 2),
            ("赖", 2), ("龚", 2), ("文", 2), ("欧阳", 1), ("司马", 1), ("诸葛", 1), ("上官", 1)]
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红梅鹏辉建国志强永福春梅海燕文凤英淑珍"
         "德明宝林振华玉兰建华丽娟金凤秀珍国庆红霞建军海涛晓东丽华文华子涵浩然宇轩欣怡梓萱俊杰佳怡思远")
DOTTED = ["买买提·艾力", "阿依古丽·买买提", "艾力·吐尔逊", "古丽米拉·阿不都", "热合曼·买买提"]


def make_names(rng: random.Random, n: int) -> list[str]:
    surnames = rng.choices([s for s, _ in SURNAMES], weights=[w for _, w in SURNAMES], k=n)
    chars = rng.choices(GIVEN, k=2 * n)
    two = rng.choices((True, False), weights=(3, 1), k=n)  # 3 of 4 given names have two characters
    names = [s + chars[2 * i] + (chars[2 * i + 1] if two[i] else "") for i, s in enumerate(surnames)]
    for i in rng.sample(range(n), k=min(n, max(1, n // 500))):
        names[i] = rng.choice(DOTTED)
    return names


def public_ids(n: int) -> list[str]:
    raw = base64.b32encode(os.urandom(10 * n)).decode("ascii").lower()
    return [raw[16 * i:16 * i + 16] for i in range(n)]


# --- synthetic province -----------------------------------------------------------------------------------------

@dataclass
class Province:
    # (id, code, name, level, parent_id, path)
    regions: list[tuple[int, str, str, str, int | None, str]] = field(default_factory=list)
    villages: list[tuple[int, str]] = field(default_factory=list)  # (id, path)
    by_level: dict[str, list[str]] = field(default_factory=dict)  # level -> paths


def make_province(rng: random.Random, villages_total: int) -> Province:
    """11 cities × ~15 counties × ~13 townships × ~22 villages (scaled to `villages_total`)."""
    p = Province(by_level={k: [] for k in ("province", "city", "county", "township", "village")})
    next_id = iter(range(1, 10_000_000))

    def add(code: str, level: str, parent: tuple[int, str] | None) -> tuple[int, str]:
        rid = next(next_id)
        path = (parent[1] if parent else "/") + code + "/"
        p.regions.append((rid, code, f"{level}-{code}", level.upper(), parent[0] if parent else None, path))
        p.by_level[level].append(path)
        return rid, path

    root = add("99", "province", None)
    per_township = max(1, round(villages_total / (11 * 15 * 13)))
    for c in range(1, 12):
        city = add(f"99{c:02d}", "city", root)
        for k in range(1, rng.randint(12, 18) + 1):
            county = add(f"99{c:02d}{k:02d}", "county", city)
            for t in range(1, rng.randint(10, 16) + 1):
                township = add(f"{county[1].split('/')[-2]}{t:03d}", "township", county)
                for v in range(1, max(1, int(per_township * rng.uniform(0.5, 1.5))) + 1):
                    village = add(f"{township[1].split('/')[-2]}{v:03d}", "village", township)
                    p.villages.append(village)
    return p


# --- rows -------------------------------------------------------------------------------------------------------

COLUMNS = ["id", "public_id", "kind", "status", "batch_id", "village_id", "region_path", "name", "household_size",
           "monthly_amount_fen", "starts_at", "ends_at", "source_ref", "withdrawn_at", "withdrawn_reason",
           "withdrawn_by_id", "created_at"]


def rows_chunks(rng: random.Random, province: Province, standing: int, now: datetime,
                dt: Callable[[datetime | None], str | None], chunk: int = 200_000):
    """Yield lists of row tuples in COLUMNS order, datetimes already formatted by `dt` for the backend.

    Rows come in random village order. Times are drawn from pools of a few thousand instants so that formatting
    them costs nothing per row (this generator is the slow part of a load otherwise)."""
    publicity = max(2, standing // 100)
    total = standing + publicity
    weights = [rng.paretovariate(3.0) for _ in province.villages]  # some villages much bigger than others
    day = 86400

    def pool(offsets: list[timedelta]) -> list[tuple[str | None, str | None, str | None]]:
        return [(dt(now - o), dt(now - o + roster.PUBLICITY), dt(now - o + timedelta(days=3))) for o in offsets]

    standing_pool = pool([timedelta(days=rng.randint(1, 1800), seconds=rng.randint(0, day - 1))
                          for _ in range(4000)])
    current_pool = pool([timedelta(seconds=rng.randint(60, 6 * day)) for _ in range(2000)])
    expired_pool = pool([timedelta(days=rng.randint(30, 400), seconds=rng.randint(0, day - 1)) for _ in range(2000)])
    amounts = [[size * per * 100 for per in range(300, 901, 5)] for size in range(7)]
    next_id = 1
    for start in range(0, total, chunk):
        n = min(chunk, total - start)
        villages = rng.choices(province.villages, weights=weights, k=n)
        names = make_names(rng, n)
        pids = public_ids(n)
        sizes = rng.choices((1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 6), k=n)
        draws = [rng.random() for _ in range(n)]
        out = []
        for i in range(n):
            j = start + i
            vid, path = villages[i]
            size = sizes[i]
            if j < standing:
                began, _, withdrawn_at = standing_pool[int(draws[i] * 4000)]
                kind, ends = KIND_STANDING, None
            else:
                began, ends, withdrawn_at = (current_pool if (j - standing) % 2 == 0 else expired_pool)[
                    int(draws[i] * 2000)]
                kind = KIND_PUBLICITY
            withdrawn = draws[i] * 7919 % 1 < 0.005  # an independent-enough 0.5 %
            amount = amounts[size][int(draws[i] * 977 % 1 * 121)]
            # Publicity lines carry their case link (the table's CHECK constraint requires one).
            ref = f"application:{next_id}" if kind == KIND_PUBLICITY else None
            out.append((next_id, pids[i], kind, "withdrawn" if withdrawn else "active", None, vid, path, names[i],
                        size, amount, began, ends, ref, withdrawn_at if withdrawn else None,
                        "bench: withdrawn" if withdrawn else None, None, began))
            next_id += 1
        yield out


# --- loading ----------------------------------------------------------------------------------------------------

def _sqlite_dt(value: datetime | None) -> str | None:
    # SQLAlchemy's SQLite DATETIME storage format (naive UTC), so the portal's own queries compare correctly.
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f") if value else None


NULL = "\\N"


def _pg_dt(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _pg_field(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def create_schema(engine: Engine) -> None:
    Base.metadata.create_all(engine)
    drop_indexes(engine)


def drop_indexes(engine: Engine) -> None:
    with engine.begin() as conn:
        for ix in INDEXES:
            conn.execute(text(f"DROP INDEX IF EXISTS {ix.name}"))


def create_indexes(engine: Engine) -> float:
    t0 = time.perf_counter()
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET maintenance_work_mem = '1GB'"))
        for ix in INDEXES:
            ix.create(conn)
    return time.perf_counter() - t0


def analyze(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("PRAGMA analysis_limit = 2000"))
            conn.execute(text("ANALYZE"))


def load_sqlite(path: Path, province: Province, standing: int, now: datetime, seed: int) -> float:
    t0 = time.perf_counter()
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode = OFF")
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA cache_size = -1000000")  # 1 GB while loading (the unique public_id index is random)
    con.execute("BEGIN")
    con.executemany("INSERT INTO region (id, code, name, level, parent_id, path, name_mask_style) "
                    "VALUES (?, ?, ?, ?, ?, ?, 'middle')", province.regions)
    marks = ", ".join("?" * len(COLUMNS))
    sql = f"INSERT INTO roster_entry ({', '.join(COLUMNS)}) VALUES ({marks})"
    for chunk in rows_chunks(random.Random(seed), province, standing, now, _sqlite_dt):
        con.executemany(sql, chunk)
    con.execute("COMMIT")
    con.execute("PRAGMA journal_mode = WAL")
    con.close()
    return time.perf_counter() - t0


def load_pg(engine: Engine, province: Province, standing: int, now: datetime, seed: int) -> float:
    t0 = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("SET session_replication_role = replica")  # no per-row FK triggers while loading
        with cur.copy("COPY region (id, code, name, level, parent_id, path, name_mask_style) FROM STDIN") as copy:
            buf = io.StringIO()
            for r in province.regions:
                buf.write("\t".join(_pg_field(v) for v in r) + "\tmiddle\n")
            copy.write(buf.getvalue())
        with cur.copy(f"COPY roster_entry ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for chunk in rows_chunks(random.Random(seed), province, standing, now, _pg_dt):
                # Generated names, paths and ids hold no tab, newline or backslash: no escaping needed.
                copy.write("".join(
                    f"{r[0]}\t{r[1]}\t{r[2]}\t{r[3]}\t\\N\t{r[5]}\t{r[6]}\t{r[7]}\t{r[8]}\t{r[9]}\t{r[10]}\t"
                    f"{r[11] or NULL}\t\\N\t{r[13] or NULL}\t{r[14] or NULL}\t\\N\t{r[16]}\n" for r in chunk))
        cur.execute("SELECT setval(pg_get_serial_sequence('roster_entry', 'id'), (SELECT max(id) FROM roster_entry))")
        cur.execute("SELECT setval(pg_get_serial_sequence('region', 'id'), (SELECT max(id) FROM region))")
        raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - t0


# --- queries ----------------------------------------------------------------------------------------------------

@dataclass
class Case:
    label: str
    run: Callable[[Session], object]


def make_cases(rng: random.Random, province: Province, engine: Engine, n: int) -> dict[str, list[Case]]:
    """n parameter draws per query kind, drawn from the data (names that exist, at their own places)."""
    with engine.connect() as conn:
        sample = conn.execute(text(
            "SELECT name, region_path FROM roster_entry WHERE id IN (" +
            ",".join(str(rng.randint(1, province_rows(conn))) for _ in range(n * 2)) + ")")).all()
    rng.shuffle(sample)
    lv = province.by_level

    def pick(level: str) -> list[str]:
        return [rng.choice(lv[level]) for _ in range(n)]

    def ancestor(path: str, depth: int) -> str:
        parts = path.strip("/").split("/")
        return "/" + "/".join(parts[:depth]) + "/"

    def browse(path: str, kind: str = KIND_STANDING, second_page: bool = False):
        def run(session: Session):
            page = roster.browse(session, path, kind)
            if second_page and page.next_cursor is not None:
                page = roster.browse(session, path, kind, cursor=page.next_cursor)
            return page
        return run

    cases: dict[str, list[Case]] = {
        "browse village, page 1": [Case(p, browse(p)) for p in pick("village")],
        "browse township, page 1": [Case(p, browse(p)) for p in pick("township")],
        "browse township, page 1+2 (keyset)": [Case(p, browse(p, second_page=True)) for p in pick("township")],
        "browse county, page 1": [Case(p, browse(p)) for p in pick("county")],
        "browse province, page 1": [Case(lv["province"][0], browse(lv["province"][0])) for _ in range(n)],
        "publicity now, township": [Case(p, browse(p, KIND_PUBLICITY)) for p in pick("township")],
        "count (capped), township": [Case(p, (lambda p: lambda s: roster.count_capped(s, p, KIND_STANDING))(p))
                                     for p in pick("township")],
        "search name in village": [Case(nm, (lambda nm, p: lambda s: roster.search_name(s, p, nm))(nm, path))
                                   for nm, path in sample[:n]],
        "search name in county": [Case(nm, (lambda nm, p: lambda s: roster.search_name(s, p, nm))(nm, ancestor(path, 3)))
                                  for nm, path in sample[:n]],
        "search name in province": [Case(nm, (lambda nm: lambda s: roster.search_name(s, "/99/", nm))(nm))
                                    for nm, _ in sample[:n]],
        "search absent name, province": [Case("x", lambda s: roster.search_name(s, "/99/", "无此人名"))
                                         for _ in range(n)],
    }
    return cases


_rows_cache: dict[int, int] = {}


def province_rows(conn) -> int:
    key = id(conn.engine)
    if key not in _rows_cache:
        _rows_cache[key] = conn.execute(text("SELECT max(id) FROM roster_entry")).scalar_one()
    return _rows_cache[key]


def measure(engine: Engine, cases: list[Case], limit: int | None = None) -> list[float]:
    times = []
    with Session(engine) as session:
        for case in cases[:2]:  # warm-up, untimed
            case.run(session)
        for case in cases[:limit] if limit else cases:
            t0 = time.perf_counter()
            case.run(session)
            times.append((time.perf_counter() - t0) * 1000)
            session.rollback()
    return times


def pct(times: list[float], q: float) -> float:
    if len(times) == 1:
        return times[0]
    return statistics.quantiles(times, n=100, method="inclusive")[int(q) - 1]


def explain(engine: Engine) -> list[str]:
    """Plans of the two main statements with indexes, to show they are index range scans."""
    now = datetime.now(timezone.utc)
    stmts = [roster._browse_stmt("/99/9901/", KIND_STANDING, now).order_by(RosterEntry.region_path, RosterEntry.id)
             .limit(21),
             select(*roster._PUBLIC_COLUMNS).where(RosterEntry.name == "张伟", roster._current(now),
                                                          roster.in_region(RosterEntry.region_path, "/99/"))
             .order_by(RosterEntry.region_path, RosterEntry.id).limit(21)]
    lines = []
    with engine.connect() as conn:
        for stmt in stmts:
            compiled = stmt.compile(engine, compile_kwargs={"literal_binds": True})
            prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
            rows = conn.execute(text(prefix + str(compiled))).all()
            lines.append(" | ".join(str(r[-1]) for r in rows))
    return lines


# --- main -------------------------------------------------------------------------------------------------------

def bench(kind: str, engine: Engine, loader, province: Province, args, now: datetime) -> list[tuple]:
    print(f"\n=== {kind}: {args.rows:,} recipients (+{max(2, args.rows // 100):,} publicity rows), "
          f"{len(province.villages):,} villages ===", flush=True)
    create_schema(engine)
    engine.dispose()  # the loader uses its own connection (SQLite: journal mode changes need it alone)
    secs = loader()
    print(f"loaded in {secs:.1f} s ({(args.rows * 1.01) / secs:,.0f} rows/s)", flush=True)
    analyze(engine)
    cases = make_cases(random.Random(args.seed + 1), province, engine, args.queries)
    baseline = {}
    print(f"baseline without the roster indexes ({args.baseline_queries} queries each) ...", flush=True)
    for name, cs in cases.items():
        baseline[name] = measure(engine, cs, args.baseline_queries)
        print(f"  {name:<36} p50 {pct(baseline[name], 50):8.1f} ms", flush=True)
    build = create_indexes(engine)
    analyze(engine)
    print(f"indexes built in {build:.1f} s", flush=True)
    results = []
    for name, cs in cases.items():
        with_ix = measure(engine, cs)
        base = baseline[name]
        results.append((kind, name, pct(with_ix, 50), pct(with_ix, 95), pct(base, 50), pct(base, 95)))
    for line in explain(engine):
        print(f"plan: {line}")
    return results


def report(results: list[tuple], rows: int, goal_ms: float) -> bool:
    print(f"\n{'db':<7}{'query':<37}{'p50 ms':>8}{'p95 ms':>8}  |{'no-ix p50':>10}{'no-ix p95':>10}  |"
          f"{'p95 speed-up':>13}  goal p95≤{goal_ms:.0f}ms")
    ok = True
    for kind, name, p50, p95, b50, b95 in results:
        hit = p95 <= goal_ms
        ok &= hit
        print(f"{kind:<7}{name:<37}{p50:8.2f}{p95:8.2f}  |{b50:10.1f}{b95:10.1f}  |{b95 / p95:12.0f}x  "
              f"{'ok' if hit else 'MISSED'}")
    print(f"\nrows: {rows:,} recipients; every figure is one query through portal.roster.services "
          f"(incl. the village-name lookup and masking of the page)")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=FULL_ROWS, help="recipients on the standing roster")
    parser.add_argument("--db", choices=("sqlite", "pg", "both"), default="both")
    parser.add_argument("--queries", type=int, default=200, help="timed queries per kind with indexes")
    parser.add_argument("--baseline-queries", type=int, default=10, help="timed queries per kind without")
    parser.add_argument("--sqlite-path", default="/tmp/sd_roster_bench.db")
    parser.add_argument("--pg-url", default=os.environ.get("PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--seed", type=int, default=20260309)
    parser.add_argument("--goal-ms", type=float, default=50.0)
    parser.add_argument("--keep", action="store_true", help="keep the generated databases")
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    t0 = time.perf_counter()
    villages = max(50, round(48_000 * min(1.0, args.rows / FULL_ROWS) ** 0.5))
    province = make_province(rng, villages)
    now = datetime.now(timezone.utc)
    print(f"province: {len(province.regions):,} regions ({len(province.villages):,} villages) "
          f"in {time.perf_counter() - t0:.1f} s")
    results: list[tuple] = []

    if args.db in ("sqlite", "both"):
        path = Path(args.sqlite_path)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        from portal.kernel.db import make_engine

        engine = make_engine(f"sqlite:///{path}")
        results += bench("sqlite", engine, lambda: load_sqlite(path, province, args.rows, now, args.seed),
                         province, args, now)
        engine.dispose()
        if not args.keep:
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)

    if args.db in ("pg", "both"):
        admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{PG_DB}"'))
        url = make_url(args.pg_url).set(database=PG_DB)
        engine = create_engine(url, pool_size=2)
        try:
            results += bench("pg", engine, lambda: load_pg(engine, province, args.rows, now, args.seed),
                             province, args, now)
        finally:
            engine.dispose()
            if not args.keep:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
            admin.dispose()

    ok = report(results, args.rows, args.goal_ms)
    print(f"total {time.perf_counter() - t0:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
