"""Supervisors' evaluations end to end at 390×844: the demo supervisor signs in, evaluates both assigned targets
(scores, a comment, check-in with the browser's location, a photo), submits; cannot open another supervisor's
evaluation; the admin closes the round; the public /results notice shows the ranking and its PDF."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import io
import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from PIL import Image
from sqlalchemy import create_engine, text

from portal.kernel.workdays import china_today
from tests.e2e.conftest import assert_mobile_layout, sign_in, wait_hydrated
from tests.e2e.test_shell import shot
from tests.rxclient import RxClient

pytestmark = pytest.mark.e2e

ROUND = "长安区窗口服务民主评议（第三轮）"  # the demo's open round (portal/evaluations/demo.py)
LOCATION = {"latitude": 38.0512, "longitude": 114.506}


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (800, 600), (40, 120, 200)).save(buf, format="PNG")
    return buf.getvalue()


def _other_supervisors_assignment(server) -> int:
    engine = create_engine(server.database_url)
    with engine.connect() as conn:
        found = conn.execute(text(
            "SELECT a.id FROM evaluation_assignment a JOIN app_user u ON u.id = a.supervisor_id "
            "JOIN evaluation_round r ON r.id = a.round_id WHERE u.username = 'supervisor_zhang' AND r.title = :t "
            "ORDER BY a.id LIMIT 1"), {"t": ROUND}).scalar_one()
    engine.dispose()
    return found


EVALUATE = ("reflex___state____state.portal___shell___session____signed_in_state"
            ".portal___evaluations___pages___evaluate____evaluate_state")
HOME = ("reflex___state____state.portal___shell___session____signed_in_state"
        ".portal___evaluations___pages___supervisor____supervisor_home_state")
ADMIN = ("reflex___state____state.portal___shell___session____signed_in_state"
         ".portal___evaluations___pages___admin____admin_evaluations_state")
ROUTE = "/supervisor/evaluate/[assignment]"


def _scores(server, assignment_id: int) -> dict:
    engine = create_engine(server.database_url)
    with engine.connect() as conn:
        raw = conn.execute(text("SELECT scores FROM evaluation_assignment WHERE id = :i"), {"i": assignment_id}
                           ).scalar_one()
    engine.dispose()
    return raw if isinstance(raw, dict) else json.loads(raw)


def _evaluate(page, href: str, server, photo: bytes, first: bool) -> str:
    page.goto(server.base_url + href)
    wait_hydrated(page)
    page.wait_for_selector("#eval-target")
    label = page.inner_text("#eval-target")
    assert "条评价" in page.inner_text("#eval-residents")
    criteria = page.locator(".eval-criterion")
    assert criteria.count() == 4
    for i in range(4):
        criteria.nth(i).locator(".score-btn[data-score='%d']" % (5 if i % 2 == 0 else 4)).click()
        page.wait_for_function(
            f"document.querySelectorAll('.eval-criterion')[{i}].querySelector('[aria-pressed=true]') !== null")
    box = criteria.nth(0).locator("textarea")
    box.fill("窗口工作人员耐心，一次性告知材料")
    page.locator("#eval-target").click()  # blur saves the comment
    page.wait_for_selector("#eval-saved")
    page.click("#checkin-btn")
    page.wait_for_selector("#checkin-place")  # "location recorded": the coordinates stay on the server
    assert "38.05" not in page.inner_text("#checkin-place")
    page.set_input_files("#eval-photo-picker input[type=file]", files=[
        {"name": "site.png", "mimeType": "image/png", "buffer": photo}])
    page.wait_for_selector(".eval-photo img")
    page.wait_for_function("document.querySelector('.eval-photo img').naturalWidth > 0")
    assert_mobile_layout(page)
    if first:
        shot(page, "evaluation-form")
    page.click("#eval-submit")
    page.wait_for_selector("#eval-submitted")
    assert page.locator("#eval-submit").count() == 0
    return label


def _cookie(server, username: str) -> str:
    r = httpx.post(server.base_url + "/api/auth/login", data={"username": username, "password": server.password},
                   headers={"accept": "application/json"})
    assert r.status_code == 200, r.text
    return f"sd_session={r.cookies['sd_session']}"


def _db(server, sql: str, **params):
    engine = create_engine(server.database_url)
    with engine.begin() as conn:
        found = conn.execute(text(sql), params).first()
    engine.dispose()
    return found


def _parts(frames: list[str], *states: str) -> str:
    """The deltas of these states in the websocket frames, as one string."""
    out = []
    for msg in frames:
        if msg.startswith("42/_event,"):
            name, data = json.loads(msg[len("42/_event,"):])
            if name == "event":
                out += [json.dumps(d, ensure_ascii=False) for k, d in data.get("delta", {}).items() if k in states]
    return "".join(out)


async def _snapshot(base_url: str, token: str, path: str = "/") -> list[str]:
    """What a later page load of the same tab (same Reflex token) receives, signed out."""
    again = RxClient(base_url, None)
    again.token = token
    await again.connect(path)
    await again.ws.close()
    return again.messages


async def _quiet(client: RxClient, name: str, payload: dict | None = None, **kw) -> dict:
    """Send a forged event; a refused one may change nothing at all (no update comes back)."""
    try:
        return await client.call(name, payload, timeout=5, **kw)
    except (asyncio.TimeoutError, TimeoutError):
        return {}


def test_a_signed_out_tab_keeps_no_evaluation_and_never_gets_the_location(server):
    """A tab's state is stored and sent again in full on every later page load of that tab (shell/once.py).
    The check-in coordinates never enter it; once the tab is signed out, its next page load drops the evaluation
    (target, comments, photos) and the supervisor's targets, so the load after that carries none of them."""
    aid = _db(server, "SELECT a.id FROM evaluation_assignment a JOIN app_user u ON u.id = a.supervisor_id "
                      "JOIN evaluation_round r ON r.id = a.round_id WHERE u.username = 'supervisor_zhang' "
                      "AND r.title = :t AND a.submitted_at IS NULL", t=ROUND)[0]  # the demo's draft (HB-SJZ-0003)
    cookie = _cookie(server, "supervisor_zhang")
    path, query = f"/supervisor/evaluate/{aid}", {"assignment": str(aid)}
    secret = "只在本页出现的评语 q7x"

    async def run() -> tuple[str, str, str]:
        client = RxClient(server.base_url, cookie)
        await client.connect(path)
        await client.call(f"{HOME}.load", path="/supervisor")
        await client.call(f"{EVALUATE}.load", path=path, route=ROUTE, query=query)
        await client.call(f"{EVALUATE}.finish_checkin", {"coords": [38.0512345, 114.5067891, 9.5]}, path=path,
                          route=ROUTE, query=query)
        await client.call(f"{EVALUATE}.set_comment", {"key": "attitude", "value": secret}, path=path, route=ROUTE,
                          query=query)
        await client.ws.close()
        shown = client.messages
        before = await _snapshot(server.base_url, client.token)  # what is kept while nobody loads these pages
        # Signed out (cookie gone) in the same tab: the pages' loads are refused and drop what they showed.
        out = RxClient(server.base_url, None)
        out.token = client.token
        await out.connect(path)
        await out.call(f"{EVALUATE}.load", path=path, route=ROUTE, query=query)
        await out.call(f"{HOME}.load", path="/supervisor")
        await out.ws.close()
        return shown, before, await _snapshot(server.base_url, client.token)

    with ThreadPoolExecutor(1) as pool:
        shown, before, after = pool.submit(asyncio.run, run()).result()
    everything = "".join(shown + before + after)
    shown, before, after = (_parts(x, EVALUATE, HOME) for x in (shown, before, after))
    lat = _db(server, "SELECT checkin_lat FROM evaluation_assignment WHERE id = :i", i=aid)[0]
    assert lat == pytest.approx(38.051234, abs=1e-6)  # stored (and audited) on the server ...
    assert "38.05" not in everything and "114.50" not in everything  # ... never sent to the tab
    assert secret in shown and "HB-SJZ-000" in shown  # the page did show the evaluation and the targets
    # A snapshot asked for without the sign-in is wiped before it is sent, even before any page load refuses it.
    for value in (secret, "HB-SJZ-000", ROUND):
        assert value not in before, value
        assert value not in after, value


