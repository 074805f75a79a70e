"""Supervisors' evaluations read models (portal/evaluations/queries.py): a supervisor's open rounds, and the admin
desk of one region (appointments, rounds, the year's shortfall, the picked round's targets), each checked for
role + region."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from portal.accounts import services as auth
from portal.accounts.models import Role
from portal.evaluations import queries
from portal.evaluations import services as ew
from portal.kernel.permissions import PermissionDenied
from portal.regions.models import Region
from tests import factories

NOW = datetime(2026, 6, 10, 2, 0, tzinfo=timezone.utc)
PERIOD = (date(2026, 5, 1), date(2026, 5, 31))
CRIT = [("attitude", 50), ("integrity", 50)]


@pytest.fixture
def world(db_session, fast_passwords):
    s = db_session
    tree = factories.region_tree(s)
    county, other_county = tree.counties
    township = tree.townships[county.code][0]
    factories.window(s, township, code="T-A-0001", name="低保窗口", office_name="Office A")
    admin = factories.actor_with(s, (Role.ADMIN, tree.province))
    county_admin = factories.actor_with(s, (Role.ADMIN, other_county))
    user = factories.user(s, [], username="sup1")
    ew.appoint_supervisor(s, admin, "sup1", county.code, date(2026, 1, 1), date(2027, 12, 31))
    sup = auth.actor_for_user(s, user)
    rnd = ew.open_round(s, admin, title="2026 first round", region_code=county.code, period_start=PERIOD[0],
                        period_end=PERIOD[1], due_on=date(2026, 6, 30), criteria=CRIT, now=NOW)
    target = ew.add_window_target(s, admin, rnd.id, "T-A-0001")
    ew.assign(s, admin, target.id, "sup1", now=NOW)
    s.commit()
    return s, county, admin, county_admin, sup, rnd.id


def test_a_supervisor_sees_their_open_rounds_and_targets(world):
    s, _, admin, _, sup, rid = world
    [mine] = queries.my_rounds(s, sup)
    assert (mine.id, mine.title) == (rid, "2026 first round")
    assert [x.status for x in mine.targets] == ["assigned"]
    with pytest.raises(PermissionDenied):
        queries.my_rounds(s, admin)  # not a supervisor


def test_the_admin_desk_lists_the_region_and_the_picked_round(world):
    s, county, admin, _, _, rid = world
    desk = queries.admin_desk(s, admin, county.code, rid, 2026)
    assert [a.username for a in desk.appointments] == ["sup1"]
    assert [(r.id, r.status, r.targets, r.assigned) for r in desk.rounds] == [(rid, queries.ROUND_OPEN, 1, 1)]
    assert desk.rounds_short == ew.rounds_needed_this_year(s, county.path, 2026)
    assert desk.selected is not None and desk.selected.id == rid
    assert [[a.status for a in x.assignments] for x in desk.targets] == [["assigned"]]
    # Regions are picked from the admin's own tree (province to township), never typed.
    codes = [r.code for r in desk.regions]
    assert codes[:3] == ["13", "1301", "130102"] and county.code in codes and not [c for c in codes if len(c) > 9]
    other = world[3]
    assert {r.code for r in queries.admin_desk(s, other, "130104", 0, 2026).regions} == {
        "130104", "130104001", "130104002"}


def test_no_round_picked_or_one_from_elsewhere_shows_no_targets(world):
    s, county, admin, _, _, rid = world
    for picked in (0, rid + 1000):
        desk = queries.admin_desk(s, admin, county.code, picked, 2026)
        assert desk.selected is None and desk.targets == [] and len(desk.rounds) == 1


@pytest.mark.parametrize("code", ["130102", "999999", ""])
def test_an_admin_outside_the_region_or_an_unknown_code_is_refused(world, code):
    s, county, _, county_admin, _, rid = world
    with pytest.raises(PermissionDenied):
        queries.admin_desk(s, county_admin, code or "", rid, 2026)


def test_the_admin_desk_offers_the_picked_rounds_remaining_targets(world):
    s, county, admin, _, _, rid = world
    township = s.execute(select(Region).where(Region.code == "130102002")).scalar_one()
    factories.window(s, township, code="T-B-0001", name="救助窗口", office_name="Office B")
    desk = queries.admin_desk(s, admin, county.code, rid, 2026)
    assert [w.code for w in desk.options.windows] == ["T-B-0001"]  # T-A-0001 is a target already
    assert desk.options.offices == ["Office A", "Office B"]
    assert queries.admin_desk(s, admin, county.code, 0, 2026).options == ew.TargetOptions()
