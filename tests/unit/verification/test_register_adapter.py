"""From register rows to findings: `crosscheck run` snapshots the register's active households itself, members keyed
by the register's own HMAC, so a department file keyed by ID number (hashed on load with the same key) matches."""

from __future__ import annotations

from datetime import date

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from portal.register import rules as id_rules
from portal.register import services as register
from portal.register.models import Member
from portal.verification import contract
from portal.verification import services as vs
from portal.verification.models import Finding
from tests.unit.verification.world import KEY, World, number


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("PORTAL_SECRET_KEY", KEY)
    from tests.conftest import clear_portal_caches

    clear_portal_caches()
    yield
    clear_portal_caches()


@pytest.fixture
def w(db_session, tmp_path, fast_passwords):
    world = World(db_session, tmp_path)
    db_session.commit()
    return world


def test_the_register_hash_and_the_department_hash_are_one_function():
    n = number(11)
    assert contract.id_hash(n, KEY) == id_rules.id_hash(KEY, n) == id_rules.id_hash(KEY, n.lower())


def test_the_snapshot_holds_active_households_with_the_registers_own_hashes(w, tmp_path):
    w.admit("H-1", "130102001001", [("张建国", "head", number(11)), ("李秀兰", "spouse", number(22))])
    w.admit("H-2", "130102002001", [("王五", "head", number(33))])
    w.admit("H-3", "130102001001", [("赵六", "head", number(44))])
    register.suspend(w.s, w.officer, "H-3", "外出务工收入核实中")
    out = tmp_path / "snap"
    out.mkdir()
    contract.RegisterTablesSnapshot(w.s, KEY).write(out)
    hh = {r["household_id"]: r for r in pq.read_table(out / contract.HOUSEHOLDS_FILE).to_pylist()}
    mem = pq.read_table(out / contract.MEMBERS_FILE).to_pylist()
    assert set(hh) == {"H-1", "H-2"}  # the suspended household is not verified
    assert (hh["H-1"]["size"], hh["H-1"]["township_code"], hh["H-2"]["township_code"]) == (2, "130102001", "130102002")
    stored = dict(w.s.execute(select(Member.id_number, Member.id_hash)).all())
    assert {(m["household_id"], m["id_hash"]) for m in mem} == {
        ("H-1", stored[number(11)]), ("H-1", stored[number(22)]), ("H-2", stored[number(33)])}
    only = tmp_path / "only"
    only.mkdir()
    contract.RegisterTablesSnapshot(w.s, KEY, w.township.path).write(only)
    assert [r["household_id"] for r in pq.read_table(only / contract.HOUSEHOLDS_FILE).to_pylist()] == ["H-1"]


@pytest.mark.parametrize("chunk", [contract.RegisterTablesSnapshot.CHUNK, 1], ids=["one-chunk", "row-by-row-chunks"])
def test_the_snapshot_carries_what_the_admitting_application_declared(w, tmp_path, monkeypatch, chunk):
    from portal.applications.models import Application

    monkeypatch.setattr(contract.RegisterTablesSnapshot, "CHUNK", chunk)

    village = w.tree["130102001001"]
    answers = {"assets": {"deposits": 1_234_00, "vehicles": 1, "houses": 2},
               "members": [{"name": "张建国", "id_number": number(11), "incomes": {"wage": 900_00, "pension": 100_00}},
                           {"name": "李秀兰", "id_number": number(22), "incomes": {}},
                           {"name": "不在册", "id_number": number(99), "incomes": {"wage": 5_00}}]}
    app = Application(number="A-1", secret_hash="x" * 64, status="approved", village_id=village.id,
                      region_path=village.path, applicant_name="张建国", answers=answers)
    w.s.add(app)
    w.s.flush()
    w.admit("H-0", "130102001001", [("王五", "head", number(33))])
    register.admit(w.s, w.officer, register.Admission(
        "A-1", app.id, "130102001001", "张建国", 800_00, date(2026, 1, 1),
        (register.NewMember("张建国", "head", number(11)), register.NewMember("李秀兰", "spouse", number(22)))))
    out = tmp_path / "snap"
    out.mkdir()
    contract.RegisterTablesSnapshot(w.s, KEY).write(out)
    hh = {r["household_id"]: r for r in pq.read_table(out / contract.HOUSEHOLDS_FILE).to_pylist()}
    assert {k: hh["A-1"][k] for k in ("size", "declared_deposits_fen", "declared_vehicles", "declared_houses")} == {
        "size": 2, "declared_deposits_fen": 1_234_00, "declared_vehicles": 1, "declared_houses": 2}
    assert {k: hh["H-0"][k] for k in ("size", "declared_deposits_fen", "declared_vehicles", "declared_houses")} == {
        "size": 1, "declared_deposits_fen": 0, "declared_vehicles": 0, "declared_houses": 0}
    incomes = {(m["household_id"], m["id_hash"]): m["declared_income_fen"]
               for m in pq.read_table(out / contract.MEMBERS_FILE).to_pylist()}
    # the person declared on the application but not admitted into the register is not a member of the snapshot
    assert incomes == {("A-1", contract.id_hash(number(11), KEY)): 1_000_00,
                       ("A-1", contract.id_hash(number(22), KEY)): 0, ("H-0", contract.id_hash(number(33), KEY)): 0}


