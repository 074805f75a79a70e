"""Eligibility screener, application wizard, tracking and the officer workflow in Chromium at 390×844.

Demo data: 长安区 (130102) in 石家庄 with the city's parameters (urban standard ¥1,015 from 2026-01-01,
石民发〔2025〕58号（演示）); 建北街道 (130102001) has the window HB-SJZ-0002. The officer test publishes its case,
so it applies in 正定镇 (130123100, officer_province), away from the 长安区 villages the roster tests count.
"""

from __future__ import annotations

import asyncio
import base64
import io
import re
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image

from tests.e2e.conftest import ARTIFACTS, assert_mobile_layout, sign_in, wait_hydrated
from tests.rxclient import RxClient, state_name

pytestmark = pytest.mark.e2e

TOWNSHIP, VILLAGE = "130102001", "130102001001"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def jpeg(size=(800, 600)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (210, 190, 170)).save(buf, "JPEG", quality=80)
    return buf.getvalue()


def pixel_bomb() -> bytes:
    """A tiny PNG whose header claims 30000×30000 pixels (900 megapixels)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + \
        chunk(b"IEND", b"")


def run_screener(page, server) -> None:
    page.goto(f"{server.base_url}/eligibility")
    wait_hydrated(page)
    page.wait_for_selector("#q-township")
    assert "1" in page.inner_text("#screen-progress") and "10" in page.inner_text("#screen-progress")
    assert_mobile_layout(page)
    shot(page, "screener-question")
    page.select_option("#q-township", TOWNSHIP)
    page.click("#q-township-next")
    for question, choice in [("residence", "urban"), ("size", "2"), ("income", "500_1000"), ("savings", "lt10k"),
                             ("vehicle", "no"), ("houses", "1"), ("business", "no")]:
        page.click(f"#q-{question}-{choice}")
    page.click("#screen-back")  # back link: the previous question again
    page.wait_for_selector("#q-business-no")
    page.click("#q-business-no")
    page.click("#q-severe-no")
    page.click("#q-hardship-no")
    page.wait_for_selector("#screen-outcome")
    assert "符合低保条件" in page.inner_text("#screen-outcome")
    # 2 people, ¥500–999 a month, standard ¥1,015, ¥100 work-cost deduction, rounded to whole yuan.
    assert page.inner_text("#screen-amount").replace(",", "").startswith("约 1131 – 1630")
    reasons = page.inner_text("#screen-reasons")
    assert "石民发〔2025〕58号（演示）" in reasons
    # What the resident chose, and the rule it was held against; no figure they never gave, no needless decimals.
    assert "您选择了：全家每月收入——500 – 1000 元，共 2 人。按这个范围，人均收入低于城市低保标准 1,015 元" in reasons
    assert "您选择了：存款、理财和商业保险——1 万元以下" in reasons and "0.00" not in reasons
    assert "工资收入按规定先扣除就业成本 100 元再计入" in reasons
    assert "每月约 1,131 – 1,630 元" in reasons
    windows = page.inner_text("#screen-windows")
    assert "HB-SJZ-0002" in windows and "地址：长安区建北街 36 号建北街道便民服务中心" in windows
    assert "办公时间：周一至周五 8:30–12:00" in windows
    calls = [a.get_attribute("href") for a in page.query_selector_all("#screen-windows a.contact-call")]
    assert "tel:031186012302" in calls  # the township window's number, dialable as written
    assert page.get_attribute("#footer-complaint-line", "href") == "tel:031188661234"
    assert "低保投诉举报电话 0311-8866 1234" in page.inner_text("#footer-complaint-line")
    assert "身份证" in page.inner_text("#screen-docs")
    assert_mobile_layout(page)
    shot(page, "screener-result")


SECRET_RE = re.compile(r"^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}$")


def fill_wizard(page, *, photo: bytes | None = None, township: str = TOWNSHIP, village: str = VILLAGE,
                ids: tuple[str, str] = ("130102197403150011", "130102197607200025"),
                created_shot: str | None = None) -> tuple[str, str]:
    page.wait_for_selector("#apply-start")
    wait_hydrated(page)
    page.click("#apply-start")
    page.wait_for_selector("#created-secret")
    # The secret and its picture come once, in the event (never a state var): wait for the browser to write them.
    page.wait_for_function("document.getElementById('created-secret')?.textContent.trim().length === 9")
    number, secret = page.inner_text("#created-number").strip(), page.inner_text("#created-secret").strip()
    assert number.startswith("SQ") and len(secret) == 9
    assert SECRET_RE.match(secret), secret  # grouped like a report secret: ABCD-EFGH, no 0/O, 1/I/L
    page.wait_for_function("(e => e && e.src.startsWith('data:image/png') && e.complete && e.naturalWidth > 0)"
                           "(document.getElementById('created-image'))")
    src = page.get_attribute("#created-image", "src")
    assert src.startswith("data:image/png;base64,")
    assert page.get_attribute("#created-download", "href") == src  # 保存为图片 downloads the same picture
    assert page.is_visible("#created-download") and "保存为图片" in page.inner_text("#created-download")
    card = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))
    assert card.format == "PNG" and card.width == 720 and card.height > 400
    if created_shot:
        assert_mobile_layout(page)
        shot(page, created_shot)
    page.click("#created-continue")
    page.wait_for_selector("#f-township")
    page.select_option("#f-township", township)
    page.wait_for_selector(f"#f-village option[value='{village}']", state="attached")
    page.select_option("#f-village", village)
    page.click("#wiz-continue")
    page.click("#f-residence-urban")
    page.fill("#f-applicant-name", "张建国")
    page.fill("#f-applicant-phone", "13800138000")
    page.click("#wiz-continue")
    page.wait_for_selector("#f-size")
    page.fill("#f-size", "2")
    page.click("#wiz-continue")
    page.wait_for_selector("#member-form")
    assert page.input_value("#f-name") == "张建国"
    page.select_option("#f-relationship", "applicant")
    # An ID number with one wrong check character is named as soon as the field is left, and again on continue.
    page.fill("#f-id_number", "13010219740315001x")
    page.press("#f-id_number", "Tab")
    page.wait_for_selector("#err-id_number")
    assert "校验位不对" in page.inner_text("#err-id_number")
    page.fill("#f-age", "52")
    page.click("#wiz-continue")
    page.wait_for_selector("#error-summary")
    assert "校验位不对" in page.inner_text("#error-summary")
    assert page.input_value("#f-id_number").upper() == "13010219740315001X"  # what was typed stays
    page.fill("#f-id_number", ids[0])
    page.click("#wiz-continue")
    page.wait_for_function("document.querySelector('#f-name') && document.querySelector('#f-name').value === ''")
    page.fill("#f-name", "李秀兰")
    page.fill("#f-id_number", ids[1])
    page.select_option("#f-relationship", "spouse")
    page.fill("#f-age", "50")
    page.select_option("#f-disability", "1")
    page.click("#wiz-continue")
    page.wait_for_selector("#f-income-wage")
    page.fill("#f-income-wage", "600")
    page.click("#wiz-continue")
    page.wait_for_function("document.querySelector('#wiz-heading').innerText.includes('李秀兰')")
    page.fill("#f-income-disability_allowance", "150")
    page.click("#wiz-continue")
    page.wait_for_selector("#f-deposits")
    for field, value in [("deposits", "5000"), ("vehicles", "0"), ("houses", "1"), ("housing_area", "60"),
                         ("businesses", "0")]:
        page.fill(f"#f-{field}", value)
    page.click("#wiz-continue")
    page.wait_for_selector("#f-any-no")
    page.check("#f-any-no")
    page.click("#wiz-continue")
    page.wait_for_selector("#f-consent-0")
    for i in (0, 1):  # controlled by the server state: wait for the round trip
        page.click(f"#f-consent-{i}")
        page.wait_for_function(f"document.querySelector('#f-consent-{i}').checked")
    page.click("#wiz-continue")
    page.wait_for_selector("#f-doc-kind")
    if photo is not None:
        upload(page, "photo.jpg", photo)
        page.wait_for_selector("#photo-saved")
    return number, secret


def upload(page, name: str, data: bytes, mime: str = "image/jpeg") -> None:
    # A 40 MB buffer crosses the DevTools protocol slowly on a loaded 2-core machine: allow it time.
    # One tap: choosing the photo uploads it (no second "upload" step to forget).
    page.set_input_files("#doc-upload-picker input[type=file]", files=[{"name": name, "mimeType": mime, "buffer": data}],
                         timeout=120_000)


def test_screener_apply_with_photo_and_track(page, server):
    run_screener(page, server)
    page.click("#screen-apply")
    number, secret = fill_wizard(page, photo=jpeg(), created_shot="apply-created")
    assert_mobile_layout(page)
    shot(page, "apply-documents")
    page.click("#wiz-continue")
    page.wait_for_selector("#change-village")
    assert_mobile_layout(page)
    shot(page, "apply-check")
    # Every value with its question, not "5,000.00 · 0 · 1 · 60 m² · 0".
    assets = page.inner_text("#f-assets")
    assert "存款、理财、股票和商业保险合计（元）：5,000.00" in assets and "住房总面积（平方米）：60" in assets
    assert "机动车（辆）：0" in assets and "登记的公司或个体工商户（个）：0" in assets
    assert "残疾等级：一级" in page.inner_text("#f-member-1")
    assert "工资性收入：600.00 元/月" in page.inner_text("#f-income-0")
    # A change link goes to that answer and comes back to the check page.
    page.click("#change-applicant")
    page.wait_for_selector("#f-applicant-phone")
    page.fill("#f-applicant-phone", "13900139000")
    page.click("#wiz-continue")
    page.wait_for_selector("#change-village")
    assert "13900139000" in page.inner_text("#f-applicant")
    page.click("#apply-submit")
    page.wait_for_selector("#done-number")
    assert page.inner_text("#done-number").strip() == number
    # The receipt says who handles it (the township's office) and by when the next step is due.
    assert page.inner_text("#done-office").strip() == "建北街道便民服务中心"
    assert page.inner_text("#done-step").strip() == "受理"
    due = re.fullmatch(r"最晚 (\d{4}-\d{2}-\d{2}) 前办理（3 个工作日内）", page.inner_text("#done-due").strip())
    assert due, page.inner_text("#done-due")
    assert_mobile_layout(page)
    shot(page, "apply-submitted")
    page.click("#to-track")
    page.wait_for_selector("#track-status")
    assert "等待受理" in page.inner_text("#track-status")
    steps = page.inner_text("#track-steps")
    assert "受理" in steps and "3 个工作日" in steps and "建北街道便民服务中心" in steps
    assert f"{due.group(1)} 前" in steps  # the receipt's date is the tracking page's
    # Every step still to come, with its office and its latest date as it stands today.
    ahead = page.inner_text("#track-ahead")
    for kind in ("入户调查", "家庭经济状况核对", "初审", "初审公示", "审核确认"):
        assert kind in ahead
    assert "时限 3 个工作日，最晚" in ahead and "时限 10 个工作日，最晚" in ahead and "公示 7 天" in ahead
    assert "在全部办理时限" in ahead and "建北街道便民服务中心" in ahead
    assert len(page.query_selector_all("#track-ahead .step-row")) == 5
    # The office handling the open step (受理: the township), where to find it and a number to tap.
    contact = page.inner_text("#track-contact")
    assert "正在办理的机构" in contact and "建北街道便民服务中心" in contact and "建北街 36 号" in contact
    assert page.get_attribute("#track-contact a.contact-call", "href") == "tel:031186012302"
    assert_mobile_layout(page)
    shot(page, "apply-track")
    # From another device: number + secret.
    other = page.context.browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    other.goto(f"{server.base_url}/apply/track")
    wait_hydrated(other)
    other.fill("#f-track-number", number)
    other.fill("#f-track-secret", "wrong-secret")
    other.click("#track-open")
    other.wait_for_selector("#track-error")
    other.fill("#f-track-secret", secret.lower().replace("-", " "))  # typed loosely: lowercase, a space
    other.click("#track-open")
    other.wait_for_selector("#track-status")
    assert "建北街 36 号" in other.inner_text("#track-contact")
    # A shared phone: the next person reloads the same tab without this browser session's cookies. The snapshot the
    # server sends before any on_load carries nothing of the case (status, steps, the office, the answers).
    frames: list[str] = []
    other.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    other.context.clear_cookies()
    other.reload()
    wait_hydrated(other)
    other.wait_for_selector("#f-track-number")
    assert frames and not any(number in f or "建北街 36 号" in f or "等待受理" in f for f in frames)
    other.context.close()


def test_bad_input_is_named_and_the_draft_keeps_it(page, server):
    page.goto(f"{server.base_url}/apply")
    number, secret = fill_wizard(page)
    # A text file renamed .jpg, a 40 MB image, a pixel bomb: each refused with its own message.
    for name, data, needle in [("notes.jpg", b"this is a text file, not a photo\n" * 20, "不是一张照片"),
                               ("huge.jpg", b"\xff\xd8\xff" + b"\x00" * (40 * 1024 * 1024), "太大"),
                               ("bomb.png", pixel_bomb(), "尺寸过大")]:
        upload(page, name, data, "image/png" if name.endswith(".png") else "image/jpeg")
        page.wait_for_function("n => (document.querySelector('#doc-upload-picker .photo-error') || {})"
                               ".innerText?.includes(n)", arg=needle, timeout=60_000)
        assert page.locator("#doc-upload-picker .photo-row").count() == 0
    assert page.inner_text("#doc-list").strip() == ""
    # Negative and absurd incomes: named, linked, and what was typed stays.
    page.click("#wiz-back")  # consent
    page.click("#wiz-back")  # related
    page.click("#wiz-back")  # assets
    page.wait_for_selector("#f-deposits")
    page.fill("#f-deposits", "-300")
    page.fill("#f-vehicles", "999")
    page.click("#wiz-continue")
    page.wait_for_selector("#error-summary")
    summary = page.inner_text("#error-summary")
    assert "0 或正数" in summary and "数字过大" in summary
    page.click("#error-summary a[href$='#f-deposits']")  # the summary links to the field
    page.wait_for_function("document.activeElement && document.activeElement.id === 'f-deposits'")
    assert page.input_value("#f-deposits") == "-300"
    shot(page, "apply-errors")
    # Negative, absurd and non-numeric incomes on a member's income page: each named, and what was typed stays.
    page.click("#wiz-back")  # income of member 2
    page.wait_for_function("document.querySelector('#wiz-heading').innerText.includes('李秀兰')")
    page.fill("#f-income-wage", "-50")
    page.fill("#f-income-transfer", "99999999")
    page.fill("#f-income-business", "abc")
    page.click("#wiz-continue")
    page.wait_for_function("(document.querySelector('#error-summary') || {}).innerText?.includes('请填写数字')")
    summary = page.inner_text("#error-summary")
    assert "0 或正数" in summary and "数字过大" in summary
    assert "李秀兰" in page.inner_text("#wiz-heading")  # still on that page
    assert [page.input_value(f"#f-income-{k}") for k in ("wage", "transfer", "business")] == \
        ["-50", "99999999", "abc"]
    # 0 and 50 household members.
    page.click("#wiz-back")
    page.click("#wiz-back")
    page.click("#wiz-back")
    page.click("#wiz-back")
    page.wait_for_selector("#f-size")
    for typed, needle in [("0", "至少填写 1 名"), ("50", "最多 20 人")]:
        page.fill("#f-size", typed)
        page.click("#wiz-continue")
        page.wait_for_function(f"document.querySelector('#error-summary') && "
                               f"document.querySelector('#error-summary').innerText.includes('{needle}')")
        assert page.input_value("#f-size") == typed
    # Resume elsewhere with number + secret: the draft still holds what was entered (the -300 deposits).
    other = page.context.browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    other.goto(f"{server.base_url}/apply")
    wait_hydrated(other)
    other.fill("#f-resume-number", number)
    other.fill("#f-resume-secret", secret)
    other.click("#apply-resume")
    other.wait_for_selector("#change-assets")
    assert "-3.00" in other.inner_text("#f-assets") or "-300" in other.inner_text("#f-assets")
    other.click("#apply-submit")
    other.wait_for_selector("#error-summary")
    text = other.inner_text("#error-summary")
    assert "0 或正数" in text and "身份证照片" in text
    other.context.close()


def submit_application(page, server, township: str, village: str, **kw) -> tuple[str, str]:
    page.goto(f"{server.base_url}/apply")
    number, secret = fill_wizard(page, photo=jpeg(), township=township, village=village, **kw)
    page.click("#wiz-continue")
    page.wait_for_selector("#apply-submit")
    page.click("#apply-submit")
    page.wait_for_selector("#done-number")
    return number, secret


def open_track(page, server, number: str, secret: str) -> None:
    page.goto(f"{server.base_url}/apply/track")
    wait_hydrated(page)
    if page.query_selector("#f-track-number"):
        page.fill("#f-track-number", number)
        page.fill("#f-track-secret", secret)
        page.click("#track-open")
    page.wait_for_selector("#track-status")


def open_case(officer, server, number: str) -> None:
    officer.goto(f"{server.base_url}/officer/applications")
    officer.wait_for_selector(f"#case-{number}")
    wait_hydrated(officer)
    officer.click(f"#case-{number}")
    officer.wait_for_selector("#case-status")


def status_is(officer, needle: str) -> None:
    officer.wait_for_function("n => (document.querySelector('#case-status') || {}).innerText?.includes(n)", arg=needle)
    assert officer.query_selector("#case-error") is None


def test_officer_accepts_requests_materials_resident_supplies_officer_decides(page, server, browser):
    # 正定镇 · 东门里村 (not the 长安区 villages whose demo roster the roster tests count): the case is published.
    number, secret = submit_application(page, server, "130123100", "130123100201")
    officer = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(officer, server, "officer_province")
    officer.wait_for_url("**/officer/")
    officer.click("#go-officer-applications")
    officer.wait_for_selector(f"#case-{number}")
    assert_mobile_layout(officer)
    shot(officer, "officer-queue")
    officer.click(f"#case-{number}")
    officer.wait_for_selector("#case-status")
    assert "等待受理" in officer.inner_text("#case-status")
    assert "符合低保条件" in officer.inner_text("#case-verdict")
    # The province officer does not hold the case (the township's window does): ID numbers masked.
    ids = officer.inner_text("#case-members")
    assert "130102********0011" in ids and "130102197403150011" not in ids
    # The photo is served to this officer (private route), re-encoded.
    officer.wait_for_function("document.querySelector('#case-docs img') && "
                              "document.querySelector('#case-docs img').naturalWidth > 0")
    # Request materials: the ONE complete list.
    officer.check("#f-m-income_proof")
    officer.check("#f-m-hukou")
    officer.fill("#act-materials-other", "村委会出具的共同生活证明")
    officer.click("#act-materials-submit")
    status_is(officer, "需要补充材料")
    assert "共同生活证明" in officer.inner_text("#case-missing")
    assert_mobile_layout(officer)
    shot(officer, "officer-case")
    # The resident sees the list, adds a photo, and sends it back.
    open_track(page, server, number, secret)
    missing = page.inner_text("#missing-list")
    assert "收入证明" in missing and "户口簿照片" in missing and "共同生活证明" in missing
    shot(page, "track-missing")
    # The button's label must be readable: its text colour differs from its background.
    colours = page.eval_on_selector("#add-materials", "el => [getComputedStyle(el).color, "
                                    "getComputedStyle(el).backgroundColor]")
    assert colours[0] != colours[1], colours
    assert page.inner_text("#add-materials").strip()
    page.click("#add-materials")
    page.wait_for_selector("#f-doc-kind")
    wait_hydrated(page)
    page.select_option("#f-doc-kind", "hukou")
    upload(page, "hukou.jpg", jpeg((640, 480)))
    page.wait_for_selector("#photo-saved")
    page.click("#wiz-continue")
    page.wait_for_url(re.compile(r".*/apply/track/?$"))
    # The page may first show the state it held before the on_load refresh arrives.
    page.wait_for_function("(document.querySelector('#track-status') || {}).innerText?.includes('等待受理')")
    # The officer accepts, records the survey and the cross-check, decides, and sends the case to publicity.
    open_case(officer, server, number)
    officer.click("#act-accept")
    officer.wait_for_selector("#act-survey")
    assert "入户调查" in officer.inner_text("#case-steps")
    officer.fill("#act-survey-note", "入户查看，居住情况与申报一致")
    officer.click("#act-survey-submit")
    officer.wait_for_selector("#act-survey", state="detached")
    officer.select_option("#f-check-outcome", "match")
    officer.click("#act-check-submit")
    status_is(officer, "等待初审")
    officer.check("#f-prelim-approve")
    officer.fill("#act-preliminary-note", "收入和财产均在本地标准以内，同意")
    officer.click("#act-preliminary-submit")
    officer.wait_for_selector("#act-publish")
    officer.click("#act-publish")  # to the batch publicity page: the case is ticked, nothing is retyped
    officer.wait_for_selector(f"#pick-{number}")
    wait_hydrated(officer)
    officer.click("#publish-130123100")
    officer.wait_for_selector("#publicity-notice")
    open_case(officer, server, number)
    status_is(officer, "公示中")
    # The resident's tracking page shows publicity and the county decision ahead, with its office and deadline.
    open_track(page, server, number, secret)
    page.wait_for_function("(document.querySelector('#track-status') || {}).innerText?.includes('公示中')")
    steps = page.inner_text("#track-steps")
    assert "审核确认" in steps and "正定县政务服务中心" in steps and "10 个工作日" in steps
    assert_mobile_layout(page)
    shot(page, "track-publicity")
    # An officer of another county cannot open the case.
    other = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    sign_in(other, server, "officer_jianbei")
    other.wait_for_url("**/officer/")
    other.goto(f"{server.base_url}/officer/applications/{number}")
    other.wait_for_selector("#denied")
    other.context.close()
    officer.context.close()


def test_admin_adds_a_dated_parameter_and_history_stays(page, server):
    sign_in(page, server, "admin")
    page.wait_for_url("**/admin/")
    page.click("#go-admin-eligibility")
    page.wait_for_selector("#param-rows")
    wait_hydrated(page)
    page.select_option("#param-region", "130102")
    page.wait_for_function("document.querySelector('#param-rows').innerText.includes('1015.00')")
    assert "石民发〔2025〕58号（演示）" in page.inner_text("#param-rows")  # inherited from the city
    page.select_option("#f-param-key", "standard.urban")
    page.fill("#f-param-value", "1050")
    page.fill("#f-param-since", "2027-01-01")
    page.fill("#f-param-doc", "长民〔2026〕1号")
    page.click("#param-save")
    page.wait_for_selector("#param-saved")
    rows = page.inner_text("#param-rows")
    assert "2027-01-01 1050.00 (长民〔2026〕1号)" in rows  # in the history, not yet in force
    assert page.inner_text("[data-key='standard.urban']") == "1015.00"
    page.fill("#f-param-value", "-1")
    page.fill("#f-param-since", "2027-01-01")
    page.fill("#f-param-doc", "X")
    page.click("#param-save")
    page.wait_for_selector("#param-error")
    assert_mobile_layout(page)
    shot(page, "admin-eligibility")


def test_secret_phone_and_draft_answers_never_stay_in_the_tab_state(server):
    """A tab's state is sent again, in full, on every page load of that tab, before any on_load runs (to whoever
    reopens it). The one-time secret and the applicant's phone on the officer's case page reach the browser once, in
    the event that shows them; once submitted, nothing the resident typed (names, phone, incomes) stays in the
    wizard's state, and a reopened tracking page does not carry the previous look-up."""
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from portal.applications.models import Application, ApplicationDocument
    from portal.applications.pages.officer import OfficerCaseState
    from portal.applications.pages.apply import ApplyState
    from portal.applications.pages.track import TrackState
    from tests.e2e.test_reports import _reconnect, cookie_for

    apply_state, track_state, case_state = state_name(ApplyState), state_name(TrackState), \
        state_name(OfficerCaseState)
    answers = {
        "village": "130123100201", "residence": "rural",
        "applicant": {"name": "祁望舒", "phone": "13712345678"},
        "members": [{"name": "祁望舒", "relationship": "applicant", "age": 58, "incomes": {"wage": 43_217},
                     "typed": {"wage": "432.17"}, "id_number": "130102196805120048"},
                    {"name": "祁念安", "relationship": "child", "age": 9, "incomes": {},
                     "id_number": "130102201003030079"}],
        "assets": {"deposits": 0, "vehicles": 0, "houses": 1, "housing_area": 40, "businesses": 0},
        "related": {"any": False, "detail": ""}, "consent": [0],
    }

    async def resident() -> tuple[str, str, str, str, str]:
        async with RxClient(server.base_url) as client:
            await client.call(f"{apply_state}.load", path="/apply")
            await client.call(f"{apply_state}.start", path="/apply")
            shown = "".join(client.messages)
            secret = re.search(r"(?:created-secret|secret_once).{0,40}?(?<![A-Z0-9])([A-Z2-9]{4}-[A-Z2-9]{4})"
                               r"(?![A-Z0-9])", shown)
            assert secret, shown[-2000:]
            assert "created-image" in shown and "data:image/png;base64," in shown  # the picture, in the event
            created_again = await _reconnect(client, None, "/apply")
        number = re.search(r"SQ[A-Z2-9]{8}", shown).group(0)
        with Session(create_engine(server.database_url)) as s:
            app = s.execute(select(Application).where(Application.number == number)).scalar_one()
            app.answers = answers
            app.applicant_name, app.village_id = "祁望舒", None
            from portal.regions.models import Region
            village = s.execute(select(Region).where(Region.code == "130123100201")).scalar_one()
            app.village_id, app.region_path = village.id, village.path
            s.add(ApplicationDocument(application_id=app.id, kind="id_card", image_id="0" * 32, width=10,
                                      height=10, uploaded_at=app.created_at))
            s.commit()
        async with RxClient(server.base_url) as client:
            await client.call(f"{apply_state}.load", path="/apply")
            await client.call(f"{apply_state}.resume", {"form": {"number": number, "secret": secret.group(1)}},
                              path="/apply")
            checked = "".join(client.messages)
            await client.call(f"{apply_state}.submit", path="/apply")
            await client.call(f"{track_state}.load", path="/apply/track")
            submitted_again = await _reconnect(client, None, "/apply")
        return secret.group(1), created_again, checked, submitted_again, number

    def run(fn):  # the browser fixtures own this thread's event loop
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, fn()).result()

    secret, created_again, checked, submitted_again, number = run(resident)
    assert secret not in created_again and "data:image/png;base64," not in created_again
    assert "13712345678" in checked and "432.17" in checked  # the check page did show them ...
    for value in ("13712345678", "祁望舒", "祁念安", "432.17", secret):
        assert value not in submitted_again, value  # ... not the tab's state after submitting

    async def officer() -> tuple[str, str]:
        path = f"/officer/applications/{number}"
        async with RxClient(server.base_url, cookie_for(server, "officer_province")) as client:
            await client.call(f"{case_state}.load", path=path, route="/officer/applications/[number]",
                              query={"number": number})
            shown = "".join(client.messages)
            return shown, await _reconnect(client, None, path)

    shown, again = run(officer)
    assert "13712345678" in shown and "祁念安" in shown  # the case page shows the household and the phone ...
    assert "13712345678" not in again  # ... the phone once
