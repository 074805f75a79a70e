"""Fixtures for the /api/ route tests: a tmp SQLite database holding the demo data, and a Starlette TestClient on it."""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

with warnings.catch_warnings():  # "install httpx2 instead": the httpx-based client is what this Starlette ships
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from portal.api_app import api
from portal.kernel.db import make_engine
from portal.schema import Base
from portal.accounts import services as auth
from portal import demo

PASSWORD = "pw-for-tests-123"  # every demo account's password in these tests


@pytest.fixture(scope="module")
def template_db(tmp_path_factory) -> Path:
    """Schema + demo data built once per module (15 users); each test gets its own copy."""
    from argon2 import PasswordHasher

    path = tmp_path_factory.mktemp("api-template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        with Session(engine) as session:
            demo.load(session, PASSWORD)
            session.commit()
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def db_file(template_db: Path, tmp_path: Path) -> Path:
    path = tmp_path / "portal.kernel.db"
    shutil.copy(template_db, path)
    return path


@pytest.fixture
def client(portal_env, db_file) -> Iterator[TestClient]:
    portal_env(database_url=f"sqlite:///{db_file}")
    with TestClient(api, follow_redirects=False) as c:
        yield c
