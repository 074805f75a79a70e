"""What the verification engine reads about the households it verifies: two Parquet files (the input contract).

The engine never queries the register's tables; a `RegisterSnapshot` writes the active households and their
members as Parquet, and DuckDB joins them with the department batches. Columns (docs/verification.md):

  households.parquet  household_id VARCHAR, region_path VARCHAR (the village's or township's materialised path,
                      "/13/1301/130102/130102001/..."), township_code VARCHAR, size INTEGER,
                      declared_deposits_fen BIGINT, declared_vehicles INTEGER, declared_houses INTEGER
  members.parquet     household_id VARCHAR, id_hash VARCHAR (the register's keyed hash of the ID number, 64 hex),
                      declared_income_fen BIGINT (the member's declared monthly income)

Only active households belong in the snapshot. `RegisterTablesSnapshot` is the production one (the recipient
register's active households, members hashed by the register itself); `ParquetSnapshot` takes files made elsewhere
(the benchmark); `CaseSnapshot` is one application's household for the check at acceptance.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from portal.applications.models import Application
from portal.register import rules as id_rules
from portal.register.models import STATUS_ACTIVE, Household, Member
from portal.verification import duck

HOUSEHOLDS = pa.schema([("household_id", pa.string()), ("region_path", pa.string()), ("township_code", pa.string()),
                        ("size", pa.int32()), ("declared_deposits_fen", pa.int64()),
                        ("declared_vehicles", pa.int32()), ("declared_houses", pa.int32())])
MEMBERS = pa.schema([("household_id", pa.string()), ("id_hash", pa.string()), ("declared_income_fen", pa.int64())])
HOUSEHOLDS_FILE = "households.parquet"
# The least bulk-read block for applications' answers: a whole row must fit in one (the wizard's answers are a few
# kilobytes; a household of twenty members stays well under this).
ANSWERS_BYTES = 1 << 20
MEMBERS_FILE = "members.parquet"


def id_hash(id_number: str, key: str) -> str:
    """The keyed hash members and department records are joined on: the register's own index hash
    (`register.rules.id_hash`, HMAC-SHA256 under the portal's secret key), so a department record keyed by it
    matches the register's `Member.id_hash` without the engine ever reading an ID number."""
    return id_rules.id_hash(key, id_number)


class SnapshotError(ValueError):
    pass


class RegisterSnapshot(Protocol):
    def write(self, directory: Path) -> None:
        """Write HOUSEHOLDS_FILE and MEMBERS_FILE (schemas above) into `directory`."""


def check_schema(path: Path, schema: pa.Schema) -> None:
    have = pq.read_schema(path)
    missing = [f.name for f in schema if f.name not in have.names]
    if missing:
        raise SnapshotError(f"{path.name}: missing columns {', '.join(missing)}")


class ParquetSnapshot:
    """Households and members already written as Parquet (by the register's export, or by the benchmark)."""

    def __init__(self, households: Path, members: Path) -> None:
        self.households, self.members = Path(households), Path(members)

    def write(self, directory: Path) -> None:
        check_schema(self.households, HOUSEHOLDS)
        check_schema(self.members, MEMBERS)
        for src, name in ((self.households, HOUSEHOLDS_FILE), (self.members, MEMBERS_FILE)):
            target = directory / name
            try:
                target.hardlink_to(src)
            except OSError:
                shutil.copyfile(src, target)


def declared(answers: dict | None, key: str) -> tuple[dict, dict[str, int]]:
    """What an application declared: the household's assets, and each member's monthly income by id_hash."""
    answers = answers or {}
    assets = answers.get("assets") or {}

    def num(v: object) -> int:
        try:
            return int(v or 0)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            return 0

    household = {"declared_deposits_fen": num(assets.get("deposits")), "declared_vehicles": num(assets.get("vehicles")),
                 "declared_houses": num(assets.get("houses"))}
    incomes: dict[str, int] = {}
    for m in answers.get("members") or []:
        if isinstance(m, dict) and m.get("id_number"):
            incomes[id_hash(str(m["id_number"]), key)] = sum(num(v) for v in (m.get("incomes") or {}).values())
    return household, incomes


_PATH = re.compile(r"/(?:\d+/)*")
_CODE = re.compile(r"[A-Za-z0-9_-]{1,64}")


def township_of(region_path: str) -> str:
    parts = [p for p in region_path.split("/") if p]
    return parts[3] if len(parts) > 3 else ""


class _Writer:
    """Households and members written in row groups, so the register never sits in memory whole."""

    GROUP = 50_000

    def __init__(self, directory: Path) -> None:
        self.hh = pq.ParquetWriter(directory / HOUSEHOLDS_FILE, HOUSEHOLDS)
        self.mem = pq.ParquetWriter(directory / MEMBERS_FILE, MEMBERS)
        self.hh_rows: dict[str, list] = {f.name: [] for f in HOUSEHOLDS}
        self.mem_rows: dict[str, list] = {f.name: [] for f in MEMBERS}

    def household(self, row: dict) -> None:
        for k in self.hh_rows:
            self.hh_rows[k].append(row[k])
        if len(self.hh_rows["household_id"]) >= self.GROUP:
            self._flush()

    def member(self, household_id: str, member_hash: str, income_fen: int) -> None:
        self.mem_rows["household_id"].append(household_id)
        self.mem_rows["id_hash"].append(member_hash)
        self.mem_rows["declared_income_fen"].append(income_fen)

    def _flush(self) -> None:
        self.hh.write_table(pa.table(self.hh_rows, schema=HOUSEHOLDS))
        self.mem.write_table(pa.table(self.mem_rows, schema=MEMBERS))
        for rows in (self.hh_rows, self.mem_rows):
            for v in rows.values():
                v.clear()

    def close(self) -> None:
        self._flush()
        self.hh.close()
        self.mem.close()


class RegisterTablesSnapshot:
    """The recipient register's ACTIVE households (`register_household`, `register_member`), read in bulk.

    `id_hash` is the register's stored keyed hash, so department records hashed with the same key match. Declared
    values come from the application that admitted the household (assets, each member's monthly income); a household
    imported from an older system declared nothing here, so its declared values are 0. `region_path` limits the
    snapshot to one region; `household_codes` to the households a caller names.

    A province's register is millions of rows: households and members are fetched through the driver's own cursor in
    chunks of `CHUNK` rows (server-side on PostgreSQL), each chunk handed to DuckDB as one Arrow table, and DuckDB
    counts the members, derives the township, adds what the applications declared and writes both files. Python
    touches each row once, as a tuple in a chunk; the answers of households admitted through an application come
    the same way, as JSON text, and are parsed once each for what they declared. Both files are written beside their final names and renamed into place, members last,
    so an interrupted snapshot never leaves a members file a resumed run would take for a whole one."""

    CHUNK = 100_000

    def __init__(self, session: Session, key: str, region_path: str = "/",
                 household_codes: Iterable[str] | None = None) -> None:
        # The statements are sent with their values inlined (PostgreSQL's COPY takes no parameters): only a region
        # path and household codes of the shapes the register stores ever reach them.
        if not _PATH.fullmatch(region_path):
            raise ValueError(f"not a region path: {region_path[:40]!r}")
        self.codes = list(household_codes) if household_codes is not None else None
        if self.codes is not None and not all(isinstance(c, str) and _CODE.fullmatch(c) for c in self.codes):
            raise ValueError("household codes are letters, digits and - _ only")
        self.session, self.key, self.region_path = session, key, region_path

    def _active(self, stmt):
        stmt = stmt.where(Household.status == STATUS_ACTIVE)
        if self.region_path != "/":
            stmt = stmt.where(Household.region_path >= self.region_path, Household.region_path < self.region_path + "~")
        if self.codes is not None:
            stmt = stmt.where(Household.code.in_(self.codes))
        return stmt

    def _chunks(self, stmt, schema: pa.Schema, longest_row: int = 64) -> Iterator[pa.Table]:
        """The rows of `stmt` as Arrow tables of up to about CHUNK rows, straight from the driver: PostgreSQL sends
        them as CSV (`COPY … TO STDOUT`) parsed by Arrow, in blocks of about CHUNK rows and never smaller than
        `longest_row` bytes (a block must hold a whole row); SQLite's own cursor hands out tuples. SQLAlchemy's result rows would cost more than the read
        itself at this size."""
        conn = self.session.connection()
        sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        raw = conn.connection.driver_connection
        if conn.dialect.name == "postgresql":
            yield from _copy_chunks(raw, sql, schema, max(self.CHUNK * 64, longest_row))
            return
        cur = raw.cursor()
        try:
            cur.execute(sql)
            while rows := cur.fetchmany(self.CHUNK):
                columns = list(zip(*rows))
                yield pa.table([pa.array(c, type=f.type) for c, f in zip(columns, schema)], schema=schema)
        finally:
            cur.close()

    def write(self, directory: Path) -> None:
        directory = Path(directory)
        parts = {name: directory / (name + ".part") for name in (HOUSEHOLDS_FILE, MEMBERS_FILE)}
        # Staged in memory (DuckDB spills to the run's directory past its memory limit): a database file would be
        # written whole only to be read once.
        con = duck.connect(":memory:", directory)
        try:
            self._stage(con)
            con.execute(f"""COPY (SELECT h.code AS household_id, h.region_path,
                    coalesce(split_part(h.region_path, '/', 5), '') AS township_code,
                    CAST(coalesce(n.size, 0) AS INTEGER) AS size,
                    CAST(coalesce(d.declared_deposits_fen, 0) AS BIGINT) AS declared_deposits_fen,
                    CAST(coalesce(d.declared_vehicles, 0) AS INTEGER) AS declared_vehicles,
                    CAST(coalesce(d.declared_houses, 0) AS INTEGER) AS declared_houses
                FROM h LEFT JOIN (SELECT household_id, COUNT(*) AS size FROM m GROUP BY 1) n ON n.household_id = h.id
                LEFT JOIN d ON d.household_id = h.id)
                TO '{parts[HOUSEHOLDS_FILE]}' (FORMAT parquet)""")
            con.execute(f"""COPY (SELECT h.code AS household_id, m.id_hash,
                    CAST(coalesce(i.declared_income_fen, 0) AS BIGINT) AS declared_income_fen
                FROM m JOIN h ON h.id = m.household_id
                LEFT JOIN i ON i.household_id = m.household_id AND i.id_hash = m.id_hash)
                TO '{parts[MEMBERS_FILE]}' (FORMAT parquet)""")
        finally:
            con.close()
        for name in (HOUSEHOLDS_FILE, MEMBERS_FILE):
            parts[name].replace(directory / name)

    def _stage(self, con) -> None:
        """Tables h (active households), m (their members), d (what applications declared per household) and i
        (per member), keyed by the register's household id."""
        hh_schema = pa.schema([("id", pa.int64()), ("code", pa.string()), ("region_path", pa.string())])
        mem_schema = pa.schema([("household_id", pa.int64()), ("id_hash", pa.string())])
        con.execute("CREATE TABLE h (id BIGINT, code VARCHAR, region_path VARCHAR)")
        con.execute("CREATE TABLE m (household_id BIGINT, id_hash VARCHAR)")
        for table, stmt, schema in (
                ("h", self._active(select(Household.id, Household.code, Household.region_path)), hh_schema),
                ("m", self._active(select(Member.household_id, Member.id_hash)
                                   .join(Household, Household.id == Member.household_id)), mem_schema)):
            for chunk in self._chunks(stmt, schema):
                con.register("chunk", chunk)
                con.execute(f"INSERT INTO {table} SELECT * FROM chunk")
                con.unregister("chunk")
        decl_schema = pa.schema([("household_id", pa.int64()), ("declared_deposits_fen", pa.int64()),
                                 ("declared_vehicles", pa.int64()), ("declared_houses", pa.int64())])
        income_schema = pa.schema([("household_id", pa.int64()), ("id_hash", pa.string()),
                                   ("declared_income_fen", pa.int64())])
        con.execute("CREATE TABLE d (household_id BIGINT, declared_deposits_fen BIGINT, declared_vehicles BIGINT, "
                    "declared_houses BIGINT)")
        con.execute("CREATE TABLE i (household_id BIGINT, id_hash VARCHAR, declared_income_fen BIGINT)")
        decl: dict[str, list] = {name: [] for name in decl_schema.names}
        incomes: dict[str, list] = {name: [] for name in income_schema.names}

        def flush() -> None:  # a chunk at a time, like the households and members: memory stays bounded
            for table, columns, schema in (("d", decl, decl_schema), ("i", incomes, income_schema)):
                if columns["household_id"]:
                    con.register("chunk", pa.table(columns, schema=schema))
                    con.execute(f"INSERT INTO {table} SELECT * FROM chunk")
                    con.unregister("chunk")
                    for values in columns.values():
                        values.clear()

        # The answers arrive as JSON text through the same bulk read and are parsed here: SQLAlchemy's JSON type
        # would parse them too, but through a result row per household.
        answers_schema = pa.schema([("household_id", pa.int64()), ("answers", pa.string())])
        stmt = self._active(select(Household.id, cast(Application.answers, Text))
                            .join(Application, Application.id == Household.application_id))
        for chunk in self._chunks(stmt, answers_schema, longest_row=ANSWERS_BYTES):
            for hid, text in zip(chunk.column(0).to_pylist(), chunk.column(1).to_pylist()):
                hh, member_incomes = declared(_json(text), self.key)
                decl["household_id"].append(hid)
                for k, v in hh.items():
                    decl[k].append(v)
                for h, fen in member_incomes.items():
                    incomes["household_id"].append(hid)
                    incomes["id_hash"].append(h)
                    incomes["declared_income_fen"].append(fen)
            flush()


def _json(text: str | None) -> dict | None:
    """Stored answers as a dict; NULL, empty or anything but a JSON object declares nothing."""
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


class _CopyStream(io.RawIOBase):
    """A PostgreSQL `COPY … TO STDOUT` read as a file (for Arrow's CSV reader)."""

    def __init__(self, copy) -> None:
        self.copy, self.pending = copy, memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self.pending:
            data = self.copy.read()
            if not data:
                return 0
            self.pending = memoryview(data)
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


def _copy_chunks(raw, sql: str, schema: pa.Schema, block: int) -> Iterator[pa.Table]:
    from pyarrow import csv

    with raw.cursor() as cur, cur.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy:
        stream = io.BufferedReader(_CopyStream(copy), 1 << 20)
        if not stream.peek(1):  # no rows: Arrow refuses an empty CSV
            return
        reader = csv.open_csv(stream,
                              read_options=csv.ReadOptions(column_names=schema.names, block_size=block),
                              # JSON text may hold line breaks inside its quoted field
                              parse_options=csv.ParseOptions(newlines_in_values=True),
                              convert_options=csv.ConvertOptions(column_types=schema))
        for batch in reader:
            yield pa.Table.from_batches([batch], schema=schema)


class CaseSnapshot:
    """One application's household, as declared, for the check at acceptance (受理). Its members are compared with
    the latest batches; for the duplicate rule the snapshot also carries the register's active households that list
    one of them (found through the keyed hash index, never a scan)."""

    def __init__(self, session: Session, app: Application, key: str) -> None:
        self.session, self.app, self.key = session, app, key

    def others(self, hashes: list[str]) -> list[tuple[str, str, str]]:
        """(code, region_path, id_hash) of the ACTIVE register households, other than this case's, listing one of
        `hashes`. Two index look-ups, members by the keyed-hash index and then their households by primary key,
        rather than one join: PostgreSQL without statistics on the register (right after a bulk import, before
        autovacuum has analysed it) plans that join as a scan of every household (≈140 ms at 100,000 households,
        against well under a millisecond for the two look-ups)."""
        found = self.session.execute(select(Member.household_id, Member.id_hash)
                                     .where(Member.id_hash.in_(hashes))).all()
        if not found:
            return []
        households = {hid: (code, path) for hid, code, path in self.session.execute(
            select(Household.id, Household.code, Household.region_path).where(
                Household.id.in_(sorted({hid for hid, _h in found})), Household.status == STATUS_ACTIVE,
                Household.code != self.app.number))}
        return [(*households[hid], h) for hid, h in found if hid in households]

    def write(self, directory: Path) -> None:
        out = _Writer(directory)
        hh, incomes = declared(self.app.answers, self.key)
        path = self.app.region_path or "/"
        out.household({"household_id": self.app.number, "region_path": path, "township_code": township_of(path),
                       "size": len((self.app.answers or {}).get("members") or []), **hh})
        for h, income in incomes.items():
            out.member(self.app.number, h, income)
        if incomes:
            for code, region_path, h in self.others(list(incomes)):
                # Other households are context for the duplicate rule only: the engine verifies `case_household`.
                out.household({"household_id": code, "region_path": region_path,
                               "township_code": township_of(region_path), "size": 0,
                               "declared_deposits_fen": 0, "declared_vehicles": 0, "declared_houses": 0})
                out.member(code, h, 0)
        out.close()
