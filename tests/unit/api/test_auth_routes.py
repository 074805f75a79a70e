"""/api/auth/* and /api/health through Starlette's TestClient, on a tmp SQLite database with the demo data."""

from __future__ import annotations

import re

import socket
import warnings
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, update

with warnings.catch_warnings():  # "install httpx2 instead": the httpx-based client is what this Starlette ships
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from portal.kernel import db
from portal.api_app import api
from portal.i18n import text
from portal.accounts.models import SignInSession, User
from portal.kernel.audit_models import AuditEntry
from portal.kernel.base import utcnow
from portal.kernel import audit
from portal.accounts import services as auth
from tests.conftest import clear_portal_caches
from tests.unit.api.conftest import PASSWORD

pytestmark = pytest.mark.usefixtures("fast_passwords")

JSON = {"Accept": "application/json"}
LOGIN, LOGOUT, ME, HEALTH = "/api/auth/login", "/api/auth/logout", "/api/auth/me", "/api/health"


def login(client: TestClient, username: str = "officer_county", password: str = PASSWORD, *, as_json: bool = True,
          headers: dict[str, str] | None = None):
    return client.post(LOGIN, data={"username": username, "password": password},
                       headers={**(JSON if as_json else {}), **(headers or {})})


def run_sql(statement) -> None:
    with db.session_scope() as session:
        session.execute(statement)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- sign in ----------------------------------------------------------------------------------------------------

def test_json_login_sets_an_httponly_strict_cookie(client):
    r = login(client)
    assert r.status_code == 200
    assert r.json() == {"home": "/officer", "username": "officer_county"}
    set_cookie = r.headers["set-cookie"]
    attrs = [a.strip().lower() for a in set_cookie.split(";")]
    assert set_cookie.startswith(f"{auth.COOKIE_NAME}=")
    assert "httponly" in attrs and "samesite=strict" in attrs and "path=/" in attrs
    assert "max-age=28800" in attrs  # 8 hours, the session length
    assert "secure" not in attrs  # plain-http base URL in tests; https turns it on
    token = client.cookies.get(auth.COOKIE_NAME)
    assert token and PASSWORD not in set_cookie


def test_me_with_the_cookie(client):
    login(client, "officer_jianbei")
    r = client.get(ME)
    assert r.status_code == 200
    assert r.json() == {"username": "officer_jianbei", "display_name": "建北街道 李经办", "home": "/officer",
                        "grants": [{"role": "officer", "region": "130102001"}]}


@pytest.mark.parametrize(("username", "home"), [
    ("admin", "/admin"), ("supervisor", "/supervisor"), ("staff_hb_sjz_0001", "/staff"),
])
def test_each_role_lands_on_its_home(client, username, home):
    assert login(client, username).json()["home"] == home


def test_me_without_a_cookie_is_401(client):
    r = client.get(ME)
    assert r.status_code == 401
    assert r.json() == {"error": "auth.sign_in_required", "message": text("auth.sign_in_required", "zh")}


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
    lambda t: t + "x",
    lambda t: "garbage",
    lambda t: "x" * 500,
])
def test_me_with_a_tampered_cookie_is_401(client, mangle):
    token = login(client).cookies[auth.COOKIE_NAME]
    client.cookies.clear()
    client.cookies.set(auth.COOKIE_NAME, mangle(token))
    r = client.get(ME)
    assert "cookie" in r.request.headers
    assert r.status_code == 401 and r.json()["error"] == "auth.sign_in_required"


