"""Demo data for eligibility and applications: the parameters of the demo cities and counties. Idempotent.

The amounts are in the range Hebei's cities published for 2025-2026 (urban standards around ¥900-1,050 a month,
rural around ¥650-800); the document numbers are marked 演示 (demo) because they are illustrative, not citations.
Parameters are data: admins change them with a new effective date and document number (services/eligibility_params).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.kernel.workdays import china_today
from portal.regions.models import Region
from portal.applications.eligibility import rules as el
from portal.applications.eligibility import services as ep

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


def _photo(label: str) -> bytes:
    """A stand-in photo of a document (a pale card with a few lines), so the case pages show a real image."""
    import io

    from PIL import Image, ImageDraw

    im = Image.new("RGB", (640, 400), (236, 226, 208))
    draw = ImageDraw.Draw(im)
    draw.rectangle((20, 20, 620, 380), outline=(150, 120, 90), width=4)
    for i, y in enumerate(range(80, 340, 50)):
        draw.rectangle((60, y, 420 - i * 30, y + 18), fill=(180, 160, 140))
    draw.text((480, 60), label, fill=(90, 70, 50))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=80)
    return buf.getvalue()


_serial = iter(range(100, 1000))


def _demo_id(age: int) -> str:
    """A well-formed ID number (check character right) for a demo member of this age, unique within the demo."""
    from portal.register.rules import make_number

    n = next(_serial)
    return make_number(f"130102{china_today().year - age - 1:04d}{n % 12 + 1:02d}{n % 28 + 1:02d}{n:03d}")


def _members(*rows: tuple[str, str, int, int, dict[str, int]]) -> list[dict]:
    return [{"name": n, "relationship": r, "age": a, "disability_grade": g, "incomes": inc, "id_number": _demo_id(a)}
            for n, r, a, g, inc in rows]


# (village, applicant, phone, residence, members, assets, related, how far the case has come, days ago submitted)
CASES = [
    ("130102001001", "王桂英", "13931100001", "urban",
     _members(("王桂英", "applicant", 63, 0, {"basic_pension": 180_00}), ("李强", "child", 34, 2, {})),
     {"deposits": 6_000_00, "vehicles": 0, "houses": 1, "housing_area": 48, "businesses": 0}, None, "submitted", 9),
    ("130102001002", "刘德明", "13931100002", "urban",
     _members(("刘德明", "applicant", 55, 0, {"wage": 1_200_00}), ("张丽", "spouse", 52, 0, {}),
              ("刘洋", "child", 16, 0, {})),
     {"deposits": 12_000_00, "vehicles": 0, "houses": 1, "housing_area": 62, "businesses": 0}, None, "surveyed", 4),
    ("130102002001", "陈淑芬", "13931100003", "urban",
     _members(("陈淑芬", "applicant", 71, 0, {"transfer": 400_00, "basic_pension": 160_00})),
     {"deposits": 3_000_00, "vehicles": 0, "houses": 1, "housing_area": 35, "businesses": 0},
     "侄子为社区居委会委员", "materials", 2),
    # Its check at acceptance waits on the vehicles department's API, which timed out (verification/demo.py).
    ("130102001002", "周建华", "13931100005", "urban",
     _members(("周建华", "applicant", 58, 2, {"basic_pension": 150_00}), ("吴兰", "spouse", 56, 0, {})),
     {"deposits": 4_000_00, "vehicles": 0, "houses": 1, "housing_area": 45, "businesses": 0}, None, "surveyed", 3),
    ("130102001001", "赵国强", "13931100004", "urban",
     _members(("赵国强", "applicant", 47, 1, {}), ("孙梅", "spouse", 45, 0, {"wage": 900_00})),
     {"deposits": 2_000_00, "vehicles": 0, "houses": 1, "housing_area": 40, "businesses": 0}, None, "approved", 14),
]
STAGES = ("submitted", "materials", "surveyed", "approved")


def load_applications(session: Session, store=None) -> int:
    """A few cases at different steps (one overdue), once: skipped when any application exists."""
    from datetime import datetime, timedelta, timezone

    from portal.applications.models import Application
    from portal.applications import services as apps
    from portal.kernel.calendar_store import load_calendar
    from portal.demo import _officer_actor

    if session.execute(select(Application.id).limit(1)).first() is not None:
        return 0
    by_code = {r.code: r for r in session.execute(select(Region)).scalars()}
    store = store or apps.document_store()
    cal = load_calendar(session)
    now = datetime.now(timezone.utc)
    made = 0
    for village, name, phone, residence, members, assets, related, stage, days_ago in CASES:
        if village not in by_code:
            continue
        township = by_code[village[:9]]
        officer = _officer_actor(session, township)
        if officer is None:
            continue
        at = now - timedelta(days=days_ago)
        app, _secret = apps.create_draft(session, now=at)
        answers = {"village": village, "residence": residence, "applicant": {"name": name, "phone": phone},
                   "members": members, "assets": assets, "hardship": False,
                   "related": {"any": related is not None, "detail": related or ""},
                   "consent": [i for i, m in enumerate(members) if m["age"] >= 18]}
        for section, value in answers.items():
            apps.save_section(session, app, section, value, now=at)
        apps.add_document(session, app, "id_card", _photo("ID"), store, now=at)
        apps.submit(session, app, now=at, cal=cal)
        later = at + timedelta(hours=20)
        if stage == "materials":
            apps.request_materials(session, officer, app.number, ["income_proof", "hukou"], "", now=later, cal=cal)
        elif stage in ("surveyed", "approved"):
            apps.accept(session, officer, app.number, now=later, cal=cal)
            apps.record_home_survey(session, officer, app.number, "入户查看，家中陈设简单，与申报情况一致。",
                                    now=later + timedelta(days=1), cal=cal)
        if stage == "approved":
            apps.record_cross_check(session, officer, app.number, "match", "", now=later + timedelta(days=2), cal=cal)
            # Left at "to publish": publishing would add a batch to the demo roster the roster pages are shown with.
            apps.preliminary_decision(session, officer, app.number, True, "家庭人均收入低于标准，财产符合规定，同意。",
                                      now=later + timedelta(days=3), cal=cal)
        made += 1
    return made


def load(session: Session, store=None) -> int:
    """Everything this feature needs to be shown after `scripts/start`: parameters, then a few cases, then the
    township's current publicity batch."""
    added = load_parameters(session)
    return added + load_applications(session, store) + load_publicity(session, store)


