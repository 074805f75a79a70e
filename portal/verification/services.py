"""Loading department batches and re-verifying the register (DuckDB over Parquet).

`load_source` validates a department file (CSV in UTF-8, UTF-8 with BOM or GBK; or Parquet) as a whole: every bad
line is reported as file, line, column and reason, and a file with any error loads nothing. A good file becomes one
typed Parquet file under the private data directory plus one `SourceBatch` row; the same content loaded again is a
no-op. `run` compares every active household of a snapshot (contract.py) with the latest batch of each kind, rule
by rule in DuckDB, then writes the findings township by township; each step is checkpointed on the
`VerificationRun` row, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from portal.kernel.errors import DomainError
from portal.applications.eligibility.rules import ParamRow
from portal.kernel import audit, text_rules
from portal.kernel.db import insert_rows
from portal.kernel.base import utcnow
from portal.kernel.settings import get_settings
from portal.kernel.workdays import china_date, china_today
from portal.regions import services as regions
from portal.verification import contract, duck
from portal.verification import rules as vr
from portal.verification.models import (CASE_RESOLUTIONS, FINDING_NEW, FINDING_OPEN, FINDING_RESOLVED, RUN_ABANDONED, RUN_DONE,
                                        REGISTER_RESOLUTIONS, RUN_INTERRUPTED, RUN_RUNNING, SCOPE_CASE, SCOPE_REGISTER, ConsentGrant, Finding,
                                        SourceBatch, VerificationRule, VerificationRun)

SessionFactory = Callable[[], AbstractContextManager[Session]]
CHUNK = 1 << 20
HASH_SLICE = 100_000  # ID numbers hashed per step when a file is keyed by them


def _data_dir(data_dir: Path | None) -> Path:
    return Path(data_dir) if data_dir else get_settings().data_dir


# --- loading a department file --------------------------------------------------------------------------------

@dataclass(frozen=True)
class LoadProblem:
    file: str
    line: int  # 0: the file as a whole; CSV: the line (the header is line 1); Parquet: the row (from 1)
    column: str
    reason: str  # a catalog key (verify.err_*)
    detail: str = ""


class LoadError(Exception):
    def __init__(self, problems: list[LoadProblem], total: int | None = None) -> None:
        super().__init__(f"{total or len(problems)} problem(s)")
        self.problems = problems
        self.total = total if total is not None else len(problems)


@dataclass(frozen=True)
class LoadResult:
    batch_id: int
    rows: int
    already_loaded: bool


def _file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _encoding(path: Path) -> str:
    """utf-8, utf-8-sig (with BOM) or gb18030 (GBK's superset), by decoding the whole file incrementally."""
    with path.open("rb") as fh:
        bom = fh.read(3) == codecs.BOM_UTF8
    for enc in (("utf-8-sig",) if bom else ("utf-8", "gb18030")):
        decoder = codecs.getincrementaldecoder(enc)()
        try:
            with path.open("rb") as fh:
                while chunk := fh.read(CHUNK):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            return enc
        except UnicodeDecodeError:
            continue
    raise LoadError([LoadProblem(path.name, 0, "", "verify.err_encoding")])


def _as_utf8(path: Path, enc: str, workdir: Path) -> Path:
    """DuckDB reads plain UTF-8 only (its other encodings need a download): re-encode BOM and GBK files."""
    if enc == "utf-8":
        return path
    target = workdir / "utf8.csv"
    with path.open("r", encoding=enc, newline="") as src, target.open("w", encoding="utf-8", newline="") as dst:
        shutil.copyfileobj(src, dst, CHUNK)
    return target


def _read_raw(con: duckdb.DuckDBPyConnection, path: Path, name: str, workdir: Path) -> int:
    """Stage the file as table `raw` (all VARCHAR, insertion order = file order); returns the line offset."""
    if path.suffix.lower() == ".parquet":
        try:
            con.execute("CREATE TABLE raw AS SELECT CAST(COLUMNS(*) AS VARCHAR) FROM read_parquet(?)", [str(path)])
        except duckdb.Error as exc:
            raise LoadError([LoadProblem(name, 0, "", "verify.err_parquet", str(exc).splitlines()[0])]) from None
        return 1
    if path.stat().st_size == 0:
        raise LoadError([LoadProblem(name, 0, "", "verify.err_empty")])
    utf8 = _as_utf8(path, _encoding(path), workdir)
    try:
        con.execute("CREATE TABLE raw AS SELECT * FROM read_csv(?, header = true, all_varchar = true, delim = ',', "
                    "quote = '\"', escape = '\"', strict_mode = true, auto_detect = true)", [str(utf8)])
    except duckdb.Error as exc:
        raise LoadError([LoadProblem(name, 0, "", "verify.err_csv", str(exc).splitlines()[0][:300])]) from None
    return 2


def validate(con: duckdb.DuckDBPyConnection, spec: vr.SourceSpec, name: str, offset: int) -> str:
    """Raise LoadError listing the bad lines of `raw`; returns the person column of a good file."""
    header = [row[0] for row in con.execute("SELECT column_name FROM (DESCRIBE raw)").fetchall()]
    problem = vr.file_columns_problem(spec, header)
    if problem:
        raise LoadError([LoadProblem(name, 1 if offset == 2 else 0, "", problem[0], problem[1])])
    if con.execute("SELECT COUNT(*) FROM raw").fetchone()[0] == 0:  # type: ignore[index]
        raise LoadError([LoadProblem(name, 0, "", "verify.err_empty")])
    person = next(h for h in header if h in vr.PERSON_COLUMNS)
    checks = [(person, vr.column_check_sql(person))]
    checks += [(c.name, vr.column_check_sql(c, c.name in header)) for c in spec.columns]
    parts = [f"SELECT rowid + {offset} AS line, '{col}' AS col, reason, '' AS detail FROM "
             f"(SELECT rowid, {sql} AS reason FROM raw) WHERE reason IS NOT NULL" for col, sql in checks]
    everything = ", ".join(f'"{h}"' for h in header)
    parts.append(f"SELECT line, '' AS col, 'verify.err_duplicate' AS reason, CAST(first AS VARCHAR) AS detail FROM "
                 f"(SELECT rowid + {offset} AS line, MIN(rowid + {offset}) OVER (PARTITION BY {everything}) AS first "
                 f"FROM raw) WHERE line > first")
    con.execute("CREATE TEMP TABLE problems AS " + " UNION ALL ".join(parts))
    total = con.execute("SELECT COUNT(*) FROM problems").fetchone()[0]  # type: ignore[index]
    if total:
        rows = con.execute("SELECT line, col, reason, detail FROM problems ORDER BY line, col LIMIT ?",
                           [vr.MAX_ERRORS_REPORTED]).fetchall()
        raise LoadError([LoadProblem(name, line, col, reason, detail) for line, col, reason, detail in rows], total)
    return person


def _typed(spec: vr.SourceSpec, path: Path, work: Path, id_key: str | None, *,
           small: bool = False) -> tuple[Path, int]:
    """Validate a department file whole (LoadError listing its problems) and write it typed to work/batch.parquet.
    `small`: a case's online answer (a few records), staged in the process's DuckDB workspace: creating a database
    file, or even an in-memory database, costs more than the whole validation of such an answer."""
    if small:
        with duck.workspace() as con:
            return _typed_in(con, spec, path, work, id_key)
    con = duck.connect(str(work / "load.duckdb"), work)
    try:
        return _typed_in(con, spec, path, work, id_key)
    finally:
        con.close()


def _typed_in(con: duckdb.DuckDBPyConnection, spec: vr.SourceSpec, path: Path, work: Path,
              id_key: str | None) -> tuple[Path, int]:
    """`_typed` on a DuckDB connection the caller owns."""
    offset = _read_raw(con, path, path.name, work)
    person = validate(con, spec, path.name, offset)
    header = {r[0] for r in con.execute("SELECT column_name FROM (DESCRIBE raw)").fetchall()}
    source = "raw"
    if person == "id_number":
        # The keyed hash is HMAC (no DuckDB function): hash each distinct number once, join it back. A department's
        # file names millions of people: the numbers and hashes stay Arrow columns, and only a slice of them is ever
        # Python strings at once.
        numbers = con.sql("SELECT DISTINCT trim(id_number) AS n FROM raw").to_arrow_table().column(
            "n").combine_chunks()
        key = id_key or get_settings().secret_key
        hashes = [pa.array([contract.id_hash(x, key) for x in numbers.slice(at, HASH_SLICE).to_pylist()], pa.string())
                  for at in range(0, len(numbers), HASH_SLICE)]
        con.register("id_map", pa.table({"n": numbers, "h": pa.concat_arrays(hashes) if hashes
                                         else pa.array([], pa.string())}))
        source = "raw JOIN id_map ON id_map.n = trim(raw.id_number)"
        who = "id_map.h AS id_hash"
    else:
        who = "trim(id_hash) AS id_hash"
    cols = ", ".join([who] + [vr.typed_column_sql(c, c.name in header) for c in spec.columns])
    part = work / "batch.parquet"
    con.execute(f"COPY (SELECT {cols} FROM {source} ORDER BY raw.rowid) TO '{part}' (FORMAT parquet, COMPRESSION zstd)")
    rows = con.execute("SELECT COUNT(*) FROM raw").fetchone()[0]  # type: ignore[index]
    return part, rows


def load_source(session: Session, kind: str, file: Path | str, *, as_of: date, loaded_by: str,
                data_dir: Path | None = None, id_key: str | None = None) -> LoadResult:
    """Validate and store one department file as a batch of `kind` (audited). Raises LoadError, nothing stored."""
    path = Path(file)
    if kind not in vr.SOURCES:
        raise LoadError([LoadProblem(path.name, 0, "", "verify.err_kind", kind)])
    if not path.is_file():
        raise LoadError([LoadProblem(path.name, 0, "", "verify.err_no_file")])
    spec = vr.SOURCES[kind]
    content_hash = _file_hash(path)
    existing = session.execute(select(SourceBatch).where(SourceBatch.kind == kind,
                                                         SourceBatch.content_hash == content_hash)).scalar_one_or_none()
    if existing is not None:
        return LoadResult(existing.id, existing.row_count, True)
    base = _data_dir(data_dir)
    rel = Path("verification") / "batches" / kind / f"{content_hash}.parquet"
    target = base / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        work = Path(tmp)
        part, rows = _typed(spec, path, work, id_key)
        os.replace(part, target)
    batch = SourceBatch(kind=kind, as_of=as_of, content_hash=content_hash, file_name=path.name[:255], path=str(rel),
                        row_count=rows, loaded_by=loaded_by)
    session.add(batch)
    session.flush()
    audit.record(session, loaded_by, "verification.batch_loaded", "verification_source_batch", batch.id,
                 after={"kind": kind, "as_of": as_of.isoformat(), "rows": rows, "sha256": content_hash,
                        "file": path.name})
    return LoadResult(batch.id, rows, False)


def latest_batches(session: Session) -> dict[str, SourceBatch]:
    """The batch each rule compares against: per kind, the latest as-of date (then the latest loaded)."""
    out: dict[str, SourceBatch] = {}
    for batch in session.execute(select(SourceBatch).order_by(SourceBatch.as_of, SourceBatch.id)).scalars():
        out[batch.kind] = batch
    return out


# --- rules as data ----------------------------------------------------------------------------------------------

class RuleError(DomainError):
    """A refused verification action; `key` is a message-catalog key."""


def add_rule(session: Session, actor, region_path: str, region_id: int, rule: str, params: dict,
             effective_from: date, document_no: str) -> VerificationRule:
    """Add a dated value of a rule's parameters for a region (the previous one stays in the history). Audited."""
    if rule not in vr.RULES:
        raise RuleError("verify.err_rule")
    try:
        params = vr.check_params(rule, params)
    except ValueError:
        raise RuleError("verify.err_rule_params") from None
    document_no = " ".join((document_no or "").split())
    if not document_no or len(document_no) > 80:
        raise RuleError("verify.err_rule_document")
    row = VerificationRule(region_id=region_id, region_path=region_path, rule=rule, params=params,
                           effective_from=effective_from, document_no=document_no,
                           created_by=actor if isinstance(actor, str) else actor.username)
    session.add(row)
    session.flush()
    audit.record(session, actor, "verification.rule_set", "verification_rule", row.id,
                 after={"rule": rule, "params": params, "effective_from": effective_from.isoformat(),
                        "document_no": document_no, "region_path": region_path})
    return row


def rule_rows(session: Session) -> list[ParamRow]:
    return [ParamRow(r.rule, r.params, r.effective_from, r.document_no, r.region_path, "", r.id)
            for r in session.execute(select(VerificationRule)).scalars()]


# --- the run ------------------------------------------------------------------------------------------------------

@dataclass
class RunSummary:
    run_id: int
    resumed: bool
    households: int = 0
    townships: int = 0
    found_new: int = 0
    found_open: int = 0
    resolved: int = 0
    skipped_rules: dict[str, str] = field(default_factory=dict)  # rule → why it did not run
    phases: dict[str, float] = field(default_factory=dict)  # seconds


Progress = Callable[[str, int, int], None]  # (phase, done, total)

HH_VIEW = ("SELECT household_id, region_path, township_code, size, declared_deposits_fen, declared_vehicles, "
           "declared_houses, regexp_extract(region_path, '^/[^/]+/[^/]+/[^/]+/') AS county_path, "
           "regexp_extract(region_path, '^/[^/]+/[^/]+/([^/]+)/', 1) AS county_code FROM read_parquet('{path}')")


def _start(sf: SessionFactory, actor: str, region_path: str) -> tuple[int, bool, dict[str, int]]:
    with sf() as session:
        batches = {k: b.id for k, b in latest_batches(session).items()}
        unfinished = session.execute(select(VerificationRun).where(
            VerificationRun.region_path == region_path,
            VerificationRun.status.in_((RUN_RUNNING, RUN_INTERRUPTED))).order_by(VerificationRun.id.desc())).scalars()
        for old in unfinished:
            if old.batches == batches:
                old.status = RUN_RUNNING
                audit.record(session, actor, "verification.run_resumed", "verification_run", old.id,
                             after={"checkpoint": old.checkpoint})
                return old.id, True, batches
            old.status = RUN_ABANDONED
        run = VerificationRun(region_path=region_path, batches=batches, started_by=actor, checkpoint={})
        session.add(run)
        session.flush()
        audit.record(session, actor, "verification.run_started", "verification_run", run.id,
                     after={"region_path": region_path, "batches": batches})
        return run.id, False, batches


def _checkpoint(session: Session, run_id: int, **changes) -> VerificationRun:
    run = session.get(VerificationRun, run_id)
    assert run is not None
    run.checkpoint = {**(run.checkpoint or {}), **changes}
    return run


def run(actor: str = "cli", region: str | None = None, *, snapshot: contract.RegisterSnapshot | None = None,
        on: date | None = None, progress: Progress | None = None, session_factory: SessionFactory | None = None,
        data_dir: Path | None = None) -> RunSummary:
    """Re-verify every active household (of `region`, a region code) against the latest batches."""
    import time

    from portal.kernel.db import session_scope

    sf: SessionFactory = session_factory or session_scope
    on = on or china_today()
    region_path = "/"
    if region:
        with sf() as session:
            found = regions.by_code(session, region)
            if found is None:
                raise RuleError("verify.err_region")
            region_path = found.path
    run_id, resumed, batch_ids = _start(sf, actor, region_path)
    summary = RunSummary(run_id, resumed)
    base = _data_dir(data_dir)
    workdir = base / "verification" / "runs" / str(run_id)
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        tick = time.perf_counter()
        if not (workdir / contract.MEMBERS_FILE).exists():
            if snapshot is None:
                with sf() as session:
                    contract.RegisterTablesSnapshot(session, get_settings().secret_key, region_path).write(workdir)
            else:
                snapshot.write(workdir)
        summary.phases["snapshot"] = time.perf_counter() - tick
        con = duck.connect(str(workdir / "run.duckdb"), workdir)
        try:
            _run_rules(con, sf, run_id, workdir, base, region_path, batch_ids, on, summary, progress)
            _write_findings(con, sf, run_id, batch_ids, summary, progress)
        finally:
            con.close()
    except BaseException:
        with sf() as session:
            row = session.get(VerificationRun, run_id)
            if row is not None and row.status == RUN_RUNNING:
                row.status = RUN_INTERRUPTED
        raise
    with sf() as session:
        row = session.get(VerificationRun, run_id)
        assert row is not None
        row.status, row.finished_at, row.progress_permille = RUN_DONE, utcnow(), 1000
        summary.found_new, summary.found_open, summary.resolved = row.found_new, row.found_open, row.resolved
        audit.record(session, actor, "verification.run_finished", "verification_run", run_id,
                     after={"households": summary.households, "townships": summary.townships,
                            "new": row.found_new, "open": row.found_open, "resolved": row.resolved,
                            "skipped": summary.skipped_rules})
    shutil.rmtree(workdir, ignore_errors=True)
    return summary


def _params_table(rule: str, by_county: dict[str, vr.RuleParams]) -> pa.Table:
    spec = vr.RULES[rule]
    cols: dict[str, list] = {"county_path": [], "rule_row_id": [], "document_no": []}
    for name in spec.params:
        cols[name] = []
    for path, p in sorted(by_county.items()):
        cols["county_path"].append(path)
        cols["rule_row_id"].append(p.rule_row_id)
        cols["document_no"].append(p.document_no)
        for name in spec.params:
            cols[name].append(p.values[name])
    types = {"county_path": pa.string(), "rule_row_id": pa.int64(), "document_no": pa.string()}
    for name, kind in spec.params.items():
        types[name] = pa.int64() if kind in (vr.P_MONEY, vr.P_COUNT) else pa.list_(pa.string())
    types["_"] = pa.int8()  # a rule without parameters still needs a table with a row per county
    cols["_"] = [0] * len(cols["county_path"])
    return pa.table(cols, schema=pa.schema([(k, types[k]) for k in cols]))


def _views(con, workdir: Path, region_path: str, only_household: str | None = None) -> None:
    """hh / mem: the households being verified (a region, or one case); mem_all: everyone, for the duplicate rule."""
    con.execute(f"CREATE OR REPLACE VIEW hh_all AS {HH_VIEW.format(path=workdir / contract.HOUSEHOLDS_FILE)}")
    if only_household is not None:
        con.execute("CREATE OR REPLACE VIEW hh AS SELECT * FROM hh_all WHERE household_id = "
                    + "'" + only_household.replace("'", "''") + "'")
    else:
        con.execute("CREATE OR REPLACE VIEW hh AS SELECT * FROM hh_all WHERE starts_with(region_path, ?)".replace(
            "?", "'" + region_path.replace("'", "''") + "'"))
    con.execute(f"CREATE OR REPLACE VIEW mem_all AS SELECT household_id, id_hash, declared_income_fen "
                f"FROM read_parquet('{workdir / contract.MEMBERS_FILE}')")
    con.execute("CREATE OR REPLACE VIEW mem AS SELECT * FROM mem_all WHERE household_id IN (SELECT household_id FROM hh)"
                if region_path != "/" or only_household is not None else
                "CREATE OR REPLACE VIEW mem AS SELECT * FROM mem_all")


def _run_rules(con, sf: SessionFactory, run_id: int, workdir: Path, base: Path, region_path: str,
               batch_ids: dict[str, int], on: date, summary: RunSummary, progress: Progress | None) -> None:
    import time

    _views(con, workdir, region_path)
    summary.households = con.execute("SELECT COUNT(*) FROM hh").fetchone()[0]  # type: ignore[index]
    counties = [r[0] for r in con.execute("SELECT DISTINCT county_path FROM hh").fetchall()]
    with sf() as session:
        params = vr.params_by_county(rule_rows(session), counties, on)
        paths = {b.kind: str(base / b.path) for b in session.execute(
            select(SourceBatch).where(SourceBatch.id.in_(list(batch_ids.values())))).scalars()}
        done = list((session.get(VerificationRun, run_id).checkpoint or {}).get("rules_done", []))  # type: ignore[union-attr]
    for key, spec in vr.RULES.items():
        if key in done:
            continue
        if key not in params:
            summary.skipped_rules[key] = "no_params"
            continue
        if spec.source is not None and spec.source not in paths:
            summary.skipped_rules[key] = "no_batch"
            continue
        tick = time.perf_counter()
        con.register("p_arrow", _params_table(key, params[key]))
        con.execute("CREATE OR REPLACE TABLE p AS SELECT * FROM p_arrow")
        con.unregister("p_arrow")
        if spec.source is not None:
            con.execute(f"CREATE OR REPLACE VIEW src AS SELECT * FROM read_parquet('{paths[spec.source]}')")
        batch = batch_ids.get(spec.source) if spec.source else None
        fp = vr.FINGERPRINT_SQL.format(rule=f"'{key}'")
        con.execute(f"CREATE OR REPLACE TABLE hits_{key} AS SELECT '{key}' AS rule, "
                    f"CAST({batch if batch else 'NULL'} AS BIGINT) AS batch_id, *, {fp} AS fingerprint "
                    f"FROM ({vr.rule_sql(key)})")
        con.execute("CHECKPOINT")
        done.append(key)
        with sf() as session:
            _checkpoint(session, run_id, rules_done=done, phase="rules")
        summary.phases[f"rule {key}"] = time.perf_counter() - tick
        if progress:
            progress("rules", len(done), len(vr.RULES))
    ran = [k for k in vr.RULES if k in done]
    with sf() as session:
        _checkpoint(session, run_id, rules_ran=ran)
    union = " UNION ALL ".join(f"SELECT * FROM hits_{k}" for k in ran) or (
        "SELECT NULL::VARCHAR AS rule, NULL::BIGINT AS batch_id, NULL::VARCHAR AS household_id, "
        "NULL::VARCHAR AS id_hash, NULL::VARCHAR AS declared, NULL::VARCHAR AS found, NULL::VARCHAR AS refs, "
        "NULL::VARCHAR AS township_code, NULL::VARCHAR AS county_code, NULL::BIGINT AS rule_row_id, "
        "NULL::VARCHAR AS document_no, NULL::VARCHAR AS fingerprint WHERE false")
    con.execute(f"CREATE OR REPLACE TABLE hits AS SELECT * FROM ({union}) ORDER BY township_code")


def _write_findings(con, sf: SessionFactory, run_id: int, batch_ids: dict[str, int], summary: RunSummary,
                    progress: Progress | None) -> None:
    import time

    tick = time.perf_counter()
    townships = [r[0] for r in con.execute("SELECT DISTINCT township_code FROM hh ORDER BY 1").fetchall()]
    summary.townships = len(townships)
    with sf() as session:
        run_row = session.get(VerificationRun, run_id)
        assert run_row is not None
        start = int((run_row.checkpoint or {}).get("townships_done", 0))
        ran = list((run_row.checkpoint or {}).get("rules_ran", []))
        as_of = {b.id: b.as_of for b in session.execute(select(SourceBatch).where(
            SourceBatch.id.in_(list(batch_ids.values())))).scalars()}
    columns = ["rule", "batch_id", "household_id", "id_hash", "declared", "found", "refs", "township_code",
               "county_code", "rule_row_id", "document_no", "fingerprint"]
    for i in range(start, len(townships)):
        code = townships[i]
        hits = [dict(zip(columns, row)) for row in con.execute(
            f"SELECT {', '.join(columns)} FROM hits WHERE township_code = ?", [code]).fetchall()]
        with sf() as session:
            new, seen, gone = _apply_township(session, run_id, code, hits, ran, as_of)
            row = _checkpoint(session, run_id, townships_done=i + 1, townships_total=len(townships), phase="write")
            row.found_new += new
            row.found_open += seen
            row.resolved += gone
            row.progress_permille = (i + 1) * 1000 // len(townships)
        if progress:
            progress("townships", i + 1, len(townships))
    summary.phases["write findings"] = time.perf_counter() - tick


def _apply_township(session: Session, run_id: int, township: str, hits: list[dict], ran: list[str],
                    as_of: dict[int, date]) -> tuple[int, int, int]:
    """Insert the township's new findings, mark the ones found again open and the ones gone resolved."""
    existing = {fp: (fid, status, rule) for fid, fp, status, rule in session.execute(
        select(Finding.id, Finding.fingerprint, Finding.status, Finding.rule)
        .where(Finding.township_code == township, Finding.scope == SCOPE_REGISTER))}
    now = utcnow()
    fresh, again = [], []
    for h in hits:
        if h["fingerprint"] in existing:
            again.append(existing[h["fingerprint"]][0])
            continue
        spec = vr.RULES[h["rule"]]
        fresh.append({"fingerprint": h["fingerprint"], "household_id": h["household_id"],
                      "member_id_hash": h["id_hash"] or None, "rule": h["rule"], "rule_row_id": h["rule_row_id"],
                      "document_no": h["document_no"] or "", "declared_value": (h["declared"] or "")[:200],
                      "found_value": (h["found"] or "")[:200], "source_batch_id": h["batch_id"],
                      "record_refs": (h["refs"] or "").split("|") if h["refs"] else [],
                      "as_of": as_of.get(h["batch_id"]) if h["batch_id"] else None, "severity": spec.severity,
                      "routed_to": spec.routed_to, "township_code": township, "county_code": h["county_code"] or "",
                      "status": FINDING_NEW, "first_run_id": run_id, "last_run_id": run_id,
                      "created_at": now, "updated_at": now})
    if fresh:
        session.execute(insert(Finding), fresh)
    hit_fps = {h["fingerprint"] for h in hits}
    gone = [fid for fp, (fid, status, rule) in existing.items()
            if fp not in hit_fps and status != FINDING_RESOLVED and rule in ran]
    for ids, values in ((again, {"status": FINDING_OPEN}), (gone, {"status": FINDING_RESOLVED})):
        for k in range(0, len(ids), 500):
            session.execute(update(Finding).where(Finding.id.in_(ids[k:k + 500]))
                            .values(last_run_id=run_id, updated_at=now, **values))
    return len(fresh), len(again), len(gone)


def counts_by_township(session: Session, region_path: str = "/") -> list[tuple[str, str, str, int]]:
    """(township, rule, status, count) of the findings: the per-township work queue's summary."""
    stmt = (select(Finding.township_code, Finding.rule, Finding.status, func.count())
            .group_by(Finding.township_code, Finding.rule, Finding.status).order_by(Finding.township_code))
    return [tuple(r) for r in session.execute(stmt)]  # type: ignore[misc]


def iter_problems(exc: LoadError) -> Iterator[str]:
    for p in exc.problems:
        where = f"{p.file}:{p.line}" if p.line else p.file
        yield f"{where} [{p.column}] {p.reason} {p.detail}".rstrip()


# --- grants (授权书) ------------------------------------------------------------------------------------------------

def record_grant(session: Session, actor, household_code: str, application_id: int | None, granted_on: date,
                 adults: int) -> ConsentGrant:
    """The household's authorization to query departments about it (every adult consented on the application).
    Recording it again for the same household keeps the first. Audited."""
    existing = session.execute(select(ConsentGrant).where(
        ConsentGrant.household_code == household_code)).scalar_one_or_none()
    if existing is not None:
        return existing
    who = actor if isinstance(actor, str) else actor.username
    grant = ConsentGrant(household_code=household_code, application_id=application_id, granted_on=granted_on,
                         adults=adults, recorded_by=who)
    session.add(grant)
    session.flush()
    audit.record(session, actor, "verification.grant", "verification_grant", household_code,
                 after={"granted_on": granted_on.isoformat(), "adults": adults})
    return grant


IMPORTED_GRANT_ACTION = "verification.grants_imported"


def record_imported_grants(session: Session, actor: str, rows: list[tuple[str, date]]) -> int:
    """Grants (授权书) of households imported into the register with their consent date: the exporting office holds
    the signed forms. One INSERT per batch; households already holding a grant keep theirs. `adults` is counted
    from the members once they are in (`count_grant_adults`). Returns how many were added."""
    if not rows:
        return 0
    held = set(session.execute(select(ConsentGrant.household_code).where(
        ConsentGrant.household_code.in_([code for code, _ in rows]))).scalars())
    fresh = [{"household_code": code, "application_id": None, "granted_on": on, "adults": 0, "recorded_by": actor}
             for code, on in rows if code not in held]
    if fresh:
        insert_rows(session, ConsentGrant.__table__, fresh)
    return len(fresh)


def count_grant_adults(session: Session, actor: str, today: date, added: int) -> None:
    """Adults (18 or over today) of each household whose imported grant has none counted yet, in one UPDATE; then
    one audit row for the import's grants."""
    from portal.register.models import Household, Member
    from portal.register.rules import born_by

    cutoff = born_by(18, today)
    adults = (select(func.count(Member.id)).join(Household, Household.id == Member.household_id)
              .where(Household.code == ConsentGrant.household_code, Member.birth_date <= cutoff)
              .scalar_subquery())
    session.execute(update(ConsentGrant).where(ConsentGrant.recorded_by == actor, ConsentGrant.adults == 0,
                                               ConsentGrant.application_id.is_(None))
                    .values(adults=adults).execution_options(synchronize_session=False))
    if added:
        audit.record(session, actor, IMPORTED_GRANT_ACTION, "verification_grant", "register-import",
                     after={"grants_added": added})


def has_grant(session: Session, household_code: str) -> bool:
    return session.execute(select(ConsentGrant.id).where(
        ConsentGrant.household_code == household_code)).first() is not None


# --- the check of one application at acceptance (受理) ------------------------------------------------------------

@dataclass(frozen=True)
class CaseCheck:
    ran: bool  # False: no grant, or no rule in force for the case's county
    findings: int
    skipped: dict[str, str]


def case_fingerprint(number: str, fp: str) -> str:
    """A case finding's fingerprint, kept apart from the register's (the admitted household has the same code)."""
    return hashlib.sha256(f"case\x1f{number}\x1f{fp}".encode()).hexdigest()


@dataclass(frozen=True)
class OnlineSource:
    """One department's answer about a case's members, validated and typed like a file, and the pull that got it."""

    path: Path  # typed Parquet, as a batch's
    pull_id: int


ANSWER_POLICY = "verify.answer_working_days"


def answer_due(session: Session, on: date) -> date:
    """The last day the applicant may answer a finding made on `on`: the policy's working days on the one calendar."""
    from portal.kernel import policy
    from portal.kernel.calendar_store import load_calendar

    return load_calendar(session).add_working_days(on, policy.get_int(session, ANSWER_POLICY))


def check_case(session: Session, actor, application, *, on: date | None = None,
               data_dir: Path | None = None, online: dict[str, OnlineSource] | None = None) -> CaseCheck:
    """Compare one application's declared household with department records, by the same rules and SQL as the
    register runs, and store the differences as findings on the case (audited, in the caller's transaction): a source
    in `online` with what its department answered about the members just now, every other with its latest batch.
    No grant (授权书) on the case: nothing is compared. Running it again adds only findings not already there."""
    number = application.number
    if not has_grant(session, number):
        return CaseCheck(False, 0, {"*": "no_grant"})
    on = on or china_today()
    online = online or {}
    base = _data_dir(data_dir)
    batches = latest_batches(session)
    who = actor if isinstance(actor, str) else actor.username
    run_row = VerificationRun(region_path=application.region_path or "/", status=RUN_DONE,
                              batches={k: b.id for k, b in batches.items() if k not in online}, started_by=who,
                              checkpoint={"case": number, "online": {k: o.pull_id for k, o in online.items()}},
                              progress_permille=1000)
    session.add(run_row)
    session.flush()
    skipped: dict[str, str] = {}
    hits: list[dict] = []
    with tempfile.TemporaryDirectory(dir=_ensure(base / "verification" / "cases")) as tmp:
        work = Path(tmp)
        contract.CaseSnapshot(session, application, get_settings().secret_key).write(work)
        # One household: staged in the process's DuckDB workspace (a database of its own would cost more than the
        # comparison itself).
        with duck.workspace() as con:
            _views(con, work, "/", only_household=number)
            counties = [r[0] for r in con.execute("SELECT DISTINCT county_path FROM hh").fetchall()]
            params = vr.params_by_county(rule_rows(session), counties, on)
            columns = ["household_id", "id_hash", "declared", "found", "refs", "township_code", "county_code",
                       "rule_row_id", "document_no"]
            for key, spec in vr.RULES.items():
                if key not in params:
                    skipped[key] = "no_params"
                    continue
                if spec.source is not None and spec.source not in online and spec.source not in batches:
                    skipped[key] = "no_batch"
                    continue
                con.register("p_arrow", _params_table(key, params[key]))
                con.execute("CREATE OR REPLACE TABLE p AS SELECT * FROM p_arrow")
                con.unregister("p_arrow")
                if spec.source is not None:
                    records = online[spec.source].path if spec.source in online else base / batches[spec.source].path
                    con.execute(f"CREATE OR REPLACE VIEW src AS SELECT * FROM read_parquet('{records}')")
                for row in con.execute(f"SELECT {', '.join(columns)} FROM ({vr.rule_sql(key)})").fetchall():
                    hit = dict(zip(columns, row))
                    hit["rule"] = key
                    hit["batch"] = batches[spec.source] if spec.source and spec.source not in online else None
                    hit["pull"] = online[spec.source].pull_id if spec.source in online else None
                    hits.append(hit)
    known = set(session.execute(select(Finding.fingerprint).where(Finding.application_id == application.id)).scalars())
    now = utcnow()
    due = answer_due(session, on)
    added = 0
    for h in hits:
        fp = case_fingerprint(number, vr.fingerprint(h["rule"], vr.Hit(
            h["household_id"], h["id_hash"] or "", h["declared"] or "", h["found"] or "", h["refs"] or "")))
        if fp in known:
            continue
        spec = vr.RULES[h["rule"]]
        batch = h["batch"]
        session.add(Finding(
            fingerprint=fp, household_id=number, member_id_hash=h["id_hash"] or None, rule=h["rule"],
            rule_row_id=h["rule_row_id"], document_no=h["document_no"] or "", declared_value=(h["declared"] or "")[:200],
            found_value=(h["found"] or "")[:200], source_batch_id=batch.id if batch else None, pull_id=h["pull"],
            record_refs=(h["refs"] or "").split("|") if h["refs"] else [],
            as_of=batch.as_of if batch else (on if h["pull"] else None),
            severity=spec.severity, routed_to=spec.routed_to, township_code=h["township_code"] or "",
            county_code=h["county_code"] or "", status=FINDING_NEW, first_run_id=run_row.id,
            last_run_id=run_row.id, created_at=now, updated_at=now, scope=SCOPE_CASE,
            application_id=application.id, answer_due_on=due))
        known.add(fp)
        added += 1
    run_row.found_new, run_row.finished_at = added, now
    session.flush()
    audit.record(session, actor, "verification.case_checked", "application", number,
                 after={"findings": added, "skipped": skipped, "run": run_row.id,
                        "online": {k: o.pull_id for k, o in online.items()}})
    return CaseCheck(True, added, skipped)


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def unresolved_on_case(session: Session, application_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Finding).where(
        Finding.application_id == application_id, Finding.scope == SCOPE_CASE,
        Finding.resolution.is_(None))) or 0


