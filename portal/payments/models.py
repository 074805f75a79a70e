"""Payment tables: a batch per county and month, one payment per household in it, and dated amount changes.

Amounts are integers in fen. A payment row is unique per (household, period): a household is never paid twice for a
month, whatever happens to batches (a rejected batch's rows are deleted, so the month can be prepared again).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.kernel.base import Base, utcnow
from portal.roster.models import PathString


class PaymentBatch(Base):
    """One county's payments for one month (发放批次). It carries its own totals (households, people, fen; and what
    the bank returned), kept by the services in the same transaction as the payment rows, so the public figures
    read one row per county and month instead of every payment."""

    __tablename__ = "payment_batch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_no: Mapped[str] = mapped_column(String(40), unique=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    region_path: Mapped[str] = mapped_column(PathString)  # the county's path
    period: Mapped[str] = mapped_column(String(7))  # 'YYYY-MM'
    status: Mapped[str] = mapped_column(String(12))
    household_count: Mapped[int] = mapped_column(Integer, default=0)
    total_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    people: Mapped[int] = mapped_column(Integer, default=0)
    prepared_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    prepared_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    approved_at: Mapped[datetime | None]
    rejection: Mapped[str | None] = mapped_column(Text)
    paid_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    paid_on: Mapped[date | None] = mapped_column(Date)
    bank_ref: Mapped[str | None] = mapped_column(String(40))
    returned_count: Mapped[int] = mapped_column(Integer, default=0)
    returned_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    returned_people: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_payment_batch_county_period", "county_id", "period", "status"),
                      Index("ix_payment_batch_path_period", "region_path", "period"))


class Payment(Base):
    """One household's allowance for one month (scheduled → paid → returned, or stopped before approval)."""

    __tablename__ = "payment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("payment_batch.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("register_household.id"))
    region_path: Mapped[str] = mapped_column(PathString)  # the household's village path
    period: Mapped[str] = mapped_column(String(7))
    amount_fen: Mapped[int] = mapped_column(Integer)
    people: Mapped[int] = mapped_column(Integer)  # members of the household when the batch was prepared
    status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(Text)  # why stopped, or the bank's reason for a return

    __table_args__ = (UniqueConstraint("household_id", "period", name="uq_payment_household_period"),
                      Index("ix_payment_batch", "batch_id", "id"),
                      Index("ix_payment_path_period", "region_path", "period", "status"))


class AmountChange(Base):
    """A changed monthly amount for a household, with its reason, effective from `effective_period` (the month after
    the county's latest batch when it was decided, so a batch already prepared is never altered)."""

    __tablename__ = "payment_amount_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("register_household.id"))
    amount_fen: Mapped[int] = mapped_column(Integer)
    effective_period: Mapped[str] = mapped_column(String(7))
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_payment_amount_change_household", "household_id", "effective_period", "id"),)
