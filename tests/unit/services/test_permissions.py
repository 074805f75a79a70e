"""The one guard: role AND region (portal/kernel/permissions.py)."""

from __future__ import annotations

import pytest

from portal.accounts.models import Role
from portal.regions.models import RegionLevel
from portal.regions import services as regions
from portal.kernel.permissions import (
    ROLE_HOMES,
    NotSignedIn,
    PermissionDenied,
    authorize,
    region_paths_in_scope,
)
from tests import factories

pytestmark = pytest.mark.usefixtures("fast_passwords")

# Codes in the factory tree (see tests/factories.py).
PROVINCE, CITY = "13", "1301"
COUNTY_A, COUNTY_B = "130102", "130104"
TOWN_A1, TOWN_A2, TOWN_B1 = "130102001", "130102002", "130104001"
VILLAGE_A1, VILLAGE_A2, VILLAGE_B1 = "130102001001", "130102002001", "130104001001"


@pytest.fixture
def tree(db_session):
    return factories.region_tree(db_session)


# (role held, grant region, role asked for, target region, allowed?)
MATRIX = [
    # A county grant covers the county itself and everything below it.
    (Role.OFFICER, COUNTY_A, Role.OFFICER, COUNTY_A, True),
    (Role.OFFICER, COUNTY_A, Role.OFFICER, TOWN_A1, True),
    (Role.OFFICER, COUNTY_A, Role.OFFICER, TOWN_A2, True),
    (Role.OFFICER, COUNTY_A, Role.OFFICER, VILLAGE_A1, True),
    (Role.OFFICER, COUNTY_A, Role.OFFICER, VILLAGE_A2, True),
    # ... but nothing beside or above it.
    (Role.OFFICER, COUNTY_A, Role.OFFICER, COUNTY_B, False),
    (Role.OFFICER, COUNTY_A, Role.OFFICER, TOWN_B1, False),
    (Role.OFFICER, COUNTY_A, Role.OFFICER, VILLAGE_B1, False),
    (Role.OFFICER, COUNTY_A, Role.OFFICER, CITY, False),
    (Role.OFFICER, COUNTY_A, Role.OFFICER, PROVINCE, False),
    # A township grant: its own villages only; never a sibling township, never its parent county.
    (Role.OFFICER, TOWN_A1, Role.OFFICER, TOWN_A1, True),
    (Role.OFFICER, TOWN_A1, Role.OFFICER, VILLAGE_A1, True),
    (Role.OFFICER, TOWN_A1, Role.OFFICER, TOWN_A2, False),
    (Role.OFFICER, TOWN_A1, Role.OFFICER, VILLAGE_A2, False),
    (Role.OFFICER, TOWN_A1, Role.OFFICER, COUNTY_A, False),
    (Role.OFFICER, TOWN_A1, Role.OFFICER, TOWN_B1, False),
    # A province admin covers the whole tree.
    (Role.ADMIN, PROVINCE, Role.ADMIN, PROVINCE, True),
    (Role.ADMIN, PROVINCE, Role.ADMIN, VILLAGE_B1, True),
    # The wrong role is denied even inside the granted region.
    (Role.SUPERVISOR, COUNTY_A, Role.OFFICER, TOWN_A1, False),
    (Role.WINDOW_STAFF, TOWN_A1, Role.OFFICER, TOWN_A1, False),
    (Role.OFFICER, COUNTY_A, Role.ADMIN, COUNTY_A, False),
    (Role.ADMIN, PROVINCE, Role.OFFICER, TOWN_A1, False),  # admin is not implicitly an officer
]


@pytest.mark.parametrize(("held", "grant_code", "asked", "target_code", "allowed"), MATRIX,
                         ids=[f"{h.value}@{g}-{a.value}->{t}" for h, g, a, t, _ in MATRIX])
def test_role_region_matrix(db_session, tree, held, grant_code, asked, target_code, allowed):
    actor = factories.actor_with(db_session, (held, tree[grant_code]))
    target = tree[target_code].path
    if allowed:
        grant = authorize(actor, asked, target)
        assert grant.role == held and grant.region_code == grant_code
    else:
        with pytest.raises(PermissionDenied) as info:
            authorize(actor, asked, target)
        assert info.value.reason == "auth.forbidden"


def test_none_actor_is_not_signed_in(tree):
    for region_path in (None, tree[TOWN_A1].path):
        with pytest.raises(NotSignedIn) as info:
            authorize(None, Role.OFFICER, region_path)
        assert info.value.reason == "auth.sign_in_required"


def test_no_region_means_role_only(db_session, tree):
    actor = factories.actor_with(db_session, (Role.SUPERVISOR, tree[COUNTY_A]))
    assert authorize(actor, Role.SUPERVISOR).region_code == COUNTY_A
    with pytest.raises(PermissionDenied):
        authorize(actor, Role.OFFICER)


def test_any_of_several_roles(db_session, tree):
    actor = factories.actor_with(db_session, (Role.SUPERVISOR, tree[COUNTY_A]), (Role.OFFICER, tree[TOWN_B1]))
    # The grant returned is the one that actually covers the target.
    assert authorize(actor, [Role.OFFICER, Role.SUPERVISOR], tree[VILLAGE_A1].path).role == Role.SUPERVISOR
    assert authorize(actor, {Role.OFFICER, Role.ADMIN}, tree[VILLAGE_B1].path).role == Role.OFFICER
    with pytest.raises(PermissionDenied):
        authorize(actor, [Role.OFFICER, Role.ADMIN], tree[VILLAGE_A1].path)
    with pytest.raises(PermissionDenied):
        authorize(actor, [], tree[VILLAGE_A1].path)