# --- the online check of one case: departments' search APIs, behind a circuit breaker per department ------------

@dataclass(frozen=True)
class Circuit:
    state: str  # closed | open | half_open
    failures: int
    open_until: datetime | None
    last_error: str


def _circuit_row(session: Session, source: str):
    from sqlalchemy.exc import IntegrityError

    from portal.verification.models import DepartmentCircuit

    row = session.get(DepartmentCircuit, source)
    if row is None:
        try:
            with session.begin_nested():
                row = DepartmentCircuit(source=source, failures=0, last_error="")
                session.add(row)
        except IntegrityError:  # another worker made it first
            row = session.get(DepartmentCircuit, source)
    return row


def circuit(session: Session, source: str, now: datetime | None = None) -> Circuit:
    from portal.verification.models import DepartmentCircuit

    now = now or utcnow()
    row = session.get(DepartmentCircuit, source)
    if row is None or row.open_until is None:
        return Circuit("closed", row.failures if row else 0, None, row.last_error if row else "")
    return Circuit("open" if row.open_until > now else "half_open", row.failures, row.open_until, row.last_error)


def _claim(session: Session, source: str, now: datetime, breaker) -> bool:
    """May this caller ask the department now? Closed: yes. Open: no. Half-open: only the one caller whose UPDATE
    moves the reopening time on wins the probe (a row shared by every worker, so exactly one probes)."""
    from sqlalchemy import update as sql_update

    from portal.verification.models import DepartmentCircuit

    state = circuit(session, source, now)
    if state.state == "closed":
        return True
    if state.state == "open":
        return False
    won = session.execute(sql_update(DepartmentCircuit).where(
        DepartmentCircuit.source == source, DepartmentCircuit.open_until == state.open_until).values(
        open_until=now + timedelta(seconds=breaker.open_s))).rowcount
    return won == 1


