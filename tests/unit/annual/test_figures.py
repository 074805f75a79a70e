"""Each figure of a county's report against the rows placed by hand (tests/unit/annual/world.py), a quarter, and a
city as exactly the sum of its counties."""

from __future__ import annotations

import pytest

from portal.annual import rules
from portal.annual import services as svc
from portal.annual.queries import lines
from tests.unit.annual.world import build


@pytest.fixture
def w(db_session, fast_passwords):
    return build(db_session)


def test_county_figures_hand_counted(w):
    f = svc.figures(w.s, w.a, 2026)
    assert f["register"] == {"households_start": 4, "members_start": 8, "households_end": 4, "members_end": 10,
                             "admitted_households": 2, "admitted_members": 6, "stopped_households": 2,
                             "stopped_members": 4}
    assert f["stop_reasons"] == {"收入超标": 1, "死亡": 1}
    assert f["applications"] == {"received": 3, "approved": 1, "refused": 1}
    # Mon–Fri (no calendar rows): 2 → 4 March is 2 working days; 11 → 22 May is 9; 8 → 10 June is 2.
    assert f["steps"] == {"accept": {"done": 1, "days": 2, "overdue": 0},
                          "county_decision": {"done": 2, "days": 11, "overdue": 1}}
    assert f["payments"]["2026-01"] == {"fen": 120_000, "households": 4, "people": 8}
    assert f["payments"]["2026-02"] == {"fen": 0, "households": 0, "people": 0}
    assert len(f["payments"]) == 12
    assert f["reports"] == {"received": 2, "concluded": 3, "substantiated": 1, "partly": 1, "rewards_paid": 1,
                            "rewards_fen": 50_000}
    assert f["ratings"] == {"total": 5, "satisfied": 3}
    assert f["evaluations"] == {"results": 1, "scored": 1, "score_milli": 80_000, "combined_count": 1,
                                "combined_milli": 85_500, "talks": 1}
    assert f["supervision"] == {"inspections": 1, "cases_checked": 2, "problems": 1, "rectifications": 1,
                                "rectified": 1, "items_opened": 1, "items_closed": 1, "referrals": 1}
    assert f["accountability"] == {"admonition": 1}
    assert f["verification"] == {"findings": 1, "resolved": 2}


def test_other_county_sees_only_its_own_rows(w):
    f = svc.figures(w.s, w.b, 2026)
    assert f["register"]["households_end"] == 2 and f["register"]["members_end"] == 2
    assert f["ratings"] == {"total": 2, "satisfied": 1}
    assert f["applications"]["received"] == 0 and f["reports"]["received"] == 0
    assert f["payments"]["2026-01"] == {"fen": 50_000, "households": 2, "people": 2}
    assert f["evaluations"]["scored"] == 1 and f["evaluations"]["combined_count"] == 0


def test_city_is_the_sum_of_its_counties(w):
    a, b = svc.figures(w.s, w.a, 2026), svc.figures(w.s, w.b, 2026)
    city = svc.figures(w.s, w.city, 2026)
    assert city == rules.add(a, b)
    assert city["register"]["households_end"] == 6 and city["ratings"] == {"total": 7, "satisfied": 4}
    assert city["payments"]["2026-01"]["fen"] == 170_000
    assert svc.figures(w.s, w.province, 2026) == city  # one city in the province


def test_a_quarter(w):
    q1 = svc.figures(w.s, w.a, 2026, 1)
    assert sorted(q1["payments"]) == ["2026-01", "2026-02", "2026-03"]
    assert q1["register"]["households_start"] == 4 and q1["register"]["households_end"] == 6  # admitted 1 March
    assert q1["register"]["stopped_households"] == 0
    assert q1["reports"]["received"] == 1 and q1["reports"]["concluded"] == 2
    assert q1["applications"]["received"] == 1 and q1["steps"] == {"accept": {"done": 1, "days": 2, "overdue": 0}}
    q3 = svc.figures(w.s, w.a, 2026, 3)
    assert q3["register"]["stopped_households"] == 1 and q3["stop_reasons"] == {"死亡": 1}


def test_derived_lines_are_computed_not_summed(w):
    city = svc.figures(w.s, w.city, 2026)
    table = {s.key: {(r.key, r.arg_key or r.arg): r for r in s.rows} for s in rules.table(city)}
    assert table["ratings"][("annual.row.satisfaction", "")].value == pytest.approx(4 / 7)
    assert table["applications"][("annual.row.approval_rate", "")].value == pytest.approx(0.5)
    assert table["steps"][("annual.row.steps_overdue", "")].value == pytest.approx(1 / 3)
    assert table["steps"][("annual.row.steps_days", "")].value == pytest.approx(13 / 3)
    assert table["evaluations"][("annual.row.eval_score", "")].value == pytest.approx(70.0)
    assert table["evaluations"][("annual.row.eval_combined", "")].value == pytest.approx(85.5)
    assert rules.shown(table["payments"][("annual.row.paid_total", "")]) == "¥1,700.00"
    shown = {(x.zh, x.value) for x in lines(city)}
    assert ("满意率", "57.1%") in shown and ("停保原因：收入超标（户）", "1") in shown
    assert ("2026-01 发放金额（元）", "¥1,700.00") in shown
    assert any(x.zh == "问责结果：诫勉谈话" for x in lines(city))


def test_nothing_to_measure_shows_a_dash():
    rows = {r.key: r for s in rules.table(rules.empty(rules.period_months(2026, 2))) for r in s.rows}
    assert rows["annual.row.satisfaction"].value is None and rules.shown(rows["annual.row.satisfaction"]) == "—"


def test_the_steps_are_read_application_by_application_from_the_covering_index(w):
    # Without statistics (the portal never runs ANALYZE) SQLite read every step with state 'done' (nearly all of a
    # year's 2.4 million) through the index on state and fetched each row, for one county as for the province.
    from sqlalchemy import event

    seen: list = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(w.s.bind, "before_cursor_execute", grab)
    try:
        svc.figures(w.s, w.a, 2026)
    finally:
        event.remove(w.s.bind, "before_cursor_execute", grab)
    conn = w.s.connection()
    plans = [" ".join(r[-1] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + stmt, params))
             for stmt, params in seen if "application_step" in stmt and stmt.lstrip().upper().startswith("SELECT")]
    assert len(plans) == 3, plans
    for plan in plans:
        assert "COVERING INDEX ix_application_step_annual" in plan and "ix_application_step_open_due" not in plan, plan
