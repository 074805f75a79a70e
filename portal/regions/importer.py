"""Set up a real province: its region tree and its service windows from two CSV files
(`python -m portal regions import regions.csv [windows.csv]`), instead of the demo's.

A province has some 50,000 villages, so both files are read whole and checked before anything is written. Every
problem is reported as (file, line, column, reason key); a file with any problem writes nothing. Codes are the
natural keys: a region or window already present with the same details is left as it is, so a second import of the
same files changes nothing; one present with different details is reported, never silently changed (renaming a
township moves no case, but it is an act somebody must answer for: do it on purpose, not by a file).

regions.csv: code, name, level (province|city|county|township|village, or 省/市/县/乡/村 …), parent_code
             (empty for the province). Codes are digits and begin with their parent's code (GB/T 2260 and the
             statistics bureau's township and village codes do).
windows.csv: code (letters, digits, '-'), name, office_name, region_code; optional address, phone, hours (shown to
             residents). A window held with the same name, office and region takes the file's address, phone
             and hours: offices move and change their hours, and this is how a province keeps them true.
Chinese column names are accepted too (区划代码, 名称, 层级, 上级代码; 窗口编号, 窗口名称, 所属机构, 所在区划代码, 地址,
电话, 办公时间).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.kernel import audit, text_rules
from portal.kernel.textfiles import Problem, detect_encoding
from portal.regions.models import LEVEL_ORDER, Region, RegionLevel, ServiceWindow
from portal.regions.services import child_path

ACTION_REGIONS_IMPORT = "regions.import"
MAX_ROWS = 200_000
MAX_NAME = 100
MAX_WINDOW_NAME = 120
REGION_COLUMNS = ("code", "name", "level", "parent_code")
WINDOW_COLUMNS = ("code", "name", "office_name", "region_code")
ALIASES = {
    "区划代码": "code", "代码": "code", "名称": "name", "区划名称": "name", "层级": "level", "级别": "level",
    "上级代码": "parent_code", "上级区划代码": "parent_code",
    "窗口编号": "code", "窗口名称": "name", "所属机构": "office_name", "机构名称": "office_name",
    "所在区划代码": "region_code", "区划": "region_code", "地址": "address", "电话": "phone", "联系电话": "phone",
    "办公时间": "hours",
}
LEVEL_ALIASES = {
    "省": RegionLevel.PROVINCE, "省级": RegionLevel.PROVINCE, "市": RegionLevel.CITY, "市级": RegionLevel.CITY,
    "县": RegionLevel.COUNTY, "县级": RegionLevel.COUNTY, "区": RegionLevel.COUNTY, "县区": RegionLevel.COUNTY,
    "乡": RegionLevel.TOWNSHIP, "镇": RegionLevel.TOWNSHIP, "乡镇": RegionLevel.TOWNSHIP, "街道": RegionLevel.TOWNSHIP,
    "乡镇（街道）": RegionLevel.TOWNSHIP, "村": RegionLevel.VILLAGE, "社区": RegionLevel.VILLAGE,
    "村（社区）": RegionLevel.VILLAGE, **{lv.value: lv for lv in RegionLevel},
}
REGION_CODE_RE = re.compile(r"[0-9]{2,20}")
WINDOW_CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,31}")
PHONE_RE = re.compile(r"\+?[0-9][0-9 ()-]{4,30}")
MAX_ADDRESS, MAX_HOURS = 200, 120


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    regions_read: int = 0
    windows_read: int = 0
    regions_added: int = 0
    regions_unchanged: int = 0
    windows_added: int = 0
    windows_unchanged: int = 0
    windows_updated: int = 0  # contact (address, phone, hours) changed
    written: bool = False


@dataclass(frozen=True)
class _RegionRow:
    line: int
    code: str
    name: str
    level: RegionLevel
    parent_code: str


@dataclass(frozen=True)
class _WindowRow:
    code: str
    name: str
    office: str
    region_code: str
    address: str
    phone: str
    hours: str


def _read(path: Path, columns: tuple[str, ...], report: Report) -> list[tuple[int, dict[str, str]]]:
    """(line number, row by English column name); a missing column or unreadable file is one problem."""
    name = path.name
    try:
        with path.open(encoding=detect_encoding(path), newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                report.problems.append(Problem(name, 1, "", "regions.err_empty_file"))
                return []
            keys = [ALIASES.get(h.strip(), h.strip()) for h in header]
            missing = [c for c in columns if c not in keys]
            if missing:
                report.problems.append(Problem(name, 1, ", ".join(missing), "regions.err_missing_columns"))
                return []
            rows = []
            for line, cells in enumerate(reader, start=2):
                if not any(c.strip() for c in cells):
                    continue
                if len(rows) >= MAX_ROWS:
                    report.problems.append(Problem(name, line, "", "regions.err_too_many_rows", str(MAX_ROWS)))
                    break
                # Hidden and control characters go before anything, so no value echoed in a problem can drive the
                # operator's terminal.
                rows.append((line, {k: (text_rules.plain(cells[i], 400) if i < len(cells) else "")
                                    for i, k in enumerate(keys)}))
            return rows
    except (UnicodeDecodeError, csv.Error):
        report.problems.append(Problem(name, 1, "", "regions.err_unreadable"))
        return []


def _check_regions(name: str, rows: list[tuple[int, dict[str, str]]], existing: dict[str, Region],
                   report: Report) -> list[_RegionRow]:
    bad = report.problems.append
    parsed: dict[str, _RegionRow] = {}
    for line, row in rows:
        code, parent = row["code"], row["parent_code"]
        title = text_rules.plain(row["name"], MAX_NAME + 1)
        level = LEVEL_ALIASES.get(row["level"].strip().lower()) or LEVEL_ALIASES.get(row["level"].strip())
        problems_before = len(report.problems)
        if not REGION_CODE_RE.fullmatch(code):
            bad(Problem(name, line, "code", "regions.err_region_code", code))
        elif code in parsed:
            bad(Problem(name, line, "code", "regions.err_duplicate", code))
        if not title or len(title) > MAX_NAME:
            bad(Problem(name, line, "name", "regions.err_name", row["name"][:40]))
        if level is None:
            bad(Problem(name, line, "level", "regions.err_level", row["level"]))
        elif level == RegionLevel.PROVINCE and parent:
            bad(Problem(name, line, "parent_code", "regions.err_province_parent", parent))
        elif level != RegionLevel.PROVINCE and not parent:
            bad(Problem(name, line, "parent_code", "regions.err_parent_missing"))
        elif parent and REGION_CODE_RE.fullmatch(code) and not code.startswith(parent):
            bad(Problem(name, line, "code", "regions.err_code_prefix", f"{code} / {parent}"))
        if len(report.problems) == problems_before:
            parsed[code] = _RegionRow(line, code, title, level, parent)
    # Parents: in this file or already in the database, exactly one level up.
    for r in parsed.values():
        if r.level == RegionLevel.PROVINCE:
            continue
        parent_level = parsed[r.parent_code].level if r.parent_code in parsed else (
            existing[r.parent_code].level if r.parent_code in existing else None)
        if parent_level is None:
            bad(Problem(name, r.line, "parent_code", "regions.err_parent_unknown", r.parent_code))
        elif LEVEL_ORDER.index(parent_level) != LEVEL_ORDER.index(r.level) - 1:
            bad(Problem(name, r.line, "parent_code", "regions.err_parent_level", r.parent_code))
        held = existing.get(r.code)
        if held is not None and (held.name != r.name or held.level != r.level
                                 or (held.parent.code if held.parent else "") != r.parent_code):
            bad(Problem(name, r.line, "code", "regions.err_region_differs", r.code))
    return sorted(parsed.values(), key=lambda r: (LEVEL_ORDER.index(r.level), r.code))


def _check_windows(name: str, rows: list[tuple[int, dict[str, str]]], region_codes: set[str],
                   existing: dict[str, ServiceWindow], report: Report) -> list[_WindowRow]:
    bad = report.problems.append
    seen: set[str] = set()
    out = []
    for line, row in rows:
        code = row["code"].upper()
        title = text_rules.plain(row["name"], MAX_WINDOW_NAME + 1)
        office = text_rules.plain(row["office_name"], MAX_WINDOW_NAME + 1)
        region = row["region_code"]
        address = text_rules.plain(row.get("address", ""), MAX_ADDRESS + 1)
        phone = text_rules.plain(row.get("phone", ""), 40)
        hours = text_rules.plain(row.get("hours", ""), MAX_HOURS + 1)
        problems_before = len(report.problems)
        if not WINDOW_CODE_RE.fullmatch(code):
            bad(Problem(name, line, "code", "regions.err_window_code", row["code"]))
        elif code in seen:
            bad(Problem(name, line, "code", "regions.err_duplicate", code))
        for column, value in (("name", title), ("office_name", office)):
            if not value or len(value) > MAX_WINDOW_NAME:
                bad(Problem(name, line, column, "regions.err_name", row[column][:40]))
        if region not in region_codes:
            bad(Problem(name, line, "region_code", "regions.err_parent_unknown", region))
        if len(address) > MAX_ADDRESS or len(hours) > MAX_HOURS:
            bad(Problem(name, line, "address" if len(address) > MAX_ADDRESS else "hours", "regions.err_too_long",
                        str(MAX_ADDRESS if len(address) > MAX_ADDRESS else MAX_HOURS)))
        if phone and not PHONE_RE.fullmatch(phone):
            bad(Problem(name, line, "phone", "regions.err_phone", phone))
        held = existing.get(code)
        if held is not None and (held.name, held.office_name, held.region.code) != (title, office, region):
            bad(Problem(name, line, "code", "regions.err_window_differs", code))
        if len(report.problems) == problems_before:
            seen.add(code)
            out.append(_WindowRow(code, title, office, region, address, phone, hours))
    return out


def run(session: Session, regions_file: Path, windows_file: Path | None = None, *, actor: str = "system:import"
        ) -> Report:
    """Check both files and, when every line is good, add what is missing in the caller's transaction."""
    report = Report()
    region_rows = _read(regions_file, REGION_COLUMNS, report)
    window_rows = _read(windows_file, WINDOW_COLUMNS, report) if windows_file else []
    report.regions_read, report.windows_read = len(region_rows), len(window_rows)
    existing = {r.code: r for r in session.execute(select(Region)).scalars()}
    regions = _check_regions(regions_file.name, region_rows, existing, report)
    windows_held = {w.code: w for w in session.execute(select(ServiceWindow)).scalars()}
    windows = (_check_windows(windows_file.name, window_rows, set(existing) | {r.code for r in regions},
                              windows_held, report) if windows_file else [])
    if report.problems:
        return report
    by_code = dict(existing)
    for r in regions:
        if r.code in existing:
            report.regions_unchanged += 1
            continue
        parent = by_code.get(r.parent_code) if r.parent_code else None
        region = Region(code=r.code, name=r.name, level=r.level, parent=parent, path=child_path(parent, r.code))
        session.add(region)
        by_code[r.code] = region
        report.regions_added += 1
    session.flush()
    for w in windows:
        contact = (w.address or None, w.phone or None, w.hours or None)
        held = windows_held.get(w.code)
        if held is None:
            session.add(ServiceWindow(code=w.code, name=w.name, office_name=w.office,
                                      region_id=by_code[w.region_code].id, address=contact[0], phone=contact[1],
                                      hours=contact[2]))
            report.windows_added += 1
        elif (held.address, held.phone, held.hours) != contact:
            # Residents call this number and walk to this address: each change is its own audit row.
            audit.record(session, actor, ACTION_REGIONS_IMPORT, "service_window", held.code,
                         before={"address": held.address, "phone": held.phone, "hours": held.hours},
                         after={"address": contact[0], "phone": contact[1], "hours": contact[2]})
            held.address, held.phone, held.hours = contact
            report.windows_updated += 1
        else:
            report.windows_unchanged += 1
    session.flush()
    if report.regions_added or report.windows_added or report.windows_updated:
        audit.record(session, actor, ACTION_REGIONS_IMPORT, "regions_import", regions_file.name,
                     after={"regions_added": report.regions_added, "windows_added": report.windows_added,
                            "windows_updated": report.windows_updated,
                            "files": [regions_file.name] + ([windows_file.name] if windows_file else [])})
    report.written = True
    return report
