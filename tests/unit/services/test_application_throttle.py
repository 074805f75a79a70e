"""Wrong secrets when resuming or tracking an application (services/applications.open_for_resident): counted per
application number and per client address through the same lookup_throttle as report receipts, in their own
buckets; over the limit even the right secret waits for the window to pass."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from portal.accounts.models import SignInFailure
from portal.kernel.audit_models import AuditEntry
from portal.applications import services as svc
from tests.unit.services.test_applications import at, draft, world  # noqa: F401 (fixture)

NOW = at(2026, 3, 2)


def _open(db_session, number, secret, client="10.0.0.1", now=NOW):
    return svc.open_for_resident(db_session, number, secret, client=client, now=now)


def _raises(fn, key):
    try:
        fn()
    except svc.ApplicationError as exc:
        assert exc.key == key
    else:
        raise AssertionError(f"{key} not raised")


def test_five_wrong_secrets_lock_the_number_even_for_the_right_secret(db_session, world):  # noqa: F811
    app, secret = draft(db_session, world)
    assert _open(db_session, app.number, secret) is app
    for i in range(5):
        assert _open(db_session, app.number, f"wrong{i}", client=f"10.0.1.{i}") is None
    _raises(lambda: _open(db_session, app.number, secret, client="10.9.9.9"), "apply.err_throttled")
    # Another application is not affected; the window passes.
    other, other_secret = draft(db_session, world)
    assert _open(db_session, other.number, other_secret, client="10.9.9.9") is other
    assert _open(db_session, app.number, secret, now=NOW + timedelta(minutes=16)) is app
    actions = set(db_session.execute(select(AuditEntry.action)).scalars())
    assert {"apply.track_failed", "apply.track_throttled"} <= actions


def test_one_address_guessing_does_not_lock_the_holder_out(db_session, world):  # noqa: F811
    app, secret = draft(db_session, world)
    for i in range(5):
        assert _open(db_session, app.number, f"wrong{i}", client="10.0.0.66", now=NOW + timedelta(seconds=i)) is None
    try:
        _open(db_session, app.number, secret, client="10.0.0.66", now=NOW + timedelta(minutes=1))
    except svc.ApplicationError as exc:
        assert exc.key == "apply.err_throttled" and exc.retry_at  # told when to try again
    else:
        raise AssertionError("the guessing address opened the application")
    assert _open(db_session, app.number, secret, client="10.0.0.67", now=NOW + timedelta(minutes=1)) is app


def test_twenty_wrong_look_ups_from_one_address_lock_that_address_only(db_session, world):  # noqa: F811
    app, secret = draft(db_session, world)
    for i in range(20):
        assert _open(db_session, f"SQGUESS{i:03d}", "x" * 16, client="10.0.0.7") is None
    _raises(lambda: _open(db_session, app.number, secret, client="10.0.0.7"), "apply.err_throttled")
    assert _open(db_session, app.number, secret, client="10.0.0.8") is app
    # Their own bucket: the staff behind that address can still sign in, and report receipts are not used up.
    rows = db_session.execute(select(SignInFailure.username, SignInFailure.client)).all()
    assert all(u.startswith("apply:") and c == "apply:10.0.0.7" for u, c in rows)
    for bucket in ("10.0.0.7", "report:10.0.0.7"):
        assert db_session.execute(select(func.count()).select_from(SignInFailure)
                                  .where(SignInFailure.client == bucket)).scalar_one() == 0


def test_the_stored_credentials_of_a_tab_are_not_counted(db_session, world):  # noqa: F811
    """resume() (every wizard event re-opens the draft with the tab's backend-held secret) counts nothing."""
    app, secret = draft(db_session, world)
    for _ in range(10):
        assert svc.resume(db_session, app.number, "wrong") is None
    assert _open(db_session, app.number, secret) is app


def test_wrong_secrets_of_either_form_are_counted_and_an_old_secret_opens_through_the_throttle(db_session, world):  # noqa: F811,E501
    """The grouped form changes nothing about throttling: each wrong try counts once whatever it looks like, the
    right secret typed loosely counts nothing, and an old 16-character secret still opens its draft."""
    app, secret = draft(db_session, world)
    old_app, _ = draft(db_session, world)
    old = "k3m9x2qpw7hn4rtd"
    old_app.secret_hash = svc._hash(old_app.number, old)
    assert _open(db_session, app.number, secret.lower().replace("-", " ")) is app
    assert _open(db_session, old_app.number, old.upper()) is old_app
    assert db_session.execute(select(func.count()).select_from(SignInFailure)).scalar_one() == 0
    for i, wrong in enumerate(("ZZZZ-ZZZZ", "zzzzzzzz", "k3m9x2qpw7hn4rtX", "wrong")):
        assert _open(db_session, app.number, wrong, client=f"10.0.2.{i}") is None
    assert _open(db_session, app.number, old, client="10.0.2.9") is None  # another draft's secret: the 5th
    _raises(lambda: _open(db_session, app.number, secret, client="10.9.9.9"), "apply.err_throttled")
    assert _open(db_session, old_app.number, old, client="10.9.9.9") is old_app
