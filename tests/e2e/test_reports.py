"""Reports and reward-for-reporting end to end (Chromium at 390×844, production build).

Round trip: anonymous report with a photo → receipt + secret (and the receipt picture) → the township officer takes,
acknowledges and concludes it substantiated → decides the reward → the county officer approves it (two-person rule)
→ the reporter sees each step and claims → finance sees the payout details and pays → the reporter sees it paid.
Authorization: another township's officer, window staff and a supervisor get nothing from the handlers or the
evidence route; the reporter's identity only reaches the designated role, and the view is audited. Bad input: empty
description, 6 photos, a PDF renamed .png, a wrong secret ten times.

Demo data (portal/demo.py, demo_reports.py): officer_jianbei covers 建北街道 130102001, officer_county and
report_viewer (officer + identity viewer) the county 130102, finance_county pays rewards there; officer_qingyuan
covers the sibling township 青园街道.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from PIL import Image
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from portal.kernel.audit_models import AuditEntry
from portal.kernel.workdays import china_today
from portal.reports.models import Report, ReportEvidence
from portal.reports.pages.officer import OfficerReportsState
from portal.reports.pages.resident import ReportState
from tests.e2e.conftest import assert_mobile_layout, sign_in, wait_hydrated
from tests.e2e.test_shell import shot
from tests.rxclient import RxClient, state_name

pytestmark = pytest.mark.e2e

CHAIN = [("0", "13"), ("1", "1301"), ("2", "130102"), ("3", "130102001"), ("4", "130102001001")]
OFFICER_REPORTS = state_name(OfficerReportsState)
REPORTS_URL = re.compile(r".*/officer/reports/?$")


def png(path, color=(180, 40, 40)) -> str:
    Image.new("RGB", (320, 240), color).save(path, format="PNG")
    return str(path)


def ctx_page(browser):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1, locale="zh-CN")
    ctx.set_default_timeout(20_000)
    return ctx, ctx.new_page()


def cookie_for(server, username: str) -> str:
    r = httpx.post(server.base_url + "/api/auth/login", data={"username": username, "password": server.password},
                   headers={"accept": "application/json"})
    assert r.status_code == 200, r.text
    return f"sd_session={r.cookies['sd_session']}"


def db(server) -> Session:
    return Session(create_engine(server.database_url))


def report_by_receipt(server, receipt: str) -> Report:
    with db(server) as s:
        return s.execute(select(Report).where(Report.receipt_code == receipt.replace(" ", ""))).scalar_one()


def choose_place(page) -> None:
    for index, code in CHAIN:
        page.wait_for_selector(f"#report-level-{index} option[value='{code}']", state="attached")
        page.select_option(f"#report-level-{index}", code)


def open_in_inbox(page, receipt: str) -> None:
    card = page.locator(".inbox-card", has_text=receipt)
    card.wait_for()
    card.locator(".open-report").click()
    page.wait_for_selector("#report-detail")


def submit_text(page, form_class: str, text: str, *, select: tuple[str, str] | None = None,
                fill: tuple[str, str] | None = None) -> None:
    form = page.locator(f"details.{form_class}")
    if form.get_attribute("open") is None:
        form.locator("summary").click()
    if select:
        form.locator(f"select[name='{select[0]}']").select_option(select[1])
    if fill:
        form.locator(f"input[name='{fill[0]}']").fill(fill[1])
    form.locator("textarea").fill(text)
    form.locator("button[type=submit]").click()


def track(page, server, receipt: str, secret: str) -> None:
    page.goto(server.base_url + "/report/track")
    wait_hydrated(page)
    page.fill("#track-receipt", receipt)
    page.fill("#track-secret", secret)
    page.click("#track-submit")
    page.wait_for_selector("#track-history")


def test_anonymous_report_to_paid_reward(browser, server, tmp_path):
    resident_ctx, resident = ctx_page(browser)
    description = f"他家新买了小轿车，还开了门市 {secrets.token_hex(3)}"

    # --- the resident files an anonymous report with one photo ---------------------------------------------------
    resident.goto(server.base_url + "/report")
    wait_hydrated(resident)
    choose_place(resident)
    resident.fill("#subject", "建北社区 3 号楼 孙某")
    resident.click("[data-category='fraud']")
    resident.fill("#description", description)
    resident.set_input_files("#evidence-picker input[type=file]", png(tmp_path / "car.png"))
    # Shrunk on the phone, uploaded at once: a thumbnail of the photo and "uploaded", and the form may be sent.
    resident.wait_for_selector("#evidence-picker .photo-row[data-state=done]")
    assert "已上传" in resident.inner_text("#evidence-picker .photo-row")
    assert resident.eval_on_selector("#evidence-picker .photo-thumb", "el => el.naturalWidth") == 320
    assert resident.is_enabled("#report-submit")
    resident.wait_for_timeout(400)  # debounced inputs
    assert_mobile_layout(resident)
    shot(resident, "report-form")
    resident.click("#report-submit")
    resident.wait_for_selector("#receipt-code")
    # The secret and its picture come once, in the event (never a state var): wait for the browser to write them.
    resident.wait_for_function("document.getElementById('receipt-secret')?.textContent.trim().length === 9")
    resident.wait_for_function("document.getElementById('receipt-image')?.complete")
    receipt = resident.inner_text("#receipt-code").strip()
    secret = resident.inner_text("#receipt-secret").strip()
    assert len(receipt) == 19 and receipt.replace(" ", "").isdigit()
    assert len(secret) == 9 and secret[4] == "-"
    assert resident.get_attribute("#receipt-image", "src").startswith("data:image/png;base64,")
    assert resident.get_attribute("#receipt-download", "href") == resident.get_attribute("#receipt-image", "src")
    assert_mobile_layout(resident)
    shot(resident, "report-receipt")
    report = report_by_receipt(server, receipt)
    assert report.anonymous and report.reporter_name is None and secret not in report.secret_hash

    # --- the township officer: takes it, sees the photo, acknowledges, concludes substantiated, decides the reward -
    officer_ctx, officer = ctx_page(browser)
    sign_in(officer, server, "officer_jianbei")
    officer.wait_for_url("**/officer/")
    officer.click("#go-officer-reports")
    officer.wait_for_url(REPORTS_URL)
    wait_hydrated(officer)
    open_in_inbox(officer, receipt)
    assert description in officer.inner_text("#detail-description")
    photo = officer.locator("#detail-photos img").first.get_attribute("src")
    r = officer.request.get(server.base_url + photo)
    assert r.status == 200 and r.headers["content-type"] == "image/jpeg"
    officer.click("#report-take")
    officer.wait_for_selector("#detail-owner")
    submit_text(officer, "ack-form", "已受理，将在 5 个工作日内入户核实。")
    officer.wait_for_function("document.querySelector('#detail-status').innerText.includes('调查核实中')")
    assert_mobile_layout(officer)
    shot(officer, "officer-report-detail")

    # --- meanwhile the reporter adds information and a second photo with the receipt ----------------------------
    track(resident, server, receipt, secret)
    resident.fill("#add-info", "他家的门市在建北路 18 号。")
    resident.set_input_files("#more-evidence-picker input[type=file]", png(tmp_path / "shop.png", (20, 90, 160)))
    resident.wait_for_selector("#more-evidence-picker .photo-row[data-state=done]")
    resident.wait_for_timeout(400)
    resident.click("#add-info-submit")
    resident.wait_for_selector("#track-notice")
    assert "举报人补充材料" in resident.inner_text("#track-history")
    assert "建北路 18 号" in resident.inner_text("#track-history")
    open_in_inbox(officer, receipt)
    officer.wait_for_function("document.querySelectorAll('#detail-photos img').length === 2")
    submit_text(officer, "conclude-form", "经入户核实和车辆登记核对，举报属实，已停发并追回 12,000 元。",
                select=("outcome", "substantiated"), fill=("recovered", "12000"))
    officer.wait_for_selector("#detail-outcome")
    submit_text(officer, "reward-form", "按追回金额的 10% 计算。")
    officer.wait_for_selector("#reward-amount")
    assert officer.inner_text("#reward-amount").startswith("1,200.00")
    assert officer.locator(".approve-form").count() == 0  # the officer who decided may not approve

    # --- the reporter sees the steps so far ------------------------------------------------------------------------
    track(resident, server, receipt, secret)
    history = resident.inner_text("#track-history")
    for step in ("提交举报", "已受理", "办结", "拟定奖励金额"):
        assert step in history
    assert "已受理，将在 5 个工作日内入户核实。" in history
    assert "李经办" not in resident.inner_text("main")  # officers' names stay inside
    assert resident.inner_text("#track-outcome") == "属实"
    assert resident.locator("#claim-submit").count() == 0  # not approved yet
    assert resident.locator("#add-info").count() == 0  # concluded: nothing more can be added
    assert_mobile_layout(resident)
    shot(resident, "report-track")

    # --- a second officer (county) approves ---------------------------------------------------------------------
    county_ctx, county = ctx_page(browser)
    sign_in(county, server, "officer_county")
    county.wait_for_url("**/officer/")
    county.goto(server.base_url + "/officer/reports")
    wait_hydrated(county)
    county.select_option("#filter-status", "all")  # concluded reports are not in the default (open) list
    open_in_inbox(county, receipt)
    submit_text(county, "approve-form", "同意。", select=("decision", "approve"))
    county.wait_for_function("document.querySelector('#reward-status').innerText.includes('已审核')")

    # --- the reporter claims with the receipt ----------------------------------------------------------------------
    track(resident, server, receipt, secret)
    resident.fill("#payout", "到建北街道便民服务中心窗口凭受理码领取")
    resident.click("#claim-submit")
    resident.wait_for_selector("#track-claimed")

    # --- finance sees the payout details (audited) and pays ----------------------------------------------------------
    finance_ctx, finance = ctx_page(browser)
    sign_in(finance, server, "finance_county")
    finance.wait_for_url(REPORTS_URL)
    wait_hydrated(finance)
    row = finance.locator("#finance-queue .register-row", has_text=receipt)
    row.wait_for()
    row.locator(".show-payout").click()
    finance.wait_for_function("document.querySelector('#payout-details')?.innerText.includes('凭受理码领取')")
    row.locator("input[name='paid_on']").fill(china_today().isoformat())
    row.locator("input[name='ref']").fill("CA-E2E-0001")
    row.locator(".mark-paid").click()
    finance.wait_for_function(f"!document.querySelector('#finance-queue')?.innerText.includes('{receipt}')")
    assert_mobile_layout(finance)
    shot(finance, "finance-reports")

    # --- the reporter sees it paid; the public totals count it ---------------------------------------------------
    track(resident, server, receipt, secret)
    assert "已发放" in resident.inner_text("#track-reward-status")
    assert "奖励已发放" in resident.inner_text("#track-history")
    resident.goto(server.base_url + "/report")
    wait_hydrated(resident)
    # The demo's two (one of them paid to a staff card: supervision's reward_to_staff demo) and this one.
    assert "已向举报人发放奖励 3 笔" in resident.inner_text("#reward-totals")
    with db(server) as s:
        actions = set(s.execute(select(AuditEntry.action).where(AuditEntry.target_id == str(report.id),
                                                                AuditEntry.target_type == "report")).scalars())
    assert {"report.take", "report.acknowledge", "report.conclude", "report.reward_decide", "report.reward_approve",
            "report.reward_claim", "report.payout_view", "report.reward_paid", "report.evidence_view"} <= actions
    for c in (resident_ctx, officer_ctx, county_ctx, finance_ctx):
        c.close()


def test_outsiders_get_nothing_from_handlers_or_the_evidence_route(server, tmp_path):
    """Another township's officer, window staff and a supervisor: forged websocket events and direct API calls."""
    with db(server) as s:
        report = s.execute(select(Report).where(Report.subject == "建北社区 7 号楼 刘某")).scalar_one()
        photo = ReportEvidence(report_id=report.id, image_id="ab" * 32, width=1, height=1)
        s.add(photo)
        s.commit()
        report_id, subject = report.id, report.subject

    async def forged(cookie: str | None) -> dict:
        async with RxClient(server.base_url, cookie) as client:
            return await client.call(f"{OFFICER_REPORTS}.open_report", {"report_id": report_id},
                                     path="/officer/reports")

    cookies = {name: cookie_for(server, name) for name in ("officer_qingyuan", "staff_hb_sjz_0002", "supervisor",
                                                            "officer_jianbei")}
    with ThreadPoolExecutor(1) as pool:
        results = {name: pool.submit(asyncio.run, forged(cookie)).result() for name, cookie in cookies.items()}
        anonymous = pool.submit(asyncio.run, forged(None)).result()
    assert subject in str(results["officer_jianbei"])  # the one who may: sanity check that the call works
    for name in ("officer_qingyuan", "staff_hb_sjz_0002", "supervisor"):
        assert subject not in str(results[name]) and "门市" not in str(results[name]), name
    assert subject not in str(anonymous)

    url = f"{server.base_url}/api/reports/{report_id}/evidence/{'ab' * 32}.jpg"
    assert httpx.get(url).status_code == 401
    for name in ("officer_qingyuan", "staff_hb_sjz_0002", "supervisor"):
        assert httpx.get(url, headers={"Cookie": cookies[name]}).status_code == 403, name
    # The owner's officer passes the guard (the file itself does not exist: still no hint, 403).
    assert httpx.get(url, headers={"Cookie": cookies["officer_jianbei"]}).status_code == 403


