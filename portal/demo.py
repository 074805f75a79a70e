"""Demo data: a small Hebei with real region codes, windows with staff, one account per role. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Role, User
from portal.regions.models import Region, RegionLevel, ServiceWindow
from portal.accounts import services as auth
from portal.regions import services as regions

# (code, name, level, parent code)
REGIONS: list[tuple[str, str, RegionLevel, str | None]] = [
    ("13", "河北省", RegionLevel.PROVINCE, None),
    ("1301", "石家庄市", RegionLevel.CITY, "13"),
    ("1306", "保定市", RegionLevel.CITY, "13"),
    ("130102", "长安区", RegionLevel.COUNTY, "1301"),
    ("130123", "正定县", RegionLevel.COUNTY, "1301"),
    ("130681", "涿州市", RegionLevel.COUNTY, "1306"),
    ("130102001", "建北街道", RegionLevel.TOWNSHIP, "130102"),
    ("130102002", "青园街道", RegionLevel.TOWNSHIP, "130102"),
    ("130123100", "正定镇", RegionLevel.TOWNSHIP, "130123"),
    ("130123101", "诸福屯镇", RegionLevel.TOWNSHIP, "130123"),
    ("130681100", "双塔街道", RegionLevel.TOWNSHIP, "130681"),
    ("130681101", "松林店镇", RegionLevel.TOWNSHIP, "130681"),
    ("130102001001", "建北社区", RegionLevel.VILLAGE, "130102001"),
    ("130102001002", "跃进社区", RegionLevel.VILLAGE, "130102001"),
    ("130102002001", "青园社区", RegionLevel.VILLAGE, "130102002"),
    ("130123100201", "东门里村", RegionLevel.VILLAGE, "130123100"),
    ("130123100202", "西关村", RegionLevel.VILLAGE, "130123100"),
    ("130123101201", "诸福屯村", RegionLevel.VILLAGE, "130123101"),
    ("130681100001", "双塔社区", RegionLevel.VILLAGE, "130681100"),
    ("130681101201", "松林店村", RegionLevel.VILLAGE, "130681101"),
]

# (code, window name, office, region code)
WINDOWS: list[tuple[str, str, str, str]] = [
    ("HB-SJZ-0001", "社会救助综合窗口", "长安区政务服务中心", "130102"),
    ("HB-SJZ-0002", "低保受理窗口", "建北街道便民服务中心", "130102001"),
    ("HB-SJZ-0003", "低保受理窗口", "青园街道便民服务中心", "130102002"),
    ("HB-SJZ-0004", "社会救助综合窗口", "正定县政务服务中心", "130123"),
    ("HB-SJZ-0005", "民政服务窗口", "正定镇便民服务中心", "130123100"),
    ("HB-SJZ-0006", "民政服务窗口", "诸福屯镇便民服务中心", "130123101"),
    ("HB-BD-0001", "社会救助综合窗口", "涿州市政务服务中心", "130681"),
    ("HB-BD-0002", "低保受理窗口", "双塔街道便民服务中心", "130681100"),
    ("HB-BD-0003", "民政服务窗口", "松林店镇便民服务中心", "130681101"),
    ("HB-BD-0004", "村级代办点", "松林店村村民委员会", "130681101201"),
]
_WEEKDAYS = "周一至周五 8:30–12:00，14:30–17:30（法定节假日除外）"
# Address, telephone and opening hours residents see (invented numbers in the 0311/0312 areas).
CONTACTS: dict[str, tuple[str, str, str]] = {
    "HB-SJZ-0001": ("石家庄市长安区中山东路 508 号政务服务中心一楼 12 号窗口", "0311-8601 2301", _WEEKDAYS),
    "HB-SJZ-0002": ("长安区建北街 36 号建北街道便民服务中心", "0311-8601 2302", _WEEKDAYS),
    "HB-SJZ-0003": ("长安区青园街 117 号青园街道便民服务中心", "0311-8601 2303", _WEEKDAYS),
    "HB-SJZ-0004": ("正定县常山西路 17 号正定县政务服务中心二楼", "0311-8802 3304", _WEEKDAYS),
    "HB-SJZ-0005": ("正定县正定镇燕赵大街 9 号", "0311-8802 3305", _WEEKDAYS),
    "HB-SJZ-0006": ("正定县诸福屯镇政府院内", "0311-8802 3306", _WEEKDAYS),
    "HB-BD-0001": ("涿州市范阳中路 166 号涿州市政务服务中心", "0312-3901 4401", _WEEKDAYS),
    "HB-BD-0002": ("涿州市双塔街道鼓楼大街 21 号", "0312-3901 4402", _WEEKDAYS),
    "HB-BD-0003": ("涿州市松林店镇政府一楼", "0312-3901 4403", _WEEKDAYS),
    "HB-BD-0004": ("松林店村村委会", "", "每周二、周五上午"),
}


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: Role
    region_code: str
    window_code: str | None = None


ACCOUNTS: list[DemoAccount] = [
    DemoAccount("admin", "省级管理员", Role.ADMIN, "13"),
    DemoAccount("admin_city", "石家庄市民政局 系统管理员", Role.ADMIN, "1301"),
    DemoAccount("officer_province", "省民政厅 社会救助处", Role.OFFICER, "13"),
    DemoAccount("officer_city", "石家庄市民政局 社会救助科 陈科长", Role.OFFICER, "1301"),
    DemoAccount("officer_county", "长安区民政局 王科长", Role.OFFICER, "130102"),
    DemoAccount("officer_jianbei", "建北街道 李经办", Role.OFFICER, "130102001"),
    DemoAccount("officer_qingyuan", "青园街道 赵经办", Role.OFFICER, "130102002"),
    DemoAccount("supervisor", "义务监督员 刘阿姨", Role.SUPERVISOR, "130102"),
] + [
    DemoAccount(f"staff_{code.lower().replace('-', '_')}", f"{office} 窗口工作人员", Role.WINDOW_STAFF, region, code)
    for code, _name, office, region in WINDOWS
]


# The standing public roster (公示), through the register: (name, village code, household size, monthly amount in
# yuan); 建北社区 has more than one page of it. Names show the masking rules: 欧阳/司马/诸葛 compound surnames,
# two-character names, and a name with a middle dot.
ROSTER_STANDING: list[tuple[str, str, int, int]] = [
    ("张小明", "130102001001", 3, 1350), ("欧阳娜娜", "130102001001", 2, 960), ("买买提·艾力", "130102001001", 4, 1720),
    ("王芳", "130102001001", 1, 560), ("李强", "130102001001", 2, 890), ("刘洋", "130102001001", 3, 1210),
    ("陈静", "130102001001", 1, 610), ("杨帆", "130102001001", 2, 930), ("赵磊", "130102001001", 4, 1650),
    ("黄丽", "130102001001", 1, 580), ("周建华", "130102001001", 2, 870), ("吴敏", "130102001001", 3, 1290),
    ("徐军", "130102001001", 1, 600), ("孙萍", "130102001001", 2, 910), ("胡斌", "130102001001", 5, 2050),
    ("朱红梅", "130102001001", 2, 880), ("高峰", "130102001001", 1, 620), ("林霞", "130102001001", 3, 1240),
    ("何勇", "130102001001", 2, 900), ("郭敏华", "130102001001", 1, 590), ("马建国", "130102001001", 2, 940),
    ("罗秀英", "130102001001", 1, 640), ("诸葛明远", "130102001001", 3, 1180), ("司马青", "130102001001", 2, 860),
    ("张小明", "130102001002", 2, 920), ("梁玉兰", "130102001002", 1, 600), ("宋志强", "130102001002", 3, 1260),
    ("韩淑珍", "130102002001", 1, 630), ("唐国庆", "130102002001", 2, 900),
    ("冯桂芝", "130123100201", 2, 780), ("董大勇", "130123100201", 3, 1100), ("程秀兰", "130123100202", 1, 520),
    ("曹永福", "130123101201", 4, 1420), ("袁春梅", "130123101201", 2, 760),
    ("邓文", "130681100001", 1, 650), ("许丽娟", "130681100001", 2, 980),
    ("傅海", "130681101201", 3, 1080), ("沈凤英", "130681101201", 1, 500), ("上官云", "130681101201", 2, 740),
]


def _officer_actor(session: Session, region: Region, prefer: str | None = None):
    """A demo officer whose grant covers `region` (the roster is published by real accounts, and audited)."""
    names = ([prefer] if prefer else []) + [a.username for a in ACCOUNTS if a.role == Role.OFFICER]
    for name in names:
        user = session.execute(select(User).where(User.username == name)).scalar_one_or_none()
        if user is None:
            continue
        actor = auth.actor_for_user(session, user)
        if any(g.role == Role.OFFICER and g.covers(region.path) for g in actor.grants):
            return actor
    return None


def load_roster(session: Session, by_code: dict[str, Region]) -> None:
    """The register (and through it the standing roster), its payments and the reward pools. The batch in
    publicity comes from approved cases (applications/demo.py `load_publicity`)."""
    from portal.register import demo as register_demo

    # The standing roster comes from the register: each demo recipient is a register household.
    register_demo.load(session, by_code, ROSTER_STANDING, _officer_actor)
    from portal.payments import demo as payments_demo

    payments_demo.load_for(session, by_code, _officer_actor)
    from portal.reporting import demo as reporting_demo

    reporting_demo.load(session)


def load(session: Session, password: str) -> list[DemoAccount]:
    """Create what is missing; never touch what exists (so a re-run keeps changed passwords and data)."""
    by_code: dict[str, Region] = {r.code: r for r in session.execute(select(Region)).scalars()}
    for code, name, level, parent in REGIONS:
        if code not in by_code:
            by_code[code] = regions.add_region(session, code, name, level, by_code[parent] if parent else None)
    windows = {w.code: w for w in session.execute(select(ServiceWindow)).scalars()}
    for code, name, office, region in WINDOWS:
        if code not in windows:
            windows[code] = ServiceWindow(code=code, name=name, office_name=office, region_id=by_code[region].id)
            session.add(windows[code])
        window = windows[code]
        if window.address is None and code in CONTACTS:  # a demo made before windows had contacts gets them
            window.address, window.phone, window.hours = CONTACTS[code]
    session.flush()
    existing = set(session.execute(select(User.username)).scalars())
    for acct in ACCOUNTS:
        if acct.username in existing:
            continue
        auth.create_user(session, acct.username, acct.display_name, password, [(acct.role, by_code[acct.region_code])],
                         window_id=windows[acct.window_code].id if acct.window_code else None)
    load_roster(session, by_code)
    return ACCOUNTS
