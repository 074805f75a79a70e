"""The public roster's read models (portal/roster/queries.py `public_page`, `public_proof`) and the public region
cascade (portal/regions/queries.py `place`): masked entries a page at a time, each read counted for the client,
totals and current batches with a view's first page, the proof of a batch, and the cascade for a region."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

import pytest

from portal.accounts.models import Role
from portal.regions import queries as places
from portal.roster import queries
from tests import factories


@pytest.fixture
def world(db_session, fast_passwords, tmp_path):
    tree = factories.region_tree(db_session)
    township = tree["130102001"]
    officer = factories.actor_with(db_session, (Role.OFFICER, township))
    batch_id = factories.publicity_batch(db_session, officer, township,
                                         [("张小明", "130102001001"), ("欧阳娜娜", "130102001002")],
                                         now=datetime.now(timezone.utc), store_dir=tmp_path / "private")
    db_session.commit()
    return dataclasses.make_dataclass("World", ["session", "tree", "township", "batch_id"])(
        db_session, tree, township, batch_id)


def test_the_first_page_of_a_view_comes_with_totals_and_batches_masked(world):
    got = queries.public_page(world.session, "10.0.0.1", world.township.code, queries.PUBLICITY, None, None)
    assert got.error_key == "" and len(got.entries) == 2 and got.next_cursor is None
    assert got.totals == (2, False)
    assert [b.id for b in got.batches] == [world.batch_id]
    assert "张小明" not in {e.masked_name for e in got.entries}  # names are masked


def test_a_search_or_a_later_page_carries_no_totals(world):
    got = queries.public_page(world.session, "10.0.0.1", world.township.code, queries.PUBLICITY, "张小明", None)
    assert got.error_key == "" and len(got.entries) == 1 and got.totals is None and got.batches is None


def test_an_unknown_region_reads_nothing(world):
    got = queries.public_page(world.session, "10.0.0.1", "999999", queries.PUBLICITY, None, None)
    assert (got.error_key, got.entries) == ("roster.region_missing", [])


def test_reads_over_the_clients_budget_are_refused(world, monkeypatch):
    monkeypatch.setenv("PORTAL_ROSTER_READS_PER_MINUTE", "1")
    first = queries.public_page(world.session, "10.0.0.9", world.township.code, queries.STANDING, None, None)
    assert first.error_key == ""
    again = queries.public_page(world.session, "10.0.0.9", world.township.code, queries.STANDING, None, None)
    assert (again.error_key, again.entries) == ("roster.rate_limited", [])
    assert queries.public_proof(world.session, "10.0.0.9", str(world.batch_id)) == (False, None)


def test_the_proof_of_a_batch_or_none_for_a_bad_id(world):
    counted, proof = queries.public_proof(world.session, "10.0.0.1", str(world.batch_id))
    assert counted and proof is not None and proof.batch.id == world.batch_id and proof.publish_recorded
    assert queries.public_proof(world.session, "10.0.0.1", "abc") == (True, None)
    assert queries.public_proof(world.session, "10.0.0.1", "999999") == (True, None)


def test_the_cascade_for_a_region_or_the_first_root(world):
    village = world.tree["130102001001"]
    here = places.place(world.session, village.code)
    assert here.code == village.code and here.label.endswith(village.name)
    assert [lv["selected"] for lv in here.levels][-1] == village.code
    assert places.place(world.session, "999999") is None
    assert places.place(world.session, "", or_root=True).code == world.tree.province.code
    assert places.no_place(world.session)[0]["options"][0]["code"] == world.tree.province.code
