"""Demo data for eligibility and applications: the parameters of the demo cities and counties. Idempotent.

The amounts are in the range Hebei's cities published for 2025-2026 (urban standards around ¥900-1,050 a month,
rural around ¥650-800); the document numbers are marked 演示 (demo) because they are illustrative, not citations.
Parameters are data: admins change them with a new effective date and document number (services/eligibility_params).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models.regions import Region
from portal.services import eligibility as el
from portal.services import eligibility_params as ep

EXCLUDED = ["basic_pension", "award", "scholarship", "social_assistance", "disability_allowance"]

# (region code, effective from, document number, values)
PARAMETERS: list[tuple[str, date, str, dict[str, object]]] = [
    ("1301", date(2025, 7, 1), "石民发〔2025〕21号（演示）", {
        el.STANDARD_URBAN: 985_00, el.STANDARD_RURAL: 760_00, el.DEPOSIT_PER_MEMBER: 24_000_00,
        el.MAX_VEHICLES: 0, el.MAX_HOUSES: 1, el.AREA_PER_MEMBER: 45, el.MAX_BUSINESSES: 0,
        el.EXCLUDED_KINDS: EXCLUDED, el.WAGE_DEDUCTION: 100_00, el.NEAR_POOR_PERMILLE: 1500, el.TIERS: [],
        el.ROUND_TO_YUAN: True,
    }),
    # The standard rose on 2026-01-01: cases submitted before are judged by the 2025 values.
    ("1301", date(2026, 1, 1), "石民发〔2025〕58号（演示）", {el.STANDARD_URBAN: 1015_00, el.STANDARD_RURAL: 790_00}),
    # 正定县 sets its own rural standard and tiers (分档) for rural households.
    ("130123", date(2026, 1, 1), "正民字〔2025〕36号（演示）", {
        el.STANDARD_RURAL: 805_00,
        el.TIERS: [{"below": 200_00, "per_person": 620_00}, {"below": 400_00, "per_person": 420_00}],
    }),
    ("1306", date(2025, 7, 1), "保民〔2025〕17号（演示）", {
        el.STANDARD_URBAN: 890_00, el.STANDARD_RURAL: 650_00, el.DEPOSIT_PER_MEMBER: 20_000_00,
        el.MAX_VEHICLES: 0, el.MAX_HOUSES: 1, el.AREA_PER_MEMBER: 40, el.MAX_BUSINESSES: 0,
        el.EXCLUDED_KINDS: EXCLUDED, el.WAGE_DEDUCTION: 0, el.NEAR_POOR_PERMILLE: 1500, el.TIERS: [],
        el.ROUND_TO_YUAN: False,
    }),
]


def load_parameters(session: Session) -> int:
    by_code = {r.code: r for r in session.execute(select(Region)).scalars()}
    added = 0
    for code, since, document_no, values in PARAMETERS:
        if code in by_code:
            added += ep.seed(session, by_code[code], values, since, document_no, created_by="demo")
    return added


def load(session: Session) -> int:
    """Everything this feature needs to be shown after `scripts/start`."""
    return load_parameters(session)
