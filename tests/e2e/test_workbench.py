"""The officers' workbench in Chromium at 1366×768 (issue 13): the county decides with the case's whole history in
view, a township is not shown the county's forms, a refused form keeps what was typed, the approval form prints as a
PDF, three approved cases publish as one batch, the county sees a township's overdue step in its to-do list, search
stays inside the officer's regions, and the queue exports to a typed .xlsx.

Cases are brought to the step each test needs through the application services (tests/e2e/cases.py), straight into
the served database; everything the test checks happens in the browser. 长安区 cases live in
青园社区 (130102002001) and are never published (the roster tests count 长安区's roster); the batch publicity test
publishes in 正定镇 · 西关村 (130123100202).
"""

from __future__ import annotations

import io
import subprocess
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from tests.e2e.cases import CHECK_NOTE, CHINA, PRELIM_NOTE, SURVEY_NOTE, make_case
from tests.e2e.conftest import ARTIFACTS, sign_in, wait_hydrated

pytestmark = pytest.mark.e2e

QINGYUAN, XIGUAN = "130102002001", "130123100202"
COUNTY_REASONS = "经复核家庭存款超过保障标准，不予批准"
SHOTS = ARTIFACTS / "workbench"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def desk(browser, server):
    """A desktop browser (1366×768); `open(username, lang)` gives a signed-in page."""
    contexts = []

    def open_(username: str, lang: str = "zh"):
        context = browser.new_context(viewport={"width": 1366, "height": 768}, device_scale_factor=1,
                                      locale="zh-CN", accept_downloads=True)
        context.set_default_timeout(20_000)
        if lang == "en":
            context.add_cookies([{"name": "sd_lang", "value": "en", "url": server.base_url}])
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors
        sign_in(page, server, username)
        page.wait_for_url("**/officer/")
        return page

    yield open_
    for context in contexts:
        errors = context.pages[0].js_errors if context.pages else []
        context.close()
        assert not errors, errors


def open_case(page, server, number: str) -> None:
    page.goto(f"{server.base_url}/officer/applications/{number}")
    page.wait_for_selector("#case-history")
    wait_hydrated(page)
    page.wait_for_function("n => (document.querySelector('#case-number') || {}).innerText === n", arg=number)


def test_county_decides_with_the_history_in_view_and_a_refused_form_keeps_its_input(desk, server):
    number = make_case(server, QINGYUAN, "周望川", until="refused_at_preliminary", officer="officer_qingyuan")
    # The township: the notes are there, the county's forms are not (only a line saying the county decides).
    township = desk("officer_qingyuan")
    open_case(township, server, number)
    history = township.inner_text("#case-history")
    assert SURVEY_NOTE in history and CHECK_NOTE in history and PRELIM_NOTE in history
    assert township.query_selector("#act-county") is None and township.query_selector("#act-extend") is None
    assert township.query_selector("#case-county-only") is not None
    shot(township, "case-township-zh")
    # The county reads every note beside its decision form, which offers no 同意 for a case never published.
    county = desk("officer_county")
    open_case(county, server, number)
    history = county.inner_text("#case-history")
    for note in (SURVEY_NOTE, CHECK_NOTE, PRELIM_NOTE):
        assert note in history
    assert "建北" not in history and "青园" in history  # the office that did each step
    county.wait_for_selector("#act-county")
    assert county.query_selector("#f-county-approve") is None
    assert county.query_selector("#f-county-no-approve") is not None
    assert county.query_selector("#act-extend") is not None
    # Too short: refused, and the reasons box keeps what was typed.
    county.check("#f-county-refuse")
    county.fill("#act-county-note", "存款超标")
    county.click("#act-county-submit")
    county.wait_for_selector("#case-error")
    assert county.input_value("#act-county-note") == "存款超标"
    assert county.is_checked("#f-county-refuse")
    shot(county, "case-county-refused-form-zh")
    county.fill("#act-county-note", COUNTY_REASONS)
    county.click("#act-county-submit")
    county.wait_for_function("() => (document.querySelector('#case-status') || {}).innerText?.includes('不予批准')")
    # Its own reasons show afterwards, in the history.
    county.wait_for_function("t => document.querySelector('#case-history').innerText.includes(t)",
                             arg=COUNTY_REASONS)
    shot(county, "case-county-decided-zh")
    # The approval form: a PDF with the case's history as text.
    response = county.request.get(f"{server.base_url}/api/applications/{number}/form.pdf")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf = SHOTS / f"approval-{number}.pdf"
    SHOTS.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(response.body())
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", str(pdf), str(SHOTS / "approval-form")],
                   check=True)
    words = "".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    for expected in (number, "最低生活保障审批表", "".join(SURVEY_NOTE.split()), "".join(COUNTY_REASONS.split())):
        assert expected in words, expected
    # An officer of another county gets neither the page nor the form.
    other = desk("officer_province")  # covers the province: allowed
    assert other.request.get(f"{server.base_url}/api/applications/{number}/form.pdf").status == 200
    # The English page.
    county_en = desk("officer_county", "en")
    open_case(county_en, server, number)
    assert "Case history" in county_en.inner_text("main")
    shot(county_en, "case-county-decided-en")


def test_the_other_county_is_refused_the_approval_form(desk, server, browser):
    number = make_case(server, XIGUAN, "钱远山")
    page = desk("officer_county")  # 长安区: the case is in 正定县
    assert page.request.get(f"{server.base_url}/api/applications/{number}/form.pdf").status == 403
    page.goto(f"{server.base_url}/officer/applications/{number}")
    page.wait_for_selector("#denied")


