"""Staff account numbers as keyed hashes, the reward_to_staff rule at its boundary, a rule's reviewing level, and
recording the outcome of a referral made from the board (who may, once, and what reads it)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from portal.accounts import services as accounts
from portal.accounts.models import Role, StaffAccountChange, StaffAccountMark, User
from portal.annual import services as annual
from portal.kernel import audit
from portal.kernel.audit_models import AuditEntry
from portal.kernel.permissions import PermissionDenied
from portal.reports.models import Report, ReportCategory, ReportReward, ReportStatus, RewardStatus
from portal.supervision import queries, services as sup
from portal.supervision.models import MonitoringItem
from tests import factories

T0 = datetime(2026, 3, 9, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 in China
VILLAGE, TOWNSHIP, OTHER_TOWNSHIP, COUNTY = "130102001001", "130102001", "130102002", "130102"
CARD = "6222 0213 0011 2233 445"


@pytest.fixture(autouse=True)
def secret(quiet_audit, monkeypatch, db_url, tmp_path):
    """The read models open their own unit of work: on this test's database file."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    from tests.conftest import clear_portal_caches

    clear_portal_caches()


@pytest.fixture
def w(db_session, fast_passwords):
    tree = factories.region_tree(db_session)
    admin = factories.actor_with(db_session, (Role.ADMIN, tree.province))
    handler = factories.actor_with(db_session, (Role.OFFICER, tree[TOWNSHIP]))
    colleague = factories.actor_with(db_session, (Role.OFFICER, tree[TOWNSHIP]))
    approver = factories.actor_with(db_session, (Role.OFFICER, tree[COUNTY]))
    elsewhere = factories.actor_with(db_session, (Role.OFFICER, tree[OTHER_TOWNSHIP]))
    finance = factories.actor_with(db_session, (Role.FINANCE, tree[COUNTY]))
    county_reviewer = factories.actor_with(db_session, (Role.OFFICER, tree[COUNTY]))
    db_session.commit()
    return type("W", (), dict(s=db_session, tree=tree, admin=admin, handler=handler, colleague=colleague,
                              approver=approver, elsewhere=elsewhere, finance=finance,
                              county_reviewer=county_reviewer))


def _paid_reward(w, payout: str, at: datetime = T0):
    """A report handled by the township, its reward decided, approved, claimed with `payout` and paid: the
    `report.reward_paid` audit row (what the rule watches)."""
    r = Report(receipt_code=f"{len(w.s.execute(select(Report)).all()) + 1:016d}", secret_hash="x" * 64,
               category=ReportCategory.FRAUD, subject="某户", subject_key="k", description="d" * 20,
               region_id=w.tree[VILLAGE].id, handler_region_id=w.tree[TOWNSHIP].id, handler_path=w.tree[TOWNSHIP].path,
               status=ReportStatus.CONCLUDED, owner_id=w.handler.user_id, concluded_by=w.handler.user_id,
               acknowledge_due=date(2026, 2, 16), conclude_due=date(2026, 3, 30), device_hash="d" * 64,
               client_hash="c" * 64, created_at=at - timedelta(days=30))
    w.s.add(r)
    w.s.flush()
    w.s.add(ReportReward(report_id=r.id, status=RewardStatus.PAID, amount_fen=500_00, basis="b",
                         decided_by=w.handler.user_id, decided_at=at - timedelta(days=5), approved_by=w.approver.user_id,
                         approved_at=at - timedelta(days=4), claimed_at=at - timedelta(days=3), payout_details=payout,
                         paid_on=at.date(), payment_ref="P-1", paid_by=w.finance.user_id))
    w.s.flush()
    for action, who, days in (("report.reward_decide", w.handler, 5), ("report.reward_approve", w.approver, 4)):
        audit.record(w.s, who, action, "report", r.id, region_code=TOWNSHIP, at=at - timedelta(days=days))
    return r, audit.record(w.s, w.finance, "report.reward_paid", "report", r.id, region_code=TOWNSHIP, at=at)


def _rule_items(w, entry) -> list[MonitoringItem]:
    return [i for i in sup.evaluate(w.s, entry) if i.rule == "reward_to_staff"]


# --- staff account numbers --------------------------------------------------------------------------------------