def _outcome(session: Session, source: str, reason: str, now: datetime, breaker) -> None:
    """A search's outcome on the department's circuit: success closes it; the `breaker.failures`-th failure in a
    row opens it (audited when it opens), a failed probe reopens it."""
    from sqlalchemy import update as sql_update

    from portal.verification.models import DepartmentCircuit

    row = _circuit_row(session, source)
    if not reason:
        row.failures, row.open_until, row.last_success_at = 0, None, now
        session.flush()
        return
    session.execute(sql_update(DepartmentCircuit).where(DepartmentCircuit.source == source).values(
        failures=DepartmentCircuit.failures + 1, last_error=reason[:200], last_failure_at=now))
    session.refresh(row)
    if row.failures >= breaker.failures:
        was_open = row.open_until is not None
        row.open_until = now + timedelta(seconds=breaker.open_s)
        session.flush()
        if not was_open:
            audit.record(session, "system:verification", "verification.department_unavailable",
                         "verification_circuit", source, at=now,
                         after={"failures": row.failures, "reason": row.last_error,
                                "open_until": row.open_until.isoformat()})


def online_sources(session: Session, application, configs: dict | None = None) -> list[str]:
    """The sources a case is checked against through their department's API (a connector configured and a rule of
    the case's county using it); every other source uses its latest batch."""
    from portal.verification import connector as dc

    configs = dc.configured_sources() if configs is None else configs
    county = "/" + "/".join([p for p in (application.region_path or "/").split("/") if p][:3]) + "/"
    params = vr.params_by_county(rule_rows(session), [county], china_today())
    used = {vr.RULES[k].source for k in params if vr.RULES[k].source}
    return sorted(s for s in configs if s in used)


