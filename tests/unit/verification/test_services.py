"""Loading department files (encodings, bad columns, bad and duplicate lines, empty files, the same file twice) and
re-verification runs (findings written once, re-runs add nothing, an interrupted run resumes)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.kernel.audit_models import AuditEntry
from portal.regions.models import Region, RegionLevel
from portal.verification import contract
from portal.verification import services as vs
from portal.verification.models import Finding, SourceBatch, VerificationRun

KEY = "test-key"
ID_OK = "11010519491231002X"
ID_BAD_CHECK = "110105194912310021"
H = "a" * 64


def write(tmp: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp / name
    path.write_bytes(text.encode(encoding))
    return path


def load(session: Session, tmp: Path, kind: str, path: Path, **kw) -> vs.LoadResult:
    return vs.load_source(session, kind, path, as_of=date(2026, 6, 30), loaded_by="tester", data_dir=tmp / "data",
                          id_key=KEY, **kw)


def test_a_good_csv_loads_as_typed_parquet(db_session: Session, tmp_path: Path):
    path = write(tmp_path, "deposits.csv", f"id_number,account_ref,asset_type,balance_yuan\n"
                                           f"{ID_OK},ICBC-1,deposit,12345.6\n{ID_OK},ICBC-2,security,0.05\n")
    result = load(db_session, tmp_path, "deposits", path)
    assert (result.rows, result.already_loaded) == (2, False)
    batch = db_session.get(SourceBatch, result.batch_id)
    table = pq.read_table(tmp_path / "data" / batch.path).to_pylist()
    assert table == [{"id_hash": contract.id_hash(ID_OK, KEY), "account_ref": "ICBC-1", "asset_type": "deposit",
                      "balance_fen": 1234560},
                     {"id_hash": contract.id_hash(ID_OK, KEY), "account_ref": "ICBC-2", "asset_type": "security",
                      "balance_fen": 5}]
    assert db_session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "verification.batch_loaded")) == 1


def test_the_same_file_again_is_a_no_op(db_session: Session, tmp_path: Path):
    path = write(tmp_path, "v.csv", f"id_hash,plate,vehicle_type,value_yuan\n{H},冀A12345,car,30000\n")
    first = load(db_session, tmp_path, "vehicles", path)
    second = load(db_session, tmp_path, "vehicles", path)
    assert second == vs.LoadResult(first.batch_id, 1, True)
    assert db_session.scalar(select(func.count()).select_from(SourceBatch)) == 1


@pytest.mark.parametrize("encoding,bom", [("gbk", b""), ("utf-8", b"\xef\xbb\xbf")])
def test_gbk_and_bom_files_load(db_session: Session, tmp_path: Path, encoding: str, bom: bytes):
    path = tmp_path / "staff.csv"
    path.write_bytes(bom + f"id_hash,staff_ref,staff_role,employer\n{H},S-1,village_cadre,张家村村民委员会\n"
                     .encode(encoding))
    result = load(db_session, tmp_path, "public_staff", path)
    batch = db_session.get(SourceBatch, result.batch_id)
    assert pq.read_table(tmp_path / "data" / batch.path).to_pylist()[0]["employer"] == "张家村村民委员会"


def problems(db_session: Session, tmp_path: Path, kind: str, path: Path) -> vs.LoadError:
    with pytest.raises(vs.LoadError) as info:
        load(db_session, tmp_path, kind, path)
    assert db_session.scalar(select(func.count()).select_from(SourceBatch)) == 0
    assert not list((tmp_path / "data" / "verification" / "batches").rglob("*.parquet"))
    return info.value


def test_wrong_columns_are_named(db_session: Session, tmp_path: Path):
    path = write(tmp_path, "d.csv", f"身份证号,account,asset_type,balance_yuan\n{ID_OK},x,deposit,1\n")
    err = problems(db_session, tmp_path, "deposits", path)
    assert [(p.line, p.reason) for p in err.problems] == [(1, "verify.err_columns")]
    assert "account_ref" in err.problems[0].detail and "身份证号" in err.problems[0].detail


def test_every_bad_line_is_reported_and_nothing_loads(db_session: Session, tmp_path: Path):
    path = write(tmp_path, "d.csv", "id_number,account_ref,asset_type,balance_yuan\n"
                                    f"{ID_OK},A1,deposit,100\n"
                                    f"{ID_BAD_CHECK},A2,deposit,100\n"
                                    f"{ID_OK},A3,gold,1.234\n"
                                    f"{ID_OK},A1,deposit,100\n"
                                    f",A5,deposit,\n")
    err = problems(db_session, tmp_path, "deposits", path)
    got = {(p.line, p.column, p.reason, p.detail) for p in err.problems}
    assert got == {(3, "id_number", "verify.err_id_check", ""), (4, "asset_type", "verify.err_choice", ""),
                   (4, "balance_yuan", "verify.err_money", ""), (5, "", "verify.err_duplicate", "2"),
                   (6, "id_number", "verify.err_missing", ""), (6, "balance_yuan", "verify.err_missing", "")}
    assert err.total == 6


@pytest.mark.parametrize("content", ["", "id_hash,plate,vehicle_type,value_yuan\n"])
def test_an_empty_file_is_refused(db_session: Session, tmp_path: Path, content: str):
    err = problems(db_session, tmp_path, "vehicles", write(tmp_path, "v.csv", content))
    assert [p.reason for p in err.problems] == ["verify.err_empty"]


def test_parquet_rows_are_validated_too(db_session: Session, tmp_path: Path):
    path = tmp_path / "h.parquet"
    pq.write_table(pa.table({"id_hash": [H, "nothex"], "record_ref": ["R1", "R2"], "status": ["dead", "alive"],
                             "death_date": [date(2026, 1, 2), None]}), path)
    err = problems(db_session, tmp_path, "hukou", path)
    assert [(p.line, p.column, p.reason) for p in err.problems] == [(2, "id_hash", "verify.err_id_hash")]


# --- runs ------------------------------------------------------------------------------------------------------

def person(n: int) -> str:
    return f"{n:064x}"


@pytest.fixture
def world(db_session: Session, db_url: str, tmp_path: Path):
    """A province with one county, rules in force, two batches, and a snapshot of four households."""
    province = Region(code="13", name="省", level=RegionLevel.PROVINCE, path="/13/")
    db_session.add(province)
    db_session.flush()
    for rule, params in (("deposits", {"asset_limit_per_member_fen": 1_000_000}),
                         ("dead", {}), ("duplicate", {})):
        vs.add_rule(db_session, "admin", province.path, province.id, rule, params, date(2026, 1, 1), "冀民〔2026〕1号")
    deposits = write(tmp_path, "d.csv", "id_hash,account_ref,asset_type,balance_yuan\n"
                     f"{person(1)},A1,deposit,20000.01\n{person(3)},A3,deposit,50000\n{person(5)},A5,deposit,1\n")
    hukou = write(tmp_path, "h.csv", f"id_hash,record_ref,status,death_date\n{person(4)},R4,dead,2026-02-01\n")
    load(db_session, tmp_path, "deposits", deposits)
    load(db_session, tmp_path, "hukou", hukou)
    db_session.commit()
    town = lambda t: f"/13/1301/130102/13010200{t}/13010200{t}001/"  # noqa: E731
    hh = pa.table({"household_id": ["H1", "H2", "H3", "H4"], "region_path": [town(1), town(1), town(2), town(3)],
                   "township_code": ["130102001", "130102001", "130102002", "130102003"], "size": [2, 1, 1, 1],
                   "declared_deposits_fen": [0, 0, 0, 0], "declared_vehicles": [0] * 4, "declared_houses": [1] * 4},
                  schema=contract.HOUSEHOLDS)
    mem = pa.table({"household_id": ["H1", "H1", "H2", "H3", "H4"],
                    "id_hash": [person(1), person(2), person(2), person(3), person(4)],
                    "declared_income_fen": [0] * 5}, schema=contract.MEMBERS)
    pq.write_table(hh, tmp_path / "hh.parquet")
    pq.write_table(mem, tmp_path / "mem.parquet")
    engine = db_session.get_bind()

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

    snap = contract.ParquetSnapshot(tmp_path / "hh.parquet", tmp_path / "mem.parquet")
    return lambda **kw: vs.run("tester", snapshot=snap, on=date(2026, 7, 1), session_factory=scope,
                               data_dir=tmp_path / "data", **kw)


def findings(session: Session) -> set[tuple]:
    session.expire_all()
    return {(f.household_id, f.rule, f.found_value, f.status) for f in session.execute(select(Finding)).scalars()}


EXPECTED = {("H1", "deposits", "2000001"), ("H3", "deposits", "5000000"), ("H4", "dead", "2026-02-01"),
            ("H1", "duplicate", "H2"), ("H2", "duplicate", "H1")}


def test_a_run_writes_findings_with_provenance_and_a_rerun_adds_none(db_session: Session, world):
    first = world()
    assert (first.households, first.townships, first.found_new) == (4, 3, 5)
    assert set(first.skipped_rules) == {"vehicles", "real_estate", "business", "income", "public_staff"}
    assert findings(db_session) == {(*e, "new") for e in EXPECTED}
    h3 = db_session.execute(select(Finding).where(Finding.household_id == "H3")).scalar_one()
    assert (h3.declared_value, h3.record_refs, h3.as_of, h3.document_no, h3.township_code, h3.county_code) == (
        "0", ["A3"], date(2026, 6, 30), "冀民〔2026〕1号", "130102002", "130102")
    second = world()
    assert (second.found_new, second.found_open, second.resolved) == (0, 5, 0)
    assert findings(db_session) == {(*e, "open") for e in EXPECTED}
    assert db_session.scalar(select(func.count()).select_from(Finding)) == 5
    actions = [a for (a,) in db_session.execute(select(AuditEntry.action).where(
        AuditEntry.action.like("verification.run%")).order_by(AuditEntry.id))]
    assert actions == ["verification.run_started", "verification.run_finished"] * 2


def test_an_interrupted_run_resumes_where_it_stopped(db_session: Session, world):
    seen: list[tuple[str, int]] = []

    def stop_after_first_township(phase: str, done: int, total: int) -> None:
        seen.append((phase, done))
        if phase == "townships" and done == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        world(progress=stop_after_first_township)
    db_session.expire_all()
    run = db_session.execute(select(VerificationRun)).scalar_one()
    assert run.status == "interrupted" and run.checkpoint["townships_done"] == 1
    assert {f[0] for f in findings(db_session)} == {"H1", "H2"}  # township 130102001 only
    resumed_phases: list[tuple[str, int]] = []
    summary = world(progress=lambda phase, done, total: resumed_phases.append((phase, done)))
    assert summary.resumed and summary.run_id == run.id
    assert resumed_phases == [("townships", 2), ("townships", 3)]  # rules and township 1 not redone
    assert findings(db_session) == {(*e, "new") for e in EXPECTED}
    db_session.expire_all()
    assert db_session.get(VerificationRun, run.id).status == "done"


def test_a_finding_no_longer_found_is_resolved(db_session: Session, world, tmp_path: Path):
    world()
    fixed = write(tmp_path, "d2.csv", "id_hash,account_ref,asset_type,balance_yuan\n"
                  f"{person(1)},A1,deposit,20000.01\n{person(3)},A3,deposit,100\n")
    vs.load_source(db_session, "deposits", fixed, as_of=date(2026, 7, 31), loaded_by="tester",
                   data_dir=tmp_path / "data", id_key=KEY)
    db_session.commit()
    summary = world()
    assert (summary.found_new, summary.resolved) == (0, 1)
    got = findings(db_session)
    assert ("H3", "deposits", "5000000", "resolved") in got and ("H1", "deposits", "2000001", "open") in got
