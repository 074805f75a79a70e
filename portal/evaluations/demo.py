"""Demo supervisors' evaluations for 长安区: two appointed supervisors, two closed rounds (published notices, with
青园街道's window last both times, so flagged for a talk) and one open round assigned to the demo supervisor.
Everything goes through the real workflow (guards, audit). Idempotent: nothing happens once any round exists.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.evaluations.models import EvaluationRound
from portal.accounts import services as auth
from portal.evaluations import services as ew
from portal.evaluations.rules import DEFAULT_CRITERIA
from portal.kernel.workdays import CHINA_TZ, china_date

COUNTY = "130102"  # 长安区
WINDOWS = ["HB-SJZ-0001", "HB-SJZ-0002", "HB-SJZ-0003"]
SECOND_SUPERVISOR = ("supervisor_zhang", "义务监督员 张师傅")
# Per window: (attitude, efficiency, openness, integrity) given by the two supervisors in the closed rounds.
SCORES = {
    "HB-SJZ-0001": [(5, 4, 5, 5), (4, 4, 4, 5)],
    "HB-SJZ-0002": [(5, 5, 4, 5), (5, 4, 4, 5)],
    "HB-SJZ-0003": [(3, 2, 3, 4), (3, 3, 2, 4)],
}
COMMENTS = {
    "HB-SJZ-0001": "窗口整洁，政策公开栏内容齐全。",
    "HB-SJZ-0002": "工作人员耐心解答，一次性告知材料。",
    "HB-SJZ-0003": "排队较长，办事指南未及时更新。",
}
SITE = {"HB-SJZ-0001": (38.0425, 114.5215), "HB-SJZ-0002": (38.0512, 114.5060), "HB-SJZ-0003": (38.0338, 114.5302)}


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=CHINA_TZ).astimezone(timezone.utc)


def _evaluate(session: Session, actor, assignment_id: int, code: str, scores: tuple[int, ...], when: datetime,
              submit: bool = True) -> None:
    keys = [key for key, _w in DEFAULT_CRITERIA]
    ew.save_draft(session, actor, assignment_id, scores=dict(zip(keys, scores)),
                  overall_comment=COMMENTS[code], now=when)
    lat, lon = SITE[code]
    ew.check_in(session, actor, assignment_id, lat=lat, lon=lon, accuracy_m=15, now=when)
    if submit:
        ew.submit(session, actor, assignment_id, now=when)


def load(session: Session, password: str, now: datetime | None = None) -> int:
    """Returns the number of rounds created (0 when demo evaluations are already there)."""
    if session.execute(select(func.count()).select_from(EvaluationRound)).scalar_one():
        return 0
    now = now or datetime.now(timezone.utc)
    today = china_date(now)
    users = {u.username: u for u in session.execute(select(User)).scalars()}
    if "admin" not in users or "supervisor" not in users:
        return 0
    admin = auth.actor_for_user(session, users["admin"])
    username, display = SECOND_SUPERVISOR
    if username not in users:
        users[username] = auth.create_user(session, username, display, password, [], created_by=admin)
    for name in ("supervisor", username):
        ew.appoint_supervisor(session, admin, name, COUNTY, today - timedelta(days=300), today + timedelta(days=430))
    sups = [auth.actor_for_user(session, users[name]) for name in ("supervisor", username)]

    titles = ["长安区窗口服务民主评议（第一轮）", "长安区窗口服务民主评议（第二轮）", "长安区窗口服务民主评议（第三轮）"]
    # Closed rounds: periods of 30 days, 90 and 60 days ago; submitted a few days after each period, closed later.
    for number, days_ago in enumerate((90, 60)):
        start, end = today - timedelta(days=days_ago), today - timedelta(days=days_ago - 29)
        opened = _at(end)
        rnd = ew.open_round(session, admin, title=titles[number], region_code=COUNTY, period_start=start,
                            period_end=end, due_on=end + timedelta(days=7), criteria=list(DEFAULT_CRITERIA),
                            now=opened)
        for code in WINDOWS:
            target = ew.add_window_target(session, admin, rnd.id, code)
            for i, sup in enumerate(sups):
                a = ew.assign(session, admin, target.id, sup.username, now=opened)
                _evaluate(session, sup, a.id, code, SCORES[code][i], _at(end + timedelta(days=2 + i)))
        ew.close_round(session, admin, rnd.id, now=_at(end + timedelta(days=10), 16))

    # The open round: the demo supervisor has two targets to do; the second supervisor is partly done.
    start = today - timedelta(days=29)
    rnd = ew.open_round(session, admin, title=titles[2], region_code=COUNTY, period_start=start, period_end=today,
                        due_on=today + timedelta(days=14), criteria=list(DEFAULT_CRITERIA), now=now)
    targets = {code: ew.add_window_target(session, admin, rnd.id, code) for code in WINDOWS}
    for code in ("HB-SJZ-0002", "HB-SJZ-0003"):
        ew.assign(session, admin, targets[code].id, "supervisor", now=now)
    for code in WINDOWS:
        a = ew.assign(session, admin, targets[code].id, username, now=now)
        _evaluate(session, sups[1], a.id, code, SCORES[code][1], now, submit=code != "HB-SJZ-0003")
    return 3