def start_online_check(session: Session, actor, application, sources: list[str]) -> None:
    """At acceptance, when departments are asked online: the case's check is pending until they answer (the caller
    then awaits `check_case_online`). Nothing is compared yet; the grant is required as for any check."""
    from portal.verification.models import CHECK_PENDING, OnlineCheck

    if not has_grant(session, application.number):
        return
    row = session.execute(select(OnlineCheck).where(OnlineCheck.application_id == application.id)
                          ).scalar_one_or_none()
    if row is None:
        session.add(OnlineCheck(application_id=application.id, status=CHECK_PENDING, online=sources, waiting_on={},
                                attempts=0))
        session.flush()


@dataclass(frozen=True)
class OnlineCheckView:
    status: str  # pending | waiting | done
    online: tuple[str, ...]
    waiting_on: dict[str, str]  # source → reason ("open": its circuit is open)
    attempts: int
    last_try_at: datetime | None
    next_try_at: datetime | None
    next_try_local: str = ""  # next_try_at in China time, as the case page shows it


def online_check(session: Session, application_id: int) -> OnlineCheckView | None:
    from portal.verification.models import OnlineCheck

    row = session.execute(select(OnlineCheck).where(OnlineCheck.application_id == application_id)
                          ).scalar_one_or_none()
    if row is None:
        return None
    from portal.kernel.workdays import CHINA_TZ

    local = row.next_try_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if row.next_try_at else ""
    return OnlineCheckView(row.status, tuple(row.online or ()), dict(row.waiting_on or {}), row.attempts,
                           row.last_try_at, row.next_try_at, local)