def test_a_staff_account_number_is_kept_only_as_a_keyed_hash_and_the_change_is_audited(w):
    accounts.set_account_number(w.s, w.admin, w.colleague.user_id, "bank", CARD)
    row = w.s.execute(select(StaffAccountMark).where(StaffAccountMark.user_id == w.colleague.user_id)).scalar_one()
    assert row.kind == "bank" and len(row.value_hash) == 64 and "6222" not in row.value_hash
    assert row.value_hash == accounts.account_hash("6222021300112233445")  # spaces or not, the same number
    entry = w.s.execute(select(AuditEntry).where(AuditEntry.action == "user.account_number")).scalar_one()
    assert entry.after == {"kind": "bank", "replaced": False} and "6222" not in str(entry.before or "")
    # A replacement waits for a second admin (tests/unit/services/test_account_number_changes.py).
    assert accounts.set_account_number(w.s, w.admin, w.colleague.user_id, "bank", "6222 0213 0011 9999 000") \
        == accounts.PROPOSED
    second = factories.actor_with(w.s, (Role.ADMIN, w.tree.province))
    change = w.s.execute(select(StaffAccountChange)).scalar_one()
    accounts.approve_account_change(w.s, second, change.id)
    assert w.s.execute(select(StaffAccountMark).where(StaffAccountMark.user_id == w.colleague.user_id)
                       ).scalar_one().value_hash == accounts.account_hash("6222021300119999000")
    for bad in ("12345", "6222021300112233445 13812345678"):  # no account number; two at once
        with pytest.raises(accounts.AccountError):
            accounts.set_account_number(w.s, w.admin, w.colleague.user_id, "bank", bad)
    with pytest.raises(PermissionDenied):
        accounts.set_account_number(w.s, w.handler, w.colleague.user_id, "bank", CARD)


# --- the rule: a reward paid to the handling office's own staff ---------------------------------------------------

def test_a_reward_paid_to_a_colleague_of_the_handling_office_is_a_hit_for_the_level_above(w):
    accounts.set_account_number(w.s, w.admin, w.colleague.user_id, "bank", CARD)
    _report, paid = _paid_reward(w, f"工商银行石家庄分行 卡号{CARD.replace(' ', '-')}")
    [item] = _rule_items(w, paid)
    assert item.review_path == w.tree[COUNTY].path and item.region_path == w.tree[TOWNSHIP].path
    assert item.facts == {"report": _report.id, "staff": 1, "kinds": "bank"}
    assert w.colleague.user_id in item.about_user_ids and w.handler.user_id in item.about_user_ids
    assert paid.id in item.evidence and len(item.evidence) == 3  # decided, approved, paid


def test_one_digit_off_or_a_holder_outside_the_handling_office_is_no_hit(w):
    accounts.set_account_number(w.s, w.admin, w.colleague.user_id, "bank", CARD)
    _r, paid = _paid_reward(w, "6222 0213 0011 2233 446")
    assert _rule_items(w, paid) == []
    accounts.set_account_number(w.s, w.admin, w.colleague.user_id, "bank", "6222 0213 0011 0000 001")
    second = factories.actor_with(w.s, (Role.ADMIN, w.tree.province))
    accounts.approve_account_change(w.s, second, w.s.execute(select(StaffAccountChange.id)).scalar_one())
    accounts.set_account_number(w.s, w.admin, w.elsewhere.user_id, "bank", CARD)  # another township's officer
    _r, paid = _paid_reward(w, CARD)
    assert _rule_items(w, paid) == []
    _r, paid = _paid_reward(w, "到建北街道便民服务中心窗口凭受理码领取")  # no account at all
    assert _rule_items(w, paid) == []


def test_the_handling_officers_phone_on_the_account_counts_and_the_threshold_is_the_setting(w):
    w.s.get(User, w.approver.user_id).phone = "138 1234 5678"  # the county officer who approved it
    _r, paid = _paid_reward(w, "微信转账 手机号 +86 13812345678")
    [item] = _rule_items(w, paid)
    assert item.facts["kinds"] == "phone" and w.approver.user_id in item.about_user_ids
    sup.set_rule(w.s, w.admin, "reward_to_staff", True, 2, 365, reason="两个以上账户一致才提示")
    _r, paid = _paid_reward(w, "13812345678")
    assert _rule_items(w, paid) == []  # one matching holder, threshold 2


def test_the_sweep_finds_a_reward_paid_while_no_hook_listened(w):
    accounts.set_account_number(w.s, w.admin, w.colleague.user_id, "id", "13010219800101123X")
    _paid_reward(w, "身份证 13010219800101123x")
    looked, opened = sup.sweep(w.s)
    assert opened == 1 and w.s.execute(select(MonitoringItem.rule)).scalar_one() == "reward_to_staff"
    assert sup.sweep(w.s) == (0, 0)


@pytest.mark.parametrize("level, expected", [("above", COUNTY), ("city", "1301"), ("province", "13")])
def test_the_reviewing_level_is_the_rules_setting(w, level, expected):
    accounts.set_account_number(w.s, w.admin, w.colleague.user_id, "bank", CARD)
    sup.set_rule(w.s, w.admin, "reward_to_staff", True, 1, 365, reason="按省厅要求调整复核层级",
                 review_level=level)
    _r, paid = _paid_reward(w, CARD)
    [item] = _rule_items(w, paid)
    assert item.review_path == w.tree[expected].path


