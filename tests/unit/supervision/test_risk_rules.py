"""Each risk rule at its boundary, the hook and the sweep, and who may see and close a monitoring item."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.kernel import audit
from portal.kernel.audit_models import AuditEntry
from portal.kernel.permissions import PermissionDenied
from portal.register import services as register
from portal.reports.models import Report, ReportCategory, ReportStatus
from portal.roster import services as roster
from portal.supervision import rules, services as sup
from portal.supervision.models import MonitoringItem
from tests import factories

T0 = datetime(2026, 3, 9, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 in China, no holiday for weeks
VILLAGE, TOWNSHIP, COUNTY = "130102001001", "130102001", "130102"


@pytest.fixture(autouse=True)
def secret(quiet_audit):
    """A fixed secret key and no audit listeners (tests/conftest.py): each test installs the hook when it wants it."""


@pytest.fixture
def w(db_session, fast_passwords, tmp_path):
    tree = factories.region_tree(db_session)
    a = factories.actor_with(db_session, (Role.OFFICER, tree[TOWNSHIP]), (Role.OFFICER, tree[COUNTY]))
    b = factories.actor_with(db_session, (Role.OFFICER, tree[COUNTY]))
    city = factories.actor_with(db_session, (Role.OFFICER, tree.city))
    other = factories.actor_with(db_session, (Role.OFFICER, tree["130104"]))
    inspector_other = factories.actor_with(db_session, (Role.INSPECTOR, tree["130104"]))
    db_session.commit()
    return type("W", (), dict(s=db_session, tree=tree, a=a, b=b, city=city, other=other,
                              inspector_other=inspector_other, store=tmp_path / "private"))


def act(w, actor, action, target_type, target_id, at, region=VILLAGE, after=None) -> AuditEntry:
    return audit.record(w.s, actor, action, target_type, target_id, region_code=region, at=at, after=after)


def hits(w, entry) -> list[MonitoringItem]:
    return sup.evaluate(w.s, entry)


# --- A/B separation -------------------------------------------------------------------------------------------

def test_ab_separation_hits_when_the_surveyor_decides(w):
    act(w, w.a, "application.home_survey", "application", "A-1", T0)
    decided = act(w, w.a, "application.county_decision", "application", "A-1", T0 + timedelta(days=20))
    [item] = hits(w, decided)
    assert item.rule == "ab_separation" and item.about_user_ids == [w.a.user_id]
    assert item.review_path == w.tree.city.path  # the county decided: the city reviews
    assert set(item.evidence) == {decided.id, decided.id - 1}


def test_ab_separation_quiet_when_another_officer_decides(w):
    act(w, w.a, "application.home_survey", "application", "A-2", T0)
    decided = act(w, w.b, "application.county_decision", "application", "A-2", T0 + timedelta(days=20))
    assert hits(w, decided) == []


# --- decided too fast -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("days_later, hit", [(7, True), (8, False)])  # Mon +7 d = Mon (5 WD), +8 d = Tue (6 WD)
def test_too_fast_at_its_boundary(w, days_later, hit):
    act(w, w.a, "application.accept", "application", "A-3", T0)
    decided = act(w, w.b, "application.county_decision", "application", "A-3", T0 + timedelta(days=days_later))
    found = [i for i in hits(w, decided) if i.rule == "too_fast"]
    assert bool(found) is hit
    if hit:
        assert found[0].facts == {"working_days": 5, "minimum": rules.RULES_BY_KEY["too_fast"].threshold}


# --- withdrawn within hours -----------------------------------------------------------------------------------

def _published(w, name="张三") -> int:
    return factories.publicity_batch(w.s, w.a, w.tree[TOWNSHIP], [(name, VILLAGE)], now=T0, store_dir=w.store)


@pytest.mark.parametrize("after, hit", [(timedelta(hours=24), True), (timedelta(hours=24, seconds=1), False)])
def test_quick_withdraw_at_its_boundary(w, after, hit):
    _published(w)
    from portal.roster.models import RosterEntry
    entry = w.s.execute(select(RosterEntry)).scalars().one()
    roster.withdraw_entry(w.s, w.a, entry.public_id, "写错了姓名需要重新公示", now=T0 + after)
    row = w.s.execute(select(AuditEntry).where(AuditEntry.action == "roster.entry_withdraw")).scalar_one()
    found = hits(w, row)
    assert bool(found) is hit
    if hit:
        assert found[0].review_path == w.tree[COUNTY].path and found[0].facts["hours"] == 24
        assert len(found[0].evidence) == 2  # the publication and the withdrawal


# --- a report about an officer cleared by that officer's own office -------------------------------------------

def _report(w, about_staff=True, anonymous=True, reporter=None, created=T0) -> Report:
    r = Report(receipt_code=f"{len(w.s.execute(select(Report)).all()):016d}", secret_hash="x" * 64,
               category=ReportCategory.STAFF_MISCONDUCT, subject="某工作人员", subject_key="k", about_staff=about_staff,
               description="d" * 20, region_id=w.tree[VILLAGE].id, handler_region_id=w.tree[COUNTY].id,
               handler_path=w.tree[COUNTY].path, anonymous=anonymous, reporter_name=reporter,
               status=ReportStatus.ACKNOWLEDGED, acknowledge_due=date(2026, 3, 16), conclude_due=date(2026, 4, 30),
               device_hash="d" * 64, client_hash="c" * 64, created_at=created)
    w.s.add(r)
    w.s.flush()
    act(w, "resident", "report.file", "report", r.id, created, region=COUNTY)
    return r


def test_unfounded_by_the_officers_own_township_is_a_hit(w):
    r = _report(w)
    township_only = factories.actor_with(w.s, (Role.OFFICER, w.tree[TOWNSHIP]))
    row = act(w, township_only, "report.conclude", "report", r.id, T0 + timedelta(days=3), region=COUNTY,
              after={"outcome": "unfounded"})
    [item] = hits(w, row)
    assert item.rule == "own_office_unfounded" and item.review_path == w.tree[COUNTY].path


@pytest.mark.parametrize("outcome, about_staff", [("unfounded", False), ("substantiated", True)])
def test_own_office_rule_needs_staff_and_unfounded(w, outcome, about_staff):
    r = _report(w, about_staff=about_staff)
    township_only = factories.actor_with(w.s, (Role.OFFICER, w.tree[TOWNSHIP]))
    row = act(w, township_only, "report.conclude", "report", r.id, T0, region=COUNTY, after={"outcome": outcome})
    assert hits(w, row) == []


def test_unfounded_by_the_level_above_is_not_a_hit(w):
    r = _report(w)
    row = act(w, w.b, "report.conclude", "report", r.id, T0, region=COUNTY, after={"outcome": "unfounded"})
    assert hits(w, row) == []


# --- a window held for bursts again and again -----------------------------------------------------------------

@pytest.mark.parametrize("spread_days, hit", [(29, True), (30, False)])
def test_burst_repeat_counts_within_its_window(w, spread_days, hit):
    win = factories.window(w.s, w.tree[TOWNSHIP])
    act(w, "system", "rating.burst_flagged", "service_window", win.id, T0, region=None)
    act(w, "system", "rating.burst_flagged", "service_window", win.id, T0 + timedelta(days=10), region=None)
    third = act(w, "system", "rating.burst_flagged", "service_window", win.id, T0 + timedelta(days=spread_days),
                region=None)
    found = hits(w, third)
    assert bool(found) is hit
    if hit:
        assert found[0].facts["flags"] == 3 and found[0].review_path == w.tree[COUNTY].path


def test_two_bursts_are_not_yet_a_pattern(w):
    win = factories.window(w.s, w.tree[TOWNSHIP])
    act(w, "system", "rating.burst_flagged", "service_window", win.id, T0, region=None)
    second = act(w, "system", "rating.burst_flagged", "service_window", win.id, T0 + timedelta(days=1), region=None)
    assert hits(w, second) == []


# --- retaliation watch ----------------------------------------------------------------------------------------

HEAD = "130102197403150011"


def _household(w, code="H-1"):
    return register.admit(w.s, w.b, register.Admission(code, None, VILLAGE, "张建国", 900_00, date(2026, 1, 1),
                                                       (register.NewMember("张建国", "head", HEAD),)), now=T0)


@pytest.mark.parametrize("days, anonymous, hit", [(180, False, True), (181, False, False), (10, True, False)])
def test_retaliation_watch_at_its_boundary(w, days, anonymous, hit):
    _household(w)
    _report(w, about_staff=False, anonymous=anonymous, reporter=None if anonymous else "张建国", created=T0)
    register.stop(w.s, w.b, "H-1", "家庭收入已超过标准", now=T0 + timedelta(days=days))
    row = w.s.execute(select(AuditEntry).where(AuditEntry.action == "register.stop")).scalar_one()
    found = hits(w, row)
    assert bool(found) is hit
    if hit:
        assert found[0].rule == "retaliation" and found[0].about_user_ids == [w.b.user_id]
        assert "张建国" not in str(found[0].facts)  # the item carries figures, never the reporter's name


# --- many households added by one officer in one village ------------------------------------------------------

@pytest.mark.parametrize("count, hit", [(10, True), (9, False)])
def test_bulk_admit_at_its_threshold(w, count, hit):
    rows = [act(w, w.b, "register.admit", "register_household", f"B-{i}", T0 + timedelta(hours=i))
            for i in range(count)]
    assert bool(hits(w, rows[-1])) is hit


def test_bulk_admit_counts_one_officer_only(w):
    for i in range(9):
        act(w, w.b, "register.admit", "register_household", f"B-{i}", T0 + timedelta(hours=i))
    last = act(w, w.a, "register.admit", "register_household", "B-x", T0 + timedelta(hours=10))
    assert hits(w, last) == []


# --- settings, hook, sweep --------------------------------------------------------------------------------------

def test_a_disabled_rule_stays_quiet_and_the_change_is_audited(w):
    admin = factories.actor_with(w.s, (Role.ADMIN, w.tree.province))
    sup.set_rule(w.s, admin, "ab_separation", False, 1, 365, reason="试点期间暂停")
    act(w, w.a, "application.home_survey", "application", "A-9", T0)
    decided = act(w, w.a, "application.county_decision", "application", "A-9", T0 + timedelta(days=20))
    assert hits(w, decided) == []
    assert w.s.execute(select(AuditEntry).where(AuditEntry.action == "supervision.rule_set")).scalar_one()
    with pytest.raises(PermissionDenied):
        sup.set_rule(w.s, w.a, "ab_separation", True, 1, 365, reason="恢复该规则")


def test_the_hook_opens_an_item_as_the_act_happens_and_the_sweep_never_twice(w):
    sup.install()
    act(w, w.a, "application.home_survey", "application", "A-5", T0)
    act(w, w.a, "application.county_decision", "application", "A-5", T0 + timedelta(days=20))
    items = w.s.execute(select(MonitoringItem)).scalars().all()
    assert [i.rule for i in items] == ["ab_separation"]
    opened = w.s.execute(select(AuditEntry).where(AuditEntry.action == "supervision.item_opened")).scalar_one()
    assert opened.after["evidence"] == items[0].evidence
    assert sup.sweep(w.s)[1] == 0
    assert audit.verify_chain(w.s).ok


def test_the_sweep_finds_what_happened_without_the_hook(w):
    act(w, w.a, "application.home_survey", "application", "A-6", T0)
    act(w, w.a, "application.county_decision", "application", "A-6", T0 + timedelta(days=20))
    looked, opened = sup.sweep(w.s)
    assert (looked, opened) == (1, 1)
    assert sup.sweep(w.s) == (0, 0)


def test_a_failing_check_never_undoes_the_act(w, monkeypatch):
    sup.install()

    def boom(*_):
        raise RuntimeError("check broke")

    monkeypatch.setitem(sup.CHECKS, "ab_separation", boom)
    act(w, w.a, "application.home_survey", "application", "A-7", T0)
    decided = act(w, w.a, "application.county_decision", "application", "A-7", T0 + timedelta(days=20))
    w.s.commit()
    assert w.s.get(AuditEntry, decided.id) is not None


# --- a relative of staff decided without the county's visit; a decided amount not the engine's ----------------

CASE_ANSWERS = {
    "village": VILLAGE, "residence": "urban", "applicant": {"name": "张建国", "phone": "13800138000"},
    "members": [
        {"name": "张建国", "relationship": "applicant", "age": 52, "incomes": {"wage": 600_00},
         "id_number": "130102197403150011"},
        {"name": "李秀兰", "relationship": "spouse", "age": 50, "incomes": {}, "id_number": "130102197607200025"},
    ],
    "assets": {"deposits": 5_000_00, "vehicles": 0, "houses": 1, "housing_area": 60, "businesses": 0},
    "hardship": False, "related": {"any": False, "detail": ""}, "consent": [0, 1],
}


def _standard(w, urban_fen, since, doc):
    from portal.applications.eligibility import rules as el, services as ep

    values = {el.STANDARD_URBAN: urban_fen}
    if since == date(2025, 1, 1):
        values |= {el.STANDARD_RURAL: 700_00, el.DEPOSIT_PER_MEMBER: 20_000_00, el.MAX_VEHICLES: 0,
                   el.MAX_HOUSES: 1, el.AREA_PER_MEMBER: 40, el.MAX_BUSINESSES: 0, el.EXCLUDED_KINDS: [],
                   el.WAGE_DEDUCTION: 0, el.NEAR_POOR_PERMILLE: 1500, el.TIERS: [], el.ROUND_TO_YUAN: False}
    ep.seed(w.s, w.tree.city, values, since, doc)


@pytest.fixture
def case(w, tmp_path):
    """A submitted application (2 people, urban ¥900 standard, ¥600 wage: the engine gives ¥1,200 a month)."""
    from PIL import Image
    import io

    from portal.applications import services as apps
    from portal.kernel.images import PrivateImageStore

    _standard(w, 900_00, date(2025, 1, 1), "DOC-1")
    app, _ = apps.create_draft(w.s, now=T0)
    for section, value in CASE_ANSWERS.items():
        apps.save_section(w.s, app, section, value, now=T0)
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 180, 160)).save(buf, "JPEG")
    apps.add_document(w.s, app, "id_card", buf.getvalue(), PrivateImageStore(tmp_path / "private"), now=T0)
    apps.submit(w.s, app, now=T0)
    assert app.monthly_amount_fen == 1200_00
    return app


def _decided(w, app, at=T0 + timedelta(days=20), status="approved"):
    return act(w, w.b, "application.county_decision", "application", app.number, at, after={"status": status})


def _rule(w, entry, key):
    return [i for i in hits(w, entry) if i.rule == key]


@pytest.mark.parametrize("related, visited, hit", [(True, False, True), (True, True, False), (False, False, False)])
def test_staff_case_no_visit_at_its_boundary(w, case, related, visited, hit):
    case.related_to_staff = related
    act(w, w.a, "application.accept", "application", case.number, T0)
    if visited:
        act(w, w.b, "application.county_visit", "application", case.number, T0 + timedelta(days=3))
    decided = _decided(w, case, status="refused")  # any decision, approval or refusal
    found = _rule(w, decided, "staff_case_no_visit")
    assert bool(found) is hit
    if hit:
        assert found[0].review_path == w.tree.city.path and found[0].about_user_ids == [w.b.user_id]
        assert found[0].facts == {"visits": 0, "required": 1} and len(found[0].evidence) == 2


def test_a_visit_recorded_after_the_decision_does_not_count(w, case):
    case.related_to_staff = True
    decided = _decided(w, case)
    act(w, w.b, "application.county_visit", "application", case.number, T0 + timedelta(days=21))
    assert _rule(w, decided, "staff_case_no_visit")


@pytest.mark.parametrize("off_by, hit", [(100, False), (101, True), (-100, False), (-101, True)])
def test_amount_differs_at_its_boundary(w, case, off_by, hit):
    case.monthly_amount_fen = 1200_00 + off_by
    found = _rule(w, _decided(w, case), "amount_differs")
    assert bool(found) is hit
    if hit:
        assert found[0].review_path == w.tree.city.path
        assert found[0].facts == {"decided_fen": 1200_00 + off_by, "engine_fen": 1200_00, "difference_fen": off_by,
                                  "threshold_fen": 100}


def test_amount_differs_only_looks_at_approvals(w, case):
    case.monthly_amount_fen = 1500_00
    assert _rule(w, _decided(w, case, status="refused"), "amount_differs") == []


def test_amount_differs_uses_the_parameters_in_force_on_the_decision_date(w, case):
    _standard(w, 950_00, date(2026, 3, 20), "DOC-2")  # after submission (T0), before the decision
    check, rule = sup.CHECKS["amount_differs"], sup.rule_in_force(w.s, "amount_differs")
    decided = _decided(w, case)
    # The amount fixed on the case date (¥1,200) is the portal's own rule: no hit although ¥1,300 is now in force.
    assert check(w.s, decided, rule) is None
    case.monthly_amount_fen = 1250_00  # neither the case date's ¥1,200 nor the decision date's ¥1,300
    assert check(w.s, decided, rule).facts == {"decided_fen": 1250_00, "engine_fen": 1300_00,
                                               "difference_fen": -50_00, "threshold_fen": 100}


def test_amount_differs_threshold_is_the_setting_in_force(w, case):
    admin = factories.actor_with(w.s, (Role.ADMIN, w.tree.province))
    sup.set_rule(w.s, admin, "amount_differs", True, 500, 365, reason="按省厅通知放宽到五元")
    case.monthly_amount_fen = 1200_00 + 500
    assert _rule(w, _decided(w, case), "amount_differs") == []


# --- who sees and closes an item ------------------------------------------------------------------------------

def _item(w) -> MonitoringItem:
    act(w, w.a, "application.home_survey", "application", "A-8", T0)
    decided = act(w, w.a, "application.county_decision", "application", "A-8", T0 + timedelta(days=20))
    [item] = hits(w, decided)
    return item


def test_an_officer_cannot_close_an_item_about_themselves(w):
    item = _item(w)
    me_at_city = factories.actor_with(w.s, (Role.OFFICER, w.tree.city))
    with pytest.raises(sup.SupervisionError) as err:
        sup.close_item(w.s, type(w.a)(w.a.user_id, w.a.username, "", me_at_city.grants), item.id, "explained",
                       "我已经说明了情况，不存在问题。")
    assert err.value.key == "sup.err_self"


def test_another_county_sees_nothing_and_cannot_close(w):
    item = _item(w)
    assert sup.items_in_scope(w.s, w.other) == []
    assert sup.items_in_scope(w.s, w.inspector_other) == []
    with pytest.raises(PermissionDenied):
        sup.close_item(w.s, w.inspector_other, item.id, "explained", "与本县无关但试图关闭。")


def test_the_level_above_closes_with_a_written_outcome(w):
    item = _item(w)
    assert [i.id for i in sup.items_in_scope(w.s, w.city)] == [item.id]
    with pytest.raises(sup.SupervisionError):
        sup.close_item(w.s, w.city, item.id, "forgiven", "不在固定结论之中的结论。")
    with pytest.raises(sup.SupervisionError):
        sup.close_item(w.s, w.city, item.id, "corrected", "太短")
    sup.close_item(w.s, w.city, item.id, "corrected", "已责令更换审批人员，重新审核该案。")
    assert item.status == "closed" and item.closed_by == w.city.user_id
    assert w.s.execute(select(AuditEntry).where(AuditEntry.action == "supervision.item_closed")).scalar_one()
