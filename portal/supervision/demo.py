"""Demo data for supervision: two inspectors, one case taken through by a single officer who surveyed and decided it
(a real A/B-separation hit, opened by the risk rule as the decision was written), one closed inspection of 长安区 with
its report (findings, a rectification answered and accepted, a referral with its outcome, its decision's document
number and body), and one notice of criticism resting on it, drafted by the city's inspector and approved by the
county's officer; a reward paid to the handling officer's own bank card (a reward_to_staff hit for the county, open
on the board to be referred) and a replacement of that card proposed by one admin, waiting on /admin/accounts for
another; and on /admin/supervision a published later version of one power and a risk rule
re-set with its reason. Idempotent."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts import services as auth
from portal.accounts.models import User
from portal.kernel.permissions import Role
from portal.regions.models import Region
from portal.applications.models import Application

# username, display name, region code
INSPECTORS = [("inspector", "市纪检督察 郑明", "1301"), ("inspector_zhengding", "正定县督察 冯立", "130123")]
VILLAGE = "130102001002"
CASE = ("周文华", "13931100009", [("周文华", "applicant", 58, 0, {"wage": 600_00}), ("吴玉兰", "spouse", 56, 0, {})])
ASSETS = {"deposits": 3_000_00, "vehicles": 0, "houses": 1, "housing_area": 40, "businesses": 0}


def load_accounts(session: Session, password: str) -> list[tuple[str, str, str]]:
    by_code = {r.code: r for r in session.execute(select(Region)).scalars()}
    existing = set(session.execute(select(User.username)).scalars())
    for username, name, code in INSPECTORS:
        if username not in existing and code in by_code:
            auth.create_user(session, username, name, password, [(Role.INSPECTOR, by_code[code])])
    return INSPECTORS


def load_case(session: Session, store=None) -> int:
    """One case surveyed and decided by officer_county: the A/B rule opens an item for the city."""
    from portal.applications import services as apps
    from portal.applications.demo import _members, _photo
    from portal.kernel.calendar_store import load_calendar
    from portal.supervision import services as supervision

    if session.execute(select(Application.id).where(Application.applicant_name == CASE[0])).first() is not None:
        return 0
    user = session.execute(select(User).where(User.username == "officer_county")).scalar_one_or_none()
    if user is None or session.execute(select(Region).where(Region.code == VILLAGE)).scalar_one_or_none() is None:
        return 0
    officer = auth.actor_for_user(session, user)
    supervision.install()
    cal = load_calendar(session)
    store = store or apps.document_store()
    at = datetime.now(timezone.utc) - timedelta(days=40)
    name, phone, members = CASE
    app, _secret = apps.create_draft(session, now=at)
    answers = {"village": VILLAGE, "residence": "urban", "applicant": {"name": name, "phone": phone},
               "members": _members(*members),
               "assets": ASSETS, "hardship": False, "related": {"any": False, "detail": ""}, "consent": [0, 1]}
    for section, value in answers.items():
        apps.save_section(session, app, section, value, now=at)
    apps.add_document(session, app, "id_card", _photo("ID"), store, now=at)
    apps.submit(session, app, now=at, cal=cal)
    step = at + timedelta(hours=2)
    apps.accept(session, officer, app.number, now=step, cal=cal)
    apps.record_home_survey(session, officer, app.number, "入户查看，夫妻二人同住，收入与申报一致。",
                            now=step + timedelta(days=1), cal=cal)
    apps.record_cross_check(session, officer, app.number, "match", "", now=step + timedelta(days=1), cal=cal)
    apps.preliminary_decision(session, officer, app.number, True, "家庭人均收入低于标准，财产符合规定，同意。",
                              now=step + timedelta(days=2), cal=cal)
    apps.send_to_publicity(session, officer, app.number, now=step + timedelta(days=2), cal=cal)
    apps.county_decision(session, officer, app.number, True, "公示期满无异议，同意纳入低保。",
                         now=step + timedelta(days=12), cal=cal)
    supervision.sweep(session)
    return 1


INSPECTED = "130102"
RECTIFY_OFFICE = "130102001"
SEED = 20261101


def _actor(session: Session, username: str):
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    return None if user is None else auth.actor_for_user(session, user)


def load_documents(session: Session) -> int:
    """One closed inspection of 长安区 (its report is downloadable) and one published notice of criticism."""
    from portal.supervision import services as sup
    from portal.supervision.models import Inspection, InspectionCase, Notice

    if session.execute(select(Notice.id)).first() is not None:
        return 0
    inspector, county, township = (_actor(session, u) for u in ("inspector", "officer_county", "officer_jianbei"))
    region = session.execute(select(Region).where(Region.code == INSPECTED)).scalar_one_or_none()
    if None in (inspector, county, township, region):
        return 0
    topic = next((t for t in ("funds", "identification") if sup.inspection_population(session, region, t)), None)
    if topic is None:
        return 0
    at = datetime.now(timezone.utc) - timedelta(days=12)
    ins = session.execute(select(Inspection).where(Inspection.seed == str(SEED))).scalar_one_or_none()
    if ins is None:
        ins = sup.open_inspection(session, inspector, INSPECTED, topic, size=3, seed=SEED, now=at)
    cases = session.execute(select(InspectionCase).where(InspectionCase.inspection_id == ins.id)
                            .order_by(InspectionCase.position)).scalars().all()
    first = cases[0]
    names = sup.case_persons(session, topic, [first.ref]).get(first.ref) or ["该户"]
    sup.record_finding(session, inspector, first.id, "problem",
                       f"{names[0]}家庭成员名下有一辆车辆未申报，经办人员未入户核实即审核通过。", now=at)
    for case in cases[1:]:
        sup.record_finding(session, inspector, case.id, "ok", "材料齐全，认定和金额符合规定。", now=at)
    rect = sup.set_rectification(session, inspector, ins.id, RECTIFY_OFFICE,
                                 "重新核查该户车辆情况，依规调整待遇，并对全街道在保家庭车辆情况开展自查。", 10,
                                 case_id=first.id, now=at)
    sup.answer_rectification(session, township, rect.id, "已入户核实并停发该户低保，追回多领保障金；全街道自查完毕。",
                             now=at + timedelta(days=5))
    sup.close_rectification(session, inspector, rect.id, now=at + timedelta(days=6))
    sup.close_inspection(session, inspector, ins.id, now=at + timedelta(days=6))
    ref = sup.refer(session, inspector, target="建北街道低保经办人", grounds="未入户核实即审核通过，造成多领保障金。",
                    body="长安区纪委监委", inspection_id=ins.id, now=at + timedelta(days=6))
    sup.record_accountability(session, inspector, ref.id, "notice", (at + timedelta(days=9)).date(),
                              decision_no="长纪〔2026〕17号", decided_by="长安区纪委监委")
    today = datetime.now(timezone.utc).date()
    notice = sup.draft_notice(session, inspector, sup.NoticeDraft(
        region_code=INSPECTED, kind="criticism", title="关于建北街道低保审核把关不严的通报批评",
        body=f"{today.year}年资金发放专项督察发现，建北街道在审核中未入户核实{names[0]}家庭车辆情况即审核通过，"
             "造成多领保障金。现予通报批评，请各街道引以为戒，严格落实入户调查和审核确认制度。",
        period_start=today - timedelta(days=90), period_end=today,
        offices=(RECTIFY_OFFICE,), persons=(), referral_ids=(ref.id,), case_ids=(first.id,)),
        now=at + timedelta(days=10))
    sup.approve_notice(session, county, notice.id, now=at + timedelta(days=11))
    return 1


# The bank card officer_qingyuan recorded as their own, and the reward a reporter "claimed" to it (made-up numbers).
OWN_CARD = "6228 4801 2345 6789 012"
REWARD_REGION = "130102002001"
BURST_REASON = "刷评多为跨县组织，由市级统一复核。"


def load_reward_hit(session: Session, key: str) -> int:
    """A report in 青园 handled by officer_qingyuan, whose reward is claimed to the bank card officer_qingyuan
    recorded as their own and paid by finance: the reward_to_staff rule opens an item for 长安区 (the county reviews;
    officer_county approved the reward, so the city's inspector handles it)."""
    from portal.accounts.models import StaffAccountMark
    from portal.kernel.workdays import china_date
    from portal.reports import services as reports
    from portal.reports.models import Report
    from portal.supervision import services as sup

    if session.execute(select(StaffAccountMark.id)).first() is not None:
        return 0
    admin, township, county, finance = (_actor(session, u) for u in
                                        ("admin", "officer_qingyuan", "officer_county", "finance_county"))
    if None in (admin, township, county, finance):
        return 0
    auth.set_account_number(session, admin, township.user_id, "bank", OWN_CARD)
    now = datetime.now(timezone.utc)

    def at(days_ago: float) -> datetime:
        return now - timedelta(days=days_ago)

    filed = reports.file_report(session, reports.NewReport(
        category="fraud", subject="青园社区 孙某", region_code=REWARD_REGION,
        description="孙某在外地有两套房出租，收入不低，仍在领取低保。"), device_id="demo-supervision-reward",
        client="demo", key=key, now=at(30))
    report = session.execute(select(Report).where(Report.receipt_code == filed.receipt_code)).scalar_one()
    reports.take(session, township, report.id, now=at(29))
    reports.acknowledge(session, township, report.id, "已受理，将核对不动产登记。", now=at(29))
    reports.conclude(session, township, report.id, "substantiated",
                     "经核对不动产登记，举报属实，已停发并追回多领的保障金 9,600 元。", 960_000, now=at(20))
    reports.decide_reward(session, township, report.id, now=at(19))
    reports.approve_reward(session, county, report.id, True, now=at(18))
    reports.claim_reward(session, report, f"中国农业银行长安支行 {OWN_CARD}", now=at(15))
    reports.mark_paid(session, finance, report.id, china_date(at(10)), "CA-2026-0231", now=at(10))
    sup.sweep(session)
    return 1


# The card `admin` proposed after the hit, in place of OWN_CARD (made up): it waits for a second admin on
# /admin/accounts (`admin_city` may approve or reject it; `admin` may only withdraw it).
PROPOSED_CARD = "6228 4801 2345 0000 017"


def load_account_change(session: Session) -> int:
    """A replacement of officer_qingyuan's recorded bank card, proposed by `admin` and waiting for another admin."""
    from portal.accounts.models import StaffAccountChange, StaffAccountMark

    admin, township = _actor(session, "admin"), _actor(session, "officer_qingyuan")
    if admin is None or township is None or session.execute(select(StaffAccountChange.id)).first() is not None:
        return 0
    if session.execute(select(StaffAccountMark.id).where(StaffAccountMark.user_id == township.user_id)).first() is None:
        return 0  # only a recorded number is replaced
    auth.set_account_number(session, admin, township.user_id, "bank", PROPOSED_CARD)
    return 1


def load_admin(session: Session) -> int:
    """The province admin's changes on /admin/supervision: a later version of the 差评 answer's power (its time limit
    shortened from next New Year's Day, by document) and the burst rule's hits reviewed by the city."""
    from portal.kernel.workdays import china_today
    from portal.supervision import services as sup
    from portal.supervision.models import PowerVersion, RiskSetting

    admin = _actor(session, "admin")
    if admin is None or session.execute(select(PowerVersion.id)).first() is not None:
        return 0
    today = china_today()
    sup.revise_power(session, admin, "rating.followup", today.replace(year=today.year + 1, month=1, day=1),
                     f"冀民〔{today.year}〕88号", time_limit_wd=3, a_post="乡镇（街道）窗口负责人",
                     b_post="乡镇（街道）分管领导",
                     control_points=("差评 3 个工作日内回复", "回复须附整改措施", "上一级抽查回复质量"),
                     risk_points=("拖延不回复", "敷衍回复", "打压差评人"))
    if session.get(RiskSetting, "burst_repeat") is None:
        sup.set_rule(session, admin, "burst_repeat", True, 3, 30, review_level="city", reason=BURST_REASON)
    return 1


def load(session: Session, password: str, key: str, store=None) -> int:
    """`key`: the portal's secret key (the demo report's device and client hashes, like every report's)."""
    load_accounts(session, password)
    added = load_case(session, store)
    load_documents(session)
    load_reward_hit(session, key)
    load_account_change(session)
    load_admin(session)
    return added