def test_a_rule_change_needs_a_reason_and_a_province_admin_and_is_audited_with_both(w):
    city_admin = factories.actor_with(w.s, (Role.ADMIN, w.tree.city))
    with pytest.raises(sup.SupervisionError) as err:
        sup.set_rule(w.s, w.admin, "reward_to_staff", True, 1, 365, reason="")
    assert err.value.key == "sup.err_rule_reason"
    with pytest.raises(sup.SupervisionError):
        sup.set_rule(w.s, w.admin, "reward_to_staff", True, 1, 365, reason="理由充分", review_level="county")
    with pytest.raises(PermissionDenied):
        sup.set_rule(w.s, city_admin, "reward_to_staff", False, 1, 365, reason="市里想关掉")
    sup.set_rule(w.s, w.admin, "reward_to_staff", False, 1, 365, reason="试点期间暂停", review_level="city")
    w.s.commit()
    entry = w.s.execute(select(AuditEntry).where(AuditEntry.action == "supervision.rule_set")).scalar_one()
    assert entry.after["reason"] == "试点期间暂停" and entry.after["review_level"] == "city"
    [row] = [r for r in queries.rule_settings(w.admin) if r.key == "reward_to_staff"]
    assert (row.enabled, row.review_level, row.reason) == (False, "city", "试点期间暂停")
    with pytest.raises(PermissionDenied):
        queries.rule_settings(city_admin)


# --- a referral from the board and its outcome ---------------------------------------------------------------------

@pytest.fixture
def referred(w):
    """The township colleague's account took a reward: the county refers the hit from the board."""
    accounts.set_account_number(w.s, w.admin, w.colleague.user_id, "bank", CARD)
    _r, paid = _paid_reward(w, CARD)
    [item] = _rule_items(w, paid)
    ref = sup.refer_item(w.s, w.county_reviewer, item.id, target="建北街道低保经办人",
                         grounds="举报奖励发放到经办单位工作人员本人银行卡。", body="长安区纪委监委", now=T0)
    w.s.commit()
    return ref


DECISION = dict(decision_no="长纪〔2026〕12号", decided_by="长安区纪委监委")


def test_the_reviewing_level_records_a_board_referrals_outcome_once(w, referred):
    shown = {r.id: r for r in queries.referrals_for(w.county_reviewer, COUNTY)}[referred.id]
    assert shown.source == "item" and shown.source_ref == "reward_to_staff" and shown.recordable
    assert not {r.id: r for r in queries.referrals_for(w.approver, COUNTY)}[referred.id].recordable  # about them
    with pytest.raises(sup.SupervisionError) as err:  # the approver's own act is in question
        sup.record_accountability(w.s, w.approver, referred.id, "notice", date(2026, 3, 20), **DECISION)
    assert err.value.key == "sup.err_self"
    with pytest.raises(PermissionDenied):  # a township officer is not the reviewing level
        sup.record_accountability(w.s, w.elsewhere, referred.id, "notice", date(2026, 3, 20), **DECISION)
    for day, fields, key in ((date(2026, 3, 8), DECISION, "sup.err_decided_on"),  # before the referral
                             (date(2026, 3, 20), {**DECISION, "decision_no": ""}, "sup.err_decision_no"),
                             (date(2026, 3, 20), {**DECISION, "decided_by": ""}, "sup.err_decided_by")):
        with pytest.raises(sup.SupervisionError) as err:
            sup.record_accountability(w.s, w.county_reviewer, referred.id, "notice", day, **fields)
        assert err.value.key == key
    sup.record_accountability(w.s, w.county_reviewer, referred.id, "notice", date(2026, 3, 20), **DECISION)
    assert (referred.outcome, referred.decision_no, referred.decided_by, referred.outcome_recorded_by) == (
        "notice", "长纪〔2026〕12号", "长安区纪委监委", w.county_reviewer.user_id)
    entry = w.s.execute(select(AuditEntry).where(AuditEntry.action == "supervision.accountability")).scalar_one()
    assert entry.region_code == TOWNSHIP and entry.after["decision_no"] == "长纪〔2026〕12号"
    assert entry.after["item"] == referred.item_id
    with pytest.raises(sup.SupervisionError) as err:  # recorded once: notices and reports already count it
        sup.record_accountability(w.s, w.county_reviewer, referred.id, "judicial", date(2026, 3, 21), **DECISION)
    assert err.value.key == "sup.err_closed"
    w.s.commit()
    shown = {r.id: r for r in queries.referrals_for(w.county_reviewer, COUNTY)}[referred.id]
    assert (shown.outcome, shown.decided_on, shown.recordable) == ("notice", "2026-03-20", False)


def test_a_recorded_outcome_feeds_the_annual_figures_and_the_notice_desk(w, referred):
    sup.record_accountability(w.s, w.county_reviewer, referred.id, "admonition", date(2026, 3, 20), **DECISION)
    w.s.commit()
    figures = annual.figures(w.s, w.tree[COUNTY], 2026)
    assert figures["supervision"]["referrals"] == 1 and figures["accountability"] == {"admonition": 1}
    desk = queries.notice_desk(w.county_reviewer)
    assert [c.key for c in desk.referrals if c.id == referred.id] == ["sup.acc.admonition"]
