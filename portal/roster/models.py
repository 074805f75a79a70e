"""Public roster (公示): publicity batches of exactly 7 days, the standing roster of recipients, read throttling.

A roster entry holds only what may be published (name, household size, monthly amount, village, interval) plus
`source_ref`, an opaque link to the case it came from (the application, once applications exist). ID numbers,
addresses, health, disability, minors, bank and asset details stay with the case and never enter these tables.
The full name is stored because residents search by exact name; pages only ever send `mask_name(name)`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.kernel.base import Base, utcnow
from portal.regions.models import Region

# Region paths are compared as byte strings ("/13/1301/" <= p < "/13/1301/~"), so PostgreSQL must use the C
# collation whatever the database default is; SQLite's default BINARY collation already is bytewise.
PathString = String(200).with_variant(String(200, collation="C"), "postgresql")

KIND_PUBLICITY = "publicity"  # in a 7-day publicity batch (初审公示)
KIND_STANDING = "standing"  # on the standing roster of current recipients (常态公示)
# A publicity line exists only as its case's: nobody can put a name up for publicity that no case stands behind.
PUBLICITY_NEEDS_CASE = "kind <> 'publicity' OR (source_ref IS NOT NULL AND source_ref LIKE 'application:%')"
STATUS_ACTIVE = "active"
STATUS_WITHDRAWN = "withdrawn"


class RosterBatch(Base):
    """One publicity batch for a region: published once, up for exactly 7 days, never shortened."""

    __tablename__ = "roster_batch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    region_path: Mapped[str] = mapped_column(PathString)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    entry_count: Mapped[int] = mapped_column(Integer, default=0)
    # The audit row written when the batch was published (the proof page starts from it).
    publish_audit_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    region: Mapped[Region] = relationship()

    __table_args__ = (Index("ix_roster_batch_region_path_ends", "region_path", "ends_at"),)


class RosterEntry(Base):
    """One published line. Only publishable fields; `source_ref` links back to the case and stays on the server."""

    __tablename__ = "roster_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Random public id (objection links, `/report?roster_entry=<public_id>`): not guessable, not a row count.
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), default=STATUS_ACTIVE)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("roster_batch.id"))
    village_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    # The village's materialised path, copied so a region browse is one index range scan.
    region_path: Mapped[str] = mapped_column(PathString)
    name: Mapped[str] = mapped_column(String(64))
    household_size: Mapped[int] = mapped_column(Integer)
    monthly_amount_fen: Mapped[int] = mapped_column(Integer)  # 分 (1/100 yuan), never a float
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]  # None on the standing roster
    source_ref: Mapped[str | None] = mapped_column(String(64))
    withdrawn_at: Mapped[datetime | None]
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    village: Mapped[Region] = relationship()
    batch: Mapped[RosterBatch | None] = relationship()

    __table_args__ = (
        # Browse: one kind, active, inside a region (path range), in (path, id) order, a page at a time.
        Index("ix_roster_entry_browse", "kind", "status", "region_path", "id"),
        # Exact-name search inside a region.
        Index("ix_roster_entry_name", "name", "region_path", "id"),
        Index("ix_roster_entry_batch_id", "batch_id"),
        # The case workflow asks "has this case's publicity run its 7 days?" by its source_ref.
        Index("ix_roster_entry_source_ref", "source_ref"),
        CheckConstraint(PUBLICITY_NEEDS_CASE, name="publicity_case"),
    )


class RosterReadCount(Base):
    """Pages of the roster read per client in a time window (anti-scraping), shared by every worker."""

    __tablename__ = "roster_read_count"

    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_roster_read_count_window_start", "window_start"),)