# The 初审公示 in progress in 建北街道 (the public roster's current batch): households that went through every step
# at the township with its own officer, approved at 初审 and published together as ONE batch through batch
# publicity, as an officer does at /officer/publicity. Each roster line is its case's name, household size and the
# engine's amount (these incomes against the urban standard in force give whole yuan).
PUBLICITY_TOWNSHIP = "130102001"  # 建北街道
PUBLICITY_OFFICER = "officer_jianbei"
# (village, applicant, phone, members, assets, what the home survey found, working days ago submitted: each step
# after it is done on the next working day, within office hours)
PUBLICITY = [
    ("130102001001", "李淑芬", "13931100011",
     _members(("李淑芬", "applicant", 56, 0, {"wage": 1_250_00}),
              ("刘建军", "spouse", 59, 1, {"disability_allowance": 180_00})),
     {"deposits": 9_000_00, "vehicles": 0, "houses": 1, "housing_area": 52, "businesses": 0},
     "入户查看：丈夫一级肢体残疾长期卧床，申请人在超市做保洁，收入与申报一致。", 7),
    ("130102001001", "欧阳修文", "13931100012",
     _members(("欧阳修文", "applicant", 45, 0, {"wage": 1_300_00}), ("杜晓燕", "spouse", 43, 0, {"wage": 655_00}),
              ("欧阳晨", "child", 15, 0, {})),
     {"deposits": 15_000_00, "vehicles": 0, "houses": 1, "housing_area": 66, "businesses": 0},
     "入户查看：夫妻二人打零工，孩子在读初中，住房为单位旧宿舍，情况属实。", 7),
    ("130102001002", "阿依古丽·买买提", "13931100013",
     _members(("阿依古丽·买买提", "applicant", 67, 0, {"transfer": 405_00, "basic_pension": 150_00})),
     {"deposits": 5_000_00, "vehicles": 0, "houses": 1, "housing_area": 38, "businesses": 0},
     "入户查看：独居老人，女儿每月给付赡养费，与申报一致。", 6),
    ("130102001002", "王刚", "13931100014",
     _members(("王刚", "applicant", 50, 0, {"wage": 1_800_00}), ("刘秀珍", "spouse", 48, 0, {"wage": 760_00}),
              ("王小雨", "child", 13, 0, {}), ("赵桂兰", "parent", 76, 0, {"basic_pension": 200_00})),
     {"deposits": 20_000_00, "vehicles": 0, "houses": 1, "housing_area": 70, "businesses": 0},
     "入户查看：四口人同住，母亲年迈需照料，夫妻收入以工资为主，情况属实。", 6),
    ("130102001001", "陈美玲", "13931100015",
     _members(("陈美玲", "applicant", 39, 0, {"wage": 1_180_00}), ("陈子涵", "child", 10, 0, {})),
     {"deposits": 6_000_00, "vehicles": 0, "houses": 1, "housing_area": 45, "businesses": 0},
     "入户查看：单亲家庭，申请人在社区食堂工作，孩子在读小学，与申报一致。", 5),
]


