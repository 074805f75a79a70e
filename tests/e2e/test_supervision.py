"""Supervision end to end: the public power list at 390×844, and the live board at 1366×768 (an overdue step and
an A/B risk hit from the demo data, the tables beside the charts of overdue per office and of applications and
reports received per week, drill-down, closing the item with a written outcome; an inspector of another
county sees none of it; a window clerk is refused)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from tests.e2e.conftest import ARTIFACTS, CHROMIUM_ARGS, assert_mobile_layout, sign_in, wait_hydrated  # noqa: F401
from tests.e2e.test_shell import shot

pytestmark = pytest.mark.e2e

DEMO_CASE = "周文华"  # portal/supervision/demo.py: surveyed and decided by the same officer


def _accepted_this_month(server, region_code: str | None) -> int:
    """The server database's count of acceptances this month in the region (None: the province)."""
    from sqlalchemy.orm import Session

    from portal.kernel.base import utcnow
    from portal.kernel.workdays import china_date
    from portal.regions.models import Region
    from portal.supervision.queries import power_figures

    engine = create_engine(server.database_url)
    with Session(engine) as session:
        path = None
        if region_code:
            path = session.query(Region.path).filter(Region.code == region_code).scalar()
        figure = power_figures(session, path, china_date(utcnow()))["dibao.accept"].exercised
    engine.dispose()
    return figure


def _case_number(server) -> str:
    engine = create_engine(server.database_url)
    with engine.connect() as conn:
        number = conn.execute(text("SELECT number FROM application WHERE applicant_name = :n"),
                              {"n": DEMO_CASE}).scalar_one()
    engine.dispose()
    return number


