"""The public roster (公示) in Chromium at 390×844, the officers' roster desk at 1366×768, and what the browser receives
over the wire.

Demo data: 建北社区 holds 24 standing recipients (two pages, portal/demo.py) and 3 of the 5 lines of one
current publicity batch for 建北街道, built from cases approved at 初审 (portal/applications/demo.py); 跃进社区
holds another 张小明.
"""

from __future__ import annotations

import asyncio
import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import httpx
import pytest
import websockets
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from portal.roster.pages.officer import OfficerRosterState
from portal.roster.pages.resident import RosterState
from portal import demo
from portal.applications import demo as demo_applications
from portal.kernel import money
from portal.kernel.masking import mask_name
from tests.e2e.cases import make_case
from tests.e2e.conftest import ARTIFACTS, assert_mobile_layout, sign_in, wait_hydrated
from tests.rxclient import NS, ROOT, SUBPROTOCOL, RxClient, state_name

pytestmark = pytest.mark.e2e

ROSTER = state_name(RosterState)
OFFICER_ROSTER = state_name(OfficerRosterState)
VILLAGE = "130102001001"  # 建北社区
QINGYUAN = "130102002001"  # 青园社区 (青园街道)
CHAIN = [("1", "1301"), ("2", "130102"), ("3", "130102001"), ("4", VILLAGE)]  # selector index → code
PUBLIC_ID = re.compile(r"^[a-z2-7]{16}$")

# What must never reach a browser from the roster pages. The roster stores none of the sensitive fields at all;
# these catch a future change that adds one and forgets the masking/allow-list, and a leak of the full names or
# of the link to the source case.
FORBIDDEN_KEYS = ("source_ref", "id_number", "idcard", "id_card", "address", "bank", "account_no", "disab",
                  "health", "illness", "minor", "asset", "deposit", "withdrawn_reason", "region_path", "phone")
ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
ALL_NAMES = [row[0] for row in demo.ROSTER_STANDING] + [row[1] for row in demo_applications.PUBLICITY]


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _contains(text: str, needle: str) -> bool:
    """As sent, or JSON-escaped (\\uXXXX) as Python's json module writes non-ASCII."""
    return needle in text or json.dumps(needle)[1:-1] in text


def source_refs(server) -> set[str]:
    """What links each roster line to its case or register household (`application:<id>`, `household:<id>`)."""
    from portal.roster.models import RosterEntry

    with Session(create_engine(server.database_url)) as s:
        refs = set(s.execute(select(RosterEntry.source_ref).where(RosterEntry.source_ref.is_not(None))).scalars())
    assert refs
    return refs


def publicity_cases(server, village: str) -> dict[str, tuple[int, int]]:
    """Per line in publicity in `village`: its case's household size on the roster and monthly amount (fen), read
    from the case the line links to."""
    from portal.applications.models import Application
    from portal.applications.services import publicity_size
    from portal.regions.models import Region
    from portal.roster.models import RosterEntry

    now = datetime.now(timezone.utc)
    with Session(create_engine(server.database_url)) as s:
        place = s.execute(select(Region.id).where(Region.code == village)).scalar_one()
        out = {}
        for e in s.execute(select(RosterEntry).where(RosterEntry.village_id == place,
                                                     RosterEntry.batch_id.is_not(None))).scalars():
            if e.starts_at <= now < e.ends_at and e.withdrawn_at is None:
                app = s.get(Application, int(e.source_ref.removeprefix("application:")))
                out[app.applicant_name] = (publicity_size(s, app), app.monthly_amount_fen)
    return out


def assert_nothing_forbidden(texts: list[str], searched: set[str] = frozenset(), keys: bool = True,
                             expect_masked: str | None = None, refs: set[str] = frozenset()) -> None:
    """Every frame/response: no full name (except what the visitor typed), no case link (`refs`), no sensitive
    field.

    `keys=False` for HTTP responses: the JavaScript bundles are full of words like "address" and "minor".
    `expect_masked`: a masked name that must be there, so a capture that missed the data cannot pass."""
    assert texts, "nothing was captured"
    text = "\n".join(texts)
    if expect_masked:
        assert _contains(text, expect_masked), "the capture does not hold the roster data"
    for name in ALL_NAMES:
        if name not in searched and mask_name(name) != name:
            assert not _contains(text, name), f"full name {name!r} reached the browser"
    for ref in refs:
        assert not re.search(re.escape(ref) + r"(?!\d)", text), f"the link {ref!r} to the source reached the browser"
    assert not ID_NUMBER.search(text), "an ID-number-like string reached the browser"
    if keys:
        # Field names are checked in what the roster's own states send (the hydrate snapshot also carries other
        # pages' states, e.g. the rating form's optional callback phone).
        roster_parts = _roster_deltas(texts)
        assert roster_parts, "no roster state in the capture"
        lowered = "\n".join(roster_parts).lower()
        for key in FORBIDDEN_KEYS:
            assert key not in lowered, f"{key!r} reached the browser"


