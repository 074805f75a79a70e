"""A staff member's recorded account number (the keyed hash the reward_to_staff rule compares) is replaced only with a
second admin's approval: the first recording is one admin's, a replacement waits as a proposal that its proposer can
withdraw but never approve, audited at each step, and shown to the admins who manage that account."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts import queries
from portal.accounts import services as accounts
from portal.accounts.models import Role, StaffAccountChange, StaffAccountMark
from portal.kernel.audit_models import AuditEntry
from portal.kernel.permissions import NotSignedIn, PermissionDenied
from tests import factories

OLD, NEW, OTHER = "6222 0213 0011 2233 445", "6222-0213-0011-9999-000", "6222021300115555666"


@pytest.fixture(autouse=True)
def secret(quiet_audit):
    """A fixed secret key and no audit listeners (tests/conftest.py)."""


@pytest.fixture
def w(db_session, fast_passwords):
    tree = factories.region_tree(db_session)
    proposer = factories.actor_with(db_session, (Role.ADMIN, tree["130102"]), username="admin_a")
    second = factories.actor_with(db_session, (Role.ADMIN, tree.province), username="admin_b")
    outsider = factories.actor_with(db_session, (Role.ADMIN, tree["130104"]), username="admin_c")
    officer = factories.actor_with(db_session, (Role.OFFICER, tree["130102001"]), username="officer_x")
    peer = factories.actor_with(db_session, (Role.OFFICER, tree["130102"]), username="officer_peer")
    db_session.commit()
    accounts.set_account_number(db_session, proposer, officer.user_id, "bank", OLD)
    return type("W", (), dict(s=db_session, tree=tree, proposer=proposer, second=second, outsider=outsider,
                              officer=officer, peer=peer))


def _mark(w, kind: str = "bank") -> str:
    return w.s.execute(select(StaffAccountMark.value_hash).where(
        StaffAccountMark.user_id == w.officer.user_id, StaffAccountMark.kind == kind)).scalar_one()


def _entries(w, action: str) -> list[AuditEntry]:
    return list(w.s.execute(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).scalars())


def _propose(w, number: str = NEW) -> StaffAccountChange:
    assert accounts.set_account_number(w.s, w.proposer, w.officer.user_id, "bank", number) == accounts.PROPOSED
    return w.s.execute(select(StaffAccountChange).where(StaffAccountChange.pending.is_(True))).scalar_one()


def test_the_first_number_is_recorded_by_one_admin(w):
    assert _mark(w) == accounts.account_hash("6222021300112233445")
    [entry] = _entries(w, "user.account_number")
    assert entry.after == {"kind": "bank", "replaced": False}
    recorded = accounts.set_account_number(w.s, w.proposer, w.officer.user_id, "phone", "138 1234 5678")
    assert recorded == accounts.RECORDED
    assert _mark(w, "phone") == accounts.account_hash("13812345678")


def test_a_replacement_waits_and_takes_effect_only_when_another_admin_approves(w):
    change = _propose(w)
    assert _mark(w) == accounts.account_hash("6222021300112233445")  # the recorded number is still the one compared
    assert change.value_hash == accounts.account_hash("6222021300119999000") and change.outcome is None
    [proposed] = _entries(w, "user.account_number_proposed")
    assert proposed.after == {"kind": "bank", "change": change.id} and proposed.actor == "admin_a"
    assert "6222" not in str(proposed.after) and "9999" not in change.value_hash

    accounts.approve_account_change(w.s, w.second, change.id)
    assert _mark(w) == accounts.account_hash("6222021300119999000")
    w.s.refresh(change)
    assert (change.pending, change.outcome, change.decided_by_id) == (None, "approved", w.second.user_id)
    applied = _entries(w, "user.account_number")[-1]
    assert applied.actor == "admin_b"
    assert applied.after == {"kind": "bank", "replaced": True, "change": change.id,
                             "proposed_by": w.proposer.user_id}


def test_the_proposer_cannot_approve_their_own_replacement(w):
    change = _propose(w)
    with pytest.raises(accounts.AccountError) as refused:
        accounts.approve_account_change(w.s, w.proposer, change.id)
    assert refused.value.key == "accounts.err.change_own"
    assert _mark(w) == accounts.account_hash("6222021300112233445") and change.pending is True
    assert _entries(w, "user.account_number")[-1].after["replaced"] is False


def test_only_an_admin_managing_the_account_may_decide_and_never_about_their_own_number(w):
    change = _propose(w)
    for who in (w.outsider, w.officer, w.peer):  # another county's admin; officers (the staff member among them)
        with pytest.raises(PermissionDenied):
            accounts.approve_account_change(w.s, who, change.id)
        with pytest.raises(PermissionDenied):
            accounts.reject_account_change(w.s, who, change.id)
    with pytest.raises(NotSignedIn):
        accounts.approve_account_change(w.s, None, change.id)
    with pytest.raises(PermissionDenied):
        accounts.approve_account_change(w.s, w.second, change.id + 1000)  # no such change
    # An admin's own number: a colleague proposes, and the admin it is about may not approve it.
    accounts.set_account_number(w.s, w.second, w.proposer.user_id, "bank", OTHER)
    assert accounts.set_account_number(w.s, w.second, w.proposer.user_id, "bank", NEW) == accounts.PROPOSED
    own = w.s.execute(select(StaffAccountChange).where(StaffAccountChange.user_id == w.proposer.user_id)).scalar_one()
    with pytest.raises(accounts.AccountError) as refused:
        accounts.approve_account_change(w.s, w.proposer, own.id)
    assert refused.value.key == "accounts.err.self"
    assert _mark(w) == accounts.account_hash("6222021300112233445")


def test_one_waiting_replacement_per_kind_and_a_decided_one_is_not_decided_again(w):
    change = _propose(w)
    with pytest.raises(accounts.AccountError) as refused:
        accounts.set_account_number(w.s, w.second, w.officer.user_id, "bank", OTHER)
    assert refused.value.key == "accounts.err.change_waiting"
    assert len(_entries(w, "user.account_number_proposed")) == 1
    accounts.reject_account_change(w.s, w.second, change.id)
    w.s.refresh(change)
    assert (change.pending, change.outcome) == (None, "rejected")
    assert _entries(w, "user.account_number_rejected")[-1].after == {"kind": "bank", "change": change.id,
                                                                      "outcome": "rejected"}
    for decide in (accounts.approve_account_change, accounts.reject_account_change):
        with pytest.raises(accounts.AccountError) as refused:
            decide(w.s, w.second, change.id)
        assert refused.value.key == "accounts.err.change_closed"
    assert _mark(w) == accounts.account_hash("6222021300112233445")
    # Once decided, a new replacement may be proposed; its proposer may withdraw it.
    again = _propose(w, OTHER)
    accounts.reject_account_change(w.s, w.proposer, again.id)
    w.s.refresh(again)
    assert again.outcome == "withdrawn" and _mark(w) == accounts.account_hash("6222021300112233445")


def test_the_waiting_replacements_are_listed_for_the_admins_who_manage_the_account(w):
    change = _propose(w)
    [mine] = queries.waiting_account_changes(w.s, w.proposer)
    assert (mine.id, mine.username, mine.kind, mine.proposed_by, mine.mine) == (change.id, "officer_x", "bank",
                                                                                "admin_a", True)
    [theirs] = queries.waiting_account_changes(w.s, w.second)
    assert theirs.id == change.id and theirs.mine is False
    assert queries.waiting_account_changes(w.s, w.outsider) == []
    [line] = [a for a in queries.find_accounts(w.s, w.second, "officer_x")]
    assert line.account_kinds == ("bank",) and line.waiting_kinds == ("bank",)
    accounts.approve_account_change(w.s, w.second, change.id)
    assert queries.waiting_account_changes(w.s, w.second) == []
    with pytest.raises(PermissionDenied):
        queries.waiting_account_changes(w.s, w.officer)


@pytest.mark.parametrize("shaping", ["create", "grant", "password_reset"])
def test_an_admin_the_proposer_created_granted_or_reset_is_not_a_second_person(w, shaping):
    """Else one admin could make (or take over) a second admin account and approve their own replacement."""
    if shaping == "create":
        made, _password = accounts.admin_create_user(w.s, w.proposer, username="admin_made",
                                                     display_name="新管理员", role=Role.ADMIN, region_code="130102")
        approver_id = made.id
    else:
        approver_id = factories.user(w.s, username="admin_peer").id
        w.s.commit()
        if shaping == "grant":
            accounts.add_grant(w.s, w.proposer, approver_id, Role.ADMIN, "130102")
        else:
            accounts.add_grant(w.s, w.second, approver_id, Role.ADMIN, "130102")
            accounts.reset_password(w.s, w.proposer, approver_id)
    approver = factories.actor(w.s, w.s.get(accounts.User, approver_id))
    change = _propose(w)
    with pytest.raises(accounts.AccountError) as refused:
        accounts.approve_account_change(w.s, approver, change.id)
    assert refused.value.key == "accounts.err.change_not_independent"
    assert _mark(w) == accounts.account_hash("6222021300112233445")
    accounts.approve_account_change(w.s, w.second, change.id)  # an independent admin still can
    assert _mark(w) == accounts.account_hash("6222021300119999000")


def test_a_proposal_by_an_admin_since_disabled_cannot_be_approved(w):
    change = _propose(w)
    accounts.set_active(w.s, w.second, w.proposer.user_id, False)
    with pytest.raises(accounts.AccountError) as refused:
        accounts.approve_account_change(w.s, w.second, change.id)
    assert refused.value.key == "accounts.err.change_stale"
    assert _mark(w) == accounts.account_hash("6222021300112233445")


def test_two_admins_recording_the_first_number_at_once_get_a_message_not_a_crash(w):
    """The second insert meets the first on the unique key: a domain refusal, and the first number stands."""
    real_execute = w.s.execute
    hidden = {"done": False}

    def first_look_sees_nothing(statement, *args, **kwargs):
        result = real_execute(statement, *args, **kwargs)
        if not hidden["done"] and "staff_account_mark" in str(statement) and "SELECT" in str(statement).upper():
            hidden["done"] = True
            return type("Empty", (), {"scalar_one_or_none": staticmethod(lambda: None)})()
        return result

    w.s.execute = first_look_sees_nothing
    try:
        with pytest.raises(accounts.AccountError) as refused:
            accounts.set_account_number(w.s, w.second, w.officer.user_id, "bank", OTHER)
    finally:
        del w.s.execute
    assert refused.value.key == "accounts.err.number_just_recorded"
    assert _mark(w) == accounts.account_hash("6222021300112233445")