def test_identity_only_for_the_designated_role_and_logged(browser, server):
    with db(server) as s:
        named = s.execute(select(Report).where(Report.anonymous.is_(False))).scalars().first()
        receipt = " ".join(named.receipt_code[i:i + 4] for i in range(0, 16, 4))

    # The township officer handling it never receives the name or the phone, not even by forging the call.
    async def try_reveal(cookie: str) -> dict:
        async with RxClient(server.base_url, cookie) as client:
            await client.call(f"{OFFICER_REPORTS}.open_report", {"report_id": named.id}, path="/officer/reports")
            return await client.call(f"{OFFICER_REPORTS}.reveal_identity", {}, path="/officer/reports")

    with ThreadPoolExecutor(1) as pool:
        officer_try = pool.submit(asyncio.run, try_reveal(cookie_for(server, "officer_jianbei"))).result()
    assert "陈丽" not in str(officer_try) and "13912345678" not in str(officer_try)

    ctx, viewer = ctx_page(browser)
    frames: list[str] = []
    viewer.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(str(f))))
    sign_in(viewer, server, "report_viewer")
    viewer.wait_for_url("**/officer/")
    viewer.goto(server.base_url + "/officer/reports")
    wait_hydrated(viewer)
    open_in_inbox(viewer, receipt)
    assert "陈丽" not in "".join(frames)  # not sent before the deliberate, logged view
    viewer.click("#show-identity")
    viewer.wait_for_function("document.querySelector('#identity')?.innerText.includes('13912345678')")
    assert "陈丽" in viewer.inner_text("#identity")
    assert_mobile_layout(viewer)
    shot(viewer, "report-identity")
    with db(server) as s:
        views = s.execute(select(AuditEntry).where(AuditEntry.action == "report.identity_view",
                                                   AuditEntry.target_id == str(named.id))).scalars().all()
    assert [v.actor for v in views] == ["report_viewer"]
    ctx.close()


