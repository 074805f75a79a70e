"""Reporting tables: the score weights (dated rows, each with the document that set it) and the reward pools.

A weight set is the rows of one region with one `effective_from`: it is replaced whole by a later set, never edited,
so every published score can name the document its weights came from.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.kernel.base import Base, utcnow
from portal.roster.models import PathString


class ScoreWeight(Base):
    __tablename__ = "score_weight"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_path: Mapped[str] = mapped_column(PathString)  # the province whose counties it scores
    term: Mapped[str] = mapped_column(String(32))
    weight_permille: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[date] = mapped_column(Date)
    document_no: Mapped[str] = mapped_column(String(80))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_score_weight_lookup", "region_path", "effective_from", "term"),)


DECIDED, APPROVED, REJECTED = "decided", "approved", "rejected"
# A decided or approved pool stands for its province and year; only a rejected one makes way for another.
STANDING = (DECIDED, APPROVED)
_STANDING_SQL = text("status IN ({})".format(", ".join(f"'{s}'" for s in STANDING)))


STANDING_POOL_INDEX = "uq_reward_pool_standing"


class RewardPool(Base):
    """A provincial reward pool (以奖代补) for a year: decided by one person with the scores and shares frozen in
    `shares`, approved (published) or rejected by a second."""

    __tablename__ = "reward_pool"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    region_path: Mapped[str] = mapped_column(PathString)
    year: Mapped[int] = mapped_column(Integer)
    pool_fen: Mapped[int] = mapped_column(BigInteger)
    floor_milli: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))
    shares: Mapped[list] = mapped_column(JSON)  # [{code, name, score_milli, terms: [...], share_fen}]
    weights_document: Mapped[str] = mapped_column(String(80))
    decided_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    approved_at: Mapped[datetime | None]
    rejection: Mapped[str | None] = mapped_column(Text)

    # One standing pool per province and year, held by the database: two people deciding at the same moment both
    # pass the service's look-up, and the second insert fails here (`services.decide_pool` says why).
    __table_args__ = (Index("ix_reward_pool_region_year", "region_path", "year", "status"),
                      Index(STANDING_POOL_INDEX, "region_id", "year", unique=True,
                            sqlite_where=_STANDING_SQL, postgresql_where=_STANDING_SQL))