def test_code_that_extends_a_sibling_code_is_not_covered(db_session, tree):
    """Paths end in '/', so township 130102001 does not cover a sibling whose code merely starts the same."""
    county = tree[COUNTY_A]
    lookalike = regions.add_region(db_session, TOWN_A1 + "9", "lookalike", RegionLevel.TOWNSHIP, county)
    actor = factories.actor_with(db_session, (Role.OFFICER, tree[TOWN_A1]))
    assert lookalike.path.startswith(tree[TOWN_A1].path.rstrip("/"))
    with pytest.raises(PermissionDenied):
        authorize(actor, Role.OFFICER, lookalike.path)


def test_unknown_region_path_is_denied(db_session, tree):
    actor = factories.actor_with(db_session, (Role.OFFICER, tree[COUNTY_A]))
    with pytest.raises(PermissionDenied):
        authorize(actor, Role.OFFICER, "/nonexistent/")


def test_region_paths_in_scope_collapses_nested_grants(db_session, tree):
    actor = factories.actor_with(
        db_session,
        (Role.OFFICER, tree[TOWN_A1]),  # nested inside county A: collapsed
        (Role.OFFICER, tree[COUNTY_A]),
        (Role.OFFICER, tree[VILLAGE_A2]),  # nested too
        (Role.OFFICER, tree[TOWN_B1]),  # separate subtree: kept
        (Role.SUPERVISOR, tree[PROVINCE]),  # another role: ignored for OFFICER
    )
    assert region_paths_in_scope(actor, Role.OFFICER) == sorted([tree[COUNTY_A].path, tree[TOWN_B1].path])
    assert region_paths_in_scope(actor, Role.SUPERVISOR) == [tree[PROVINCE].path]
    assert region_paths_in_scope(actor, Role.ADMIN) == []


def test_region_paths_in_scope_keeps_siblings(db_session, tree):
    actor = factories.actor_with(db_session, (Role.OFFICER, tree[TOWN_A1]), (Role.OFFICER, tree[TOWN_A2]))
    assert region_paths_in_scope(actor, Role.OFFICER) == [tree[TOWN_A1].path, tree[TOWN_A2].path]


def test_scope_paths_select_exactly_the_covered_regions(db_session, tree):
    """The LIKE 'path%' scoping those paths are meant for returns the same regions `authorize` allows."""
    actor = factories.actor_with(db_session, (Role.OFFICER, tree[TOWN_A1]), (Role.OFFICER, tree[COUNTY_B]))
    paths = region_paths_in_scope(actor, Role.OFFICER)
    by_prefix = {r.code for r in tree.by_code.values() if any(r.path.startswith(p) for p in paths)}
    allowed = set()
    for region in tree.by_code.values():
        try:
            authorize(actor, Role.OFFICER, region.path)
            allowed.add(region.code)
        except PermissionDenied:
            pass
    assert by_prefix == allowed
    assert allowed == {r.code for r in tree.under(tree[TOWN_A1]) + tree.under(tree[COUNTY_B])}


@pytest.mark.parametrize(("roles", "home"), [
    ((Role.WINDOW_STAFF,), "/staff"),
    ((Role.SUPERVISOR,), "/supervisor"),
    ((Role.OFFICER,), "/officer"),
    ((Role.ADMIN,), "/admin"),
    ((Role.WINDOW_STAFF, Role.SUPERVISOR), "/supervisor"),
    ((Role.SUPERVISOR, Role.OFFICER), "/officer"),
    ((Role.WINDOW_STAFF, Role.OFFICER, Role.ADMIN), "/admin"),
    ((), "/"),
])
def test_actor_home_by_role_priority(db_session, tree, roles, home):
    # Grants created lowest priority first, so the result cannot come from insertion order.
    actor = factories.actor_with(db_session, *[(role, tree[COUNTY_A]) for role in roles])
    assert actor.home == home


def test_every_role_has_a_home():
    assert set(ROLE_HOMES) == set(Role)


def test_only_a_province_admin_changes_what_holds_province_wide(db_session, fast_passwords):
    """Policy settings and the working-day calendar hold for every region: a city or county admin (whose grant
    covers only their regions) is refused, and nothing is stored."""
    from datetime import date

    from portal.kernel import calendar_store, policy
    from portal.kernel.permissions import NotSignedIn, PermissionDenied

    s = db_session
    tree = factories.region_tree(s)
    city_admin = factories.actor_with(s, (Role.ADMIN, tree.city), username="city-admin")
    county_admin = factories.actor_with(s, (Role.ADMIN, tree.counties[0]), username="county-admin")
    province_admin = factories.actor_with(s, (Role.ADMIN, tree.province), username="province-admin")
    for actor in (city_admin, county_admin, None):
        with pytest.raises((PermissionDenied, NotSignedIn)):
            policy.set_value(s, actor, "report.track_max_failures", 100_000)
        with pytest.raises((PermissionDenied, NotSignedIn)):
            calendar_store.set_day(s, actor, date(2027, 1, 4), "holiday", "x")
    assert policy.get_int(s, "report.track_max_failures") == policy.DEFAULTS["report.track_max_failures"]
    assert calendar_store.load_calendar(s).is_working_day(date(2027, 1, 4))
    policy.set_value(s, province_admin, "report.track_max_failures", 8)
    calendar_store.set_day(s, province_admin, date(2027, 1, 4), "holiday", "x")
    assert policy.get_int(s, "report.track_max_failures") == 8
    assert not calendar_store.load_calendar(s).is_working_day(date(2027, 1, 4))
