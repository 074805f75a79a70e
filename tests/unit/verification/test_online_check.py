"""The online check of one case at acceptance, against the loopback department (tests/unit/verification/department.py,
a real HTTP server): findings stored with the search as their provenance; every failure mode of the department
(500, malformed JSON, a wrong reference id, an answer slower than the time-out, records that fail validation) leaves
the case waiting with nothing stored; the circuit breaker shared through the database opens after consecutive
failures, lets exactly one probe through when it half-opens, and the sweep finishes the waiting cases."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from portal import sweep
from portal.applications import services as svc
from portal.kernel.audit_models import AuditEntry
from portal.kernel.calendar_store import load_calendar
from portal.verification import connector as dc
from portal.verification import services as vs
from portal.verification.models import DepartmentCircuit, Finding, OnlineCheck, Pull
from tests.asyncrun import run_async
from tests.unit.services.test_applications import ANSWERS, CAL, at, submitted, world  # noqa: F401
from tests.unit.verification.department import Behaviour, Server
from tests.unit.verification.world import session_factory

KEY = "online-check-key"
APPLICANT = ANSWERS["members"][0]["id_number"]
T0 = datetime(2026, 3, 3, 2, 0, tzinfo=timezone.utc)
ON = date(2026, 3, 3)
BREAKER = dc.BreakerConfig(failures=2, open_s=300)


@pytest.fixture(autouse=True)
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_SECRET_KEY", KEY)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "portal-data"))
    for name, value in (("TIMEOUT_S", "0.3"), ("RETRIES", "1"), ("BACKOFF_S", "0"), ("RATE_PER_S", "0")):
        monkeypatch.setenv(f"PORTAL_DEPT_{name}", value)
    from tests.conftest import clear_portal_caches

    clear_portal_caches()
    yield
    clear_portal_caches()


def deposit(balance: str = "80000", who: str = APPLICANT) -> dict:
    return {"id_hash": vs.contract.id_hash(who, KEY), "account_ref": "ICBC-9", "asset_type": "deposit",
            "balance_yuan": balance}


class Case:
    """A case accepted while the deposits department is configured: its check is pending until asked."""

    def __init__(self, db_session, world, monkeypatch, url: str) -> None:
        monkeypatch.setenv("PORTAL_DEPT_DEPOSITS_URL", url)
        county = world["county"]
        vs.add_rule(db_session, "admin", county.path, county.id, "deposits",
                    {"asset_limit_per_member_fen": 20_000_00}, date(2026, 1, 1), "冀民〔2026〕7号")
        self.s, self.world = db_session, world
        self.app = submitted(db_session, world)
        officer = world["officer"]
        svc.accept(db_session, officer, self.app.number, now=at(2026, 3, 3), cal=CAL)
        svc.record_home_survey(db_session, officer, self.app.number, "家中情况与申报一致，已拍照。", now=at(2026, 3, 4),
                               cal=CAL)
        svc.record_cross_check(db_session, officer, self.app.number, "explained", "核对发现见下方逐条处理。",
                               now=at(2026, 3, 4), cal=CAL)
        assert self.app.status == svc.PRELIMINARY
        db_session.commit()
        self.sf = session_factory(db_session.get_bind())

    def check(self, now: datetime = T0, **kw) -> str:
        return run_async(vs.check_case_online(self.app.number, self.world["officer"], session_factory=self.sf,
                                                now=now, on=ON, breaker=BREAKER, **kw))

    def row(self) -> OnlineCheck:
        self.s.expire_all()
        return self.s.execute(select(OnlineCheck).where(OnlineCheck.application_id == self.app.id)).scalar_one()

    def findings(self) -> list[Finding]:
        self.s.expire_all()
        return list(self.s.execute(select(Finding).where(Finding.application_id == self.app.id)).scalars())

    def circuit(self) -> DepartmentCircuit:
        self.s.expire_all()
        return self.s.get(DepartmentCircuit, "deposits")


def nothing_stored(case: Case) -> None:
    assert case.findings() == []
    assert case.s.scalar(select(func.count()).select_from(Pull)) == 0


def test_acceptance_asks_the_department_and_stores_the_findings_with_the_search_as_provenance(db_session, world,
                                                                                            monkeypatch):
    b = Behaviour(records={vs.contract.id_hash(APPLICANT, KEY): [deposit()]})
    with Server(b) as url:
        case = Case(db_session, world, monkeypatch, url)
        assert case.row().status == "pending" and case.row().online == ["deposits"]
        with pytest.raises(svc.ApplicationError) as info:  # nothing to decide on before the departments answered
            svc.preliminary_decision(db_session, world["officer"], case.app.number, False, "存款超过限额，不予批准。",
                                     cal=CAL)
        assert info.value.key == "apply.err_check_waiting"
        assert case.check() == "done"
    asked = {h for s in b.seen for h in s["people"]}
    assert asked == {vs.contract.id_hash(m["id_number"], KEY) for m in ANSWERS["members"]}
    [finding] = case.findings()
    pull = db_session.get(Pull, finding.pull_id)
    assert (finding.rule, finding.found_value, finding.record_refs, finding.source_batch_id, finding.as_of) == (
        "deposits", "8000000", ["ICBC-9"], None, ON)
    assert (pull.source, pull.status, pull.records, pull.persons, pull.checkpoint) == (
        "deposits", "done", 1, 3, {"case": case.app.number})
    assert b.seen[0]["reference_id"].startswith(pull.transaction_id)
    assert finding.answer_due_on == load_calendar(db_session).add_working_days(ON, 5)
    assert case.row().status == "done"
    audit = db_session.execute(select(AuditEntry.after).where(AuditEntry.action == "verification.case_checked")
                               ).scalar_one()
    assert audit["online"] == {"deposits": pull.id}


def test_a_transient_fault_is_retried_and_the_check_completes(db_session, world, monkeypatch):
    b = Behaviour(records={vs.contract.id_hash(APPLICANT, KEY): [deposit()]})
    b.faults[1] = ["500"]
    with Server(b) as url:
        case = Case(db_session, world, monkeypatch, url)
        assert case.check() == "done"
    assert [s["page"] for s in b.seen] == [1, 1]  # the 500, then the retry of the same page
    assert [f.rule for f in case.findings()] == ["deposits"]
    assert case.circuit().failures == 0


@pytest.mark.parametrize("fault, reason", [("always:500", "http 500"), ("always:malformed", "malformed answer"),
                                           ("always:wrong_ref", "wrong reference_id"), ("always:slow", "timeout")])
def test_each_failure_of_the_department_leaves_the_case_waiting_with_nothing_stored(db_session, world, monkeypatch,
                                                                                   fault, reason):
    b = Behaviour(records={vs.contract.id_hash(APPLICANT, KEY): [deposit()]}, slow_s=1.0)
    b.faults[1] = [fault]
    with Server(b) as url:
        case = Case(db_session, world, monkeypatch, url)
        assert case.check() == "waiting"
    row = case.row()
    assert (row.status, row.waiting_on, row.attempts) == ("waiting", {"deposits": reason}, 1)
    assert row.next_try_at == T0  # the circuit is still closed: the next sweep may ask again
    nothing_stored(case)
    assert (case.circuit().failures, case.circuit().open_until) == (1, None)
    with pytest.raises(svc.ApplicationError) as info:
        svc.preliminary_decision(db_session, world["officer"], case.app.number, False, "存款超过限额，不予批准。",
                                 cal=CAL)
    assert info.value.key == "apply.err_check_waiting"


def test_records_that_fail_validation_leave_the_case_waiting(db_session, world, monkeypatch):
    b = Behaviour(records={vs.contract.id_hash(APPLICANT, KEY): [deposit(balance="lots")]})
    with Server(b) as url:
        case = Case(db_session, world, monkeypatch, url)
        assert case.check() == "waiting"
    assert case.row().waiting_on == {"deposits": "invalid: verify.err_money"}
    nothing_stored(case)
    assert case.circuit().failures == 1


def test_the_circuit_opens_after_consecutive_failures_then_one_probe_closes_it_and_the_sweep_finishes_the_case(
        db_session, world, monkeypatch):
    b = Behaviour(records={vs.contract.id_hash(APPLICANT, KEY): [deposit()]})
    b.faults[1] = ["always:500"]
    with Server(b) as url:
        case = Case(db_session, world, monkeypatch, url)
        assert case.check(T0) == "waiting"
        assert case.circuit().open_until is None
        assert case.check(T0 + timedelta(seconds=1)) == "waiting"
        opened = case.circuit()
        assert (opened.failures, opened.open_until) == (2, T0 + timedelta(seconds=301))
        assert db_session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "verification.department_unavailable")) == 1
        asked = len(b.seen)
        # open: the case waits without asking, until the circuit may half-open
        assert case.check(T0 + timedelta(seconds=2)) == "waiting"
        assert len(b.seen) == asked
        assert (case.row().waiting_on, case.row().next_try_at) == ({"deposits": "open"}, opened.open_until)
        # the sweep before that time leaves it alone; after it, the probe is asked and the case completes
        early = run_async(vs.retry_waiting(session_factory=case.sf, now=T0 + timedelta(seconds=200),
                                             breaker=BREAKER, on=ON))
        assert early == {"done": 0, "waiting": 0} and len(b.seen) == asked
        b.faults.clear()
        later = run_async(vs.retry_waiting(session_factory=case.sf, now=T0 + timedelta(seconds=302),
                                             breaker=BREAKER, on=ON))
    assert later == {"done": 1, "waiting": 0}
    assert (case.circuit().failures, case.circuit().open_until) == (0, None)
    assert [f.rule for f in case.findings()] == ["deposits"]


def test_a_failed_probe_reopens_the_circuit(db_session, world, monkeypatch):
    b = Behaviour()
    b.faults[1] = ["always:500"]
    with Server(b) as url:
        case = Case(db_session, world, monkeypatch, url)
        case.check(T0)
        case.check(T0 + timedelta(seconds=1))
        probe_at = T0 + timedelta(seconds=400)
        assert case.check(probe_at) == "waiting"
    assert (case.circuit().failures, case.circuit().open_until) == (3, probe_at + timedelta(seconds=300))
    assert case.row().waiting_on == {"deposits": "http 500"}
    nothing_stored(case)


def test_only_one_caller_wins_the_half_open_probe(db_session):
    sf = session_factory(db_session.get_bind())
    half_open_at = T0 + timedelta(seconds=300)
    db_session.add(DepartmentCircuit(source="vehicles", failures=3, open_until=half_open_at, last_error="http 500"))
    db_session.commit()
    with sf() as one, sf() as two:
        assert vs.circuit(one, "vehicles", T0).state == "open"
        assert vs.circuit(one, "vehicles", half_open_at).state == "half_open"
        assert vs._claim(one, "vehicles", half_open_at, BREAKER) is True
        one.commit()
        assert vs._claim(two, "vehicles", half_open_at, BREAKER) is False  # the first one is probing


def test_the_officer_retries_a_waiting_check(db_session, world, monkeypatch):
    b = Behaviour(records={vs.contract.id_hash(APPLICANT, KEY): [deposit()]})
    b.faults[1] = ["always:500"]
    with Server(b) as url:
        case = Case(db_session, world, monkeypatch, url)
        case.check(T0)
        with pytest.raises(Exception):  # another township's officer may not
            svc.retry_online_check(db_session, world["stranger"], case.app.number)
        svc.retry_online_check(db_session, world["officer"], case.app.number, now=T0 + timedelta(seconds=5))
        db_session.commit()
        b.faults.clear()
        assert case.check(T0 + timedelta(seconds=5)) == "done"
        with pytest.raises(svc.ApplicationError) as info:
            svc.retry_online_check(db_session, world["officer"], case.app.number)
    assert info.value.key == "verify.err_nothing_to_retry"
    assert db_session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "verification.case_check_retry")) == 1


def test_the_sweep_entry_point_retries_waiting_checks(db_session, world, monkeypatch):
    b = Behaviour()
    with Server(b) as url:
        case = Case(db_session, world, monkeypatch, url)
        row = case.row()
        row.updated_at = datetime.now(timezone.utc) - timedelta(minutes=30)  # its worker stopped before asking
        db_session.commit()
        monkeypatch.setattr("portal.kernel.db.session_scope", case.sf)
        assert run_async(sweep.retry_checks()) == {"done": 1, "waiting": 0}
    assert case.row().status == "done"


def race(n: int, fn) -> list:
    """Run `fn(i)` in n threads released together (each with its own connection), returning their results."""
    import threading

    start = threading.Barrier(n)
    out: list = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        start.wait()
        try:
            out[i] = fn(i)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return out


def test_the_backend_is_the_one_asked_for(backend):
    import os

    assert backend == {"sqlite": "sqlite", "pg": "postgresql"}[os.environ.get("E2E_BACKEND", "sqlite")]


@pytest.mark.parametrize("round_", range(10))
def test_two_workers_racing_for_the_half_open_probe_one_wins(db_session, round_):
    """Two callers, each in its own transaction on its own connection, reach a half-open circuit at once (as two
    workers' sweeps or two officers' tabs do): exactly one may ask the department."""
    sf = session_factory(db_session.get_bind())
    half_open_at = T0 + timedelta(seconds=300)
    db_session.add(DepartmentCircuit(source="vehicles", failures=3, open_until=half_open_at, last_error="http 500"))
    db_session.commit()

    def claim(_i: int) -> bool:
        with sf() as s:
            return vs._claim(s, "vehicles", half_open_at + timedelta(seconds=1), BREAKER)

    assert sorted(race(2, claim)) == [False, True]
    db_session.expire_all()
    assert db_session.get(DepartmentCircuit, "vehicles").open_until == half_open_at + timedelta(seconds=301)


def test_two_workers_checking_the_same_case_at_once_store_it_once(db_session, world, monkeypatch):
    """The officer's tab and the sweep (two workers) ask about the same pending case at the same moment: both get
    the department's answer, the row lock on the case's check lets one store the findings and its search, and the
    other finds the check done and stores nothing."""
    # Each answer takes half the time-out, so both searches are in flight together.
    b = Behaviour(records={vs.contract.id_hash(APPLICANT, KEY): [deposit()]}, slow_s=0.15)
    b.faults[1] = ["always:slow"]
    with Server(b) as url:
        case = Case(db_session, world, monkeypatch, url)
        statuses = race(2, lambda i: asyncio.run(vs.check_case_online(
            case.app.number, world["officer"] if i else "system:sweep", session_factory=case.sf, now=T0, on=ON,
            breaker=BREAKER)))
    assert statuses == ["done", "done"]
    assert len(b.seen) == 2  # each asked: the lock is about storing, not asking
    assert [f.rule for f in case.findings()] == ["deposits"]
    assert db_session.scalar(select(func.count()).select_from(Pull)) == 1
    assert db_session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "verification.case_checked")) == 1
    assert case.row().attempts == 1
