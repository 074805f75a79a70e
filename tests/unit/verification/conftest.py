"""The verification tests' database: a tmp SQLite file by default; with E2E_BACKEND=pg (scripts/test part 2) a fresh
PostgreSQL database per test next to PG_URL's, so the circuit breaker's single half-open probe and the row lock on a
case are proven where several workers really run at once. An unreachable server fails these tests, never skips."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


BACKEND = os.environ.get("E2E_BACKEND", "sqlite")


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    if BACKEND == "sqlite":
        yield f"sqlite:///{tmp_path / 'unit.db'}"
        return
    if BACKEND != "pg":
        pytest.fail(f"unknown E2E_BACKEND={BACKEND!r} (expected 'sqlite' or 'pg')", pytrace=False)
    from tests.serve import pg_database

    try:
        url, drop = pg_database("sd_unit_verify")
    except Exception as exc:  # noqa: BLE001 - the reason is the message
        pytest.fail(f"E2E_BACKEND=pg but PostgreSQL is not usable: {type(exc).__name__}: {exc}".splitlines()[0],
                    pytrace=False)
    try:
        yield url
    finally:
        drop()


@pytest.fixture
def backend(db_session) -> str:
    return db_session.get_bind().dialect.name
