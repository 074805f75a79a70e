"""Admin pages: the working-day calendar and rating rules as data, and the audit chain check."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_mobile_layout, sign_in
from tests.e2e.test_shell import shot

pytestmark = pytest.mark.e2e


def test_admin_edits_calendar_and_policy_and_verifies_audit(page, server):
    sign_in(page, server, "admin")
    page.wait_for_url("**/admin/")
    page.click("#verify-audit")
    page.wait_for_selector("#audit-result")
    assert "哈希链校验通过" in page.inner_text("#audit-result")

    page.click("#go-calendar")
    page.wait_for_selector("#cal-days tbody tr")
    assert "国庆节" in page.inner_text("#cal-days")  # the seeded official schedule
    page.fill("#cal-day", "2026-12-31")
    page.select_option("#cal-form select[name=kind]", "holiday")
    page.fill("#cal-form input[name=name]", "测试假日")
    page.click("#cal-form button[type=submit]")
    page.wait_for_selector("#cal-pending")  # first the review: the day and the deadlines it moves
    assert "测试假日" in page.inner_text("#cal-preview") and "测试假日" not in page.inner_text("#cal-days")
    page.click("#cal-confirm")
    page.wait_for_selector("#admin-saved")
    assert "测试假日" in page.inner_text("#cal-days")

    # A bad value is refused with a clear message and changes nothing.
    row = page.locator("#policy form").first
    row.locator("input[name=value]").fill("-3")
    row.locator("button[type=submit]").click()
    page.wait_for_selector("#admin-error")
    assert "整数" in page.inner_text("#admin-error")
    row.locator("input[name=value]").fill("12")
    row.locator("button[type=submit]").click()
    page.wait_for_selector("#admin-saved")
    assert row.locator("input[name=value]").input_value() == "12"
    row.locator("input[name=value]").fill("24")  # put the shared server's setting back for other tests
    row.locator("button[type=submit]").click()
    page.wait_for_function("document.querySelector('#policy input[name=value]').value === '24'")
    assert_mobile_layout(page)
    shot(page, "admin-calendar")


def test_officer_cannot_open_admin_pages(page, server):
    sign_in(page, server, "officer_county")
    page.wait_for_url("**/officer/")
    page.goto(server.base_url + "/admin/calendar")
    page.wait_for_selector("#denied")
    assert page.locator("#cal-days").count() == 0
