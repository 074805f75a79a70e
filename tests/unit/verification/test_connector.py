"""The department connector against a real HTTP server on loopback (tests/unit/verification/department.py): paging,
retries with backoff, a page that keeps failing (the pull ends partial with nothing loaded, and the next pull asks only
for that page), refused credentials, bad answers, the grant (no question about a household without one), and the
pulled records landing in the same validated batches as a file."""

from __future__ import annotations

import json
from datetime import date

import httpx
import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select

from portal.cli import main as cli_main
from portal.kernel.audit_models import AuditEntry
from portal.register.models import Member
from portal.verification import connector as dc
from portal.verification import services as vs
from portal.verification.models import Finding, Pull, SourceBatch
from tests.asyncrun import run_async
from tests.unit.verification.department import Behaviour, Server
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
    world.admit("H-1", "130102001001", [("张建国", "head", number(11)), ("李秀兰", "spouse", number(22))])
    world.admit("H-2", "130102001001", [("王五", "head", number(33))])
    world.admit("H-9", "130102001001", [("没授权", "head", number(99))], grant=False)
    db_session.commit()
    world.hashes = dict(db_session.execute(select(Member.id_number, Member.id_hash)).all())
    return world


def vehicles(w, serial: int, n: int) -> list[dict]:
    return [{"id_hash": w.hashes[number(serial)], "plate": f"冀A{serial:02d}{k:03d}", "vehicle_type": "car",
             "value_yuan": "30000"} for k in range(n)]


def cfg(url: str, **kw) -> dc.DepartmentConfig:
    base = dict(source="vehicles", url=url, token="t0k3n", timeout_s=0.5, retries=2, backoff_s=0.0,
                rate_per_s=0, page_size=2, chunk=2)
    base.update(kw)
    return dc.DepartmentConfig(**base)


def pull(w, config, **kw):
    return vs.pull("vehicles", "tester", config=config, as_of=date(2026, 6, 30), session_factory=w.sf,
                   data_dir=w.data, **kw)


def test_a_pull_pages_through_every_chunk_and_becomes_a_validated_batch(w):
    b = Behaviour(token="t0k3n", records={w.hashes[number(11)]: vehicles(w, 11, 3), w.hashes[number(33)]: vehicles(w, 33, 1)})
    with Server(b) as url:
        res = pull(w, cfg(url))
    assert (res.status, res.persons, res.records) == ("done", 3, 4)
    asked = sorted({h for s in b.seen for h in s["people"]})
    assert w.hashes[number(99)] not in asked  # no grant, no question
    assert asked == sorted(w.hashes[number(n)] for n in (11, 22, 33))
    # chunk 0 (two people, three records) takes pages 1 and 2 of size 2; chunk 1 (one person) one page
    assert [(s["page"], len(s["people"])) for s in b.seen] == [(1, 2), (2, 2), (1, 1)]
    w.s.expire_all()
    batch = w.s.get(SourceBatch, res.batch_id)
    rows = pq.read_table(w.data / batch.path).to_pylist()
    assert sorted(r["plate"] for r in rows) == ["冀A11000", "冀A11001", "冀A11002", "冀A33000"]
    assert {r["value_fen"] for r in rows} == {3_000_000}
    row = w.s.get(Pull, res.pull_id)
    assert (row.status, row.records, row.requests, row.batch_id) == ("done", 4, 3, res.batch_id)
    actions = list(w.s.execute(select(AuditEntry.action).where(AuditEntry.action.like("verification.pull%"))
                               .order_by(AuditEntry.id)).scalars())
    assert actions == ["verification.pull_started", "verification.pull_finished"]
    assert not (w.data / "verification" / "pulls" / str(res.pull_id)).exists()


def test_the_pulled_batch_feeds_a_run(w):
    w.rule("vehicles", {"max_vehicles": 0, "exempt_types": ["disability_adapted"], "motorcycle_value_limit_fen": 0})
    w.s.commit()
    b = Behaviour(token="t0k3n", records={w.hashes[number(33)]: vehicles(w, 33, 1)})
    with Server(b) as url:
        assert pull(w, cfg(url)).status == "done"
    vs.run("tester", on=date(2026, 7, 1), session_factory=w.sf, data_dir=w.data)
    w.s.expire_all()
    assert [(f.household_id, f.rule, f.record_refs) for f in w.s.execute(select(Finding)).scalars()] == [
        ("H-2", "vehicles", ["冀A33000"])]