def _received_by_week(server, region_code: str) -> list[list[str]]:
    """The server database's applications submitted and reports filed in the region, per week of the board, counted
    here from the cases' own dates (the board counts the audit log's receipts)."""
    from datetime import UTC, datetime, timedelta

    from portal.kernel.base import utcnow
    from portal.kernel.workdays import china_date

    today = china_date(utcnow())
    mondays = [today - timedelta(days=today.weekday(), weeks=k) for k in range(7, -1, -1)]
    engine = create_engine(server.database_url)
    with engine.connect() as conn:
        path = conn.execute(text("SELECT path FROM region WHERE code = :c"), {"c": region_code}).scalar_one()
        apps = conn.execute(text("SELECT submitted_at FROM application WHERE submitted_at IS NOT NULL "
                                 "AND region_path LIKE :p"), {"p": path + "%"}).scalars().all()
        reports = conn.execute(text("SELECT created_at FROM report WHERE handler_path LIKE :p"),
                               {"p": path + "%"}).scalars().all()
    engine.dispose()

    def week_of(at):
        # SQLite hands back text, PostgreSQL an aware datetime; both are UTC.
        moment = at if isinstance(at, datetime) else datetime.fromisoformat(at)
        day = china_date(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
        return day - timedelta(days=day.weekday())

    app_weeks, report_weeks = [week_of(a) for a in apps], [week_of(r) for r in reports]
    return [[m.strftime("%m-%d"), str(app_weeks.count(m)), str(report_weeks.count(m))] for m in mondays]


def _table(desk, selector: str) -> list[list[str]]:
    return desk.eval_on_selector_all(selector + " tbody tr", "rows => rows.map(r => Array.from(r.children, "
                                                              "c => c.innerText.trim()))")


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


def test_power_list_on_a_phone_in_both_languages(page, server):
    page.goto(server.base_url + "/powers")
    wait_hydrated(page)
    page.wait_for_selector("#power-dibao-decide")
    decide = page.inner_text("#power-dibao-decide")
    assert "低保审核确认" in decide and "10 个工作日" in decide and "县级" in decide and "A 类权力" in decide
    # This month's figures are counts: the demo accepted two cases this month, on time.
    accept = page.inner_text("#power-dibao-accept")
    assert "次" in accept and "按时办结 100%" in accept
    assert "郑明" not in page.content() and "officer_county" not in page.content()  # never people
    assert page.locator(".power-card").count() >= 20
    assert_mobile_layout(page)
    shot(page, "powers-zh")
    # 正定县: the figure shown is the server's own count for that county this month (other tests may have accepted
    # cases there), and differs from the province-wide one the page opened with.
    county, everywhere = _accepted_this_month(server, "130123"), _accepted_this_month(server, None)
    assert county != everywhere, "the demo must leave a county whose figure differs from the province's"
    page.select_option("#powers-region", "130123")
    page.wait_for_function("(want) => document.querySelector('#power-dibao-accept').innerText.includes(want)",
                           arg=f"\n{county} 次")
    assert page.input_value("#powers-region") == "130123"
    page.click("#toggle-lang")
    page.wait_for_function("document.querySelector('#power-dibao-decide').innerText.includes('County decision')")
    assert "Grade A" in page.inner_text("#power-dibao-decide")
    assert_mobile_layout(page)
    shot(page, "powers-en")


def test_board_shows_the_overdue_step_and_the_hit_and_drills_down(desk, server):
    sign_in(desk, server, "inspector")
    desk.wait_for_url("**/monitor**")
    wait_hydrated(desk)
    desk.wait_for_selector("#hit-ab_separation")
    assert desk.input_value("#board-region") == "1301"
    overdue = desk.inner_text("#panel-overdue")
    assert "申请环节" in overdue and "建北街道" in overdue
    assert desk.inner_text("#hit-ab_separation").strip().endswith("1")
    assert "共" in desk.inner_text("#panel-acts")
    assert desk.locator(".recharts-surface").count() >= 1 and desk.locator("#trend-table tr").count() == 9
    # Received each week: the table beside the chart holds the demo cases' own weeks.
    expected = _received_by_week(server, "1301")
    assert sum(int(a) + int(r) for _, a, r in expected) > 0
    assert _table(desk, "#volume-table") == expected
    assert desk.locator("#panel-volumes .recharts-bar-rectangle").count() > 0
    # Overdue per office: the bars' table sums the overdue list's rows office by office.
    listed: dict[str, int] = {}
    for row in desk.locator("#panel-overdue .board-number").all():
        office, count = [line.strip() for line in row.inner_text().splitlines() if line.strip()][-2:]
        listed[office.strip()] = listed.get(office.strip(), 0) + int(count)
    bars = _table(desk, "#office-overdue-table")
    assert {r[0]: int(r[-1]) for r in bars} == listed and "建北街道" in listed
    assert all(sum(map(int, r[1:-1])) == int(r[-1]) for r in bars)
    assert desk.locator("#panel-office-overdue .recharts-bar-rectangle").count() >= len(bars)
    shot(desk, "monitor-zh")
    desk.locator("#panel-office-overdue").screenshot(path=str(ARTIFACTS / "monitor-office-overdue-zh.png"))
    desk.locator("#panel-volumes").screenshot(path=str(ARTIFACTS / "monitor-volumes-zh.png"))
    # Drill down: the overdue application step, then the hit with its evidence.
    desk.locator("[id^=overdue-step-]").first.click()
    desk.wait_for_selector("#drill .drill-row")
    desk.click("#hit-ab_separation")
    number = _case_number(server)
    desk.wait_for_function(f"document.querySelector('#drill').innerText.includes('{number}')")
    assert "audit#" in desk.inner_text("#drill")
    shot(desk, "monitor-drill-zh")
    desk.click("#toggle-lang")
    desk.wait_for_function("document.querySelector('#panel-hits').innerText.includes('A/B posts')")
    assert "Applications received" in desk.inner_text("#volume-table")
    assert "Total" in desk.inner_text("#office-overdue-table")
    shot(desk, "monitor-en")
    desk.locator("#panel-office-overdue").screenshot(path=str(ARTIFACTS / "monitor-office-overdue-en.png"))
    desk.locator("#panel-volumes").screenshot(path=str(ARTIFACTS / "monitor-volumes-en.png"))
    desk.click("#toggle-lang")
    # Close it with a written outcome: the inspector is not the officer it is about.
    desk.locator("[id^=close-]").filter(has_text="办结").first.click()
    desk.wait_for_selector("#close-form")
    desk.select_option("#close-outcome", "corrected")
    desk.fill("#close-text", "已约谈长安区，调查与审批改由两人分别承担。")
    desk.click("#close-submit")
    desk.wait_for_selector("#board-notice")
    desk.wait_for_function("!document.querySelector('#hit-ab_separation')")


def test_officer_of_the_county_does_not_see_the_city_review_and_another_county_sees_nothing(desk, server):
    sign_in(desk, server, "officer_county")
    desk.wait_for_url("**/officer**")
    desk.goto(server.base_url + "/monitor")
    wait_hydrated(desk)
    desk.wait_for_selector("#panel-hits")
    assert desk.input_value("#board-region") == "130102"
    assert desk.locator("#hit-ab_separation").count() == 0  # the A/B hit about this officer goes to the city
    desk.context.clear_cookies()
    sign_in(desk, server, "inspector_zhengding")
    desk.wait_for_url("**/monitor**")
    # Asking for 长安区 by the address gives this inspector their own county, never another's figures.
    desk.goto(server.base_url + "/monitor?region=130102")
    wait_hydrated(desk)
    desk.wait_for_selector("#panel-overdue")
    assert desk.input_value("#board-region") == "130123"
    assert desk.locator("#board-region option").count() == 1
    assert "建北街道" not in desk.inner_text("main") and desk.locator("[id^=hit-]").count() == 0


def test_a_window_clerk_is_refused(desk, server):
    sign_in(desk, server, "staff_hb_sjz_0002")
    desk.wait_for_url("**/staff**")
    desk.goto(server.base_url + "/monitor")
    wait_hydrated(desk)
    desk.wait_for_selector("#denied")
    assert desk.locator("#panel-overdue").count() == 0


def test_an_inspector_draws_a_sample_records_a_finding_sets_rectification_and_refers(desk, server):
    sign_in(desk, server, "inspector")
    desk.wait_for_url("**/monitor**")
    desk.goto(server.base_url + "/inspections")
    wait_hydrated(desk)
    desk.wait_for_selector("#ins-open")
    desk.select_option("#ins-region", "130102")
    desk.select_option("#ins-topic", "funds")
    desk.fill("#ins-size", "3")
    desk.fill("#ins-seed", "20261205")
    desk.click("#ins-open")
    desk.wait_for_selector("#ins-detail")
    head = desk.inner_text("#ins-head")
    assert "20261205" in head and "抽取 3 件" in head
    assert desk.locator("#ins-cases .ins-ref").count() == 3
    desk.select_option("#verdict-1", "problem")
    desk.fill("#finding-1", "该户家庭成员名下有车辆，未申报。")
    desk.click("#save-1")
    desk.wait_for_function("document.querySelector('#ins-cases').innerText.includes('发现问题')")
    desk.select_option("#rect-office", "130102001")
    desk.fill("#rect-demand", "重新核查该户车辆情况并依规处理。")
    desk.fill("#rect-days", "10")
    desk.click("#rect-add")
    desk.wait_for_function("document.querySelector('#ins-rects').innerText.includes('待答复')")
    desk.fill("#ref-target", "建北街道低保经办人")
    desk.fill("#ref-grounds", "明知有车辆仍审核通过。")
    desk.fill("#ref-body", "长安区纪委监委")
    desk.click("#ref-add")
    desk.wait_for_function("document.querySelector('#ins-refs').innerText.includes('长安区纪委监委')")
    desk.select_option("#ref-outcome", "admonition")
    from portal.kernel.workdays import china_today

    desk.fill("#ref-decided", china_today().isoformat())  # not before the referral, not after today
    desk.fill("#ref-decision-no", "长纪〔2026〕21号")
    desk.fill("#ref-decided-by", "长安区纪委监委")
    desk.click("#ref-record")
    desk.wait_for_function("document.querySelector('#ins-refs').innerText.includes('诫勉谈话')")
    shot(desk, "inspections-zh")
    desk.click("#toggle-lang")
    desk.wait_for_function("document.querySelector('#ins-head').innerText.includes('seed 20261205')")
    shot(desk, "inspections-en")
    # The inspected office answers on the same page.
    desk.context.clear_cookies()
    sign_in(desk, server, "officer_jianbei")
    desk.wait_for_url("**/officer**")
    desk.goto(server.base_url + "/inspections")
    wait_hydrated(desk)
    desk.wait_for_selector("#rect-mine")
    desk.locator("#rect-mine textarea").first.fill("已核实并停发，追回多领保障金。")
    desk.locator("#rect-mine button[type=submit]").first.click()
    desk.wait_for_selector("#ins-notice")
    assert desk.locator("#ins-detail").count() == 0  # an officer sees no inspection, only the office's items


def _referral(server, item_rule: str):
    """The server database's referral made from a hit of `item_rule` (outcome, decision number, deciding body) and
    whether its outcome was audited."""
    engine = create_engine(server.database_url)
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT r.id, r.outcome, r.decision_no, r.decided_by, r.decided_on FROM supervision_referral r "
            "JOIN supervision_item i ON i.id = r.item_id WHERE i.rule = :rule"), {"rule": item_rule}).one()
        audited = conn.execute(text("SELECT count(*) FROM audit_entry WHERE action = 'supervision.accountability' "
                                    "AND target_id = :id"), {"id": str(row[0])}).scalar_one()
    engine.dispose()
    return row, audited


