"""A tab's state belongs to the sign-in that filled it.

Reflex keeps every var of a tab's states on the server (disk or Redis) and sends them all again on the tab's next
page load, before any on_load runs. These tests reconnect with the same tab token, as a browser tab does after a
sign-out or when the next person signs in on a shared computer, and read everything the server sends.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.reports.models import Report
from portal.applications.pages.officer import OfficerApplicationsState
from portal.ratings.pages.officer import OfficerRatingsState
from portal.reports.pages.officer import OfficerReportsState
from portal.roster.pages.officer import OfficerRosterState
from portal.ratings.pages.staff import StaffHomeState
from tests.e2e.test_reports import cookie_for, db
from tests.rxclient import NS, RxClient, state_name

ROOT = Path(__file__).resolve().parents[2]

PAGES = [
    ("/officer/reports", OfficerReportsState, "officer_jianbei"),
    ("/officer/ratings", OfficerRatingsState, "officer_jianbei"),
    ("/officer/applications", OfficerApplicationsState, "officer_province"),
    ("/officer/roster", OfficerRosterState, "officer_jianbei"),
    ("/staff", StaffHomeState, "staff_hb_sjz_0002"),
]


def _deltas(messages: list[str]) -> list[dict]:
    out = []
    for msg in messages:
        if msg.startswith(f"42{NS},"):
            name, data = json.loads(msg[len(NS) + 3:])
            if name == "event":
                out.append(data.get("delta", {}))
    return out


def _run(fn):
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, fn()).result()


async def _again(client: RxClient, cookie: str | None, path: str) -> list[str]:
    """Close the tab's socket and load `path` again in the same tab (same Reflex token)."""
    await client.ws.close()
    again = RxClient(client.ws_url.replace("ws", "http", 1), cookie)
    again.token = client.token
    await again.connect(path)
    await again.ws.close()
    return again.messages


@pytest.mark.parametrize(("path", "state", "username"), PAGES, ids=[p[0] for p in PAGES])
def test_a_signed_out_reload_carries_none_of_the_page_data(server, path, state, username):
    name = state_name(state)

    async def scenario() -> tuple[dict, dict, list[dict]]:
        fresh = RxClient(server.base_url)
        await fresh.connect(path)
        await fresh.ws.close()
        defaults = _deltas(fresh.messages)[0][name]
        async with RxClient(server.base_url, cookie_for(server, username)) as client:
            filled = await client.call(f"{name}.load", path=path)
            return defaults, filled.get(name, {}), _deltas(await _again(client, None, path))

    defaults, filled, again = _run(scenario)
    changed = {k: v for k, v in filled.items() if v != defaults.get(k)}
    assert changed, "sanity: the signed-in load filled the page"
    assert again[0][name] == defaults  # the snapshot: the page as a tab that was never signed in sees it
    for delta in again[1:]:  # and the refused load leaves it so
        for key, value in delta.get(name, {}).items():
            assert value == defaults[key], (key, value)


def test_the_next_person_on_the_tab_gets_nothing_of_the_previous_one(server):
    with db(server) as s:
        report = s.execute(select(Report).where(Report.subject == "建北社区 7 号楼 刘某")).scalar_one()
        report_id, subject, description = report.id, report.subject, report.description
    name = state_name(OfficerReportsState)

    async def scenario() -> tuple[str, str, str]:
        async with RxClient(server.base_url, cookie_for(server, "officer_jianbei")) as client:
            await client.call(f"{name}.open_report", {"report_id": report_id}, path="/officer/reports")
            shown = "".join(client.messages)
            other = "".join(await _again(client, cookie_for(server, "officer_qingyuan"), "/officer/reports"))
            client.ws = None
            again = RxClient(server.base_url)
            again.token = client.token
            await again.connect("/officer/reports")
            await again.ws.close()
            return shown, other, "".join(again.messages)

    shown, other, signed_out = _run(scenario)
    assert subject in shown and description[:12] in shown  # sanity: the officer saw the report
    for seen in (other, signed_out):
        assert subject not in seen and description[:12] not in seen
    assert "officer_jianbei" not in other and "officer_jianbei" not in signed_out


def test_state_files_are_readable_by_the_portal_user_only(server):
    if server.backend != "sqlite":
        pytest.skip("the disk state manager writes files; Redis keeps the state in Redis")
    started = time.time() - 1

    async def touch() -> None:
        async with RxClient(server.base_url, cookie_for(server, "officer_jianbei")) as client:
            await client.call(f"{state_name(OfficerReportsState)}.load", path="/officer/reports")

    _run(touch)
    deadline = time.monotonic() + 20
    while True:  # the disk manager writes after a short debounce
        files = [p for p in (ROOT / ".states").glob("*.pkl") if p.stat().st_mtime >= started]
        if files or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert files
    for path in files:
        assert os.stat(path).st_mode & 0o077 == 0, (path, oct(os.stat(path).st_mode))


def test_an_application_draft_stays_only_with_its_browser_session_and_only_while_in_use(server):
    from portal.kernel.policy_models import PolicySetting
    from portal.applications.components import DraftHold
    from portal.applications.pages.apply import ApplyState

    # The wizard's state is a substate of the hold: the number and the browser session's cookie are the hold's vars.
    name, hold = state_name(ApplyState), state_name(DraftHold)

    async def reopen(token: str, storage: dict | None) -> list[str]:
        tab = RxClient(server.base_url)
        tab.token = token
        await tab.connect("/apply", storage=storage)
        await tab.ws.close()
        return tab.messages

    async def scenario() -> tuple[str, dict, list[str], list[str], list[str]]:
        async with RxClient(server.base_url) as client:
            await client.call(f"{name}.load", path="/apply")
            started = await client.call(f"{name}.start", path="/apply")
            await client.call(f"{name}.begin", path="/apply")
        number = next(v for k, v in started[hold].items() if k.startswith("number"))
        key = next(v for k, v in started[hold].items() if k.startswith("browser_key"))
        cookie = {f"{hold}.browser_key": key}
        same_session = await reopen(client.token, cookie)
        other_session = await reopen(client.token, None)  # the tab's token without that browser session's cookie
        return number, cookie, client.token, same_session, other_session

    number, cookie, token, same_session, other_session = _run(scenario)
    assert number.startswith("SQ")
    assert number in "".join(same_session)  # the same browser session carries on with its draft
    assert number not in "".join(_run(lambda: reopen(token, cookie)))  # ... not even with the cookie, once dropped

    # Idle longer than the policy allows: the draft goes before the tab's snapshot is sent.
    async def idle_scenario() -> tuple[str, list[str]]:
        async with RxClient(server.base_url) as client:
            await client.call(f"{name}.load", path="/apply")
            started = await client.call(f"{name}.start", path="/apply")
            await client.call(f"{name}.begin", path="/apply")
        key = next(v for k, v in started[hold].items() if k.startswith("browser_key"))
        number = next(v for k, v in started[hold].items() if k.startswith("number"))
        with db(server) as s:
            s.merge(PolicySetting(key="apply.idle_minutes", value=0, updated_by="test"))
            s.commit()
        try:
            return number, await reopen(client.token, {f"{hold}.browser_key": key})
        finally:
            with db(server) as s:
                s.delete(s.get(PolicySetting, "apply.idle_minutes"))
                s.commit()

    number, idle = _run(idle_scenario)
    assert number not in "".join(idle)
    assert number not in "".join(other_session)