async def _reconnect(client: RxClient, cookie: str | None, path: str = "/") -> str:
    """Close the tab's socket and load a page again in the same tab (same Reflex token), optionally signed out:
    everything the snapshot of that page load carries."""
    await client.ws.close()
    again = RxClient(client.ws_url.replace("ws", "http", 1), cookie)
    again.token = client.token
    await again.connect(path)
    await again.ws.close()
    return "".join(again.messages)


def test_names_secrets_and_payout_details_never_stay_in_the_tab_state(server):
    """The state of a tab is stored by the state manager and sent again, in full, on every page load of that tab,
    before any on_load runs: after signing out, to the next person on that tab. The reporter's name and phone, the
    payout details and the one-time secret reach the browser once, in the event that shows them, and never again;
    nothing a reporter typed stays in the state once the report is filed."""
    with db(server) as s:
        from portal.reports.models import ReportReward, RewardStatus

        named = s.execute(select(Report).where(Report.anonymous.is_(False))).scalars().first()
        paid_id = s.execute(select(ReportReward.report_id).where(ReportReward.status == RewardStatus.PAID,
                                                                 ReportReward.payout_details.is_not(None))
                            ).scalars().first()
    report_state = state_name(ReportState)

    async def viewer() -> tuple[str, str]:
        async with RxClient(server.base_url, cookie_for(server, "report_viewer")) as client:
            await client.call(f"{OFFICER_REPORTS}.open_report", {"report_id": named.id}, path="/officer/reports")
            await client.call(f"{OFFICER_REPORTS}.reveal_identity", {}, path="/officer/reports")
            shown = "".join(client.messages)
            return shown, await _reconnect(client, None)

    async def finance() -> tuple[str, str]:
        async with RxClient(server.base_url, cookie_for(server, "finance_county")) as client:
            await client.call(f"{OFFICER_REPORTS}.show_payout", {"report_id": paid_id}, path="/officer/reports")
            shown = "".join(client.messages)
            return shown, await _reconnect(client, None)

    async def reporter() -> tuple[str, str]:
        async with RxClient(server.base_url) as client:
            await client.call(f"{report_state}.load", path="/report")
            for index, code in CHAIN:
                await client.call(f"{report_state}.choose", {"index": int(index), "code": code}, path="/report")
            await client.call(f"{report_state}.set_category", {"value": "fraud"}, path="/report")
            await client.call(f"{report_state}.set_anonymous", {"value": False}, path="/report")
            await client.call(f"{report_state}.submit", {"form": {
                "subject": "建北社区 9 号楼 钱某", "description": "隐瞒了门市收入，还有两辆车。qx7",
                "name": "周建国", "phone": "13822223333"}}, path="/report")
            shown = "".join(client.messages)
            return shown, await _reconnect(client, None, "/report/track")

    with ThreadPoolExecutor(1) as pool:
        runs = {name: pool.submit(asyncio.run, fn()).result()
                for name, fn in (("viewer", viewer), ("finance", finance), ("reporter", reporter))}
    shown, again = runs["viewer"]
    assert "陈丽" in shown and "13912345678" in shown  # the deliberate, audited view does show them ...
    assert "陈丽" not in again and "13912345678" not in again  # ... once
    shown, again = runs["finance"]
    assert "凭受理码领取" in shown and "凭受理码领取" not in again
    shown, again = runs["reporter"]
    secret = re.search(r"receipt-secret.{0,40}?([A-Z0-9]{4}-[A-Z0-9]{4})", shown)
    assert secret and "data:image/png;base64," in shown  # filed: the secret and the card, once
    for value in (secret.group(1), "data:image/png;base64,", "周建国", "13822223333", "隐瞒了门市收入"):
        assert value not in again, value