def _roster_deltas(frames: list[str]) -> list[str]:
    """The JSON of every roster-page state (resident roster, batch proof) inside the websocket frames."""
    out = []
    for frame in frames:
        if not frame.startswith(f"42{NS},"):
            continue
        name, data = json.loads(frame[len(NS) + 3:])
        if name != "event" or not isinstance(data, dict):
            continue
        for state, values in (data.get("delta") or {}).items():
            if state.endswith(("roster_state", "batch_proof_state")):
                out.append(json.dumps(values, ensure_ascii=False))
    return out


def choose_village(page) -> None:
    page.wait_for_selector("#roster-level-0")
    for index, code in CHAIN:
        page.wait_for_selector(f"#roster-level-{index} option[value='{code}']", state="attached")
        page.select_option(f"#roster-level-{index}", code)
    page.wait_for_function("document.querySelector('#roster-region-label')?.innerText.includes('建北社区')")


def entry_names(page) -> list[str]:
    return page.locator("#roster-entries .roster-name").all_inner_texts()


def test_pick_a_village_page_search_and_object(page, server):
    frames: list[str] = []
    responses: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(
        payload if isinstance(payload, str) else payload.decode("utf-8", "replace"))))

    def keep(response):
        kind = response.headers.get("content-type", "")
        if any(k in kind for k in ("json", "text", "javascript")):
            try:
                responses.append(response.text())
            except Exception:  # a redirect or a body Chromium already dropped
                pass

    page.on("response", keep)
    page.goto(server.base_url + "/roster")
    wait_hydrated(page)
    choose_village(page)

    # In publicity now: the batch for 建北街道 and its 3 entries in this village, masked.
    page.wait_for_selector("#roster-batches .roster-batch")
    assert "建北街道" in page.inner_text("#roster-batches")
    page.wait_for_function("document.querySelectorAll('#roster-entries .roster-entry').length === 3")
    assert sorted(entry_names(page)) == sorted(["李*芬", "欧阳*文", "陈*玲"])
    # Each line is its case's: the household size and the amount the case holds.
    cases = publicity_cases(server, VILLAGE)
    assert sorted(mask_name(name) for name in cases) == sorted(entry_names(page))
    for name, (size, fen) in cases.items():
        card = page.locator("#roster-entries .roster-entry", has_text=mask_name(name))
        assert card.locator(".roster-amount").inner_text().strip() == f"{money.yuan(fen)} 元/月"
        assert f"{size} 人 · 建北社区" in card.inner_text()
    body = page.inner_text("main")
    assert "李淑芬" not in body and "欧阳修文" not in body
    assert "公示期" in body and "元/月" in body
    assert_mobile_layout(page)
    shot(page, "roster-village-publicity")

    # The standing roster, page by page.
    page.click("#view-standing")
    page.wait_for_function("document.querySelector('#roster-total')?.innerText.includes('24')")
    page.wait_for_function("document.querySelectorAll('#roster-entries .roster-entry').length === 20")
    first_page = entry_names(page)
    assert "张*明" in first_page and "欧阳*娜" in first_page and "买**·*力" in first_page
    assert page.inner_text("#roster-page-no") == "第 1 页"
    assert_mobile_layout(page)
    shot(page, "roster-village-standing")
    page.click("#roster-next")
    page.wait_for_function("document.querySelector('#roster-page-no').innerText === '第 2 页'")
    page.wait_for_function("document.querySelectorAll('#roster-entries .roster-entry').length === 4")
    second_page = entry_names(page)
    assert "诸葛*远" in second_page and "司马*" in second_page
    assert page.locator("#roster-next").is_disabled()
    shot(page, "roster-village-standing-page2")
    page.click("#roster-prev")
    page.wait_for_function("document.querySelector('#roster-page-no').innerText === '第 1 页'")
    assert entry_names(page) == first_page

    # Exact-name search inside the chosen village: one 张小明 here (another lives in 跃进社区).
    page.fill("#roster-search", "张小明")
    page.click("#roster-search-go")
    page.wait_for_selector("#roster-search-title")
    page.wait_for_function("document.querySelectorAll('#roster-entries .roster-entry').length === 1")
    assert entry_names(page) == ["张*明"]
    assert_mobile_layout(page)
    shot(page, "roster-search")
    page.fill("#roster-search", "张小")  # not a full name: no match
    page.click("#roster-search-go")
    page.wait_for_selector("#roster-empty")

    # Objection: a link to the reports page carrying the public id of the entry.
    page.click("#roster-search-clear")
    page.wait_for_function("document.querySelectorAll('#roster-entries .roster-entry').length === 20")
    href = page.locator("#roster-entries .roster-object").first.get_attribute("href")
    assert href.startswith("/report?roster_entry=")
    assert PUBLIC_ID.match(href.split("=", 1)[1]), href
    page.locator("#roster-entries .roster-object").first.click()
    page.wait_for_url(re.compile(r".*/report/?\?roster_entry=[a-z2-7]{16}$"))

    # The last choice is remembered on this device.
    page.goto(server.base_url + "/roster")
    wait_hydrated(page)
    page.wait_for_function("document.querySelector('#roster-region-label')?.innerText.includes('建北社区')")
    assert page.input_value("#roster-level-4") == VILLAGE

    refs = source_refs(server)
    assert_nothing_forbidden(frames, searched={"张小明", "张小"}, expect_masked="诸葛*远", refs=refs)
    assert_nothing_forbidden(responses, searched={"张小明", "张小"}, keys=False, refs=refs)