def check_incomplete(session: Session, application_id: int) -> bool:
    """The online check has not stored its findings yet (pending or waiting on a department): no 初审 until it has."""
    view = online_check(session, application_id)
    return view is not None and view.status != "done"


def request_retry(session: Session, actor, application, now: datetime | None = None) -> OnlineCheckView:
    """The officer asks for a waiting check to be tried again now (the caller checked role and region). Audited; the
    circuit still decides whether a department is asked."""
    from portal.verification.models import CHECK_DONE, OnlineCheck

    row = session.execute(select(OnlineCheck).where(OnlineCheck.application_id == application.id)
                          ).scalar_one_or_none()
    if row is None or row.status == CHECK_DONE:
        raise RuleError("verify.err_nothing_to_retry")
    row.next_try_at = now or utcnow()
    audit.record(session, actor, "verification.case_check_retry", "application", application.number,
                 after={"waiting_on": row.waiting_on, "attempts": row.attempts})
    session.flush()
    return online_check(session, application.id)  # type: ignore[return-value]


def _online_records(source: str, records: list[dict], asked: set[str], work: Path) -> Path:
    """What a department answered about a case, through the same validation as a file (LoadError when bad)."""
    import pyarrow.parquet as pq

    if any(str(r.get("id_hash", "")) not in asked for r in records):
        raise LoadError([LoadProblem(source, 0, "id_hash", "verify.err_pull_stray")])
    columns = sorted({k for r in records for k in r}) or ["id_hash"] + [c.name for c in vr.SOURCES[source].columns]
    raw = work / f"{source}-raw.parquet"
    pq.write_table(pa.table({c: pa.array([None if r.get(c) is None else str(r.get(c)) for r in records],
                                         type=pa.string()) for c in columns}), raw)
    sub = _ensure(work / source)
    if not records:  # nothing about these people: an empty typed file, so the rule finds nothing
        part = sub / "batch.parquet"
        with duck.workspace() as con:
            cols = ", ".join(["CAST(NULL AS VARCHAR) AS id_hash"] + [
                vr.typed_column_sql(c, False) for c in vr.SOURCES[source].columns])
            con.execute(f"COPY (SELECT {cols} WHERE false) TO '{part}' (FORMAT parquet)")
        return part
    part, _rows = _typed(vr.SOURCES[source], raw, sub, None, small=True)
    return part


def _store_online(sf: SessionFactory, actor, number: str, fetched: dict[str, dict], on: date, now: datetime,
                  breaker, data_dir: Path | None) -> tuple[str, dict[str, str]]:
    """Every department answered: validate the answers, record each search as a pull (the provenance of its
    findings), compare and store the findings and mark the check done, all in one transaction. An answer that fails
    validation stores nothing and counts as that department failing."""
    from portal.applications.models import Application
    from portal.verification.models import CHECK_DONE, CHECK_WAITING, PULL_DONE, OnlineCheck, Pull

    base = _data_dir(data_dir)
    bad: dict[str, str] = {}
    with tempfile.TemporaryDirectory(dir=_ensure(base / "verification" / "cases")) as tmp:
        work = Path(tmp)
        paths: dict[str, Path] = {}
        for source, got in fetched.items():
            try:
                paths[source] = _online_records(source, got["records"], set(got["people"]), work)
            except LoadError as exc:
                bad[source] = f"invalid: {exc.problems[0].reason}"
        with sf() as session:
            _lock_check(session, number)
            app = session.execute(select(Application).where(Application.number == number)).scalar_one()
            row = session.execute(select(OnlineCheck).where(OnlineCheck.application_id == app.id)
                                  .with_for_update()).scalar_one()
            if row.status == CHECK_DONE:  # another worker finished it meanwhile
                return CHECK_DONE, {}
            if bad:
                for source, reason in bad.items():
                    _outcome(session, source, reason, now, breaker)
                _wait(session, actor, app, row, bad, now)
                return CHECK_WAITING, bad
            online: dict[str, OnlineSource] = {}
            who = actor if isinstance(actor, str) else actor.username
            for source, got in fetched.items():
                pull_row = Pull(source=source, transaction_id=got["txn"], endpoint=got["url"][:300],
                                status=PULL_DONE, persons=len(got["people"]), requests=got["requests"],
                                records=len(got["records"]), checkpoint={"case": number}, started_by=who,
                                started_at=got["started"], finished_at=now)
                session.add(pull_row)
                session.flush()
                online[source] = OnlineSource(paths[source], pull_row.id)
            check_case(session, actor, app, on=on, data_dir=base, online=online)
            row.status, row.waiting_on, row.attempts = CHECK_DONE, {}, row.attempts + 1
            row.last_try_at = row.updated_at = now
            row.next_try_at = None
    return CHECK_DONE, {}


