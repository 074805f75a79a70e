"""Import an existing register from two CSV files (households, members): `python -m portal register import`.

Two passes over each file, streamed line by line (a 2 GB file is never held in memory; what is kept is one small
entry per household code). Pass 1 checks every line and reports each problem as (file, line, column, reason key);
when any line is bad nothing is written, unless `skip_bad` is set, in which case every line except the reported
ones is imported (members of a household whose line is bad are reported too). Pass 2 writes in batches of
`BATCH` rows inside ONE transaction, so an interrupted import leaves nothing behind. Natural keys make it
idempotent: a household code already in the register is left as it is, and a member already listed in that
household (same ID number) is not added again, so a second import of the same files changes nothing.

Files may be UTF-8 (with or without a BOM) or GBK/GB18030 (what Excel on a Chinese Windows writes). Column names
are the English names in `HOUSEHOLD_COLUMNS` / `MEMBER_COLUMNS` or their Chinese aliases (docs/register.md).
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.kernel import audit, money
from portal.kernel.db import insert_rows
from portal.kernel.base import utcnow
from portal.kernel.masking import mask_id_number
from portal.kernel.textfiles import Problem, detect_encoding
from portal.kernel.workdays import china_date
from portal.regions.models import Region, RegionLevel
from portal.register import rules
from portal.register.models import STATUS_ACTIVE, STATUS_STOPPED, STATUS_SUSPENDED, STATUSES, Household, Member
from portal.register.services import ACTION_IMPORT, MAX_NAME, secret_key
from portal.roster import services as roster
from portal.roster.models import RosterEntry

BATCH = 1000
# What pass 2 writes (besides one audit row): the caller refreshes their planner statistics after committing
# (`kernel.db.analyze`), so the first queries after an import are not planned as if the tables were empty.
WRITTEN_TABLES = (Household.__tablename__, Member.__tablename__, RosterEntry.__tablename__)
PROGRESS_EVERY = 100_000
MAX_CODE = 32
MAX_AMOUNT_FEN = roster.MAX_AMOUNT_FEN

HOUSEHOLD_COLUMNS = ("household_code", "village_code", "head_name", "monthly_amount", "start_date", "status",
                     "status_reason", "status_date", "consent_date")
HOUSEHOLD_REQUIRED = ("household_code", "village_code", "head_name", "monthly_amount", "start_date")
MEMBER_COLUMNS = ("household_code", "name", "relation", "id_number")
ALIASES = {
    "户编号": "household_code", "村（社区）代码": "village_code", "村(社区)代码": "village_code", "村代码": "village_code",
    "户主姓名": "head_name", "月保障金额": "monthly_amount", "月保障金额（元）": "monthly_amount",
    "月保障金额(元)": "monthly_amount", "起始日期": "start_date", "状态": "status", "状态原因": "status_reason",
    "状态日期": "status_date", "授权日期": "consent_date", "授权书日期": "consent_date", "姓名": "name", "成员姓名": "name", "与户主关系": "relation", "身份证号码": "id_number",
    "身份证号": "id_number",
}
STATUS_ALIASES = {"在保": STATUS_ACTIVE, "正常": STATUS_ACTIVE, "暂停": STATUS_SUSPENDED, "停保": STATUS_STOPPED}
RELATION_ALIASES = {"户主": "head", "本人": "head", "配偶": "spouse", "子女": "child", "儿子": "child", "女儿": "child",
                    "父母": "parent", "父亲": "parent", "母亲": "parent", "孙子女": "grandchild", "兄弟姐妹": "sibling",
                    "其他": "other"}


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    households_read: int = 0
    members_read: int = 0
    households_added: int = 0
    households_unchanged: int = 0
    members_added: int = 0
    members_unchanged: int = 0
    people_in_two_households: int = 0
    consents_added: int = 0  # households added with a consent date (their grants recorded by the caller)
    written: bool = False


class _Stop(Exception):
    """A whole file is unusable (empty, undecodable, wrong columns): its lines are not checked further."""


def _rows(path: Path, name: str, columns: tuple[str, ...], required: tuple[str, ...],
          report: Report) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row by canonical column) for every data line; header and encoding problems stop the file."""
    encoding = detect_encoding(path)
    line = 1
    try:
        with path.open(encoding=encoding, newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None or not any(h.strip() for h in header):
                report.problems.append(Problem(name, 1, "", "register.import_empty"))
                raise _Stop
            canon = [ALIASES.get(h.strip(), h.strip().lower()) for h in header]
            unknown = [h for h, c in zip(header, canon) if c not in columns]
            missing = [c for c in required if c not in canon]
            for h in unknown:
                report.problems.append(Problem(name, 1, h.strip(), "register.import_unknown_column"))
            for c in missing:
                report.problems.append(Problem(name, 1, c, "register.import_missing_column"))
            if len(set(canon)) != len(canon):
                report.problems.append(Problem(name, 1, "", "register.import_repeated_column"))
            if unknown or missing or len(set(canon)) != len(canon):
                raise _Stop
            data = False
            for values in reader:
                line = reader.line_num
                if not any(v.strip() for v in values):
                    continue
                data = True
                if len(values) != len(canon):
                    report.problems.append(Problem(name, line, "", "register.import_field_count", str(len(values))))
                    continue
                yield line, {c: v.strip() for c, v in zip(canon, values)}
            if not data:
                report.problems.append(Problem(name, 1, "", "register.import_no_rows"))
    except UnicodeDecodeError:
        report.problems.append(Problem(name, line + 1, "", "register.import_encoding", encoding))
        raise _Stop from None
    except csv.Error as exc:
        report.problems.append(Problem(name, line + 1, "", "register.import_csv", str(exc)[:80]))
        raise _Stop from None


@functools.lru_cache(maxsize=4096)  # a register holds few distinct dates (start and consent dates repeat)
def _parse_date(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


@dataclass
class _HouseholdLine:
    line: int
    ok: bool
    members: int = 0


def _check_household(row: dict[str, str], villages: dict[str, tuple[int, str]], today: date
                     ) -> tuple[list[tuple[str, str, str]], dict]:
    """(problems as (column, key, value), cleaned values)."""
    bad: list[tuple[str, str, str]] = []
    code = row["household_code"]
    if not code or len(code) > MAX_CODE:
        bad.append(("household_code", "register.import_bad_code", code[:40]))
    if row["village_code"] not in villages:
        bad.append(("village_code", "register.import_bad_village", row["village_code"][:20]))
    name = " ".join(row["head_name"].split())
    try:
        roster.check_entry(roster.NewEntry(name, 1, 1, ""))
    except roster.RosterError:
        bad.append(("head_name", "register.import_bad_name", name[:20]))
    fen = money.parse_yuan(row["monthly_amount"])
    if fen is None or not 1 <= fen <= MAX_AMOUNT_FEN:
        bad.append(("monthly_amount", "register.import_bad_amount", row["monthly_amount"][:20]))
    start = _parse_date(row["start_date"])
    if start is None or start > today:
        bad.append(("start_date", "register.import_bad_date", row["start_date"][:20]))
    raw_status = row.get("status", "") or STATUS_ACTIVE
    status = STATUS_ALIASES.get(raw_status, raw_status.lower())
    if status not in STATUSES:
        bad.append(("status", "register.import_bad_status", raw_status[:20]))
    reason = " ".join(row.get("status_reason", "").split())
    if status != STATUS_ACTIVE and not reason:
        bad.append(("status_reason", "register.import_reason_needed", ""))
    status_date = _parse_date(row.get("status_date", "")) if row.get("status_date") else None
    if row.get("status_date") and status_date is None:
        bad.append(("status_date", "register.import_bad_date", row["status_date"][:20]))
    consent = _parse_date(row.get("consent_date", "")) if row.get("consent_date") else None
    if row.get("consent_date") and (consent is None or consent > today):
        bad.append(("consent_date", "register.import_bad_date", row["consent_date"][:20]))
    return bad, dict(code=code, village=row["village_code"], head_name=name, fen=fen, start=start, status=status,
                     reason=reason or None, status_date=status_date, consent=consent)


def _villages(session: Session) -> dict[str, tuple[int, str]]:
    return {code: (rid, path) for rid, code, path in session.execute(
        select(Region.id, Region.code, Region.path).where(Region.level == RegionLevel.VILLAGE))}


def run(session: Session, households_csv: Path, members_csv: Path, *, skip_bad: bool = False,
        progress: Callable[[str, int], None] | None = None, now: datetime | None = None,
        actor: str = "cli:register-import",
        on_consents: Callable[[list[tuple[str, date]]], None] | None = None) -> Report:
    """Check both files, then (when clean, or with skip_bad) write them. The caller commits (or rolls back).

    `on_consents` receives, batch by batch, (household code, consent date) for every household added with a
    `consent_date` (its 授权书 held by the office that exports the register): the caller records the grants, which
    belong to verification (a domain the register must not import)."""
    now = now or utcnow()
    today = china_date(now)
    progress = progress or (lambda _file, _n: None)
    report = Report()
    hname, mname = households_csv.name, members_csv.name
    villages = _villages(session)
    households: dict[str, _HouseholdLine] = {}
    bad_lines: dict[str, set[int]] = {hname: set(), mname: set()}

    def problem(file: str, line: int, column: str, key: str, value: str = "") -> None:
        report.problems.append(Problem(file, line, column, key, value))
        bad_lines[file].add(line)

    # --- pass 1: check everything --------------------------------------------------------------------------------
    stopped = False
    try:
        for line, row in _rows(households_csv, hname, HOUSEHOLD_COLUMNS, HOUSEHOLD_REQUIRED, report):
            report.households_read += 1
            if report.households_read % PROGRESS_EVERY == 0:
                progress(hname, report.households_read)
            bad, clean = _check_household(row, villages, today)
            first = households.get(clean["code"])
            if first is not None:
                bad.append(("household_code", "register.import_duplicate", str(first.line)))
            for column, key, value in bad:
                problem(hname, line, column, key, value)
            if first is None and clean["code"]:
                households[clean["code"]] = _HouseholdLine(line, not bad)
    except _Stop:
        stopped = True
    known_in_db: set[str] = set()
    pending_members: list[tuple[int, str]] = []  # (line, code) of members whose household is not in the file
    seen_people: dict[tuple[str, str], int] = {}
    try:
        for line, row in _rows(members_csv, mname, MEMBER_COLUMNS, MEMBER_COLUMNS, report):
            report.members_read += 1
            if report.members_read % PROGRESS_EVERY == 0:
                progress(mname, report.members_read)
            code = row["household_code"]
            name = " ".join(row["name"].split())
            if not name or len(name) > MAX_NAME:
                problem(mname, line, "name", "register.import_bad_name", name[:20])
            relation = RELATION_ALIASES.get(row["relation"], row["relation"].lower())
            if relation not in rules.RELATIONS:
                problem(mname, line, "relation", "register.import_bad_relation", row["relation"][:20])
            try:
                number = rules.parse(row["id_number"], today).number
            except rules.IdNumberError as exc:
                problem(mname, line, "id_number", exc.key, _masked(row["id_number"]))
                number = ""
            if number:
                first = seen_people.get((code, number))
                if first is not None:
                    problem(mname, line, "id_number", "register.import_duplicate", str(first))
                else:
                    seen_people[(code, number)] = line
            hh = households.get(code)
            if hh is None:
                pending_members.append((line, code))
            else:
                hh.members += 1
                if not hh.ok:
                    problem(mname, line, "household_code", "register.import_household_bad", str(hh.line))
    except _Stop:
        stopped = True
    seen_people.clear()
    # Members of households already in the register (a later file of members) are fine; others are orphans.
    for i in range(0, len(pending_members), BATCH):
        chunk = {c for _, c in pending_members[i:i + BATCH]}
        known_in_db |= set(session.execute(select(Household.code).where(Household.code.in_(chunk))).scalars())
    for line, code in pending_members:
        if code not in known_in_db:
            problem(mname, line, "household_code", "register.import_no_household", code[:32])
    for code, hh in households.items():
        if hh.ok and hh.members == 0:
            problem(hname, hh.line, "household_code", "register.import_no_members", code[:32])
    report.problems.sort(key=lambda p: (p.file != hname, p.line))
    if stopped or (report.problems and not skip_bad):
        return report

    # --- pass 2: write, in batches, inside the caller's one transaction --------------------------------------
    skip_h, skip_m = bad_lines[hname], bad_lines[mname]
    added_ids: dict[str, int] = {}
    batch: list[tuple[dict, int]] = []

    def flush_households() -> None:
        codes = [clean["code"] for clean, _ in batch]
        existing = set(session.execute(select(Household.code).where(Household.code.in_(codes))).scalars())
        fresh = [(c, n) for c, n in batch if c["code"] not in existing]
        report.households_unchanged += len(batch) - len(fresh)
        if fresh:
            insert_rows(session, Household.__table__, [dict(
                code=c["code"], village_id=villages[c["village"]][0], region_path=villages[c["village"]][1],
                head_name=c["head_name"], application_id=None, monthly_amount_fen=c["fen"], started_on=c["start"],
                status=c["status"], status_reason=c["reason"],
                suspended_on=(c["status_date"] or today) if c["status"] == STATUS_SUSPENDED else None,
                stopped_on=(c["status_date"] or today) if c["status"] == STATUS_STOPPED else None,
                created_at=now, updated_at=now) for c, _ in fresh])
            ids = dict(session.execute(select(Household.code, Household.id).where(
                Household.code.in_([c["code"] for c, _ in fresh]))).all())
            added_ids.update(ids)
            roster.add_standing_bulk(session, [roster.StandingRow(
                roster.NewEntry(c["head_name"], max(1, min(n, roster.MAX_HOUSEHOLD)), c["fen"], c["village"],
                                f"{roster.STANDING_REF_PREFIX}{ids[c['code']]}"),
                villages[c["village"]][0], villages[c["village"]][1])
                for c, n in fresh if c["status"] == STATUS_ACTIVE], now=now)
            report.households_added += len(fresh)
            consents = [(c["code"], c["consent"]) for c, _ in fresh if c["consent"] is not None]
            if consents and on_consents is not None:
                on_consents(consents)
            report.consents_added += len(consents)
        batch.clear()

    for line, row in _rows(households_csv, hname, HOUSEHOLD_COLUMNS, HOUSEHOLD_REQUIRED, Report()):
        if line in skip_h:
            continue
        _bad, clean = _check_household(row, villages, today)
        batch.append((clean, households[clean["code"]].members))
        if len(batch) >= BATCH:
            flush_households()
    if batch:
        flush_households()
    households.clear()

    key = secret_key()
    members: list[dict] = []

    def flush_members() -> None:
        codes = {m["code"] for m in members}
        ids = dict(session.execute(select(Household.code, Household.id).where(Household.code.in_(codes))).all())
        # Everyone already listed in the households that were in the register before this import. A household this
        # import added has no one listed but its members of these files, and pass 1 refused any of them twice. Those
        # are not probed: in this transaction the table has no statistics yet, and PostgreSQL, guessing, reads the
        # whole growing table for each batch. An IN list of (household, hash) pairs costs it more to plan still.
        older = {hid for code, hid in ids.items() if code not in added_ids}
        existing = set(session.execute(select(Member.household_id, Member.id_hash).where(
            Member.household_id.in_(older))).all()) if older else set()
        fresh = []
        for m in members:
            hid = ids.get(m.pop("code"))
            if hid is None or (hid, m["id_hash"]) in existing:
                report.members_unchanged += 1
                continue
            existing.add((hid, m["id_hash"]))
            fresh.append({**m, "household_id": hid})
        if fresh:
            insert_rows(session, Member.__table__, fresh)
        report.members_added += len(fresh)
        members.clear()

    for line, row in _rows(members_csv, mname, MEMBER_COLUMNS, MEMBER_COLUMNS, Report()):
        if line in skip_m:
            continue
        parsed = rules.parse(row["id_number"], today)
        members.append(dict(code=row["household_code"], name=" ".join(row["name"].split()),
                            relation=RELATION_ALIASES.get(row["relation"], row["relation"].lower()),
                            id_number=parsed.number, id_hash=rules.id_hash(key, parsed.number),
                            birth_date=parsed.birth_date, sex=parsed.sex, created_at=now))
        if len(members) >= BATCH:
            flush_members()
    if members:
        flush_members()
    session.flush()
    report.people_in_two_households = _people_in_two_active_households(session)
    report.written = True
    if report.households_added or report.members_added:
        audit.record(session, actor, ACTION_IMPORT, "register_import", f"{hname}+{mname}", at=now,
                     after={"households_added": report.households_added, "members_added": report.members_added,
                            "skipped_lines": len(skip_h) + len(skip_m)})
    return report


def _people_in_two_active_households(session: Session) -> int:
    inner = (select(Member.id_hash).join(Household, Household.id == Member.household_id)
             .where(Household.status == STATUS_ACTIVE).group_by(Member.id_hash)
             .having(func.count(func.distinct(Member.household_id)) > 1))
    return session.execute(select(func.count()).select_from(inner.subquery())).scalar_one()


def _masked(raw: str) -> str:
    """A bad number as reported: never printed in full (the report may be mailed around)."""
    return mask_id_number(rules.normalize(raw)[:24])
