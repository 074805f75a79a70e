"""Staff sign-in, sessions and throttling (portal/accounts/services.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role, SignInFailure, SignInSession
from portal.kernel.audit_models import AuditEntry
from portal.kernel import audit
from portal.accounts import services as auth
from tests import factories

pytestmark = pytest.mark.usefixtures("fast_passwords")

T0 = datetime(2026, 3, 9, 2, 0, tzinfo=timezone.utc)
POLICY = auth.Policy(session_hours=8, max_failures_account=5, max_failures_client=20, window_minutes=15)
CLIENT = "203.0.113.7"


@pytest.fixture
def tree(db_session):
    return factories.region_tree(db_session)


@pytest.fixture
def officer(db_session, tree):
    return factories.user(db_session, [(Role.OFFICER, tree["130102"])], username="officer_a")


def sign_in(session, username, password=factories.DEFAULT_PASSWORD, *, client=CLIENT, now=T0, policy=POLICY):
    return auth.sign_in(session, username, password, client, policy, now=now)


def audit_actions(session) -> list[str]:
    return list(session.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars())


def failures(session, **where) -> int:
    q = select(func.count()).select_from(SignInFailure)
    for column, value in where.items():
        q = q.where(getattr(SignInFailure, column) == value)
    return session.execute(q).scalar_one()


# --- sign in and look up --------------------------------------------------------------------------------------

def test_sign_in_then_lookup(db_session, tree, officer):
    result = sign_in(db_session, "officer_a")
    assert result.error is None and result.token
    assert result.actor.username == "officer_a" and result.actor.user_id == officer.id
    assert [(g.role, g.region_code) for g in result.actor.grants] == [(Role.OFFICER, "130102")]
    assert result.actor.home == "/officer"

    found = auth.lookup(db_session, result.token, now=T0 + timedelta(minutes=1))
    assert found.status == "ok"
    assert found.actor == result.actor


def test_only_a_hash_of_the_token_is_stored(db_session, officer):
    result = sign_in(db_session, "officer_a")
    stored = db_session.execute(select(SignInSession.token_hash)).scalars().all()
    assert len(stored) == 1 and stored[0] != result.token and result.token not in stored[0]


def test_username_is_trimmed(db_session, officer):
    assert sign_in(db_session, "  officer_a ").actor.username == "officer_a"


def test_each_sign_in_gets_its_own_token(db_session, officer):
    first, second = sign_in(db_session, "officer_a"), sign_in(db_session, "officer_a")
    assert first.token != second.token
    assert auth.lookup(db_session, first.token, now=T0).status == "ok"
    assert auth.lookup(db_session, second.token, now=T0).status == "ok"


def test_wrong_password_and_unknown_user_give_the_same_error(db_session, officer):
    wrong = sign_in(db_session, "officer_a", "not-the-password")
    unknown = sign_in(db_session, "nobody_here", "not-the-password")
    assert wrong == unknown == auth.SignInResult(error="auth.bad_credentials")


@pytest.mark.parametrize(("username", "password"), [
    ("", "x"), ("   ", "x"), ("officer_a", ""),
    ("u" * (auth.MAX_USERNAME + 1), "x"), ("officer_a", "p" * (auth.MAX_PASSWORD + 1)),
])
def test_malformed_input(db_session, officer, username, password):
    assert sign_in(db_session, username, password).error == "auth.malformed"
    assert failures(db_session) == 0


def test_disabled_account(db_session, tree):
    factories.user(db_session, [(Role.OFFICER, tree["130102"])], username="gone", active=False)
    result = sign_in(db_session, "gone")
    assert result.error == "auth.account_disabled" and result.token is None
    # With a wrong password the account's state is not revealed.
    assert sign_in(db_session, "gone", "wrong-password").error == "auth.bad_credentials"


def test_account_disabled_after_sign_in_ends_the_session(db_session, officer):
    token = sign_in(db_session, "officer_a").token
    officer.active = False
    db_session.flush()
    found = auth.lookup(db_session, token, now=T0)
    assert found == auth.SessionLookup(None, "disabled")


def test_session_expiry(db_session, officer):
    token = sign_in(db_session, "officer_a").token
    just_before = T0 + timedelta(hours=POLICY.session_hours) - timedelta(seconds=1)
    assert auth.lookup(db_session, token, now=just_before).status == "ok"
    for later in (T0 + timedelta(hours=POLICY.session_hours), T0 + timedelta(days=3)):
        assert auth.lookup(db_session, token, now=later) == auth.SessionLookup(None, "expired")


def test_session_length_follows_policy(db_session, officer):
    short = auth.Policy(session_hours=1)
    token = sign_in(db_session, "officer_a", policy=short).token
    assert auth.lookup(db_session, token, now=T0 + timedelta(minutes=59)).status == "ok"
    assert auth.lookup(db_session, token, now=T0 + timedelta(minutes=61)).status == "expired"


def test_sign_out_revokes(db_session, officer):
    token = sign_in(db_session, "officer_a").token
    other = sign_in(db_session, "officer_a").token
    auth.sign_out(db_session, token)
    assert auth.lookup(db_session, token, now=T0) == auth.SessionLookup(None, "invalid")
    assert auth.lookup(db_session, other, now=T0).status == "ok"  # only that session ends
    auth.sign_out(db_session, token)  # twice is harmless and audited once
    assert audit_actions(db_session).count("auth.signout") == 1


@pytest.mark.parametrize("token", [None, ""])
def test_missing_token(db_session, officer, token):
    assert auth.lookup(db_session, token) == auth.SessionLookup(None, "missing")
    auth.sign_out(db_session, token)  # no-op
    assert "auth.signout" not in audit_actions(db_session)


def test_tampered_and_garbage_tokens_are_invalid(db_session, officer):
    token = sign_in(db_session, "officer_a").token
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (flipped, token + "x", token[:-2], "garbage", "x" * 129, "' OR 1=1 --", "\x00\uffff"):
        assert auth.lookup(db_session, bad, now=T0) == auth.SessionLookup(None, "invalid"), bad
    assert auth.lookup(db_session, token, now=T0).status == "ok"


# --- throttling -------------------------------------------------------------------------------------------------

def test_one_address_guessing_is_blocked_even_with_the_right_password(db_session, officer):
    for i in range(POLICY.max_failures_account):
        assert sign_in(db_session, "officer_a", "wrong", now=T0 + timedelta(minutes=i)).error == "auth.bad_credentials"
    later = T0 + timedelta(minutes=5)
    # The guessing address waits until its oldest counted failure leaves the window, and is told when.
    assert sign_in(db_session, "officer_a", now=later) == auth.SignInResult(error="auth.throttled",
                                                                            retry_at=T0 + timedelta(minutes=15))
    # Throttled attempts do not issue sessions.
    assert db_session.execute(select(func.count()).select_from(SignInSession)).scalar_one() == 0


def test_the_owner_from_a_fresh_address_signs_in_after_a_short_delay(db_session, officer):
    """Usernames are predictable: a stranger's five wrong passwords must not lock the owner out for the window."""
    for i in range(POLICY.max_failures_account):
        sign_in(db_session, "officer_a", "wrong", now=T0 + timedelta(minutes=i))
    last = T0 + timedelta(minutes=POLICY.max_failures_account - 1)
    owner = "198.51.100.20"
    refused = sign_in(db_session, "officer_a", client=owner, now=last + timedelta(seconds=10))
    assert refused == auth.SignInResult(error="auth.throttled", retry_at=last + timedelta(seconds=30))
    ok = sign_in(db_session, "officer_a", client=owner, now=last + timedelta(seconds=31))
    assert ok.error is None and ok.token
    # The guesser's own address is still blocked, and the owner's success did not clear its failures.
    assert sign_in(db_session, "officer_a", now=last + timedelta(seconds=31)).error == "auth.throttled"
    assert failures(db_session, username="officer_a", client=CLIENT) == POLICY.max_failures_account