def test_a_hit_is_referred_from_the_board_and_its_outcome_recorded(desk, server):
    """The demo's reward paid to the handling officer's own bank card: the city's inspector refers the hit from
    /monitor, then records what the discipline body decided; the officer it is about sees the result only."""
    from portal.kernel.workdays import china_today

    sign_in(desk, server, "inspector")
    desk.wait_for_url("**/monitor**")
    wait_hydrated(desk)
    desk.wait_for_selector("#hit-reward_to_staff")
    desk.click("#hit-reward_to_staff")
    row = desk.locator("#drill .drill-row", has_text="reward:")
    row.wait_for()
    assert "kinds=bank" in row.inner_text() and "6228" not in desk.content()  # the kind of account, never it
    row.locator("[id^=refer-]").click()
    desk.wait_for_selector("#refer-form")
    desk.fill("#refer-target", "青园街道低保经办人")
    desk.fill("#refer-grounds", "举报奖励发放到经办人本人银行卡，涉嫌截留奖励资金。")
    desk.fill("#refer-body", "长安区纪委监委")
    desk.click("#refer-submit")
    desk.wait_for_selector("#board-notice")
    desk.wait_for_function("!document.querySelector('#hit-reward_to_staff')")
    panel = desk.locator("#panel-referrals")
    pending = panel.locator(".ref-row", has_text="青园街道低保经办人")
    assert "举报奖励发放到经办单位工作人员本人账户" in pending.inner_text()
    pending.locator("[id^=ref-start-]").click()
    desk.wait_for_selector("#board-ref-outcome-form")
    shot(desk, "monitor-referral-form-zh")
    decided = china_today().isoformat()
    desk.select_option("#board-ref-outcome", "discipline")
    desk.fill("#board-ref-decided", decided)
    desk.fill("#board-ref-decision-no", "长纪处〔2026〕3号")
    desk.fill("#board-ref-decided-by", "长安区纪委监委")
    desk.click("#board-ref-record")
    desk.wait_for_function("document.querySelector('#board-notice')?.innerText.includes('问责结果已记录')")
    done = panel.locator(".ref-row", has_text="青园街道低保经办人")
    assert "党纪政纪处分" in done.inner_text() and "长纪处〔2026〕3号" in done.inner_text()
    assert done.locator("[id^=ref-start-]").count() == 0 and desk.locator("#board-ref-outcome-form").count() == 0
    (_id, outcome, number, body, on), audited = _referral(server, "reward_to_staff")
    assert (outcome, number, body, str(on)) == ("discipline", "长纪处〔2026〕3号", "长安区纪委监委", decided)
    assert audited == 1
    shot(desk, "monitor-referrals-zh")
    desk.click("#toggle-lang")
    desk.wait_for_function("document.querySelector('#panel-referrals').innerText.includes('Party or administrative')")
    shot(desk, "monitor-referrals-en")
    desk.click("#toggle-lang")
    # The county's officer approved that reward: they read the outcome on their board, with nothing to record.
    desk.context.clear_cookies()
    sign_in(desk, server, "officer_county")
    desk.wait_for_url("**/officer**")
    desk.goto(server.base_url + "/monitor")
    wait_hydrated(desk)
    desk.wait_for_selector("#panel-referrals .ref-row")
    mine = desk.locator("#panel-referrals .ref-row", has_text="青园街道低保经办人")
    assert "党纪政纪处分" in mine.inner_text() and desk.locator("[id^=ref-start-]").count() == 0


