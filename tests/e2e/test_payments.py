"""Payments end to end: at desktop width the county officer prepares this month's batch, cannot approve it herself, a
second officer (the province's) approves, the county marks it paid with the bank's reference and downloads the bank
file; on a 390 px phone the public money figures show on /results in Chinese and English, nothing identifying."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.kernel.workdays import china_today
from tests.e2e.conftest import assert_mobile_layout, sign_in, wait_hydrated

pytestmark = pytest.mark.e2e

SHOTS = Path("/tmp/shots-m18")


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def desk(browser, server):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    context.set_default_timeout(20_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    context.close()
    assert not errors, errors


def _open(page, server):
    page.goto(server.base_url + "/officer/payments")
    wait_hydrated(page)
    page.wait_for_selector("#batches")


def _current(page):
    month = f"{china_today():%Y-%m}"
    return page.locator(".batch-card", has_text=month).first


def test_prepare_approve_by_a_second_officer_and_mark_paid(desk, server):
    page = desk
    sign_in(page, server, "officer_county")
    page.wait_for_url("**/officer**")
    _open(page, server)
    paid_before = page.locator(".batch-card").count()
    assert paid_before >= 3  # the demo's three paid months
    page.click("#prepare-batch")
    page.wait_for_selector("#payments-done")
    card = _current(page)
    assert "待审核" in card.inner_text()
    assert card.locator(".batch-approve").count() == 0  # the preparer is shown no approve button
    assert "另一位经办人" in card.inner_text()
    total = card.locator(".batch-total").inner_text()
    shot(page, "officer-payments-prepared-zh")
    page.click("#prepare-batch")  # the same month twice: refused with the reason
    page.wait_for_selector("#payments-error")
    assert "已有发放批次" in page.inner_text("#payments-error")

    page.context.clear_cookies()
    sign_in(page, server, "officer_province")
    page.wait_for_url("**/officer**")
    _open(page, server)
    _current(page).locator(".batch-approve").click()
    page.wait_for_selector("#payments-done")
    assert "已审核" in _current(page).inner_text()

    page.context.clear_cookies()
    sign_in(page, server, "officer_county")
    page.wait_for_url("**/officer**")
    _open(page, server)
    card = _current(page)
    card.locator(".bank-ref input, input.bank-ref").first.fill("x")  # too short: refused, nothing changes
    card.locator(".paid-on input, input.paid-on").first.fill(f"{china_today():%Y-%m-%d}")
    card.locator(".batch-paid").click()
    page.wait_for_selector("#payments-error")
    assert "银行回执编号" in page.inner_text("#payments-error")
    card = _current(page)
    card.locator(".bank-ref input, input.bank-ref").first.fill("ICBC-E2E-0001")
    card.locator(".paid-on input, input.paid-on").first.fill(f"{china_today():%Y-%m-%d}")
    card.locator(".batch-paid").click()
    page.wait_for_selector("#payments-done")
    card = _current(page)
    assert "ICBC-E2E-0001" in card.inner_text() and total in card.inner_text()
    href = card.locator(".batch-file").get_attribute("href")
    response = page.request.get(server.base_url + href)
    assert response.status == 200
    lines = response.text().splitlines()
    assert lines[0].startswith("H,SDDB-PAY,1,") and lines[-1].startswith("T,")
    shot(page, "officer-payments-paid-zh")
    page.click("#toggle-lang")
    page.wait_for_function("document.querySelector('#prepare-batch').innerText.includes('Prepare')")
    shot(page, "officer-payments-paid-en")


def test_the_bank_file_is_not_for_others(page, server):
    """Window staff and the signed-out get no bank file, whatever the batch id."""
    response = page.request.get(server.base_url + "/api/payments/batches/1.csv")
    assert response.status == 401
    sign_in(page, server, "supervisor")
    page.wait_for_url("**/supervisor**")
    response = page.request.get(server.base_url + "/api/payments/batches/1.csv")
    assert response.status == 404
    page.goto(server.base_url + "/officer/payments")
    wait_hydrated(page)
    page.wait_for_selector("#denied")


def test_public_money_figures_on_a_phone(page, server):
    page.goto(server.base_url + "/results")
    wait_hydrated(page)
    page.wait_for_selector("#money-figures .figure-card")
    text = page.inner_text("#money-figures-section")
    assert "户数" in text and "人均月发放" in text and "¥" in text
    assert "DEMO-" not in text and "张小明" not in text  # no household code, no name
    assert page.locator("#money-figures-section .recharts-wrapper").count() == 1
    page.locator("#money-figures-section").scroll_into_view_if_needed()
    assert_mobile_layout(page)
    shot(page, "results-money-zh")
    pool = page.locator("#reward-pools")
    assert "以奖代补资金分配" in pool.inner_text() and "冀民〔2026〕8号" in pool.inner_text()
    pool.locator(".figure-card summary").first.click()
    assert "群众满意度" in pool.locator(".figure-card").first.inner_text()
    pool.scroll_into_view_if_needed()
    assert_mobile_layout(page)
    page.click("#toggle-lang")
    page.wait_for_function("document.querySelector('#money-figures-section').innerText.includes('Households')")
    assert_mobile_layout(page)
    # Every card, with its terms open, fits the phone's width (nothing cut off at the right edge).
    widest = page.evaluate("Math.max(...[...document.querySelectorAll('#reward-pools .figure-card')]"
                           ".map(e => e.getBoundingClientRect().right))")
    assert widest <= 390, widest
    shot(page, "results-money-en")


def _desk_as(page, server, username: str, year: int) -> None:
    page.context.clear_cookies()
    sign_in(page, server, username)
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(server.base_url + "/officer/reward-pool")
    wait_hydrated(page)
    page.wait_for_selector("#weights")
    page.select_option("#pool-year", str(year))
    page.wait_for_function(f"document.querySelector('#pool-decide').innerText.includes('{year}')")


def _yuan(text: str) -> int:
    whole, _, fen = text.strip().lstrip("¥").replace(",", "").partition(".")
    return int(whole) * 100 + int(fen or 0)


def test_the_province_sets_weights_allocates_a_pool_and_a_second_person_approves(desk, server):
    """At desktop width: the province's officer sets a new weight set under its document number, reads last year's
    county scores term by term, rejects the pool the admin decided for last year and decides her own; she is shown
    no approve button for it; the admin approves it and the shares add up to the pool to the fen."""
    page = desk
    last = china_today().year - 1
    _desk_as(page, server, "officer_province", last)
    assert "冀民〔2026〕8号" in page.inner_text("#weight-sets") and "冀民〔2025〕3号" in page.inner_text("#weight-sets")
    page.fill("#w-satisfaction", "300")
    page.fill("#w-substantiated", "300")
    page.fill("#w-paid_on_time", "300")  # 900‰: refused, what was typed stays
    page.fill("#w-document", "冀民〔2026〕40号")
    page.click("#weights-submit")
    page.wait_for_selector("#pool-error")
    assert "1000" in page.inner_text("#pool-error") and page.input_value("#w-document") == "冀民〔2026〕40号"
    page.fill("#w-paid_on_time", "400")
    page.click("#weights-submit")
    page.wait_for_selector("#pool-done")
    assert "冀民〔2026〕40号" in page.inner_text("#weight-sets")
    page.wait_for_function("document.querySelector('#w-document').value === ''")  # forms cleared on success

    scores = page.inner_text("#scores")
    assert "长安区" in scores and "涿州市" in scores and " = " in scores
    waiting = page.locator(".pool-card", has_text="待批准").first
    assert waiting.locator(".pool-approve").count() == 1  # decided by the admin: she may approve or reject
    waiting.locator("input[name=reason]").fill("资金总额与年度预算不符，请重新决定。")
    waiting.locator("button[type=submit]").click()
    page.wait_for_function("document.querySelector('#pool-done') && "
                           "document.querySelector('#pool-done').innerText.includes('驳回')")
    assert page.locator(".pool-card", has_text="未批准").count() == 1
    page.wait_for_function("document.querySelector('#pool-amount').value === ''")

    page.fill("#pool-amount", "1000000.01")
    page.fill("#pool-floor", "10")
    page.click("#pool-decide")
    page.wait_for_function("document.querySelector('#pool-done') && "
                           "document.querySelector('#pool-done').innerText.includes('等待另一人')")
    mine = page.locator(".pool-card", has_text="待批准").first
    assert "¥1,000,000.01" in mine.inner_text() and mine.locator(".pool-approve").count() == 0
    shot(page, "officer-reward-pool-decided-zh")

    _desk_as(page, server, "admin", last)
    card = page.locator(".pool-card", has_text="待批准").first
    card.locator(".pool-approve").click()
    page.wait_for_function("document.querySelector('#pool-done') && "
                           "document.querySelector('#pool-done').innerText.includes('已批准')")
    card = page.locator(".pool-card", has_text="已批准并公开").first
    assert "¥1,000,000.01" in card.inner_text()
    shares = card.locator("tbody tr td:last-child").all_inner_texts()
    assert sum(_yuan(x) for x in shares) == 1_000_000_01
    shot(page, "officer-reward-pool-approved-zh")
    page.click("#toggle-lang")
    page.wait_for_function("document.querySelector('#weights').innerText.includes('Score weights')")
    shot(page, "officer-reward-pool-approved-en")

    page.goto(server.base_url + "/results")
    wait_hydrated(page)
    page.wait_for_selector("#reward-pools .figure-card")
    assert f"{last}" in page.inner_text("#reward-pools") and "1,000,000.01" in page.inner_text("#reward-pools")
