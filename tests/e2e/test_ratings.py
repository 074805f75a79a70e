"""Window ratings end to end: QR link → rate 2 with tags and a phone → staff answers → rater adds 追评 with the
receipt → officer closes. Chromium at 390×844, production build."""

from __future__ import annotations

import secrets

import pytest

from tests.e2e.conftest import assert_mobile_layout, sign_in, wait_hydrated
from tests.e2e.test_shell import shot

pytestmark = pytest.mark.e2e

WINDOW = "HB-SJZ-0002"  # 建北街道; staff_hb_sjz_0002 works there, officer_jianbei covers it


def _rate(page, server, level: int, comment: str, phone: str) -> str:
    page.goto(f"{server.base_url}/r/{WINDOW}")
    assert page.inner_text("#window-name") == "低保受理窗口"
    assert_mobile_layout(page)
    page.click(f"#level-{level}")
    page.click("[data-tag='tag.runaround']")
    page.click("[data-tag='tag.unclear_info']")
    page.fill("#comment", comment)
    page.fill("#phone", phone)
    assert_mobile_layout(page)
    shot(page, "rate-form")
    page.click("#rating-submit")
    page.wait_for_selector("#receipt-code")
    shot(page, "rate-thanks")
    return page.inner_text("#receipt-code").strip()


def test_bad_review_round_trip(browser, server):
    ctx = lambda: browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")  # noqa: E731
    resident_ctx, staff_ctx, officer_ctx = ctx(), ctx(), ctx()
    resident, staff, officer = resident_ctx.new_page(), staff_ctx.new_page(), officer_ctx.new_page()
    comment = f"材料清单没说清楚 {secrets.token_hex(3)}"
    phone = "13912345678"

    receipt = _rate(resident, server, 2, comment, phone)
    assert len(receipt) == 9 and receipt[4] == "-"
    assert "5 个工作日" in resident.inner_text("main")

    # Opening the page again from the same phone within the cool-down says so before anything is filled in.
    resident.goto(f"{server.base_url}/r/{WINDOW}")
    assert "24 小时内评价过这个窗口" in resident.inner_text("#already-rated")
    assert resident.locator("#rating-submit").count() == 0

    # Staff see the case (no phone number anywhere on their page) and answer it.
    frames: list[str] = []
    staff.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(str(f))))
    sign_in(staff, server, "staff_hb_sjz_0002")
    staff.wait_for_url("**/staff/")
    card = staff.locator(".case-card", has_text=comment)
    card.wait_for()
    assert phone not in staff.content()
    assert all(phone not in f for f in frames), "the rater's phone reached the staff browser"
    assert staff.locator(".case-phone").count() == 0
    card.locator(".answer-form summary").click()
    card.locator(".answer-form textarea").fill("已补充一次性告知清单，张贴在窗口。")
    card.locator(".answer-form button[type=submit]").click()
    staff.wait_for_selector("#case-notice")
    card = staff.locator(".case-card", has_text=comment)
    assert "已答复" in card.locator(".case-status").inner_text()
    assert_mobile_layout(staff)
    shot(staff, "staff-dashboard")

    # The rater follows up with the receipt: sees the answer, adds one 追评, cannot add a second.
    resident.goto(f"{server.base_url}/rating/followup")
    resident.fill("#receipt", receipt.lower().replace("-", ""))  # forgiving input: case and dash don't matter
    resident.click("#lookup")
    resident.wait_for_selector("#staff-answer")
    assert "一次性告知" in resident.inner_text("#staff-answer")
    resident.click("#followup-level-4")
    resident.fill("#followup-comment", "改进了，谢谢")
    resident.click("#followup-submit")
    resident.wait_for_selector("#followup-done")
    assert "追评已提交" in resident.inner_text("#followup-done")
    assert_mobile_layout(resident)
    shot(resident, "rating-followup")
    resident.click("#lookup")
    resident.wait_for_selector("#followup-done")
    assert resident.locator("#followup-submit").count() == 0

    # The officer sees the phone for the callback, records it, and closes the case.
    sign_in(officer, server, "officer_jianbei")
    officer.wait_for_url("**/officer/")
    officer.click("#go-ratings")
    card = officer.locator(".case-card", has_text=comment)
    card.wait_for()
    assert phone not in card.inner_text()  # shown once on request, never kept in the page's state
    card.locator(".phone-btn").click()
    officer.wait_for_function(f"[...document.querySelectorAll('.case-phone')].some(e => e.innerText.includes({phone!r}))")
    assert phone in card.inner_text()
    card.locator(".callback-btn").click()
    officer.wait_for_selector("#officer-notice")
    card = officer.locator(".case-card", has_text=comment)
    assert "已回访" in card.inner_text()
    assert "满意" in card.locator(".case-followup").inner_text()
    card.locator(".close-form summary").click()
    card.locator(".close-form textarea").fill("已回访，群众认可整改。")
    card.locator(".close-form button[type=submit]").click()
    officer.wait_for_selector("#officer-notice")
    officer.wait_for_function(f"!document.body.innerText.includes({comment!r})")
    assert_mobile_layout(officer)
    shot(officer, "officer-ratings")

    resident.click("#lookup")
    resident.wait_for_selector("#case-status")
    assert resident.inner_text("#case-status") == "已办结"
    for c in (resident_ctx, staff_ctx, officer_ctx):
        c.close()


