"""Demo data for supervision: two inspectors, and one case taken through by a single officer who surveyed and
decided it (a real A/B-separation hit, opened by the risk rule as the decision was written). Idempotent."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts import services as auth
from portal.accounts.models import User
from portal.kernel.permissions import Role
from portal.regions.models import Region
from portal.applications.models import Application

# username, display name, region code
INSPECTORS = [("inspector", "市纪检督察 郑明", "1301"), ("inspector_zhengding", "正定县督察 冯立", "130123")]
VILLAGE = "130102001002"
CASE = ("周文华", "13931100009", [("周文华", "applicant", 58, 0, {"wage": 600_00}), ("吴玉兰", "spouse", 56, 0, {})])
ASSETS = {"deposits": 3_000_00, "vehicles": 0, "houses": 1, "housing_area": 40, "businesses": 0}


def load_accounts(session: Session, password: str) -> list[tuple[str, str, str]]:
    by_code = {r.code: r for r in session.execute(select(Region)).scalars()}
    existing = set(session.execute(select(User.username)).scalars())
    for username, name, code in INSPECTORS:
        if username not in existing and code in by_code:
            auth.create_user(session, username, name, password, [(Role.INSPECTOR, by_code[code])])
    return INSPECTORS


def load_case(session: Session, store=None) -> int:
    """One case surveyed and decided by officer_county: the A/B rule opens an item for the city."""
    from portal.applications import services as apps
    from portal.applications.demo import _members, _photo
    from portal.kernel.calendar_store import load_calendar
    from portal.supervision import services as supervision

    if session.execute(select(Application.id).where(Application.applicant_name == CASE[0])).first() is not None:
        return 0
    user = session.execute(select(User).where(User.username == "officer_county")).scalar_one_or_none()
    if user is None or session.execute(select(Region).where(Region.code == VILLAGE)).scalar_one_or_none() is None:
        return 0
    officer = auth.actor_for_user(session, user)
    supervision.install()
    cal = load_calendar(session)
    store = store or apps.document_store()
    at = datetime.now(timezone.utc) - timedelta(days=40)
    name, phone, members = CASE
    app, _secret = apps.create_draft(session, now=at)
    answers = {"village": VILLAGE, "residence": "urban", "applicant": {"name": name, "phone": phone},
               "members": _members(*members),
               "assets": ASSETS, "hardship": False, "related": {"any": False, "detail": ""}, "consent": [0, 1]}
    for section, value in answers.items():
        apps.save_section(session, app, section, value, now=at)
    apps.add_document(session, app, "id_card", _photo("ID"), store, now=at)
    apps.submit(session, app, now=at, cal=cal)
    step = at + timedelta(hours=2)
    apps.accept(session, officer, app.number, now=step, cal=cal)
    apps.record_home_survey(session, officer, app.number, "入户查看，夫妻二人同住，收入与申报一致。",
                            now=step + timedelta(days=1), cal=cal)
    apps.record_cross_check(session, officer, app.number, "match", "", now=step + timedelta(days=1), cal=cal)
    apps.preliminary_decision(session, officer, app.number, True, "家庭人均收入低于标准，财产符合规定，同意。",
                              now=step + timedelta(days=2), cal=cal)
    apps.send_to_publicity(session, officer, app.number, now=step + timedelta(days=2), cal=cal)
    apps.county_decision(session, officer, app.number, True, "公示期满无异议，同意纳入低保。",
                         now=step + timedelta(days=12), cal=cal)
    supervision.sweep(session)
    return 1


def load(session: Session, password: str, store=None) -> int:
    load_accounts(session, password)
    return load_case(session, store)