def test_english_and_large_text_fit_a_phone(page, server):
    page.goto(server.base_url + "/roster")
    wait_hydrated(page)
    choose_village(page)
    page.click("#view-standing")
    page.wait_for_function("document.querySelectorAll('#roster-entries .roster-entry').length === 20")
    page.click("#toggle-lang")
    page.wait_for_function("document.querySelector('#roster-page-no').innerText === 'Page 1'")
    page.click("#toggle-large-text")
    page.wait_for_selector(".portal.large-text")
    assert_mobile_layout(page)
    shot(page, "roster-en-large")


def test_batch_proof_page(page, server):
    page.goto(server.base_url + "/roster?region=130102001")
    wait_hydrated(page)
    page.wait_for_selector("#roster-batches .roster-proof-link")
    page.locator("#roster-batches .roster-proof-link").first.click()
    page.wait_for_url(re.compile(r".*/roster/batch/\d+/?$"))
    page.wait_for_selector("#proof-status")
    assert "建北街道" in page.inner_text("#proof-region")
    assert "正在公示" in page.inner_text("#proof-status")
    for check in ("#check-publish", "#check-days", "#check-chain"):
        assert page.get_attribute(check, "data-ok") == "true", page.inner_text(check)
    assert "哈希链校验通过" in page.inner_text("#check-chain")
    assert page.locator("#proof-rows .roster-proof-row").count() >= 1
    assert "发布公示" in page.inner_text("#proof-rows")
    assert_mobile_layout(page)
    shot(page, "roster-batch-proof")
    page.goto(server.base_url + "/roster/batch/999999")
    page.wait_for_selector("#proof-missing")


# --- what the websocket carries, event by event -----------------------------------------------------------------

async def _roster_client(server, cookie: str | None = None, path: str = "/roster",
                         local_addr: tuple[str, int] | None = None) -> RxClient:
    client = BoundClient(server.base_url, cookie, local_addr)
    await client.connect(path)
    return client