def test_transient_faults_are_retried_with_backoff(w):
    b = Behaviour(token="t0k3n", records={w.hashes[number(11)]: vehicles(w, 11, 3)}, slow_s=2.0)
    b.faults[1] = ["500", "malformed"]
    b.faults[2] = ["slow", "wrong_ref"]
    slept: list[float] = []
    with Server(b) as url:
        config = cfg(url, retries=2, backoff_s=0.1)
        dept = dc.Department(config, sleep=slept.append)
        res = pull(w, config, department=dept)
    assert (res.status, res.records) == ("done", 3)
    assert slept == [0.1, 0.2, 0.1, 0.2]  # doubling per retry of the same page
    w.s.expire_all()
    assert w.s.get(Pull, res.pull_id).requests == 3 + 4


def test_a_page_that_keeps_failing_leaves_the_pull_partial_and_nothing_loaded_then_only_it_is_retried(w):
    b = Behaviour(token="t0k3n", records={w.hashes[number(11)]: vehicles(w, 11, 3), w.hashes[number(33)]: vehicles(w, 33, 1)})
    b.faults[2] = ["always:500"]
    with Server(b) as url:
        first = pull(w, cfg(url))
        assert (first.status, first.failed) == ("partial", {"0:2": "http 500"})
        w.s.expire_all()
        assert w.s.scalar(select(func.count()).select_from(SourceBatch)) == 0
        row = w.s.get(Pull, first.pull_id)
        assert (row.status, row.batch_id, row.checkpoint["failed"]) == ("partial", None, {"0:2": "http 500"})
        b.faults.clear()
        b.seen.clear()
        second = pull(w, cfg(url))
    assert (second.pull_id, second.resumed, second.status, second.records) == (first.pull_id, True, "done", 4)
    assert [s["page"] for s in b.seen] == [2]  # only the missing page
    assert b.seen[0]["reference_id"].startswith(row.transaction_id)


def test_refused_credentials_stop_at_once(w):
    b = Behaviour(token="right", records={w.hashes[number(11)]: vehicles(w, 11, 1)})
    with Server(b) as url:
        res = pull(w, cfg(url, token="wrong"))
    assert res.status == "refused"
    assert len(b.seen) == 0  # refused before the server read a query; no retries either
    w.s.expire_all()
    row = w.s.get(Pull, res.pull_id)
    assert (row.status, row.error, row.requests) == ("refused", "http 401", 1)
    assert w.s.scalar(select(func.count()).select_from(SourceBatch)) == 0


def test_a_signing_key_is_checked_by_the_department(w):
    b = Behaviour(key="shared-secret", records={w.hashes[number(11)]: vehicles(w, 11, 1)})
    with Server(b) as url:
        assert pull(w, cfg(url, token="", key="wrong")).status == "refused"
        assert pull(w, cfg(url, token="", key="shared-secret")).status == "done"


def test_records_that_fail_validation_load_nothing(w):
    bad = vehicles(w, 11, 1)
    bad[0]["vehicle_type"] = "spaceship"
    b = Behaviour(token="t0k3n", records={w.hashes[number(11)]: bad})
    with Server(b) as url:
        res = pull(w, cfg(url))
    assert res.status == "invalid"
    w.s.expire_all()
    assert w.s.scalar(select(func.count()).select_from(SourceBatch)) == 0
    assert w.s.get(Pull, res.pull_id).error.endswith("verify.err_choice")


def test_records_about_people_not_asked_are_refused(w):
    b = Behaviour(token="t0k3n", records={w.hashes[number(11)]: [{**vehicles(w, 11, 1)[0], "id_hash": "f" * 64}]})
    with Server(b) as url:
        assert pull(w, cfg(url)).status == "invalid"


def test_a_wrong_page_number_is_a_bad_answer(w):
    b = Behaviour(token="t0k3n", records={w.hashes[number(11)]: vehicles(w, 11, 1)})
    b.faults[1] = ["always:wrong_page"]
    with Server(b) as url:
        res = pull(w, cfg(url, retries=1))
    assert (res.status, res.failed) == ("partial", {"0:1": "malformed answer", "1:1": "malformed answer"})


def test_a_timeout_is_a_failed_attempt():
    b = Behaviour(slow_s=1.0)
    b.faults[1] = ["always:slow"]
    with Server(b) as url:
        dept = dc.Department(cfg(url, token="", timeout_s=0.2, retries=1), sleep=lambda s: None)
        with pytest.raises(dc.DepartmentError) as info:
            dept.search("txn", "txn-0-1", ["a" * 64], 1)
        dept.close()
    assert (info.value.reason, dept.requests) == ("timeout", 2)


