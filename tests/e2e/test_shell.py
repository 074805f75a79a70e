"""The shell, sign-in and the role+region guard, in Chromium at 390×844 against the production build."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.e2e.conftest import ARTIFACTS, assert_mobile_layout, sign_in, wait_hydrated
from tests.rxclient import RxClient

pytestmark = pytest.mark.e2e

ADMIN_HOME_LOAD = (
    "reflex___state____state.portal___shell___session____signed_in_state"
    ".portal___shell___admin_home____admin_home_state.load"
)
OFFICER_REGION_LOAD = (
    "reflex___state____state.portal___shell___session____signed_in_state"
    ".portal___regions___pages___officer____officer_region_state.load"
)


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_home_renders_in_chinese_on_a_phone(page, server):
    page.goto(server.base_url + "/")
    wait_hydrated(page)
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.inner_text("#go-eligibility").startswith("我能申请低保吗")
    for card in ["#go-apply", "#go-track", "#go-roster", "#go-report", "#go-report-track", "#go-results", "#go-login"]:
        assert page.locator(card).is_visible()
    assert_mobile_layout(page)
    # The CJK font must actually render: a Chinese heading has real width, not tofu boxes of zero glyphs.
    assert page.evaluate("document.fonts.check('16px \"Noto Sans CJK SC\"', '阳光低保')")
    shot(page, "home-zh")


def test_language_toggle_persists_across_reload(page, server):
    page.goto(server.base_url + "/")
    wait_hydrated(page)
    page.click("#toggle-lang")
    page.wait_for_function("document.querySelector('#go-eligibility').innerText.startsWith('Can I get dibao')")
    assert_mobile_layout(page)
    shot(page, "home-en")
    page.reload()
    wait_hydrated(page)
    page.wait_for_function("document.querySelector('#go-eligibility').innerText.startsWith('Can I get dibao')")
    page.goto(server.base_url + "/login")
    wait_hydrated(page)
    assert page.inner_text("#login-submit") == "Sign in"
    page.click("#toggle-lang")
    page.wait_for_function("document.querySelector('#login-submit').innerText === '登录'")


def test_large_text_mode_enlarges_type(page, server):
    page.goto(server.base_url + "/")
    wait_hydrated(page)
    before = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#go-eligibility .rt-Text')).fontSize)")
    page.click("#toggle-large-text")
    page.wait_for_selector(".portal.large-text")
    after = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#go-eligibility .rt-Text')).fontSize)")
    assert after >= before * 1.2
    assert_mobile_layout(page)
    shot(page, "home-large")
    page.reload()
    page.wait_for_selector(".portal.large-text")


@pytest.mark.parametrize("username, home, marker", [
    ("admin", "/admin/", "#verify-audit"),
    ("officer_county", "/officer/", "#officer-scope"),
    ("officer_jianbei", "/officer/", "#officer-scope"),
    ("supervisor", "/supervisor/", "#whoami-name"),
    ("staff_hb_sjz_0002", "/staff/", "#staff-window-name"),
])
def test_each_role_lands_on_its_home(page, server, username, home, marker):
    sign_in(page, server, username)
    page.wait_for_url(f"**{home}")
    page.wait_for_selector(marker)
    assert page.locator("#denied").count() == 0
    assert_mobile_layout(page)
    shot(page, f"home-{username}")
    # Signing out ends the session on the server: the home page then asks to sign in.
    page.click("#signout")
    page.wait_for_url(server.base_url + "/")
    page.goto(server.base_url + home)
    page.wait_for_url("**/login*error=auth.sign_in_required*")
    page.wait_for_selector("#login-error")


def test_wrong_password_shows_a_clear_error_and_keeps_the_username(page, server):
    sign_in(page, server, "officer_jianbei", "not-the-password")
    page.wait_for_selector("#login-error")
    assert "用户名或密码不正确" in page.inner_text("#login-error")
    assert page.input_value("#username") == "officer_jianbei"
    assert page.input_value("#password") == ""
    assert "not-the-password" not in page.url
    assert_mobile_layout(page)
    shot(page, "login-error")


def test_township_officer_cannot_open_a_sibling_township(page, server):
    sign_in(page, server, "officer_jianbei")
    page.wait_for_url("**/officer/")
    page.goto(server.base_url + "/officer/region/130102002")  # 青园街道, not theirs
    page.wait_for_selector("#denied")
    assert "没有权限" in page.inner_text("#denied")
    assert page.locator("#region-windows").count() == 0
    page.goto(server.base_url + "/officer/region/130102001")  # 建北街道, theirs
    page.wait_for_selector("#region-name")
    assert page.inner_text("#region-name") == "建北街道"
    assert "HB-SJZ-0002" in page.inner_text("#region-windows")
    assert_mobile_layout(page)
    shot(page, "officer-region")


def _cookie_for(server, username: str) -> str:
    r = httpx.post(server.base_url + "/api/auth/login", data={"username": username, "password": server.password},
                   headers={"accept": "application/json"})
    assert r.status_code == 200, r.text
    return f"sd_session={r.cookies['sd_session']}"


def test_sibling_township_handler_refuses_a_direct_call(server):
    """Any client can call any handler: the region check must hold when the event is forged by hand."""

    async def run() -> tuple[dict, dict, dict]:
        async with RxClient(server.base_url, _cookie_for(server, "officer_jianbei")) as client:
            foreign = await client.call(OFFICER_REGION_LOAD, path="/officer/region/130102002",
                                        route="/officer/region/[code]", query={"code": "130102002"})
            own = await client.call(OFFICER_REGION_LOAD, path="/officer/region/130102001",
                                    route="/officer/region/[code]", query={"code": "130102001"})
        async with RxClient(server.base_url) as anonymous:
            anon = await anonymous.call(OFFICER_REGION_LOAD, path="/officer/region/130102001",
                                        route="/officer/region/[code]", query={"code": "130102001"})
        return foreign, own, anon

    # Playwright's sync API owns this thread's event loop; the websocket client runs on its own thread.
    with ThreadPoolExecutor(1) as pool:
        foreign, own, anon = pool.submit(asyncio.run, run()).result()
    def delta(d: dict) -> dict:
        """The officer region state's delta together with its parent's (denied_key lives in SignedInState)."""
        merged: dict = {}
        for name, values in d.items():
            if "signed_in_state" in name:
                merged.update(values)
        return merged

    assert delta(foreign).get("denied_key_rx_state_") == "auth.forbidden"
    assert "青园" not in str(foreign) and "HB-SJZ-0003" not in str(foreign)
    assert delta(own).get("denied_key_rx_state_") == ""
    assert "HB-SJZ-0002" in str(delta(own).get("windows_rx_state_"))
    assert delta(anon).get("denied_key_rx_state_") == "auth.sign_in_required"
    assert "HB-SJZ-0002" not in str(anon)


def test_state_is_shared_across_workers(page, server):
    """With Redis and 2 workers, a signed-in officer keeps working across many fresh connections."""
    sign_in(page, server, "officer_county")
    page.wait_for_url("**/officer/")
    for code in ["130102001", "130102002", "130102001001", "130102"] * 2:
        page.goto(server.base_url + f"/officer/region/{code}")
        page.wait_for_selector("#region-name")
        assert page.locator("#denied").count() == 0


def test_an_expired_session_leaves_no_name_in_the_tab(server):
    """When the sign-in expires, the next guarded call finds nobody, and the tab's state forgets who it was."""
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import text as sql

    from portal.kernel.db import make_engine

    cookie = _cookie_for(server, "admin")

    async def run() -> tuple[dict, dict, str]:
        async with RxClient(server.base_url, cookie) as client:
            before = await client.call(ADMIN_HOME_LOAD, path="/admin/")
            engine = make_engine(server.database_url)
            with engine.begin() as conn:  # every session of the demo admin runs out now
                conn.execute(sql("UPDATE signin_session SET expires_at = :t WHERE user_id = "
                                 "(SELECT id FROM app_user WHERE username = 'admin')"),
                             {"t": datetime.now(timezone.utc) - timedelta(minutes=1)})
            engine.dispose()
            after = await client.call(ADMIN_HOME_LOAD, path="/admin/")
        # The same tab (token) opened again: the whole stored state comes back in the hydrate.
        again = RxClient(server.base_url)
        again.token = client.token
        await again.connect("/")
        await again.ws.close()
        return before, after, "".join(again.messages)

    with ThreadPoolExecutor(1) as pool:
        before, after, rehydrated = pool.submit(asyncio.run, run()).result()
    signed_in = {k: v for name, d in before.items() if "signed_in_state" in name for k, v in d.items()}
    assert signed_in.get("display_name_rx_state_") == "省级管理员"
    expired = {k: v for name, d in after.items() if "signed_in_state" in name for k, v in d.items()}
    assert expired.get("denied_key_rx_state_") == "auth.expired"
    assert expired.get("display_name_rx_state_") == "" and expired.get("username_rx_state_") == ""
    assert "省级管理员" not in rehydrated
