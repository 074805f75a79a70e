"""Reports (举报投诉), their receipts and status history, evidence photos, conflict declarations and
reward-for-reporting (有奖举报).

The reporter's identity (name, phone) sits in two columns of `Report` that only `services.reports.reveal_identity`
reads for a page, and every such read is written to the audit log. The receipt secret is stored only as a keyed
hash; wrong secrets are counted in the sign-in failure table (`SignInFailure`, username "report:<receipt>").
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.kernel.base import Base, utcnow
from portal.roster.models import PathString


class ReportCategory(str, enum.Enum):
    WRONG_ENROLMENT = "wrong_enrolment"  # 错保
    MISSED = "missed"  # 漏保
    FRAUD = "fraud"  # 骗保
    CONNECTIONS = "connections"  # 关系保 / 人情保
    SPLITTING = "splitting"  # 平分低保金
    STAFF_MISCONDUCT = "staff_misconduct"  # 工作人员违纪
    OTHER = "other"


class ReportStatus(str, enum.Enum):
    NEW = "new"  # 待受理: nobody has taken it
    TAKEN = "taken"  # 已认领: an officer owns it (首问负责) but has not acknowledged it yet
    ACKNOWLEDGED = "acknowledged"  # 已受理: acknowledged to the reporter, under investigation
    CONCLUDED = "concluded"  # 已办结


class ReportOutcome(str, enum.Enum):
    SUBSTANTIATED = "substantiated"  # 属实
    PARTLY = "partly"  # 部分属实
    UNFOUNDED = "unfounded"  # 不属实


class RewardStatus(str, enum.Enum):
    DECIDED = "decided"  # amount and basis set by one officer
    APPROVED = "approved"  # approved by a second officer (two-person rule)
    PAID = "paid"
    REJECTED = "rejected"  # the second officer refused the decision (with reasons); a new decision may follow


class Report(Base):
    __tablename__ = "report"
    __table_args__ = (
        Index("ix_report_handler_path_status", "handler_path", "status"),
        Index("ix_report_device_created", "device_hash", "created_at"),
        Index("ix_report_client_created", "client_hash", "created_at"),
        Index("ix_report_subject_key", "subject_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # 16 digits from `secrets`; the secret beside it is stored only as a keyed hash.
    receipt_code: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    category: Mapped[ReportCategory] = mapped_column(Enum(ReportCategory, native_enum=False, length=20))
    subject: Mapped[str] = mapped_column(String(200))  # who or what it is about, as the reporter wrote it
    # Set when the report came from a roster entry's "raise an objection" (server side only).
    roster_entry_id: Mapped[int | None] = mapped_column(ForeignKey("roster_entry.id"))
    # Reports about the same household or person share this key (grouping); never shown to reporters.
    subject_key: Mapped[str] = mapped_column(String(120))
    about_staff: Mapped[bool] = mapped_column(Boolean, default=False)  # about a staff member or cadre
    description: Mapped[str] = mapped_column(Text)
    # Where it happened, and the region whose officers handle it (the level above when about staff).
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    handler_region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    handler_path: Mapped[str] = mapped_column(PathString)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    reporter_name: Mapped[str | None] = mapped_column(String(64))
    reporter_phone: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[ReportStatus] = mapped_column(Enum(ReportStatus, native_enum=False, length=16),
                                                 default=ReportStatus.NEW)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    taken_at: Mapped[datetime | None]
    acknowledge_due: Mapped[date] = mapped_column(Date)
    acknowledged_at: Mapped[datetime | None]
    conclude_due: Mapped[date] = mapped_column(Date)
    outcome: Mapped[ReportOutcome | None] = mapped_column(Enum(ReportOutcome, native_enum=False, length=16))
    conclusion: Mapped[str | None] = mapped_column(Text)  # the reasons the reporter reads
    recovered_fen: Mapped[int | None] = mapped_column(Integer)  # money recovered (追回), the reward's basis
    concluded_at: Mapped[datetime | None]
    concluded_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # Keyed hashes of the device cookie and client address (rate limits); the raw values are never stored.
    device_hash: Mapped[str] = mapped_column(String(64))
    client_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReportEvent(Base):
    """One step of a report's history. `public` steps (with their note) are what the reporter sees."""

    __tablename__ = "report_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(24))
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))  # None: the reporter or the system


class ReportEvidence(Base):
    """A photo (through the one image intake) attached when reporting or added later with the receipt."""

    __tablename__ = "report_evidence"
    __table_args__ = (UniqueConstraint("report_id", "image_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    image_id: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReportConflict(Base):
    """An officer's declared conflict of interest (回避): that officer can neither handle nor see the report."""

    __tablename__ = "report_conflict"
    __table_args__ = (UniqueConstraint("report_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    reason: Mapped[str] = mapped_column(Text)
    declared_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReportReward(Base):
    """有奖举报: decided by one officer, approved by another, paid by finance; claimed with the receipt."""

    __tablename__ = "report_reward"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("report.id", ondelete="CASCADE"), unique=True)
    status: Mapped[RewardStatus] = mapped_column(Enum(RewardStatus, native_enum=False, length=16),
                                                 default=RewardStatus.DECIDED, index=True)
    amount_fen: Mapped[int] = mapped_column(Integer)
    basis: Mapped[str] = mapped_column(Text)  # how the amount follows from the policy parameters
    decided_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    approved_at: Mapped[datetime | None]
    rejection: Mapped[str | None] = mapped_column(Text)
    paid_on: Mapped[date | None] = mapped_column(Date)
    payment_ref: Mapped[str | None] = mapped_column(String(64))
    paid_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # The reporter's claim (with the receipt): payout details for the finance role only.
    claimed_at: Mapped[datetime | None]
    payout_details: Mapped[str | None] = mapped_column(Text)