def _lock_check(session: Session, number: str) -> None:
    """Take the case's check row for this transaction before reading anything, so two workers storing the same
    case's answers go one after the other and the second sees the first one's result. An UPDATE as the first
    statement does it on both backends: PostgreSQL locks the row; SQLite ignores FOR UPDATE, but a transaction that
    writes first holds its write lock and reads the latest commit (one that read first would work on a stale
    snapshot and fail, or store the case twice)."""
    from sqlalchemy import update as sql_update

    from portal.applications.models import Application
    from portal.verification.models import OnlineCheck

    session.execute(sql_update(OnlineCheck).where(OnlineCheck.application_id == select(Application.id).where(
        Application.number == number).scalar_subquery()).values(status=OnlineCheck.status)
        .execution_options(synchronize_session=False))


def _wait(session: Session, actor, app, row, reasons: dict[str, str], now: datetime) -> None:
    from portal.verification.models import CHECK_WAITING, DepartmentCircuit

    opens = [c.open_until for c in session.execute(select(DepartmentCircuit).where(
        DepartmentCircuit.source.in_(list(reasons)))).scalars() if c.open_until is not None]
    row.status, row.waiting_on, row.attempts = CHECK_WAITING, reasons, row.attempts + 1
    row.last_try_at = row.updated_at = now
    row.next_try_at = min(opens) if opens else now
    audit.record(session, actor, "verification.case_check_waiting", "application", app.number, at=now,
                 after={"waiting_on": reasons, "attempts": row.attempts})


async def check_case_online(number: str, actor, *, configs: dict | None = None, breaker=None,
                            departments: dict | None = None, session_factory: SessionFactory | None = None,
                            data_dir: Path | None = None, now: datetime | None = None,
                            on: date | None = None, progress=None) -> str:
    """Ask each department of a pending or waiting case about its members (their keyed hashes, as a pull does), all
    at once on the event loop, then store the findings in one transaction (the comparison in the heavy pool). A
    department whose circuit is open is not asked; one that fails after its retries counts on its circuit. Either
    way the case waits, visibly, with nothing stored, until the officer or the sweep retries. Returns the status.
    `progress(source, reason)` is awaited as each department is done ("" answered, else why not), so a caller can
    show who has answered while the others are still asked."""
    import asyncio

    from portal.applications.models import Application
    from portal.kernel import heavy
    from portal.kernel.db import session_scope
    from portal.verification import connector as dc
    from portal.verification.models import CHECK_DONE, CHECK_WAITING, OnlineCheck

    sf: SessionFactory = session_factory or session_scope
    configs = dc.configured_sources() if configs is None else configs
    breaker = breaker or dc.BreakerConfig.from_env()
    departments = departments or {}
    now = now or utcnow()
    on = on or china_today()
    with sf() as session:
        app = session.execute(select(Application).where(Application.number == number)).scalar_one_or_none()
        row = session.execute(select(OnlineCheck).where(OnlineCheck.application_id == app.id)
                              ).scalar_one_or_none() if app is not None else None
        if row is None or row.status == CHECK_DONE:
            return row.status if row is not None else ""
        key = get_settings().secret_key
        people = sorted({contract.id_hash(str(m["id_number"]), key) for m in (app.answers or {}).get("members", [])
                         if isinstance(m, dict) and m.get("id_number")})
        sources = list(row.online or [])
        closed = {src: "open" for src in sources if circuit(session, src, now).state == "open"}
        missing = {src: "not_configured" for src in sources if src not in configs}
        if closed or missing:
            _wait(session, actor, app, row, {**closed, **missing}, now)
            return CHECK_WAITING
        lost = {src: "probing" for src in sources if not _claim(session, src, now, breaker)}
        if lost:  # another worker is probing the half-open department: wait for its outcome
            _wait(session, actor, app, row, lost, now)
            return CHECK_WAITING

    async def ask(source: str) -> tuple[str, dict | None, str]:
        own = source not in departments
        dept = departments.get(source) or dc.AsyncDepartment(configs[source])
        txn, started = uuid.uuid4().hex, utcnow()
        try:
            records = await dept.records_of(txn, people)
            got = {"txn": txn, "records": records, "people": people, "requests": dept.requests,
                   "url": configs[source].url, "started": started}
            reason = ""
        except dc.DepartmentError as exc:
            got, reason = None, exc.reason
        finally:
            if own:
                await dept.aclose()
        if progress is not None:
            await progress(source, reason)
        return source, got, reason

    answers = await asyncio.gather(*(ask(src) for src in sources))
    failed = {src: reason for src, _got, reason in answers if reason}
    with sf() as session:
        for src, _got, reason in answers:
            _outcome(session, src, reason, now, breaker)
        if failed:
            app = session.execute(select(Application).where(Application.number == number)).scalar_one()
            row = session.execute(select(OnlineCheck).where(OnlineCheck.application_id == app.id)).scalar_one()
            _wait(session, actor, app, row, failed, now)
            return CHECK_WAITING
    fetched = {src: got for src, got, _reason in answers if got is not None}
    status, _bad = await heavy.run_waiting(_store_online, sf, actor, number, fetched, on, now, breaker, data_dir)
    return status


async def retry_waiting(*, session_factory: SessionFactory | None = None, now: datetime | None = None,
                        limit: int = 200, keep: Callable[[], bool] | None = None, **kw) -> dict[str, int]:
    """The sweep's part: every waiting (or long-pending) case whose departments may be asked again — their circuits
    closed or half-open — is checked again, oldest first. A failed probe reopens the circuit, so the cases after it
    wait again without asking. `keep()` is asked before each case (the sweep's lease); False ends the round there.
    Returns how many ended done and waiting."""
    from portal.kernel.db import session_scope
    from portal.verification.models import CHECK_PENDING, CHECK_WAITING, OnlineCheck
    from portal.applications.models import Application

    sf: SessionFactory = session_factory or session_scope
    now = now or utcnow()
    stale = now - timedelta(minutes=10)  # a pending check whose worker stopped before it finished
    with sf() as session:
        numbers = list(session.execute(
            select(Application.number).join(OnlineCheck, OnlineCheck.application_id == Application.id).where(
                ((OnlineCheck.status == CHECK_WAITING) & (OnlineCheck.next_try_at <= now))
                | ((OnlineCheck.status == CHECK_PENDING) & (OnlineCheck.updated_at <= stale)))
            .order_by(OnlineCheck.last_try_at, OnlineCheck.id).limit(limit)).scalars())
    out = {"done": 0, "waiting": 0}
    for number in numbers:
        if keep is not None and not keep():
            break
        status = await check_case_online(number, "system:sweep", session_factory=sf, now=now, **kw)
        if status in out:
            out[status] += 1
    return out


# --- pulling a department's records over its search API ------------------------------------------------------------

@dataclass
class PullResult:
    pull_id: int
    status: str
    persons: int = 0
    records: int = 0
    pages: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # "chunk:page" → reason
    batch_id: int | None = None
    resumed: bool = False


def people_with_grant(session: Session, region_path: str = "/") -> list[str]:
    """id_hash of every member of an ACTIVE register household that holds a grant (授权书), sorted, unique."""
    from portal.register.models import STATUS_ACTIVE, Household, Member

    stmt = (select(Member.id_hash).join(Household, Household.id == Member.household_id)
            .join(ConsentGrant, ConsentGrant.household_code == Household.code)
            .where(Household.status == STATUS_ACTIVE).distinct())
    if region_path != "/":
        stmt = stmt.where(Household.region_path >= region_path, Household.region_path < region_path + "~")
    return sorted(session.execute(stmt).scalars())