def test_bad_input_is_refused_with_clear_messages(page, server, tmp_path):
    page.goto(server.base_url + "/report")
    wait_hydrated(page)
    page.click("[data-category='missed']")
    page.click("#report-submit")  # empty description
    page.wait_for_selector("#report-error")
    assert "至少 10 个字" in page.inner_text("#report-error")

    six = [png(tmp_path / f"p{i}.png", (i * 40, 20, 20)) for i in range(6)]
    page.set_input_files("#evidence-picker input[type=file]", six)
    page.wait_for_function("document.querySelector('.photo-error')?.innerText.includes('最多 5 张')")
    assert page.locator(".photo-row").count() == 0

    fake = tmp_path / "scan.png"
    fake.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    page.set_input_files("#evidence-picker input[type=file]", str(fake))
    page.wait_for_function("document.querySelector('.photo-error')?.innerText.includes('不是一张照片')")
    assert page.locator(".photo-row").count() == 0
    assert_mobile_layout(page)
    shot(page, "report-bad-input")

    page.goto(server.base_url + "/report/track")
    wait_hydrated(page)
    messages = []
    for _ in range(10):
        page.fill("#track-receipt", "9999 8888 7777 6666")
        page.fill("#track-secret", "WRON-GSEC")
        page.click("#track-submit")
        page.wait_for_selector("#track-error")
        page.wait_for_timeout(300)
        messages.append(page.inner_text("#track-error"))
    assert messages[0] == "受理码或密码不正确"
    assert messages[-1].startswith("尝试次数过多")
    assert re.fullmatch(r"尝试次数过多，请于 \d{2}:\d{2} 后再试", messages[-1]), messages[-1]  # when to try again
    assert page.locator("#track-history").count() == 0
    shot(page, "report-track-throttled")