def _wait_form_of(desk, key: str) -> None:
    """The publish form has been filled again from the chosen power's version in force (its B post)."""
    from portal.supervision.rules import POWERS

    b_post = next(p.b_post for p in POWERS if p.key == key)
    desk.wait_for_function("(b) => document.querySelector('#power-b')?.value === b", arg=b_post)


def test_the_province_admin_publishes_a_power_version_and_resets_a_rule(desk, server):
    from datetime import timedelta

    from portal.kernel.workdays import china_today

    sign_in(desk, server, "admin")
    desk.wait_for_url("**/admin**")
    desk.goto(server.base_url + "/admin/supervision")
    wait_hydrated(desk)
    desk.wait_for_selector("#power-versions")
    versions = desk.inner_text("#power-versions")
    assert "冀民〔" in versions and "88号" in versions and "初始版本" in versions  # the demo's later version
    desk.select_option("#power-choice", "dibao.accept")
    _wait_form_of(desk, "dibao.accept")
    since = (china_today() + timedelta(days=1)).isoformat()
    desk.fill("#power-since", since)
    desk.fill("#power-document", "冀民〔2026〕101号")
    desk.fill("#power-limit", "2")
    desk.click("#power-publish")
    desk.wait_for_function("document.querySelector('#sup-admin-notice')?.innerText.includes('新版本已发布')")
    row = desk.locator(f"#version-dibao-accept-{since}")
    assert "冀民〔2026〕101号" in row.inner_text() and "2 个工作日" in row.inner_text()
    # Yesterday is refused: past acts keep the version they were done under.
    desk.select_option("#power-choice", "dibao.extend")
    _wait_form_of(desk, "dibao.extend")
    desk.fill("#power-since", (china_today() - timedelta(days=1)).isoformat())
    desk.fill("#power-document", "冀民〔2026〕102号")
    desk.click("#power-publish")
    desk.wait_for_selector("#sup-admin-error")
    # A rule: switched to the province's review, with the reason written.
    desk.select_option("#rule-review-retaliation", "province")
    desk.fill("#rule-reason-retaliation", "打击报复线索一律由省级复核。")
    desk.click("#rule-save-retaliation")
    desk.wait_for_function("document.querySelector('#sup-admin-notice')?.innerText.includes('已保存')")
    assert "打击报复线索一律由省级复核" in desk.inner_text("#rule-retaliation")
    assert desk.input_value("#rule-review-retaliation") == "province"
    shot(desk, "admin-supervision-zh")
    desk.click("#toggle-lang")
    desk.wait_for_function("document.querySelector('#power-versions').innerText.includes('First version')")
    shot(desk, "admin-supervision-en")
    desk.click("#toggle-lang")
    # A county's officer is refused the page.
    desk.context.clear_cookies()
    sign_in(desk, server, "officer_county")
    desk.wait_for_url("**/officer**")
    desk.goto(server.base_url + "/admin/supervision")
    wait_hydrated(desk)
    desk.wait_for_selector("#denied")
    assert desk.locator("#power-versions").count() == 0
