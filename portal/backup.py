"""`python -m portal backup` / `restore`: the database, the private photo store and the secret key, together.

A backup is a directory (or the same packed as a .tar.gz when the target's name ends so):

    manifest.json        what, when, from which schema revision, with checksums
    database.sqlite      SQLite: a consistent copy made with SQLite's online backup API (the portal may keep serving)
    database.pgdump      PostgreSQL: `pg_dump --format=custom` (one consistent snapshot), read by `pg_restore`
    private_uploads/     the private photo store (report evidence, application documents, evaluation photos)
    secret_key           the key behind every keyed hash (receipts' secrets, device and rater hashes), when it
                         lives in the data directory; a key given by PORTAL_SECRET_KEY is not copied

It holds personal data and the key: it is written readable by its owner only, and must be stored like the
database itself. Restore writes into the configured DATABASE_URL and PORTAL_DATA_DIR, refuses to overwrite a
database that already holds data unless told to (`--force`), and ends by checking the audit chain of the result.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from portal.kernel.settings import get_settings

FORMAT = 1
SQLITE_FILE = "database.sqlite"
PG_FILE = "database.pgdump"
UPLOADS = "private_uploads"
SECRET_FILE = "secret_key"


class BackupError(Exception):
    """Something the operator must fix; the message says what."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("the SQLite database is in memory: nothing to back up or restore into")
    return Path(url.database)


def _pg_args(url: URL) -> tuple[list[str], dict[str, str]]:
    """libpq connection options for pg_dump / pg_restore / psql; the password travels in the environment."""
    args = ["--dbname", url.database or "postgres"]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def _schema_revision(url: str) -> str | None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # noqa: BLE001 - an unmigrated database has no revision to record
        return None
    finally:
        engine.dispose()


def backup(target: Path) -> Path:
    """Write a backup to `target` (a new directory, or a .tar.gz file); returns what was written."""
    settings = get_settings()
    url = make_url(settings.database_url)
    packed = target.name.endswith((".tar.gz", ".tgz"))
    if target.exists() and (packed or any(target.iterdir())):
        raise BackupError(f"{target} already exists: choose a new name")
    with tempfile.TemporaryDirectory(prefix="portal-backup-", dir=target.parent if packed else None) as tmp:
        out = Path(tmp) / "backup" if packed else target
        out.mkdir(parents=True, exist_ok=True)
        out.chmod(0o700)
        manifest: dict = {"format": FORMAT, "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                          "backend": url.get_backend_name(), "schema_revision": _schema_revision(str(url)),
                          "files": {}}
        if url.get_backend_name() == "sqlite":
            db_file = out / SQLITE_FILE
            src = sqlite3.connect(_sqlite_path(url))
            dst = sqlite3.connect(db_file)
            try:
                src.backup(dst)  # page by page, consistent even while the portal writes
            finally:
                dst.close()
                src.close()
        elif url.get_backend_name() == "postgresql":
            db_file = out / PG_FILE
            args, env = _pg_args(url)
            done = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(db_file), *args],
                                  env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
            manifest["pg_dump"] = subprocess.run([_tool("pg_dump"), "--version"], capture_output=True,
                                                 text=True).stdout.strip()
        else:
            raise BackupError(f"no backup method for {url.get_backend_name()}")
        db_file.chmod(0o600)
        manifest["files"][db_file.name] = _sha256(db_file)
        uploads = settings.data_dir / UPLOADS
        if uploads.is_dir():
            shutil.copytree(uploads, out / UPLOADS)
        photos = sorted(p for p in (out / UPLOADS).rglob("*") if p.is_file()) if (out / UPLOADS).is_dir() else []
        manifest["photos"] = len(photos)
        for p in photos:
            manifest["files"][str(p.relative_to(out))] = _sha256(p)
        key_file = settings.data_dir / SECRET_FILE
        if not os.environ.get("PORTAL_SECRET_KEY") and key_file.exists():
            shutil.copy2(key_file, out / SECRET_FILE)
            (out / SECRET_FILE).chmod(0o600)
            manifest["secret_key"] = "included"
        else:
            manifest["secret_key"] = "from PORTAL_SECRET_KEY, not included: keep it with the backup"
        (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        if packed:
            with tarfile.open(target, "w:gz") as tar:
                tar.add(out, arcname="backup")
            target.chmod(0o600)
    return target


@contextmanager
def _opened(source: Path) -> Iterator[Path]:
    if source.is_dir():
        yield source
        return
    if not tarfile.is_tarfile(source):
        raise BackupError(f"{source} is neither a backup directory nor a .tar.gz backup")
    with tempfile.TemporaryDirectory(prefix="portal-restore-") as tmp:
        with tarfile.open(source) as tar:
            tar.extractall(tmp, filter="data")
        yield Path(tmp) / "backup"


def _check(src: Path) -> dict:
    manifest_file = src / "manifest.json"
    if not manifest_file.exists():
        raise BackupError(f"{src} has no manifest.json: not a portal backup")
    manifest = json.loads(manifest_file.read_text())
    for name, digest in manifest["files"].items():
        path = src / name
        if not path.is_file() or _sha256(path) != digest:
            raise BackupError(f"{name} is missing or damaged in the backup (checksum differs)")
    return manifest


def _database_has_data(url: str) -> bool:
    from sqlalchemy import create_engine, inspect

    engine = create_engine(url)
    try:
        return bool(inspect(engine).get_table_names())
    except Exception:  # noqa: BLE001 - a database that cannot be opened yet holds nothing to lose
        return False
    finally:
        engine.dispose()


def restore(source: Path, *, force: bool = False) -> dict:
    """Restore a backup into the configured database and data directory; returns the backup's manifest."""
    settings = get_settings()
    url = make_url(settings.database_url)
    with _opened(source) as src:
        manifest = _check(src)
        if manifest["backend"] != url.get_backend_name():
            raise BackupError(f"the backup is of a {manifest['backend']} database but DATABASE_URL is "
                              f"{url.get_backend_name()}: restore into the same kind of database")
        if _database_has_data(str(url)) and not force:
            raise BackupError(f"{url.render_as_string(hide_password=True)} already holds tables: restore into an "
                              "empty database, or pass --force to replace its contents")
        if url.get_backend_name() == "sqlite":
            path = _sqlite_path(url)
            path.parent.mkdir(parents=True, exist_ok=True)
            for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                stale.unlink(missing_ok=True)
            src_db = sqlite3.connect(src / SQLITE_FILE)
            dst_db = sqlite3.connect(path)
            try:
                src_db.backup(dst_db)
            finally:
                dst_db.close()
                src_db.close()
        else:
            args, env = _pg_args(url)
            done = subprocess.run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--exit-on-error",
                                   "--single-transaction", *args, str(src / PG_FILE)],
                                  env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
        uploads = settings.data_dir / UPLOADS
        if (src / UPLOADS).is_dir():
            if uploads.exists():
                shutil.rmtree(uploads)
            shutil.copytree(src / UPLOADS, uploads)
        if (src / SECRET_FILE).exists():
            if os.environ.get("PORTAL_SECRET_KEY"):
                if os.environ["PORTAL_SECRET_KEY"] != (src / SECRET_FILE).read_text().strip():
                    raise BackupError("PORTAL_SECRET_KEY differs from the key in the backup: receipts' secrets "
                                      "and device hashes would not match; unset it or set it to the backed-up key")
            else:
                shutil.copy2(src / SECRET_FILE, settings.data_dir / SECRET_FILE)
                (settings.data_dir / SECRET_FILE).chmod(0o600)
    return manifest
