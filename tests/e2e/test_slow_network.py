"""Residents on a weak signal (Chromium at 390×844 with the DevTools network throttle).

A report sent while its photo is still uploading is refused (the button is disabled and says why; a submit forced
past it is stopped too), and once the upload ends the filed report holds exactly that photo, shrunk on the phone to
at most 1600 px. The websocket dropping shows "网络不好，正在重试" until it is back.
"""

from __future__ import annotations

import os
import secrets

import httpx
import pytest
from PIL import Image
from sqlalchemy import select

from portal.reports.models import Report, ReportEvidence
from tests.e2e.conftest import assert_mobile_layout, wait_hydrated
from tests.e2e.test_reports import choose_place, db, report_by_receipt
from tests.e2e.test_shell import shot

pytestmark = pytest.mark.e2e


def noisy_jpeg(path, size=(2400, 1800)) -> str:
    """A phone-sized photo that does not compress away (noise): the shrunk upload still takes a while on 3G."""
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(path, "JPEG", quality=92)
    return str(path)


def throttle(page, *, upload_bps: int, offline: bool = False) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {
        "offline": offline, "latency": 300, "downloadThroughput": 50_000, "uploadThroughput": upload_bps})
    page._throttle = cdp  # kept alive with the page


def unthrottle(page) -> None:
    page._throttle.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})


def test_a_report_sent_mid_upload_is_refused_and_then_holds_the_photo(page, server, tmp_path):
    description = f"低保户家里新开了超市，还雇了两个人 {secrets.token_hex(3)}"
    page.goto(server.base_url + "/report")
    wait_hydrated(page)
    choose_place(page)
    page.fill("#subject", "建北社区 5 号楼 周某")
    page.click("[data-category='fraud']")
    page.fill("#description", description)
    page.wait_for_timeout(400)  # debounced inputs reach the state before the throttle starts

    # 3G-like upload (about 40 KB/s): the shrunk photo takes several seconds.
    throttle(page, upload_bps=40_000)
    page.set_input_files("#evidence-picker input[type=file]", noisy_jpeg(tmp_path / "shop.jpg"))
    page.wait_for_selector("#evidence-picker .photo-row[data-state=uploading]")
    # A thumbnail and progress show at once; the send button is disabled and says why.
    page.wait_for_function("document.querySelector('#evidence-picker .photo-thumb').naturalWidth > 0")
    assert page.is_visible("#evidence-picker progress")
    assert page.is_disabled("#report-submit")
    assert "照片还在上传" in page.inner_text(".photo-wait")
    assert_mobile_layout(page)
    shot(page, "report-photo-uploading-3g")

    # A submit forced past the disabled button (keyboard, a script) is stopped before it reaches the server.
    page.eval_on_selector("#report-submit", "b => b.form.requestSubmit()")
    assert page.locator("#receipt-code").count() == 0
    page.wait_for_selector("#evidence-picker .photo-row[data-state=done]", timeout=120_000)
    with db(server) as s:  # nothing was filed while the photo was on its way
        assert s.execute(select(Report).where(Report.description == description)).first() is None
    assert page.locator("#receipt-code").count() == 0
    assert not page.is_visible(".photo-wait")

    unthrottle(page)
    page.click("#report-submit")
    page.wait_for_selector("#receipt-code")
    report = report_by_receipt(server, page.inner_text("#receipt-code").strip())
    assert report.description == description
    with db(server) as s:
        photos = s.execute(select(ReportEvidence).where(ReportEvidence.report_id == report.id)).scalars().all()
    # Exactly the one photo shown attached, shrunk on the phone (longest side 1600 px).
    assert len(photos) == 1
    assert max(photos[0].width, photos[0].height) == 1600


