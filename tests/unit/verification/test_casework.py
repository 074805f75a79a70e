"""Findings in the officer's work: the check at acceptance (grant required), settling each finding before 初审,
the applicant's answer, the region's queue of register findings (another township's officer sees nothing; 关系保
findings go to the county), settling them through the register, and the retention purge."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, func, select

from portal.applications import services as svc
from portal.kernel.audit_models import AuditEntry
from portal.kernel.permissions import PermissionDenied
from portal.register.models import Household
from portal.verification import queries as vq
from portal.verification import services as vs
from portal.verification.models import ConsentGrant, Finding, SourceBatch
from tests.unit.services.test_applications import CAL, ANSWERS, at, submitted, world  # noqa: F401
from tests.unit.verification.world import World, number

APPLICANT = ANSWERS["members"][0]["id_number"]


@pytest.fixture(autouse=True)
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_SECRET_KEY", "casework-key")
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "portal-data"))
    from tests.conftest import clear_portal_caches

    clear_portal_caches()
    yield
    clear_portal_caches()


def departments(db_session, world, tmp_path):
    county = world["county"]
    for rule, params in (("deposits", {"asset_limit_per_member_fen": 20_000_00}), ("income", {"tolerance_fen": 0})):
        vs.add_rule(db_session, "admin", county.path, county.id, rule, params, date(2026, 1, 1), "冀民〔2026〕7号")
    for kind, text in (("deposits", f"id_number,account_ref,asset_type,balance_yuan\n{APPLICANT},ICBC-7,deposit,80000\n"),
                       ("income", f"id_number,payer_ref,income_kind,monthly_yuan\n{APPLICANT},TAX-1,wage,3000\n")):
        path = tmp_path / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        vs.load_source(db_session, kind, path, as_of=date(2026, 2, 28), loaded_by="tester")


def investigated(db_session, world):
    app = submitted(db_session, world)
    officer = world["officer"]
    svc.accept(db_session, officer, app.number, now=at(2026, 3, 3), cal=CAL)
    svc.record_home_survey(db_session, officer, app.number, "家中情况与申报一致，已拍照。", now=at(2026, 3, 4), cal=CAL)
    svc.record_cross_check(db_session, officer, app.number, "explained", "核对发现见下方逐条处理。", now=at(2026, 3, 4), cal=CAL)
    return app


def test_acceptance_checks_the_declared_household_and_findings_block_the_preliminary_decision(db_session, world,
                                                                                              tmp_path):
    departments(db_session, world, tmp_path)
    app = investigated(db_session, world)
    assert app.status == svc.PRELIMINARY
    names = {vs.contract.id_hash(m["id_number"], "casework-key"): m["name"] for m in ANSWERS["members"]}
    found = vq.case_findings(db_session, app.id, names)
    by_rule = {f.rule: f for f in found}
    assert set(by_rule) == {"deposits", "income"}
    assert (by_rule["deposits"].declared, by_rule["deposits"].found, by_rule["deposits"].refs,
            by_rule["deposits"].source, by_rule["deposits"].as_of) == ("¥5,000.00", "¥80,000.00", "ICBC-7",
                                                                       "deposits", "2026-02-28")
    assert (by_rule["income"].member, by_rule["income"].declared, by_rule["income"].found) == (
        "张建国", "¥600.00", "¥3,000.00")
    officer = world["officer"]
    with pytest.raises(svc.ApplicationError) as info:
        svc.preliminary_decision(db_session, officer, app.number, False, "存款超过限额，建议不予批准。", cal=CAL)
    assert info.value.key == "apply.err_findings_unresolved"
    # another township's officer may not settle it; bad input is refused with a reason
    with pytest.raises(PermissionDenied):
        svc.resolve_finding(db_session, world["stranger"], app.number, by_rule["deposits"].id, "explained", "看过了")
    with pytest.raises(svc.ApplicationError) as info:
        svc.resolve_finding(db_session, officer, app.number, by_rule["deposits"].id, "ignored", "看过了")
    assert info.value.key == "verify.err_resolution"
    with pytest.raises(svc.ApplicationError) as info:
        svc.resolve_finding(db_session, officer, app.number, by_rule["deposits"].id, "explained", "  ")
    assert info.value.key == "verify.err_resolution_note"
    # a finding of another case is not found through this one
    with pytest.raises(svc.ApplicationError) as info:
        svc.resolve_finding(db_session, officer, app.number, 10_000, "explained", "看过了看过了")
    assert info.value.key == "apply.err_finding_not_found"
    svc.answer_finding(db_session, app, by_rule["deposits"].id, "这笔钱是女儿的手术费，医院收据已交。")
    svc.resolve_finding(db_session, officer, app.number, by_rule["deposits"].id, "explained",
                        "手术费暂存，见医院收据")
    with pytest.raises(svc.ApplicationError):
        svc.preliminary_decision(db_session, officer, app.number, False, "存款超过限额，建议不予批准。", cal=CAL)
    svc.resolve_finding(db_session, officer, app.number, by_rule["income"].id, "refused", "工资收入未申报，核实属实")
    svc.preliminary_decision(db_session, officer, app.number, False, "工资收入未申报，建议不予批准。", cal=CAL)
    assert app.status == svc.COUNTY
    mine = vq.applicant_findings(db_session, app.id)
    assert [(f.rule, f.source, f.settled) for f in mine] == [("deposits", "deposits", True),
                                                            ("income", "income", True)]
    assert mine[0].answer.startswith("这笔钱")
    actions = set(db_session.execute(select(AuditEntry.action).where(
        AuditEntry.action.like("verification.%"))).scalars())
    assert {"verification.grant", "verification.case_checked", "verification.case_finding_resolved",
            "verification.case_finding_answered"} <= actions


def test_no_grant_no_check(db_session, world, tmp_path):
    departments(db_session, world, tmp_path)
    app = submitted(db_session, world)
    db_session.execute(delete(ConsentGrant).where(ConsentGrant.household_code == app.number))
    assert vs.check_case(db_session, "tester", app) == vs.CaseCheck(False, 0, {"*": "no_grant"})
    svc.accept(db_session, world["officer"], app.number, now=at(2026, 3, 3), cal=CAL)
    assert db_session.scalar(select(func.count()).select_from(Finding)) == 0


def test_the_check_runs_once_per_finding(db_session, world, tmp_path):
    departments(db_session, world, tmp_path)
    app = investigated(db_session, world)
    again = vs.check_case(db_session, "tester", app)
    assert (again.ran, again.findings) == (True, 0)


# --- the region's queue of register findings -------------------------------------------------------------------

@pytest.fixture
def reg(db_session, tmp_path, fast_passwords):
    w = World(db_session, tmp_path)
    w.admit("H-1", "130102001001", [("张建国", "head", number(11))])
    w.admit("H-2", "130102002001", [("王五", "head", number(33))])
    w.rule("dead", {})
    w.rule("public_staff", {"roles": ["public_employee", "village_cadre"]})
    w.load("hukou", f"id_number,record_ref,status,death_date\n{number(11)},HJ-1,dead,2026-03-02\n"
                    f"{number(33)},HJ-3,dead,2026-04-01\n")
    w.load("public_staff", f"id_number,staff_ref,staff_role,employer\n{number(11)},S-1,village_cadre,张家村\n")
    db_session.commit()
    vs.run("tester", on=date(2026, 7, 1), session_factory=w.sf, data_dir=w.data)
    db_session.expire_all()
    return w


def test_the_queue_is_scoped_to_the_officers_region_and_county_routed_findings_to_the_county(reg):
    mine, total = vq.queue(reg.s, reg.officer, vq.Filters())
    assert [(f.household, f.rule) for f in mine] == [("H-1", "dead")] and total == 1
    assert mine[0].member.startswith("130102") and "*" in mine[0].member
    theirs, _ = vq.queue(reg.s, reg.stranger, vq.Filters())
    assert [(f.household, f.rule) for f in theirs] == [("H-2", "dead")]
    county, total = vq.queue(reg.s, reg.county_officer, vq.Filters())
    assert sorted((f.household, f.rule) for f in county) == [("H-1", "dead"), ("H-1", "public_staff"),
                                                              ("H-2", "dead")]
    only, _ = vq.queue(reg.s, reg.county_officer, vq.Filters(rule="public_staff"))
    assert [f.rule for f in only] == ["public_staff"]
    assert vq.counts(reg.s, reg.officer) == [("130102001", "dead", 1)]


def test_settling_a_register_finding(reg):
    dead = reg.s.execute(select(Finding).where(Finding.household_id == "H-1", Finding.rule == "dead")).scalar_one()
    staff = reg.s.execute(select(Finding).where(Finding.rule == "public_staff")).scalar_one()
    with pytest.raises(PermissionDenied):
        vs.resolve_register_finding(reg.s, reg.stranger, dead.id, "keep", "核实无误")
    with pytest.raises(PermissionDenied):  # 关系保: the county's, not the township's
        vs.resolve_register_finding(reg.s, reg.officer, staff.id, "keep", "核实无误")
    with pytest.raises(PermissionDenied):
        vs.resolve_register_finding(reg.s, reg.officer, 999_999, "keep", "核实无误")
    vs.resolve_register_finding(reg.s, reg.officer, dead.id, "suspend", "户主已死亡，暂停待核")
    assert reg.s.execute(select(Household.status).where(Household.code == "H-1")).scalar_one() == "suspended"
    vs.resolve_register_finding(reg.s, reg.county_officer, staff.id, "review", "村干部亲属，县级入户核查")
    settled, _ = vq.queue(reg.s, reg.county_officer, vq.Filters(settled="yes"))
    assert sorted((f.rule, f.resolution) for f in settled) == [("dead", "suspend"), ("public_staff", "review")]
    unsettled, _ = vq.queue(reg.s, reg.county_officer, vq.Filters(settled="no"))
    assert [(f.household, f.rule) for f in unsettled] == [("H-2", "dead")]


def test_retention_purges_old_batches_and_settled_findings_only(reg):
    dead = reg.s.execute(select(Finding).where(Finding.household_id == "H-1", Finding.rule == "dead")).scalar_one()
    vs.resolve_register_finding(reg.s, reg.officer, dead.id, "keep", "已核实为同名误报")
    dead.updated_at = datetime(2026, 7, 1, tzinfo=timezone.utc)
    reg.s.flush()
    files = [reg.data / b.path for b in reg.s.execute(select(SourceBatch)).scalars()]
    assert all(f.exists() for f in files)
    nothing = vs.purge(reg.s, "tester", days=365, today=date(2027, 6, 1), data_dir=reg.data)
    assert nothing == vs.PurgeResult(0, 0)
    res = vs.purge(reg.s, "tester", days=365, today=date(2027, 7, 2), data_dir=reg.data)
    assert res == vs.PurgeResult(2, 1)
    assert not any(f.exists() for f in files)
    left = reg.s.execute(select(Finding.rule, Finding.source_batch_id, Finding.as_of)).all()
    assert sorted(left) == [("dead", None, date(2026, 6, 30)), ("public_staff", None, date(2026, 6, 30))]
    assert reg.s.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "verification.purged")) == 1


# --- the applicant's answer deadline and the disputed resolution ---------------------------------------------------

def _findings(db_session, app):
    return {f.rule: f for f in db_session.execute(select(Finding).where(Finding.application_id == app.id)).scalars()}


def test_a_refusal_on_a_finding_waits_for_the_answer_or_its_deadline(db_session, world, tmp_path):
    departments(db_session, world, tmp_path)
    app = investigated(db_session, world)
    found = _findings(db_session, app)
    due = found["deposits"].answer_due_on
    assert due == CAL.add_working_days(date(2026, 3, 3), 5) == date(2026, 3, 10)
    officer = world["officer"]
    on_due_day = datetime(2026, 3, 10, 23, 0, tzinfo=timezone(timedelta(hours=8)))
    with pytest.raises(svc.ApplicationError) as info:  # the last day to answer is still the applicant's
        svc.resolve_finding(db_session, officer, app.number, found["deposits"].id, "refused", "存款属实，据此不予批准",
                            now=on_due_day)
    assert info.value.key == "verify.err_answer_pending"
    # explaining, correcting or disputing need not wait
    svc.resolve_finding(db_session, officer, app.number, found["deposits"].id, "explained", "手术费暂存", now=on_due_day)
    svc.resolve_finding(db_session, officer, app.number, found["deposits"].id, "refused", "存款属实，据此不予批准",
                        now=on_due_day + timedelta(hours=1))  # 00:00 the next day in China: the time has run out
    assert found["deposits"].resolution == "refused"
    # an answer ends the wait at once
    svc.answer_finding(db_session, app, found["income"].id, "工资是临时工，已经辞职。")
    svc.resolve_finding(db_session, officer, app.number, found["income"].id, "refused", "工资收入属实", now=at(2026, 3, 5))
    assert found["income"].resolution == "refused"


def test_a_disputed_finding_counts_as_settled_and_the_county_sees_it(db_session, world, tmp_path):
    departments(db_session, world, tmp_path)
    app = investigated(db_session, world)
    found = _findings(db_session, app)
    officer = world["officer"]
    svc.resolve_finding(db_session, officer, app.number, found["deposits"].id, "disputed",
                        "银行记录为同名他人账户，已向银行发函更正")
    svc.resolve_finding(db_session, officer, app.number, found["income"].id, "corrected", "申报已按税务记录更正")
    svc.preliminary_decision(db_session, officer, app.number, False, "收入超过标准，建议不予批准。", cal=CAL)
    assert app.status == svc.COUNTY
    names = {vs.contract.id_hash(m["id_number"], "casework-key"): m["name"] for m in ANSWERS["members"]}
    seen = {f.rule: (f.resolution, f.note) for f in vq.case_findings(db_session, app.id, names)}
    assert seen["deposits"] == ("disputed", "银行记录为同名他人账户，已向银行发函更正")
    county = svc.findings_for_officer(db_session, world["county_officer"], app)
    assert [f.resolution for f in county] == ["disputed", "corrected"]


def test_the_officers_to_do_shows_the_answer_deadline_then_that_it_passed(db_session, world, tmp_path):
    from portal.applications import queries
    from portal.kernel import calendar_store

    departments(db_session, world, tmp_path)
    app = investigated(db_session, world)
    officer = world["officer"]
    waits = queries.verification_waits(db_session, officer, today=date(2026, 3, 10))
    assert [(w.number, w.kind, w.due_on, w.overdue) for w in waits] == [
        (app.number, "answer_due", date(2026, 3, 10), False)]
    waits = queries.verification_waits(db_session, officer, today=date(2026, 3, 11))
    assert [(w.kind, w.overdue) for w in waits] == [("answer_lapsed", True)]
    assert queries.verification_waits(db_session, world["stranger"], today=date(2026, 3, 11)) == []
    found = _findings(db_session, app)
    for f in found.values():
        svc.answer_finding(db_session, app, f.id, "这些情况我已经向村里说明。")
    assert queries.verification_waits(db_session, officer, today=date(2026, 3, 11)) == []
    # the calendar page moves the deadlines still running: none once answered
    kinds = [d.kind_key for _src, d in calendar_store.open_deadlines(db_session)]
    assert "deadline.verify_answer" not in kinds


def test_the_answer_deadline_is_a_deadline_the_calendar_moves(db_session, world, tmp_path):
    from portal.kernel import calendar_store

    departments(db_session, world, tmp_path)
    app = investigated(db_session, world)
    mine = [d for _src, d in calendar_store.open_deadlines(db_session) if d.kind_key == "deadline.verify_answer"]
    assert sorted((d.ref, d.due_on) for d in mine) == [(app.number, date(2026, 3, 10))] * 2
