"""The database layer on a real backend: migrations, demo data, concurrent audit writers, sign-in throttling.

E2E_BACKEND=sqlite (default): a tmp SQLite file per test.
E2E_BACKEND=pg: a fresh, uniquely named PostgreSQL database per test, created through the server at PG_URL
(default postgresql+psycopg://postgres@127.0.0.1:5432/test) and dropped afterwards. An unreachable server FAILS
these tests; it never skips them.
"""

from __future__ import annotations

import os
import threading
import uuid
import warnings
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from portal.kernel.db import make_engine
from portal.schema import Base
from portal.accounts.models import Role, RoleGrant, SignInFailure, SignInSession, User
from portal.kernel.audit_models import AuditEntry, AuditHead
from portal.regions.models import Region, ServiceWindow
from portal.kernel import audit
from portal.accounts import services as auth
from portal import demo
from tests import factories

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("fast_passwords")]

ROOT = Path(__file__).resolve().parents[2]
BACKEND = os.environ.get("E2E_BACKEND", "sqlite")
PG_URL = os.environ.get("PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
DEMO_PASSWORD = "integration-demo-pw-1"


def _create_pg_database() -> tuple[str, callable]:
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    name = f"sd_it_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        pytest.fail(f"E2E_BACKEND=pg but PostgreSQL at {make_url(PG_URL).render_as_string(hide_password=True)} "
                    f"is not usable: {type(exc).__name__}: {exc}".splitlines()[0], pytrace=False)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture
def empty_db_url(tmp_path: Path) -> Iterator[str]:
    """A brand-new, empty database on the chosen backend."""
    if BACKEND == "sqlite":
        yield f"sqlite:///{tmp_path / 'integration.db'}"
    elif BACKEND == "pg":
        url, drop = _create_pg_database()
        try:
            yield url
        finally:
            drop()
    else:
        pytest.fail(f"unknown E2E_BACKEND={BACKEND!r} (expected 'sqlite' or 'pg')", pytrace=False)


