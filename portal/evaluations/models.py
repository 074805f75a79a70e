"""Volunteer supervisors' evaluations (民主评议): appointments, rounds, targets, assignments, published results.

A round (评议轮次) has a period (whose residents' ratings are combined in), criteria with weights, a due date and
targets (a service window, or an office = the windows sharing an `office_name`). An assignment is one supervisor
× one target and carries that supervisor's evaluation (draft → submitted). Closing a round freezes one
`EvaluationResult` row per target: the published notice (通报) never changes after it is out.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, Enum, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.kernel.base import Base, utcnow
from portal.regions.models import Region, ServiceWindow


class SupervisorAppointment(Base):
    """义务监督员聘任: a supervisor account serves a region for a term."""

    __tablename__ = "supervisor_appointment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date] = mapped_column(Date)
    appointed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    region: Mapped[Region] = relationship()


class RoundStatus(str, enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


class EvaluationRound(Base):
    __tablename__ = "evaluation_round"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    # [{"key": "attitude", "weight": 30}, ...]: keys from services.evaluations.CRITERIA, weights sum to 100.
    criteria: Mapped[list[dict]] = mapped_column(JSON)
    status: Mapped[RoundStatus] = mapped_column(Enum(RoundStatus, native_enum=False, length=8),
                                                default=RoundStatus.OPEN, index=True)
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    closed_at: Mapped[datetime | None]
    # The weights in force when the round closed (policy settings may change later; the notice must not).
    weight_supervisors: Mapped[int | None] = mapped_column(Integer)
    weight_residents: Mapped[int | None] = mapped_column(Integer)

    region: Mapped[Region] = relationship()


class EvaluationTarget(Base):
    """A window, or an office (every window of the round's region with that `office_name`)."""

    __tablename__ = "evaluation_target"
    __table_args__ = (UniqueConstraint("round_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("evaluation_round.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # "window" | "office"
    # Stable across rounds, for records and the two-rounds-at-the-bottom flag: "w:<window code>" | "o:<office>".
    key: Mapped[str] = mapped_column(String(160))
    window_id: Mapped[int | None] = mapped_column(ForeignKey("service_window.id"))
    office_name: Mapped[str] = mapped_column(String(120))
    # Where the target sits: the window's region, or the region holding the office's windows.
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))

    window: Mapped[ServiceWindow | None] = relationship()
    region: Mapped[Region] = relationship()


class AssignmentStatus(str, enum.Enum):
    ASSIGNED = "assigned"  # nothing saved yet
    DRAFT = "draft"  # saved as the supervisor goes
    SUBMITTED = "submitted"  # final; counted when the round closes
    CONFLICT = "conflict"  # the supervisor declared a conflict of interest: assignment removed, nothing counted


class EvaluationAssignment(Base):
    """One supervisor × one target of a round, with that supervisor's evaluation."""

    __tablename__ = "evaluation_assignment"
    __table_args__ = (UniqueConstraint("target_id", "supervisor_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("evaluation_round.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("evaluation_target.id"))
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    status: Mapped[AssignmentStatus] = mapped_column(Enum(AssignmentStatus, native_enum=False, length=10),
                                                     default=AssignmentStatus.ASSIGNED)
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    scores: Mapped[dict] = mapped_column(JSON, default=dict)  # criterion key → 1..5
    comments: Mapped[dict] = mapped_column(JSON, default=dict)  # criterion key → text
    overall_comment: Mapped[str | None] = mapped_column(Text)
    checkin_at: Mapped[datetime | None]
    checkin_lat: Mapped[float | None] = mapped_column(Float)
    checkin_lon: Mapped[float | None] = mapped_column(Float)
    checkin_accuracy_m: Mapped[float | None] = mapped_column(Float)
    photos: Mapped[list[str]] = mapped_column(JSON, default=list)  # PrivateImageStore ids
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    conflict_reason: Mapped[str | None] = mapped_column(Text)

    target: Mapped[EvaluationTarget] = relationship()


class EvaluationResult(Base):
    """One target's line in a closed round's notice (通报), frozen at closing."""

    __tablename__ = "evaluation_result"
    __table_args__ = (UniqueConstraint("round_id", "target_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("evaluation_round.id"), index=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("evaluation_target.id"))
    target_key: Mapped[str] = mapped_column(String(160), index=True)
    label: Mapped[str] = mapped_column(String(250))
    office_name: Mapped[str] = mapped_column(String(120), index=True)
    assigned: Mapped[int] = mapped_column(Integer)
    submitted: Mapped[int] = mapped_column(Integer)
    supervisor_score: Mapped[float | None] = mapped_column(Float)  # 0-100 (average of 1-5 × 20)
    resident_count: Mapped[int] = mapped_column(Integer)
    resident_rate: Mapped[float | None] = mapped_column(Float)  # satisfaction 0-1; None below k ratings
    combined: Mapped[float | None] = mapped_column(Float)  # 0-100; None when a part is missing
    rank: Mapped[int | None] = mapped_column(Integer)
    talk_flag: Mapped[bool] = mapped_column(default=False)  # 约谈: bottom place in this and the previous round