def test_a_failed_upload_is_kept_for_a_retry_and_blocks_the_form(page, server, tmp_path):
    page.goto(server.base_url + "/report")
    wait_hydrated(page)
    # The signal goes while the photo is sent: the upload fails, the photo stays with a retry, the form says why.
    page.route("**/api/photos/**", lambda route: route.abort("internetdisconnected"))
    page.set_input_files("#evidence-picker input[type=file]", noisy_jpeg(tmp_path / "a.jpg", (1200, 900)))
    page.wait_for_selector("#evidence-picker .photo-row[data-state=failed]")
    # Choosing the category now (the page would enable its button) does not let the form go without the photo.
    page.click("[data-category='fraud']")
    page.wait_for_selector("[data-category='fraud'].on")
    page.wait_for_selector("#report-missing", state="detached")
    assert "网络中断" in page.inner_text("#evidence-picker .photo-row")
    assert page.is_visible("#evidence-picker .photo-retry")
    assert page.is_disabled("#report-submit")
    assert "重试" in page.inner_text(".photo-wait")
    shot(page, "report-photo-failed")
    page.unroute("**/api/photos/**")
    page.click("#evidence-picker .photo-retry")
    page.wait_for_selector("#evidence-picker .photo-row[data-state=done]")
    assert page.is_enabled("#report-submit")
    assert not page.is_visible(".photo-wait")


def test_a_refused_upload_says_why(page, server, tmp_path):
    """A body over the request-size limit is refused with 413 by the guard in front of every path, and the widget
    shows that answer's message (before, a 413 from Reflex's /_upload showed nothing at all)."""
    over = httpx.post(server.base_url + "/api/photos/report", content=b"\0" * (65 * 1024 * 1024),
                      headers={"content-type": "image/jpeg"}, timeout=120)
    assert over.status_code == 413 and "太大" in over.json()["message"]
    page.goto(server.base_url + "/report")
    wait_hydrated(page)
    # The guard's own answer, replayed to the page: a phone never sends that much (it shrinks first).
    page.route("**/api/photos/**", lambda route: route.fulfill(
        status=413, body=over.content, headers={"content-type": "application/json"}))
    page.set_input_files("#evidence-picker input[type=file]", noisy_jpeg(tmp_path / "b.jpg", (800, 600)))
    page.wait_for_function("(document.querySelector('#evidence-picker .photo-error') || {}).innerText"
                           "?.includes('上传的内容太大')")
    assert page.locator("#evidence-picker .photo-row").count() == 0
    assert not page.is_visible(".photo-wait")  # a refused photo is not attached, so it holds nothing up
    assert page.is_disabled("#report-submit")  # ... and the page's own reason (no category yet) still holds
    # A file the phone cannot read and that is over the intake's 10 MB is named at once, without being sent.
    page.unroute("**/api/photos/**")
    bad = tmp_path / "x.jpg"
    bad.write_bytes(b"\xff\xd8\xff" + b"\x00" * (11 * 1024 * 1024))
    page.set_input_files("#evidence-picker input[type=file]", str(bad))
    page.wait_for_function("(document.querySelector('#evidence-picker .photo-error') || {}).innerText"
                           "?.includes('照片太大')")
    assert page.locator("#evidence-picker .photo-row").count() == 0


def test_the_offline_banner_shows_when_the_connection_drops_and_goes_when_it_returns(page, server):
    page.goto(server.base_url + "/report")
    wait_hydrated(page)
    assert not page.is_visible("#net-banner")
    page.context.set_offline(True)
    page.wait_for_selector("#net-banner", state="visible")
    assert "网络不好，正在重试" in page.inner_text("#net-banner")
    shot(page, "report-offline-banner")
    page.context.set_offline(False)
    page.wait_for_selector("#net-banner", state="hidden")
    # The page is live again: a tap reaches the server, and the send button no longer waits for a category.
    page.click("[data-category='fraud']")
    page.wait_for_selector("[data-category='fraud'].on")
    page.wait_for_selector("#report-missing", state="detached")


@pytest.mark.parametrize("path,title", [("/report", "举报投诉"), ("/apply", "申请低保"), ("/eligibility", None),
                                        ("/report/track", None), ("/roster", None)])
