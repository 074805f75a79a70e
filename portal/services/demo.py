"""Demo data: a small Hebei with real region codes, windows with staff, one account per role. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models.accounts import Role, User
from portal.models.regions import Region, RegionLevel, ServiceWindow
from portal.services import auth, regions

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


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: Role
    region_code: str
    window_code: str | None = None


ACCOUNTS: list[DemoAccount] = [
    DemoAccount("admin", "省级管理员", Role.ADMIN, "13"),
    DemoAccount("officer_county", "长安区民政局 王科长", Role.OFFICER, "130102"),
    DemoAccount("officer_jianbei", "建北街道 李经办", Role.OFFICER, "130102001"),
    DemoAccount("officer_qingyuan", "青园街道 赵经办", Role.OFFICER, "130102002"),
    DemoAccount("supervisor", "义务监督员 刘阿姨", Role.SUPERVISOR, "130102"),
] + [
    DemoAccount(f"staff_{code.lower().replace('-', '_')}", f"{office} 窗口工作人员", Role.WINDOW_STAFF, region, code)
    for code, _name, office, region in WINDOWS
]


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
    session.flush()
    existing = set(session.execute(select(User.username)).scalars())
    for acct in ACCOUNTS:
        if acct.username in existing:
            continue
        auth.create_user(session, acct.username, acct.display_name, password, [(acct.role, by_code[acct.region_code])],
                         window_id=windows[acct.window_code].id if acct.window_code else None)
    return ACCOUNTS
