"""End-to-end fixtures: the production build served by `python -m portal serve` (as scripts/start), driven by
Debian's Chromium at 390×844.

E2E_BACKEND=sqlite (default): SQLite file, disk state manager, one worker.
E2E_BACKEND=pg: a fresh PostgreSQL database + Redis state manager + 2 workers, which proves the app keeps no
per-process state (a test signs in and loads pages many times, landing on both workers).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.serve import Server, running_portal

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[Server]:
    """The production server, started once per session (tests/serve.py: migrate, demo data, start, stop)."""
    backend = os.environ.get("E2E_BACKEND", "sqlite")
    with running_portal(backend, data_dir=tmp_path_factory.mktemp("portal-data"), label="e2e") as srv:
        yield srv


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
