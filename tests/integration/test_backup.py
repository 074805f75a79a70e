"""`python -m portal backup` / `restore` (portal/backup.py), run as the operator runs them, in a subprocess.

SQLite always; PostgreSQL (pg_dump / pg_restore) when E2E_BACKEND=pg, through fresh databases next to PG_URL's. The
restored copy has the same audit chain (checked by `verify-audit`, which restore runs at its end), the same rows,
the same private photos and the same key.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.kernel.db import make_engine
from portal.kernel.audit_models import AuditEntry
from portal.kernel import audit
from tests.serve import pg_database

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration

BACKENDS = ["sqlite", "pg"] if os.environ.get("E2E_BACKEND") == "pg" else ["sqlite"]
PHOTO = b"\xff\xd8\xff\xe0 not really a jpeg, but bytes that must come back unchanged \xff\xd9"


def portal(data_dir: Path, url: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PORTAL_SECRET_KEY")}
    env.update(PORTAL_DATA_DIR=str(data_dir), DATABASE_URL=url)
    return subprocess.run([sys.executable, "-m", "portal", *args], cwd=ROOT, env=env, capture_output=True, text=True)


@pytest.fixture(params=BACKENDS)
def databases(request, tmp_path):
    """Two empty databases of one kind: the original and where the backup is restored."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'a' / 'portal.db'}", f"sqlite:///{tmp_path / 'b' / 'portal.db'}"
        return
    (a, drop_a), (b, drop_b) = pg_database("sd_backup"), pg_database("sd_restore")
    try:
        yield a, b
    finally:
        drop_a()
        drop_b()


def fill(url: str, data_dir: Path) -> int:
    """A migrated database with audit rows, and a private photo; returns the number of audit rows."""
    assert portal(data_dir, url, "migrate").returncode == 0
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            for i in range(5):
                audit.record(session, "system", "backup.test", "thing", i, after={"n": i, "名": "张三"})
            session.commit()
            rows = session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    finally:
        engine.dispose()
    photo = data_dir / "private_uploads" / "applications" / "photo-1.jpg"
    photo.parent.mkdir(parents=True, exist_ok=True)
    photo.write_bytes(PHOTO)
    return rows


def audit_rows(url: str) -> int:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    finally:
        engine.dispose()


@pytest.mark.parametrize("packed", [False, True], ids=["directory", "tar.gz"])
def test_backup_and_restore_keep_the_audit_chain_photos_and_key(databases, tmp_path, packed):
    source_url, target_url = databases
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(exist_ok=True)
    b.mkdir(exist_ok=True)
    rows = fill(source_url, a)
    target = tmp_path / ("backup.tar.gz" if packed else "backup")

    made = portal(a, source_url, "backup", str(target))
    assert made.returncode == 0, made.stderr
    assert (target.stat().st_mode & 0o077) == 0  # personal data and the key: owner only

    restored = portal(b, target_url, "restore", str(target))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert f"audit chain intact: {rows} rows" in restored.stdout
    assert audit_rows(target_url) == rows
    assert (b / "private_uploads" / "applications" / "photo-1.jpg").read_bytes() == PHOTO
    assert (b / "secret_key").read_text() == (a / "secret_key").read_text()
    assert portal(b, target_url, "verify-audit").returncode == 0

    # A second restore onto the now filled database is refused unless forced.
    again = portal(b, target_url, "restore", str(target))
    assert again.returncode == 2 and "already holds tables" in again.stderr
    forced = portal(b, target_url, "restore", "--force", str(target))
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert audit_rows(target_url) == rows


def test_a_damaged_backup_is_refused_before_anything_is_written(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    source_url, target_url = f"sqlite:///{a / 'portal.db'}", f"sqlite:///{b / 'portal.db'}"
    fill(source_url, a)
    assert portal(a, source_url, "backup", str(tmp_path / "bk")).returncode == 0
    (tmp_path / "bk" / "private_uploads" / "applications" / "photo-1.jpg").write_bytes(b"changed")
    refused = portal(b, target_url, "restore", str(tmp_path / "bk"))
    assert refused.returncode == 2 and "damaged" in refused.stderr
    assert not (b / "portal.kernel.db").exists()
    assert not (b / "private_uploads").exists()
    # The backup target must be new: an existing directory with files is not overwritten.
    assert portal(a, source_url, "backup", str(tmp_path / "bk")).returncode == 2