def alembic_config(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["url"] = url
    return cfg


@pytest.fixture
def db_url(empty_db_url: str) -> str:
    """The empty database, migrated to head with Alembic (as `python -m portal migrate` does)."""
    command.upgrade(alembic_config(empty_db_url), "head")
    return empty_db_url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


def test_backend_is_the_one_asked_for(engine):
    assert engine.dialect.name == {"sqlite": "sqlite", "pg": "postgresql"}[BACKEND]


# --- migrations -------------------------------------------------------------------------------------------------

def test_upgrade_head_creates_every_table(engine, db_url):
    head = ScriptDirectory.from_config(alembic_config(db_url)).get_current_head()
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head
    assert set(inspect(engine).get_table_names()) == set(Base.metadata.tables) | {"alembic_version"}


def test_migrations_match_the_models(engine):
    """Autogenerate against the migrated database finds nothing to do: no model change lacks a migration."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_upgrade_is_repeatable_and_downgrade_works(db_url):
    cfg = alembic_config(db_url)
    command.upgrade(cfg, "head")  # already at head: no-op
    command.downgrade(cfg, "base")
    eng = make_engine(db_url)
    try:
        assert set(inspect(eng).get_table_names()) <= {"alembic_version"}
        command.upgrade(cfg, "head")
        assert set(Base.metadata.tables) <= set(inspect(eng).get_table_names())
    finally:
        eng.dispose()


# --- demo data --------------------------------------------------------------------------------------------------

def _counts(session: Session) -> dict[str, int]:
    return {model.__name__: session.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (Region, ServiceWindow, User, RoleGrant, AuditEntry)}


def test_demo_load_is_idempotent(engine):
    with Session(engine) as session:
        demo.load(session, DEMO_PASSWORD)
        session.commit()
        first = _counts(session)
    assert first["Region"] == len(demo.REGIONS) and first["ServiceWindow"] == len(demo.WINDOWS)
    assert first["User"] == first["RoleGrant"] == len(demo.ACCOUNTS)
    with Session(engine) as session:
        creates = session.execute(select(func.count()).select_from(AuditEntry)
                                  .where(AuditEntry.action == "user.create")).scalar_one()
    assert creates == len(demo.ACCOUNTS)  # one user.create each (the demo roster's publications come on top)

    with Session(engine) as session:
        demo.load(session, "another-password-9")  # must not touch existing accounts
        session.commit()
        assert _counts(session) == first
        assert audit.verify_chain(session) == audit.ChainReport(ok=True, rows=first["AuditEntry"])
        # Paths were materialised from the parents, and the old password still works.
        village = session.execute(select(Region).where(Region.code == "130102001001")).scalar_one()
        assert village.path == "/13/1301/130102/130102001/130102001001/"
        result = auth.sign_in(session, "officer_county", DEMO_PASSWORD, "127.0.0.1", auth.Policy())
        assert result.token and result.actor.home == "/officer"
        assert auth.sign_in(session, "admin", "another-password-9", "127.0.0.1",
                            auth.Policy()).error == "auth.bad_credentials"
        session.commit()


# --- concurrent audit writers -----------------------------------------------------------------------------------

THREADS, PER_THREAD = 4, 25


def _hammer(engine: Engine, prefix: str) -> list[str]:
    """THREADS threads × PER_THREAD audit rows, each in its own session and transaction. No retries: every
    exception is collected and returned, so a lock timeout or serialization error fails the test."""
    failures: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def writer(n: int) -> None:
        barrier.wait()
        for i in range(PER_THREAD):
            try:
                with Session(engine) as session:
                    audit.record(session, f"writer-{n}", f"{prefix}.write", "thread", f"{n}-{i}",
                                 after={"thread": n, "i": i})
                    session.commit()
            except Exception as exc:  # counted, never retried
                with lock:
                    failures.append(f"writer {n} row {i}: {type(exc).__name__}: {exc}".splitlines()[0])

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a writer hung"
    return failures


def _assert_chain_whole(engine: Engine, prefix: str, at_least: int) -> None:
    with Session(engine) as session:
        landed = session.execute(select(AuditEntry.target_id).where(AuditEntry.action == f"{prefix}.write")
                                 ).scalars().all()
        assert sorted(landed) == sorted(f"{n}-{i}" for n in range(THREADS) for i in range(PER_THREAD))
        report = audit.verify_chain(session)
        assert report.ok, report
        assert report.rows >= at_least
        forks = session.execute(select(AuditEntry.prev_hash).group_by(AuditEntry.prev_hash)
                                .having(func.count() > 1)).scalars().all()
        assert forks == [], "two rows share a predecessor: the chain forked"
        head = session.get(AuditHead, 1)
        last = session.execute(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).scalar_one()
        assert (head.last_id, head.last_hash) == (last.id, last.hash)


def test_concurrent_audit_writers_keep_one_chain(engine):
    with Session(engine) as session:  # an existing log, as in production
        for i in range(5):
            audit.record(session, "system", "seed", "thing", i)
        session.commit()
    failures = _hammer(engine, "concurrent")
    assert failures == [], f"{len(failures)} of {THREADS * PER_THREAD} writes failed:\n" + "\n".join(failures)
    _assert_chain_whole(engine, "concurrent", THREADS * PER_THREAD + 5)


def test_concurrent_first_writes_on_an_empty_log(engine):
    """A fresh install: nobody has written the head row yet when several writers start at once."""
    with Session(engine) as session:
        assert session.execute(select(func.count()).select_from(AuditHead)).scalar_one() == 0
    failures = _hammer(engine, "bootstrap")
    assert failures == [], f"{len(failures)} of {THREADS * PER_THREAD} writes failed:\n" + "\n".join(failures)
    _assert_chain_whole(engine, "bootstrap", THREADS * PER_THREAD)


# --- sign-in throttle on this backend ---------------------------------------------------------------------------

def test_sign_in_throttle(engine):
    policy = auth.Policy(max_failures_account=5, max_failures_client=20, window_minutes=15)
    t0 = datetime.now(timezone.utc).replace(microsecond=123456)
    with Session(engine) as session:
        tree = factories.region_tree(session)
        factories.user(session, [(Role.OFFICER, tree["130102"])], username="throttle_me")
        session.commit()

    def attempt(password: str, now: datetime, client: str = "192.0.2.1") -> auth.SignInResult:
        with Session(engine) as session:  # one transaction per request, as the API does
            result = auth.sign_in(session, "throttle_me", password, client, policy, now=now)
            session.commit()
            return result

    for i in range(5):
        assert attempt("wrong", t0 + timedelta(seconds=i)).error == "auth.bad_credentials"
    # Another address (the owner) is only slowed: 30 s after the last failure.
    assert attempt(factories.DEFAULT_PASSWORD, t0 + timedelta(seconds=14), "198.51.100.9").error == "auth.throttled"
    assert attempt(factories.DEFAULT_PASSWORD, t0 + timedelta(seconds=40), "198.51.100.9").token
    # The guessing address waits for the window.
    assert attempt(factories.DEFAULT_PASSWORD, t0 + timedelta(minutes=1)).error == "auth.throttled"
    # The window is measured with the stored (timezone-aware) timestamps of this backend.
    assert attempt(factories.DEFAULT_PASSWORD, t0 + timedelta(minutes=15)).error == "auth.throttled"
    ok = attempt(factories.DEFAULT_PASSWORD, t0 + timedelta(minutes=15, seconds=5))
    assert ok.error is None and ok.token
    with Session(engine) as session:
        assert session.execute(select(func.count()).select_from(SignInFailure)).scalar_one() == 0
        assert auth.lookup(session, ok.token, now=t0 + timedelta(minutes=16)).status == "ok"
        stored = session.execute(select(SignInSession).order_by(SignInSession.id.desc()).limit(1)).scalar_one()
        assert stored.expires_at == t0 + timedelta(minutes=15, seconds=5, hours=policy.session_hours)
        assert stored.expires_at.tzinfo is not None


def test_timestamps_round_trip_as_utc(engine):
    """UTCDateTime: aware in, aware UTC out, on every backend (SQLite stores naive text)."""
    china = timezone(timedelta(hours=8))
    at = datetime(2026, 3, 9, 10, 30, 15, 654321, tzinfo=china)
    with Session(engine) as session:
        entry = audit.record(session, "system", "tz", "thing", 1, at=at)
        session.commit()
        entry_id = entry.id
    with Session(engine) as session:
        stored = session.get(AuditEntry, entry_id).at
        assert stored == at and stored.utcoffset() == timedelta(0)
        assert audit.verify_chain(session).ok  # the hash was taken over the UTC form


# --- health on this backend -------------------------------------------------------------------------------------

def test_health_on_this_backend(db_url, portal_env):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        from starlette.testclient import TestClient

    from portal.api_app import api

    expected = {"database": "ok"}
    if BACKEND == "pg":  # production-like: PostgreSQL + Redis
        portal_env(database_url=db_url, redis_url=REDIS_URL)
        expected["redis"] = "ok"
    else:
        portal_env(database_url=db_url)
    with TestClient(api) as client:
        r = client.get("/api/health")
    assert (r.status_code, r.json()) == (200, {"status": "ok", "checks": expected})


# --- one phone, one window, several submissions at once -------------------------------------------------------

def test_simultaneous_ratings_from_one_phone_pass_the_cool_down_once(engine):
    """The cool-down reads before it writes: submissions racing from one device must still yield one rating."""
    from portal.ratings.models import Rating
    from portal.ratings import services as wf

    with Session(engine) as session:
        tree = factories.region_tree(session)
        code = factories.window(session, tree.all_townships[0]).code
        session.commit()
    outcomes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def submit(n: int) -> None:
        barrier.wait()
        try:
            with Session(engine) as session:
                wf.submit_rating(session, wf.NewRating(window_code=code, level=5), device_id="same-phone",
                                 client=f"10.0.0.{n}", secret="s")
                session.commit()
            result = "stored"
        except wf.RatingError as exc:
            result = exc.key
        except Exception as exc:  # a lock timeout or serialization failure would land here and fail the test
            result = f"{type(exc).__name__}: {exc}".splitlines()[0]
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(outcomes) == ["rating.cooldown"] * (THREADS - 1) + ["stored"]
    with Session(engine) as session:
        assert session.execute(select(func.count()).select_from(Rating)).scalar_one() == 1


# --- two people deciding the year's reward pool at the same moment ---------------------------------------------

def test_two_people_deciding_a_reward_pool_at_once_leave_one_standing(engine, monkeypatch):
    """Both deciders pass the service's look-up for a standing pool before either inserts (they meet at a barrier
    right after it), so only the unique index on standing pools can stop the second: it must fail with the domain
    error, never a raw IntegrityError, and leave exactly one decided pool and one audit row."""
    from portal.kernel.audit_models import AuditEntry
    from portal.ratings.models import Rating, RatingStatus
    from portal.reporting import rules as reporting_rules
    from portal.reporting import services as rs
    from portal.reporting.models import RewardPool

    now = datetime(2026, 12, 20, 2, 0, tzinfo=timezone.utc)
    weights = {reporting_rules.TERM_SATISFACTION: 400, reporting_rules.TERM_SUBSTANTIATED: 300,
               reporting_rules.TERM_PAID_ON_TIME: 300}
    with Session(engine, expire_on_commit=False) as session:
        tree = factories.region_tree(session)
        deciders = [factories.actor_with(session, (Role.ADMIN, tree.province)) for _ in range(2)]
        win = factories.window(session, tree.all_townships[0])
        for n in range(10):
            session.add(Rating(window_id=win.id, level=5, tags=[], device_hash=f"d{n}", client_hash="c",
                               receipt_code=f"R{n:015d}", status=RatingStatus.COUNTED,
                               created_at=datetime(2026, 3, 1, tzinfo=timezone.utc)))
        rs.set_weights(session, deciders[0], "13", weights, date(2026, 1, 1), "冀民〔2026〕8号", now=now)
        session.commit()

    barrier = threading.Barrier(len(deciders))
    scores = rs.county_scores

    def after_the_look_up(*args, **kwargs):
        barrier.wait(timeout=60)
        return scores(*args, **kwargs)

    monkeypatch.setattr(rs, "county_scores", after_the_look_up)
    outcomes: list[str] = []
    lock = threading.Lock()

    def decide(actor) -> None:
        try:
            with Session(engine) as session:
                rs.decide_pool(session, actor, "13", 2026, 1_000_000_00, 10_000, now=now)
                session.commit()
            result = "decided"
        except rs.ReportingError as exc:
            result = exc.key
        except Exception as exc:  # a raw IntegrityError, a lock timeout or a broken barrier fails the test
            result = f"{type(exc).__name__}: {exc}".splitlines()[0]
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=decide, args=(a,)) for a in deciders]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a decider hung"
    assert sorted(outcomes) == ["decided", "reporting.err_pool_taken"]
    with Session(engine) as session:
        pools = session.execute(select(RewardPool)).scalars().all()
        assert [(p.year, p.status) for p in pools] == [(2026, rs.DECIDED)]
        assert session.execute(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == rs.ACTION_DECIDE)).scalar_one() == 1
        # A rejected pool no longer stands: the year may be decided again.
        monkeypatch.setattr(rs, "county_scores", scores)
        rs.approve_pool(session, deciders[1] if pools[0].decided_by == deciders[0].user_id else deciders[0],
                        pools[0].id, False, "wrong floor", now=now)
        again = rs.decide_pool(session, deciders[0], "13", 2026, 1_000_000_00, 20_000, now=now)
        session.commit()
        assert again.status == rs.DECIDED and again.id != pools[0].id


# --- the annual figures' grouped pass on this backend ----------------------------------------------------------

def test_grouped_annual_figures_equal_the_per_county_statements(engine):
    """The grouped statements lean on the backend (the China day of an instant, substr of a path, conditional
    counts): the same generated comparison as tests/unit/annual/test_grouped.py, on the migrated database."""
    from tests.unit.annual.test_grouped import compare

    with Session(engine, expire_on_commit=False) as session:
        compare(session, 4)


# --- planner statistics after a register import -----------------------------------------------------------------

def test_register_import_leaves_planner_statistics_on_postgresql(engine, db_url, portal_env, tmp_path):
    """On PostgreSQL the import runs ANALYZE on the tables it wrote, after its commit: pg_stats describes them at
    once (autovacuum would only notice later; a few rows are far below its threshold, so it cannot be what filled
    them here) and pg_class counts the committed rows. SQLite is left without statistics on purpose
    (kernel.db.analyze)."""
    from portal import cli
    from portal.register import rules
    from portal.register.importer import WRITTEN_TABLES

    with Session(engine) as session:
        factories.region_tree(session)
        session.commit()
    people = [rules.make_number(f"130102197001{i + 1:02d}001") for i in range(3)]
    households = tmp_path / "households.csv"
    households.write_text("household_code,village_code,head_name,monthly_amount,start_date,consent_date\n"
                          "HH-1,130102001001,张建国,900,2024-01-01,2023-12-01\nHH-2,130102001002,李四,650,2024-02-01,\n",
                          encoding="utf-8")
    members = tmp_path / "members.csv"
    members.write_text("household_code,name,relation,id_number\n"
                       f"HH-1,张建国,head,{people[0]}\nHH-1,李秀兰,spouse,{people[1]}\nHH-2,李四,head,{people[2]}\n",
                       encoding="utf-8")
    tables = (*WRITTEN_TABLES, "verification_grant")

    def analysed() -> dict[str, bool]:
        with engine.connect() as conn:
            if BACKEND == "sqlite":
                return {t: bool(conn.execute(text("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"))
                                .scalar_one()) for t in tables}
            return {t: bool(conn.execute(text("SELECT COUNT(*) FROM pg_stats WHERE schemaname = 'public' "
                                              "AND tablename = :t"), {"t": t}).scalar_one()) for t in tables}

    assert analysed() == dict.fromkeys(tables, False)
    portal_env(database_url=db_url)
    assert cli.main(["register", "import", str(households), str(members)]) == 0
    assert analysed() == dict.fromkeys(tables, BACKEND == "pg")
    if BACKEND == "pg":
        with engine.connect() as conn:
            tuples = dict(conn.execute(text("SELECT relname, reltuples FROM pg_class WHERE relname IN "
                                            "('register_household', 'register_member', 'roster_entry', "
                                            "'verification_grant')")).all())
        assert tuples == {"register_household": 2, "register_member": 3, "roster_entry": 2,
                          "verification_grant": 1}