def test_forged_admin_events_outside_the_callers_region_change_nothing(server):
    """An admin of another county, an officer and window staff call the admin and supervisor handlers directly:
    nothing of 长安区's open round is sent to them and nothing changes."""
    from portal.kernel.db import make_engine
    from portal.accounts.models import Role
    from portal.accounts import services as auth
    from portal.regions import services as regions
    from sqlalchemy.orm import Session

    engine = make_engine(server.database_url)
    with Session(engine) as s:
        if not _db(server, "SELECT id FROM app_user WHERE username = 'admin_zhengding'"):
            auth.create_user(s, "admin_zhengding", "正定县管理员", server.password,
                             [(Role.ADMIN, regions.by_code(s, "130123"))])
            s.commit()
    engine.dispose()
    round_id, status = _db(server, "SELECT id, status FROM evaluation_round WHERE title = :t", t=ROUND)
    target_id = _db(server, "SELECT id FROM evaluation_target WHERE round_id = :r ORDER BY id", r=round_id)[0]
    mine = _db(server, "SELECT a.id FROM evaluation_assignment a JOIN app_user u ON u.id = a.supervisor_id "
                       "WHERE u.username = 'supervisor' AND a.round_id = :r ORDER BY a.id", r=round_id)[0]
    counts = "SELECT (SELECT count(*) FROM evaluation_target WHERE round_id = :r), " \
             "(SELECT count(*) FROM evaluation_assignment WHERE round_id = :r)"
    before = _db(server, counts, r=round_id)
    scores = _scores(server, mine)
    path, query = f"/supervisor/evaluate/{mine}", {"assignment": str(mine)}

    async def admin_elsewhere() -> str:
        async with RxClient(server.base_url, _cookie(server, "admin_zhengding")) as client:
            await _quiet(client, f"{ADMIN}.load", path="/admin/evaluations")
            await _quiet(client, f"{ADMIN}.set_region", {"code": "130102"}, path="/admin/evaluations")
            await _quiet(client, f"{ADMIN}.select_round", {"round_id": round_id}, path="/admin/evaluations")
            await _quiet(client, f"{ADMIN}.add_target", {"form": {"kind": "window", "value": "HB-SJZ-0001"}},
                         path="/admin/evaluations")
            await _quiet(client, f"{ADMIN}.assign",
                         {"form": {"target_id": str(target_id), "username": "supervisor"}}, path="/admin/evaluations")
            await _quiet(client, f"{ADMIN}.unassign", {"assignment_id": mine}, path="/admin/evaluations")
            await _quiet(client, f"{ADMIN}.close_round", path="/admin/evaluations")
            return "".join(client.messages)

    async def staff(username: str) -> str:
        async with RxClient(server.base_url, _cookie(server, username)) as client:
            for event, payload in [("load", {}), ("set_score", {"key": "attitude", "score": 1}),
                                   ("finish_checkin", {"coords": None}), ("submit", {})]:
                await _quiet(client, f"{EVALUATE}.{event}", payload, path=path, route=ROUTE, query=query)
            await _quiet(client, f"{ADMIN}.select_round", {"round_id": round_id}, path="/admin/evaluations")
            await _quiet(client, f"{ADMIN}.close_round", path="/admin/evaluations")
            return "".join(client.messages)

    with ThreadPoolExecutor(1) as pool:
        frames = [pool.submit(asyncio.run, fn()).result()
                  for fn in (admin_elsewhere, lambda: staff("officer_county"), lambda: staff("staff_hb_sjz_0002"))]
    for sent in frames:
        assert "supervisor_zhang" not in sent and "刘阿姨" not in sent and "HB-SJZ-0002" not in sent
    assert _db(server, "SELECT status FROM evaluation_round WHERE id = :r", r=round_id)[0] == status
    assert status.lower() == "open"
    assert _db(server, counts, r=round_id) == before
    assert _scores(server, mine) == scores


