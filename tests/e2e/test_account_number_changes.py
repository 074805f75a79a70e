"""/admin/accounts at desk width: replacing a staff member's recorded account number waits for a second admin. The
province admin records officer_jianbei's bank card (at once: the first number), proposes a replacement (it waits,
and its proposer may only withdraw it); the city's admin approves it from the list of waiting replacements.
Screenshots go to /tmp/shots-powers/ (Chinese and English)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.e2e.conftest import sign_in, wait_hydrated

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-powers"))
DESK = {"width": 1366, "height": 768}
WHO = "officer_jianbei"


def _page(browser, server, username: str, lang: str = "zh"):
    ctx = browser.new_context(viewport=DESK, device_scale_factor=1, locale="zh-CN" if lang == "zh" else "en-US")
    ctx.set_default_timeout(20_000)
    if lang == "en":
        host = server.base_url.split("//", 1)[1].split(":")[0]
        ctx.add_cookies([{"name": "sd_lang", "value": "en", "domain": host, "path": "/"}])
    page = ctx.new_page()
    sign_in(page, server, username)
    page.wait_for_url("**/admin/")
    page.goto(server.base_url + "/admin/accounts")
    wait_hydrated(page)
    page.wait_for_selector("#accounts .account-row")
    return ctx, page


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _waiting(server) -> list[tuple]:
    engine = create_engine(server.database_url)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT c.kind, p.username FROM staff_account_change c JOIN app_user u ON u.id = c.user_id "
            "JOIN app_user p ON p.id = c.proposed_by_id WHERE u.username = :u AND c.pending IS NOT NULL"),
            {"u": WHO}).fetchall()
    engine.dispose()
    return [tuple(r) for r in rows]


def _manage(page) -> None:
    page.fill("#account-search", WHO)
    page.click("#search-form button[type=submit]")
    page.wait_for_function("document.querySelectorAll('#accounts .account-row').length === 1")
    page.click(".account-manage-btn")
    page.wait_for_selector("#account-manage")


def test_a_replacement_waits_for_a_second_admin_who_approves_it(browser, server):
    ctx, admin = _page(browser, server, "admin")
    _manage(admin)
    admin.select_option("#account-kind", "bank")
    admin.fill("#account-number", "6222 0213 0011 4455 667")
    admin.click("#account-number-save")
    admin.wait_for_selector("#accounts-notice")
    assert "已保存" in admin.inner_text("#accounts-notice") and _waiting(server) == []
    # The saved number is cleared from the form (a script the answer sends after the notice): typing before it runs
    # would be wiped.
    admin.wait_for_function("document.querySelector('#account-number')?.value === ''")

    admin.fill("#account-number", "6222 0213 0011 8888 990")
    admin.click("#account-number-save")
    admin.wait_for_function("document.querySelector('#accounts-notice')?.innerText.includes('另一名管理员')")
    assert _waiting(server) == [("bank", "admin")]
    admin.wait_for_selector("#account-waiting")
    row = admin.locator("#changes .change-row", has_text=WHO)
    row.wait_for()
    assert row.locator(".change-approve").count() == 0 and row.locator(".change-withdraw").count() == 1
    assert "8888" not in admin.inner_text("body") and "4455" not in admin.inner_text("body")
    _shot(admin, "admin-accounts-change-proposed-zh")
    ctx.close()

    ctx, city = _page(browser, server, "admin_city")
    row = city.locator("#changes .change-row", has_text=WHO)
    row.wait_for()
    assert "admin" in row.inner_text()
    _shot(city, "admin-accounts-change-waiting-zh")
    row.locator(".change-approve").click()
    city.wait_for_selector("#accounts-notice")
    city.wait_for_function(f"![...document.querySelectorAll('#changes .change-row')].some(r => "
                           f"r.innerText.includes('{WHO}'))")
    assert _waiting(server) == []
    ctx.close()

    ctx, en = _page(browser, server, "admin_city", "en")
    en.wait_for_selector("#account-changes")
    assert "Number replacements waiting for approval" in en.inner_text("#account-changes")
    _shot(en, "admin-accounts-changes-en")
    ctx.close()
