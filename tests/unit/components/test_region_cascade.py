"""The cascading region selectors shared by /roster and /report (portal/regions/cascade.py)."""

from __future__ import annotations

from portal.regions.cascade import cascade_levels, offered_choice
from tests import factories


def test_levels_show_the_chain_chosen_and_one_level_open_below(db_session):
    tree = factories.region_tree(db_session)
    township = tree.all_townships[0]
    levels = cascade_levels(db_session, township)
    assert [lvl["level_key"] for lvl in levels] == ["level.province", "level.city", "level.county",
                                                     "level.township", "level.village"]
    assert [lvl["selected"] for lvl in levels] == [tree.province.code, tree.city.code, township.code[:6],
                                                    township.code, ""]
    assert {o["code"] for o in levels[2]["options"]} == {c.code for c in tree.counties}
    assert {o["code"] for o in levels[-1]["options"]} == {v.code for v in tree.villages[township.code]}


def test_no_region_offers_the_roots(db_session):
    tree = factories.region_tree(db_session)
    assert cascade_levels(db_session, None) == [
        {"level_key": "level.province", "selected": "", "options": [{"code": tree.province.code,
                                                                      "name": tree.province.name}]}]


def test_only_offered_codes_are_accepted(db_session):
    tree = factories.region_tree(db_session)
    levels = cascade_levels(db_session, tree.counties[0])
    sibling = tree.counties[1].code
    assert offered_choice(levels, 2, sibling) == sibling
    assert offered_choice(levels, "2", sibling) == sibling
    assert offered_choice(levels, 2, tree.all_townships[0].code) is None  # a township is not offered at county level
    assert offered_choice(levels, 9, sibling) is None
    assert offered_choice(levels, "x", sibling) is None
    assert offered_choice(levels, 2, "") == tree.city.code  # "all" steps back to the level above
    assert offered_choice(levels, 0, "") == ""
