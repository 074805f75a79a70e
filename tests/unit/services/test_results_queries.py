"""The public ranking's read model (portal/ratings/queries.py): only province, city and county rankings are
published, and a repeated request for the same region and month is answered from the cache (anyone may ask)."""

from __future__ import annotations

from portal.kernel.db import session_scope
from portal.ratings import queries
from portal.schema import Base
from tests import factories


def test_published_regions_and_cached_rankings(portal_env, tmp_path):
    from portal.kernel.db import get_engine

    portal_env(database_url=f"sqlite:///{tmp_path / 'q.db'}")
    Base.metadata.create_all(get_engine())
    with session_scope() as session:
        tree = factories.region_tree(session)
        county_code = tree.counties[0].code
        village_code = next(iter(tree.villages.values()))[0].code
    queries._regions.cache_clear()
    queries._ranking.cache_clear()

    regions = queries.published_regions()
    assert [r.depth for r in regions][:3] == [0, 1, 2]
    assert all(r.code != village_code for r in regions)
    assert queries.published_ranking(village_code, "2026-11") is None  # villages are not published

    first = queries.published_ranking(county_code, "2026-11")
    assert first is not None and first.windows == () and first.offices == ()
    hits = queries._ranking.cache_info().hits
    assert queries.published_ranking(county_code, "2026-11") is first
    assert queries._ranking.cache_info().hits == hits + 1
