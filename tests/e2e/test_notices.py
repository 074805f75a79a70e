"""Issue 14 §4–5 end to end: the inspector downloads the inspection report (PDF) at 1366×768 and an inspector of
another county is refused it; a notice of praise drafted by the city's inspector, refused to its drafter, approved
by the county's officer, and read on /results at 390×844 with the individual masked and its PDF."""

from __future__ import annotations

import subprocess

import pytest
from sqlalchemy import create_engine, text

from tests.e2e.conftest import ARTIFACTS, assert_mobile_layout, sign_in, wait_hydrated  # noqa: F401
from tests.e2e.test_shell import shot

pytestmark = pytest.mark.e2e

DEMO_SEED = "20261101"  # portal/supervision/demo.py: the closed inspection of 长安区
NAMES_IN_DEMO_CASE = "SELECT head_name FROM register_household WHERE code = :ref"


def _demo_inspection(server) -> tuple[int, str]:
    engine = create_engine(server.database_url)
    with engine.connect() as conn:
        ins_id = conn.execute(text("SELECT id FROM supervision_inspection WHERE seed = :s"), {"s": DEMO_SEED}).scalar_one()
        ref = conn.execute(text("SELECT ref FROM supervision_inspection_case WHERE inspection_id = :i AND position = 1"),
                           {"i": ins_id}).scalar_one()
        head = conn.execute(text(NAMES_IN_DEMO_CASE), {"ref": ref}).scalar()
    engine.dispose()
    return ins_id, head or ""


def _pdf_text(body: bytes, name: str) -> str:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.pdf"
    path.write_bytes(body)
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", str(path), str(ARTIFACTS / name)], check=True)
    return "".join(subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                                  text=True).stdout.split())


@pytest.fixture
def desk(browser, server):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, device_scale_factor=1, locale="zh-CN")
    context.set_default_timeout(20_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def test_the_inspector_downloads_the_inspection_report(desk, server):
    ins_id, head = _demo_inspection(server)
    sign_in(desk, server, "inspector")
    desk.wait_for_url("**/monitor**")
    desk.goto(server.base_url + "/inspections")
    wait_hydrated(desk)
    desk.click(f"#ins-{ins_id}")
    desk.wait_for_selector("#ins-report-pdf")
    href = desk.get_attribute("#ins-report-pdf", "href")
    assert href == f"/api/supervision/inspections/{ins_id}/report.pdf"
    shot(desk, "inspection-report-link-zh")
    response = desk.context.request.get(server.base_url + href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    flat = _pdf_text(response.body(), "inspection-report")
    assert "督报〔" in flat and f"{ins_id:04d}号" in flat and "建北街道" in flat and DEMO_SEED in flat
    assert "石家庄市签收" in flat or "签收" in flat
    assert head and head not in flat  # the household's head only masked
    # An inspector of another county is refused the report (and learns nothing about it).
    desk.context.clear_cookies()
    sign_in(desk, server, "inspector_zhengding")
    desk.wait_for_url("**/monitor**")
    assert desk.context.request.get(server.base_url + href).status == 403


def test_a_notice_is_drafted_approved_by_a_second_person_and_published(desk, browser, server):
    sign_in(desk, server, "inspector")
    desk.wait_for_url("**/monitor**")
    desk.goto(server.base_url + "/notices")
    wait_hydrated(desk)
    desk.wait_for_selector("#notice-save")
    desk.select_option("#notice-region", "130102")
    desk.select_option("#notice-kind", "praise")
    desk.fill("#notice-title", "关于青园街道整改及时的通报表扬")
    desk.fill("#notice-start", "2026-10-01")
    desk.fill("#notice-end", "2026-12-01")
    desk.fill("#notice-body", "青园街道张小明同志按期完成整改，入户核实及时，予以通报表扬。")
    desk.check("#notice-offices-130102002")
    desk.fill("#notice-persons", "张小明")
    desk.click("#notice-save")
    desk.wait_for_selector("#notice-done")
    mine = desk.locator(".desk-notice").filter(has_text="青园街道整改及时")
    assert "张*明" in mine.first.inner_text() and "张小明" not in mine.first.inner_text()
    assert desk.locator("[id^=notice-approve-]").count() == 0  # nobody approves their own draft
    shot(desk, "notice-drafted-zh")
    desk.context.clear_cookies()
    sign_in(desk, server, "officer_county")
    desk.wait_for_url("**/officer**")
    desk.goto(server.base_url + "/notices")
    wait_hydrated(desk)
    card = desk.locator(".desk-notice").filter(has_text="青园街道整改及时").first
    card.locator("[id^=notice-approve-]").click()
    desk.wait_for_selector("#notice-done")
    desk.wait_for_function("document.querySelector('#notice-lists').innerText.includes('130102-00')")
    shot(desk, "notice-approved-zh")
    # On a phone, everyone reads it on /results.
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1, locale="zh-CN")
    context.set_default_timeout(20_000)
    phone = context.new_page()
    try:
        phone.goto(server.base_url + "/results")
        wait_hydrated(phone)
        phone.wait_for_selector("#public-notices .public-notice")
        praise = phone.locator(".public-notice").filter(has_text="青园街道整改及时").first
        praise.scroll_into_view_if_needed()
        words = praise.inner_text()
        assert "通报表扬" in words and "张*明" in words and "青园街道" in words and "督通〔" in words
        assert "张小明" not in phone.content()
        assert phone.locator(".public-notice").filter(has_text="通报批评").count() >= 1  # the demo's
        assert_mobile_layout(phone)
        shot(phone, "results-notices-zh")
        href = praise.locator("[id^=notice-pdf-]").get_attribute("href")
        response = context.request.get(server.base_url + href)
        assert response.status == 200
        flat = _pdf_text(response.body(), "notice-praise")
        assert "督通〔" in flat and "青园街道" in flat and "张*明" in flat and "张小明" not in flat
    finally:
        context.close()
