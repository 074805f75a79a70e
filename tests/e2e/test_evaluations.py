"""Supervisors' evaluations end to end at 390×844: the demo supervisor signs in, evaluates both assigned targets
(scores, a comment, check-in with the browser's location, a photo), submits; cannot open another supervisor's
evaluation; the admin closes the round; the public /results notice shows the ranking and its PDF."""

from __future__ import annotations

import asyncio
import io
import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from PIL import Image
from sqlalchemy import create_engine, text

from tests.e2e.conftest import assert_mobile_layout, sign_in, wait_hydrated
from tests.e2e.test_shell import shot
from tests.rxclient import RxClient

pytestmark = pytest.mark.e2e

ROUND = "长安区窗口服务民主评议（第三轮）"  # the demo's open round (portal/services/demo_evaluations.py)
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


EVALUATE = ("reflex___state____state.portal___states___session____signed_in_state"
            ".portal___pages___supervisor___evaluate____evaluate_state")


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
    page.wait_for_selector("#checkin-place")
    assert "38.05120" in page.inner_text("#checkin-place")
    page.set_input_files("#eval-photo input[type=file]", files=[
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
    assert_mobile_layout(sup)
    shot(sup, "supervisor-home")

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
    admin.click("#round-close")
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
    # Appoint an existing account for a further term (a re-appointment: one more row in the list).
    before = page.inner_text("#appointments").count("supervisor_zhang")
    page.fill("#appoint-username", "supervisor_zhang")
    page.fill("#appoint-region", "130102")
    page.fill("input[name=term_end]", "2030-12-31")
    page.click("#appoint-submit")
    page.wait_for_selector("#eval-admin-notice")
    assert page.inner_text("#appointments").count("supervisor_zhang") == before + 1
    # Open a round: weights that do not add up to 100 are refused, then a valid set opens it.
    page.click("#new-round")
    page.fill("#round-title", "E2E 专项评议")
    page.fill("#round-region", "130102")
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
    page.fill("#add-window", "HB-SJZ-0002")
    page.locator("#add-window").press("Enter")
    page.wait_for_selector(".eval-target-card")
    page.fill("#add-office", "青园街道便民服务中心")
    page.locator("#add-office").press("Enter")
    page.wait_for_function("document.querySelectorAll('.eval-target-card').length === 2")
    card = page.locator(".eval-target-card").first
    card.locator("input[name=username]").fill("supervisor_zhang")
    card.locator("button[type=submit]").click()
    page.wait_for_function("document.querySelector('.eval-target-card').innerText.includes('supervisor_zhang')")
    # An account without a current appointment cannot be assigned.
    card.locator("input[name=username]").fill("staff_hb_sjz_0002")
    card.locator("button[type=submit]").click()
    page.wait_for_selector("#eval-admin-error")
    assert "聘任" in page.inner_text("#eval-admin-error")
    assert_mobile_layout(page)