class BoundClient(RxClient):
    """RxClient that can connect from a chosen local address (127.0.0.x is a different client to the server)."""

    def __init__(self, base_url: str, cookie: str | None = None, local_addr: tuple[str, int] | None = None):
        super().__init__(base_url, cookie)
        self.local_addr = local_addr

    async def connect(self, path: str = "/", timeout: float = 30) -> None:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        url = f"{self.ws_url}{NS}/?EIO=4&transport=websocket&token={self.token}"
        extra = {"local_addr": self.local_addr} if self.local_addr else {}
        self.ws = await websockets.connect(url, subprotocols=[SUBPROTOCOL], additional_headers=headers,
                                           max_size=None, ping_interval=None, open_timeout=timeout, **extra)
        opened = await self.ws.recv()
        assert opened[0] == "0", opened
        auth = {"event": self._event(f"{ROOT}.hydrate_and_load", {}, path)}
        await self.ws.send(f"40{NS}," + json.dumps(auth))
        while True:  # is_hydrated turns true once the page's on_load handler has run
            update = await self.next_update(timeout)
            if update.get("delta", {}).get(ROOT, {}).get("is_hydrated_rx_state_"):
                return


def _run(coro):
    """Playwright's sync API owns this thread's loop; the websocket client runs on its own thread."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _delta(d: dict, name: str) -> dict:
    merged: dict = {}
    for state, values in d.items():
        if state.endswith(name):
            merged.update(values)
    return merged


def test_forged_events_get_masked_data_only(server):
    """Drive every handler of the roster page by hand (as a scraper would) and inspect every frame received."""

    async def run() -> tuple[RxClient, list[dict]]:
        client = await _roster_client(server, local_addr=("127.0.0.3", 0))
        results = []
        for index, code in [("0", "13"), *CHAIN]:
            results.append(await client.call(f"{ROSTER}.choose", {"index": int(index), "code": code}, path="/roster"))
        results.append(await client.call(f"{ROSTER}.set_view", {"view": "standing"}, path="/roster"))
        results.append(await client.call(f"{ROSTER}.next_page", path="/roster"))
        results.append(await client.call(f"{ROSTER}.prev_page", path="/roster"))
        results.append(await client.call(f"{ROSTER}.search", {"form": {"name": "欧阳娜娜"}}, path="/roster"))
        # A code the server did not offer at that level is ignored, not looked up.
        try:  # an event that changes nothing may get no update at all
            results.append(await client.call(f"{ROSTER}.choose", {"index": 4, "code": "130123100201"},
                                             path="/roster", timeout=3))
        except (TimeoutError, asyncio.TimeoutError):
            results.append({})
        await client.ws.close()
        return client, results

    client, results = _run(run())
    searched = _delta(results[8], "roster_state")
    entries = searched["entries_rx_state_"]
    assert [e["name"] for e in entries] == ["欧阳*娜"]
    assert set(entries[0]) == {"id", "name", "size", "amount", "village", "kind_key", "start", "end", "objection"}
    assert PUBLIC_ID.match(entries[0]["id"])
    assert "region_code_rx_state_" not in _delta(results[9], "roster_state")  # the forged choice changed nothing
    assert_nothing_forbidden(client.messages, searched={"欧阳娜娜"}, expect_masked="买**·*力",
                             refs=source_refs(server))


def test_reading_is_rate_limited_per_client(server):
    """A scraper that pages fast is stopped within a minute; another client is not affected."""

    async def run() -> tuple[list[str], str]:
        # The budget is counted per clock minute: start early in a minute so the 35 reads fall in one window.
        second = datetime.now().second
        if second > 30:
            await asyncio.sleep(61 - second)
        client = await _roster_client(server, local_addr=("127.0.0.7", 0))  # its own address, its own budget
        errors = []
        for i in range(35):
            view = "standing" if i % 2 == 0 else "publicity"
            # set_view answers with one update: a short settle keeps the 35 reads well inside the minute
            d = _delta(await client.call(f"{ROSTER}.set_view", {"view": view}, path="/roster", settle=0.05),
                       "roster_state")
            errors.append(d.get("error_key_rx_state_", ""))
        await client.ws.close()
        other = await _roster_client(server, local_addr=("127.0.0.8", 0))
        d = _delta(await other.call(f"{ROSTER}.set_view", {"view": "standing"}, path="/roster"), "roster_state")
        await other.ws.close()
        return errors, d.get("error_key_rx_state_", "")

    errors, other_error = _run(run())
    assert "roster.rate_limited" in errors
    first_refusal = errors.index("roster.rate_limited")
    assert 25 <= first_refusal <= 30, errors  # 30 reads a minute, one of them spent by the page load
    assert other_error in ("", None)


# --- officers ---------------------------------------------------------------------------------------------------

def _cookie_for(server, username: str) -> str:
    r = httpx.post(server.base_url + "/api/auth/login", data={"username": username, "password": server.password},
                   headers={"accept": "application/json"})
    assert r.status_code == 200, r.text
    return f"sd_session={r.cookies['sd_session']}"


def _approved_cases(server, village: str, names: list[str]) -> dict[str, tuple[str, int, int]]:
    """Cases of `names` in `village` brought to 初审 approved by the township (tests/e2e/cases.py), the way an officer
    would; returns number, household size on the roster and monthly amount (fen) per name, read from the cases."""
    from portal.applications.models import Application
    from portal.applications.services import publicity_size

    numbers = {name: make_case(server, village, name, until="to_publish", officer="officer_qingyuan")
               for name in names}
    with Session(create_engine(server.database_url)) as s:
        out = {}
        for name, number in numbers.items():
            app = s.execute(select(Application).where(Application.number == number)).scalar_one()
            out[name] = (number, publicity_size(s, app), app.monthly_amount_fen)
    return out


def test_officer_publishes_approved_cases_as_a_batch_and_withdraws_with_a_reason(browser, page, server):
    """The roster desk has no form to type names into: the batch is built from cases approved at 初审 (batch
    publicity), then worked from the roster desk at a desktop's width."""
    cases = _approved_cases(server, QINGYUAN, ["郑秋菊", "司马光明"])
    context = browser.new_context(viewport={"width": 1366, "height": 768}, device_scale_factor=1, locale="zh-CN")
    context.set_default_timeout(20_000)
    desk = context.new_page()
    errors: list[str] = []
    desk.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(desk, server, "officer_qingyuan")
    desk.wait_for_url("**/officer/")

    # The roster desk offers no typed entries, only the way to batch publicity.
    desk.click("#go-officer-roster")
    desk.wait_for_url(re.compile(r".*/officer/roster/?$"))
    wait_hydrated(desk)
    desk.wait_for_selector("#officer-roster-region")
    for gone in ("#draft-name", "#draft-household", "#draft-amount", "#draft-add", "#publish-batch"):
        assert desk.query_selector(gone) is None, gone
    desk.click("#officer-roster-publicity")
    desk.wait_for_url(re.compile(r".*/officer/publicity/?$"))
    for number, _size, _fen in cases.values():
        desk.wait_for_selector(f"#pick-{number}")
    wait_hydrated(desk)
    mine = {number for number, _size, _fen in cases.values()}
    for box in desk.query_selector_all(f"#group-{QINGYUAN[:9]} input[type=checkbox]"):
        if box.get_attribute("id")[len("pick-"):] not in mine:
            box.uncheck()
    desk.select_option(f"#scope-{QINGYUAN[:9]}", QINGYUAN)  # 青园社区
    desk.click(f"#publish-{QINGYUAN[:9]}")
    desk.wait_for_selector("#publicity-batch-link")
    desk.click("#publicity-batch-link")
    desk.wait_for_url(re.compile(r".*/officer/roster/batch/\d+/?$"))
    desk.wait_for_function("document.querySelectorAll('#officer-batch-entries .officer-entry').length === 2")
    rows = desk.inner_text("#officer-batch-entries")
    assert "青园社区" in rows
    # Each line is its case's: name, household size and amount (yuan, thousands grouped, two decimals).
    for name, (_number, size, fen) in cases.items():
        cells = desk.locator("#officer-batch-entries .officer-entry", has_text=name).locator("td").all_inner_texts()
        assert [c.strip() for c in cells[1:4]] == ["青园社区", str(size), money.yuan(fen)], cells
    batch_url = desk.url

    # The same batch from the roster desk's list of the region's batches.
    desk.goto(server.base_url + "/officer/roster")
    wait_hydrated(desk)
    desk.select_option("#officer-roster-region", QINGYUAN)
    desk.wait_for_selector("#officer-batches .officer-batch-link")
    assert "青园社区" in desk.inner_text("#officer-batches")
    assert desk.evaluate("document.documentElement.scrollWidth") <= 1366
    shot(desk, "officer-roster-desk")
    desk.goto(batch_url)
    wait_hydrated(desk)
    desk.wait_for_function("document.querySelectorAll('#officer-batch-entries .officer-entry').length === 2")

    desk.locator("#officer-batch-entries .officer-entry", has_text="郑秋菊").locator(".withdraw-start").click()
    desk.wait_for_selector("#withdraw-panel")
    desk.fill("#withdraw-reason", "申请人主动撤回申请")
    desk.click("#withdraw-confirm")
    desk.wait_for_selector("#officer-roster-notice")
    desk.wait_for_selector("#officer-batch-entries .withdraw-reason")
    assert "申请人主动撤回申请" in desk.inner_text("#officer-batch-entries")
    shot(desk, "officer-roster-batch")

    # The public proof page of this batch: the publish row and the withdrawal row, no reason.
    desk.click("#officer-batch-proof")
    desk.wait_for_url(re.compile(r".*/roster/batch/\d+/?$"))
    desk.wait_for_function("document.querySelectorAll('#proof-rows .roster-proof-row').length === 2")
    assert "撤回一条" in desk.inner_text("#proof-rows")
    assert "申请人主动撤回申请" not in desk.inner_text("main")
    assert desk.get_attribute("#check-chain", "data-ok") == "true"
    assert "撤回 1 户" in desk.inner_text("#proof-counts")
    context.close()
    assert not errors, errors

    # On a phone the batch desk folds to one column: no sideways scroll, tap-sized targets.
    sign_in(page, server, "officer_qingyuan")
    page.wait_for_url("**/officer/")
    page.goto(batch_url)
    wait_hydrated(page)
    page.wait_for_selector("#officer-batch-entries .withdraw-reason")
    assert_mobile_layout(page)

    # Residents see the one that is still in publicity, masked.
    page.goto(server.base_url + "/roster?region=130102002001")
    wait_hydrated(page)
    page.wait_for_function("document.querySelectorAll('#roster-entries .roster-entry').length === 1")
    assert entry_names(page) == ["司马*明"]


