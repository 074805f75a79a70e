"""Supervision of power (权力阳光运行): the power list (权力清单) and the risk rules (风险点), as data and pure checks.

Every audit action the portal writes is either the exercise of one listed power (`POWER_OF_ACTION`) or an act that
is no power at all (`NOT_A_POWER`: a resident filing, a sign-in, the system's own housekeeping). A test scans the
code for audit action names and fails on one that is in neither, so a new privileged act cannot go unlisted.

The seed below is version 1 of the list; admins keep it as dated versions (`services.set_power`). Which actions
belong to a power is a fact of the code and stays here; names, basis, limits, posts and points are the admins'.

Risk rules: each has a default threshold and window, the level that reviews a hit (the level above the office
where the act happened), and a pure predicate at its boundary, e.g.

>>> too_fast(working_days=5, minimum=6)
True
>>> too_fast(working_days=6, minimum=6)
False
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

GRADE_A, GRADE_B = "A", "B"  # A: decides a resident's entitlement or money; B: handling, data access, management
LEVELS = ("province", "city", "county", "township", "village")


@dataclass(frozen=True)
class PowerSeed:
    key: str
    name_zh: str
    name_en: str
    grade: str
    legal_basis: str
    office_level: str  # the level of the office that holds it: township, county, city, province
    time_limit_wd: int | None  # working days; None when the power has no time limit of its own
    a_post: str  # A 岗: who acts
    b_post: str  # B 岗: who stands in
    process_zh: str
    process_en: str
    control_points: tuple[str, ...]  # 内控点
    risk_points: tuple[str, ...]  # 风险点
    actions: tuple[str, ...] = field(default=())


_MEASURES = "《社会救助暂行办法》（国务院令第649号）"
_DIBAO = "《最低生活保障审核确认办法》（民发〔2021〕57号）"
_REPORT = "《社会救助暂行办法》第五十七条；省民政厅举报受理办法"
_EVAL = "《关于权力阳光运行与监管的规定》；民政服务满意度评价制度"

POWERS: tuple[PowerSeed, ...] = (
    PowerSeed("dibao.accept", "低保申请受理", "Accepting a dibao application", GRADE_A, _DIBAO + "第九条", "township", 3,
              "乡镇低保经办人", "乡镇社会救助站站长",
              "收到申请 → 核对材料 → 受理或一次性告知补正", "Application received → materials checked → accepted, or "
              "one complete list of missing materials",
              ("一次性告知补正材料", "受理即生成办理时限"), ("推诿不受理", "多次要求补正"),
              ("application.accept", "application.request_materials")),
    PowerSeed("dibao.investigate", "入户调查与经济状况核对", "Home survey and economic-status check", GRADE_A,
              _DIBAO + "第十二至十五条", "township", 3, "乡镇调查人员（两人以上）", "村（社区）协助人员",
              "入户调查 → 信息核对 → 申请人复查（如有异议） → 书面调查结论",
              "Home survey → registry cross-check → recheck if disputed → written findings",
              ("两人以上入户", "核对结果逐项说明", "亲属关系户由县级入户核查"),
              ("调查与审批同一人（A/B岗不分）", "隐瞒核对差异", "关系保、人情保"),
              ("application.home_survey", "application.cross_check", "application.recheck", "application.county_visit")),
    PowerSeed("dibao.preliminary", "低保初审", "Preliminary decision", GRADE_A, _DIBAO + "第十六条", "township", 3,
              "乡镇低保经办人", "乡镇分管领导",
              "调查结论 → 初审意见 → 提交公示", "Findings → preliminary opinion → to publicity",
              ("初审意见书面说明理由",), ("未查清即提交", "初审与调查为同一人"),
              ("application.preliminary",)),
    PowerSeed("dibao.publicity", "初审公示", "Publicity of the preliminary decision", GRADE_B, _DIBAO + "第十七条",
              "township", 7, "乡镇低保经办人", "村（社区）协助人员",
              "公示 7 天 → 受理异议 → 公示期满", "Published 7 days → objections heard → publicity ends",
              ("公示满 7 天", "公示信息脱敏"), ("公示不满 7 天", "公示后短时撤下"),
              ("application.publish", "roster.batch_publish")),
    PowerSeed("dibao.decide", "低保审核确认", "County decision (审核确认)", GRADE_A, _DIBAO + "第十八、十九条", "county", 10,
              "县级民政审核人员", "县级民政分管领导",
              "公示期满 → 审核确认 → 批准（次月发放）或书面说明不予批准理由",
              "Publicity over → county review → approved (paid from next month) or refused with written reasons",
              ("调查人不得审批", "全流程不超过 30 个工作日（可延至 45）"),
              ("审批过快、跳过环节", "调查与审批同一人", "关系保"),
              ("application.county_decision",)),
    PowerSeed("dibao.extend", "延长办理时限", "Extending the processing time", GRADE_B, _DIBAO + "第二十条", "county", None,
              "县级民政审核人员", "县级民政分管领导",
              "书面说明理由 → 延长至 45 个工作日", "Written reasons → extended to 45 working days",
              ("书面理由",), ("无理由拖延",),
              ("application.extend",)),
    PowerSeed("dibao.register", "在册对象纳入与恢复", "Admitting and resuming recipients", GRADE_A, _DIBAO + "第二十二条",
              "county", None, "县级民政审核人员", "县级民政分管领导",
              "审批通过 → 纳入在册名单 → 长期公示", "Approved → entered in the register → standing roster",
              ("只纳入经审批的家庭",), ("短时间内同一人在同一村大量新增", "未经审批纳入"),
              ("register.admit", "register.resume", "register.import", "roster.standing_add")),
    PowerSeed("dibao.stop", "低保暂停与停发", "Suspending and stopping the allowance", GRADE_A, _MEASURES + "第十三条",
              "county", None, "县级民政审核人员", "县级民政分管领导",
              "核查变化 → 书面理由 → 暂停或停发 → 撤下公示", "Change verified → written reasons → suspended or "
              "stopped → taken off the roster",
              ("停发须书面说明理由",), ("打击报复实名举报人", "随意停发"),
              ("register.suspend", "register.stop")),
    PowerSeed("roster.withdraw", "撤下公示条目", "Withdrawing a roster entry", GRADE_B, _DIBAO + "第十七条", "township",
              None, "乡镇低保经办人", "乡镇分管领导",
              "书面理由 → 撤下 → 留痕可查", "Written reason → withdrawn → traceable",
              ("撤下须写明理由",), ("公示后数小时内撤下，规避监督",),
              ("roster.entry_withdraw",)),
    PowerSeed("data.personal", "查阅个人信息", "Reading personal data", GRADE_B, "《个人信息保护法》；《社会救助暂行办法》第六十六条",
              "township", None, "经办本案的工作人员", "指定查阅人员",
              "因办案需要 → 查阅 → 每次留痕", "Needed for the case → read → every read logged",
              ("仅办案人可见全文", "每次查阅留痕"), ("泄露举报人信息", "超范围查询"),
              ("application.id_numbers_view", "application.document_view", "register.lookup",
               "report.identity_view", "report.evidence_view", "report.payout_view", "followup.phone_view",
               "evaluation.photo_view")),
    PowerSeed("report.handle", "举报投诉受理办理", "Handling a report", GRADE_B, _REPORT, "township", 5,
              "首问负责人", "同级其他经办人",
              "首问负责 → 7 日内告知受理 → 调查 → 答复", "First responsibility → acknowledged within 7 days → "
              "investigated → replied",
              ("首问负责", "利益冲突回避", "实名举报书面答复"), ("压案不办", "向被举报人泄露信息"),
              ("report.take", "report.transfer", "report.acknowledge", "report.reply", "report.conflict")),
    PowerSeed("report.conclude", "举报办结认定", "Concluding a report", GRADE_A, _REPORT, "township", None,
              "首问负责人", "上一级民政部门",
              "调查结论 → 认定属实、部分属实或不属实 → 书面告知", "Findings → substantiated, partly or unfounded → "
              "written answer",
              ("涉及工作人员的举报由上一级办理",), ("被举报人所在单位认定不属实",),
              ("report.conclude",)),
    PowerSeed("reward.grant", "举报奖励决定、审批与发放", "Deciding, approving and paying a reward", GRADE_A, _REPORT,
              "county", None, "县级民政经办人（决定）", "另一名经办人审批、财务发放",
              "按标准决定 → 另一人审批 → 财务发放", "Decided by the rule → approved by a second officer → paid by "
              "finance",
              ("决定与审批分离", "财务凭回执发放"), ("奖励发放到经办人关联账户",),
              ("report.reward_decide", "report.reward_approve", "report.reward_reject", "report.reward_paid")),
    PowerSeed("rating.followup", "差评整改回复", "Answering a bad review", GRADE_B, _EVAL, "township", 5,
              "窗口工作人员", "窗口负责人",
              "1 个工作日内回访 → 5 个工作日内整改或说明 → 申诉", "Call back within 1 WD → fix or explain within "
              "5 WD → appeal",
              ("限时回访",), ("对差评人施压",),
              ("followup.answer", "followup.callback", "followup.appeal")),
    PowerSeed("rating.review", "差评复核与刷评处理", "Reviewing bad reviews and rating bursts", GRADE_B, _EVAL, "county",
              None, "县级民政经办人", "县级分管领导",
              "复核答复 → 裁决申诉 → 处理刷评", "Review the answer → decide the appeal → clear a burst",
              ("申诉由上级裁决",), ("反复扣留评价、压制差评",),
              ("followup.appeal_decided", "followup.close", "rating.burst_decided", "poster.download")),
    PowerSeed("evaluation.organize", "组织民主评议", "Organising an evaluation round", GRADE_B, _EVAL, "city", None,
              "市级民政管理员", "省级民政管理员",
              "聘任监督员 → 开启评议 → 指派 → 关闭并通报", "Appoint supervisors → open a round → assign → close "
              "and publish",
              ("每年至少两次",), ("指派有利益关系的监督员",),
              ("supervisor.appoint", "evaluation.round_open", "evaluation.target_add", "evaluation.assign",
               "evaluation.unassign", "evaluation.round_close")),
    PowerSeed("evaluation.perform", "监督员评议", "A supervisor's evaluation", GRADE_B, _EVAL, "township", None,
              "义务监督员", "同轮其他监督员",
              "现场签到 → 打分拍照 → 提交", "Check in on site → score with photos → submit",
              ("现场签到",), ("未到现场即评分",),
              ("evaluation.draft", "evaluation.checkin", "evaluation.photo_add", "evaluation.photo_remove",
               "evaluation.submit", "evaluation.conflict")),
    PowerSeed("policy.set", "保障标准与政策参数设定", "Setting standards and policy parameters", GRADE_A,
              _MEASURES + "第十条", "city", None, "市级民政管理员", "省级民政管理员",
              "依文号设定 → 注明生效日期 → 留存历史", "Set by document number → effective date → history kept",
              ("参数附文号和生效日期",), ("无依据调整标准",),
              ("eligibility.parameter_set", "policy.set", "calendar.set_day", "verification.rule_set")),
    PowerSeed("verification.run", "家庭经济状况批量核对", "Re-verifying the register", GRADE_B, _MEASURES + "第十一条",
              "province", None, "省级核对中心", "市级核对中心",
              "导入部门数据 → 比对 → 结果交乡镇处理", "Load department files → compare → findings to townships",
              ("数据来源留痕",), ("选择性比对",),
              ("verification.batch_loaded", "verification.run_started", "verification.run_resumed",
               "verification.run_finished")),
    PowerSeed("accounts.manage", "账号与授权管理", "Accounts and grants", GRADE_B, "平台安全管理制度", "province", None,
              "系统管理员", "省级民政分管领导",
              "申请 → 授权到辖区 → 留痕", "Request → granted over a region → logged",
              ("按辖区最小授权",), ("越权授权",),
              ("user.create", "audit.verify")),
    PowerSeed("supervision.watch", "在线监察与问责", "Online supervision and accountability", GRADE_B,
              "《关于权力阳光运行与监管的规定》", "county", 5, "上一级民政部门或督察人员", "同级纪检人员",
              "风险提示 → 限期说明 → 书面结论（说明、纠正、移送）", "Risk hit → explained by the deadline → written "
              "outcome (explained, corrected, referred)",
              ("本人不得处理涉及本人的事项",), ("压下风险提示",),
              ("supervision.item_opened", "supervision.item_closed", "supervision.power_set",
               "supervision.rule_set")),
)

# Acts that are recorded but are no exercise of power, with the reason.
NOT_A_POWER: dict[str, str] = {
    "auth.signin": "sign-in", "auth.signout": "sign-in", "auth.signin_failed": "sign-in",
    "auth.signin_throttled": "sign-in", "auth.signin_disabled": "sign-in",
    "report.track_throttled": "resident look-up", "report.track_failed": "resident look-up",
    "apply.track_throttled": "resident look-up", "apply.track_failed": "resident look-up",
    "application.submit": "resident", "application.materials_supplied": "resident",
    "report.file": "resident", "report.add_info": "resident", "report.reward_claim": "resident",
    "rating.burst_flagged": "system detection", "application.drafts_swept": "system housekeeping",
    "uploads.swept": "system housekeeping",
}

POWER_OF_ACTION: dict[str, str] = {a: p.key for p in POWERS for a in p.actions}
POWER_KEYS = tuple(p.key for p in POWERS)


def power_for(action: str) -> str | None:
    return POWER_OF_ACTION.get(action)


# --- risk rules ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RiskRule:
    key: str
    threshold: int  # the number the rule compares with (days, hours, count); see `unit`
    unit: str  # "working_days", "hours", "count"
    window_days: int  # how far back the rule looks
    review_level: str  # "above": the level above the office where the act happened
    deadline_wd: int  # working days the reviewing level has to write the outcome
    trigger_actions: tuple[str, ...]


RISK_RULES: tuple[RiskRule, ...] = (
    RiskRule("ab_separation", 1, "count", 365, "above", 5, ("application.county_decision",)),
    RiskRule("too_fast", 6, "working_days", 365, "above", 5, ("application.county_decision",)),
    RiskRule("quick_withdraw", 24, "hours", 30, "above", 5, ("roster.entry_withdraw",)),
    RiskRule("own_office_unfounded", 1, "count", 365, "above", 5, ("report.conclude",)),
    RiskRule("burst_repeat", 3, "count", 30, "above", 5, ("rating.burst_flagged",)),
    RiskRule("retaliation", 180, "days", 180, "above", 5, ("register.stop", "register.suspend")),
    RiskRule("bulk_admit", 10, "count", 3, "above", 5, ("register.admit",)),
)
RULES_BY_KEY = {r.key: r for r in RISK_RULES}
TRIGGERS: dict[str, tuple[str, ...]] = {}
for _r in RISK_RULES:
    for _a in _r.trigger_actions:
        TRIGGERS[_a] = (*TRIGGERS.get(_a, ()), _r.key)

OUTCOMES = ("explained", "corrected", "referred")  # 已说明, 已纠正, 已移送


def too_fast(working_days: int, minimum: int) -> bool:
    """Decided in fewer working days after acceptance than survey, publicity and review can take."""
    return working_days < minimum


def within_hours(published: datetime, withdrawn: datetime, hours: int) -> bool:
    """Withdrawn at most `hours` after publication (the boundary counts: exactly 24 h is within 24 h)."""
    return timedelta(0) <= withdrawn - published <= timedelta(hours=hours)


def repeated(count: int, threshold: int) -> bool:
    """The n-th occurrence in the window reaches the threshold."""
    return count >= threshold


def within_days(first: datetime, then: datetime, days: int) -> bool:
    return timedelta(0) <= then - first <= timedelta(days=days)


def level_above(level: str) -> str:
    """The level that reviews a hit at `level` (a province's own acts are reviewed by the province)."""
    i = LEVELS.index(level)
    return LEVELS[max(i - 1, 0)]


def share_pct(on_time: int, total: int) -> int | None:
    """Whole per cent done within the time limit, rounded down so 99.6 % never shows as 100 %; None without data."""
    return None if total <= 0 else on_time * 100 // total