def test_failures_spread_over_addresses_slow_the_account_more_each_time(db_session, officer):
    def add(n, at):
        for i in range(n):
            db_session.add(SignInFailure(username="officer_a", client=f"10.1.0.{i}", at=at))
        db_session.flush()

    add(POLICY.max_failures_account + 2, T0)  # two beyond the limit: 30 s doubled twice
    assert sign_in(db_session, "officer_a", client="10.9.9.9", now=T0).retry_at == T0 + timedelta(seconds=120)
    add(20, T0)  # never longer than the window
    assert sign_in(db_session, "officer_a", client="10.9.9.9", now=T0).retry_at == T0 + timedelta(minutes=15)
    assert sign_in(db_session, "officer_a", client="10.9.9.9", now=T0 + timedelta(minutes=15, seconds=1)).token


def test_account_throttle_lifts_when_the_window_passes(db_session, officer):
    for i in range(POLICY.max_failures_account):
        sign_in(db_session, "officer_a", "wrong", now=T0 + timedelta(minutes=i))
    # The oldest failure leaves the 15-minute window at T0+15min: 4 failures remain, below the limit.
    assert sign_in(db_session, "officer_a", now=T0 + timedelta(minutes=14, seconds=59)).error == "auth.throttled"
    result = sign_in(db_session, "officer_a", now=T0 + timedelta(minutes=15, seconds=1))
    assert result.error is None and result.token


