"""What went wrong when the portal was tried as staff would (issue 13), end to end: a supervisor moving from one
target to the next, finance and unclaimed rewards, closing an evaluation round, a refused conclusion, the staff page's
pending bad reviews and poster address, and the working-day calendar (1366 px for admins and officers, 390 px for
staff and supervisors). Screenshots go to /tmp/shots-w13fix/ in Chinese and English."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from portal.kernel.workdays import china_today
from tests.e2e.conftest import CHROMIUM_ARGS, assert_mobile_layout, sign_in, wait_hydrated  # noqa: F401

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-w13fix"))
DESK = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
DESK_ROUND = "长安区窗口服务民主评议（桌面测试轮）"
DESK_SUPERVISOR = "supervisor_desk"


def _context(browser, server, viewport, lang: str = "zh"):
    ctx = browser.new_context(viewport=viewport, device_scale_factor=1,
                              locale="zh-CN" if lang == "zh" else "en-US")
    ctx.set_default_timeout(20_000)
    if lang == "en":
        host = server.base_url.split("//", 1)[1].split(":")[0]
        ctx.add_cookies([{"name": "sd_lang", "value": "en", "domain": host, "path": "/"}])
    return ctx


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _no_sideways_scroll(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def _db(server, sql: str, **params):
    engine = create_engine(server.database_url)
    with engine.begin() as conn:
        result = conn.execute(text(sql), params)
        rows = result.fetchall() if result.returns_rows else []
    engine.dispose()
    return rows


@pytest.fixture(scope="module")
def desk_round(server) -> str:
    """A round of its own (two windows, one new supervisor), made through the real services, so these tests leave
    the demo round to tests/e2e/test_evaluations.py."""
    from portal.accounts import services as auth
    from portal.accounts.models import User
    from portal.evaluations import services as ew
    from portal.evaluations.rules import DEFAULT_CRITERIA

    engine = create_engine(server.database_url)
    today = china_today()
    with Session(engine) as session, session.begin():
        admin = auth.actor_for_user(session, session.execute(select(User).where(User.username == "admin"))
                                    .scalar_one())
        if session.execute(select(User).where(User.username == DESK_SUPERVISOR)).scalar_one_or_none() is None:
            auth.create_user(session, DESK_SUPERVISOR, "桌面测试 监督员", server.password, [], created_by=admin)
        ew.appoint_supervisor(session, admin, DESK_SUPERVISOR, "130102", today - timedelta(days=10),
                              today + timedelta(days=300))
        rnd = ew.open_round(session, admin, title=DESK_ROUND, region_code="130102",
                            period_start=today - timedelta(days=29), period_end=today,
                            due_on=today + timedelta(days=20), criteria=list(DEFAULT_CRITERIA))
        for code in ("HB-SJZ-0001", "HB-SJZ-0002"):
            target = ew.add_window_target(session, admin, rnd.id, code)
            ew.assign(session, admin, target.id, DESK_SUPERVISOR)
    engine.dispose()
    return DESK_ROUND


def _comments(server, assignment_id: int) -> dict:
    raw = _db(server, "SELECT comments FROM evaluation_assignment WHERE id = :i", i=assignment_id)[0][0]
    return raw if isinstance(raw, dict) else json.loads(raw or "{}")


# --- supervisor: the next target never shows or saves the previous one's comments -----------------------------

def test_supervisor_next_target_starts_clean_and_what_the_boxes_show_is_saved(browser, server, desk_round):
    ctx = _context(browser, server, PHONE)
    sup = ctx.new_page()
    sign_in(sup, server, DESK_SUPERVISOR)
    sup.wait_for_url("**/supervisor/")
    wait_hydrated(sup)
    round_card = sup.locator(".eval-round", has_text=desk_round)
    round_card.locator(".eval-target").first.wait_for()
    hrefs = [a.get_attribute("href") for a in round_card.locator(".eval-target").all()]
    assert len(hrefs) == 2
    ids = [int(h.rstrip("/").rsplit("/", 1)[1]) for h in hrefs]

    # Target 1: scores, a comment, submit (the comment box is never blurred: the submit carries it).
    round_card.locator(".eval-target").first.click()
    sup.wait_for_selector("#eval-target")
    wait_hydrated(sup)
    for i in range(4):
        sup.locator(".eval-criterion").nth(i).locator(".score-btn[data-score='4']").click()
        sup.wait_for_function(
            f"document.querySelectorAll('.eval-criterion')[{i}].querySelector('[aria-pressed=true]') !== null")
    sup.click("#checkin-btn")  # no location allowed: the check-in records the time only
    sup.wait_for_selector("#checkin-at")
    sup.locator(".eval-criterion").nth(0).locator("textarea").fill("第一个窗口：态度很好")
    sup.click("#eval-submit")
    sup.wait_for_selector("#eval-submitted")
    assert _comments(server, ids[0]).get("attitude") == "第一个窗口：态度很好"
    # Submitted: the scores read as plain, dark text, not greyed-out buttons.
    final = sup.locator(".score-final").first
    assert final.inner_text().startswith("4")
    colour = final.evaluate("e => getComputedStyle(e).color")
    channels = [int(c) for c in colour[colour.index("(") + 1:colour.index(")")].split(",")[:3]]
    assert max(channels) < 120, f"submitted score is too pale: {colour}"
    assert sup.locator(".score-btn").count() == 0
    _shot(sup, "supervisor-submitted-zh")

    # Back to the list (client-side), then the next target: its boxes are empty.
    sup.click("text=返回任务列表")  # client-side navigation: no page load
    sup.wait_for_function("location.pathname.replace(/\\/$/, '') === '/supervisor'")
    sup.locator(".eval-round", has_text=desk_round).locator(".eval-target").nth(1).click()
    sup.wait_for_function(f"location.pathname.includes('/evaluate/{ids[1]}')")
    sup.wait_for_selector("#eval-submit")
    boxes = sup.locator(".eval-criterion textarea")
    sup.wait_for_function("[...document.querySelectorAll('.eval-criterion textarea')].every(t => t.value === '')")
    assert [boxes.nth(i).input_value() for i in range(boxes.count())] == [""] * boxes.count()
    # Typing here saves into this target's draft, and the first target's comment is untouched.
    boxes.nth(1).fill("第二个窗口：效率一般")
    sup.locator("#eval-target").click()  # blur saves
    sup.wait_for_selector("#eval-saved")
    assert _comments(server, ids[1]) == {"efficiency": "第二个窗口：效率一般"}
    assert _comments(server, ids[0]) == {"attitude": "第一个窗口：态度很好"}
    assert_mobile_layout(sup)
    _shot(sup, "supervisor-next-target-zh")
    ctx.close()


# --- closing a round asks first, and waits for every evaluation until the due date ----------------------------

def test_closing_a_round_asks_and_is_refused_before_the_due_date_while_evaluations_are_missing(
        browser, server, desk_round):
    for lang in ("zh", "en"):
        ctx = _context(browser, server, DESK, lang)
        admin = ctx.new_page()
        sign_in(admin, server, "admin")
        admin.wait_for_url("**/admin/")
        admin.goto(server.base_url + "/admin/evaluations")
        wait_hydrated(admin)
        admin.locator(".eval-round-row", has_text=desk_round).locator(".round-manage").click()
        admin.wait_for_selector("#round-panel")
        admin.click("#round-close")
        admin.wait_for_selector("#round-close-ask")  # one tap only asks
        assert _db(server, "SELECT status FROM evaluation_round WHERE title = :t", t=desk_round)[0][0].lower() == "open"
        _shot(admin, f"admin-round-close-ask-{lang}")
        if lang == "zh":
            admin.click("#round-close-confirm")
            admin.wait_for_selector("#eval-admin-error")
            assert "截止日期前" in admin.inner_text("#eval-admin-error")
            assert _db(server, "SELECT status FROM evaluation_round WHERE title = :t", t=desk_round)[0][0].lower() == "open"
            assert admin.locator("#round-close").is_visible()  # the question is gone; the round stays open
        else:
            admin.click("#round-close-cancel")
            admin.wait_for_selector("#round-close")
        _no_sideways_scroll(admin, DESK["width"])
        ctx.close()


# --- finance: only what can be paid has a pay form ---------------------------------------------------------------

def test_finance_sees_unclaimed_rewards_apart_with_the_reason_and_no_pay_form(browser, server):
    for lang in ("zh", "en"):
        ctx = _context(browser, server, DESK, lang)
        fin = ctx.new_page()
        sign_in(fin, server, "finance_county")
        fin.wait_for_url("**/officer/reports**")
        wait_hydrated(fin)
        fin.wait_for_selector("#finance-waiting .register-row")
        waiting = fin.locator("#finance-waiting")
        assert waiting.locator(".mark-paid").count() == 0 and waiting.locator("input[type=date]").count() == 0
        if lang == "zh":
            assert "尚未申领" in fin.inner_text("body")
        # Whatever is in the payable list has been claimed: every row there has its pay form.
        payable = fin.locator("#finance-queue .register-row")
        assert fin.locator("#finance-queue .mark-paid").count() == payable.count()
        _no_sideways_scroll(fin, DESK["width"])
        _shot(fin, f"finance-reports-{lang}")
        ctx.close()


# --- a refused conclusion keeps what was typed -------------------------------------------------------------------

def test_a_refused_conclusion_keeps_the_text_typed(browser, server):
    ctx = _context(browser, server, DESK)
    off = ctx.new_page()
    sign_in(off, server, "officer_jianbei")
    off.wait_for_url("**/officer/**")
    off.goto(server.base_url + "/officer/reports")
    wait_hydrated(off)
    card = off.locator("#report-inbox .inbox-card", has_text="王大爷").first
    card.locator(".open-report").click()
    off.wait_for_selector("#report-detail")
    form = off.locator("details.conclude-form")
    form.locator("summary").click()
    typed = "已入户核实：王大爷独居无收入，已协助提交低保申请。"
    form.locator("textarea").fill(typed)
    form.locator("input[name=recovered]").fill("一百块")  # not an amount: refused
    form.locator("button[type=submit]").click()
    off.wait_for_selector("#reports-error")
    assert form.locator("textarea").input_value() == typed
    assert form.locator("input[name=recovered]").input_value() == "一百块"
    assert _db(server, "SELECT status FROM report WHERE subject LIKE '%王大爷%'")[0][0].lower() == "acknowledged"
    _shot(off, "officer-report-refused-keeps-input-zh")
    ctx.close()


# --- staff: the pending bad reviews at the top; answering folds the form; the poster's address -------------------

def test_staff_see_pending_bad_reviews_at_the_top_and_answering_folds_the_form(browser, server):
    for lang in ("zh", "en"):
        ctx = _context(browser, server, PHONE, lang)
        staff = ctx.new_page()
        sign_in(staff, server, "staff_hb_sjz_0003")
        staff.wait_for_url("**/staff/")
        wait_hydrated(staff)
        staff.wait_for_selector("#pending-alert")
        assert staff.locator("#pending-alert").bounding_box()["y"] < PHONE["height"]  # seen without scrolling
        # The poster's address, before any download.
        assert staff.inner_text("#poster-url") == f"{server.base_url}/r/HB-SJZ-0003"
        # The weekly trend is satisfaction (a rate), with the count beside it.
        if staff.locator("#trend .trend-row").count():
            rates = staff.locator("#trend .trend-rate").all_inner_texts()
            assert all(r == "—" or r.endswith("%") for r in rates)
        assert_mobile_layout(staff)
        _shot(staff, f"staff-home-{lang}")
        if lang == "en":
            ctx.close()
            continue
        pending_before = int(_db(server, "SELECT count(*) FROM followup_case c JOIN service_window w "
                                         "ON w.id = c.window_id WHERE w.code = 'HB-SJZ-0003' "
                                         "AND lower(c.status) = 'open'")[0][0])
        staff.click("#pending-alert a")
        card = staff.locator(".case-card", has=staff.locator(".answer-form")).first
        form = card.locator(".answer-form")
        form.locator("summary").click()
        form.locator("textarea").fill("已电话联系群众，补办完成。")
        form.locator("button[type=submit]").click()
        staff.wait_for_selector("#case-notice")
        case_id = card.get_attribute("data-case")
        answered = staff.locator(f".case-card[data-case='{case_id}']")
        answered.locator(".case-answer").wait_for()
        # The answer form is folded again, not left open and empty.
        assert not answered.locator(".answer-form").evaluate("d => d.open")
        if pending_before > 1:
            staff.wait_for_function(f"document.querySelector('#pending-alert')?.innerText.includes('{pending_before - 1}')")
        else:
            staff.wait_for_function("document.querySelector('#pending-alert') === null")
        _shot(staff, "staff-after-answer-zh")
        ctx.close()


# --- the calendar: years without data, a whole year at once, what a change moves --------------------------------

def test_admin_reviews_a_year_from_the_package_and_sees_what_a_day_change_moves(browser, server):
    for lang in ("zh", "en"):
        ctx = _context(browser, server, DESK, lang)
        admin = ctx.new_page()
        sign_in(admin, server, "admin")
        admin.wait_for_url("**/admin/")
        admin.goto(server.base_url + "/admin/calendar")
        wait_hydrated(admin)
        admin.wait_for_selector("#cal-days tr")
        this_year = china_today().year
        # Loading the year from the package: reviewed beside what is stored, nothing saved yet.
        admin.select_option("#cal-year", str(this_year))
        admin.click("#cal-load-year")
        admin.wait_for_selector("#cal-pending")
        assert admin.locator("#cal-preview tbody tr").count() > 10
        _no_sideways_scroll(admin, DESK["width"])
        _shot(admin, f"admin-calendar-year-review-{lang}")
        admin.click("#cal-cancel")
        admin.wait_for_selector("#cal-pending", state="detached")

        # One working day made a holiday: the open deadlines it moves are listed before saving.
        day = china_today() + timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        admin.fill("#cal-day", day.isoformat())
        admin.select_option("#cal-kind", "holiday")
        admin.click("#cal-day-preview")
        admin.wait_for_selector("#cal-pending")
        admin.wait_for_selector("#cal-moved tbody tr")  # the demo holds open deadlines after tomorrow
        row = admin.locator("#cal-moved tbody tr").first.locator("td").all_inner_texts()
        assert row[3] > row[2]  # a new holiday pushes the deadline later
        _shot(admin, f"admin-calendar-day-moves-{lang}")
        admin.click("#cal-cancel")  # the shared server keeps its calendar
        stored = _db(server, "SELECT count(*) FROM calendar_day WHERE day = :d", d=day.isoformat())[0][0]
        assert stored == 0

        # A year the package does not hold yet: said plainly, nothing changes.
        admin.select_option("#cal-year", str(this_year + 2))
        admin.click("#cal-load-year")
        admin.wait_for_selector("#admin-error")
        ctx.close()


def test_a_year_deadlines_run_into_without_a_calendar_is_flagged_to_admin_and_officers(browser, server):
    # An open report whose conclusion falls next year (the demo's run into next year only late in the year).
    next_year = china_today().year + 1
    before = _db(server, "SELECT conclude_due FROM report WHERE subject LIKE '%王大爷%'")[0][0]
    _db(server, "UPDATE report SET conclude_due = :d WHERE subject LIKE '%王大爷%'", d=f"{next_year}-01-20")
    try:
        if _db(server, "SELECT count(*) FROM calendar_day WHERE day >= :d", d=f"{next_year}-01-01")[0][0]:
            pytest.skip("next year's calendar is already stored on this server")
        ctx = _context(browser, server, DESK)
        admin = ctx.new_page()
        sign_in(admin, server, "admin")
        admin.wait_for_url("**/admin/")
        admin.goto(server.base_url + "/admin/calendar")
        wait_hydrated(admin)
        admin.wait_for_selector("#cal-gaps")
        assert str(next_year) in admin.inner_text("#cal-gaps")
        _shot(admin, "admin-calendar-gap-zh")
        ctx.close()
        for lang in ("zh", "en"):
            ctx = _context(browser, server, DESK, lang)
            off = ctx.new_page()
            sign_in(off, server, "officer_county")
            off.wait_for_url("**/officer/")
            wait_hydrated(off)
            off.wait_for_selector("#cal-gap-warning")
            assert str(next_year) in off.inner_text("#cal-gap-warning")
            _shot(off, f"officer-home-calendar-gap-{lang}")
            ctx.close()
    finally:
        _db(server, "UPDATE report SET conclude_due = :d WHERE subject LIKE '%王大爷%'", d=before)


# --- accounts and the audit log on admin pages -------------------------------------------------------------------

def test_admin_creates_rescopes_resets_and_disables_an_account_then_reads_the_audit_log(browser, server):
    ctx = _context(browser, server, DESK)
    admin = ctx.new_page()
    sign_in(admin, server, "admin")
    admin.wait_for_url("**/admin/")
    admin.click("#go-accounts")
    admin.wait_for_selector("#accounts .account-row")
    wait_hydrated(admin)
    # A refused creation keeps what was typed (the username is taken).
    admin.fill("#new-username", "officer_county")
    admin.fill("#new-display-name", "桌面测试 新经办人")
    admin.select_option("#new-role", "officer")
    admin.select_option("#new-region", "130102001")
    admin.click("#create-submit")
    admin.wait_for_selector("#accounts-error")
    assert admin.input_value("#new-display-name") == "桌面测试 新经办人"
    # Created: the one-time password is shown once, and it signs in.
    admin.fill("#new-username", "officer_desk_new")
    admin.click("#create-submit")
    admin.wait_for_function("document.querySelector('#once-password')?.innerText.length === 16")
    password = admin.inner_text("#once-password")
    _shot(admin, "admin-accounts-created-zh")
    _no_sideways_scroll(admin, DESK["width"])
    other = browser.new_context(viewport=DESK)
    page2 = other.new_page()
    sign_in(page2, server, "officer_desk_new", password)
    page2.wait_for_url("**/officer/")
    other.close()

    # Re-scope with the tree picker, reset the password, disable.
    admin.fill("#account-search", "officer_desk_new")
    admin.click("#search-form button[type=submit]")
    admin.wait_for_function("document.querySelectorAll('#accounts .account-row').length === 1")
    admin.click(".account-manage-btn")
    admin.wait_for_selector("#account-manage")
    admin.select_option("#grant-role", "officer")
    admin.select_option("#grant-region", "130102002")
    admin.click("#grant-submit")
    admin.wait_for_selector("#accounts-notice")
    assert admin.locator("#account-manage .grant-row").count() == 2
    admin.click("#account-reset")
    admin.wait_for_function("document.querySelector('#once-password')?.innerText.length === 16")
    assert admin.inner_text("#once-password") != password
    admin.click("#account-disable")
    admin.wait_for_selector(".account-disabled")
    _shot(admin, "admin-accounts-manage-zh")
    assert _db(server, "SELECT active FROM app_user WHERE username = 'officer_desk_new'")[0][0] in (0, False)

    # The audit log, filtered to that account's changes; the look itself is recorded.
    views_before = _db(server, "SELECT count(*) FROM audit_entry WHERE action = 'audit.view'")[0][0]
    admin.goto(server.base_url + "/admin/audit")
    wait_hydrated(admin)
    admin.wait_for_selector("#audit-table .audit-row")
    admin.fill("#audit-action", "user.")
    admin.click("#audit-apply")
    admin.wait_for_function("[...document.querySelectorAll('#audit-table .audit-row code')]"
                            ".every(c => c.innerText.startsWith('user.'))")
    actions = admin.locator("#audit-table .audit-row code").all_inner_texts()
    assert {"user.disable", "user.password_reset", "user.grant", "user.create"} <= set(actions)
    assert password not in admin.inner_text("#audit-table")
    assert _db(server, "SELECT count(*) FROM audit_entry WHERE action = 'audit.view'")[0][0] >= views_before + 2
    _no_sideways_scroll(admin, DESK["width"])
    _shot(admin, "admin-audit-zh")
    ctx.close()

    ctx = _context(browser, server, DESK, "en")
    admin = ctx.new_page()
    sign_in(admin, server, "admin")
    admin.wait_for_url("**/admin/")
    for path, name in (("/admin/accounts", "admin-accounts-en"), ("/admin/audit", "admin-audit-en")):
        admin.goto(server.base_url + path)
        wait_hydrated(admin)
        admin.wait_for_selector("#accounts .account-row, #audit-table .audit-row")
        _shot(admin, name)
    ctx.close()


def test_an_officer_cannot_open_the_accounts_or_audit_pages(browser, server):
    ctx = _context(browser, server, DESK)
    off = ctx.new_page()
    sign_in(off, server, "officer_county")
    off.wait_for_url("**/officer/")
    for path in ("/admin/accounts", "/admin/audit"):
        off.goto(server.base_url + path)
        off.wait_for_selector("#denied")
        assert off.locator("#accounts, #audit-table").count() == 0
    ctx.close()


# --- officers: satisfaction by month, as a chart with its figures beside it ------------------------------------

def _trend_rows_expected(server, office: str) -> str:
    """The office's monthly rating counts over the last 12 months, oldest first, straight from the database."""
    from portal.ratings import services as wf
    from portal.ratings.pages.officer import recent_months

    engine = create_engine(server.database_url)
    with Session(engine) as session:
        path = _db(server, "SELECT path FROM region WHERE code = '130102'")[0][0]
        points = wf.satisfaction_trend(session, path, recent_months(), office=office)
    engine.dispose()
    return ",".join(str(p.count) for p in points)


