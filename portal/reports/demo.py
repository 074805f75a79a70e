"""Demo reports (举报) and rewards through the real service calls, plus the two accounts this feature adds: the
designated reader of reporters' identities and the county finance officer. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import Role, User
from portal.regions.models import Region
from portal.reports.models import Report
from portal.roster.models import RosterEntry
from portal.accounts import services as auth
from portal.reports import services as svc
from portal.kernel.workdays import china_date


@dataclass(frozen=True)
class ReportAccount:
    username: str
    display_name: str
    grants: tuple[tuple[Role, str], ...]


ACCOUNTS: list[ReportAccount] = [
    # Handles reports in the county like any officer, and is the one who may read reporters' identities.
    ReportAccount("report_viewer", "长安区民政局 举报受理专员 孙主任",
                  ((Role.OFFICER, "130102"), (Role.IDENTITY_VIEWER, "130102"))),
    ReportAccount("finance_county", "长安区民政局 财务 周会计", ((Role.FINANCE, "130102"),)),
]


def _actor(session: Session, username: str):
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    return auth.actor_for_user(session, user) if user else None


def load_accounts(session: Session, password: str) -> list[ReportAccount]:
    by_code = {r.code: r for r in session.execute(select(Region)).scalars()}
    existing = set(session.execute(select(User.username)).scalars())
    for acct in ACCOUNTS:
        if acct.username not in existing and all(code in by_code for _, code in acct.grants):
            auth.create_user(session, acct.username, acct.display_name, password,
                             [(role, by_code[code]) for role, code in acct.grants])
    return ACCOUNTS


def load(session: Session, password: str, key: str, now: datetime | None = None) -> int:
    """A handful of reports at every stage, once (never when any report exists). Returns how many were filed."""
    load_accounts(session, password)
    if session.execute(select(func.count()).select_from(Report)).scalar_one():
        return 0
    jianbei, county, viewer = (_actor(session, n) for n in ("officer_jianbei", "officer_county", "report_viewer"))
    finance = _actor(session, "finance_county")
    if not all((jianbei, county, viewer, finance)):
        return 0
    now = now or datetime.now(timezone.utc)
    serial = iter(range(1, 100))

    def file(days_ago: float, **kw) -> Report:
        filed = svc.file_report(session, svc.NewReport(**kw), device_id=f"demo-device-{next(serial)}",
                                client="demo", key=key, now=now - timedelta(days=days_ago))
        return session.execute(select(Report).where(Report.receipt_code == filed.receipt_code)).scalar_one()

    def at(days_ago: float) -> datetime:
        return now - timedelta(days=days_ago)

    # 1. Anonymous, nobody has taken it for 9 days: overdue for acknowledgement.
    file(9, category="fraud", subject="建北社区 7 号楼 刘某", region_code="130102001001",
         description="家里新买了一辆小轿车，还在市场上开了一家门市，仍然每月领低保。")
    # 2 + 3. Two objections to the same roster entry (grouped).
    entry = session.execute(select(RosterEntry.public_id).where(RosterEntry.name == "胡斌")).scalar_one_or_none()
    if entry:
        file(3, category="wrong_enrolment", subject="", roster_entry=entry,
             description="这户家里两个儿子都在外地打工，收入不低，不应该享受低保。")
        file(1, category="connections", subject="", roster_entry=entry,
             description="听说是靠村里的亲戚关系办下来的，请核查。")
    # 4. Real name, taken and acknowledged, a written reply sent.
    named = file(6, category="missed", subject="跃进社区 独居老人 王大爷", region_code="130102001002",
                 anonymous=False, name="陈丽", phone="13912345678",
                 description="王大爷 78 岁独居，没有收入，腿脚不便，一直没人帮他申请低保。")
    svc.take(session, jianbei, named.id, now=at(5))
    svc.acknowledge(session, jianbei, named.id, "已受理，社区工作人员将在 3 个工作日内上门了解情况。", now=at(5))
    svc.reply(session, jianbei, named.id, "已上门核实，正在协助王大爷准备申请材料。", now=at(2))
    # 5. About a staff member: handled by the county, one level up.
    file(2, category="staff_misconduct", subject="青园街道 低保经办人员", region_code="130102002",
         description="办理低保时暗示要请客送礼，否则材料一直不给受理。")
    # 6. Substantiated, reward decided by the township, approved by the county, paid by finance, claimed.
    paid = file(40, category="fraud", subject="建北社区 赵某 一家", region_code="130102001001",
                description="赵某家隐瞒了在外地的房产出租收入，每月租金三千多元，仍在领取低保。")
    svc.take(session, jianbei, paid.id, now=at(39))
    svc.acknowledge(session, jianbei, paid.id, "已受理，将开展入户调查并核对不动产登记。", now=at(38))
    svc.conclude(session, jianbei, paid.id, "substantiated",
                 "经核对不动产登记和租赁合同，举报属实。已停发低保并追回违规领取的资金 18,600 元。", 1_860_000,
                 now=at(20))
    svc.decide_reward(session, jianbei, paid.id, now=at(19))
    svc.approve_reward(session, county, paid.id, True, now=at(18))
    svc.claim_reward(session, paid, "到建北街道便民服务中心窗口凭受理码领取", now=at(15))
    svc.mark_paid(session, finance, paid.id, china_date(at(12)), "CA-2026-0117", now=at(12))
    # 7. Substantiated, reward approved and waiting for payment.
    waiting = file(25, category="splitting", subject="青园社区 某低保户", region_code="130102002001",
                   description="该户的低保金每月被村干部取走一半，户主本人只拿到一半。")
    svc.take(session, county, waiting.id, now=at(24))
    svc.acknowledge(session, county, waiting.id, "已受理，区民政局直接调查。", now=at(24))
    svc.conclude(session, county, waiting.id, "substantiated",
                 "经调查属实，涉事人员已移交纪检部门处理，被挪用的 4,200 元已退还户主。", 420_000, now=at(6))
    svc.decide_reward(session, county, waiting.id, now=at(5))
    svc.approve_reward(session, viewer, waiting.id, True, now=at(4))
    return 7
