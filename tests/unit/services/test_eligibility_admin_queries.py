"""The admin's eligibility-parameter page through its read models and its one write
(portal/applications/eligibility/queries.py, services.set_parameter_at): regions in scope, the values in force with
source and history, and the form's code-and-text write; each checked for role + region."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.applications.eligibility import queries
from portal.applications.eligibility import rules as el
from portal.applications.eligibility import services as ep
from portal.kernel.audit_models import AuditEntry
from portal.kernel.permissions import PermissionDenied
from tests import factories


@pytest.fixture
def tree(db_session, fast_passwords):
    return factories.region_tree(db_session)


def test_regions_are_the_cities_and_counties_in_scope(db_session, tree):
    province_admin = factories.actor_with(db_session, (Role.ADMIN, tree.province))
    assert [r.code for r in queries.admin_regions(db_session, province_admin)] == ["1301", "130102", "130104"]
    county_admin = factories.actor_with(db_session, (Role.ADMIN, tree["130104"]))
    assert queries.admin_regions(db_session, county_admin) == [queries.RegionChoice("130104", tree["130104"].name)]
    officer = factories.actor_with(db_session, (Role.OFFICER, tree.province))
    with pytest.raises(PermissionDenied):
        queries.admin_regions(db_session, officer)


def test_lines_show_the_value_in_force_its_source_and_the_regions_history(db_session, tree):
    admin = factories.actor_with(db_session, (Role.ADMIN, tree.province))
    county = tree["130102"]
    ep.set_parameter_at(db_session, admin, tree.city.code, el.STANDARD_URBAN, "900", date(2026, 1, 1), "CITY-1")
    ep.set_parameter_at(db_session, admin, county.code, el.STANDARD_URBAN, "950", date(2026, 7, 1), "CTY-1")
    ep.set_parameter_at(db_session, admin, county.code, el.STANDARD_URBAN, "960", date(2026, 8, 1), "CTY-2")
    lines = {p.key: p for p in queries.parameter_lines(db_session, admin, county.code, date(2026, 7, 15))}
    assert list(lines) == list(el.PARAMETER_KEYS)
    got = lines[el.STANDARD_URBAN]
    assert (got.value, got.doc, got.since, got.source) == ("950.00", "CTY-1", "2026-07-01", county.name)
    assert got.history == "2026-08-01 960.00 (CTY-2) · 2026-07-01 950.00 (CTY-1)"
    assert lines[el.MAX_VEHICLES] == queries.ParamLine(el.MAX_VEHICLES, "", "", "", "", "")
    other = {p.key: p for p in queries.parameter_lines(db_session, admin, "130104", date(2026, 7, 15))}
    assert (other[el.STANDARD_URBAN].value, other[el.STANDARD_URBAN].source) == ("900.00", tree.city.name)
    assert other[el.STANDARD_URBAN].history == ""
    assert queries.parameter_lines(db_session, admin, "999999", date(2026, 7, 15)) == []


def test_lines_are_for_admins_of_the_region(db_session, tree):
    county_admin = factories.actor_with(db_session, (Role.ADMIN, tree["130104"]))
    with pytest.raises(PermissionDenied):
        queries.parameter_lines(db_session, county_admin, "130102", date(2026, 7, 15))


def test_the_form_write_is_audited_and_refused_outside_the_region(db_session, tree):
    county_admin = factories.actor_with(db_session, (Role.ADMIN, tree["130104"]))
    for code in ("130102", "999999"):
        with pytest.raises(PermissionDenied):
            ep.set_parameter_at(db_session, county_admin, code, el.STANDARD_URBAN, "900", date(2026, 1, 1), "D")
    with pytest.raises(ep.ParameterError) as bad:
        ep.set_parameter_at(db_session, county_admin, "130104", el.STANDARD_URBAN, "abc", date(2026, 1, 1), "D")
    assert bad.value.key == "elig.err_param_value"
    ep.set_parameter_at(db_session, county_admin, "130104", el.STANDARD_URBAN, "900.5", date(2026, 1, 1), "D")
    row = db_session.execute(select(AuditEntry).where(AuditEntry.action == "eligibility.parameter_set")).scalar_one()
    assert row.after["value"] == 900_50 and row.region_code == "130104"


def test_region_path_for_the_page_guard(db_session, tree, monkeypatch):
    class Scope:
        def __enter__(self):
            return db_session

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(queries, "session_scope", lambda: Scope())
    assert queries.region_path("130102") == tree["130102"].path
    assert queries.region_path("") is None
    admin = factories.actor_with(db_session, (Role.ADMIN, tree.province))
    assert len(queries.open_admin_regions(admin)) == 3
    assert len(queries.open_parameter_lines(admin, "130102", date(2026, 1, 1))) == len(el.PARAMETER_KEYS)
