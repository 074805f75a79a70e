"""The recipient register (register/services.py): admission from an approved case, suspend / resume / stop with the
standing roster kept in step, look-up by ID through the keyed hash, duplicate flags, full IDs only for the holder."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.kernel.audit_models import AuditEntry
from portal.kernel.permissions import PermissionDenied
from portal.register import rules
from portal.register import services as register
from portal.register.models import Household, Member
from portal.roster import services as roster
from portal.roster.models import KIND_STANDING
from tests import factories
from tests.unit.services import test_applications as apps_test

T0 = datetime(2026, 3, 9, 2, 0, tzinfo=timezone.utc)
HEAD = "130102197403150011"
SPOUSE = "130102197607200025"


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("PORTAL_SECRET_KEY", "register-test-key")
    from tests.conftest import clear_portal_caches

    clear_portal_caches()
    yield
    clear_portal_caches()


@pytest.fixture
def w(db_session, fast_passwords):
    tree = factories.region_tree(db_session)
    township = tree["130102001"]
    village = tree["130102001001"]
    officer = factories.actor_with(db_session, (Role.OFFICER, township))
    stranger = factories.actor_with(db_session, (Role.OFFICER, tree["130102002"]))
    db_session.commit()
    return type("W", (), dict(s=db_session, tree=tree, township=township, village=village, officer=officer,
                              stranger=stranger))


def admission(code="H-1", members=((("张建国", "head", HEAD)), ("李秀兰", "spouse", SPOUSE)), village="130102001001"):
    return register.Admission(code, None, village, "张建国", 900_00, date(2026, 4, 1),
                              tuple(register.NewMember(*m) for m in members))


def standing(w):
    return roster.browse(w.s, w.township.path, KIND_STANDING, now=T0 + timedelta(minutes=1)).entries


def test_admission_writes_household_members_roster_and_audit(w):
    hh = register.admit(w.s, w.officer, admission(), now=T0)
    members = w.s.execute(select(Member).where(Member.household_id == hh.id).order_by(Member.id)).scalars().all()
    assert [(m.name, m.relation, m.id_number, m.birth_date, m.sex) for m in members] == [
        ("张建国", "head", HEAD, date(1974, 3, 15), "M"), ("李秀兰", "spouse", SPOUSE, date(1976, 7, 20), "F")]
    assert members[0].id_hash == rules.id_hash("register-test-key", HEAD)
    (entry,) = standing(w)
    assert (entry.masked_name, entry.household_size, entry.monthly_amount_fen) == ("张*国", 2, 900_00)
    row = w.s.execute(select(AuditEntry).where(AuditEntry.action == register.ACTION_ADMIT)).scalar_one()
    assert row.target_id == "H-1" and HEAD not in str(row.after)
    assert register.admit(w.s, w.officer, admission(), now=T0).id == hh.id  # twice: the same household


def test_admission_refuses_bad_numbers_and_the_same_person_twice(w):
    with pytest.raises(register.RegisterError) as caught:
        register.admit(w.s, w.officer, admission(members=[("张建国", "head", HEAD[:-1] + "2")]), now=T0)
    assert caught.value.key == rules.ERR_CHECK
    with pytest.raises(register.RegisterError) as caught:
        register.admit(w.s, w.officer, admission(members=[("张建国", "head", HEAD), ("张二", "child", HEAD)]),
                       now=T0)
    assert caught.value.key == "register.err_same_person"


def test_admission_needs_an_officer_of_the_region(w):
    with pytest.raises(PermissionDenied):
        register.admit(w.s, w.stranger, admission(), now=T0)


def test_stop_removes_the_household_from_the_standing_roster(w):
    register.admit(w.s, w.officer, admission(), now=T0)
    assert len(standing(w)) == 1
    with pytest.raises(register.RegisterError):
        register.stop(w.s, w.officer, "H-1", "no", now=T0)  # a reason is required
    with pytest.raises(PermissionDenied):
        register.stop(w.s, w.stranger, "H-1", "收入超过标准", now=T0)
    hh = register.stop(w.s, w.officer, "H-1", "家庭收入超过标准，停止保障", now=T0)
    assert (hh.status, hh.stopped_on, hh.status_reason) == ("stopped", date(2026, 3, 9), "家庭收入超过标准，停止保障")
    assert standing(w) == []
    actions = [a for a in w.s.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars()
               if not a.startswith("supervision.")]  # a risk rule watching withdrawals may open an item
    assert actions[-2:] == [roster.ACTION_WITHDRAW, register.ACTION_STOP]
    with pytest.raises(register.RegisterError):
        register.resume(w.s, w.officer, "H-1", "重新纳入", now=T0)  # stopped is final


def test_suspend_and_resume_take_it_off_and_back_on(w):
    register.admit(w.s, w.officer, admission(), now=T0)
    register.suspend(w.s, w.officer, "H-1", "外出务工，待核实", now=T0)
    assert standing(w) == []
    register.resume(w.s, w.officer, "H-1", "核实完毕，恢复保障", now=T0)
    assert [e.household_size for e in standing(w)] == [2]


def test_look_up_by_id_masked_in_scope_and_flagged(w):
    register.admit(w.s, w.officer, admission(), now=T0)
    register.admit(w.s, w.officer, admission("H-2", members=[("李秀兰", "head", SPOUSE)], village="130102001002"),
                   now=T0)
    found = register.find_by_id(w.s, w.officer, SPOUSE.lower(), now=T0)
    assert [(f.household_code, f.masked_id, f.also_active_elsewhere) for f in found] == [
        ("H-1", "130102********0025", True), ("H-2", "130102********0025", True)]
    assert register.find_by_id(w.s, w.stranger, SPOUSE, now=T0) == []  # another township's officer sees nothing
    with pytest.raises(rules.IdNumberError):
        register.find_by_id(w.s, w.officer, "12345", now=T0)
    assert register.flags_for_numbers(w.s, [HEAD, SPOUSE, "bad"], case_code="H-2") == [
        [w.tree["130102001001"].name], [w.tree["130102001001"].name], []]
    register.stop(w.s, w.officer, "H-1", "户籍迁出，停止保障", now=T0)
    assert register.flags_for_numbers(w.s, [SPOUSE], case_code="H-2") == [[]]  # only ACTIVE households count


# --- from an application ----------------------------------------------------------------------------------------

def _approved(db_session, world):
    s, officer, county = db_session, world["officer"], world["county_officer"]
    app = apps_test.submitted(s, world)
    svc = apps_test.svc
    svc.accept(s, officer, app.number, now=apps_test.at(2026, 3, 3), cal=apps_test.CAL)
    svc.record_home_survey(s, officer, app.number, "入户调查情况属实，家中陈设简单", now=apps_test.at(2026, 3, 4), cal=apps_test.CAL)
    svc.record_cross_check(s, officer, app.number, "match", "", now=apps_test.at(2026, 3, 4), cal=apps_test.CAL)
    svc.preliminary_decision(s, officer, app.number, True, "家庭收入低于标准，符合条件，同意纳入", now=apps_test.at(2026, 3, 5),
                             cal=apps_test.CAL)
    svc.send_to_publicity(s, officer, app.number, now=apps_test.at(2026, 3, 5), cal=apps_test.CAL)
    return app


@pytest.fixture
def world(db_session, fast_passwords, tmp_path):
    return apps_test.world.__wrapped__(db_session, fast_passwords, tmp_path)


def test_the_county_approval_admits_the_household(db_session, world):
    svc = apps_test.svc
    app = _approved(db_session, world)
    svc.county_decision(db_session, world["county_officer"], app.number, True, "公示期满无异议，同意纳入低保",
                        now=apps_test.at(2026, 3, 13), cal=apps_test.CAL)
    hh = db_session.execute(select(Household).where(Household.application_id == app.id)).scalar_one()
    assert (hh.code, hh.status, hh.monthly_amount_fen, hh.started_on) == (app.number, "active",
                                                                          app.monthly_amount_fen, date(2026, 4, 1))
    names = db_session.execute(select(Member.name, Member.relation).where(Member.household_id == hh.id)
                               .order_by(Member.id)).all()
    assert names == [("张建国", "head"), ("李秀兰", "spouse"), ("张小华", "child")]
    entries = roster.browse(db_session, world["village"].path, KIND_STANDING).entries
    assert [(e.masked_name, e.household_size) for e in entries] == [("张*国", 3)]
    # once decided, nobody holds the case: masked for everyone
    assert not svc.member_ids_for_officer(db_session, world["officer"], app).full


def test_full_ids_only_for_the_officer_whose_office_handles_the_case(db_session, world):
    svc = apps_test.svc
    app = apps_test.submitted(db_session, world)
    svc.accept(db_session, world["officer"], app.number, now=apps_test.at(2026, 3, 3), cal=apps_test.CAL)
    ids = svc.member_ids_for_officer(db_session, world["officer"], app)
    assert ids.full and ids.shown[0] == "130102197403150011"  # the township's survey and check are open
    county_view = svc.member_ids_for_officer(db_session, world["county_officer"], app)
    assert not county_view.full and county_view.shown == ("130102********0011", "130102********0025",
                                                          "130102********0035")
    with pytest.raises(PermissionDenied):
        svc.member_ids_for_officer(db_session, world["stranger"], app)
    views = db_session.execute(select(AuditEntry).where(AuditEntry.action == "application.id_numbers_view")
                               ).scalars().all()
    assert [v.actor_id for v in views] == [world["officer"].user_id]  # the full read is audited, the masked not


def test_a_member_already_in_an_active_household_is_flagged_on_the_case(db_session, world):
    svc = apps_test.svc
    village = world["village"]
    register.admit(db_session, world["officer"], register.Admission(
        "OLD-1", None, village.code, "李秀兰", 500_00, date(2025, 1, 1),
        (register.NewMember("李秀兰", "head", "130102197607200025"),)), now=T0)
    app = apps_test.submitted(db_session, world)
    assert svc.id_flags(db_session, app) == [[], [village.name], []]
    assert svc.member_ids_for_officer(db_session, world["officer"], app).flags[1] == (village.name,)


def test_submission_checks_every_members_id_number(db_session, world):
    svc = apps_test.svc
    members = [dict(m) for m in apps_test.ANSWERS["members"]]
    members[1]["id_number"] = "130102197607200026"
    members[2]["id_number"] = members[0]["id_number"]
    app, _ = apps_test.draft(db_session, world, members=members)
    errors = {e.field: e.key for e in svc.check_for_submit(db_session, app)}
    assert errors["member-1-id_number"] == rules.ERR_CHECK
    assert errors["member-2-id_number"] == "register.err_same_person"
