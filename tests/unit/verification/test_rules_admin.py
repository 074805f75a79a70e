"""The rules admin: an admin adds dated values and switches a rule off for regions they administer (audited), the
history stays, the row in force is marked, and a switched-off rule does not run there."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.kernel.audit_models import AuditEntry
from portal.kernel.permissions import PermissionDenied
from portal.verification import queries as vq
from portal.verification import rules as vr
from portal.verification import services as vs
from portal.verification.pages.rules_admin import parse_form
from tests import factories


@pytest.fixture
def w(db_session, fast_passwords):
    tree = factories.region_tree(db_session)
    county = tree["130102"]
    admin = factories.actor_with(db_session, (Role.ADMIN, county))
    other = factories.actor_with(db_session, (Role.ADMIN, tree["130104"]))
    return type("W", (), dict(s=db_session, tree=tree, county=county, admin=admin, other=other))


def test_an_admin_adds_dated_values_and_switches_a_rule_off(w):
    vs.set_rule_by_admin(w.s, w.admin, "130102", "deposits", {"asset_limit_per_member_fen": 20_000_00},
                         date(2026, 1, 1), "长民〔2026〕1号")
    vs.set_rule_by_admin(w.s, w.admin, "130102", "deposits", {"asset_limit_per_member_fen": 24_000_00},
                         date(2026, 7, 1), "长民〔2026〕9号")
    vs.set_rule_by_admin(w.s, w.admin, "130102", "dead", parse_form("dead", {"disable": "on"}), date(2026, 3, 1),
                         "长民〔2026〕3号")
    rows = vs.rules_for_admin(w.s, w.admin, on=date(2026, 8, 1))
    assert [(r.rule, r.effective_from, r.in_force, r.disabled) for r in rows] == [
        ("dead", "2026-03-01", True, True), ("deposits", "2026-07-01", True, False),
        ("deposits", "2026-01-01", False, False)]
    params = vr.params_by_county(vs.rule_rows(w.s), [w.county.path], date(2026, 8, 1))
    assert "dead" not in params and params["deposits"][w.county.path].values == {
        "asset_limit_per_member_fen": 24_000_00}
    assert w.s.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "verification.rule_set")) == 3


def test_another_countys_admin_and_a_township_are_refused(w):
    with pytest.raises(PermissionDenied):
        vs.set_rule_by_admin(w.s, w.other, "130102", "dead", {}, date(2026, 1, 1), "X〔2026〕1号")
    with pytest.raises(PermissionDenied):
        vs.set_rule_by_admin(w.s, w.admin, "999999", "dead", {}, date(2026, 1, 1), "X〔2026〕1号")
    with pytest.raises(vs.RuleError) as info:
        vs.set_rule_by_admin(w.s, w.admin, "130102001", "dead", {}, date(2026, 1, 1), "X〔2026〕1号")
    assert info.value.key == "verify.err_rule_level"
    assert vs.rules_for_admin(w.s, w.other) == []


def test_the_region_picker_offers_only_what_the_admin_may_set(w):
    """The page's picker: the admin's own tree from province to county (townships and villages cannot hold a
    rule), nothing of another county; the service above still refuses anything else sent in its place."""
    county_admin = [(c.code, c.depth) for c in vq.rule_regions(w.s, w.admin)]
    assert county_admin == [("130102", 0)]
    city_admin = factories.actor_with(w.s, (Role.ADMIN, w.tree.city))
    assert [(c.code, c.depth) for c in vq.rule_regions(w.s, city_admin)] == [("1301", 0), ("130102", 1),
                                                                          ("130104", 1)]
    with pytest.raises(PermissionDenied):
        vq.rule_regions(w.s, factories.actor_with(w.s, (Role.OFFICER, w.county)))


def test_the_form_reads_yuan_counts_and_choices():
    assert parse_form("vehicles", {"max_vehicles": "0", "motorcycle_value_limit_fen": "3,000.50",
                                   "exempt_types-agricultural": "on", "exempt_types-car": ""}) == {
        "max_vehicles": 0, "motorcycle_value_limit_fen": 300_050, "exempt_types": ["agricultural"]}
    with pytest.raises(ValueError):
        parse_form("deposits", {"asset_limit_per_member_fen": "lots"})
    assert parse_form("income", {"disable": "on", "tolerance_fen": "5"}) == vr.DISABLED