def test_failures_below_the_limit_do_not_throttle(db_session, officer):
    for i in range(POLICY.max_failures_account - 1):
        sign_in(db_session, "officer_a", "wrong", now=T0)
    assert sign_in(db_session, "officer_a", now=T0).token


def test_throttle_is_per_account(db_session, tree, officer):
    factories.user(db_session, [(Role.OFFICER, tree["130104"])], username="officer_b")
    for i in range(POLICY.max_failures_account):
        sign_in(db_session, "officer_a", "wrong", client=f"10.0.0.{i}")
    assert sign_in(db_session, "officer_a").error == "auth.throttled"
    assert sign_in(db_session, "officer_b").token


def test_throttled_per_client_address(db_session, tree, officer):
    policy = auth.Policy(max_failures_account=100, max_failures_client=3, window_minutes=15)
    for name in ("guess1", "guess2", "guess3"):  # spraying different usernames from one address
        assert sign_in(db_session, name, "wrong", policy=policy).error == "auth.bad_credentials"
    assert sign_in(db_session, "officer_a", policy=policy).error == "auth.throttled"
    # Another address is not affected, and the window expiry lifts it for the first.
    assert sign_in(db_session, "officer_a", client="198.51.100.1", policy=policy).token
    assert sign_in(db_session, "officer_a", policy=policy, now=T0 + timedelta(minutes=16)).token


def test_success_clears_account_failures(db_session, officer):
    for _ in range(POLICY.max_failures_account - 1):
        sign_in(db_session, "officer_a", "wrong")
    assert failures(db_session, username="officer_a") == POLICY.max_failures_account - 1
    assert sign_in(db_session, "officer_a").token
    assert failures(db_session, username="officer_a") == 0
    # So the next failures start counting from zero again.
    for _ in range(POLICY.max_failures_account - 1):
        sign_in(db_session, "officer_a", "wrong")
    assert sign_in(db_session, "officer_a").token


def test_unknown_usernames_are_counted_too(db_session):
    for _ in range(POLICY.max_failures_account):
        sign_in(db_session, "ghost", "wrong")
    assert failures(db_session, username="ghost", client=CLIENT) == POLICY.max_failures_account
    assert sign_in(db_session, "ghost", "wrong").error == "auth.throttled"


# --- audit ------------------------------------------------------------------------------------------------------

