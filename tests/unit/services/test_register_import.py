"""Importing an existing register (register/importer.py and `python -m portal register import`): encodings, column
names, every bad line reported with file/line/column, nothing written on errors unless --skip-bad, idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.kernel.audit_models import AuditEntry
from portal.register import importer, rules
from portal.register.models import Household, Member
from portal.roster.models import RosterEntry
from tests import factories

H_HEADER = "household_code,village_code,head_name,monthly_amount,start_date,status,status_reason,status_date\n"
M_HEADER = "household_code,name,relation,id_number\n"
A = rules.make_number("13010219700101001")
B = rules.make_number("13010219720202002")
C = rules.make_number("13010220100303003")
HOUSEHOLDS = H_HEADER + ("HH-001,130102001001,张建国,900.00,2024-01-01,active,,\n"
                         "HH-002,130102001002,欧阳娜娜,650,2023/05/01,暂停,外出务工待核实,2025-06-01\n")
MEMBERS = M_HEADER + (f"HH-001,张建国,户主,{A}\n"
                      f"HH-001,李秀兰,spouse,{B.lower()}\n"
                      f"HH-002,欧阳娜娜,head,{C}\n")


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("PORTAL_SECRET_KEY", "import-test-key")
    from tests.conftest import clear_portal_caches

    clear_portal_caches()
    yield
    clear_portal_caches()


@pytest.fixture
def s(db_session):
    factories.region_tree(db_session)
    db_session.commit()
    return db_session


def files(tmp_path: Path, households: str = HOUSEHOLDS, members: str = MEMBERS, encoding: str = "utf-8",
          bom: bool = False) -> tuple[Path, Path]:
    h, m = tmp_path / "households.csv", tmp_path / "members.csv"
    prefix = b"\xef\xbb\xbf" if bom else b""
    h.write_bytes(prefix + households.encode(encoding))
    m.write_bytes(prefix + members.encode(encoding))
    return h, m


def counts(s) -> tuple[int, int, int]:
    return (s.execute(select(func.count()).select_from(Household)).scalar_one(),
            s.execute(select(func.count()).select_from(Member)).scalar_one(),
            s.execute(select(func.count()).select_from(RosterEntry)).scalar_one())


def problems(report) -> list[tuple[str, int, str, str]]:
    return [(p.file, p.line, p.column, p.key) for p in report.problems]


@pytest.mark.parametrize("encoding, bom", [("utf-8", False), ("utf-8", True), ("gbk", False)])
def test_utf8_bom_and_gbk_files_import_alike(s, tmp_path, encoding, bom):
    report = importer.run(s, *files(tmp_path, encoding=encoding, bom=bom))
    assert report.problems == [] and report.written
    assert (report.households_added, report.members_added) == (2, 3)
    hh = s.execute(select(Household).where(Household.code == "HH-002")).scalar_one()
    assert (hh.head_name, hh.status, hh.status_reason, hh.monthly_amount_fen) == ("欧阳娜娜", "suspended",
                                                                                  "外出务工待核实", 650_00)
    assert s.execute(select(Member.id_number).where(Member.name == "李秀兰")).scalar_one() == B
    # only the active household is on the standing roster, sized by its members
    entries = s.execute(select(RosterEntry)).scalars().all()
    assert [(e.name, e.household_size, e.kind, e.source_ref) for e in entries] == [
        ("张建国", 2, "standing", f"household:{s.execute(select(Household.id).where(Household.code == 'HH-001')).scalar_one()}")]


def test_a_second_import_of_the_same_files_changes_nothing(s, tmp_path):
    paths = files(tmp_path)
    importer.run(s, *paths)
    s.commit()
    before = counts(s)
    audit_rows = s.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    again = importer.run(s, *paths)
    assert again.problems == [] and (again.households_added, again.members_added) == (0, 0)
    assert (again.households_unchanged, again.members_unchanged) == (2, 3)
    assert counts(s) == before == (2, 3, 1)
    assert s.execute(select(func.count()).select_from(AuditEntry)).scalar_one() == audit_rows


def test_chinese_column_names_are_accepted(s, tmp_path):
    h = "户编号,村（社区）代码,户主姓名,月保障金额（元）,起始日期\nHH-9,130102001001,王芳,500,2024-02-01\n"
    m = f"户编号,姓名,与户主关系,身份证号码\nHH-9,王芳,本人,{A}\n"
    report = importer.run(s, *files(tmp_path, h, m, encoding="gbk"))
    assert report.problems == [] and report.households_added == 1


def test_wrong_column_names_are_named_and_nothing_is_read(s, tmp_path):
    h = "code,village,head_name,monthly_amount,start_date\nHH-1,130102001001,王芳,500,2024-02-01\n"
    report = importer.run(s, *files(tmp_path, h))
    assert ("households.csv", 1, "code", "register.import_unknown_column") in problems(report)
    assert ("households.csv", 1, "household_code", "register.import_missing_column") in problems(report)
    assert not report.written and counts(s) == (0, 0, 0)


def test_every_bad_line_is_reported_and_nothing_is_written(s, tmp_path):
    bad_check = A[:-1] + ("0" if A[-1] != "0" else "1")
    h = H_HEADER + ("HH-001,130102001001,张建国,900,2024-01-01,,,\n"
                    "HH-001,130102001001,张建国,900,2024-01-01,,,\n"  # duplicate row
                    "HH-003,999999999999,王五,900,2024-01-01,,,\n"  # no such village
                    "HH-004,130102001001,赵六,-5,2024-13-01,stopped,,\n")  # amount, date, reason
    m = M_HEADER + (f"HH-001,张建国,head,{bad_check}\n"
                    f"HH-001,李秀兰,spouse,{B}\n"
                    f"HH-001,李秀兰,spouse,{B}\n"  # duplicate row
                    f"HH-077,无户人,head,{C}\n"
                    "HH-001,张三,child,110105491231002\n")  # 15-digit old number
    report = importer.run(s, *files(tmp_path, h, m))
    assert problems(report) == [
        ("households.csv", 3, "household_code", "register.import_duplicate"),
        ("households.csv", 4, "village_code", "register.import_bad_village"),
        ("households.csv", 5, "monthly_amount", "register.import_bad_amount"),
        ("households.csv", 5, "start_date", "register.import_bad_date"),
        ("households.csv", 5, "status_reason", "register.import_reason_needed"),
        ("members.csv", 2, "id_number", rules.ERR_CHECK),
        ("members.csv", 4, "id_number", "register.import_duplicate"),
        ("members.csv", 5, "household_code", "register.import_no_household"),
        ("members.csv", 6, "id_number", rules.ERR_OLD),
    ]
    assert all(bad_check not in p.value for p in report.problems)  # bad numbers are reported masked
    assert not report.written and counts(s) == (0, 0, 0)


def test_skip_bad_imports_everything_except_the_listed_lines(s, tmp_path):
    h = H_HEADER + ("HH-001,130102001001,张建国,900,2024-01-01,,,\n"
                    "HH-002,999999999999,王五,900,2024-01-01,,,\n")
    m = M_HEADER + (f"HH-001,张建国,head,{A}\n"
                    f"HH-002,王五,head,{B}\n"  # its household line is bad: reported and skipped too
                    f"HH-001,李秀兰,spouse,{C[:-1]}Y\n")
    report = importer.run(s, *files(tmp_path, h, m), skip_bad=True)
    assert [(p.file, p.line) for p in report.problems] == [("households.csv", 3), ("members.csv", 3),
                                                          ("members.csv", 4)]
    assert report.written and (report.households_added, report.members_added) == (1, 1)
    assert counts(s) == (1, 1, 1)


@pytest.mark.parametrize("households, members, expected", [
    ("", MEMBERS, ("households.csv", 1, "", "register.import_empty")),
    (H_HEADER, MEMBERS, ("households.csv", 1, "", "register.import_no_rows")),
    (HOUSEHOLDS, "", ("members.csv", 1, "", "register.import_empty")),
])
def test_empty_files_are_refused_with_a_message(s, tmp_path, households, members, expected):
    report = importer.run(s, *files(tmp_path, households, members))
    assert expected in problems(report)
    assert not report.written and counts(s) == (0, 0, 0)


def test_a_household_without_members_is_reported(s, tmp_path):
    m = M_HEADER + f"HH-001,张建国,head,{A}\n"
    report = importer.run(s, *files(tmp_path, members=m))
    assert problems(report) == [("households.csv", 3, "household_code", "register.import_no_members")]


def test_a_person_in_two_active_households_is_flagged(s, tmp_path):
    h = H_HEADER + ("HH-001,130102001001,张建国,900,2024-01-01,,,\nHH-002,130102001002,李四,900,2024-01-01,,,\n")
    m = M_HEADER + f"HH-001,张建国,head,{A}\nHH-002,李四,head,{B}\nHH-002,张小华,child,{A}\n"
    report = importer.run(s, *files(tmp_path, h, m))
    assert report.written and report.people_in_two_households == 1


def test_the_command_line_reports_lines_and_exits_1(s, tmp_path, db_url, monkeypatch, capsys):
    from portal import cli
    from tests.conftest import clear_portal_caches

    s.commit()
    monkeypatch.setenv("DATABASE_URL", db_url)
    clear_portal_caches()
    h, m = files(tmp_path, members=M_HEADER + f"HH-001,张建国,head,{A[:-1]}{'1' if A[-1] == 'X' else 'X'}\n")
    assert cli.main(["register", "import", str(h), str(m)]) == 1
    out = capsys.readouterr().out
    assert "members.csv:2: [id_number] 身份证号码校验位不对" in out and "nothing imported" in out
    h, m = files(tmp_path)
    assert cli.main(["register", "import", str(h), str(m), "--lang", "en"]) == 0
    assert "households: 2 added" in capsys.readouterr().out
    assert cli.main(["register", "import", str(h), str(m)]) == 0
    assert "households: 0 added, 2 already in the register" in capsys.readouterr().out


def test_consent_dates_become_grants_with_adults_counted_so_departments_may_be_asked(s, tmp_path, db_url, monkeypatch,
                                                                                      capsys):
    from portal import cli
    from portal.verification import services as verification
    from portal.verification.models import ConsentGrant
    from tests.conftest import clear_portal_caches

    monkeypatch.setenv("DATABASE_URL", db_url)
    clear_portal_caches()
    households = (H_HEADER.replace("status_date\n", "status_date,授权日期\n")
                  + "HH-001,130102001001,张建国,900.00,2024-01-01,active,,,2023-12-20\n"
                  + "HH-002,130102001002,欧阳娜娜,650,2023/05/01,暂停,外出务工待核实,2025-06-01,\n"
                  + "HH-003,130102001002,王小明,500,2024-03-01,active,,,2999-01-01\n")
    members = MEMBERS + f"HH-003,王小明,head,{rules.make_number('13010219800404004')}\n"
    h, m = files(tmp_path, households, members)
    assert cli.main(["register", "import", str(h), str(m), "--lang", "en"]) == 1  # a consent date in the future
    assert "households.csv:4: [consent_date]" in capsys.readouterr().out
    h, m = files(tmp_path, households.replace("2999-01-01", "2024/02/28"), members)
    assert cli.main(["register", "import", str(h), str(m), "--lang", "en"]) == 0
    assert "grants: 2 recorded" in capsys.readouterr().out
    s.expire_all()
    grants = {g.household_code: (g.granted_on.isoformat(), g.adults, g.application_id)
              for g in s.execute(select(ConsentGrant)).scalars()}
    # HH-001: two adults; HH-002 gave no date, so departments may not be asked about it; HH-003: one adult.
    assert grants == {"HH-001": ("2023-12-20", 2, None), "HH-003": ("2024-02-28", 1, None)}
    assert verification.has_grant(s, "HH-001") and not verification.has_grant(s, "HH-002")
    assert s.execute(select(func.count()).select_from(AuditEntry)
                     .where(AuditEntry.action == "verification.grants_imported")).scalar_one() == 1
    assert cli.main(["register", "import", str(h), str(m)]) == 0  # again: nothing new, no second audit row
    s.expire_all()
    assert s.execute(select(func.count()).select_from(ConsentGrant)).scalar_one() == 2
    assert s.execute(select(func.count()).select_from(AuditEntry)
                     .where(AuditEntry.action == "verification.grants_imported")).scalar_one() == 1
    clear_portal_caches()


def test_born_by_is_the_birth_date_bound_of_an_age_for_queries():
    from datetime import date, timedelta

    for today in (date(2026, 2, 28), date(2028, 2, 29), date(2026, 3, 1), date(2026, 12, 31)):
        cutoff = rules.born_by(18, today)
        for offset in range(-800, 800, 7):
            born = cutoff + timedelta(days=offset)
            assert (rules.age_on(born, today) >= 18) == (born <= cutoff), (today, born)
