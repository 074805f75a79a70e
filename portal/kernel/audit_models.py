"""Append-only, hash-chained audit log (操作留痕)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.kernel.base import Base, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(80))  # username, or "resident:<client>" / "system"
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str] = mapped_column(String(64))
    region_code: Mapped[str | None] = mapped_column(String(20))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    # The supervision rules look up an act's earlier rows on the same target; the board counts acts by time, for the
    # whole tree or per region, from these indexes alone (they cover the columns the counts read).
    __table_args__ = (Index("ix_audit_entry_target", "target_type", "target_id"),
                      Index("ix_audit_entry_at", "at", "action", "region_code"),
                      Index("ix_audit_entry_region_at", "region_code", "at", "action"))


class AuditHead(Base):
    """One row holding the newest hash; writers lock it so the chain never forks under concurrency."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))
    last_id: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(Text)


class AuditCheckpoint(Base):
    """The newest row up to which the whole chain was found intact, so public proof pages only re-check what came
    after it (plus their own rows and links). A full `verify_chain` (CLI, admin page) still walks everything."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    verified_id: Mapped[int] = mapped_column(Integer)
    verified_hash: Mapped[str] = mapped_column(String(64))
    verified_rows: Mapped[int] = mapped_column(Integer)
    verified_at: Mapped[datetime] = mapped_column(default=utcnow)
