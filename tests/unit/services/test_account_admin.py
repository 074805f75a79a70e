"""Accounts managed by admins on a page (portal/accounts/services.py, queries.py): create with a one-time password,
disable, re-scope, reset, each in the admin's regions only and audited; the audit-log viewer filters, pages, keeps to
the admin's regions and records every look."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from portal.accounts import queries
from portal.accounts import services as auth
from portal.accounts.models import Role, SignInSession, User
from portal.kernel import audit
from portal.kernel.audit_models import AuditEntry
from portal.kernel.permissions import PermissionDenied
from tests import factories

pytestmark = pytest.mark.usefixtures("fast_passwords")
POLICY = auth.Policy(session_hours=8, max_failures_account=5, max_failures_client=20, window_minutes=15)


@pytest.fixture
def tree(db_session):
    return factories.region_tree(db_session)


@pytest.fixture
def county_admin(db_session, tree):
    return factories.actor_with(db_session, (Role.ADMIN, tree["130102"]), username="admin_a")


@pytest.fixture
def other_admin(db_session, tree):
    return factories.actor_with(db_session, (Role.ADMIN, tree["130104"]), username="admin_b")


def _actions(session) -> list[str]:
    return list(session.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars())


def test_an_admin_creates_an_account_whose_one_time_password_signs_in(db_session, tree, county_admin):
    user, password = auth.admin_create_user(db_session, county_admin, "officer_new", "  新 经办人 ", "officer",
                                            "130102001")
    assert user.display_name == "新 经办人" and len(password) == 16
    assert auth.sign_in(db_session, "officer_new", password, "198.51.100.1", POLICY).token
    row = db_session.execute(select(AuditEntry).where(AuditEntry.action == "user.create")
                             .order_by(AuditEntry.id.desc())).scalars().first()
    assert password not in str(row.after) and row.actor == "admin_a"


@pytest.mark.parametrize("username,name,role,region,key", [
    ("Bad Name", "x", "officer", "130102001", "accounts.err.username"),
    ("ok_name", "", "officer", "130102001", "accounts.err.display_name"),
    ("ok_name", "x", "emperor", "130102001", "accounts.err.role"),
    ("ok_name", "x", "officer", "999999", "accounts.err.region"),
    ("admin_a", "x", "officer", "130102001", "accounts.err.taken"),
    ("ok_name", "x", "window_staff", "130102001", "accounts.err.window"),
])
def test_bad_input_is_refused_with_its_own_message(db_session, tree, county_admin, username, name, role, region,
                                                   key):
    with pytest.raises(auth.AccountError) as err:
        auth.admin_create_user(db_session, county_admin, username, name, role, region)
    assert err.value.key == key


def test_window_staff_get_a_window_inside_the_region(db_session, tree, county_admin):
    win = factories.window(db_session, tree["130102001"], code="W-1")
    far = factories.window(db_session, tree["130104001"], code="W-2")
    user, _ = auth.admin_create_user(db_session, county_admin, "staff_new", "窗口 小李", "window_staff",
                                     "130102001", "W-1")
    assert user.window_id == win.id
    with pytest.raises(auth.AccountError):
        auth.admin_create_user(db_session, county_admin, "staff_far", "x", "window_staff", "130102001", far.code)


def test_nothing_outside_the_admins_regions(db_session, tree, county_admin, other_admin):
    theirs = factories.user(db_session, [(Role.OFFICER, tree["130104001"])], username="officer_b")
    for call in [lambda: auth.admin_create_user(db_session, county_admin, "x_user", "x", "officer", "130104001"),
                 lambda: auth.set_active(db_session, county_admin, theirs.id, False),
                 lambda: auth.reset_password(db_session, county_admin, theirs.id),
                 lambda: auth.add_grant(db_session, county_admin, theirs.id, "officer", "130102"),
                 lambda: auth.remove_grant(db_session, county_admin, theirs.id, theirs.grants[0].id)]:
        with pytest.raises(PermissionDenied):
            call()
    found = {a.username for a in queries.find_accounts(db_session, county_admin)}
    assert "officer_b" not in found and "admin_b" not in found and "admin_a" in found
    officer = factories.actor_with(db_session, (Role.OFFICER, tree["130102"]))
    with pytest.raises(PermissionDenied):
        queries.find_accounts(db_session, officer)


def test_disabling_ends_every_sign_in_and_enabling_restores(db_session, tree, county_admin):
    user = factories.user(db_session, [(Role.OFFICER, tree["130102001"])], username="officer_c")
    auth.sign_in(db_session, "officer_c", factories.DEFAULT_PASSWORD, "198.51.100.1", POLICY)
    auth.set_active(db_session, county_admin, user.id, False)
    assert db_session.execute(select(SignInSession).where(SignInSession.user_id == user.id)).first() is None
    assert auth.sign_in(db_session, "officer_c", factories.DEFAULT_PASSWORD, "198.51.100.1", POLICY).token is None
    auth.set_active(db_session, county_admin, user.id, True)
    assert auth.sign_in(db_session, "officer_c", factories.DEFAULT_PASSWORD, "198.51.100.1", POLICY).token
    actions = _actions(db_session)
    assert actions.index("user.disable") < actions.index("user.enable")


def test_re_scoping_adds_and_withdraws_roles_and_ends_sign_ins(db_session, tree, county_admin):
    user = factories.user(db_session, [(Role.OFFICER, tree["130102001"])], username="officer_d")
    auth.add_grant(db_session, county_admin, user.id, "officer", "130102002")
    db_session.refresh(user)
    assert {g.region.code for g in user.grants} == {"130102001", "130102002"}
    with pytest.raises(auth.AccountError) as err:
        auth.add_grant(db_session, county_admin, user.id, "officer", "130102002")
    assert err.value.key == "accounts.err.duplicate"
    auth.remove_grant(db_session, county_admin, user.id, user.grants[0].id)
    db_session.refresh(user)
    assert [g.region.code for g in user.grants] == ["130102002"]
    assert {"user.grant", "user.revoke"} <= set(_actions(db_session))


def test_a_reset_password_works_once_handed_over_and_the_old_one_stops(db_session, tree, county_admin):
    user = factories.user(db_session, [(Role.OFFICER, tree["130102001"])], username="officer_e")
    new = auth.reset_password(db_session, county_admin, user.id)
    assert auth.sign_in(db_session, "officer_e", factories.DEFAULT_PASSWORD, "198.51.100.2", POLICY).token is None
    assert auth.sign_in(db_session, "officer_e", new, "198.51.100.2", POLICY).token
    row = db_session.execute(select(AuditEntry).where(AuditEntry.action == "user.password_reset")).scalars().one()
    assert new not in str(row.after) + str(row.before)


def test_an_admin_cannot_change_their_own_account_here(db_session, county_admin):
    with pytest.raises(auth.AccountError) as err:
        auth.set_active(db_session, county_admin, county_admin.user_id, False)
    assert err.value.key == "accounts.err.self"


def test_the_region_picker_is_the_admins_tree_without_villages(db_session, tree, county_admin):
    choices = queries.region_choices(db_session, county_admin)
    assert [c.code for c in choices] == ["130102", "130102001", "130102002"]
    assert [c.depth for c in choices] == [0, 1, 1]


def test_the_audit_viewer_filters_pages_keeps_to_the_region_and_records_each_look(db_session, tree, county_admin):
    now = datetime(2026, 12, 1, 2, tzinfo=timezone.utc)
    for i in range(30):
        audit.record(db_session, "officer_x", "report.take", "report", i, region_code="130102001",
                     at=now + timedelta(minutes=i))
    audit.record(db_session, "officer_y", "report.take", "report", 99, region_code="130104001", at=now)
    audit.record(db_session, "system", "policy.set", "policy", "k", at=now)  # no region: top-level admins only
    first = auth.view_audit_log(db_session, county_admin, auth.AuditFilter(action="report."))
    assert len(first) == auth.AUDIT_PAGE + 1  # a next page exists
    assert all(r.region_code.startswith("130102") for r in first)
    second = auth.view_audit_log(db_session, county_admin, auth.AuditFilter(action="report."), page=2)
    assert len(second) == 30 - auth.AUDIT_PAGE
    one = auth.view_audit_log(db_session, county_admin, auth.AuditFilter(target="report:7"))
    assert [r.target_id for r in one] == ["7"]
    dated = auth.view_audit_log(db_session, county_admin, auth.AuditFilter(
        actor="officer_x", date_from=now + timedelta(minutes=10), date_to=now + timedelta(minutes=12)))
    assert [r.target_id for r in dated] == ["11", "10"]
    views = db_session.execute(select(AuditEntry).where(AuditEntry.action == "audit.view")).scalars().all()
    assert len(views) == 4 and views[-1].after["actor"] == "officer_x"
    province_admin = factories.actor_with(db_session, (Role.ADMIN, tree.province))
    everything = auth.view_audit_log(db_session, province_admin, auth.AuditFilter(action="policy."))
    assert [r.action for r in everything] == ["policy.set"]
    officer = factories.actor_with(db_session, (Role.OFFICER, tree["130102"]))
    with pytest.raises(PermissionDenied):
        auth.view_audit_log(db_session, officer, auth.AuditFilter())
