"""The rating page and 追评 as server-rendered HTML (portal/ratings/web.py): a plain form POST stores a rating,
errors keep what was typed, the cool-down notice comes before the form, the device cookie is HttpOnly, other sites'
POSTs are refused, a retried POST answers the original receipt, and unknown windows get a Chinese 404 page.

Demo data: HB-SJZ-0002 is 建北街道's 低保受理窗口.
"""

from __future__ import annotations

import re
import warnings

import pytest
from sqlalchemy import create_engine, func, select

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from portal.kernel import policy
from portal.kernel.permissions import Actor, Grant, Role
from portal.ratings.models import FollowupCase, Rating
from portal.kernel.db import session_scope

pytestmark = pytest.mark.usefixtures("fast_passwords")

OWN = "http://dibao.test.example"
WINDOW = "HB-SJZ-0002"


@pytest.fixture(autouse=True)
def public_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBLIC_BASE_URL", OWN + "/")


@pytest.fixture
def phone(client: TestClient) -> TestClient:
    client.base_url = client.base_url.copy_with(scheme="http", host="dibao.test.example")
    return client


def open_form(c: TestClient, code: str = WINDOW) -> dict[str, str]:
    r = c.get(f"/r/{code}")
    assert r.status_code == 200, r.text
    return {name: value for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', r.text)}


def post(c: TestClient, data: dict, code: str = WINDOW, origin: str | None = OWN, **kw):
    headers = {"Origin": origin} if origin else {}
    return c.post(f"/r/{code}", data=data, headers=headers, **kw)


def stored(db_file) -> list[tuple]:
    engine = create_engine(f"sqlite:///{db_file}")
    with engine.connect() as conn:
        rows = conn.execute(select(Rating.receipt_code, Rating.level, Rating.tags, Rating.comment, Rating.phone)).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_the_page_is_plain_html_in_chinese_with_an_httponly_device_cookie(phone):
    r = phone.get(f"/r/{WINDOW}")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    page = r.text
    assert '<html lang="zh-CN"' in page and "低保受理窗口" in page and "您对本次服务满意吗" in page
    assert page.count("<h1>") == 1 and "<title>服务评价 · 低保受理窗口 · 阳光低保</title>" in page
    assert '<label class="f" for="comment">' in page and '<label class="f" for="phone">' in page
    assert "<link rel=\"stylesheet\"" not in page and "src=" not in page  # no external CSS, fonts or scripts
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("sd_device=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "script-src 'sha256-" in r.headers["content-security-policy"]


def test_english_and_large_text_follow_the_shared_cookies(phone):
    r = phone.get(f"/prefs?lang=en&large=1&next=/r/{WINDOW}")
    assert r.status_code == 303 and r.headers["location"] == f"/r/{WINDOW}"
    page = phone.get(f"/r/{WINDOW}").text
    assert '<html lang="en" class=lg>' in page and "How satisfied are you with this service?" in page
    assert phone.get("/prefs?lang=zh&next=//evil.test/x").headers["location"] == "/"  # never an open redirect


def test_a_form_post_without_javascript_stores_the_rating_and_redirects_to_the_receipt(phone, db_file):
    hidden = open_form(phone)
    r = post(phone, {**hidden, "level": "2", "tag": ["tag.runaround", "tag.friendly"], "comment": "跑了三次",
                     "phone": "139 1234 5678"})
    assert r.status_code == 303
    location = r.headers["location"]
    assert location.startswith(f"/r/{WINDOW}/thanks?receipt=")
    thanks = phone.get(location)
    receipt = re.search(r'id="receipt-code">([A-Z0-9-]+)<', thanks.text).group(1)
    assert "感谢您的评价" in thanks.text and "5 个工作日" in thanks.text
    assert thanks.text.count("<h1>") == 1 and "<title>评价已提交 · 阳光低保</title>" in thanks.text
    # The good tag chosen before the level was switched to 2 is dropped, as the page hides it.
    assert stored(db_file) == [(receipt, 2, ["tag.runaround"], "跑了三次", "13912345678")]
    # Reloading the thank-you page shows the receipt again and stores nothing.
    assert receipt in phone.get(location).text and len(stored(db_file)) == 1


def test_a_retried_post_with_the_same_attempt_answers_the_original_receipt(phone, db_file):
    hidden = open_form(phone)
    first = post(phone, {**hidden, "level": "5"})
    again = post(phone, {**hidden, "level": "5"})
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert len(stored(db_file)) == 1


def test_errors_keep_what_was_typed(phone, db_file):
    hidden = open_form(phone)
    r = post(phone, {**hidden, "tag": "tag.slow", "comment": "窗口 <b>没人</b>", "phone": "12345"})
    assert r.status_code == 400
    assert "请先选择满意程度" in r.text and 'role="alert"' in r.text
    assert "窗口 &lt;b&gt;没人&lt;/b&gt;</textarea>" in r.text and 'value="12345"' in r.text
    assert 'value="tag.slow" data-tag="tag.slow" checked' in r.text
    r = post(phone, {**hidden, "level": "1", "comment": "窗口没人", "phone": "12345"})
    assert r.status_code == 400 and "请输入 11 位手机号" in r.text
    assert 'value="1" required checked' in r.text and "窗口没人</textarea>" in r.text
    r = post(phone, {**hidden, "level": "4", "comment": "长" * 301})
    assert r.status_code == 400 and "留言太长" in r.text and "长" * 301 in r.text
    assert stored(db_file) == []


def test_the_cooldown_notice_shows_before_the_form(phone):
    hidden = open_form(phone)
    assert post(phone, {**hidden, "level": "4"}).status_code == 303
    page = phone.get(f"/r/{WINDOW}").text
    assert 'id="already-rated"' in page and "24 小时内评价过这个窗口" in page
    assert 'id="rating-form"' not in page
    # Another window is not affected.
    assert 'id="rating-form"' in phone.get("/r/HB-SJZ-0003").text
    # A second form already open (another tab) is refused with the same rule, input kept.
    r = post(phone, {**hidden, "attempt": "another-tab", "level": "1", "comment": "再来一次"})
    assert r.status_code == 409 and "小时内不能重复评价" in r.text and "再来一次</textarea>" in r.text


def test_a_cross_origin_post_is_refused_and_stores_nothing(phone, db_file):
    hidden = open_form(phone)
    for origin in ("http://evil.test", "null", "https://dibao.test.example"):
        r = post(phone, {**hidden, "level": "1"}, origin=origin)
        assert r.status_code == 403 and "不是来自本平台的评价页面" in r.text
    r = phone.post(f"/r/{WINDOW}", data={**hidden, "level": "1"}, headers={"Referer": "http://evil.test/page"})
    assert r.status_code == 403
    assert stored(db_file) == []


def test_a_post_without_the_device_cookie_or_token_is_not_stored_but_keeps_the_input(phone, db_file):
    hidden = open_form(phone)
    forged = post(phone, {**hidden, "form_token": "0" * 32, "level": "3", "comment": "留着"})
    assert forged.status_code == 400 and "页面已过期" in forged.text and "留着</textarea>" in forged.text
    phone.cookies.clear()
    r = post(phone, {**hidden, "level": "3", "comment": "留着"})
    assert r.status_code == 400 and "sd_device=" in r.headers["set-cookie"]
    assert stored(db_file) == []
    # The form it gave back carries a token for the new cookie: one more tap stores it.
    again = {name: value for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', r.text)}
    assert post(phone, {**again, "level": "3", "comment": "留着"}).status_code == 303
    assert len(stored(db_file)) == 1


def test_an_unknown_window_gets_a_chinese_404_page(phone):
    r = phone.get("/r/NO-SUCH-9999")
    assert r.status_code == 404 and "窗口编号不存在" in r.text and "<title>找不到这个窗口 · 阳光低保</title>" in r.text
    assert phone.post("/r/NO-SUCH-9999", data={"level": "5"}, headers={"Origin": OWN}).status_code == 404
    assert phone.get(f"/r/{WINDOW}/thanks?receipt=AAAA-BBBB").status_code == 404
    assert phone.get("/r?code= hb-sjz-0002 ").headers["location"] == "/r/HB-SJZ-0002"


def test_a_policy_change_is_seen_by_the_next_request(phone, db_file):
    hidden = open_form(phone)
    assert 'maxlength="300"' in phone.get(f"/r/{WINDOW}").text
    with session_scope() as session:
        policy.set_value(session, Actor(user_id=1, username="admin", display_name="admin",
                                         grants=(Grant(Role.ADMIN, "13", "/13/", "province"),)), "rating.comment_max_chars", 20)
    assert 'maxlength="20"' in phone.get(f"/r/{WINDOW}").text
    r = post(phone, {**hidden, "level": "5", "comment": "好" * 21})
    assert r.status_code == 400 and "留言太长" in r.text


def test_followup_page_adds_one_followup_with_the_receipt(phone, db_file):
    hidden = open_form(phone)
    location = post(phone, {**hidden, "level": "1", "comment": "态度差"}).headers["location"]
    receipt = location.rsplit("=", 1)[1]
    page = phone.get(f"/rating/followup?code={receipt.lower().replace('-', '')}")
    assert page.status_code == 200 and "待答复" in page.text and page.text.count("<h1>") == 1
    token = re.search(r'name="form_token" value="([^"]+)"', page.text).group(1)
    form = {"form_token": token, "code": receipt}
    r = phone.post("/rating/followup", data=form, headers={"Origin": OWN})
    assert r.status_code == 400 and "请先选择满意程度" in r.text
    assert phone.post("/rating/followup", data={**form, "level": "4"},
                      headers={"Origin": "http://evil.test"}).status_code == 403
    r = phone.post("/rating/followup", data={**form, "level": "4", "comment": "改了"}, headers={"Origin": OWN})
    assert r.status_code == 303
    done = phone.get(r.headers["location"])
    assert "追评已提交" in done.text and 'id="followup-form"' not in done.text
    r = phone.post("/rating/followup", data={**form, "level": "2"}, headers={"Origin": OWN})
    assert r.status_code in (200, 409) and "已追评" in r.text
    engine = create_engine(f"sqlite:///{db_file}")
    with engine.connect() as conn:
        assert conn.execute(select(FollowupCase.followup_level)).scalars().all() == [4]
        assert conn.execute(select(func.count()).select_from(Rating)).scalar_one() == 1
    engine.dispose()
    assert phone.get("/rating/followup?code=ZZZZ-ZZZZ").status_code == 404
