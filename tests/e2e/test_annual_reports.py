"""Annual reports end to end at desktop width (1366×768): the county officer drafts this year's third-quarter report,
writes one section and is refused with the missing ones marked (what she wrote stays), writes the rest and submits;
the city officer sees the demo's submitted annual report and this one, returns it with a reason; the county reads the
reason, edits and resubmits under a new number; the city accepts. The PDF and the workbook download over plain HTTP
for the city, and another county's officer is refused both. The province reads the reports due to it (last year's
sent late by both cities) and its own report issued from them; the city's to-do lists the county report waiting for
its review."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal.kernel.workdays import china_today
from tests.e2e.conftest import sign_in, wait_hydrated

pytestmark = pytest.mark.e2e

SHOTS = Path("/tmp/shots-annual")
TEXTS = {"policy": "第三季度严格执行低保政策，新申请全部通过平台受理。", "management": "首问负责、一次性告知全部落实。",
         "funds": "低保金按月发放，银行退回款项逐笔核实。", "incidents": "本季度未发生重大事项。",
         "supervision": "开展专项检查一次，发现问题已整改。"}


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


def _as(page, server, username: str) -> None:
    page.context.clear_cookies()
    sign_in(page, server, username)
    page.wait_for_url("**/officer**")
    page.goto(server.base_url + "/officer/annual-reports")
    wait_hydrated(page)
    page.wait_for_selector("#annual-list, #annual-none")


def _open_row(page, report_id: str) -> None:
    page.locator(f"#annual-row-{report_id} .annual-open").click()
    page.wait_for_selector("#annual-open")
    page.wait_for_function(f"document.querySelector('#download-pdf').href.endsWith('/{report_id}.pdf')")


def _write(page, key: str, value: str) -> None:
    page.fill(f"#section-{key}", value)
    page.locator(f"#section-{key}").blur()


def test_county_drafts_city_returns_county_resubmits_city_accepts(desk, server):
    page = desk
    year = china_today().year
    _as(page, server, "officer_county")
    assert "已报送，待审核" in page.inner_text("#annual-list")  # the demo's annual report, submitted
    page.select_option("#new-year", str(year))
    page.select_option("#new-quarter", "3")
    page.click("#annual-draft")
    page.wait_for_selector("#annual-open")
    page.wait_for_selector("#annual-done")
    assert "第 3 季度" in page.inner_text("#annual-open") and "草稿" in page.inner_text("#open-status")
    figures = page.inner_text("#annual-figures")
    assert "期末在册户数" in figures and f"{year}-09 发放金额（元）" in figures and "满意率" in figures
    report_id = re.search(r"/(\d+)\.pdf$", page.get_attribute("#download-pdf", "href")).group(1)

    _write(page, "policy", TEXTS["policy"])
    page.click("#annual-submit")
    page.wait_for_selector("#annual-error")
    assert "标红" in page.inner_text("#annual-error")
    assert page.locator(".annual-missing").count() == 4
    assert page.input_value("#section-policy") == TEXTS["policy"]  # what was written stays
    shot(page, "annual-county-refused-missing")
    for key in ("management", "funds", "incidents", "supervision"):
        _write(page, key, TEXTS[key])
    page.click("#annual-submit")
    page.wait_for_function("document.querySelector('#annual-done') && "
                           "document.querySelector('#open-status').innerText.includes('已报送')")
    assert page.locator("#annual-submit").count() == 0 and page.locator("#section-policy").evaluate(
        "e => e.tagName") != "TEXTAREA"
    first_number = page.inner_text("#open-document")
    assert first_number == f"130102〔{year}〕低保第3季度报1号"
    assert page.locator("#annual-accept").count() == 0  # the county does not review its own report
    shot(page, "annual-county-submitted")

    _as(page, server, "officer_city")
    listing = page.inner_text("#annual-list")
    assert "长安区" in listing and listing.count("已报送，待审核") >= 2
    _open_row(page, report_id)
    assert TEXTS["policy"] in page.inner_text("#annual-open")
    pdf = page.request.get(server.base_url + f"/api/annual-reports/{report_id}.pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.body()[:4] == b"%PDF"
    xlsx = page.request.get(server.base_url + f"/api/annual-reports/{report_id}.xlsx")
    assert xlsx.status == 200 and xlsx.body()[:2] == b"PK"
    page.click("#annual-return")  # no reason: refused
    page.wait_for_selector("#annual-error")
    page.fill("#annual-return-reason", "资金发放情况请补充银行退回款项的处理结果。")
    page.locator("#annual-return-reason").blur()
    page.click("#annual-return")
    page.wait_for_function("document.querySelector('#open-status').innerText.includes('已退回')")
    shot(page, "annual-city-returned")

    _as(page, server, "officer_county")
    _open_row(page, report_id)
    assert "补充银行退回款项" in page.inner_text("#return-reason")
    _write(page, "funds", TEXTS["funds"] + "退回 1 笔已于次月重新发放。")
    page.click("#annual-submit")
    page.wait_for_function("document.querySelector('#open-status').innerText.includes('已报送')")
    assert page.inner_text("#open-document") == f"130102〔{year}〕低保第3季度报2号"

    _as(page, server, "officer_city")
    _open_row(page, report_id)
    assert "重新发放" in page.inner_text("#annual-open")
    page.click("#annual-accept")
    page.wait_for_function("document.querySelector('#open-status').innerText.includes('已审核通过')")
    shot(page, "annual-city-accepted")
    page.click("#toggle-lang")
    page.wait_for_function("document.querySelector('#open-status').innerText.includes('Accepted')")
    assert "Households on the register at the end" in page.inner_text("#annual-figures")
    shot(page, "annual-city-accepted-en")

    _as(page, server, "officer_jianbei")  # a township: no drafting, no other office's files
    assert page.locator("#annual-draft").count() == 0
    assert page.request.get(server.base_url + f"/api/annual-reports/{report_id}.pdf").status == 403


def test_the_province_sees_who_reported_late_and_its_issued_report(desk, server):
    page = desk
    last = china_today().year - 1
    _as(page, server, "officer_province")
    page.select_option("#filter-year", str(last))
    page.wait_for_function("document.querySelectorAll('#below-1301, #below-1306').length == 2 && "
                           "document.querySelector('.annual-below').innerText.includes('逾期报送')")
    below = page.inner_text(".annual-below")
    assert "石家庄市" in below and "保定市" in below and below.count("逾期报送") == 2
    listing = page.inner_text("#annual-list")
    assert "河北省" in listing and "已印发" in listing
    row = page.locator("#annual-list tr", has_text="河北省").first
    report_id = row.get_attribute("id").removeprefix("annual-row-")
    _open_row(page, report_id)
    assert page.inner_text("#open-document") == f"13〔{last}〕低保年报1号"
    block = page.inner_text("#province-block")
    assert f"1301〔{last}〕低保年报1号" in block and f"1306〔{last}〕低保年报1号" in block
    assert page.locator("#annual-issue").count() == 0 and page.locator("#annual-accept").count() == 0
    shot(page, "annual-province-issued-zh")
    page.click("#toggle-lang")
    page.wait_for_function("document.querySelector('#open-status').innerText.includes('Issued')")
    assert "Sent late" in page.inner_text(".annual-below")
    shot(page, "annual-province-issued-en")

    page.context.clear_cookies()
    sign_in(page, server, "officer_city")
    page.wait_for_url("**/officer**")
    page.goto(server.base_url + "/todo")
    wait_hydrated(page)
    page.wait_for_selector("#todo-table")
    todo = page.inner_text("#todo-table")
    assert "年度报告" in todo and "下级报告待审核" in todo and "长安区" in todo
    shot(page, "annual-city-todo")
