"""Who sees an accountability referral on the board (/monitor) and who records its outcome: the board of a region
shows a hit's referral where it shows the hit (its reviewing level), and an inspection's referral only to those who
may read the inspection's report (an inspector over the inspected region, or the level above). The office whose
acts are in question never reads the referral of its own conduct from its own board, and an admin of the inspected
office itself does not record the accountability outcome about its own staff."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from portal.accounts.models import Role
from portal.kernel.permissions import PermissionDenied
from portal.supervision import queries, services as sup
from portal.supervision.models import MonitoringItem
from tests import factories

T0 = datetime(2026, 3, 9, 2, 0, tzinfo=timezone.utc)
CITY, COUNTY = "1301", "130102"
DECISION = dict(decision_no="石纪〔2026〕3号", decided_by="石家庄市纪委监委")


@pytest.fixture(autouse=True)
def env(quiet_audit, monkeypatch, db_url, tmp_path):
    """The read models open their own unit of work: on this test's database file."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    from tests.conftest import clear_portal_caches

    clear_portal_caches()


@pytest.fixture
def w(db_session, fast_passwords):
    tree = factories.region_tree(db_session)
    county_officer = factories.actor_with(db_session, (Role.OFFICER, tree[COUNTY]))
    county_colleague = factories.actor_with(db_session, (Role.OFFICER, tree[COUNTY]))
    county_admin = factories.actor_with(db_session, (Role.ADMIN, tree[COUNTY]))
    city_officer = factories.actor_with(db_session, (Role.OFFICER, tree[CITY]))
    city_admin = factories.actor_with(db_session, (Role.ADMIN, tree[CITY]))
    city_inspector = factories.actor_with(db_session, (Role.INSPECTOR, tree[CITY]))
    db_session.commit()
    return type("W", (), dict(s=db_session, tree=tree, county_officer=county_officer, county_colleague=county_colleague,
                              county_admin=county_admin, city_officer=city_officer, city_admin=city_admin,
                              city_inspector=city_inspector))


@pytest.fixture
def county_hit_referral(w):
    """A hit on an act of the county office itself (reviewed by the city), referred by the city from its board."""
    county = w.tree[COUNTY]
    item = MonitoringItem(rule="amount_differs", subject="A-2026-0001", region_id=county.id, region_path=county.path,
                          review_path=w.tree[CITY].path, about_user_ids=[w.county_officer.user_id], evidence=[],
                          facts={}, opened_at=T0, due_on=date(2026, 3, 16), status="open")
    w.s.add(item)
    w.s.flush()
    ref = sup.refer_item(w.s, w.city_officer, item.id, target="长安区低保科王某",
                         grounds="县级审核确认金额与测算金额相差较大且无说明。", body="石家庄市纪委监委", now=T0)
    w.s.commit()
    return ref


@pytest.fixture
def inspection_referral(w):
    """The city's inspector inspects the county and refers one of its staff."""
    ins = sup.open_inspection(w.s, w.city_inspector, COUNTY, "funds", size=1, seed=1, now=T0)
    ref = sup.refer(w.s, w.city_inspector, target="长安区低保科李某", grounds="抽查发现违规审批，移送问责。",
                    body="石家庄市纪委监委", inspection_id=ins.id, now=T0)
    w.s.commit()
    return ref


def _ids(actor, code):
    return {r.id for r in queries.referrals_for(actor, code)}


def test_a_referral_of_the_county_offices_own_conduct_is_not_on_the_county_board(w, county_hit_referral):
    assert county_hit_referral.id in _ids(w.city_officer, CITY)  # the reviewing level sees it
    # The hit itself is not on the county's board (it is reviewed above), so neither is its referral.
    assert county_hit_referral.id not in _ids(w.county_officer, COUNTY)  # the officer the hit is about
    assert county_hit_referral.id not in _ids(w.county_colleague, COUNTY)


def test_an_inspections_referral_is_shown_only_to_who_may_read_the_inspection(w, inspection_referral):
    assert inspection_referral.id in _ids(w.city_inspector, CITY)
    assert inspection_referral.id in _ids(w.city_officer, CITY)  # the level above the inspected county
    assert inspection_referral.id not in _ids(w.county_officer, COUNTY)  # the inspected office
    assert inspection_referral.id not in _ids(w.county_admin, COUNTY)


def test_the_inspected_offices_own_admin_does_not_record_the_outcome(w, inspection_referral):
    with pytest.raises(PermissionDenied):
        sup.record_accountability(w.s, w.county_admin, inspection_referral.id, "notice", date(2026, 3, 20),
                                  now=T0.replace(day=20), **DECISION)
    sup.record_accountability(w.s, w.city_admin, inspection_referral.id, "notice", date(2026, 3, 20),
                              now=T0.replace(day=20), **DECISION)
    assert inspection_referral.outcome == "notice"


def test_an_inspector_over_the_inspected_region_still_records_the_outcome(w, inspection_referral):
    sup.record_accountability(w.s, w.city_inspector, inspection_referral.id, "criticism", date(2026, 3, 20),
                              now=T0.replace(day=20), **DECISION)
    assert inspection_referral.outcome == "criticism"
