"""Demo ratings: three months of plausible ratings per demo window, through the real submit path. Idempotent."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.ratings.models import Rating
from portal.regions.models import ServiceWindow
from portal.ratings import services as wf
from portal.ratings import rules

# Per window: how good it tends to be (weights for levels 5..1). HB-SJZ-0003 is the struggling one.
PROFILES = {
    "HB-SJZ-0003": (2, 3, 3, 4, 3),
}
DEFAULT_PROFILE = (10, 6, 2, 1, 0.5)
COMMENTS_GOOD = ["办事很快，工作人员很耐心", "一次就办好了", "讲解政策很清楚"]
COMMENTS_BAD = ["材料要求没有一次说清楚，跑了两趟", "等了一个多小时", "态度有点不耐烦"]


def load(session: Session, secret: str, now: datetime | None = None, days: int = 90) -> int:
    if session.execute(select(func.count()).select_from(Rating)).scalar_one():
        return 0
    rng = random.Random(20261122)
    now = now or datetime.now(timezone.utc)
    windows = session.execute(select(ServiceWindow).order_by(ServiceWindow.code)).scalars().all()
    created = 0
    for window in windows:
        weights = PROFILES.get(window.code, DEFAULT_PROFILE)
        for i in range(rng.randint(25, 45)):
            level = rng.choices([5, 4, 3, 2, 1], weights=weights)[0]
            when = now - timedelta(days=rng.uniform(0.5, days), minutes=i)
            offered = rules.TAGS_BY_LEVEL[level]
            tags = tuple(rng.sample(offered, k=rng.randint(0, 2)))
            comment = rng.choice(COMMENTS_GOOD if level >= 4 else COMMENTS_BAD) if rng.random() < 0.3 else ""
            phone = f"139{rng.randint(10000000, 99999999)}" if level <= 2 and rng.random() < 0.5 else ""
            wf.submit_rating(session, wf.NewRating(window.code, level, tags, comment, phone),
                             device_id=f"demo-{window.code}-{i}", client=f"demo-{window.code}-{i}",  # one resident each
                             secret=secret, now=when)
            created += 1
    session.flush()
    _settle_old_cases(session, now)
    return created


def _settle_old_cases(session: Session, now: datetime) -> None:
    """Bad reviews older than two weeks were answered and closed by the demo staff and officer, via the workflow."""
    from portal.accounts.models import User
    from portal.ratings.models import FollowupCase
    from portal.accounts.services import actor_for_user

    officer = actor_for_user(session, session.execute(select(User).where(User.username == "officer_province"))
                             .scalar_one())
    staff_by_window = {u.window_id: actor_for_user(session, u)
                       for u in session.execute(select(User).where(User.window_id.is_not(None))).scalars()}
    old = session.execute(select(FollowupCase).where(FollowupCase.opened_at < now - timedelta(days=14))).scalars()
    for case in list(old):
        staff = staff_by_window.get(case.window_id)
        if staff is None:
            continue
        wf.answer_case(session, staff, case.id, "已电话联系群众，说明政策并当场补办，窗口已加强一次性告知。")
        wf.close_case(session, officer, case.id, "整改到位，办结。")
