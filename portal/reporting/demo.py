"""Demo reward pool: last year's and this year's weight sets, each under its document number; this year's pool
decided by the provincial admin and approved by the province's officer, so /results shows an allocation with the
scores behind it; last year's decided by the admin and waiting for the officer's approval on /officer/reward-pool.
Idempotent."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts import services as auth
from portal.accounts.models import User
from portal.kernel.workdays import china_today
from portal.reporting import rules
from portal.reporting import services as rs
from portal.reporting.models import RewardPool, ScoreWeight

WEIGHTS = {rules.TERM_SATISFACTION: 400, rules.TERM_SUBSTANTIATED: 300, rules.TERM_PAID_ON_TIME: 300}
DOCUMENT = "冀民〔2026〕8号"
EARLIER_WEIGHTS = {rules.TERM_SATISFACTION: 500, rules.TERM_SUBSTANTIATED: 300, rules.TERM_PAID_ON_TIME: 200}
EARLIER_DOCUMENT = "冀民〔2025〕3号"


def _actor(session: Session, username: str):
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    return auth.actor_for_user(session, user) if user is not None else None


def load(session: Session, province_code: str = "13", today: date | None = None) -> bool:
    if session.execute(select(RewardPool.id).limit(1)).first() is not None:
        return False
    admin, second = _actor(session, "admin"), _actor(session, "officer_province")
    if admin is None or second is None:
        return False
    today = today or china_today()
    if session.execute(select(ScoreWeight.id).limit(1)).first() is None:
        rs.set_weights(session, admin, province_code, EARLIER_WEIGHTS, date(today.year - 1, 1, 1), EARLIER_DOCUMENT)
        rs.set_weights(session, admin, province_code, WEIGHTS, date(today.year, 1, 1), DOCUMENT)
    try:
        pool = rs.decide_pool(session, admin, province_code, today.year, 5_000_000_00, 30_000)
    except rs.ReportingError:
        return False  # no county reaches the floor yet: nothing to publish
    rs.approve_pool(session, second, pool.id, True)
    try:
        rs.decide_pool(session, admin, province_code, today.year - 1, 3_000_000_00, 20_000)
    except rs.ReportingError:
        pass  # nobody reached last year's floor: only this year's pool
    return True