def test_officer_sees_satisfaction_by_month_as_a_chart_with_the_numbers(browser, server):
    for lang in ("zh", "en"):
        ctx = _context(browser, server, DESK, lang)
        off = ctx.new_page()
        sign_in(off, server, "officer_county")
        off.wait_for_url("**/officer/")
        off.goto(server.base_url + "/officer/ratings")
        wait_hydrated(off)
        off.wait_for_selector("#trend-table tbody tr")
        assert off.locator("#trend-table tbody tr").count() == 12
        off.wait_for_selector("#trend-chart svg .recharts-line")
        rates = off.locator("#trend-table .trend-rate").all_inner_texts()
        assert any(r.endswith("%") for r in rates)  # the demo's windows have months with enough ratings
        # An office instead of a window: the figures follow the choice.
        office = off.locator("#trend-pick option[value^='o:']").first.get_attribute("value")
        off.select_option("#trend-pick", office)
        office_rows = _trend_rows_expected(server, office[2:])
        off.wait_for_function(f"[...document.querySelectorAll('#trend-table tbody tr td:last-child')]"
                              f".map(td => td.innerText).join(',') === {json.dumps(office_rows)}")
        _no_sideways_scroll(off, DESK["width"])
        _shot(off, f"officer-ratings-trend-{lang}")
        ctx.close()


