

def test_admin_sets_a_dated_rule_value_and_switches_a_rule_off(server, browser):
    admin = browser.new_context(viewport=DESKTOP, device_scale_factor=1, locale="zh-CN").new_page()
    admin.context.set_default_timeout(20_000)
    sign_in(admin, server, "admin")
    admin.wait_for_url("**/admin/")
    admin.click("#go-admin-verification-rules")
    admin.wait_for_selector("#rules-list")
    wait_hydrated(admin)
    assert "冀民函〔2026〕12号（演示）" in admin.inner_text("#rules-list")
    admin.select_option("#rule-choice", "deposits")
    admin.fill("#p-asset_limit_per_member_fen", "26000")
    admin.fill("#rule-region", "130102")
    admin.fill("#rule-since", "2027-01-01")
    admin.fill("#rule-document", "长民〔2026〕88号")
    admin.click("#rule-save")
    admin.wait_for_selector("#rules-saved")
    listed = admin.inner_text("#rules-list")
    assert "长民〔2026〕88号" in listed and "asset_limit_per_member_yuan = 26,000.00" in listed
    assert "冀民函〔2026〕12号（演示）" in listed  # the history stays
    admin.select_option("#rule-choice", "vehicles")
    admin.check("#rule-disable")
    admin.fill("#rule-region", "130102001")  # a township: refused with a reason
    admin.fill("#rule-since", "2027-01-01")
    admin.fill("#rule-document", "长民〔2026〕89号")
    admin.click("#rule-save")
    admin.wait_for_selector("#rules-error")
    assert "省、市或县" in admin.inner_text("#rules-error")
    shot(admin, "admin-rules-zh")
    admin.context.close()
    officer = desktop(browser, server, "officer_jianbei")
    officer.goto(f"{server.base_url}/admin/verification-rules")
    officer.wait_for_selector("#denied")
    assert officer.query_selector("#rules-list") is None
    officer.context.close()