def load_publicity(session: Session, store=None) -> int:
    """The publicity batch's cases, once (skipped when any of these households is already a case or on the
    roster): each taken by the township's officer from submission to 初审 approved, then all published at once."""
    from datetime import datetime, time, timedelta, timezone

    from portal.applications.models import Application
    from portal.applications import services as apps
    from portal.kernel.calendar_store import load_calendar
    from portal.kernel.workdays import CHINA_TZ
    from portal.roster.models import RosterEntry
    from portal.demo import _officer_actor

    names = [row[1] for row in PUBLICITY]
    if (session.execute(select(Application.id).where(Application.applicant_name.in_(names)).limit(1)).first()
            or session.execute(select(RosterEntry.id).where(RosterEntry.name.in_(names)).limit(1)).first()):
        return 0
    township = session.execute(select(Region).where(Region.code == PUBLICITY_TOWNSHIP)).scalar_one_or_none()
    officer = _officer_actor(session, township, PUBLICITY_OFFICER) if township is not None else None
    if officer is None:
        return 0
    store = store or apps.document_store()
    cal = load_calendar(session)
    now = datetime.now(timezone.utc)
    back, day = [], china_today()  # working days before today, the latest first
    while len(back) < max(row[-1] for row in PUBLICITY):
        day -= timedelta(days=1)
        if cal.is_working_day(day):
            back.append(day)

    def on(workdays_ago: int, hour: int, minute: int) -> datetime:
        return datetime.combine(back[workdays_ago - 1], time(hour, minute), tzinfo=CHINA_TZ)

    numbers = []
    for village, name, phone, members, assets, survey, ago in PUBLICITY:
        at = on(ago, 19, 40)  # filed online in the evening
        app, _secret = apps.create_draft(session, now=at)
        answers = {"village": village, "residence": "urban", "applicant": {"name": name, "phone": phone},
                   "members": members, "assets": assets, "hardship": False, "related": {"any": False, "detail": ""},
                   "consent": [i for i, m in enumerate(members) if m["age"] >= 18]}
        for section, value in answers.items():
            apps.save_section(session, app, section, value, now=at)
        apps.add_document(session, app, "id_card", _photo("ID"), store, now=at)
        apps.submit(session, app, now=at, cal=cal)
        apps.accept(session, officer, app.number, now=on(ago - 1, 9, 20), cal=cal)
        apps.record_home_survey(session, officer, app.number, survey, now=on(ago - 2, 15, 10), cal=cal)
        apps.record_cross_check(session, officer, app.number, "match", "", now=on(ago - 3, 10, 30), cal=cal)
        apps.preliminary_decision(session, officer, app.number, True, "家庭人均收入低于标准，财产符合规定，同意。",
                                  now=on(ago - 4, 16, 0), cal=cal)
        numbers.append(app.number)
    apps.publish_cases(session, officer, PUBLICITY_TOWNSHIP, numbers, now=now, cal=cal)
    return len(numbers)
