"""Start and stop the production portal (`python -m portal serve`, as scripts/start does) on a free loopback port.

Shared by the end-to-end fixtures (tests/e2e/conftest.py) and the benchmarks (bench/):

    with running_portal("pg", workers=2) as server:
        ...  # server.base_url, server.database_url, server.env

backend "sqlite": a SQLite file under the data dir, Reflex's disk state manager, one worker.
backend "pg": a fresh PostgreSQL database (dropped afterwards) + Redis state manager + `workers` workers (default 2),
which proves the app keeps no per-process state. PG_URL / TEST_REDIS_URL override the loopback defaults.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
BACKENDS = ("sqlite", "pg")


@dataclass(frozen=True)
class Server:
    base_url: str
    password: str  # the demo accounts' password
    backend: str
    data_dir: Path
    env: dict[str, str]
    pid: int = 0  # the server's supervisor process (its workers are its children); 0 before it starts

    @property
    def database_url(self) -> str:
        return self.env.get("DATABASE_URL") or f"sqlite:///{self.data_dir / 'portal.db'}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "server.log"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_database(prefix: str = "sd_e2e") -> tuple[str, Callable[[], None]]:
    """CREATE a uniquely named database next to PG_URL's; returns its URL and a function that drops it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = os.environ.get("PG_URL", DEFAULT_PG_URL)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), drop


def _stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def isolated_tree(dest: Path, root: Path = ROOT) -> Path:
    """A copy of the source tree (with the frontend's installed packages, not its build) for a second server in the
    same test session: a build writes the server's own address into `.web/env.json`, so two servers built in one tree
    would send the first one's pages to the second one's port. Pass the result as `running_portal(root=...)`."""
    top = {".git", ".venv", "data", ".states", "test-artifacts"}

    def skip(directory: str, names: list[str]) -> set[str]:
        here = Path(directory)
        if here == root:
            return top & set(names)
        if here == root / ".web":
            return {"build"} & set(names)
        return {"__pycache__"} & set(names) if here.parts[len(root.parts)] != ".web" else set()

    shutil.copytree(root, dest, ignore=skip, symlinks=True)
    return dest


@contextmanager
def running_portal(backend: str = "sqlite", workers: int | None = None, *, data_dir: Path | None = None,
                   label: str = "e2e", demo: bool = True, extra_env: Mapping[str, str] | None = None,
                   host: str | None = None, serve_env: Mapping[str, str] | None = None,
                   prepare: Callable[[Server], None] | None = None, start_timeout: float = 420,
                   root: Path = ROOT) -> Iterator[Server]:
    """Migrate (+ demo data), start the production server, wait until it answers, yield, stop, clean up.

    `prepare(server)` runs after the migration and the demo data and before the server starts (e.g. a benchmark's
    own windows and policy). `serve_env` is for the server only, not the migration or the demo (e.g. department
    APIs, which the demo's cases must not ask). `host` binds the server to that address only (e.g. "127.0.0.1"); by default Reflex
    listens on every interface. Without `data_dir` a temporary one is made and removed afterwards. The server's output
    is in `server.log_path`; it is included in the error when the server does not come up.
    """
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    if backend == "sqlite" and workers not in (None, 1):
        raise ValueError("the SQLite shape keeps Reflex state on disk per process: one worker only")
    if backend == "pg" and workers is None:
        workers = 2
    own_dir = data_dir is None
    data_dir = Path(tempfile.mkdtemp(prefix=f"portal-{label}-")) if own_dir else Path(data_dir)
    password = f"{label}-" + secrets.token_urlsafe(12)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "GRANIAN"))}
    env.update(PORTAL_DATA_DIR=str(data_dir), PORTAL_DEMO_PASSWORD=password,
               PUBLIC_BASE_URL=f"http://127.0.0.1:{port}", PORTAL_ALLOW_LOCAL_POSTER_URL="1",
               PORTAL_COMPLAINT_LINE="0311-8866 1234", REFLEX_USE_SYSTEM_BUN="1",
               REFLEX_TELEMETRY_ENABLED="false", REFLEX_CHECK_LATEST_VERSION="false", PYTHONUNBUFFERED="1")
    env.update(extra_env or {})
    drop = None
    proc = log = None
    try:
        if backend == "pg":
            env["DATABASE_URL"], drop = pg_database(f"sd_{label}")
            env["REDIS_URL"] = os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS_URL)
        if workers is not None and backend == "pg":
            env["GRANIAN_WORKERS"] = str(workers)
        base = f"http://127.0.0.1:{port}"
        server = Server(base, password, backend, data_dir, env)
        for cmd in (["migrate"], ["demo"]) if demo else (["migrate"],):
            subprocess.run([sys.executable, "-m", "portal", *cmd], cwd=root, env=env, check=True,
                           stdout=subprocess.DEVNULL)
        if prepare is not None:
            prepare(server)
        log = server.log_path.open("w")
        proc = subprocess.Popen(
            [sys.executable, "-m", "portal", "serve", "--port", str(port), *(["--host", host] if host else [])],
            cwd=root, env={**env, **(serve_env or {})}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        server = dataclasses.replace(server, pid=proc.pid)
        deadline = time.monotonic() + start_timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{server.log_path.read_text()[-4000:]}")
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200 and \
                        httpx.get(f"{base}/login/", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start:\n{server.log_path.read_text()[-4000:]}")
            time.sleep(1)
        yield server
    finally:
        if proc is not None:
            _stop(proc)
        if log is not None:
            log.close()
        if drop:
            drop()
        if own_dir:
            shutil.rmtree(data_dir, ignore_errors=True)
