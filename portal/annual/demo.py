"""Demo annual reports: the demo county's report for this year, written and submitted to the city (so the city
officer has one to accept or return), and the city's own draft with its figures rolled up from its counties.
Last year's, for the province: both cities' reports submitted (after their due date, so they show as late) and
accepted, and the province's own report issued from them (`officer_baoding` is 保定市's officer, made here).
Idempotent: each part is skipped when its reports exist or the officers are missing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts import services as auth
from portal.accounts.models import Role, User
from portal.annual import services as svc
from portal.annual.models import AnnualReport
from portal.kernel.workdays import china_today
from portal.regions.models import Region

SECTIONS = {
    "policy": "严格执行省、市低保政策，城乡低保标准按时调整；全年新申请一律通过平台受理，每一步有办理时限，"
              "审核确认结果和民主评议情况按规定公示。",
    "management": "落实首问负责和一次性告知，申请、入户调查、核对、初审、审核确认全程留痕；"
                  "关系保单独登记，由县级入户核查。",
    "funds": "低保金按月社会化发放，制单与复核分人办理；银行退回款项逐笔核实后重新发放或停发，无截留挪用。",
    "incidents": "全年未发生重大事项和突发事件。",
    "supervision": "开展低保专项检查，对抽查案卷发现的问题限期整改；举报件按时受理、办结并向举报人反馈。",
    "plans": "下一步将加强动态管理，按季度开展数据核对，及时清退不再符合条件的对象。",
}


def _actor(session: Session, username: str):
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    return auth.actor_for_user(session, user) if user is not None else None


PROVINCE_SECTIONS = {
    "policy": "全省城乡低保标准按时调整，各市低保审核确认全部通过平台办理，办理时限和公示情况全程可查。",
    "management": "各市按季度开展数据核对，对逾期未办结的环节逐一督办；关系保一律由县级入户核查。",
    "funds": "省级补助资金按绩效得分分配（以奖代补），各市资金按月社会化发放，无截留挪用。",
    "incidents": "全年未发生重大事项和突发事件。",
    "supervision": "对各市开展低保专项督查，发现问题限期整改，并对整改情况进行通报。",
    "plans": "下一步将把各市报告按时报送情况纳入绩效评价。",
}
SECOND_CITY_OFFICER = ("officer_baoding", "保定市民政局 社会救助科 孙科长", "1306")


def load(session: Session, county_code: str = "130102", city_code: str = "1301") -> bool:
    if session.execute(select(AnnualReport.id).limit(1)).first() is not None:
        return False
    county, city = _actor(session, "officer_county"), _actor(session, "officer_city")
    if county is None or city is None:
        return False
    year = china_today().year
    report = svc.draft(session, county, county_code, year)
    svc.submit(session, county, report.id, SECTIONS)
    svc.draft(session, city, city_code, year)
    return True


def load_accounts(session: Session, password: str) -> list[tuple[str, str, str]]:
    username, name, code = SECOND_CITY_OFFICER
    region = session.execute(select(Region).where(Region.code == code)).scalar_one_or_none()
    if region is not None and _actor(session, username) is None:
        auth.create_user(session, username, name, password, [(Role.OFFICER, region)])
    return [SECOND_CITY_OFFICER]


def load_province(session: Session, province_code: str = "13") -> bool:
    """Last year's city reports accepted by the province and the province's report issued from them."""
    if session.execute(select(AnnualReport.id).where(AnnualReport.level == "province").limit(1)).first():
        return False
    province = _actor(session, "officer_province")
    cities = [(_actor(session, "officer_city"), "1301"), (_actor(session, SECOND_CITY_OFFICER[0]), "1306")]
    if province is None or any(who is None for who, _code in cities):
        return False
    year = china_today().year - 1
    for who, code in cities:
        report = svc.draft(session, who, code, year)
        if report.status in svc.rules.EDITABLE:
            svc.submit(session, who, report.id, SECTIONS)
        if report.status == svc.rules.SUBMITTED:
            svc.review(session, province, report.id, True)
    report = svc.draft(session, province, province_code, year)
    svc.issue(session, province, report.id, PROVINCE_SECTIONS)
    return True