def test_unknown_window_code_shows_a_clear_page(page, server):
    response = page.goto(f"{server.base_url}/r/NO-SUCH-9999")
    assert response.status == 404 and page.title() == "找不到这个窗口 · 阳光低保"
    assert "窗口编号不存在" in page.inner_text("#window-missing")
    assert_mobile_layout(page)


def test_home_code_entry_opens_the_rating_page(page, server):
    page.goto(server.base_url + "/")
    wait_hydrated(page)
    page.fill("#rate-code", "hb-bd-0002")
    page.keyboard.press("Enter")
    page.wait_for_url("**/r/HB-BD-0002")
    assert page.inner_text("#window-name") == "低保受理窗口"


def test_rating_with_javascript_off(browser, server):
    """The poster's link on a phone with JavaScript disabled: the page is a form, the POST stores the rating and
    the thank-you page shows the receipt; English and large text switch with plain links."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server.base_url}/r/HB-SJZ-0003")
    assert page.title() == "服务评价 · 低保受理窗口 · 阳光低保"
    assert page.locator("h1").count() == 1
    cookie = next(c for c in context.cookies() if c["name"] == "sd_device")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.click("#level-5")
    page.click("[data-tag='tag.friendly']")
    page.fill("#comment", "耐心细致")
    page.click("#rating-submit")
    page.wait_for_selector("#receipt-code")
    receipt = page.inner_text("#receipt-code").strip()
    assert len(receipt) == 9 and "/thanks?receipt=" in page.url
    assert_mobile_layout(page)
    shot(page, "rate-thanks-nojs")
    page.reload()  # a reload shows the receipt again and sends nothing
    assert page.inner_text("#receipt-code").strip() == receipt
    page.click("#toggle-lang")
    page.click("#toggle-large-text")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("html").get_attribute("class") == "lg"
    assert "Thank you for your rating" in page.inner_text("h1")
    assert_mobile_layout(page)
    shot(page, "rate-thanks-nojs-en-large")
    context.close()


def test_public_results_rank_windows(page, server):
    page.goto(server.base_url + "/results")
    wait_hydrated(page)
    page.wait_for_selector(".result-row")
    rows = page.locator(".result-row")
    assert rows.count() >= 5
    assert rows.first.locator("td").first.inner_text() == "1"
    assert_mobile_layout(page)
    shot(page, "results")


def test_township_staff_and_officer_pages_are_guarded(page, server):
    """Window staff cannot open the officer ratings page; an anonymous visitor is sent to sign in."""
    page.goto(server.base_url + "/officer/ratings")
    page.wait_for_url("**/login*error=auth.sign_in_required*")
    sign_in(page, server, "staff_hb_sjz_0002")
    page.wait_for_url("**/staff/")
    page.goto(server.base_url + "/officer/ratings")
    page.wait_for_selector("#denied")
    assert page.locator("#ranking").count() == 0


def test_staff_download_poster_whose_qr_opens_their_rating_page(page, server, tmp_path):
    """The poster PDF from the staff desk prints a QR code that decodes to this window's rating page."""
    import subprocess

    from PIL import Image
    from pyzbar.pyzbar import decode

    sign_in(page, server, "staff_hb_sjz_0002")
    page.wait_for_url("**/staff/")
    page.wait_for_selector(".poster-pdf")
    with page.expect_download() as info:
        page.click(".poster-pdf")
    download = info.value
    assert download.suggested_filename == f"poster-{WINDOW}.pdf"
    pdf = tmp_path / "poster.pdf"
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(["pdftoppm", "-png", "-r", "100", str(pdf), str(tmp_path / "page")], check=True)
    [png] = sorted(tmp_path.glob("page*.png"))
    codes = decode(Image.open(png))
    assert [c.data.decode() for c in codes] == [f"{server.env['PUBLIC_BASE_URL']}/r/{WINDOW}"]
