"""Re-verification at province scale: a synthetic province (2.91 million households, about 7 million people, about
21 million department records) with planted mismatches of every rule, loaded and re-verified end to end.

The register sits in its tables (`region`, `application`, `register_household`, `register_member`: every household
admitted through an application whose answers declare what it declared, every member with a well-formed ID number
and the register's keyed hash); loading them is setup, not counted. Counted: the seven department files, keyed by ID
number as a department sends them, loaded through `verification.services.load_source`, and the whole register
re-verified through `verification.services.run` with the snapshot `python -m portal crosscheck run` takes from the
tables. Prints the time per phase, peak memory (getrusage: DuckDB runs in this process), and the findings' precision
and recall against the planted set (both must be 1.0); checks that the run's snapshot is the generated register and
that a re-run over unchanged data finds nothing new. The baseline is DuckDB scanning the loaded batch files once,
measured in the same run. Not a test: run it by hand.

    .venv/bin/python bench/verification_scale.py --scale 0.02
    .venv/bin/python bench/verification_scale.py              # full size, SQLite
    .venv/bin/python bench/verification_scale.py --db pg      # full size, PostgreSQL
    .venv/bin/python bench/verification_scale.py --scale 0.02 --snapshot-baseline   # the snapshot's old read too

The portal's tables live in SQLite (a file in the work directory) or, with `--db pg`, in a database
`sd_verif_bench` the bench creates on PG_URL's server (default postgresql+psycopg://postgres@127.0.0.1:5432/test)
and drops afterwards (kept with --keep). The department records stay Parquet files either way: DuckDB reads them,
never the database, so no DuckDB scanner is needed. Peak memory is this process's; the PostgreSQL server's own
memory is not in it.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import pyarrow as pa  # noqa: E402
from sqlalchemy import create_engine, make_url, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from portal.kernel.db import make_engine  # noqa: E402
from portal.regions.models import Region, RegionLevel  # noqa: E402
from portal.register import rules as id_rules  # noqa: E402
from portal.schema import Base  # noqa: E402
from portal.verification import contract, duck  # noqa: E402
from portal.verification import services as vs  # noqa: E402
from portal.verification.models import Finding  # noqa: E402

FULL_HOUSEHOLDS = 2_910_000
PG_DB = "sd_verif_bench"
LIMIT_PER_MEMBER = 1_000_000  # fen
MOTO_LIMIT = 300_000
CAPITAL_LIMIT = 10_000_000
TOLERANCE = 10_000
PARAMS = {
    "deposits": {"asset_limit_per_member_fen": LIMIT_PER_MEMBER},
    "vehicles": {"max_vehicles": 0, "exempt_types": ["disability_adapted"], "motorcycle_value_limit_fen": MOTO_LIMIT},
    "real_estate": {"max_dwellings": 1},
    "business": {"capital_limit_fen": CAPITAL_LIMIT, "roles": ["legal_rep", "shareholder"]},
    "income": {"tolerance_fen": TOLERANCE},
    "dead": {},
    "duplicate": {},
    "public_staff": {"roles": ["public_employee", "village_cadre"]},
}
# household bucket (hash % 1000) → the rule planted in it
BUCKET = {"deposits": 0, "vehicles": 1, "real_estate": 2, "business": 3, "income": 4, "dead": 5, "duplicate": 6,
          "public_staff": 7}


KEY = "bench-key"  # the portal's secret key in this bench: the register's hashes and the departments' numbers
WEIGHTS = ", ".join(str(w) for w in id_rules.WEIGHTS)


def id_numbers(con: duckdb.DuckDBPyConnection) -> None:
    """`idn(region, p)`: a well-formed ID number for person p (region code, a birth date from 1930 counted in p's
    thousands, sequence p mod 1000, the GB 11643 check character), unique per (region, p)."""
    con.execute("""CREATE OR REPLACE MACRO f17(region, p) AS region || strftime(DATE '1930-01-01'
        + CAST(p // 1000 AS INTEGER), '%Y%m%d') || lpad(CAST(p % 1000 AS VARCHAR), 3, '0')""")
    terms = " + ".join(f"CAST(substr(s, {i + 1}, 1) AS INTEGER) * {w}" for i, w in enumerate(id_rules.WEIGHTS))
    con.execute(f"CREATE OR REPLACE MACRO chk(s) AS s || substr('{id_rules.CHECK_CHARS}', ({terms}) % 11 + 1, 1)")
    con.execute("CREATE OR REPLACE MACRO idn(region, p) AS chk(f17(region, p))")


def add_hashes(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Add `id_hash` to `table` (columns p, id_number): the register's keyed hash under KEY, computed by the portal's
    own function a slice at a time (HMAC has no DuckDB function; a Python UDF would need numpy)."""
    con.execute(f"CREATE TABLE {table}_h (p BIGINT, id_hash VARCHAR)")
    reader = con.cursor().sql(f"SELECT p, id_number FROM {table}").to_arrow_reader(500_000)
    for batch in reader:
        ps, numbers = batch.column(0), batch.column(1).to_pylist()
        part = pa.table({"p": ps, "id_hash": pa.array([id_rules.id_hash(KEY, x) for x in numbers], pa.string())})
        con.register("part", part)
        con.execute(f"INSERT INTO {table}_h SELECT * FROM part")
        con.unregister("part")
    con.execute(f"CREATE TABLE {table}_x AS SELECT t.*, h.id_hash FROM {table} t JOIN {table}_h h USING (p)")
    con.execute(f"DROP TABLE {table}_h")
    con.execute(f"DROP TABLE {table}")
    con.execute(f"ALTER TABLE {table}_x RENAME TO {table}")


def generate(con: duckdb.DuckDBPyConnection, n: int, out: Path) -> dict[str, int]:
    """Households and members (the register, with ID numbers and the register's hashes) and one Parquet file per
    department source keyed by ID number, as a department sends them; returns the row count per file."""
    b = BUCKET
    id_numbers(con)
    con.execute(f"""CREATE TABLE h AS SELECT i AS n, 'H' || lpad(CAST(i AS VARCHAR), 8, '0') AS household_id,
        1 + CAST(hash(i, 'size') % 4 AS INTEGER) AS size, CAST(hash(i, 'bucket') % 1000 AS INTEGER) AS bucket,
        i // 1300 AS t, i // 1300 // 15 AS c, i // 1300 // 15 // 14 AS ci FROM range({n}) r(i)""")
    con.execute("""CREATE TABLE hh AS SELECT n, household_id, size, bucket,
        '/13/13' || lpad(CAST(ci AS VARCHAR), 2, '0') || '/13' || lpad(CAST(ci AS VARCHAR), 2, '0')
          || lpad(CAST(c - ci * 14 AS VARCHAR), 2, '0') || '/' || township || '/' || township || '001/' AS region_path,
        township AS township_code FROM (SELECT *, '13' || lpad(CAST(ci AS VARCHAR), 2, '0')
          || lpad(CAST(c - ci * 14 AS VARCHAR), 2, '0') || lpad(CAST(t - c * 15 AS VARCHAR), 3, '0') AS township
        FROM h)""")
    con.execute("""CREATE TABLE m AS SELECT hh.n, hh.household_id, hh.bucket, hh.size, k AS idx, hh.n * 4 + k AS p,
        idn('130102', hh.n * 4 + k) AS id_number,
        50000 + CAST(hash(hh.n * 4 + k, 'inc') % 100000 AS BIGINT) AS declared_income_fen
        FROM hh, unnest(range(hh.size)) u(k)""")
    add_hashes(con, "m")
    # a member of a bucket-6 household (size ≥ 2) also listed in the next household
    con.execute(f"""CREATE TABLE dup AS SELECT m.household_id AS x, 'H' || lpad(CAST((m.n + 1) % {n} AS VARCHAR), 8, '0')
        AS y, m.p, m.id_number, m.id_hash, m.declared_income_fen FROM m
        WHERE m.bucket = {b['duplicate']} AND m.size >= 2 AND m.idx = 1""")
    # the register's members: every household's own, and the duplicated ones in their second household
    con.execute("""CREATE TABLE rm AS SELECT household_id, p, id_number, id_hash, declared_income_fen FROM m
        UNION ALL SELECT y, p, id_number, id_hash, declared_income_fen FROM dup""")
    # a household's size is its members in the register, the duplicated one included
    con.execute("CREATE TABLE sz AS SELECT household_id, COUNT(*) AS full_size FROM rm GROUP BY 1")
    counts = {}

    def copy(name: str, sql: str) -> None:
        con.execute(f"COPY ({sql}) TO '{out / name}.parquet' (FORMAT parquet, COMPRESSION zstd)")
        counts[name] = con.execute(f"SELECT COUNT(*) FROM read_parquet('{out / name}.parquet')").fetchone()[0]

    copy("households", "SELECT hh.household_id, region_path, township_code, CAST(full_size AS INTEGER) AS size, "
                       "CAST(0 AS BIGINT) AS declared_deposits_fen, 0 AS declared_vehicles, 1 AS declared_houses "
                       "FROM hh JOIN sz USING (household_id) ORDER BY n")
    copy("members", "SELECT household_id, id_hash, declared_income_fen FROM rm")
    copy("register_members", "SELECT household_id, id_number, id_hash, declared_income_fen, p FROM rm")
    yuan = "CAST({} / 100 AS DECIMAL(18,2))"
    copy("hukou", "SELECT id_number, 'R' || CAST(p AS VARCHAR) AS record_ref, CASE WHEN bucket = "
                  f"{b['dead']} AND idx = 0 THEN 'dead' ELSE 'alive' END AS status, CASE WHEN bucket = {b['dead']} "
                  "AND idx = 0 THEN DATE '2026-03-01' END AS death_date FROM m")
    copy("deposits", "SELECT id_number, 'A' || CAST(p AS VARCHAR) AS account_ref, 'deposit' AS asset_type, "
                     f"{yuan.format(f'CAST(hash(p, {chr(39)}dep{chr(39)}) % {LIMIT_PER_MEMBER * 4 // 10} AS DECIMAL(18,2))')} "
                     "AS balance_yuan FROM m WHERE p % 3 <> 2 UNION ALL "
                     "SELECT id_number, 'AX' || CAST(p AS VARCHAR), 'security', "
                     f"{yuan.format(f'CAST({LIMIT_PER_MEMBER} * full_size + 1 AS DECIMAL(18,2))')} FROM m "
                     f"JOIN sz USING (household_id) WHERE bucket = {b['deposits']} AND idx = 0")
    copy("income", "SELECT id_number, 'W' || CAST(p AS VARCHAR) AS payer_ref, 'wage' AS income_kind, "
                   f"{yuan.format('CAST(declared_income_fen - hash(p, ' + chr(39) + 'w' + chr(39) + ') % 1000 AS DECIMAL(18,2))')} "
                   "AS monthly_yuan FROM m WHERE idx <= 1 UNION ALL "
                   "SELECT id_number, 'WX' || CAST(p AS VARCHAR), 'wage', "
                   f"{yuan.format(f'CAST(declared_income_fen + {TOLERANCE} + 1 AS DECIMAL(18,2))')} FROM m "
                   f"WHERE bucket = {b['income']} AND idx = 0")
    copy("real_estate", "SELECT id_number, 'P' || CAST(p AS VARCHAR) AS property_ref, 'residential' AS use, "
                        "80 AS area_m2 FROM m WHERE idx = 0 UNION ALL SELECT id_number, 'PX' || CAST(p AS VARCHAR), "
                        "CASE WHEN n % 2 = 0 THEN 'commercial' ELSE 'residential' END, 50 FROM m "
                        f"WHERE bucket = {b['real_estate']} AND idx = 0")
    copy("vehicles", "SELECT id_number, 'M' || CAST(p AS VARCHAR) AS plate, 'motorcycle' AS vehicle_type, "
                     f"{yuan.format(f'CAST(hash(p, {chr(39)}v{chr(39)}) % {MOTO_LIMIT + 1} AS DECIMAL(18,2))')} AS value_yuan "
                     "FROM m WHERE idx = 0 AND n % 4 = 0 UNION ALL "
                     "SELECT id_number, 'D' || CAST(p AS VARCHAR), 'disability_adapted', 80000 FROM m "
                     "WHERE idx = 0 AND n % 10 = 1 UNION ALL "
                     f"SELECT id_number, 'C' || CAST(p AS VARCHAR), 'car', 50000 FROM m WHERE bucket = {b['vehicles']} "
                     "AND idx = 0")
    copy("business", "SELECT id_number, 'B' || CAST(p AS VARCHAR) AS company_ref, "
                     "CASE WHEN p % 2 = 0 THEN 'shareholder' ELSE 'legal_rep' END AS role, "
                     f"{yuan.format(f'CAST(hash(p, {chr(39)}b{chr(39)}) % {CAPITAL_LIMIT + 1} AS DECIMAL(18,2))')} "
                     "AS registered_capital_yuan FROM m WHERE p % 15 = 0 UNION ALL "
                     "SELECT id_number, 'BX' || CAST(p AS VARCHAR), 'legal_rep', "
                     f"{yuan.format(f'CAST({CAPITAL_LIMIT + 1} AS DECIMAL(18,2))')} FROM m "
                     f"WHERE bucket = {b['business']} AND idx = 0")
    staff = max(1, int(n * 600_000 / FULL_HOUSEHOLDS))
    # public employees outside the register: numbers of another county, so none is a recipient
    copy("public_staff", "SELECT idn('130103', i) AS id_number, 'S' || CAST(i AS VARCHAR) AS staff_ref, "
                         "'public_employee' AS staff_role, 'bureau' AS employer FROM range(" + str(staff) + ") r(i) "
                         "UNION ALL SELECT id_number, 'SX' || CAST(p AS VARCHAR), 'village_cadre', 'village' FROM m "
                         f"WHERE bucket = {b['public_staff']} AND idx = 0")
    return counts


def planted(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str, str]]:
    out: set[tuple[str, str, str]] = set()
    for rule, bucket in BUCKET.items():
        if rule == "duplicate":
            rows = con.execute("SELECT x, id_hash FROM dup UNION ALL SELECT y, id_hash FROM dup").fetchall()
        elif rule in ("deposits", "vehicles", "real_estate"):
            rows = con.execute(f"SELECT household_id, '' FROM hh WHERE bucket = {bucket}").fetchall()
        else:
            rows = con.execute(f"SELECT household_id, id_hash FROM m WHERE bucket = {bucket} AND idx = 0").fetchall()
        out |= {(rule, h, who) for h, who in rows}
    return out


def load_register(engine, files: Path, work: Path, province_id: int) -> tuple[int, int]:
    """The generated register into `region`, `application`, `register_household` and `register_member`, the way a
    province's register sits before `crosscheck run`: one village region per household path, and every household
    admitted through an application whose JSON answers declare what the households file declares (no deposits or
    vehicles, one dwelling, each member's monthly wage), so the snapshot parses 2.91 million answers, the worst case.
    PostgreSQL through COPY (CSV written by DuckDB), SQLite through executemany."""
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute(f"SET memory_limit = '{duck.MEMORY}'")
    hh_file, rm_file = files / "households.parquet", files / "register_members.parquet"
    con.execute(f"""CREATE TABLE v AS SELECT row_number() OVER (ORDER BY region_path) + 1 AS id,
        regexp_extract(region_path, '([^/]+)/$', 1) AS code, region_path AS path
        FROM (SELECT DISTINCT region_path FROM read_parquet('{hh_file}'))""")
    con.execute(f"""CREATE TABLE hh AS SELECT row_number() OVER () AS id, h.household_id AS code, v.id AS village_id,
        h.region_path, h.declared_deposits_fen, h.declared_vehicles, h.declared_houses
        FROM read_parquet('{hh_file}') h JOIN v ON v.path = h.region_path""")
    stamp = "2026-01-01 00:00:00.000000"
    answers = ("""'{"residence": "rural", "assets": {"deposits": ' || CAST(any_value(h.declared_deposits_fen) AS VARCHAR)
               || ', "vehicles": ' || CAST(any_value(h.declared_vehicles) AS VARCHAR) || ', "houses": '
               || CAST(any_value(h.declared_houses) AS VARCHAR) || '}, "members": [' || string_agg('{"name": "m", '
               || '"relationship": "child", "id_number": "' || m.id_number || '", "incomes": {"wage": '
               || CAST(m.declared_income_fen AS VARCHAR) || '}}', ', ') || ']}'""")
    born = "CAST(DATE '1930-01-01' + CAST(m.p // 1000 AS INTEGER) AS DATE)"
    exports = {
        "region": ("id, code, name, level, parent_id, path, name_mask_style",
                   f"SELECT id, code, 'v', 'VILLAGE', {province_id}, path, 'middle' FROM v ORDER BY id"),
        "application": ("id, number, secret_hash, status, village_id, region_path, applicant_name, answers, "
                        "related_to_staff, extended, created_at, updated_at",
                        f"SELECT h.id, h.code, repeat('0', 64), 'approved', h.village_id, h.region_path, 'a', {answers}, "
                        f"false, false, '{stamp}', '{stamp}' FROM hh h JOIN read_parquet('{rm_file}') m "
                        "ON m.household_id = h.code GROUP BY h.id, h.code, h.village_id, h.region_path ORDER BY h.id"),
        "register_household": ("id, code, village_id, region_path, head_name, monthly_amount_fen, started_on, status, "
                               "application_id, created_at, updated_at",
                               "SELECT id, code, village_id, region_path, 'h', 50000, DATE '2025-01-01', 'active', id, "
                               f"'{stamp}', '{stamp}' FROM hh ORDER BY id"),
        "register_member": ("household_id, name, relation, id_number, id_hash, birth_date, sex, created_at",
                            f"SELECT hh.id, 'm', 'other', m.id_number, m.id_hash, {born}, "
                            f"CASE WHEN m.p % 2 = 1 THEN 'M' ELSE 'F' END, '{stamp}' FROM read_parquet('{rm_file}') m "
                            "JOIN hh ON hh.code = m.household_id ORDER BY hh.id"),
    }
    with engine.begin() as conn:
        for table, (cols, sql) in exports.items():
            if engine.dialect.name == "postgresql":
                csv = work / f"{table}.csv"
                con.execute(f"COPY ({sql}) TO '{csv}' (FORMAT csv, HEADER false)")
                with conn.connection.driver_connection.cursor() as cur:
                    with cur.copy(f"COPY {table} ({cols}) FROM STDIN (FORMAT csv)") as copy, csv.open("rb") as f:
                        while chunk := f.read(1 << 20):
                            copy.write(chunk)
                csv.unlink()
            else:
                reader = con.execute(sql)
                marks = ", ".join("?" * len(cols.split(",")))
                while rows := reader.fetchmany(100_000):
                    conn.exec_driver_sql(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE region; ANALYZE application; ANALYZE register_household; "
                              "ANALYZE register_member"))
    counts = con.execute(f"SELECT (SELECT COUNT(*) FROM hh), (SELECT COUNT(*) FROM read_parquet('{rm_file}'))"
                         ).fetchone()
    con.close()
    return counts  # type: ignore[return-value]


class TablesSnapshot:
    """What `crosscheck run` reads (`RegisterTablesSnapshot` over the register's tables, in its own session, under
    the bench's key); keeps a copy of the files it wrote so the bench can check them against the generated
    register."""

    def __init__(self, scope, keep: Path) -> None:
        self.scope, self.keep = scope, keep

    def write(self, directory: Path) -> None:
        with self.scope() as session:
            contract.RegisterTablesSnapshot(session, KEY, "/").write(directory)
        self.keep.mkdir(exist_ok=True)
        for name in (contract.HOUSEHOLDS_FILE, contract.MEMBERS_FILE):
            shutil.copyfile(directory / name, self.keep / name)


def row_by_row_snapshot(session: Session, key: str, directory: Path) -> None:
    """The baseline for the register snapshot: how `RegisterTablesSnapshot` read the tables before its bulk read,
    row by row through SQLAlchemy (households 5,000 at a time, their members by an IN list, `declared()` and a list
    append per row), writing the same two files."""
    from portal.applications.models import Application
    from portal.register.models import STATUS_ACTIVE, Household, Member

    out = contract._Writer(directory)
    stmt = (select(Household.id, Household.code, Household.region_path, Application.answers)
            .outerjoin(Application, Application.id == Household.application_id)
            .where(Household.status == STATUS_ACTIVE).order_by(Household.id))

    def flush(rows: list) -> None:
        members: dict[int, list[str]] = {}
        for hid, h in session.execute(select(Member.household_id, Member.id_hash)
                                      .where(Member.household_id.in_([r.id for r in rows])).order_by(Member.id)):
            members.setdefault(hid, []).append(h)
        for r in rows:
            hh, incomes = contract.declared(r.answers, key)
            hashes = members.get(r.id, [])
            out.household({"household_id": r.code, "region_path": r.region_path,
                           "township_code": contract.township_of(r.region_path), "size": len(hashes), **hh})
            for h in hashes:
                out.member(r.code, h, incomes.get(h, 0))

    batch: list = []
    for row in session.execute(stmt.execution_options(yield_per=5000)):
        batch.append(row)
        if len(batch) >= 5000:
            flush(batch)
            batch = []
    if batch:
        flush(batch)
    out.close()


def same_snapshot(a: Path, b: Path) -> bool:
    con = duckdb.connect()
    try:
        for name in (contract.HOUSEHOLDS_FILE, contract.MEMBERS_FILE):
            differ = con.execute(f"SELECT COUNT(*) FROM ((SELECT * FROM read_parquet('{a / name}') EXCEPT ALL "
                                 f"SELECT * FROM read_parquet('{b / name}')) UNION ALL (SELECT * FROM "
                                 f"read_parquet('{b / name}') EXCEPT ALL SELECT * FROM read_parquet('{a / name}')))"
                                 ).fetchone()[0]
            if differ:
                return False
        return True
    finally:
        con.close()


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the 2.91 million households")
    parser.add_argument("--workdir", help="keep the files here (default: a temporary directory)")
    parser.add_argument("--db", choices=("sqlite", "pg"), default="sqlite")
    parser.add_argument("--pg-url", default=os.environ.get("PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument("--snapshot-baseline", action="store_true",
                        help="also time the register snapshot row by row (the read it replaced) against the bulk read")
    args = parser.parse_args()
    if args.db == "sqlite":
        return measure(args, lambda tmp: make_engine(f"sqlite:///{tmp / 'bench.db'}"))
    admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{PG_DB}"'))
    url = make_url(args.pg_url).set(database=PG_DB)
    try:
        return measure(args, lambda tmp: make_engine(url.render_as_string(hide_password=False)))
    finally:
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        admin.dispose()


def measure(args: argparse.Namespace, engine_for) -> int:
    if args.workdir:
        Path(args.workdir).mkdir(parents=True, exist_ok=True)
        return measure_in(args, engine_for, Path(args.workdir))
    # the generated files of a full-size run take several GB: never left behind
    with tempfile.TemporaryDirectory(prefix="verify-bench-") as tmp:
        return measure_in(args, engine_for, Path(tmp))


def measure_in(args: argparse.Namespace, engine_for, tmp: Path) -> int:
    n = int(FULL_HOUSEHOLDS * args.scale)
    files, data = tmp / "files", tmp / "data"
    files.mkdir(exist_ok=True)
    phases: list[tuple[str, float]] = []

    def phase(name: str, since: float) -> float:
        now = time.perf_counter()
        phases.append((name, now - since))
        print(f"  {name:<56} {now - since:8.1f} s   peak {peak_mb():7.0f} MB", flush=True)
        return now

    print(f"synthetic province: {n:,} households (scale {args.scale}) in {tmp}; database: {args.db}")
    t = time.perf_counter()
    gen = duckdb.connect(str(tmp / "gen.duckdb"))
    gen.execute("SET threads = 2")
    gen.execute(f"SET memory_limit = '{duck.MEMORY}'")
    counts = generate(gen, n, files)
    expected = planted(gen)
    gen.close()
    records = sum(v for k, v in counts.items() if k not in ("households", "members"))
    print(f"  households {counts['households']:,}, members {counts['members']:,}, department records {records:,} "
          f"({', '.join(f'{k} {v:,}' for k, v in counts.items() if k not in ('households', 'members'))}), "
          f"planted findings {len(expected):,}")
    t = phase("generate (not counted)", t)
    start = t

    engine = engine_for(tmp)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)

    @contextmanager
    def scope():
        s = Session(engine, expire_on_commit=False)
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    with scope() as session:
        province = Region(code="13", name="province", level=RegionLevel.PROVINCE, path="/13/")
        session.add(province)
        session.flush()
        province_id = province.id
        for rule, params in PARAMS.items():
            vs.add_rule(session, "bench", province.path, province.id, rule, params, date(2026, 1, 1), "bench-1")
    households, members = load_register(engine, files, tmp, province_id)
    t = phase(f"register tables ({households:,} + {members:,}; setup, not counted)", t)
    if args.snapshot_baseline:
        old_dir, new_dir = tmp / "snapshot-row-by-row", tmp / "snapshot-bulk"
        old_dir.mkdir(exist_ok=True)
        new_dir.mkdir(exist_ok=True)
        with scope() as session:
            row_by_row_snapshot(session, KEY, old_dir)
        t = phase("baseline: snapshot row by row", t)
        with scope() as session:
            contract.RegisterTablesSnapshot(session, KEY, "/").write(new_dir)
        t = phase("snapshot, bulk read", t)
        for name, d in (("row by row", old_dir), ("bulk", new_dir)):
            same = same_snapshot(files, d)
            print(f"  snapshot {name} identical to the generated register: {'yes' if same else 'NO'}")
            if not same:
                return 1
        shutil.rmtree(old_dir)
        shutil.rmtree(new_dir)
        t = time.perf_counter()

    start = t
    for kind in ("deposits", "real_estate", "vehicles", "business", "hukou", "income", "public_staff"):
        with scope() as session:
            result = vs.load_source(session, kind, files / f"{kind}.parquet", as_of=date(2026, 6, 30),
                                    loaded_by="bench", data_dir=data, id_key=KEY)
        t = phase(f"load {kind} ({result.rows:,}, keyed by ID number)", t)

    batch_files = [str(p) for p in (data / "verification" / "batches").rglob("*.parquet")]
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute(f"SELECT COUNT(*), SUM(hash(id_hash)) FROM read_parquet({batch_files!r})").fetchall()
    con.close()
    scan = time.perf_counter() - t
    t = phase("baseline: one DuckDB scan of the batches", t)

    kept = tmp / "snapshot-kept"
    snap = TablesSnapshot(scope, kept)
    summary = vs.run("bench", snapshot=snap, on=date(2026, 7, 1), session_factory=scope, data_dir=data)
    for name, secs in summary.phases.items():
        print(f"    run: {name:<28} {secs:8.1f} s")
    t = phase("re-verification run (snapshot from the tables)", t)
    total = time.perf_counter() - start - scan
    same = same_snapshot(files, kept)
    print(f"  the run's snapshot identical to the generated register: {'yes' if same else 'NO'}")
    with scope() as session:
        got = {(f.rule, f.household_id, f.member_id_hash or "") for f in session.execute(
            select(Finding.rule, Finding.household_id, Finding.member_id_hash))}
    t = time.perf_counter()
    again = vs.run("bench", snapshot=snap, on=date(2026, 7, 1), session_factory=scope, data_dir=data)
    for name, secs in again.phases.items():
        print(f"    re-run: {name:<25} {secs:8.1f} s")
    t = phase("re-run, unchanged data", t)
    right = len(got & expected)
    precision = right / len(got) if got else 1.0
    recall = right / len(expected) if expected else 1.0
    print(f"load 7 department files + run from the register's tables, end to end: {total:.1f} s "
          f"(the baseline scan not included); peak memory {peak_mb():.0f} MB")
    print(f"findings {len(got):,}, planted {len(expected):,}: precision {precision:.4f}, recall {recall:.4f}")
    print(f"re-run: {again.found_new} new, {again.found_open} open, {again.resolved} resolved")
    for rule in BUCKET:
        g = {x for x in got if x[0] == rule}
        e = {x for x in expected if x[0] == rule}
        if g != e:
            print(f"  {rule}: {len(g - e)} unexpected, {len(e - g)} missed", file=sys.stderr)
    engine.dispose()
    ok = precision == 1.0 and recall == 1.0 and again.found_new == 0 and same
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
