"""The officer's region pages' read models (portal/regions/queries.py): the officer home's regions and one region's
overview, checked for role + region."""

from __future__ import annotations

import pytest

from portal.accounts.models import Role
from portal.kernel.permissions import PermissionDenied
from portal.regions import queries
from tests import factories


@pytest.fixture
def tree(db_session, fast_passwords):
    return factories.region_tree(db_session)


def test_officer_regions_follow_the_officer_grants_only(db_session, tree):
    county, township = tree["130102"], tree["130104001"]
    officer = factories.actor_with(db_session, (Role.OFFICER, county), (Role.WINDOW_STAFF, tree["130104"]),
                                   (Role.OFFICER, township))
    assert [(r.code, r.level) for r in queries.officer_regions(db_session, officer)] == [
        ("130102", "county"), ("130104001", "township")]
    staff = factories.actor_with(db_session, (Role.WINDOW_STAFF, county))
    with pytest.raises(PermissionDenied):
        queries.officer_regions(db_session, staff)


def test_overview_shows_trail_subregions_and_windows(db_session, tree):
    county = tree["130102"]
    factories.window(db_session, tree["130102001"], code="W-1", name="大厅一号", office_name="一乡", active=False)
    factories.window(db_session, tree["130104001"], code="W-2")  # another county's
    officer = factories.actor_with(db_session, (Role.OFFICER, county))
    got = queries.overview(db_session, officer, "130102")
    assert got.region == queries.RegionLine("130102", county.name, "county")
    assert [r.code for r in got.trail] == ["13", "1301", "130102"]
    assert [r.code for r in got.subregions] == ["130102001", "130102002"]
    assert got.windows == [queries.WindowLine("W-1", "大厅一号", "一乡", False)]


@pytest.mark.parametrize("code", ["130104", "1301", "999999", ""])
def test_overview_is_refused_outside_the_scope_and_for_unknown_codes(db_session, tree, code):
    officer = factories.actor_with(db_session, (Role.OFFICER, tree["130102"]))
    with pytest.raises(PermissionDenied):
        queries.overview(db_session, officer, code)


def test_region_path_for_the_page_guard(db_session, tree, monkeypatch):
    class Scope:
        def __enter__(self):
            return db_session

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(queries, "session_scope", lambda: Scope())
    assert queries.region_path("130102") == tree["130102"].path
    assert queries.region_path("999999") is None
    officer = factories.actor_with(db_session, (Role.OFFICER, tree["130102"]))
    assert [r.code for r in queries.open_officer_regions(officer)] == ["130102"]
    assert queries.open_overview(officer, "130102001").region.code == "130102001"
