"""A real province's set-up: its region tree and windows from CSV (all or nothing, idempotent, GBK accepted, every
bad line named) and the pre-flight check that keeps a site with demo accounts or a local address from serving."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal import cli
from portal.accounts import services as auth
from portal.accounts.models import Role
from portal.kernel.audit_models import AuditEntry
from portal.kernel.settings import get_settings
from portal.preflight import problems
from portal.regions import importer
from portal.regions.models import Region, RegionLevel, ServiceWindow

REGIONS = """code,name,level,parent_code
13,河北省,province,
1301,石家庄市,city,13
130102,长安区,county,1301
130102001,建北街道,township,130102
130102001001,建北社区,village,130102001
"""
WINDOWS = """code,name,office_name,region_code
hb-sjz-0001,社会救助综合窗口,长安区政务服务中心,130102
HB-SJZ-0002,低保受理窗口,建北街道便民服务中心,130102001
"""


def write(tmp_path: Path, name: str, body: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(body.encode(encoding))
    return path


def test_a_good_pair_of_files_builds_the_tree_and_a_second_import_changes_nothing(db_session, tmp_path):
    regions, windows = write(tmp_path, "regions.csv", REGIONS), write(tmp_path, "windows.csv", WINDOWS)
    report = importer.run(db_session, regions, windows)
    assert report.written and not report.problems
    assert (report.regions_added, report.windows_added) == (5, 2)
    village = db_session.execute(select(Region).where(Region.code == "130102001001")).scalar_one()
    assert village.level == RegionLevel.VILLAGE and village.path == "/13/1301/130102/130102001/130102001001/"
    assert village.parent.name == "建北街道"
    window = db_session.execute(select(ServiceWindow).where(ServiceWindow.code == "HB-SJZ-0001")).scalar_one()
    assert window.region.code == "130102" and window.office_name == "长安区政务服务中心"  # code upper-cased
    audited = db_session.execute(select(AuditEntry).where(AuditEntry.action == importer.ACTION_REGIONS_IMPORT)).scalar_one()
    assert audited.after == {"regions_added": 5, "windows_added": 2, "windows_updated": 0,
                             "files": ["regions.csv", "windows.csv"]}

    again = importer.run(db_session, regions, windows)
    assert again.written and (again.regions_added, again.regions_unchanged) == (0, 5)
    assert (again.windows_added, again.windows_unchanged) == (0, 2)
    assert db_session.execute(select(func.count()).select_from(AuditEntry)
                              .where(AuditEntry.action == importer.ACTION_REGIONS_IMPORT)).scalar_one() == 1


def test_gbk_with_chinese_headers_and_level_names_in_any_order(db_session, tmp_path):
    body = ("区划代码,名称,层级,上级代码\n130102001,建北街道,街道,130102\n130102,长安区,区,1301\n"
            "13,河北省,省,\n1301,石家庄市,市,13\n")
    report = importer.run(db_session, write(tmp_path, "regions.csv", body, "gbk"))
    assert report.written and report.regions_added == 4, report.problems
    assert db_session.execute(select(Region.level).where(Region.code == "130102001")).scalar_one() \
        == RegionLevel.TOWNSHIP


def test_every_bad_line_is_named_and_nothing_is_written(db_session, tmp_path):
    body = REGIONS + ("13010200x,坏代码,township,130102\n"
                      "130102002,,township,130102\n"
                      "130102003,青园街道,hamlet,130102\n"
                      "140102004,别处街道,township,130102\n"
                      "130102005,跳级街道,township,1301\n"
                      "130199006,孤儿街道,township,130199\n"
                      "1301,石家庄市,city,13\n")
    windows = WINDOWS + "HB SJZ 9,窗口,机构,130102\nHB-SJZ-0009,窗口,机构,999999\n"
    report = importer.run(db_session, write(tmp_path, "regions.csv", body), write(tmp_path, "windows.csv", windows))
    assert not report.written
    found = {(p.file, p.line, p.column, p.key) for p in report.problems}
    assert found == {
        ("regions.csv", 7, "code", "regions.err_region_code"),
        ("regions.csv", 8, "name", "regions.err_name"),
        ("regions.csv", 9, "level", "regions.err_level"),
        ("regions.csv", 10, "code", "regions.err_code_prefix"),
        ("regions.csv", 11, "parent_code", "regions.err_parent_level"),
        ("regions.csv", 12, "parent_code", "regions.err_parent_unknown"),
        ("regions.csv", 13, "code", "regions.err_duplicate"),
        ("windows.csv", 4, "code", "regions.err_window_code"),
        ("windows.csv", 5, "region_code", "regions.err_parent_unknown"),
    }
    assert db_session.execute(select(func.count()).select_from(Region)).scalar_one() == 0
    assert db_session.execute(select(func.count()).select_from(ServiceWindow)).scalar_one() == 0


def test_a_region_held_with_other_details_is_reported_not_changed(db_session, tmp_path):
    assert importer.run(db_session, write(tmp_path, "regions.csv", REGIONS)).written
    renamed = REGIONS.replace("建北街道", "建北新街道")
    report = importer.run(db_session, write(tmp_path, "regions2.csv", renamed))
    assert not report.written
    assert [(p.line, p.key, p.value) for p in report.problems] == [(5, "regions.err_region_differs", "130102001")]
    assert db_session.execute(select(Region.name).where(Region.code == "130102001")).scalar_one() == "建北街道"


def test_window_contacts_are_imported_and_a_second_file_keeps_them_true(db_session, tmp_path):
    regions = write(tmp_path, "regions.csv", REGIONS)
    first = ("窗口编号,窗口名称,所属机构,所在区划代码,地址,电话,办公时间\n"
             "HB-SJZ-0002,低保受理窗口,建北街道便民服务中心,130102001,建北街 36 号,0311-8601 2302,周一至周五\n")
    assert importer.run(db_session, regions, write(tmp_path, "w1.csv", first, "gbk")).written
    window = db_session.execute(select(ServiceWindow).where(ServiceWindow.code == "HB-SJZ-0002")).scalar_one()
    assert (window.address, window.phone, window.hours) == ("建北街 36 号", "0311-8601 2302", "周一至周五")
    moved = first.replace("建北街 36 号", "建北街 40 号").replace("周一至周五", "周一至周六")
    report = importer.run(db_session, regions, write(tmp_path, "w2.csv", moved))
    assert (report.windows_updated, report.windows_unchanged, report.windows_added) == (1, 0, 0)
    assert (window.address, window.hours) == ("建北街 40 号", "周一至周六")
    bad = moved.replace("0311-8601 2302", "call 8601")
    report = importer.run(db_session, regions, write(tmp_path, "w3.csv", bad))
    assert [(p.line, p.column, p.key) for p in report.problems] == [(2, "phone", "regions.err_phone")]

    from portal.regions.services import office_contact
    contact = office_contact(db_session, window.region)
    assert contact.office == "建北街道便民服务中心" and contact.tel == "tel:031186012302"


def test_missing_columns_and_an_empty_file(db_session, tmp_path):
    report = importer.run(db_session, write(tmp_path, "r.csv", "code,name\n13,河北省\n"))
    assert [(p.line, p.column, p.key) for p in report.problems] == [(1, "level, parent_code",
                                                                     "regions.err_missing_columns")]
    report = importer.run(db_session, write(tmp_path, "e.csv", ""))
    assert [p.key for p in report.problems] == ["regions.err_empty_file"]


# --- the CLI and the pre-flight check ---------------------------------------------------------------------------

@pytest.fixture
def cli_db(db_session, db_url, portal_env, monkeypatch):
    portal_env(database_url=db_url)
    return db_session


def test_cli_import_reports_lines_and_exit_codes(cli_db, tmp_path, capsys):
    bad = write(tmp_path, "bad.csv", REGIONS + "1302,,city,13\n")
    assert cli.main(["regions", "import", str(bad), "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "bad.csv:7: [name] The name is empty or too long" in out and "Nothing imported" in out
    good, windows = write(tmp_path, "regions.csv", REGIONS), write(tmp_path, "windows.csv", WINDOWS)
    assert cli.main(["regions", "import", str(good), str(windows)]) == 0
    assert "区划：新增 5，已有 0；窗口：新增 2，更新联系方式 0，已有 0。" in capsys.readouterr().out
    assert cli.main(["regions", "import", str(tmp_path / "nope.csv")]) == 2


def test_preflight_refuses_a_demo_like_site_and_passes_a_real_one(cli_db, tmp_path, monkeypatch, capsys,
                                                                   fast_passwords):
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://localhost:3000")
    monkeypatch.setenv("PORTAL_ALLOW_LOCAL_POSTER_URL", "1")
    from tests.conftest import clear_portal_caches
    clear_portal_caches()
    keys = {k for k, _ in problems(cli_db, get_settings())}
    assert keys == {"preflight.base_url_https", "preflight.base_url_private", "preflight.local_posters",
                    "preflight.no_regions", "preflight.no_admin"}
    assert cli.main(["preflight", "--lang", "en"]) == 1
    assert "5 checks failed" in capsys.readouterr().err

    assert importer.run(cli_db, write(tmp_path, "regions.csv", REGIONS)).written
    province = cli_db.execute(select(Region).where(Region.code == "13")).scalar_one()
    auth.create_user(cli_db, "officer_county", "演示", "demo-password-1", [(Role.OFFICER, province)])  # a demo name
    auth.create_user(cli_db, "hb_admin", "省管理员", "a-long-password-1", [(Role.ADMIN, province)])
    cli_db.commit()
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://dibao.hebei.gov.cn")
    monkeypatch.delenv("PORTAL_ALLOW_LOCAL_POSTER_URL")
    clear_portal_caches()
    assert [k for k, _ in problems(cli_db, get_settings())] == ["preflight.demo_accounts",
                                                                "preflight.no_trusted_proxies"]
    monkeypatch.setenv("PORTAL_TRUSTED_PROXIES", "10.0.0.5")  # the TLS proxy in front of the portal
    clear_portal_caches()
    assert [k for k, _ in problems(cli_db, get_settings())] == ["preflight.demo_accounts"]
    assert cli.main(["preflight"]) == 1
    assert "officer_county" in capsys.readouterr().err

    # The demo account disabled (as an admin does on /admin/accounts): the site may serve.
    cli_db.execute(auth.User.__table__.update().where(auth.User.username == "officer_county").values(active=False))
    cli_db.commit()
    assert cli.main(["preflight", "--lang", "en"]) == 0
    assert "All checks passed" in capsys.readouterr().out


def test_control_characters_never_reach_a_problem_and_full_width_digits_are_no_code(db_session, tmp_path):
    body = "code,name,level,parent_code\n１３,河北省,province,\n13\x1b[31m,河北省,province,\n"
    report = importer.run(db_session, write(tmp_path, "r.csv", body))
    assert [(p.line, p.key, p.value) for p in report.problems] == [(2, "regions.err_region_code", "１３"),
                                                                   (3, "regions.err_region_code", "13[31m")]
    assert all("\x1b" not in p.value for p in report.problems)


def test_a_real_site_never_loads_the_demo_and_never_serves_before_preflight_passes(cli_db, monkeypatch, capsys):
    from tests.conftest import clear_portal_caches
    import portal.serve

    served = []
    monkeypatch.setattr(portal.serve, "serve", lambda port, host: served.append(port) or 0)
    monkeypatch.setenv("PORTAL_PRODUCTION", "true")
    clear_portal_caches()
    assert cli.main(["demo"]) == 2 and "never loaded" in capsys.readouterr().err
    assert cli_db.execute(select(func.count()).select_from(Region)).scalar_one() == 0
    assert cli.main(["serve", "--port", "3999"]) == 1 and served == []  # preflight fails: no regions, no admin …
    monkeypatch.setenv("PORTAL_PRODUCTION", "")
    clear_portal_caches()
    assert cli.main(["serve", "--port", "3999"]) == 0 and served == [3999]  # the demo site serves as before


def test_demo_data_left_in_the_database_fails_preflight(cli_db, monkeypatch, fast_passwords):
    from portal import demo
    from tests.conftest import clear_portal_caches

    demo.load(cli_db, "demo-password-123")
    cli_db.execute(auth.User.__table__.update().values(active=False))  # demo accounts disabled: not enough
    cli_db.commit()
    clear_portal_caches()
    assert "preflight.demo_data" in {k for k, _ in problems(cli_db, get_settings())}