def _write_json(path: Path, value: object) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def pull(source: str, actor: str = "cli", region: str | None = None, *, config=None, department=None,
         as_of: date | None = None, session_factory: SessionFactory | None = None,
         data_dir: Path | None = None) -> PullResult:
    """Ask the department for the records of every person in a household with a grant; store them as a batch.

    Pages land one by one in the pull's staging directory, each written whole (so an interruption loses at most the
    page in flight); a page that still fails after its retries is listed and the pull ends `partial` with nothing
    loaded. Running the command again resumes the same pull (same transaction id) and asks only for the pages
    missing. When every page is in, the records go through the same validation as a department file and become one
    batch; a refused credential ends the pull at once. Start, each end and the batch are audited."""
    from portal.kernel.db import session_scope
    from portal.verification import connector as dc
    from portal.verification.models import PULL_PARTIAL, PULL_REFUSED, PULL_RUNNING, Pull

    sf: SessionFactory = session_factory or session_scope
    if source not in vr.SOURCES:
        raise RuleError("verify.err_kind")
    config = config or dc.DepartmentConfig.from_env(source)
    if config is None:
        raise RuleError("verify.err_no_connector")
    base = _data_dir(data_dir)
    region_path = "/"
    with sf() as session:
        if region:
            found = regions.by_code(session, region)
            if found is None:
                raise RuleError("verify.err_region")
            region_path = found.path
        row = session.execute(select(Pull).where(Pull.source == source, Pull.status.in_(
            (PULL_RUNNING, PULL_PARTIAL))).order_by(Pull.id.desc())).scalars().first()
        resumed = row is not None
        if row is None:
            people = people_with_grant(session, region_path)
            row = Pull(source=source, transaction_id=uuid.uuid4().hex, endpoint=config.url[:300], persons=len(people),
                       started_by=actor, checkpoint={"region_path": region_path})
            session.add(row)
            session.flush()
            stage = _ensure(base / "verification" / "pulls" / str(row.id))
            _write_json(stage / "people.json", people)
            audit.record(session, actor, "verification.pull_started", "verification_pull", row.id,
                         after={"source": source, "persons": len(people), "endpoint": config.url[:300],
                                "transaction_id": row.transaction_id})
        else:
            row.status = PULL_RUNNING
            audit.record(session, actor, "verification.pull_resumed", "verification_pull", row.id,
                         after={"failed": (row.checkpoint or {}).get("failed", {})})
        pull_id, txn = row.id, row.transaction_id
    stage = _ensure(base / "verification" / "pulls" / str(pull_id))
    people = json.loads((stage / "people.json").read_text(encoding="utf-8"))
    result = PullResult(pull_id, PULL_RUNNING, persons=len(people), resumed=resumed)
    dept = department or dc.Department(config)
    chunks = [people[i:i + config.chunk] for i in range(0, len(people), config.chunk)]

    def save(**changes) -> None:
        with sf() as s:
            r = s.get(Pull, pull_id)
            r.checkpoint = {**(r.checkpoint or {}), **changes}
            r.requests += dept.requests
            dept.requests = 0

    failed: dict[str, str] = {}
    try:
        for c, chunk in enumerate(chunks):
            meta = stage / f"{c}.total.json"
            page, pages = 1, None
            if meta.exists():
                pages = json.loads(meta.read_text())["pages"]
            while pages is None or page <= pages:
                part = stage / f"{c}-{page}.json"
                if part.exists():
                    page += 1
                    continue
                try:
                    got = dept.search(txn, f"{txn}-{c}-{page}", chunk, page)
                except dc.AuthRefused:
                    raise
                except dc.DepartmentError as exc:
                    failed[f"{c}:{page}"] = exc.reason
                    if pages is None:  # without the first page the chunk's size is unknown: retry it next time
                        break
                    page += 1
                    continue
                _write_json(part, got.records)
                if pages is None:
                    pages = max(1, -(-got.total // config.page_size))
                    _write_json(meta, {"pages": pages, "total": got.total})
                result.pages += 1
                save(pages_done=result.pages)
                page += 1
    except dc.AuthRefused as exc:
        with sf() as s:
            r = s.get(Pull, pull_id)
            r.status, r.error, r.finished_at = PULL_REFUSED, exc.reason, utcnow()
            r.requests += dept.requests
            audit.record(s, actor, "verification.pull_refused", "verification_pull", pull_id,
                         after={"reason": exc.reason})
        result.status = PULL_REFUSED
        return result
    finally:
        if department is None:
            dept.close()
    if failed:
        with sf() as s:
            r = s.get(Pull, pull_id)
            r.status, r.error = PULL_PARTIAL, f"{len(failed)} page(s) failed"
            r.checkpoint = {**(r.checkpoint or {}), "failed": failed}
            r.requests += dept.requests
            audit.record(s, actor, "verification.pull_partial", "verification_pull", pull_id,
                         after={"failed": failed, "pages_done": result.pages})
        result.status, result.failed = PULL_PARTIAL, failed
        return result
    return _finish_pull(sf, actor, pull_id, source, stage, set(people), as_of or china_today(), base, result)


def _finish_pull(sf: SessionFactory, actor: str, pull_id: int, source: str, stage: Path, asked: set[str],
                 as_of: date, base: Path, result: PullResult) -> PullResult:
    """Every page is in: the records become one batch through the file validation (or the pull fails, audited)."""
    from portal.verification.models import PULL_DONE, Pull

    records: list[dict] = []
    for part in sorted(stage.glob("*-*.json")):
        records.extend(json.loads(part.read_text(encoding="utf-8")))
    stray = sum(1 for r in records if str(r.get("id_hash", "")) not in asked)
    columns = sorted({k for r in records for k in r}) or ["id_hash"] + [c.name for c in vr.SOURCES[source].columns]
    table = pa.table({c: [None if r.get(c) is None else str(r.get(c)) for r in records] for c in columns})
    file = stage / f"{source}.parquet"
    import pyarrow.parquet as pq
    pq.write_table(table, file)
    with sf() as s:
        r = s.get(Pull, pull_id)
        try:
            if stray:
                raise LoadError([LoadProblem(file.name, 0, "id_hash", "verify.err_pull_stray", str(stray))])
            if not records:
                raise LoadError([LoadProblem(file.name, 0, "", "verify.err_empty")])
            loaded = load_source(s, source, file, as_of=as_of, loaded_by=actor, data_dir=base)
        except LoadError as exc:
            r.status, r.error, r.finished_at = "invalid", f"{exc.total} problem(s): {exc.problems[0].reason}", utcnow()
            audit.record(s, actor, "verification.pull_invalid", "verification_pull", pull_id,
                         after={"problems": exc.total, "first": exc.problems[0].reason})
            result.status = "invalid"
            return result
        r.status, r.batch_id, r.records, r.finished_at = PULL_DONE, loaded.batch_id, len(records), utcnow()
        r.checkpoint = {**(r.checkpoint or {}), "failed": {}}
        audit.record(s, actor, "verification.pull_finished", "verification_pull", pull_id,
                     after={"batch_id": loaded.batch_id, "records": len(records), "already_loaded": loaded.already_loaded})
    shutil.rmtree(stage, ignore_errors=True)
    result.status, result.records, result.batch_id = PULL_DONE, len(records), loaded.batch_id
    return result


def pull_error(session: Session, pull_id: int) -> str:
    from portal.verification.models import Pull

    row = session.get(Pull, pull_id)
    return (row.error or "") if row else ""


# --- settling findings ------------------------------------------------------------------------------------------

MIN_NOTE = 4
MAX_NOTE = 500
MAX_ANSWER = 300


def _note(text: str, minimum: int, maximum: int, key: str) -> str:
    cleaned = " ".join(text_rules.clean_text(text, multiline=False).split())
    if not minimum <= len(cleaned) <= maximum:
        raise RuleError(key)
    return cleaned


def case_finding(session: Session, application_id: int | None, finding_id: int) -> Finding | None:
    if application_id is None:
        return None
    return session.execute(select(Finding).where(Finding.id == finding_id, Finding.application_id == application_id,
                                                 Finding.scope == SCOPE_CASE)).scalar_one_or_none()


def resolve_case_finding(session: Session, actor, finding: Finding, resolution: str, note: str, *,
                         now=None) -> Finding:
    """Record the officer's resolution of a case finding (the caller has checked role, region and the case's step).
    A settled finding may be settled again (a correction); each time audited with the one before."""

    if resolution not in CASE_RESOLUTIONS:
        raise RuleError("verify.err_resolution")
    note = _note(note, MIN_NOTE, MAX_NOTE, "verify.err_resolution_note")
    if resolution == "refused" and answer_pending(finding, china_date(now) if now else china_today()):
        raise RuleError("verify.err_answer_pending")
    return _settle(session, actor, finding, resolution, note, now, "verification.case_finding_resolved")


def corrected_on_case(session: Session, application_id: int) -> list[Finding]:
    """The case's findings the office accepted (`corrected`: the declaration is what the department found), in the
    order they were found: the applications domain re-assesses the case with their found values."""
    return list(session.execute(select(Finding).where(
        Finding.application_id == application_id, Finding.scope == SCOPE_CASE, Finding.resolution == "corrected")
        .order_by(Finding.id)).scalars())


def member_hashes(answers: dict | None) -> list[str]:
    """Each member's keyed hash as findings name them, in the application's member order ('' without an ID)."""
    key = get_settings().secret_key
    return [contract.id_hash(str(m["id_number"]), key) if isinstance(m, dict) and m.get("id_number") else ""
            for m in (answers or {}).get("members", [])]


def answer_pending(finding: Finding, today: date) -> bool:
    """The applicant may still answer before the case is refused on this finding: no answer yet and the deadline
    (`answer_due_on`, the last day to answer) not passed."""
    return not finding.applicant_answer and finding.answer_due_on is not None and today <= finding.answer_due_on


def _settle(session: Session, actor, finding: Finding, resolution: str, note: str, now, action: str) -> Finding:
    before = {"resolution": finding.resolution, "note": finding.resolution_note}
    finding.resolution, finding.resolution_note = resolution, note
    finding.resolved_by = actor if isinstance(actor, str) else actor.username
    finding.resolved_at = finding.updated_at = now or utcnow()
    session.flush()
    audit.record(session, actor, action, "verification_finding", finding.id, at=finding.resolved_at,
                 before=before, after={"resolution": resolution, "note": note, "rule": finding.rule,
                                       "household": finding.household_id})
    return finding


def answer_case_finding(session: Session, who: str, finding: Finding, text: str, *, now=None) -> Finding:
    finding.applicant_answer = _note(text, 2, MAX_ANSWER, "verify.err_answer")
    finding.answered_at = finding.updated_at = now or utcnow()
    session.flush()
    audit.record(session, who, "verification.case_finding_answered", "verification_finding", finding.id,
                 at=finding.answered_at, after={"length": len(finding.applicant_answer)})
    return finding


def resolve_register_finding(session: Session, actor, finding_id: int, resolution: str, note: str, *,
                             now=None) -> Finding:
    """An officer of the household's region settles a finding of a register run: keep the household, review its
    case, or suspend it (through the register's own service, which withdraws it from the standing roster).
    Findings routed to the county (关系保) need a grant at the county. Audited."""
    from portal.kernel.permissions import Role, authorize
    from portal.register import services as register
    from portal.register.models import Household
    finding = session.execute(select(Finding).where(Finding.id == finding_id, Finding.scope == SCOPE_REGISTER)
                              ).scalar_one_or_none()
    household = session.execute(select(Household).where(Household.code == finding.household_id)
                                ).scalar_one_or_none() if finding is not None else None
    path = household.region_path if household is not None else "/nonexistent/"
    if finding is not None and finding.routed_to == "county":
        path = "/" + "/".join([p for p in path.split("/") if p][:3]) + "/"
    authorize(actor, Role.OFFICER, path)  # an unknown finding is refused like a region nobody holds
    assert finding is not None and household is not None
    if resolution not in REGISTER_RESOLUTIONS:
        raise RuleError("verify.err_resolution")
    note = _note(note, MIN_NOTE, MAX_NOTE, "verify.err_resolution_note")
    if resolution == "suspend":
        try:
            register.suspend(session, actor, household.code, note, now=now)
        except register.RegisterError as exc:
            raise RuleError(exc.key) from None
    return _settle(session, actor, finding, resolution, note, now, "verification.finding_resolved")


# --- retention ------------------------------------------------------------------------------------------------------

def retention_days() -> int:
    return int(os.environ.get("PORTAL_VERIFY_RETENTION_DAYS", "730"))


@dataclass(frozen=True)
class PurgeResult:
    batches: int
    findings: int


def purge(session: Session, actor: str = "system:sweep", *, days: int | None = None, today: date | None = None,
          data_dir: Path | None = None) -> PurgeResult:
    """Remove department batches whose records describe a date older than the retention (their Parquet files and
    rows; findings keep their as-of date and record references), and findings settled or no longer found that have
    not changed since then. Unsettled findings stay: they are open work. Audited when anything goes."""
    from datetime import timedelta

    from portal.verification.models import Pull

    days = retention_days() if days is None else days
    today = today or china_today()
    cutoff = today - timedelta(days=days)
    base = _data_dir(data_dir)
    old = list(session.execute(select(SourceBatch).where(SourceBatch.as_of < cutoff)).scalars())
    ids = [b.id for b in old]
    if ids:
        session.execute(update(Finding).where(Finding.source_batch_id.in_(ids)).values(source_batch_id=None))
        session.execute(update(Pull).where(Pull.batch_id.in_(ids)).values(batch_id=None))
    for b in old:
        (base / b.path).unlink(missing_ok=True)
        session.delete(b)
    from datetime import datetime, time, timezone

    moment = datetime.combine(cutoff, time(), tzinfo=timezone.utc)
    gone = session.execute(select(Finding.id).where(
        Finding.updated_at < moment,
        (Finding.resolution.is_not(None)) | (Finding.status == FINDING_RESOLVED))).scalars().all()
    if gone:
        from sqlalchemy import delete

        for k in range(0, len(gone), 500):
            session.execute(delete(Finding).where(Finding.id.in_(gone[k:k + 500])))
    session.flush()
    if ids or gone:
        audit.record(session, actor, "verification.purged", "verification", "-",
                     after={"batches": len(ids), "findings": len(gone), "older_than": cutoff.isoformat(),
                            "retention_days": days})
    return PurgeResult(len(ids), len(gone))


# --- the rules admin page ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RuleRowView:
    id: int
    rule: str
    region: str
    effective_from: str
    document_no: str
    params: dict
    disabled: bool
    created_by: str
    in_force: bool  # the row a household of this region would be judged by today


def rules_for_admin(session: Session, actor, on: date | None = None) -> list[RuleRowView]:
    """Every dated rule row in the admin's regions (and above them, which they inherit), newest first per rule."""
    from portal.kernel.permissions import Role, authorize, region_paths_in_scope
    from portal.regions.models import Region

    authorize(actor, Role.ADMIN)
    on = on or china_today()
    scopes = region_paths_in_scope(actor, Role.ADMIN)
    rows = session.execute(select(VerificationRule, Region.name).join(Region, Region.id == VerificationRule.region_id)
                           .order_by(VerificationRule.rule, VerificationRule.region_path,
                                     VerificationRule.effective_from.desc(), VerificationRule.id.desc())).all()
    visible = [(r, name) for r, name in rows if any(r.region_path.startswith(p) or p.startswith(r.region_path)
                                                    for p in scopes)]
    current: dict[tuple[str, str], int] = {}
    for r, _ in visible:
        if r.effective_from <= on:
            current.setdefault((r.rule, r.region_path), r.id)
    return [RuleRowView(r.id, r.rule, name, r.effective_from.isoformat(), r.document_no, dict(r.params),
                        r.params == vr.DISABLED, r.created_by, current.get((r.rule, r.region_path)) == r.id)
            for r, name in visible]


def set_rule_by_admin(session: Session, actor, region_code: str, rule: str, params: dict, effective_from: date,
                      document_no: str) -> VerificationRule:
    """An admin adds a dated value (or switches the rule off) for a province, city or county they administer."""
    from portal.kernel.permissions import Role, authorize
    from portal.regions.models import RegionLevel

    region = regions.by_code(session, (region_code or "")[:12])
    authorize(actor, Role.ADMIN, region.path if region is not None else "/nonexistent/")
    assert region is not None
    if region.level not in (RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY):
        raise RuleError("verify.err_rule_level")
    return add_rule(session, actor, region.path, region.id, rule, params, effective_from, document_no)


# --- the applicants' answer deadlines a calendar change moves (kernel.calendar_store) ------------------------------

def _answer_deadlines(session: Session) -> list:
    from portal.applications.models import Application
    from portal.kernel import calendar_store

    rows = session.execute(
        select(Finding.id, Finding.created_at, Finding.answer_due_on, Application.number, Application.region_path)
        .join(Application, Application.id == Finding.application_id)
        .where(Finding.scope == SCOPE_CASE, Finding.answer_due_on.is_not(None), Finding.resolution.is_(None),
               Finding.applicant_answer.is_(None))).all()
    return [calendar_store.OpenDeadline("deadline.verify_answer", number, path or "/", china_date(created), due,
                                        row_id=fid) for fid, created, due, number, path in rows]


def _reschedule_answer(session: Session, deadline, new_due: date) -> None:
    finding = session.get(Finding, deadline.row_id)
    if finding is not None and finding.resolution is None:
        finding.answer_due_on = new_due


def _register_deadlines() -> None:
    from portal.kernel import calendar_store

    calendar_store.register_deadline_source(calendar_store.DeadlineSource(
        "verification.answers", _answer_deadlines, _reschedule_answer))


_register_deadlines()
