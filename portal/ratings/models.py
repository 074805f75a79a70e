"""Window satisfaction ratings (好差评), bad-review follow-up cases (差评整改) and burst flags (刷评)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, Enum, ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.kernel.base import Base, utcnow


class RatingStatus(str, enum.Enum):
    COUNTED = "counted"  # in every figure
    HELD = "held"  # part of a suspected burst: kept out of published figures until an officer decides
    EXCLUDED = "excluded"  # burst confirmed or malicious-review appeal upheld: stored, marked, never counted


class Rating(Base):
    __tablename__ = "rating"
    __table_args__ = (
        Index("ix_rating_window_created", "window_id", "created_at"),
        Index("ix_rating_device_window", "device_hash", "window_id", "created_at"),
        Index("uq_rating_attempt_hash", "attempt_hash", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("service_window.id"))
    level: Mapped[int] = mapped_column(SmallInteger)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    comment: Mapped[str | None] = mapped_column(Text)
    # Only for the officer's callback; never shown to window staff.
    phone: Mapped[str | None] = mapped_column(String(20))
    # Keyed hashes, so the raw device id / address is never stored.
    device_hash: Mapped[str] = mapped_column(String(64))
    client_hash: Mapped[str] = mapped_column(String(64))
    receipt_code: Mapped[str] = mapped_column(String(16), unique=True)
    # Keyed hash of (device, the tab's submit attempt key): a submit retried after a lost reply (a dead worker, a
    # dropped connection) finds its rating and gets the same receipt instead of a cool-down refusal.
    attempt_hash: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[RatingStatus] = mapped_column(Enum(RatingStatus, native_enum=False, length=10),
                                                 default=RatingStatus.COUNTED)
    status_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseStatus(str, enum.Enum):
    OPEN = "open"  # waiting for staff
    ANSWERED = "answered"  # staff explained or fixed; waiting for an officer to close
    APPEALED = "appealed"  # staff say the review is malicious; an officer decides
    CLOSED = "closed"


class FollowupCase(Base):
    """Opened by every rating at level 1-2; deadlines in working days from the shared calendar."""

    __tablename__ = "followup_case"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rating_id: Mapped[int] = mapped_column(ForeignKey("rating.id"), unique=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("service_window.id"), index=True)
    status: Mapped[CaseStatus] = mapped_column(Enum(CaseStatus, native_enum=False, length=10),
                                               default=CaseStatus.OPEN, index=True)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    callback_due: Mapped[date | None] = mapped_column(Date)
    resolve_due: Mapped[date] = mapped_column(Date)
    callback_at: Mapped[datetime | None]
    callback_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    staff_answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    appeal_reason: Mapped[str | None] = mapped_column(Text)
    appeal_decision: Mapped[str | None] = mapped_column(String(10))  # "upheld" | "rejected"
    appeal_decided_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    close_note: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # 追评: the rater's one follow-up rating, given with the receipt code.
    followup_level: Mapped[int | None] = mapped_column(SmallInteger)
    followup_comment: Mapped[str | None] = mapped_column(Text)
    followup_at: Mapped[datetime | None]

    rating: Mapped[Rating] = relationship()


class BurstFlag(Base):
    """A suspected rating burst at one window; ratings inside it are HELD until an officer decides."""

    __tablename__ = "burst_flag"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("service_window.id"), index=True)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | cleared | confirmed
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reason: Mapped[str | None] = mapped_column(Text)
