"""Fixtures shared by the unit and integration tests (end-to-end fixtures live in tests/e2e/conftest.py)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `pytest` as well as `python -m pytest` (importlib mode adds nothing to sys.path)
    sys.path.insert(0, str(ROOT))

from sqlalchemy.orm import Session  # noqa: E402

from portal.kernel.db import make_engine  # noqa: E402
from portal.schema import Base  # noqa: E402


# Tests split by speed (tests/README.md): a test that uses a database gets the `db` marker, from the fixtures it uses
# (db_url, db_session, portal_env, or any fixture built on them) or from where it lives (integration and end-to-end),
# so `pytest -m "not db"` runs the pure ones in seconds. A test without the marker may not open a database.
DB_FIXTURES = frozenset({"db_url", "db_session", "portal_env"})
DB_DIRS = frozenset({"integration", "e2e"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests_dir = ROOT / "tests"
    for item in items:
        path = Path(str(item.path))
        under = path.relative_to(tests_dir).parts[0] if path.is_relative_to(tests_dir) else ""
        if under in DB_DIRS or DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


@pytest.fixture(autouse=True)
def _database_only_with_the_marker(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keeps the split honest: an engine made in a test without the `db` marker fails at once, naming the fix."""
    if request.node.get_closest_marker("db") is not None:
        return
    from portal.kernel import db

    def refuse(*_args, **_kwargs):
        raise RuntimeError("this test opens a database: take it through the db_url, db_session or portal_env "
                           "fixture (which marks it `db`, tests/conftest.py)")

    monkeypatch.setattr(db, "create_engine", refuse)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A fresh SQLite file for this test."""
    return f"sqlite:///{tmp_path / 'unit.db'}"


@pytest.fixture
def db_session(db_url: str) -> Iterator[Session]:
    """A Session on a fresh SQLite file with every table created (no Alembic: that is tested in integration)."""
    engine = make_engine(db_url)
    Base.metadata.create_all(engine)
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
    finally:
        session.rollback()
        session.close()
        engine.dispose()


@pytest.fixture
def fast_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters for tests that create many users.

    The production hasher costs about 0.4 s per hash here; verification reads the parameters from the stored
    hash, so only the cost changes, not the code path. The dummy hash (unknown accounts) is swapped too, so an
    unknown username still runs one full verification, just a cheap one.
    """
    from argon2 import PasswordHasher

    from portal.accounts import services as auth

    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(auth, "_hasher", cheap)
    monkeypatch.setattr(auth, "_DUMMY_HASH", cheap.hash("dummy-password-for-tests"))


def clear_portal_caches() -> None:
    """Settings, engine and session factory are functools.cache'd per process; env changes need a reset."""
    from portal.kernel import db
    from portal.kernel import settings

    if db.get_engine.cache_info().currsize:
        db.get_engine().dispose()
    settings.get_settings.cache_clear()
    db.get_engine.cache_clear()
    db._session_factory.cache_clear()


@pytest.fixture
def portal_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Point the process-wide settings at a tmp data dir; returns a setter for DATABASE_URL / REDIS_URL.

    Caches are cleared before and after, so no engine leaks between tests.
    """
    data_dir = tmp_path / "portal-data"
    monkeypatch.setenv("PORTAL_DATA_DIR", str(data_dir))
    monkeypatch.setenv("PORTAL_SECRET_KEY", "unit-test-secret-key")
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    clear_portal_caches()

    def configure(database_url: str | None = None, redis_url: str | None = None) -> None:
        if database_url is not None:
            monkeypatch.setenv("DATABASE_URL", database_url)
        if redis_url is not None:
            monkeypatch.setenv("REDIS_URL", redis_url)
        clear_portal_caches()

    yield configure
    clear_portal_caches()


@pytest.fixture
def quiet_audit(monkeypatch: pytest.MonkeyPatch):
    """A fixed secret key (keyed hashes) and no audit listeners, so the supervision rules that watch every audit row
    stay out of a test that is not about them; the settings caches are cleared around the test."""
    from portal.kernel import audit

    monkeypatch.setenv("PORTAL_SECRET_KEY", "unit-test-secret-key")
    clear_portal_caches()
    monkeypatch.setattr(audit, "_listeners", [])
    yield
    clear_portal_caches()