def test_me_with_an_expired_session_says_expired(client):
    login(client)
    run_sql(update(SignInSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    r = client.get(ME)
    assert r.status_code == 401 and r.json()["error"] == "auth.expired"


def test_wrong_password_in_chinese_by_default_and_english_on_request(client):
    r = login(client, password="wrong-password")
    assert r.status_code == 401
    assert r.json() == {"error": "auth.bad_credentials", "message": "用户名或密码不正确，请重新输入。"}
    assert auth.COOKIE_NAME not in r.cookies
    r = login(client, password="wrong-password", headers={"Cookie": "sd_lang=en"})
    assert r.status_code == 401
    assert r.json()["message"] == "Wrong username or password. Please try again."


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client):
    wrong = login(client, "officer_county", "wrong-password")
    unknown = login(client, "no_such_person", "wrong-password")
    assert (unknown.status_code, unknown.content) == (wrong.status_code, wrong.content)
    assert unknown.headers.get("content-type") == wrong.headers.get("content-type")


def test_disabled_account_is_403(client):
    run_sql(update(User).where(User.username == "supervisor").values(active=False))
    r = login(client, "supervisor")
    assert r.status_code == 403 and r.json()["error"] == "auth.account_disabled"


def test_oversize_form_is_413(client):
    r = login(client, password="x" * 5000)
    assert r.status_code == 413 and r.json()["error"] == "auth.too_large"


def test_body_without_content_length_is_413(client):
    """A chunked body could be of any size; it is refused before reading."""
    r = client.post(LOGIN, content=iter([b"username=admin&password=", PASSWORD.encode()]),
                    headers={**JSON, "Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413


@pytest.mark.parametrize(("kwargs", "why"), [
    ({"content": b"--x\r\nnot really multipart", "headers": {"Content-Type": "multipart/form-data; boundary=x"}},
     "broken multipart"),
    ({"content": b"no boundary", "headers": {"Content-Type": "multipart/form-data"}}, "multipart without boundary"),
    ({"data": {"username": "admin"}}, "no password"),
    ({"data": {"password": PASSWORD}}, "no username"),
    ({"data": {"username": "", "password": ""}}, "empty fields"),
    ({"json": {"username": "admin", "password": PASSWORD}}, "JSON instead of a form"),
    ({"files": {"username": ("u.txt", b"admin")}, "data": {"password": PASSWORD}}, "a file as the username"),
])
def test_malformed_body_is_400(client, kwargs, why):
    headers = {**JSON, **kwargs.pop("headers", {})}
    r = client.post(LOGIN, headers=headers, **kwargs)
    assert r.status_code == 400, why
    assert r.json()["error"] == "auth.malformed"
    assert auth.COOKIE_NAME not in r.cookies


@pytest.mark.parametrize("origin", ["https://evil.example", "http://testserver.evil.example", "null",
                                    "http://testserver:8080"])
def test_cross_origin_login_is_403(client, origin):
    r = login(client, headers={"Origin": origin})
    assert r.status_code == 403 and r.json()["error"] == "auth.bad_origin"
    assert auth.COOKIE_NAME not in r.cookies


def test_same_origin_login_is_allowed(client):
    assert login(client, headers={"Origin": "http://testserver"}).status_code == 200


def test_throttled_after_five_failures(client):
    for _ in range(5):
        assert login(client, password="wrong-password").status_code == 401
    r = login(client)  # the right password, too late
    assert r.status_code == 429
    body = r.json()
    assert body["error"] == "auth.throttled"
    # The message names the time to try again; Retry-After gives it in seconds.
    assert re.fullmatch(text("auth.throttled", "zh").replace("{time}", r"\d{2}:\d{2}"), body["message"])
    assert 0 < int(r.headers["retry-after"]) <= 15 * 60
    assert auth.COOKIE_NAME not in r.cookies
    # Other accounts are not locked out by this one's failures.
    assert login(client, "officer_jianbei").status_code == 200


def test_browser_failure_redirects_back_to_the_form_without_the_password(client):
    secret = "my-Secret-guess-42"
    r = login(client, "officer_county", secret, as_json=False)
    assert r.status_code == 303
    location = r.headers["location"]
    parts = urlsplit(location)
    assert parts.path == "/login"
    assert parse_qs(parts.query) == {"error": ["auth.bad_credentials"], "u": ["officer_county"]}
    everything = location + r.text + str(dict(r.headers))
    assert secret not in everything


def test_browser_redirect_cannot_be_steered_by_the_username(client):
    username = "x&error=auth.forbidden&next=https://evil.example"
    r = login(client, username, "whatever-pass", as_json=False)
    query = parse_qs(urlsplit(r.headers["location"]).query)
    assert query == {"error": ["auth.bad_credentials"], "u": [username]}


def test_browser_success_redirects_home_with_the_cookie(client):
    r = login(client, "admin", as_json=False)
    assert r.status_code == 303 and r.headers["location"] == "/admin"
    assert "httponly" in r.headers["set-cookie"].lower()
    assert client.get(ME).status_code == 200


@pytest.mark.parametrize(("kwargs", "status", "key"), [
    ({"headers": {"Origin": "https://evil.example"}}, 403, "auth.bad_origin"),
    ({"password": "x" * 5000}, 413, "auth.too_large"),
])
def test_browser_other_failures_redirect_too(client, kwargs, status, key):
    r = login(client, kwargs.get("username", "admin"), kwargs.get("password", PASSWORD), as_json=False,
              headers=kwargs.get("headers"))
    assert r.status_code == 303
    assert parse_qs(urlsplit(r.headers["location"]).query)["error"] == [key]


def test_sign_in_attempts_are_audited_with_the_client_address(client):
    login(client)
    login(client, password="wrong-password")
    with db.session_scope() as session:
        rows = session.execute(select(AuditEntry).where(AuditEntry.action.like("auth.signin%"))
                               .order_by(AuditEntry.id)).scalars().all()
        assert [(r.action, r.actor) for r in rows] == [("auth.signin", "officer_county"),
                                                       ("auth.signin_failed", "client:testclient")]
        assert rows[0].after == {"client": "testclient"}
        assert audit.verify_chain(session).ok


# --- sign out ---------------------------------------------------------------------------------------------------

def test_logout_revokes_the_session(client):
    token = login(client).cookies[auth.COOKIE_NAME]
    assert client.get(ME).status_code == 200
    r = client.post(LOGOUT, headers=JSON)
    assert r.status_code == 200 and r.json() == {"ok": True}
    assert f'{auth.COOKIE_NAME}=""' in r.headers["set-cookie"] or "max-age=0" in r.headers["set-cookie"].lower()
    assert client.get(ME).status_code == 401
    # Replaying the old cookie does not bring the session back: it is revoked on the server.
    client.cookies.clear()
    client.cookies.set(auth.COOKIE_NAME, token)
    r = client.get(ME)
    assert token in r.request.headers["cookie"] and r.status_code == 401


def test_browser_logout_redirects_home(client):
    login(client)
    r = client.post(LOGOUT)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert client.get(ME).status_code == 401


def test_cross_origin_logout_is_refused_and_keeps_the_session(client):
    login(client)
    r = client.post(LOGOUT, headers={**JSON, "Origin": "https://evil.example"})
    assert r.status_code == 403
    assert client.get(ME).status_code == 200


def test_logout_without_a_session_is_harmless(client):
    assert client.post(LOGOUT, headers=JSON).status_code == 200


# --- health -----------------------------------------------------------------------------------------------------

def test_health_ok(client):
    r = client.get(HEALTH)
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "checks": {"database": "ok"}}


@pytest.mark.parametrize("make_url", [
    lambda tmp: f"sqlite:///{tmp / 'no-such-dir' / 'deeper' / 'portal.db'}",
    lambda tmp: f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/nothing?connect_timeout=2",
], ids=["sqlite-missing-dir", "postgres-closed-port"])
def test_health_503_when_the_database_is_unreachable(portal_env, tmp_path, make_url):
    portal_env(database_url=make_url(tmp_path))
    with TestClient(api) as c:
        r = c.get(HEALTH)
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "down" and body["checks"]["database"].startswith("down: ")


def test_health_503_when_redis_is_unreachable(client, portal_env, db_file):
    portal_env(database_url=f"sqlite:///{db_file}", redis_url=f"redis://127.0.0.1:{closed_port()}/0")
    r = client.get(HEALTH)
    assert r.status_code == 503
    checks = r.json()["checks"]
    assert checks["database"] == "ok" and checks["redis"].startswith("down: ")


def test_settings_are_reread_after_cache_clear(portal_env, tmp_path):
    """The fixture's premise: DATABASE_URL changes reach the cached engine only through cache_clear."""
    portal_env(database_url=f"sqlite:///{tmp_path / 'a.db'}")
    first = db.get_engine()
    assert str(first.url).endswith("a.db") and db.get_engine() is first
    portal_env(database_url=f"sqlite:///{tmp_path / 'b.db'}")
    assert str(db.get_engine().url).endswith("b.db")
    clear_portal_caches()
