"""Accepting a found value (`corrected`) re-assesses the case with the eligibility engine: the found value in place of
the declared one, the parameters of the case date, the verdict before and after stored with the finding that changed
it, and 初审, publicity and the county decision carry the new amount. At the boundary: a found deposit one fen over
the engine's limit tips the household out; one exactly at it changes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.applications import services as svc
from portal.applications.eligibility import rules as el
from portal.applications.models import Reassessment
from portal.kernel.audit_models import AuditEntry
from portal.verification import services as vs
from portal.verification.models import Finding
from tests.unit.services.test_applications import CAL, ANSWERS, at, submitted, world  # noqa: F401

APPLICANT = ANSWERS["members"][0]["id_number"]
SPOUSE = ANSWERS["members"][1]["id_number"]
# The engine's limit in the test world: ¥20,000 per member × 3 members.
ENGINE_LIMIT_FEN = 60_000_00
NOTE = "银行流水核实，按部门数据更正申报。"


@pytest.fixture(autouse=True)
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_SECRET_KEY", "reassess-key")
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "portal-data"))
    from tests.conftest import clear_portal_caches

    clear_portal_caches()
    yield
    clear_portal_caches()


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def case_with(db_session, world, tmp_path, rows: dict[str, tuple[dict, str]]):
    """A case investigated up to 初审 whose check at acceptance compared it with one batch per source in `rows`
    (source → (rule parameters, CSV text))."""
    county = world["county"]
    for kind, (params, text) in rows.items():
        rule = {"hukou": "dead"}.get(kind, kind)
        vs.add_rule(db_session, "admin", county.path, county.id, rule, params, date(2026, 1, 1), "冀民〔2026〕7号")
        path = tmp_path / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        vs.load_source(db_session, kind, path, as_of=date(2026, 2, 28), loaded_by="tester")
    app = submitted(db_session, world)
    officer = world["officer"]
    svc.accept(db_session, officer, app.number, now=at(2026, 3, 3), cal=CAL)
    svc.record_home_survey(db_session, officer, app.number, "家中情况与申报一致，已拍照。", now=at(2026, 3, 4), cal=CAL)
    svc.record_cross_check(db_session, officer, app.number, "explained", "核对发现见下方逐条处理。", now=at(2026, 3, 4),
                           cal=CAL)
    return app


def deposits_case(db_session, world, tmp_path, balance_fen: int):
    # The department's rule flags anything over ¥10,000 per member, so a balance at the engine's own limit is
    # still a finding to settle.
    return case_with(db_session, world, tmp_path, {"deposits": (
        {"asset_limit_per_member_fen": 10_000_00},
        f"id_number,account_ref,asset_type,balance_yuan\n{APPLICANT},ICBC-7,deposit,{yuan(balance_fen)}\n")})


def only_finding(db_session, app) -> Finding:
    return db_session.execute(select(Finding).where(Finding.application_id == app.id)).scalar_one()


def test_a_found_deposit_one_fen_over_the_limit_tips_the_household_out_and_the_case_says_why(db_session, world,
                                                                                            tmp_path):
    app = deposits_case(db_session, world, tmp_path, ENGINE_LIMIT_FEN + 1)
    assert (app.outcome, app.monthly_amount_fen) == (el.ELIGIBLE, 2_100_00)  # as declared: ¥2,700 − ¥600
    finding = only_finding(db_session, app)
    svc.resolve_finding(db_session, world["officer"], app.number, finding.id, "corrected", NOTE, now=at(2026, 3, 5))
    assert (app.outcome, app.monthly_amount_fen) == (el.NOT_ELIGIBLE, 0)
    verdict = svc.assessment(db_session, app)
    assert verdict.outcome == el.NOT_ELIGIBLE and not verdict.assets_ok
    assert svc.assessment(db_session, app, declared=True).outcome == el.ELIGIBLE
    [row] = svc.reassessments(db_session, app)
    assert (row.outcome_before, row.amount_before_fen, row.outcome_after, row.amount_after_fen, row.assessed_on,
            row.finding_id) == (el.ELIGIBLE, 2_100_00, el.NOT_ELIGIBLE, 0, app.assessed_on, finding.id)
    assert row.changes == [{"finding": finding.id, "rule": "deposits", "field": "deposits_fen", "member": "",
                            "declared": "500000", "found": str(ENGINE_LIMIT_FEN + 1)}]
    audit = db_session.execute(select(AuditEntry).where(AuditEntry.action == "application.reassessed")).scalar_one()
    assert (audit.before, audit.after["outcome"], audit.after["finding"]) == (
        {"outcome": el.ELIGIBLE, "amount_fen": 2_100_00}, el.NOT_ELIGIBLE, finding.id)
    # 初审 cannot approve what the engine now refuses
    with pytest.raises(svc.ApplicationError) as info:
        svc.preliminary_decision(db_session, world["officer"], app.number, True, "按申报情况同意纳入低保。",
                                 now=at(2026, 3, 12), cal=CAL)
    assert info.value.key == "apply.err_cannot_approve"


def test_a_found_deposit_exactly_at_the_limit_changes_nothing_but_is_recorded(db_session, world, tmp_path):
    app = deposits_case(db_session, world, tmp_path, ENGINE_LIMIT_FEN)
    finding = only_finding(db_session, app)
    svc.resolve_finding(db_session, world["officer"], app.number, finding.id, "corrected", NOTE, now=at(2026, 3, 5))
    assert (app.outcome, app.monthly_amount_fen) == (el.ELIGIBLE, 2_100_00)
    [row] = svc.reassessments(db_session, app)
    assert (row.outcome_before, row.outcome_after, row.amount_after_fen) == (el.ELIGIBLE, el.ELIGIBLE, 2_100_00)
    assert row.changes[0]["found"] == str(ENGINE_LIMIT_FEN)


def test_taking_the_acceptance_back_judges_the_declared_household_again(db_session, world, tmp_path):
    app = deposits_case(db_session, world, tmp_path, ENGINE_LIMIT_FEN + 1)
    finding = only_finding(db_session, app)
    officer = world["officer"]
    svc.resolve_finding(db_session, officer, app.number, finding.id, "corrected", NOTE, now=at(2026, 3, 5))
    svc.resolve_finding(db_session, officer, app.number, finding.id, "corrected", NOTE + "复核", now=at(2026, 3, 5))
    assert len(svc.reassessments(db_session, app)) == 1  # the same acceptance again weighs nothing new
    svc.resolve_finding(db_session, officer, app.number, finding.id, "disputed", "账户系他人冒名开立，已向银行提出异议。",
                        now=at(2026, 3, 6))
    latest, first = svc.reassessments(db_session, app)
    assert (latest.outcome_before, latest.outcome_after, latest.amount_after_fen, latest.changes) == (
        el.NOT_ELIGIBLE, el.ELIGIBLE, 2_100_00, [])
    assert (app.outcome, app.monthly_amount_fen) == (el.ELIGIBLE, 2_100_00)


def test_a_found_wage_lowers_the_amount_and_the_county_pays_the_reassessed_amount(db_session, world, tmp_path):
    app = case_with(db_session, world, tmp_path, {"income": (
        {"tolerance_fen": 0}, f"id_number,payer_ref,income_kind,monthly_yuan\n{APPLICANT},TAX-1,wage,1000\n")})
    finding = only_finding(db_session, app)
    officer = world["officer"]
    svc.resolve_finding(db_session, officer, app.number, finding.id, "corrected", NOTE, now=at(2026, 3, 5))
    [row] = svc.reassessments(db_session, app)
    assert row.changes[0]["field"] == el.MEMBER_WAGE and row.changes[0]["member"] == "张建国"
    assert (row.amount_before_fen, row.amount_after_fen) == (2_100_00, 1_700_00)  # ¥2,700 − ¥1,000
    svc.preliminary_decision(db_session, officer, app.number, True, "核对更正后仍符合条件，同意。", now=at(2026, 3, 12),
                             cal=CAL)
    assert app.monthly_amount_fen == 1_700_00
    svc.send_to_publicity(db_session, officer, app.number, now=at(2026, 3, 12), cal=CAL)
    svc.county_decision(db_session, world["county_officer"], app.number, True, "公示无异议，同意纳入。",
                        now=at(2026, 3, 25), cal=CAL)
    assert (app.status, app.monthly_amount_fen) == (svc.APPROVED, 1_700_00)


def test_a_member_registered_dead_leaves_the_household_and_the_engine_counts_two(db_session, world, tmp_path):
    app = case_with(db_session, world, tmp_path, {"hukou": (
        {}, f"id_number,record_ref,status,death_date\n{SPOUSE},HK-3,dead,2026-01-20\n")})
    finding = only_finding(db_session, app)
    svc.resolve_finding(db_session, world["officer"], app.number, finding.id, "corrected", NOTE, now=at(2026, 3, 5))
    verdict = svc.assessment(db_session, app)
    assert verdict.household_size == 2 and app.monthly_amount_fen == 1_200_00  # ¥1,800 − ¥600
    assert svc.reassessments(db_session, app)[0].changes[0]["member"] == "李秀兰"


def test_corrections_apply_in_order_and_keep_undeclared_kinds():
    household = svc.household_from_answers(ANSWERS)
    m = household.members[0]
    with_pension = household.__class__(members=(m.__class__(m.name, incomes=(el.Income("wage", 600_00),
                                                                             el.Income("property", 50_00))),
                                                *household.members[1:]))
    out = el.corrected(with_pension, [el.Correction("deposits_fen", 1), el.Correction("deposits_fen", 2),
                                      el.Correction(el.MEMBER_WAGE, 900_00, 0), el.Correction(el.MEMBER_REMOVED, 0, 2)])
    assert out.deposits_fen == 2 and len(out.members) == 2
    assert out.members[0].incomes == (el.Income("wage", 900_00), el.Income("property", 50_00))
    with pytest.raises(ValueError):
        el.corrected(household, [el.Correction("name", 1)])