def test_roster_objection_prefills_the_masked_entry(page, server):
    with db(server) as s:
        from portal.roster.models import RosterEntry

        public_id = s.execute(select(RosterEntry.public_id).where(RosterEntry.name == "欧阳娜娜")).scalar_one()
    page.goto(f"{server.base_url}/report?roster_entry={public_id}")
    wait_hydrated(page)
    page.wait_for_selector("#report-entry")
    assert page.inner_text("#report-entry-name") == "欧阳*娜"
    assert "欧阳娜娜" not in page.content()
    assert page.locator("#subject").count() == 0
    assert_mobile_layout(page)
    shot(page, "report-from-roster")
    page.click("#toggle-lang")
    page.wait_for_function("document.querySelector('main h1')?.innerText === 'Report a problem'")
    page.click("#toggle-large-text")
    page.wait_for_selector(".portal.large-text")
    assert "The roster entry you are objecting to" in page.inner_text("#report-entry")
    assert_mobile_layout(page)
    shot(page, "report-en-large")


def test_a_long_inbox_is_read_page_by_page(page, server):
    """More reports than one inbox page (svc.INBOX_PAGE): the officer pages forward and back, nothing is cut off."""
    from portal.kernel.db import make_engine
    from portal.reports import services as svc

    engine = make_engine(server.database_url)
    with Session(engine) as session:
        from portal.reports.models import ReportStatus

        already = session.execute(select(Report.id).where(Report.status != ReportStatus.CONCLUDED)).all()
        for i in range(svc.INBOX_PAGE + 5 - len(already)):
            svc.file_report(session, svc.NewReport(category="other", subject=f"paging {i}",
                                                   description="A report filed to fill the inbox.",
                                                   region_code="130102001001"),
                            device_id=f"paging-{i}", client=f"10.9.{i // 200}.{i % 200}", key="paging-test")
        session.commit()
    engine.dispose()
    sign_in(page, server, "officer_county")  # the county sees every report of its townships
    page.wait_for_url(re.compile(r".*/officer/?$"))
    page.goto(server.base_url + "/officer/reports")
    page.wait_for_selector("#report-inbox")
    first = page.locator("#report-inbox .inbox-card").count()
    assert first == svc.INBOX_PAGE
    page.click("#inbox-next")
    page.wait_for_function("document.querySelector('#inbox-page-no')?.innerText.includes('2')")
    assert 1 <= page.locator("#report-inbox .inbox-card").count() < svc.INBOX_PAGE
    assert page.locator("#inbox-next").is_disabled()
    assert_mobile_layout(page)
    page.click("#inbox-prev")
    page.wait_for_function("document.querySelector('#inbox-page-no')?.innerText.includes('1')")
    assert page.locator("#report-inbox .inbox-card").count() == svc.INBOX_PAGE
