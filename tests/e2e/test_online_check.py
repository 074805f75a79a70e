"""The online check at acceptance as the officer lives it (desktop, 1366×768), against two departments on loopback
(real HTTP servers in this process): income answers at once, deposits only after a few seconds. Accepting the case
returns at once; the page shows "正在向部门核对…" with the department that already answered, stays usable (the home
survey is recorded while the check runs), and shows the findings when the slow department has answered. Accepting
the deposit finding re-assesses the case: the first verdict against the new one, with the finding that changed it."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from portal.register.rules import id_hash, make_number
from tests.e2e.conftest import sign_in
from tests.e2e.test_applications import TOWNSHIP, VILLAGE, open_case, submit_application
from tests.e2e.test_verification import DESKTOP, shot
from tests.serve import Server, isolated_tree, running_portal
from tests.unit.verification.department import Behaviour
from tests.unit.verification.department import Server as Department

pytestmark = pytest.mark.e2e

APPLICANT = make_number("13010219800101003")
SPOUSE = make_number("13010219820202004")
SLOW_S = 6.0


@pytest.fixture(scope="module")
def departments() -> Iterator[dict[str, Behaviour]]:
    fast, slow = Behaviour(), Behaviour(slow_s=SLOW_S)
    slow.faults[1] = ["always:slow"]
    with Department(fast) as income_url, Department(slow) as deposits_url:
        yield {"income": fast, "deposits": slow, "urls": {"income": income_url, "deposits": deposits_url}}


@pytest.fixture(scope="module")
def online_server(tmp_path_factory, departments) -> Iterator[Server]:
    urls = departments["urls"]
    env = {"PORTAL_DEPT_INCOME_URL": urls["income"], "PORTAL_DEPT_DEPOSITS_URL": urls["deposits"],
           "PORTAL_DEPT_TIMEOUT_S": str(SLOW_S + 10), "PORTAL_DEPT_RETRIES": "0", "PORTAL_DEPT_RATE_PER_S": "0"}
    # Its own copy of the tree: the session's shared server keeps serving the build made for its own port.
    root = isolated_tree(tmp_path_factory.mktemp("online-tree") / "portal-tree")
    with running_portal(os.environ.get("E2E_BACKEND", "sqlite"), data_dir=tmp_path_factory.mktemp("online-data"),
                        label="online", serve_env=env, root=root) as srv:
        key = (srv.data_dir / "secret_key").read_text().strip() if not srv.env.get("PORTAL_SECRET_KEY") \
            else srv.env["PORTAL_SECRET_KEY"]
        departments["deposits"].records[id_hash(key, APPLICANT)] = [
            {"id_hash": id_hash(key, APPLICANT), "account_ref": "CCB-E2E-0042", "asset_type": "deposit",
             "balance_yuan": "200000"}]
        yield srv


def desktop(browser, server, lang: str = "zh"):
    context = browser.new_context(viewport=DESKTOP, device_scale_factor=1,
                                  locale="en-US" if lang == "en" else "zh-CN")
    context.set_default_timeout(30_000)
    if lang == "en":
        context.add_cookies([{"name": "sd_lang", "value": "en", "url": server.base_url}])
    page = context.new_page()
    sign_in(page, server, "officer_jianbei")
    page.wait_for_url("**/officer/")
    return page


def test_the_check_runs_in_the_background_and_an_accepted_finding_reassesses_the_case(online_server, browser,
                                                                                      departments):
    server = online_server
    phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1, locale="zh-CN")
    phone.set_default_timeout(30_000)
    number, _secret = submit_application(phone.new_page(), server, TOWNSHIP, VILLAGE, ids=(APPLICANT, SPOUSE))
    phone.close()
    officer = desktop(browser, server)
    open_case(officer, server, number)
    officer.click("#act-accept")
    officer.wait_for_selector("#check-busy")
    assert "正在向部门核对" in officer.inner_text("#check-busy")
    # income answered; deposits is still being asked
    officer.wait_for_selector("#check-busy li.check-answered")
    busy = officer.inner_text("#check-busy")
    assert "工资、养老金、社保和公积金 · 已答复" in busy and "银行存款和有价证券 · 等待答复" in busy
    shot(officer, "officer-case-check-busy-zh")
    # the tab is usable meanwhile: the home survey is recorded while the department is still asked
    officer.fill("#act-survey-note", "入户查看，居住情况与申报一致")
    officer.click("#act-survey-submit")
    officer.wait_for_selector("#act-survey", state="detached")
    assert officer.query_selector("#check-busy") is not None
    # the slow department answers: the findings appear without a reload
    officer.wait_for_selector("#case-findings", timeout=(SLOW_S + 20) * 1000)
    officer.wait_for_selector("#check-busy", state="detached")
    assert "CCB-E2E-0042" in officer.inner_text("#case-findings")
    assert any("people" in s for s in departments["income"].seen)

    row = officer.locator("#case-findings tr", has_text="CCB-E2E-0042")
    row.locator("select[name=resolution]").select_option("corrected")
    row.locator("input[name=note]").fill("银行流水核实，按部门数据更正申报")
    row.locator("button[type=submit]").click()
    officer.wait_for_selector("#case-reassessed")
    box = officer.inner_text("#case-reassessed")
    assert "核对更正后重新测算" in box and "¥200,000.00" in box and "原测算（按申报）" in box
    assert "暂不符合低保条件" in officer.inner_text("#case-verdict")
    shot(officer, "officer-case-reassessed-zh")
    officer.context.close()

    english = desktop(browser, server, lang="en")
    open_case(english, server, number)
    english.wait_for_selector("#case-reassessed")
    assert "Re-assessed with the verified values" in english.inner_text("#case-reassessed")
    shot(english, "officer-case-reassessed-en")
    english.context.close()
