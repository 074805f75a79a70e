"""The officer roster desk's read models (portal/roster/queries.py): the regions an officer may pick, a region's
batches, the name look-up, one batch; each checked for role + region."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest

from portal.accounts.models import Role
from portal.kernel.permissions import PermissionDenied
from portal.roster import queries
from tests import factories

T0 = datetime(2026, 3, 9, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def world(db_session, fast_passwords, tmp_path):
    tree = factories.region_tree(db_session)
    township = tree["130102001"]
    officer = factories.actor_with(db_session, (Role.OFFICER, township))
    sibling_officer = factories.actor_with(db_session, (Role.OFFICER, tree["130102002"]))
    db_session.commit()
    return dataclasses.make_dataclass("World", ["session", "tree", "township", "officer", "sibling_officer",
                                                "store"])(
        db_session, tree, township, officer, sibling_officer, tmp_path / "private")


def publish(w, at=T0) -> int:
    """Two cases approved at 初审, published as one batch (the only way onto the publicity roster)."""
    batch_id = factories.publicity_batch(w.session, w.officer, w.township,
                                         [("张小明", "130102001001"), ("欧阳娜娜", "130102001002")], now=at,
                                         store_dir=w.store)
    w.session.commit()
    return batch_id


def test_scope_lists_the_officers_region_and_below_in_tree_order(world):
    choices = queries.scope_choices(world.session, world.officer)
    assert [c.code for c in choices] == ["130102001", "130102001001", "130102001002"]
    assert choices[0].label == world.township.name
    assert choices[1].label == queries.INDENT + world.tree["130102001001"].name


def test_region_desk_shows_batches_running_or_done(world):
    old = publish(world, at=T0 - timedelta(days=30))
    new = publish(world)
    desk = queries.region_desk(world.session, world.officer, world.township.code, now=T0 + timedelta(days=1))
    assert [(b.info.id, b.running) for b in desk.batches] == [(new, True), (old, False)]
    assert desk.batches[0].info.entry_count == 2


@pytest.mark.parametrize("code", ["130102002", "999999", ""])
def test_region_desk_is_refused_outside_the_region_or_for_an_unknown_code(world, code):
    with pytest.raises(PermissionDenied):
        queries.region_desk(world.session, world.officer, code)


def test_find_is_exact_and_inside_the_region(world):
    publish(world)
    assert [e.name for e in queries.find(world.session, world.officer, world.township.code, "张小明")] == ["张小明"]
    assert queries.find(world.session, world.officer, world.township.code, "张小") == []
    with pytest.raises(PermissionDenied):
        queries.find(world.session, world.sibling_officer, world.township.code, "张小明")


def test_batch_view_and_its_guard(world):
    batch_id = publish(world)
    batch, rows = queries.batch_view(world.session, world.officer, batch_id, now=T0 + timedelta(days=8))
    assert batch.info.id == batch_id and batch.running is False
    assert sorted(e.name for e in rows) == ["张小明", "欧阳娜娜"]
    with pytest.raises(PermissionDenied):
        queries.batch_view(world.session, world.sibling_officer, batch_id)
    with pytest.raises(PermissionDenied):
        queries.batch_view(world.session, world.officer, batch_id + 1000)


def test_the_paths_the_page_guards_with(world, portal_env, monkeypatch):
    batch_id = publish(world)
    entry = queries.batch_view(world.session, world.officer, batch_id)[1][0]

    class Scope:
        def __enter__(self):
            return world.session

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(queries, "session_scope", lambda: Scope())
    assert queries.region_path(world.township.code) == world.township.path
    assert queries.region_path("999999") is None and queries.region_path("") is None
    assert queries.batch_region_path(batch_id) == world.township.path
    assert queries.batch_region_path(batch_id + 1000) is None
    assert queries.entry_region_path(entry.public_id).startswith(world.township.path)
    assert queries.entry_region_path("nope") is None
    assert [c.code for c in queries.open_scope_choices(world.officer)][0] == world.township.code
