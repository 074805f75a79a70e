"""The board and the public power list read the right rows, scoped to the region, and counts only."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from sqlalchemy import event

from portal.accounts.models import Role
from portal.kernel import audit
from portal.kernel.audit_models import AuditEntry
from portal.kernel.permissions import PermissionDenied
from portal.kernel.workdays import CHINA_TZ
from portal.supervision import queries, rules, services as sup
from tests import factories
from tests.unit.supervision.test_risk_rules import COUNTY, TOWNSHIP, VILLAGE, act

NOW = datetime(2026, 3, 20, 4, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def quiet(monkeypatch):
    monkeypatch.setattr(audit, "_listeners", [])


@pytest.fixture
def w(db_session, fast_passwords):
    tree = factories.region_tree(db_session)
    a = factories.actor_with(db_session, (Role.OFFICER, tree[COUNTY]))
    city = factories.actor_with(db_session, (Role.INSPECTOR, tree.city))
    db_session.commit()
    return type("W", (), dict(s=db_session, tree=tree, a=a, city=city))


def test_power_figures_count_acts_in_the_region_and_month_only(w):
    act(w, w.a, "application.accept", "application", "A-1", NOW - timedelta(days=2))
    act(w, w.a, "application.request_materials", "application", "A-2", NOW - timedelta(days=1))
    act(w, w.a, "application.accept", "application", "A-3", NOW - timedelta(days=40))  # last month
    act(w, w.a, "application.accept", "application", "A-4", NOW - timedelta(days=1), region="130104001001")
    act(w, w.a, "auth.signin", "user", "1", NOW - timedelta(days=1))  # no power
    mine = queries.power_figures(w.s, w.tree[COUNTY].path, NOW.date())
    everywhere = queries.power_figures(w.s, None, NOW.date())
    assert mine["dibao.accept"].exercised == 2 and everywhere["dibao.accept"].exercised == 3
    assert mine["dibao.decide"].exercised == 0 and mine["dibao.decide"].on_time_pct is None


def test_the_board_counts_the_last_day_and_the_weeks_and_the_hits_it_reviews(w):
    act(w, w.a, "application.home_survey", "application", "A-5", NOW - timedelta(days=3))
    decided = act(w, w.a, "application.county_decision", "application", "A-5", NOW - timedelta(hours=2))
    sup.evaluate(w.s, decided)
    county = queries.board(w.s, w.tree[COUNTY], NOW)
    city = queries.board(w.s, w.tree.city, NOW)
    assert dict(county.acts_24h) == {"dibao.decide": 1} and county.acts_24h_total == 1
    assert sum(a for _, a, _ in county.trend) == 2 and len(county.trend) == queries.WEEKS
    assert county.hits == [] and city.hits == [("ab_separation", 1)]  # the county's decision goes to the city
    [row] = queries.drill(w.s, w.tree.city, "rule", "ab_separation", NOW)
    assert row.ref == "A-5" and str(decided.id) in row.note
    assert queries.drill(w.s, w.tree["130104"], "rule", "ab_separation", NOW) == []


def test_only_supervising_roles_of_a_county_or_above_get_a_board(w, portal_env):
    township = factories.actor_with(w.s, (Role.OFFICER, w.tree[TOWNSHIP]))
    staff = factories.actor_with(w.s, (Role.WINDOW_STAFF, w.tree[COUNTY]))
    choices = queries.board_regions(w.s, w.city)
    assert [c.code for c in choices] == [w.tree.city.code]
    assert queries.board_regions(w.s, township) == [] and queries.board_regions(w.s, staff) == []
    with pytest.raises(PermissionDenied):
        queries._region_for(w.s, w.a, "130104")  # another county
    with pytest.raises(PermissionDenied):
        queries._region_for(w.s, w.a, TOWNSHIP)  # a township has no board


def test_a_new_dated_version_of_a_power_applies_from_its_date(w):
    admin = factories.actor_with(w.s, (Role.ADMIN, w.tree.province))
    on = date(2026, 3, 1)
    sup.set_power(w.s, admin, sup.PowerChange("dibao.decide", date(2026, 4, 1), "低保审核确认（新）", "County decision",
                                               "A", "basis", "county", 8, "甲", "乙", "p", "p",
                                               document_no="冀民〔2026〕45号"), today=on)
    before = {p.key: p for p in sup.powers_in_force(w.s, date(2026, 3, 31))}
    after = {p.key: p for p in sup.powers_in_force(w.s, date(2026, 4, 1))}
    assert before["dibao.decide"].time_limit_wd == 10 and after["dibao.decide"].time_limit_wd == 8
    assert after["dibao.decide"].actions == ("application.county_decision",)
    assert after["dibao.decide"].document_no == "冀民〔2026〕45号" and before["dibao.decide"].document_no == ""
    with pytest.raises(sup.SupervisionError):
        sup.set_power(w.s, admin, sup.PowerChange("dibao.decide", date(2026, 4, 1), "x", "x", "A", "b", "county",
                                                   8, "a", "b", "p", "p", document_no="冀民〔2026〕46号"), today=on)
    with pytest.raises(PermissionDenied):
        sup.set_power(w.s, w.a, sup.PowerChange("dibao.decide", date(2026, 5, 1), "x", "x", "A", "b", "county",
                                                 8, "a", "b", "p", "p", document_no="冀民〔2026〕46号"), today=on)


def test_a_version_is_never_backdated_needs_its_document_number_and_is_the_province_admins(w):
    admin = factories.actor_with(w.s, (Role.ADMIN, w.tree.province))
    city_admin = factories.actor_with(w.s, (Role.ADMIN, w.tree.city))
    on = date(2026, 3, 10)
    change = dict(time_limit_wd=7, a_post="县级审批人", b_post="县级分管领导", control_points=("两人审批",),
                  risk_points=("越权审批",))
    with pytest.raises(sup.SupervisionError) as err:  # yesterday: past acts keep the version they were done under
        sup.revise_power(w.s, admin, "dibao.decide", date(2026, 3, 9), "冀民〔2026〕45号", today=on, **change)
    assert err.value.key == "sup.err_power_past"
    with pytest.raises(sup.SupervisionError) as err:
        sup.revise_power(w.s, admin, "dibao.decide", on, "", today=on, **change)
    assert err.value.key == "sup.err_power_document"
    with pytest.raises(PermissionDenied):  # a city's admin: the power list is the province's
        sup.revise_power(w.s, city_admin, "dibao.decide", on, "冀民〔2026〕45号", today=on, **change)
    row = sup.revise_power(w.s, admin, "dibao.decide", on, "冀民〔2026〕45号", today=on, **change)
    seed = next(p for p in rules.POWERS if p.key == "dibao.decide")
    # Only the time limit, posts and points change; the name, grade and basis carry over from the version before.
    assert (row.name_zh, row.grade, row.legal_basis) == (seed.name_zh, seed.grade, seed.legal_basis)
    assert (row.time_limit_wd, row.a_post, row.control_points) == (7, "县级审批人", ["两人审批"])
    entry = w.s.execute(select(AuditEntry).where(AuditEntry.action == "supervision.power_set")).scalar_one()
    assert entry.after["document_no"] == "冀民〔2026〕45号" and entry.after["time_limit_wd"] == 7
    earlier = {p.key: p for p in sup.powers_in_force(w.s, date(2026, 3, 9))}
    assert earlier["dibao.decide"].time_limit_wd == seed.time_limit_wd
    with pytest.raises(PermissionDenied):
        sup.set_power(w.s, w.a, sup.PowerChange("dibao.decide", date(2026, 5, 1), "x", "x", "A", "b", "county",
                                                 8, "a", "b", "p", "p"))


def test_the_province_board_counts_listed_powers_only(w):
    act(w, w.a, "application.accept", "application", "A-6", NOW - timedelta(hours=3))
    act(w, w.a, "auth.signin", "user", "1", NOW - timedelta(hours=2))  # no power
    province = queries.board(w.s, w.tree.province, NOW)
    assert dict(province.acts_24h) == {"dibao.accept": 1} and sum(a for _, a, _ in province.trend) == 1


def test_a_week_of_the_whole_province_is_read_from_the_time_index_alone(w):
    # At 3.3 million audit rows the action index made each week of the trend read the whole log (seconds each).
    if w.s.bind.dialect.name != "sqlite":
        pytest.skip("SQLite's query plan")
    stmt = queries._acts_between(w.s, w.tree.province.path, NOW - timedelta(days=7), NOW)
    sql = str(stmt.compile(dialect=w.s.bind.dialect, compile_kwargs={"literal_binds": True}))
    plan = " ".join(r[-1] for r in w.s.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql))
    assert "COVERING INDEX ix_audit_entry_at" in plan, plan


def test_the_drill_behind_a_power_lists_its_acts_of_the_last_day_latest_recorded_first(w):
    act(w, w.a, "application.home_survey", "application", "A-7", NOW - timedelta(hours=5))
    act(w, w.a, "application.home_survey", "application", "A-8", NOW - timedelta(hours=1))
    act(w, w.a, "application.home_survey", "application", "A-9", NOW - timedelta(hours=30))  # before the day
    act(w, w.a, "application.accept", "application", "A-10", NOW - timedelta(hours=2))  # another power
    act(w, w.a, "application.home_survey", "application", "A-11", NOW - timedelta(hours=3), region="130104001001")
    power = rules.POWER_OF_ACTION["application.home_survey"]
    assert [r.ref for r in queries.drill(w.s, w.tree.province, "power", power, NOW)] == ["A-11", "A-8", "A-7"]
    assert [r.ref for r in queries.drill(w.s, w.tree[COUNTY], "power", power, NOW)] == ["A-8", "A-7"]


def _plans(w, fn) -> list[str]:
    seen: list = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(w.s.bind, "before_cursor_execute", grab)
    try:
        fn()
    finally:
        event.remove(w.s.bind, "before_cursor_execute", grab)
    conn = w.s.connection()
    return [" ".join(r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + stmt, params))
            for stmt, params in seen if stmt.lstrip().upper().startswith("SELECT")]


def test_the_province_power_figures_and_drill_read_a_month_or_a_day_not_the_year(w):
    # With a year of a province (3.3 million acts, 2.4 million steps) these took seconds: the action index walked
    # every act of the listed powers, and the month's steps were found by scanning every case.
    if w.s.bind.dialect.name != "sqlite":
        pytest.skip("SQLite's query plans")
    power = rules.POWER_OF_ACTION["application.home_survey"]
    plans = _plans(w, lambda: queries.power_figures(w.s, w.tree.province.path, NOW.date()))
    plans += _plans(w, lambda: queries.drill(w.s, w.tree.province, "power", power, NOW))
    joined = "\n".join(plans)
    assert "ix_audit_entry_action" not in joined and "SCAN application_step" not in joined, joined
    assert "SCAN application " not in joined + " ", joined
    assert "COVERING INDEX ix_application_step_done_span" in joined, joined


def _china(y, mo, d, h=0, mi=0, s=0, us=0) -> datetime:
    return datetime(y, mo, d, h, mi, s, us, tzinfo=CHINA_TZ)


def test_the_board_counts_applications_and_reports_received_each_week_of_its_region(w):
    # NOW is Friday 20 March (China time): the weeks run from Monday 26 January to Monday 16 March.
    other = "130104001001"
    act(w, "resident:A-20", "application.submit", "application", "A-20", _china(2026, 3, 9))  # a week's first instant
    act(w, "resident:A-21", "application.submit", "application", "A-21", _china(2026, 3, 15, 23, 59, 59, 999999))
    act(w, "resident:A-22", "application.submit", "application", "A-22", _china(2026, 3, 8, 23, 59, 59))
    act(w, "resident:A-23", "application.submit", "application", "A-23", _china(2026, 1, 25, 23, 59, 59))  # before
    act(w, "resident", "report.file", "report", "1", _china(2026, 3, 16), region=TOWNSHIP)
    act(w, "resident", "report.file", "report", "2", _china(2026, 3, 19, 8), region=COUNTY)
    act(w, "resident", "report.file", "report", "3", _china(2026, 3, 18), region=other)  # another county
    act(w, "resident:A-24", "application.submit", "application", "A-24", _china(2026, 1, 26), region=other)
    act(w, w.a, "application.accept", "application", "A-20", _china(2026, 3, 10))  # an act, not a receipt
    county = {week: (a, r) for week, a, r in queries.board(w.s, w.tree[COUNTY], NOW).volumes}
    city = {week: (a, r) for week, a, r in queries.board(w.s, w.tree.city, NOW).volumes}
    assert list(county) == ["01-26", "02-02", "02-09", "02-16", "02-23", "03-02", "03-09", "03-16"]
    assert {k: v for k, v in county.items() if v != (0, 0)} == {"03-02": (1, 0), "03-09": (2, 0), "03-16": (0, 2)}
    assert {k: v for k, v in city.items() if v != (0, 0)} == {
        "01-26": (1, 0), "03-02": (1, 0), "03-09": (2, 0), "03-16": (0, 3)}


def test_the_weeks_of_the_board_are_one_query_read_from_the_time_indexes(w):
    # One query for the eight weeks (not one a week), and the range on `at` from an index holding it, never the
    # index on action (which reads every act of the year).
    if w.s.bind.dialect.name != "sqlite":
        pytest.skip("SQLite's query plans")
    mondays = [date(2026, 3, 16) - timedelta(weeks=k) for k in range(queries.WEEKS - 1, -1, -1)]
    [province] = [p for p in _plans(w, lambda: queries._weekly_acts(w.s, w.tree.province.path, mondays))
                  if "audit_entry" in p]
    [county] = [p for p in _plans(w, lambda: queries._weekly_acts(w.s, w.tree[COUNTY].path, mondays))
                if "audit_entry" in p]
    assert "COVERING INDEX ix_audit_entry_at " in province + " ", province
    assert "COVERING INDEX ix_audit_entry_region_at" in county and "ix_audit_entry_action" not in county, county


def test_the_overdue_rows_sum_per_office_most_overdue_first():
    rows = [queries.OverdueRow("step", 7, "建北街道", 2), queries.OverdueRow("report", 9, "青园街道", 4),
            queries.OverdueRow("report", 7, "建北街道", 1), queries.OverdueRow("evaluation", 7, "建北街道", 2)]
    assert queries.overdue_per_office(rows) == [
        queries.OfficeOverdue("建北街道", {"step": 2, "report": 1, "followup": 0, "evaluation": 2}, 5),
        queries.OfficeOverdue("青园街道", {"step": 0, "report": 4, "followup": 0, "evaluation": 0}, 4)]
