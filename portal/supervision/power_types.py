"""The shape of one listed power (shared by the seed data and the rules)."""

from __future__ import annotations

from dataclasses import dataclass, field

GRADE_A, GRADE_B = "A", "B"  # A: decides a resident's entitlement or money; B: handling, data access, management


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
