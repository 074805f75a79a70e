"""Read models of reporting for the public page (which opens no session itself): the published reward pools with
the scores, terms and shares frozen in each decision."""

from __future__ import annotations

from dataclasses import dataclass

from portal.kernel.db import session_scope
from portal.reporting import services


@dataclass(frozen=True)
class PublishedTerm:
    key: str
    part: int
    whole: int
    measured: bool
    points_milli: int
    weight_permille: int
    contribution_milli: int


@dataclass(frozen=True)
class PublishedShare:
    code: str
    name: str
    score_milli: int
    share_fen: int
    terms: list[PublishedTerm]


@dataclass(frozen=True)
class PublishedPool:
    id: int
    year: int
    pool_fen: int
    floor_milli: int
    weights_document: str
    shares: list[PublishedShare]


def published(limit: int = 3) -> list[PublishedPool]:
    with session_scope() as session:
        pools = services.published_pools(session)[:limit]
        return [PublishedPool(p.id, p.year, p.pool_fen, p.floor_milli, p.weights_document, [
            PublishedShare(s["code"], s["name"], s["score_milli"], s["share_fen"],
                           [PublishedTerm(t["key"], t["part"], t["whole"], t["measured"], t["points_milli"],
                                          t["weight_permille"], t["contribution_milli"]) for t in s["terms"]])
            for s in sorted(p.shares, key=lambda s: (-s["score_milli"], s["code"]))]) for p in pools]
