"""The province's desk behind /officer/reward-pool: weight sets set by a provincial officer or admin and listed as
sets, the scores a decision would freeze, one live pool a year (a rejected one makes way for the next), and the
points typed into the form."""

from __future__ import annotations

from datetime import date

import pytest

from portal.accounts.models import Role
from portal.kernel.permissions import PermissionDenied
from portal.reporting import rules
from portal.reporting import services as rs
from portal.supervision import rules as sup_rules
from tests import factories
from tests.unit.reporting.test_pool import NOW, WEIGHTS, w  # noqa: F401  (the fixture)


def test_weight_sets_by_a_provincial_officer_listed_newest_first(w):  # noqa: F811
    city_officer = factories.actor_with(w.s, (Role.OFFICER, w.tree.city))
    for who in (w.county_officer, city_officer):
        with pytest.raises(PermissionDenied):
            rs.set_weights(w.s, who, "13", WEIGHTS, date(2026, 1, 1), "冀民〔2026〕8号", now=NOW)
        with pytest.raises(PermissionDenied):
            rs.weight_sets(w.s, who, "13")
    with pytest.raises(rs.ReportingError) as caught:
        rs.set_weights(w.s, w.second, "13", WEIGHTS, date(2026, 1, 1), " ", now=NOW)
    assert caught.value.key == "reporting.err_document"
    rs.set_weights(w.s, w.second, "13", WEIGHTS, date(2026, 1, 1), "冀民〔2026〕8号", now=NOW)
    rs.set_weights(w.s, w.admin, "13", {**WEIGHTS, "satisfaction": 500, "substantiated": 200}, date(2026, 7, 1),
                   "冀民〔2026〕31号", now=NOW)
    sets = rs.weight_sets(w.s, w.admin, "13")
    assert [(x.effective_from, x.document_no) for x in sets] == [(date(2026, 7, 1), "冀民〔2026〕31号"),
                                                                 (date(2026, 1, 1), "冀民〔2026〕8号")]
    assert sets[1].weights == WEIGHTS and sum(sets[0].weights.values()) == 1000
    assert rs.province_codes(w.second) == [("13", w.tree.province.name)] and rs.province_codes(city_officer) == []
    assert sup_rules.power_for(rs.ACTION_WEIGHTS) == "reporting.allocate"


def test_scores_for_the_desk_are_what_a_decision_freezes(w):  # noqa: F811
    assert rs.scores_for(w.s, w.second, "13", 2026, today=date(2026, 12, 20)) is None
    rs.set_weights(w.s, w.admin, "13", WEIGHTS, date(2026, 1, 1), "冀民〔2026〕8号", now=NOW)
    scores, document = rs.scores_for(w.s, w.second, "13", 2026, today=date(2026, 12, 20))
    assert document == "冀民〔2026〕8号" and [s.code for s in scores] == ["130102", "130104"]
    pool = rs.decide_pool(w.s, w.admin, "13", 2026, 1_000_000_00, 50_000, now=NOW)
    assert [s["score_milli"] for s in pool.shares] == [s.score_milli for s in scores]
    with pytest.raises(PermissionDenied):
        rs.scores_for(w.s, w.county_officer, "13", 2026, today=date(2026, 12, 20))


def test_one_live_pool_a_year(w):  # noqa: F811
    rs.set_weights(w.s, w.admin, "13", WEIGHTS, date(2026, 1, 1), "冀民〔2026〕8号", now=NOW)
    first = rs.decide_pool(w.s, w.admin, "13", 2026, 1_000_000_00, 50_000, now=NOW)
    with pytest.raises(rs.ReportingError) as caught:
        rs.decide_pool(w.s, w.second, "13", 2026, 2_000_000_00, 50_000, now=NOW)
    assert caught.value.key == "reporting.err_pool_exists"
    with pytest.raises(rs.ReportingError) as caught:
        rs.decide_pool(w.s, w.admin, "13", 2027, 1_000_000_00, 50_000, now=NOW)  # a year not begun
    assert caught.value.key == "reporting.err_year"
    rs.approve_pool(w.s, w.second, first.id, False, "资金总额与预算不符", now=NOW)
    second = rs.decide_pool(w.s, w.second, "13", 2026, 2_000_000_00, 50_000, now=NOW)
    assert [p.id for p in rs.pools(w.s, w.admin, "13")] == [second.id, first.id]
    with pytest.raises(PermissionDenied):
        rs.pools(w.s, w.county_officer, "13")


def test_points_typed_into_the_form():
    assert rules.parse_points("60") == 60_000 and rules.parse_points("72.125") == 72_125
    assert [rules.parse_points(x) for x in ("", "-1", "100.001", "1.2345", "1e3", " 5 ")] == [
        None, None, None, None, None, 5_000]
    assert rules.shown_points(72_125) == "72.125" and rules.shown_points(0) == "0.000"