def test_three_approved_cases_publish_as_one_batch(desk, server):
    from portal.roster.models import RosterBatch, RosterEntry

    numbers = [make_case(server, XIGUAN, name, until="to_publish", officer="officer_province")
               for name in ("孙立平", "郑海燕", "冯国强")]
    page = desk("officer_province")
    page.click("#go-officer-publicity")
    for number in numbers:
        page.wait_for_selector(f"#pick-{number}")
    wait_hydrated(page)
    # Only these three (another test's cases may wait too): untick the rest, publish for 西关村.
    for box in page.query_selector_all("#group-130123100 input[type=checkbox]"):
        if box.get_attribute("id")[len("pick-"):] not in numbers:
            box.uncheck()
    page.select_option("#scope-130123100", XIGUAN)
    shot(page, "publicity-zh")
    with Session(create_engine(server.database_url)) as s:
        before = s.execute(select(func.count(RosterBatch.id))).scalar_one()
    page.click("#publish-130123100")
    page.wait_for_selector("#publicity-notice")
    assert "3" in page.inner_text("#publicity-notice")
    for number in numbers:
        assert page.query_selector(f"#pick-{number}") is None
    shot(page, "publicity-published-zh")
    with Session(create_engine(server.database_url)) as s:
        assert s.execute(select(func.count(RosterBatch.id))).scalar_one() == before + 1
        batch = s.execute(select(RosterBatch).order_by(RosterBatch.id.desc())).scalars().first()
        names = sorted(e.name for e in s.execute(select(RosterEntry).where(RosterEntry.batch_id == batch.id))
                       .scalars())
    assert names == sorted(["孙立平", "郑海燕", "冯国强"]) and batch.entry_count == 3


def test_county_sees_a_townships_overdue_step_in_its_todo(desk, server):
    number = make_case(server, QINGYUAN, "陈默然", submitted_days_ago=12)  # acceptance (3 WD) long overdue
    page = desk("officer_county")
    page.wait_for_selector("#home-todo-counts")
    page.wait_for_function("() => !/共 0 件/.test(document.querySelector('#home-todo-counts').innerText)")
    shot(page, "officer-home-zh")
    page.click("#go-todo")
    page.wait_for_selector("#todo-table")
    wait_hydrated(page)
    row = page.locator("#todo-table tr", has_text=number)
    assert "已超时" in row.inner_text() and "下级" in row.inner_text() and "受理" in row.inner_text()
    assert page.query_selector("#todo-below") is not None
    first = page.inner_text("#todo-table tbody tr:first-child")
    assert "已超时" in first  # overdue first
    shot(page, "todo-zh")
    page.click("#todo-show-below")
    page.wait_for_function("() => [...document.querySelectorAll('#todo-table tbody tr')]"
                           ".every(r => r.innerText.includes('下级'))")
    page_en = desk("officer_county", "en")
    page_en.goto(f"{server.base_url}/todo")
    page_en.wait_for_selector("#todo-table")
    assert "Overdue" in page_en.inner_text("#todo-table")
    shot(page_en, "todo-en")


def test_search_finds_a_case_by_number_and_not_one_from_another_county(desk, server):
    mine = make_case(server, QINGYUAN, "林知秋")
    elsewhere = make_case(server, XIGUAN, "林知秋")
    page = desk("officer_county")
    page.click("#go-search")
    page.wait_for_selector("#search-q")
    wait_hydrated(page)
    page.fill("#search-q", mine.lower())
    page.click("#search-submit")
    page.wait_for_selector(f"#hit-{mine}")
    assert "林知秋" in page.inner_text("#search-hits")
    shot(page, "search-zh")
    page.fill("#search-q", elsewhere)
    page.click("#search-submit")
    page.wait_for_selector("#search-none")
    page.fill("#search-q", "林知秋")  # by name: only the county's own case
    page.click("#search-submit")
    page.wait_for_selector(f"#hit-{mine}")
    assert elsewhere not in page.inner_text("#search-hits")
    page.click(f"#hit-{mine}")
    page.wait_for_selector("#case-history")
    page_en = desk("officer_county", "en")
    page_en.goto(f"{server.base_url}/search")
    page_en.wait_for_selector("#search-q")
    wait_hydrated(page_en)
    page_en.fill("#search-q", mine)
    page_en.click("#search-submit")
    page_en.wait_for_selector(f"#hit-{mine}")
    shot(page_en, "search-en")


def test_queue_exports_to_a_typed_xlsx(desk, server):
    mine = make_case(server, QINGYUAN, "赵清和")
    elsewhere = make_case(server, XIGUAN, "赵清和")
    page = desk("officer_county")
    page.click("#go-officer-applications")
    page.wait_for_selector(f"#case-{mine}")
    wait_hydrated(page)
    shot(page, "queue-zh")
    with page.expect_download() as info:
        page.click("#queue-export")
    body = open(info.value.path(), "rb").read()
    sheet = load_workbook(io.BytesIO(body)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("申请编号", "申请人", "村（社区）", "状态", "提交日期")
    numbers = [r[0] for r in rows[1:]]
    assert mine in numbers and elsewhere not in numbers
    row = [c for c in sheet.iter_rows(min_row=2) if c[0].value == mine][0]
    assert row[4].is_date and row[4].value.date() == datetime.now(CHINA).date()
    assert row[3].value == "已提交，等待受理" and row[2].value == "青园社区"
    assert row[7].data_type == "n" and row[7].number_format == "#,##0.00"
    page_en = desk("officer_county", "en")
    page_en.goto(f"{server.base_url}/officer/applications")
    page_en.wait_for_selector(f"#case-{mine}")
    shot(page_en, "queue-en")
