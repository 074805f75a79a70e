"""Every worker process runs the retry loop for household checks waiting on a department; the round's lease
(`kernel.lease`, a row taken by a conditional UPDATE) lets one worker at a time ask the departments. Raced by
threads on their own connections, on SQLite and (E2E_BACKEND=pg) PostgreSQL; a dead worker's lease expires."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from portal import sweep
from portal.kernel import lease
from portal.kernel.lease_models import Lease
from portal.verification import contract
from tests.asyncrun import run_async
from tests.unit.services.test_applications import world  # noqa: F401
from tests.unit.verification.department import Behaviour, Server
from tests.unit.verification.test_online_check import APPLICANT, KEY, ON, Case, deposit, env, race  # noqa: F401
from tests.unit.verification.world import session_factory

T0 = datetime(2026, 3, 3, 2, 0, tzinfo=timezone.utc)


def test_a_lease_is_held_until_it_expires_then_anyone_may_take_it(db_session):
    assert lease.take(db_session, "job", 60, holder="a", now=T0)
    assert not lease.take(db_session, "job", 60, holder="b", now=T0 + timedelta(seconds=59))
    assert lease.take(db_session, "job", 60, holder="a", now=T0 + timedelta(seconds=30))  # its holder renews it
    assert not lease.take(db_session, "job", 60, holder="b", now=T0 + timedelta(seconds=89))
    # "a" died: nobody renews it, and once it has expired "b" takes it; "a" can no longer renew it
    assert lease.take(db_session, "job", 60, holder="b", now=T0 + timedelta(seconds=90))
    assert not lease.renew(db_session, "job", 60, holder="a", now=T0 + timedelta(seconds=91))
    assert lease.renew(db_session, "job", 60, holder="b", now=T0 + timedelta(seconds=91))
    db_session.expire_all()
    row = db_session.get(Lease, "job")
    assert (row.holder, row.expires_at) == ("b", T0 + timedelta(seconds=151))
    assert lease.take(db_session, "other job", 60, holder="a", now=T0)  # leases are per job


@pytest.mark.parametrize("round_", range(5))
@pytest.mark.parametrize("first", [True, False], ids=["no-row-yet", "expired-row"])
def test_two_workers_racing_for_the_lease_one_wins(db_session, round_, first):
    sf = session_factory(db_session.get_bind())
    if not first:
        db_session.add(Lease(name="job", holder="gone", expires_at=T0 - timedelta(seconds=1)))
        db_session.commit()

    def take(i: int) -> bool:
        with sf() as s:
            return lease.take(s, "job", 60, holder=f"worker-{i}", now=T0)

    won = race(2, take)
    assert sorted(won) == [False, True]
    db_session.expire_all()
    assert db_session.get(Lease, "job").holder == f"worker-{won.index(True)}"


def test_two_workers_sweeping_at_once_ask_the_department_once(db_session, world, monkeypatch):
    """Both workers' loops wake together with a waiting case: one takes the round and asks the department, the
    other skips it; the next interval the lease has expired and a worker takes it again."""
    b = Behaviour(records={contract.id_hash(APPLICANT, KEY): [deposit()]})
    b.faults[1] = ["500", "500"]  # the first search fails, and its retry: the case waits on the department
    with Server(b) as url:
        case = Case(db_session, world, monkeypatch, url)
        assert case.check() == "waiting"
        asked = len(b.seen)
        monkeypatch.setattr("portal.kernel.db.session_scope", case.sf)
        later = T0 + timedelta(seconds=400)  # the circuit never opened (1 failure of 2); the case is due
        rounds = race(2, lambda i: asyncio.run(sweep.retry_checks(holder=f"worker-{i}", now=later, on=ON)))
        assert sorted(rounds, key=lambda r: r is None) == [{"done": 1, "waiting": 0}, None]
        assert len(b.seen) == asked + 1
        winner = f"worker-{rounds.index(None) ^ 1}"
        db_session.expire_all()
        assert db_session.get(Lease, sweep.CHECKS_LEASE).holder == winner
        # the winner dies; one interval later the survivor takes the round
        survivor = f"worker-{rounds.index(None)}"
        after = later + timedelta(seconds=sweep.checks_interval() + 1)
        assert run_async(sweep.retry_checks(holder=survivor, now=after)) == {"done": 0, "waiting": 0}
    db_session.expire_all()
    assert db_session.execute(select(Lease.holder)).scalar_one() == survivor
    assert case.row().status == "done"



def test_one_worker_an_hour_runs_the_hourly_sweep(db_session):
    """Every worker schedules the hourly sweep (drafts, files, retention, the risk rules); the hour's lease lets
    one of them run it, and the next hour it is free again for whichever worker comes first."""
    sf = session_factory(db_session.get_bind())
    assert sweep.take_hourly(session_factory=sf, holder="w1", now=T0)
    assert not sweep.take_hourly(session_factory=sf, holder="w2", now=T0 + timedelta(seconds=5))
    assert not sweep.take_hourly(session_factory=sf, holder="w2", now=T0 + timedelta(minutes=54))
    next_hour = T0 + timedelta(seconds=sweep.INTERVAL_SECONDS)
    assert sweep.take_hourly(session_factory=sf, holder="w2", now=next_hour)
    assert not sweep.take_hourly(session_factory=sf, holder="w1", now=next_hour + timedelta(seconds=1))