def test_officer_handlers_refuse_another_township(server):
    """officer_qingyuan forges events for 建北街道's region and one of its entries: nothing is done."""

    async def run():
        anonymous = await _roster_client(server, local_addr=("127.0.0.4", 0))
        d = _delta(await anonymous.call(f"{ROSTER}.load", path=f"/roster?region={VILLAGE}", route="/roster"),
                   "roster_state")
        await anonymous.ws.close()
        victim = d["entries_rx_state_"][0]["id"]
        officer = await _roster_client(server, _cookie_for(server, "officer_qingyuan"), path="/officer/roster")
        # 建北街道 itself holds the demo's current batch: a granted pick would list it.
        pick_township = await officer.call(f"{OFFICER_ROSTER}.pick_region", {"code": VILLAGE[:9]},
                                           path="/officer/roster")
        # Opening the reason form is not refused (its region is checked on sending), which clears the refusal
        # shown, so the next refusal is sent again.
        await officer.call(f"{OFFICER_ROSTER}.start_withdraw", {"public_id": victim, "label": "x"},
                           path="/officer/roster")
        pick = await officer.call(f"{OFFICER_ROSTER}.pick_region", {"code": VILLAGE}, path="/officer/roster")
        start = await officer.call(f"{OFFICER_ROSTER}.start_withdraw", {"public_id": victim, "label": "x"},
                                   path="/officer/roster")
        withdraw = await officer.call(f"{OFFICER_ROSTER}.withdraw", {"form": {"reason": "越权撤回他人辖区的条目"}},
                                      path="/officer/roster")
        await officer.ws.close()
        again = await _roster_client(server, path="/roster", local_addr=("127.0.0.5", 0))
        after = _delta(await again.call(f"{ROSTER}.load", path=f"/roster?region={VILLAGE}", route="/roster"),
                       "roster_state")
        await again.ws.close()
        return victim, pick, pick_township, start, withdraw, after

    victim, pick, pick_township, start, withdraw, after = _run(run())
    for refused in (pick, pick_township):
        assert _delta(refused, "signed_in_state").get("denied_key_rx_state_") == "auth.forbidden"
        assert _delta(refused, "officer_roster_state").get("batches_rx_state_", []) == []
    assert _delta(withdraw, "signed_in_state").get("denied_key_rx_state_") == "auth.forbidden"
    assert victim in [e["id"] for e in after["entries_rx_state_"]]  # still listed
