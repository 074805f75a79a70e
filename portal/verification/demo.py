"""Demo verification: the comparison rules of 石家庄 (marked 演示), a grant for every register household, one
department batch per source with records planted so that every rule finds something (a deposit above the limit, a
car, a second dwelling, a company, wages, a death, a cadre, the child listed in both 张小明 households), and two
records of a demo applicant (刘德明) so his case shows findings before 初审, one of them disputed with the bank, and
one about his wife's wage, which the office accepted, so the engine re-assessed the case with the wage found (the
case page shows the verdict before and after); and one case (周建华) whose check at acceptance waits on the vehicles
department, whose API timed out until its circuit opened. Idempotent: nothing is done when any rule exists; the register run is skipped when register
findings exist; the case states only once."""

from __future__ import annotations

import csv
import tempfile
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.regions.models import Region
from portal.register.models import Household, Member
from portal.verification import services as vs
from portal.verification.models import SCOPE_REGISTER, Finding, VerificationRule

DOC = "冀民函〔2026〕12号（演示）"
AS_OF = date(2026, 11, 30)
RULES = {
    "deposits": {"asset_limit_per_member_fen": 24_000_00},
    "vehicles": {"max_vehicles": 0, "exempt_types": ["disability_adapted", "agricultural"],
                 "motorcycle_value_limit_fen": 3_000_00},
    "real_estate": {"max_dwellings": 1},
    "business": {"capital_limit_fen": 100_000_00, "roles": ["legal_rep", "shareholder"]},
    "income": {"tolerance_fen": 100_00},
    "dead": {},
    "duplicate": {},
    "public_staff": {"roles": ["public_employee", "village_cadre"]},
}
APPLICANT = "刘德明"  # a demo case accepted and surveyed: the check at acceptance finds three records
SPOUSE = "张丽"  # his wife: a wage the department found that the application did not declare, accepted
SPOUSE_WAGE_REF = "TAX-130102-5512"


def _people(session: Session) -> dict[str, list[str]]:
    """household code → its members' ID numbers, head first."""
    out: dict[str, list[str]] = {}
    for code, number in session.execute(select(Household.code, Member.id_number)
                                        .join(Member, Member.household_id == Household.id)
                                        .order_by(Household.code, Member.id)):
        out.setdefault(code, []).append(number)
    return out


def _applicant_number(member: str = APPLICANT) -> str:
    """The ID number of a member of 刘德明's demo application (himself by default)."""
    from portal.applications.demo import CASES

    for _v, name, *_rest in CASES:
        if name == APPLICANT:
            return next(m["id_number"] for m in _rest[2] if m["name"] == member)
    return ""


def _records(people: dict[str, list[str]]) -> dict[str, list[list[str]]]:
    p = lambda code, i=0: people.get(code, [""] * (i + 1))[i] if len(people.get(code, [])) > i else ""  # noqa: E731
    applicant = _applicant_number()
    rows = {
        "deposits": [[p("DEMO-0002"), "ICBC-0102-7781", "deposit", "55000"],
                     [p("DEMO-0002", 1), "CCB-0102-1190", "security", "3200.5"],
                     [p("DEMO-0028"), "ABC-0102-5521", "deposit", "60000"],
                     [p("DEMO-0010"), "PSBC-0102-3321", "deposit", "8000"],  # under the limit: no finding
                     [applicant, "ICBC-0102-9001", "deposit", "90000"]],
        "vehicles": [[p("DEMO-0003", 1), "冀A·7K2Q9", "car", "85000"],
                     [p("DEMO-0003", 2), "冀A·C1234", "disability_adapted", "12000"]],  # exempt
        "real_estate": [[p("DEMO-0004"), "冀(2019)石家庄市不动产权第0012345号", "residential", "68"],
                        [p("DEMO-0004"), "冀(2021)石家庄市不动产权第0067890号", "residential", "92"]],
        "business": [[p("DEMO-0005"), "91130102MA0DEMO01X", "legal_rep", "500000"]],
        "income": [[p("DEMO-0006"), "TAX-130102-4421", "wage", "4200"],
                   [applicant, "SI-130102-8830", "social_insurance", "3500"],
                   [_applicant_number(SPOUSE), SPOUSE_WAGE_REF, "wage", "300"]],
        "hukou": [[p("DEMO-0007"), "HJ-130102-0007", "dead", "2026-08-15"]],
        "public_staff": [[p("DEMO-0008", 1), "CADRE-130102001001-03", "village_cadre", "建北街道某村民委员会"]],
    }
    return {k: [r for r in v if r[0]] for k, v in rows.items()}