def test_every_attempt_is_audited(db_session, tree, officer):
    factories.user(db_session, [(Role.OFFICER, tree["130104"])], username="off_b", active=False)
    before = len(audit_actions(db_session))
    token = sign_in(db_session, "officer_a").token
    sign_in(db_session, "officer_a", "wrong")
    sign_in(db_session, "nobody", "wrong")
    sign_in(db_session, "off_b")
    for _ in range(POLICY.max_failures_account - 1):  # with the one above: the limit
        sign_in(db_session, "officer_a", "wrong")
    sign_in(db_session, "officer_a")  # throttled
    auth.sign_out(db_session, token)
    assert audit_actions(db_session)[before:] == (
        ["auth.signin", "auth.signin_failed", "auth.signin_failed", "auth.signin_disabled"]
        + ["auth.signin_failed"] * (POLICY.max_failures_account - 1)
        + ["auth.signin_throttled", "auth.signout"]
    )
    rows = db_session.execute(
        select(AuditEntry).where(AuditEntry.action.like("auth.%")).order_by(AuditEntry.id)
    ).scalars().all()
    ok = rows[0]
    assert ok.actor == "officer_a" and ok.actor_id == officer.id and ok.after == {"client": CLIENT}
    assert rows[1].actor == f"client:{CLIENT}" and rows[1].target_id == "officer_a"
    assert rows[2].target_id == "nobody"
    # No password ever reaches the log.
    for row in rows:
        assert factories.DEFAULT_PASSWORD not in repr((row.before, row.after, row.target_id, row.actor))
    assert audit.verify_chain(db_session).ok


def test_create_user_is_audited(db_session, tree):
    user = factories.user(db_session, [(Role.WINDOW_STAFF, tree["130102001"])], username="staff_x")
    row = db_session.execute(select(AuditEntry).where(AuditEntry.action == "user.create",
                                                      AuditEntry.target_id == str(user.id))).scalar_one()
    assert row.after == {"username": "staff_x", "grants": [["window_staff", "130102001"]]}
    assert factories.DEFAULT_PASSWORD not in repr(row.after)
    assert user.password_hash.startswith("$argon2") and factories.DEFAULT_PASSWORD not in user.password_hash


def test_password_hashing():
    digest = auth.hash_password("s3cret-enough")
    assert auth.verify_password(digest, "s3cret-enough")
    assert not auth.verify_password(digest, "s3cret-enougH")
    assert not auth.verify_password("not-a-hash", "s3cret-enough")


# --- cookie header ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("header", "expected"), [
    (None, None),
    ("", None),
    ("sd_session=abc-DEF_123", "abc-DEF_123"),
    ("sd_lang=en; sd_session=tok_1; sd_large=1", "tok_1"),
    ("a=1;sd_session=tok_2", "tok_2"),
    ("sd_lang=en; other_sd_session=nope", None),
    ("sd_session_x=nope; sd_lang=zh", None),
    ("sd_lang=en", None),
])
def test_token_from_cookie_header(header, expected):
    assert auth.token_from_cookie_header(header) == expected


@pytest.mark.parametrize("header", ["sd_session", ";;;", "=;=", "sd_session=", "sd_session=;", "\x00\x01",
                                    "sd_session; x=1"])
def test_token_from_malformed_cookie_header(header):
    assert auth.token_from_cookie_header(header) is None


@pytest.mark.parametrize("other", ['prefs={"a": 1}', "name=two words", "x=\u00e9t\u00e9", 'q="unterminated', "x=\\"])
def test_unrelated_odd_cookies_do_not_hide_ours(other):
    """Browsers send other apps' cookies on the same host; odd ones must not sign our user out."""
    assert auth.token_from_cookie_header(f"{other}; sd_session=tok_3") == "tok_3"
    assert auth.token_from_cookie_header(f"sd_session=tok_3; {other}") == "tok_3"


def test_cookie_header_parsed_like_starlette_request_cookies():
    """Event handlers (raw header) and /api/ routes (request.cookies) must agree on who is signed in."""
    from starlette.requests import Request

    header = 'a="q; prefs={"x": 1}; sd_lang=en; sd_session=tok_4'
    request = Request({"type": "http", "headers": [(b"cookie", header.encode())]})
    assert auth.token_from_cookie_header(header) == request.cookies.get(auth.COOKIE_NAME) == "tok_4"


def test_garbage_cookie_value_is_an_invalid_session(db_session):
    token = auth.token_from_cookie_header('sd_session="unterminated')
    assert auth.lookup(db_session, token).status in {"missing", "invalid"}
