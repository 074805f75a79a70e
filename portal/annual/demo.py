"""Demo annual reports: the demo county's report for this year, written and submitted to the city (so the city
officer has one to accept or return), and the city's own draft with its figures rolled up from its counties.
Idempotent: skipped when any annual report exists or the officers are missing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts import services as auth
from portal.accounts.models import User
from portal.annual import services as svc
from portal.annual.models import AnnualReport
from portal.kernel.workdays import china_today

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