HEADERS = {
    "deposits": ["id_number", "account_ref", "asset_type", "balance_yuan"],
    "vehicles": ["id_number", "plate", "vehicle_type", "value_yuan"],
    "real_estate": ["id_number", "property_ref", "use", "area_m2"],
    "business": ["id_number", "company_ref", "role", "registered_capital_yuan"],
    "income": ["id_number", "payer_ref", "income_kind", "monthly_yuan"],
    "hukou": ["id_number", "record_ref", "status", "death_date"],
    "public_staff": ["id_number", "staff_ref", "staff_role", "employer"],
}


def load_sources(session: Session) -> int:
    """Rules, grants and department batches (before the demo applications, whose acceptance runs the check)."""
    if session.execute(select(VerificationRule.id).limit(1)).first() is not None:
        return 0
    city = session.execute(select(Region).where(Region.code == "1301")).scalar_one_or_none()
    if city is None:
        return 0
    for rule, params in RULES.items():
        vs.add_rule(session, "demo", city.path, city.id, rule, params, date(2026, 1, 1), DOC)
    people = _people(session)
    for code in people:
        vs.record_grant(session, "demo", code, None, date(2026, 1, 1), len(people[code]))
    loaded = 0
    with tempfile.TemporaryDirectory() as tmp:
        for kind, rows in _records(people).items():
            path = Path(tmp) / f"{kind}.csv"
            with path.open("w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(HEADERS[kind])
                w.writerows(rows)
            vs.load_source(session, kind, path, as_of=AS_OF, loaded_by="demo")
            loaded += 1
    return loaded


def run_register() -> int:
    """Re-verify the demo register once (its own units of work): the findings of /officer/findings."""
    from portal.kernel.db import session_scope

    with session_scope() as session:
        if session.execute(select(VerificationRule.id).limit(1)).first() is None:
            return 0
        if session.execute(select(Finding.id).where(Finding.scope == SCOPE_REGISTER).limit(1)).first() is not None:
            return 0
    return vs.run("demo").found_new


WAITING_APPLICANT = "周建华"


def load_case_states(session: Session) -> int:
    """After the demo applications: 刘德明's deposit finding disputed with the bank (the county sees it before its
    decision) and his wife's wage accepted (the case re-assessed with it, through the officer's own action), and
    周建华's check waiting on the vehicles department, recorded as it happens when that department times out three
    times running (its circuit open, the case showing "部门系统暂不可用" with a retry)."""
    from datetime import datetime, timezone

    from portal.applications import services as apps
    from portal.applications.models import Application
    from portal.demo import _officer_actor
    from portal.verification import connector as dc
    from portal.verification.models import OnlineCheck

    if session.execute(select(OnlineCheck.id).limit(1)).first() is not None:
        return 0
    cases = {a.applicant_name: a for a in session.execute(select(Application).where(
        Application.applicant_name.in_([APPLICANT, WAITING_APPLICANT]))).scalars()}
    done = 0
    disputed = cases.get(APPLICANT)
    if disputed is not None:
        officer = _officer_actor(session, session.get(Region, disputed.village_id).parent)
        deposit = session.execute(select(Finding).where(Finding.application_id == disputed.id,
                                                        Finding.rule == "deposits")).scalar_one_or_none()
        if officer is not None and deposit is not None:
            apps.resolve_finding(session, officer, disputed.number, deposit.id, "disputed",
                                 "申请人称该账户为他人冒用其身份开立，已函请银行核查更正")
            done += 1
        wage = next((f for f in session.execute(select(Finding).where(
            Finding.application_id == disputed.id, Finding.rule == "income")).scalars()
            if f.record_refs == [SPOUSE_WAGE_REF]), None)
        if officer is not None and wage is not None:
            apps.resolve_finding(session, officer, disputed.number, wage.id, "corrected",
                                 "入户核实：张丽在社区超市做小时工，每月工资约300元，申请时未申报，按核对结果重新核算")
            done += 1
    waiting = cases.get(WAITING_APPLICANT)
    if waiting is not None and waiting.status in apps.ALLOWED["retry_check"]:
        now = datetime.now(timezone.utc)
        breaker = dc.BreakerConfig.from_env()
        vs.start_online_check(session, "demo", waiting, ["vehicles"])
        for _ in range(breaker.failures):
            vs._outcome(session, "vehicles", "timeout", now, breaker)
        row = session.execute(select(OnlineCheck).where(OnlineCheck.application_id == waiting.id)).scalar_one()
        vs._wait(session, "demo", waiting, row, {"vehicles": "timeout"}, now)
        done += 1
    return done