def test_supervisor_evaluates_admin_closes_public_notice_ranks(browser, server):
    sup_ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                  geolocation=LOCATION, permissions=["geolocation"])
    sup = sup_ctx.new_page()
    sign_in(sup, server, "supervisor")
    sup.wait_for_url("**/supervisor/")
    sup.wait_for_selector(".eval-round")
    assert ROUND in sup.inner_text(".eval-round")
    hrefs = [a.get_attribute("href") for a in sup.locator(".eval-target").all()]
    assert len(hrefs) == 2
    # The to-do card counts the two evaluations; /todo lists them, due with the round, each linking to its form.
    sup.wait_for_function("document.querySelector('#home-todo-counts')?.innerText.includes('2')")
    assert_mobile_layout(sup)
    shot(sup, "supervisor-home")
    sup.click("#go-todo")
    sup.wait_for_selector("#todo-table")
    todo_links = [a.get_attribute("href") for a in sup.locator("#todo-table a").all()]
    assert sorted(todo_links) == sorted(hrefs)
    assert "民主评议" in sup.inner_text("#todo-table") and "待评议" in sup.inner_text("#todo-table")
    shot(sup, "supervisor-todo")

    photo = _png()
    labels = [_evaluate(sup, href, server, photo, first=i == 0) for i, href in enumerate(hrefs)]
    sup.goto(server.base_url + "/supervisor")
    wait_hydrated(sup)
    sup.wait_for_function("document.querySelector('.eval-progress').innerText.includes('2 / 2')")

    # Another supervisor's evaluation: refused like a missing one, nothing of it shown.
    other = _other_supervisors_assignment(server)
    assert f"/supervisor/evaluate/{other}" not in hrefs
    sup.goto(f"{server.base_url}/supervisor/evaluate/{other}")
    wait_hydrated(sup)
    sup.wait_for_selector("#eval-missing")
    assert sup.locator(".eval-criterion").count() == 0
    # Its photos are not reachable either (404, whatever the id).
    r = sup.request.get(f"{server.base_url}/api/evaluations/{other}/photos/{'a' * 64}.jpg")
    assert r.status == 404

    # The admin closes the round.
    admin_ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    admin = admin_ctx.new_page()
    sign_in(admin, server, "admin")
    admin.wait_for_url("**/admin/")
    admin.click("#go-evaluations")
    admin.wait_for_selector("#rounds li")
    admin.locator(".eval-round-row", has_text=ROUND).locator(".round-manage").click()
    admin.wait_for_selector("#round-panel")
    assert ROUND in admin.inner_text("#selected-round")
    assert_mobile_layout(admin)
    shot(admin, "admin-evaluations")
    # The second demo supervisor's draft is still out: the round may close only once its due date has passed.
    engine = create_engine(server.database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE evaluation_round SET due_on = :d WHERE title = :t"),
                     {"d": (china_today() - timedelta(days=1)).isoformat(), "t": ROUND})
    engine.dispose()
    admin.click("#round-close")
    admin.click("#round-close-confirm")  # closing publishes: asked first
    admin.wait_for_selector("#round-pdf")
    assert "已结束" in admin.locator(".eval-round-row", has_text=ROUND).inner_text()

    # Anyone sees the published notice with the ranking.
    pub_ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    pub = pub_ctx.new_page()
    pub.goto(server.base_url + "/results")
    wait_hydrated(pub)
    pub.wait_for_selector("#notice-table tbody tr")
    assert ROUND in pub.locator("#notice-round option:checked").inner_text()
    table = pub.inner_text("#notice-table")
    for label in labels:
        assert label.split(" (")[0] in table
    ranks = [row.locator("td").first.inner_text() for row in pub.locator("#notice-table tbody tr").all()]
    assert ranks[0] == "1" and len(ranks) == 3
    pub.locator("#evaluation-notices").scroll_into_view_if_needed()
    assert_mobile_layout(pub)
    shot(pub, "results-evaluation-notice")
    pdf = pub.request.get(server.base_url + pub.get_attribute("#notice-pdf", "href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.body()[:4] == b"%PDF"
    # The same results as a workbook: one row per target, ranks as numbers, the round's first place first.
    import io

    import openpyxl

    book = pub.request.get(server.base_url + pub.get_attribute("#notice-xlsx", "href"))
    assert book.status == 200 and book.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows = list(openpyxl.load_workbook(io.BytesIO(book.body())).active.iter_rows(values_only=True))
    assert len(rows) == 1 + len(ranks) and rows[1][0] == 1
    for c in (sup_ctx, admin_ctx, pub_ctx):
        c.close()


def test_forged_events_cannot_touch_another_supervisors_evaluation(server):
    """Any client can call any handler: opening, scoring and submitting someone else's evaluation (a target outside
    the caller's assignment) is refused on the server, and the stored evaluation does not change."""
    other = _other_supervisors_assignment(server)
    before = _scores(server, other)
    r = httpx.post(server.base_url + "/api/auth/login", data={"username": "supervisor", "password": server.password},
                   headers={"accept": "application/json"})
    cookie = f"sd_session={r.cookies['sd_session']}"
    path = f"/supervisor/evaluate/{other}"
    route = "/supervisor/evaluate/[assignment]"

    async def run():
        async with RxClient(server.base_url, cookie) as client:
            loaded = await client.call(f"{EVALUATE}.load", path=path, route=route, query={"assignment": str(other)})
            scored = await client.call(f"{EVALUATE}.set_score", {"key": "attitude", "score": 1}, path=path,
                                       route=route, query={"assignment": str(other)})
            submitted = await client.call(f"{EVALUATE}.submit", path=path, route=route,
                                          query={"assignment": str(other)})
        return loaded, scored, submitted

    with ThreadPoolExecutor(1) as pool:
        loaded, scored, submitted = pool.submit(asyncio.run, run()).result()
    state = {k: v for d in (loaded,) for name, part in d.items() if "evaluate_state" in name for k, v in part.items()}
    assert state.get("found_rx_state_") is False
    assert "HB-SJZ-0001" not in json.dumps(loaded, ensure_ascii=False)
    for reply in (scored, submitted):
        merged = {k: v for name, part in reply.items() if "evaluate_state" in name for k, v in part.items()}
        assert merged.get("error_key_rx_state_") == "auth.forbidden"
    assert _scores(server, other) == before


def test_admin_appoints_opens_a_round_adds_targets_and_assigns(page, server):
    sign_in(page, server, "admin")
    page.wait_for_url("**/admin/")
    page.goto(server.base_url + "/admin/evaluations")
    wait_hydrated(page)
    page.wait_for_selector("#appointments li")
    # Appoint an existing account for a further term (a re-appointment: one more row in the list), found by a part
    # of its name: one character looks nothing up, the admin's own account is never offered.
    before = page.inner_text("#appointments").count("supervisor_zhang")
    page.fill("#appoint-search", "省级管")  # only the signed-in admin's own name ("省级管理员") has it
    page.click("#appoint-search-btn")
    page.wait_for_selector("#appoint-search-note")
    assert "没有您可以聘任的匹配账号" in page.inner_text("#appoint-search-note")
    assert page.locator("#appoint-username option:not([value=''])").count() == 0
    page.fill("#appoint-search", "张师")
    page.click("#appoint-search-btn")
    page.wait_for_function("document.querySelectorAll('#appoint-username option[value]:not([value=\"\"])')"
                           ".length === 1")
    offered = page.locator("#appoint-username option:not([value=''])")
    assert offered.get_attribute("value") == "supervisor_zhang" and "张师傅" in offered.inner_text()
    assert page.input_value("#appoint-username") == "supervisor_zhang"  # the one match is picked already
    page.select_option("#appoint-region", "130102")
    page.fill("input[name=term_end]", "2030-12-31")
    page.click("#appoint-submit")
    page.wait_for_selector("#eval-admin-notice")
    assert page.inner_text("#appointments").count("supervisor_zhang") == before + 1
    # Open a round: weights that do not add up to 100 are refused, then a valid set opens it.
    page.click("#new-round")
    page.fill("#round-title", "E2E 专项评议")
    page.select_option("#round-region", "130102")
    page.fill("input[name=period_start]", "2026-01-01")
    page.fill("input[name=w_environment]", "10")
    page.click("#round-open")
    page.wait_for_selector("#eval-admin-error")
    assert "合计 100" in page.inner_text("#eval-admin-error")
    page.fill("input[name=w_environment]", "0")
    page.click("#round-open")
    page.wait_for_selector("#round-panel")
    assert "E2E 专项评议" in page.inner_text("#selected-round")
    assert "长安区" in page.locator(".eval-round-row", has_text="E2E 专项评议").inner_text()
    # Targets are picked from the round's windows in use and their offices; what is added leaves the picker.
    windows = page.locator("#add-window option:not([value=''])").evaluate_all("os => os.map(o => o.value)")
    # 长安区's three windows; 正定县's and 涿州市's lie outside the round's region.
    assert {"HB-SJZ-0001", "HB-SJZ-0002", "HB-SJZ-0003"} <= set(windows)
    assert not {"HB-SJZ-0004", "HB-BD-0001"} & set(windows)
    page.select_option("#add-window", "HB-SJZ-0002")
    page.click("#add-window-btn")
    page.wait_for_selector(".eval-target-card")
    page.wait_for_function("![...document.querySelectorAll('#add-window option')].some(o => o.value === 'HB-SJZ-0002')")
    page.select_option("#add-office", "青园街道便民服务中心")
    page.click("#add-office-btn")
    page.wait_for_function("document.querySelectorAll('.eval-target-card').length === 2")
    assert "青园街道便民服务中心" not in page.locator("#add-office-none, #add-office").first.inner_text()
    # A window code sent by hand (a forged option) is refused by the service: another county's window.
    page.locator("#add-window").evaluate("s => { s.add(new Option('forged', 'HB-XXX-0001')); s.value = 'HB-XXX-0001'; }")
    page.click("#add-window-btn")
    page.wait_for_selector("#eval-admin-error")
    assert "不在本轮评议的地区内" in page.inner_text("#eval-admin-error")
    shot(page, "admin-evaluations-pickers")
    card = page.locator(".eval-target-card").first
    picker = card.locator("select[name=username]")
    offered = picker.evaluate("s => [...s.options].filter(o => o.value).map(o => o.value)")
    assert "supervisor_zhang" in offered and "staff_hb_sjz_0002" not in offered  # appointed supervisors only
    assert picker.get_attribute("aria-label") == "选择要分配的监督员"
    picker.select_option("supervisor_zhang")
    card.locator("button[type=submit]").click()
    # Assigned (the card lists them outside the picker), and no longer offered for that target.
    page.wait_for_function("""() => { const c = document.querySelector('.eval-target-card').cloneNode(true);
        const s = c.querySelector('select'); const offered = s ? [...s.options].map(o => o.value) : [];
        if (s) s.remove(); return c.innerText.includes('supervisor_zhang') && !offered.includes('supervisor_zhang'); }""")
    # An account without a current appointment, sent through a forged option, is refused by the service.
    card.locator("select[name=username]").evaluate(
        "s => { s.add(new Option('forged', 'staff_hb_sjz_0002')); s.value = 'staff_hb_sjz_0002'; }")
    card.locator("button[type=submit]").click()
    page.wait_for_selector("#eval-admin-error")
    assert "聘任" in page.inner_text("#eval-admin-error")
    assert_mobile_layout(page)
    page.set_viewport_size({"width": 1366, "height": 768})  # an admin's desk
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    shot(page, "admin-evaluations-desk")
