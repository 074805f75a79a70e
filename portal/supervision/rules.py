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

import bisect
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from portal.kernel.workdays import WorkCalendar

from portal.supervision.power_seed import POWERS
from portal.supervision.power_types import GRADE_A, GRADE_B, PowerSeed

__all__ = ["GRADE_A", "GRADE_B", "POWERS", "PowerSeed"]
LEVELS = ("province", "city", "county", "township", "village")

# Acts that are recorded but are no exercise of power, with the reason.
NOT_A_POWER: dict[str, str] = {
    "auth.signin": "sign-in", "auth.signout": "sign-in", "auth.signin_failed": "sign-in",
    "auth.signin_throttled": "sign-in", "auth.signin_disabled": "sign-in",
    "report.track_throttled": "resident look-up", "report.track_failed": "resident look-up",
    "apply.track_throttled": "resident look-up", "apply.track_failed": "resident look-up",
    "application.submit": "resident", "application.materials_supplied": "resident",
    "report.file": "resident", "report.add_info": "resident", "report.reward_claim": "resident",
    "rating.burst_flagged": "system detection", "supervision.item_opened": "system detection",
    "application.drafts_swept": "system housekeeping",
    "uploads.swept": "system housekeeping",
    "verification.grant": "resident", "verification.case_finding_answered": "resident",
    # Reads of personal or official data: audited so that every look can be answered for, but no decision.
    "application.export": "audited read", "application.form_print": "audited read", "audit.view": "audited read",
    "payments.export": "audited read", "rating.export_ranking": "audited read", "report.export_inbox": "audited read",
    "report.export_rewards": "audited read", "verification.findings_export": "audited read",
    "verification.case_findings_view": "audited read",
    "supervision.inspection_report": "audited read",
    "annual.download": "audited read",
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
    unit: str  # "working_days", "hours", "days", "count", "fen"
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
    RiskRule("staff_case_no_visit", 1, "count", 365, "above", 5, ("application.county_decision",)),
    RiskRule("amount_differs", 100, "fen", 365, "above", 5, ("application.county_decision",)),
    RiskRule("reward_to_staff", 1, "count", 365, "above", 5, ("report.reward_paid",)),
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


def visit_missing(related_to_staff: bool, visits: int, required: int) -> bool:
    """A case of a relative of staff or a cadre decided with fewer county home visits than required (1).

    >>> visit_missing(True, 0, 1), visit_missing(True, 1, 1), visit_missing(False, 0, 1)
    (True, False, False)
    """
    return related_to_staff and visits < required


def amount_differs(decided_fen: int, engine_fen: int, threshold_fen: int) -> bool:
    """The decided monthly amount is more than `threshold_fen` away from the engine's, either way (the boundary
    does not count: exactly ¥1 off with a ¥1 threshold is no hit).

    >>> amount_differs(50_101, 50_000, 100), amount_differs(49_900, 50_000, 100)
    (True, False)
    """
    return abs(decided_fen - engine_fen) > threshold_fen


def reward_to_staff(matched_numbers: int, threshold: int) -> bool:
    """A reward paid to at least `threshold` account numbers (bank card, phone, ID) that staff of the handling office
    hold themselves.

    >>> reward_to_staff(1, 1), reward_to_staff(0, 1)
    (True, False)
    """
    return matched_numbers >= threshold


# Who reviews a hit: the level above the office where the act happened, or a fixed higher level (never lower than
# the level above, so an office is never its own reviewer).
REVIEW_LEVELS = ("above", "city", "province")


def reviewing_level(office_level: str, setting: str) -> str:
    """The level whose officers review a hit at `office_level` under a rule's `setting`.

    >>> reviewing_level("township", "above"), reviewing_level("township", "city"), reviewing_level("city", "city")
    ('county', 'city', 'province')
    """
    above = level_above(office_level)
    if setting not in REVIEW_LEVELS or setting == "above":
        return above
    return LEVELS[min(LEVELS.index(above), LEVELS.index(setting))]


def within_days(first: datetime, then: datetime, days: int) -> bool:
    return timedelta(0) <= then - first <= timedelta(days=days)


def level_above(level: str) -> str:
    """The level that reviews a hit at `level` (a province's own acts are reviewed by the province)."""
    i = LEVELS.index(level)
    return LEVELS[max(i - 1, 0)]


@dataclass(frozen=True)
class TimeLimits:
    """Each power's time limit (working days) as the list read on a given day: the newest version in force then, the
    seed before any. An act is judged by the version in force on the day it was done, never by a later one.

    >>> limits = TimeLimits({"p": 3}, {"p": ((date(2026, 7, 1), 5), (date(2026, 9, 1), None))})
    >>> limits.on("p", date(2026, 6, 30)), limits.on("p", date(2026, 7, 1)), limits.on("p", date(2026, 9, 1))
    (3, 5, None)
    """

    seed: dict[str, int | None]
    versions: dict[str, tuple[tuple[date, int | None], ...]]  # key → (effective from, limit), oldest first

    def on(self, key: str, day: date) -> int | None:
        history = self.versions.get(key, ())
        i = bisect.bisect_right(history, day, key=lambda v: v[0])
        return history[i - 1][1] if i else self.seed.get(key)


SEED_LIMITS: dict[str, int | None] = {p.key: p.time_limit_wd for p in POWERS}


def within_limit(cal: WorkCalendar, started: date, done: date, limit_wd: int) -> bool:
    """Done within `limit_wd` working days of `started`, counted like every deadline (the starting day is not counted;
    done on the limit's last working day is in time, whatever holidays lie between).

    >>> within_limit(WorkCalendar(), date(2026, 3, 6), date(2026, 3, 11), 3)  # Friday → Wednesday: 3 WD
    True
    >>> within_limit(WorkCalendar(), date(2026, 3, 6), date(2026, 3, 12), 3)
    False
    """
    return cal.working_days_between(started, done) <= limit_wd


def share_pct(on_time: int, total: int) -> int | None:
    """Whole per cent done within the time limit, rounded down so 99.6 % never shows as 100 %; None without data."""
    return None if total <= 0 else on_time * 100 // total


# --- special inspections (专项督察) --------------------------------------------------------------------------------

TOPICS = ("identification", "funds", "reports")  # 对象认定, 资金发放, 举报办理
VERDICTS = ("ok", "problem")
ACCOUNTABILITY = ("criticism", "admonition", "notice", "discipline", "judicial")
# 批评教育, 诫勉谈话, 通报批评, 党纪政纪处分, 移送司法机关
Z = {90: 1.645, 95: 1.96, 99: 2.576}


def sample_size(population: int, confidence: int = 95, margin_pct: int = 5) -> int:
    """Cases to draw so a share estimated from the sample is within ±margin at the confidence level (p = 0.5, the
    most cautious), with the finite-population correction; never more than the population.

    >>> sample_size(10_000)
    370
    >>> sample_size(50)
    45
    >>> sample_size(0)
    0
    """
    if population <= 0:
        return 0
    z = Z[confidence]
    n0 = z * z * 0.25 / (margin_pct / 100) ** 2
    n = n0 / (1 + (n0 - 1) / population)
    return min(population, int(-(-n // 1)))


def draw_sample(population: list[str], size: int, seed: int) -> list[str]:
    """A reproducible sample: the population sorted, then Python's Mersenne Twister seeded with `seed` picks `size`
    of them. Anyone holding the same population and seed draws the same cases, in the same order.

    >>> draw_sample(["c", "a", "b", "d"], 2, 7) == draw_sample(["d", "b", "a", "c"], 2, 7)
    True
    """
    import random

    ordered = sorted(population)
    return random.Random(seed).sample(ordered, min(size, len(ordered)))


# --- documents: the inspection report and the notices (通报) --------------------------------------------------------

NOTICE_KINDS = ("praise", "criticism")  # 通报表扬, 通报批评
NOTICE_STATUSES = ("draft", "published", "returned")
# Words that make a named target an office or a post (建北街道低保经办人, 长安区民政局), not an individual.
OFFICE_WORDS = ("民政", "街道", "办事处", "政府", "经办", "工作人员", "救助", "中心", "委员会", "社区", "村委",
                "局", "站", "所", "科", "办")
PERSON_MAX_CHARS = 6
NOTICE_NUMBER_FORMAT = "督通〔{year}〕{region}-{seq:03d}号"
REPORT_NUMBER_FORMAT = "督报〔{year}〕{id:04d}号"


def is_individual(target: str, office_names: frozenset[str] | set[str] = frozenset()) -> bool:
    """Whether a named target is a person (to be masked) rather than an office or a post. Short, with no office word
    and no region's name in it: a person. When in doubt it is a person, so it is masked (fails closed).

    >>> is_individual("王小明")
    True
    >>> is_individual("建北街道低保经办人")
    False
    >>> is_individual("长安区民政局")
    False
    """
    from portal.kernel.masking import NAME_SEPARATORS

    value = "".join((target or "").split())
    if any(name and name in value for name in office_names) or any(w in value for w in OFFICE_WORDS):
        return False
    return len([c for c in value if c not in NAME_SEPARATORS]) <= PERSON_MAX_CHARS


def mask_persons(text: str, persons, style: str | None = None) -> str:
    """`text` with every listed individual's name replaced by its masked form (the one masker), longest name first
    so 王小明 is masked before 王小; ID, phone and card numbers scrubbed as well.

    >>> mask_persons("王小明未按时入户，王小明应作检查。电话13812345678", ["王小明"])
    '王*明未按时入户，王*明应作检查。电话***********'
    """
    from portal.kernel.masking import FULL, MIDDLE, mask_name, scrub_numbers

    style = MIDDLE if style in (None, FULL) else style  # a notice never names an individual in full
    out = text or ""
    for name in sorted({" ".join(p.split()) for p in persons if p and p.strip()}, key=len, reverse=True):
        out = out.replace(name, mask_name(name, style))
    return scrub_numbers(out)


def notice_number(year: int, region_code: str, seq: int) -> str:
    """The notice's document number (文号): 督通〔2026〕130102-001号."""
    return NOTICE_NUMBER_FORMAT.format(year=year, region=region_code, seq=seq)


def report_number(year: int, inspection_id: int) -> str:
    """The inspection report's document number: 督报〔2026〕0007号 (the year the inspection was opened)."""
    return REPORT_NUMBER_FORMAT.format(year=year, id=inspection_id)
