"""Eligibility parameters as data (applications/eligibility/services.py): values in force per region and date, history,
admin-only changes with an audit row."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.kernel.audit_models import AuditEntry
from portal.applications.eligibility import rules as el
from portal.applications.eligibility import services as ep
from portal.kernel.permissions import PermissionDenied
from tests import factories


@pytest.fixture
def tree(db_session, fast_passwords):
    return factories.region_tree(db_session)


def test_city_value_applies_county_overrides_and_history_stays(db_session, tree):
    admin = factories.actor_with(db_session, (Role.ADMIN, tree.province))
    county = tree.counties[0]
    ep.set_parameter(db_session, admin, tree.city, el.STANDARD_URBAN, 900_00, date(2026, 1, 1), "CITY-1")
    ep.set_parameter(db_session, admin, county, el.STANDARD_URBAN, 950_00, date(2026, 7, 1), "COUNTY-1")
    township = tree.townships[county.code][0]
    assert ep.params_for(db_session, township.path, date(2026, 6, 30)).get(el.STANDARD_URBAN).value == 900_00
    in_force = ep.params_for(db_session, township.path, date(2026, 7, 1)).get(el.STANDARD_URBAN)
    assert (in_force.value, in_force.document_no) == (950_00, "COUNTY-1")
    other = tree.townships[tree.counties[1].code][0]
    assert ep.params_for(db_session, other.path, date(2026, 7, 1)).get(el.STANDARD_URBAN).value == 900_00
    ep.set_parameter(db_session, admin, county, el.STANDARD_URBAN, 960_00, date(2026, 7, 1), "COUNTY-1 corrected")
    assert [r.value for r in ep.history(db_session, county)] == [960_00, 950_00]
    assert ep.params_for(db_session, township.path, date(2026, 7, 2)).get(el.STANDARD_URBAN).value == 960_00
    rows = db_session.execute(select(AuditEntry).where(AuditEntry.action == "eligibility.parameter_set")).scalars()
    last = list(rows)[-1]
    assert last.before["value"] == 950_00 and last.after["value"] == 960_00


def test_only_an_admin_of_the_region_sets_parameters(db_session, tree):
    officer = factories.actor_with(db_session, (Role.OFFICER, tree.province))
    with pytest.raises(PermissionDenied):
        ep.set_parameter(db_session, officer, tree.city, el.STANDARD_URBAN, 900_00, date(2026, 1, 1), "X")
    county_admin = factories.actor_with(db_session, (Role.ADMIN, tree.counties[0]))
    with pytest.raises(PermissionDenied):
        ep.set_parameter(db_session, county_admin, tree.counties[1], el.STANDARD_URBAN, 900_00, date(2026, 1, 1), "X")


@pytest.mark.parametrize("key,value,doc,error", [
    ("standard.bogus", 1, "X", "elig.err_param_key"),
    (el.STANDARD_URBAN, -5, "X", "elig.err_param_value"),
    (el.STANDARD_URBAN, 900_00, "  ", "elig.err_param_document"),
])
def test_bad_values_are_refused(db_session, tree, key, value, doc, error):
    admin = factories.actor_with(db_session, (Role.ADMIN, tree.province))
    with pytest.raises(ep.ParameterError) as caught:
        ep.set_parameter(db_session, admin, tree.city, key, value, date(2026, 1, 1), doc)
    assert caught.value.key == error


def test_township_is_not_a_parameter_level(db_session, tree):
    admin = factories.actor_with(db_session, (Role.ADMIN, tree.province))
    with pytest.raises(ep.ParameterError):
        ep.set_parameter(db_session, admin, tree.all_townships[0], el.STANDARD_URBAN, 1, date(2026, 1, 1), "X")


def test_seed_is_idempotent(db_session, tree):
    values = {el.STANDARD_URBAN: 900_00, el.MAX_VEHICLES: 0}
    assert ep.seed(db_session, tree.city, values, date(2026, 1, 1), "DOC") == 2
    assert ep.seed(db_session, tree.city, values, date(2026, 1, 1), "DOC") == 0


@pytest.mark.parametrize("key,text,value", [
    (el.STANDARD_URBAN, "1015", 1015_00), (el.STANDARD_URBAN, "1015.5", 1015_50), (el.MAX_VEHICLES, "0", 0),
    (el.NEAR_POOR_PERMILLE, "1.5", 1500), (el.EXCLUDED_KINDS, "award, scholarship", ["award", "scholarship"]),
    (el.TIERS, "600:500, 300:800", [{"below": 300_00, "per_person": 800_00}, {"below": 600_00, "per_person": 500_00}]),
    (el.TIERS, "", []), (el.ROUND_TO_YUAN, "yes", True),
])
def test_admin_input_round_trips(key, text, value):
    assert ep.parse_input(key, text) == value
    assert ep.parse_input(key, ep.format_value(key, value)) == value


@pytest.mark.parametrize("key,text", [(el.STANDARD_URBAN, "-5"), (el.STANDARD_URBAN, "abc"), (el.MAX_HOUSES, "x"),
                                      (el.EXCLUDED_KINDS, "lottery"), (el.TIERS, "300"), (el.ROUND_TO_YUAN, "maybe"),
                                      (el.NEAR_POOR_PERMILLE, "0.5")])
def test_admin_input_errors(key, text):
    with pytest.raises(ep.ParameterError):
        ep.parse_input(key, text)
