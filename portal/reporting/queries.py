"""Read models of reporting for the pages (which open no session themselves): the published reward pools with the
scores, terms and shares frozen in each decision (/results), and the province's desk (/officer/reward-pool)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.accounts.models import User
from portal.kernel.db import session_scope
from portal.kernel.permissions import Actor
from portal.kernel.workdays import CHINA_TZ, china_today
from portal.reporting import services


def fmt(at: datetime | None) -> str:
    if at is None:
        return ""
    return (at.astimezone(CHINA_TZ) if at.tzinfo else at).strftime("%Y-%m-%d %H:%M")


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
        return [PublishedPool(p.id, p.year, p.pool_fen, p.floor_milli, p.weights_document, _shares(p)) for p in pools]


# --- the province's desk (/officer/reward-pool) ---------------------------------------------------------------------

@dataclass(frozen=True)
class WeightSetLine:
    effective_from: str
    document_no: str
    weights: dict[str, int]
    set_by: str


@dataclass(frozen=True)
class PoolLine:
    id: int
    year: int
    pool_fen: int
    floor_milli: int
    status: str
    weights_document: str
    decided_by: str
    decided_at: str
    approved_by: str
    rejection: str
    can_approve: bool  # waiting, and the actor is not the one who decided it
    shares: list[PublishedShare]


@dataclass(frozen=True)
class Desk:
    province_code: str
    province_name: str
    weight_sets: list[WeightSetLine]
    scores: list[services.CountyScore]  # empty when no weights are set
    scores_document: str
    pools: list[PoolLine]


def _shares(pool) -> list[PublishedShare]:
    return [PublishedShare(s["code"], s["name"], s["score_milli"], s["share_fen"],
                           [PublishedTerm(t["key"], t["part"], t["whole"], t["measured"], t["points_milli"],
                                          t["weight_permille"], t["contribution_milli"]) for t in s["terms"]])
            for s in sorted(pool.shares, key=lambda s: (-s["score_milli"], s["code"]))]


def desk(actor: Actor, year: int) -> Desk | None:
    """What the province's officers and admins see: weight sets, every county's score for `year` term by term,
    and the pool decisions. None when the actor holds no grant at a province (the service refuses the rest)."""
    provinces = services.province_codes(actor)
    if not provinces:
        return None
    code, name = provinces[0]
    with session_scope() as session:
        sets = [WeightSetLine(w.effective_from.isoformat(), w.document_no, w.weights, w.set_by)
                for w in services.weight_sets(session, actor, code)]
        found = services.scores_for(session, actor, code, year, today=china_today())
        scores, document = found if found is not None else ([], "")
        users = dict(session.execute(select(User.id, User.display_name)).all())
        lines = [PoolLine(p.id, p.year, p.pool_fen, p.floor_milli, p.status, p.weights_document,
                          users.get(p.decided_by, ""), fmt(p.decided_at), users.get(p.approved_by, ""),
                          p.rejection or "", p.status == services.DECIDED and p.decided_by != actor.user_id,
                          _shares(p)) for p in services.pools(session, actor, code)]
        return Desk(code, name, sets, scores, document, lines)