def test_a_snapshot_interrupted_halfway_is_taken_again_whole(w, tmp_path, monkeypatch):
    for i in range(5):
        w.admit(f"H-{i}", "130102001001", [("张三", "head", number(10 + i))])
    out = tmp_path / "snap"
    out.mkdir()
    snap = contract.RegisterTablesSnapshot(w.s, KEY)
    monkeypatch.setattr(contract.RegisterTablesSnapshot, "CHUNK", 2)
    real = snap._chunks
    def stop_after_two_chunks(stmt, schema):
        for n, chunk in enumerate(real(stmt, schema)):
            if n == 2:
                raise KeyboardInterrupt
            yield chunk
    monkeypatch.setattr(snap, "_chunks", stop_after_two_chunks)
    with pytest.raises(KeyboardInterrupt):
        snap.write(out)
    # a resumed run takes the snapshot again when no members file is there: none may be left half written
    assert not (out / contract.MEMBERS_FILE).exists()
    contract.RegisterTablesSnapshot(w.s, KEY).write(out)
    assert sorted(r["household_id"] for r in pq.read_table(out / contract.HOUSEHOLDS_FILE).to_pylist()) == [
        f"H-{i}" for i in range(5)]
    assert pq.read_table(out / contract.MEMBERS_FILE).num_rows == 5
    assert sorted(p.name for p in out.iterdir()) == [contract.HOUSEHOLDS_FILE, contract.MEMBERS_FILE]


def test_a_case_is_compared_with_the_other_active_households_that_list_its_members(w):
    from portal.applications.models import Application

    w.admit("H-1", "130102001001", [("张三", "head", number(11)), ("李四", "spouse", number(12))])
    w.admit("H-2", "130102002001", [("王五", "head", number(33))])
    register.suspend(w.s, w.officer, "H-1", "外出务工收入核实中")
    w.admit("H-3", "130102002001", [("赵六", "head", number(44)), ("李四", "other", number(12))])
    w.admit("A-9", "130102001001", [("钱七", "head", number(55))])  # the case's own household, once admitted
    village = w.tree["130102001001"]
    app = Application(number="A-9", secret_hash="x" * 64, status="investigating", village_id=village.id,
                      region_path=village.path, applicant_name="钱七", answers={"members": [
                          {"name": n, "id_number": number(k)} for n, k in (("钱七", 55), ("李四", 12), ("张三", 11))]})
    w.s.add(app)
    w.s.flush()
    snap = contract.CaseSnapshot(w.s, app, KEY)
    hashes = [contract.id_hash(number(k), KEY) for k in (55, 12, 11)]
    # H-1 is suspended and A-9 is the case itself: only H-3 counts for the duplicate rule
    assert snap.others(hashes) == [("H-3", w.tree["130102002001"].path, contract.id_hash(number(12), KEY))]
    assert snap.others([contract.id_hash(number(99), KEY)]) == []


def test_run_goes_from_register_rows_to_findings(w):
    w.admit("H-1", "130102001001", [("张建国", "head", number(11)), ("李秀兰", "spouse", number(22))])
    w.admit("H-2", "130102002001", [("王五", "head", number(33)), ("李秀兰", "other", number(22))])
    w.rule("deposits", {"asset_limit_per_member_fen": 1_000_000})
    w.rule("dead", {})
    w.rule("duplicate", {})
    # The department file carries ID numbers; the load hashes them with the register's key.
    w.load("deposits", f"id_number,account_ref,asset_type,balance_yuan\n{number(11)},ICBC-9,deposit,15000\n"
                       f"{number(22)},ABC-1,security,5000.01\n{number(33)},CCB-3,deposit,9999.99\n")
    w.load("hukou", f"id_number,record_ref,status,death_date\n{number(33)},HJ-1,dead,2026-03-02\n")
    w.s.commit()
    summary = vs.run("tester", on=date(2026, 7, 1), session_factory=w.sf, data_dir=w.data)
    assert (summary.households, summary.found_new) == (2, 4)
    w.s.expire_all()
    got = {(f.household_id, f.rule, f.found_value, tuple(f.record_refs)) for f in w.s.execute(select(Finding)).scalars()}
    dup_h1 = next(x for x in got if x[0] == "H-1" and x[1] == "duplicate")
    assert got == {("H-1", "deposits", "2000001", ("ABC-1", "ICBC-9")), ("H-2", "dead", "2026-03-02", ("HJ-1",)),
                   dup_h1, ("H-2", "duplicate", "H-1", ("H-1",))}
    assert dup_h1[2] == "H-2"
    # Unchanged register and batches: nothing new.
    again = vs.run("tester", on=date(2026, 7, 1), session_factory=w.sf, data_dir=w.data)
    assert (again.found_new, again.found_open) == (0, 4)


def test_the_snapshot_takes_only_a_region_path_and_household_codes_of_the_register_shapes(db_session):
    """Its statements go to PostgreSQL's COPY with the values inlined: nothing else may reach them."""
    import pytest

    for path in ("/13/' OR '1'='1/", "13/", "/13/1301", ""):
        with pytest.raises(ValueError):
            contract.RegisterTablesSnapshot(db_session, KEY, path)
    with pytest.raises(ValueError):
        contract.RegisterTablesSnapshot(db_session, KEY, household_codes=["HH-1", "x'); DROP TABLE household; --"])
    contract.RegisterTablesSnapshot(db_session, KEY, "/13/1301/", household_codes=["HH-0001", "hh_2"])