def test_without_javascript_the_html_has_its_title_a_loading_state_and_what_to_do(browser, server, path, title):
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False, locale="zh-CN")
    page = ctx.new_page()
    response = page.goto(server.base_url + path)
    page_title = page.title()
    assert page_title.endswith("· 阳光低保") and page_title != "阳光低保 · 阳光低保"
    if title:
        assert page_title.startswith(title)
    assert page.locator("h1").count() == 1
    assert "正在加载" in page.inner_text("#page-loading")
    box = page.locator(".noscript-box")
    assert box.is_visible() and "JavaScript" in box.inner_text() and "/r/" in box.inner_text()
    assert box.locator("a[href='tel:12345']").count() == 1
    assert response.status == 200
    if path == "/report":
        shot(page, "report-no-javascript")
    ctx.close()


def test_hashed_assets_are_cached_for_a_year_and_pages_revalidate(page, server):
    seen: dict[str, str] = {}
    page.on("response", lambda r: seen.setdefault(r.url, r.headers.get("cache-control", "")))
    page.goto(server.base_url + "/report")
    wait_hydrated(page)
    hashed = {u: c for u, c in seen.items() if "/assets/" in u}
    assert hashed and all(c == "public, max-age=31536000, immutable" for c in hashed.values()), hashed
    assert "immutable" not in seen[server.base_url + "/report"]


def test_a_browser_that_accepts_brotli_gets_it_for_every_script_and_stylesheet(page, server):
    """Chromium asks for br over HTTPS only (production); what it sends there is replayed with httpx."""
    assets: set[str] = set()
    page.on("response", lambda r: assets.add(r.url) if "/assets/" in r.url and r.url.endswith((".js", ".css")) else None)
    page.goto(server.base_url + "/report")
    wait_hydrated(page)
    assert any(u.endswith(".css") for u in assets) and any(u.endswith(".js") for u in assets), assets
    sizes = {"br": 0, "gzip": 0}
    for url in sorted(assets):
        sent = {}
        for offered, header in (("br", "gzip, deflate, br, zstd"), ("gzip", "gzip, deflate")):
            # Streamed and never decoded: the bytes counted are the bytes sent.
            with httpx.stream("GET", url, headers={"Accept-Encoding": header}) as r:
                assert r.status_code == 200, url
                sent[offered] = (r.headers.get("content-encoding"), sum(len(c) for c in r.iter_raw()))
        # The build compresses only files worth it (a few hundred bytes and up): those come in both encodings.
        if sent["gzip"][0] is None:
            assert sent["br"][0] is None and sent["gzip"][1] < 1024, (url, sent)
            continue
        assert sent["br"][0] == "br" and sent["gzip"][0] == "gzip", (url, sent)
        sizes["br"] += sent["br"][1]
        sizes["gzip"] += sent["gzip"][1]
    assert sizes["br"] < sizes["gzip"] * 0.9, sizes


def test_large_text_is_a_real_step_and_codes_do_not_break(page, server):
    page.goto(server.base_url + "/report")
    wait_hydrated(page)
    normal = page.eval_on_selector("main p", "el => parseFloat(getComputedStyle(el).fontSize)")
    page.click("#toggle-large-text")
    page.wait_for_selector(".portal.large-text")
    large = page.eval_on_selector("main p", "el => parseFloat(getComputedStyle(el).fontSize)")
    h1 = page.eval_on_selector("h1", "el => parseFloat(getComputedStyle(el).fontSize)")
    assert normal == 16 and large >= 22 and large / normal >= 1.375 and h1 > large * 1.5
    # The primary button colour passes AA with white text (4.5:1): Radix's #e5484d (3.9:1) is replaced.
    bg = page.evaluate("getComputedStyle(document.querySelector('.radix-themes')).getPropertyValue('--accent-9')")
    assert bg.strip().lower() == "#ce2c31"
    assert_mobile_layout(page)
    shot(page, "report-large-text")
    page.click("#toggle-large-text")
    page.wait_for_selector(".portal:not(.large-text)")
