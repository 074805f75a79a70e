"""End-to-end fixtures: the production build served by `reflex run --env prod --single-port`, driven by
Debian's Chromium at 390×844.

E2E_BACKEND=sqlite (default): SQLite file, disk state manager, one worker.
E2E_BACKEND=pg: a fresh PostgreSQL database + Redis state manager + 2 workers, which proves the app keeps no
per-process state (a test signs in and loads pages many times, landing on both workers).
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = ROOT / "test-artifacts"


@dataclass(frozen=True)
class Server:
    base_url: str
    password: str
    backend: str
    data_dir: Path
    env: dict[str, str]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_database() -> tuple[str, callable]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = os.environ.get("PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    name = f"sd_e2e_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[Server]:
    backend = os.environ.get("E2E_BACKEND", "sqlite")
    data_dir = tmp_path_factory.mktemp("portal-data")
    password = "e2e-" + secrets.token_urlsafe(12)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "GRANIAN"))}
    env.update(PORTAL_DATA_DIR=str(data_dir), PORTAL_DEMO_PASSWORD=password,
               PUBLIC_BASE_URL=f"http://127.0.0.1:{port}", REFLEX_USE_SYSTEM_BUN="1",
               REFLEX_TELEMETRY_ENABLED="false", REFLEX_CHECK_LATEST_VERSION="false", PYTHONUNBUFFERED="1")
    drop = None
    if backend == "pg":
        env["DATABASE_URL"], drop = _pg_database()
        env["REDIS_URL"] = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
        env["GRANIAN_WORKERS"] = "2"
    for cmd in (["migrate"], ["demo"]):
        subprocess.run([sys.executable, "-m", "portal", *cmd], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
    log = (data_dir / "server.log").open("w")
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "reflex"), "run", "--env", "prod", "--single-port",
         "--frontend-port", str(port), "--backend-port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 420
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{(data_dir / 'server.log').read_text()[-4000:]}")
            try:
                if httpx.get(f"{base}/api/health", timeout=2).status_code == 200 and \
                        httpx.get(f"{base}/login/", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start:\n{(data_dir / 'server.log').read_text()[-4000:]}")
            time.sleep(1)
        yield Server(base, password, backend, data_dir, env)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        log.close()
        if drop:
            drop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server, request):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1, locale="zh-CN")
    context.set_default_timeout(20_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        ARTIFACTS.mkdir(exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


def sign_in(page, server: Server, username: str, password: str | None = None) -> None:
    page.goto(f"{server.base_url}/login")
    page.wait_for_selector("#login-submit")
    wait_hydrated(page)
    page.fill("#username", username)
    page.fill("#password", password if password is not None else server.password)
    page.click("#login-submit")


def wait_hydrated(page) -> None:
    """Reflex pages are interactive once the websocket has hydrated the state."""
    page.wait_for_selector('#hydrated[data-hydrated="true"]', state="attached")


def assert_mobile_layout(page) -> None:
    """No sideways scroll at 390 px, and every visible button/link is a ≥44 px tap target."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page scrolls sideways: {width}px wide"
    small = page.evaluate("""() => [...document.querySelectorAll('button, a, input, select, textarea')]
        .filter(e => e.offsetParent !== null && e.type !== 'hidden')
        .map(e => [e.id || e.innerText.slice(0, 20) || e.name || e.tagName, e.getBoundingClientRect().height])
        .filter(([_, h]) => h < 44)""")
    assert not small, f"tap targets under 44 px: {small}"
