"""Eligibility parameters (policy as data), applications (申请), their documents and lifecycle steps.

`EligibilityParameter` rows are append-only: an admin change is a new row with its effective date and the document
number (文号) that set it, so the history stays and a case is judged by the values in force on its date.
An `Application` keeps the resident's answers as JSON (the wizard saves them page by page, drafts included);
`ApplicationStep` rows are the lifecycle (受理, 入户调查, 核对, 初审, 公示, 审核确认 …), each with its working-day
deadline and the office handling it; `ApplicationDocument` points at a private image (kernel/images.py).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.kernel.base import Base, utcnow
from portal.regions.models import Region
from portal.roster.models import PathString


class EligibilityParameter(Base):
    """One value of one eligibility parameter for a city or county, from `effective_from` on (append-only)."""

    __tablename__ = "eligibility_parameter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    region_path: Mapped[str] = mapped_column(PathString)
    key: Mapped[str] = mapped_column(String(48))
    value: Mapped[object] = mapped_column(JSON)
    effective_from: Mapped[date] = mapped_column(Date)
    document_no: Mapped[str] = mapped_column(String(80))  # 文号, e.g. 石民〔2025〕18号
    created_by: Mapped[str] = mapped_column(String(64), default="system")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    region: Mapped[Region] = relationship()

    __table_args__ = (Index("ix_eligibility_parameter_lookup", "key", "region_path", "effective_from"),)


class Application(Base):
    """One household's application, from draft to decision. `number` is public; `secret_hash` resumes a draft."""

    __tablename__ = "application"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(24), default="draft")
    # The village (村/社区) the household lives in; its path scopes every officer query.
    village_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    region_path: Mapped[str | None] = mapped_column(PathString)
    applicant_name: Mapped[str] = mapped_column(String(64), default="")
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    # 关系保 guard: a member related to dibao staff or a village cadre → registered separately, county home visit.
    related_to_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    # The county may extend the whole process from 30 to 45 working days, with written reasons.
    extended: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_at: Mapped[datetime | None]
    # The date whose parameters judge the case (the submission date, China time).
    assessed_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(24))
    monthly_amount_fen: Mapped[int | None] = mapped_column(Integer)
    payment_from: Mapped[date | None] = mapped_column(Date)
    decision_reasons: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    village: Mapped[Region | None] = relationship()

    __table_args__ = (Index("ix_application_queue", "region_path", "status", "id"),)


class ApplicationStep(Base):
    """One lifecycle step: who handles it, when it started, its working-day deadline, and how it ended."""

    __tablename__ = "application_step"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"))
    kind: Mapped[str] = mapped_column(String(24))
    state: Mapped[str] = mapped_column(String(12), default="open")  # open | done
    office_region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    started_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date | None] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)
    # Materials requested (补正): the ONE complete list, as catalog keys plus free text.
    materials: Mapped[list | None] = mapped_column(JSON)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    office_region: Mapped[Region | None] = relationship()

    # The power list's monthly figures read a month of finished steps out of a year's millions, each timed from its
    # start (covering: the rows themselves are never read).
    __table_args__ = (Index("ix_application_step_application_id", "application_id"),
                      Index("ix_application_step_open_due", "state", "due_on"),
                      Index("ix_application_step_done_span", "done_at", "kind", "started_on", "due_on",
                            "application_id"),
                      # The annual figures read each application's finished steps of the year, application by
                      # application (the region's applications first), from the index alone.
                      Index("ix_application_step_annual", "application_id", "state", "done_at", "kind", "started_on",
                            "due_on", "outcome"))


class ApplicationDocument(Base):
    """A photo of a document, stored privately (content-addressed id from PrivateImageStore)."""

    __tablename__ = "application_document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"))
    kind: Mapped[str] = mapped_column(String(24))
    image_id: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_application_document_application_id", "application_id"),)


class Reassessment(Base):
    """The engine's verdict on a case again, after an officer accepted (`corrected`) or withdrew the acceptance of a
    finding of the household check: the verdict before and after, and each found value used in place of the
    declared one with the finding it came from (`changes`: finding id, rule, field, member name, declared, found).
    The latest row is the case's verdict; the rows before it are its history."""

    __tablename__ = "application_reassessment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"))
    # The finding whose resolution caused this assessment (its ID in verification_finding).
    finding_id: Mapped[int] = mapped_column(Integer)
    assessed_on: Mapped[date] = mapped_column(Date)  # the case date, whose parameters judged it
    outcome_before: Mapped[str | None] = mapped_column(String(24))
    amount_before_fen: Mapped[int | None] = mapped_column(Integer)
    outcome_after: Mapped[str | None] = mapped_column(String(24))
    amount_after_fen: Mapped[int | None] = mapped_column(Integer)
    changes: Mapped[list] = mapped_column(JSON, default=list)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_application_reassessment_application_id", "application_id", "id"),)