def test_requests_are_spaced_to_the_rate():
    clock = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(round(s, 3))
        clock[0] += s

    def handler(request: httpx.Request) -> httpx.Response:
        doc = json.loads(request.content)
        req = doc["message"]["search_request"][0]
        return httpx.Response(200, json={"message": {"transaction_id": doc["message"]["transaction_id"],
                                                     "search_response": [{"reference_id": req["reference_id"],
                                                                          "status": "succ",
                                                                          "data": {"reg_records": []},
                                                                          "pagination": {"page_number": 1,
                                                                                         "total_count": 0}}]}})

    dept = dc.Department(cfg("http://127.0.0.1:9/x", rate_per_s=4), client=httpx.Client(
        transport=httpx.MockTransport(handler)), sleep=sleep, clock=lambda: clock[0])
    for k in range(3):
        dept.search("t", f"t-{k}", [], 1)
    assert slept == [0.25, 0.25]


def test_configuration_comes_from_the_environment():
    assert dc.DepartmentConfig.from_env("vehicles", {}) is None
    c = dc.DepartmentConfig.from_env("vehicles", {"PORTAL_DEPT_VEHICLES_URL": "https://gat.example/search",
                                                  "PORTAL_DEPT_VEHICLES_TOKEN": "x", "PORTAL_DEPT_RETRIES": "5",
                                                  "PORTAL_DEPT_PAGE_SIZE": "100"})
    assert (c.url, c.token, c.retries, c.page_size) == ("https://gat.example/search", "x", 5, 100)
    with pytest.raises(ValueError):
        dc.DepartmentConfig.from_env("vehicles", {"PORTAL_DEPT_VEHICLES_URL": "http://gat.example/search"})


def test_the_cli_says_when_a_source_has_no_connector(monkeypatch, capsys):
    monkeypatch.delenv("PORTAL_DEPT_VEHICLES_URL", raising=False)
    assert cli_main(["crosscheck", "pull", "--source", "vehicles", "--lang", "en"]) == 2
    assert "PORTAL_DEPT_<SOURCE>_URL" in capsys.readouterr().err


def _answer(status: str = "succ", total: int = 1, records=None) -> httpx.Response:
    return httpx.Response(200, json={"message": {"transaction_id": "txn", "search_response": [{
        "reference_id": "txn-0-1", "status": status, "data": {"reg_records": records or []},
        "pagination": {"page_size": 2, "page_number": 1, "total_count": total}}]}})


def test_a_departments_status_text_is_never_stored_or_shown_as_given():
    """The reason becomes the circuit's last error, the waiting case's reason on the officer's page and an audit
    row: what the department wrote there (an ID number, markup) is not carried into any of them."""
    with pytest.raises(dc.DepartmentError) as info:
        dc.parse_answer(_answer("失败 13010219800101123X <b>"), "txn", "txn-0-1", 1)
    reason = info.value.reason
    assert reason.startswith("status") and not any(ch.isdigit() for ch in reason) and "<" not in reason
    with pytest.raises(dc.DepartmentError) as info:
        dc.parse_answer(_answer("rcvd"), "txn", "txn-0-1", 1)
    assert info.value.reason == "status rcvd"


def test_a_total_count_beyond_what_was_asked_is_a_bad_answer():
    """A department claiming millions of records about a handful of people would keep the check paging for hours
    (and holding every page in memory): the total is bounded by the page size times the pages a chunk can need."""
    with pytest.raises(dc.DepartmentError) as info:
        dc.parse_answer(_answer(total=10**9), "txn", "txn-0-1", 1)
    assert info.value.reason == "malformed answer"
    assert dc.parse_answer(_answer(total=3), "txn", "txn-0-1", 1).total == 3


def test_the_online_check_refuses_more_records_than_a_case_can_have():
    asked: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        req = body["message"]["search_request"][0]
        asked.append(req["search_criteria"]["pagination"]["page_number"])
        return httpx.Response(200, json={"message": {"transaction_id": body["message"]["transaction_id"],
                                                     "search_response": [{
            "reference_id": req["reference_id"], "status": "succ", "data": {"reg_records": [{"id_hash": "a" * 64}]},
            "pagination": {"page_size": 2, "page_number": req["search_criteria"]["pagination"]["page_number"],
                           "total_count": 5_000_000}}]}})

    async def run():
        dept = dc.AsyncDepartment(cfg("https://dept.example", retries=0),
                                  client=httpx.AsyncClient(transport=httpx.MockTransport(handler)))
        try:
            return await dept.records_of("txn", ["a" * 64, "b" * 64])
        finally:
            await dept.aclose()

    with pytest.raises(dc.DepartmentError) as info:
        run_async(run())
    assert info.value.reason == "malformed answer" and asked == [1]