def _ranked_month(server) -> tuple[str, list[str], list[str]]:
    """The most recent month in which at least two of 长安区's windows are ranked, with the ranked windows' and
    offices' names in rank order, straight from the services."""
    from portal.ratings import services as wf
    from portal.ratings.pages.officer import recent_months

    engine = create_engine(server.database_url)
    path = _db(server, "SELECT path FROM region WHERE code = '130102'")[0][0]
    with Session(engine) as session:
        for month in recent_months():
            windows = [f"{r.office} {r.name}" for r in wf.monthly_ranking(session, path, month) if r.rank]
            if len(windows) >= 2:
                offices = [o.office for o in wf.office_ranking(session, path, month) if o.rank]
                break
    engine.dispose()
    return month, windows, offices


BAR_LABELS = "#ranking-chart .recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value"


def _bar_labels(page) -> list[tuple[str, str]]:
    """(rank, name) of each bar from the chart's axis, whitespace dropped (a long label wraps onto two lines)."""
    texts = page.locator(BAR_LABELS).evaluate_all("els => els.map(e => e.textContent)")
    return [tuple("".join(text.split()).split(".", 1)) for text in texts]


def _squeezed(names: list[str]) -> list[str]:
    return ["".join(name.split()) for name in names]


def test_officer_sees_the_months_ranking_as_bars_beside_its_table(browser, server):
    month, windows, offices = _ranked_month(server)
    for lang in ("zh", "en"):
        ctx = _context(browser, server, DESK, lang)
        off = ctx.new_page()
        sign_in(off, server, "officer_county")
        off.wait_for_url("**/officer/")
        off.goto(server.base_url + "/officer/ratings")
        wait_hydrated(off)
        off.select_option("#ratings-month", month)
        # One bar per ranked window, in the table's order; the table keeps every line, the unranked with "—".
        off.wait_for_function(f"document.querySelectorAll('{BAR_LABELS}').length === {len(windows)}")
        assert [name for _rank, name in _bar_labels(off)] == _squeezed(windows)
        assert [rank for rank, _name in _bar_labels(off)] == [
            rank for rank in off.locator("#ranking .rank-row td:first-child").all_inner_texts() if rank != "—"]
        assert off.locator("#ranking .rank-row").count() >= len(windows)
        # The figures at the bars' ends are the table's (the talk-flagged window's among them, on its red bar).
        figures = off.locator("#ranking-chart .recharts-label-list text").evaluate_all(
            "els => els.map(e => e.textContent).filter(Boolean)")
        ranked = [row.locator("td").nth(4).inner_text() for row in off.locator("#ranking .rank-row").all()
                  if row.locator("td").first.inner_text() != "—"]
        assert sorted(figures) == sorted(ranked)
        _shot(off, f"officer-ratings-ranking-{lang}")
        table, chart = off.locator("#ranking").bounding_box(), off.locator("#ranking-chart").bounding_box()
        assert chart["x"] > table["x"] + table["width"] - 1 and abs(chart["y"] - table["y"]) < 120  # side by side
        _no_sideways_scroll(off, DESK["width"])
        # By office: the offices' table and their bars.
        off.select_option("#rank-kind", "office")
        off.wait_for_selector("#office-ranking .office-rank-row")
        off.wait_for_function(f"document.querySelectorAll('{BAR_LABELS}').length === {len(offices)}")
        assert [name for _rank, name in _bar_labels(off)] == _squeezed(offices)
        assert off.locator("#ranking").count() == 0
        _no_sideways_scroll(off, DESK["width"])
        _shot(off, f"officer-ratings-office-ranking-{lang}")
        ctx.close()
