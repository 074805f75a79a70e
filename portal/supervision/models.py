"""Supervision tables: dated versions of the power list, risk-rule settings, and monitoring items (监察事项).

A `PowerVersion` row is one power as it reads from `effective_from` on (append-only; the newest in force wins).
A `RiskSetting` row overrides a rule's defaults (`rules.RISK_RULES`); absent means the defaults, enabled.
A `MonitoringItem` is one risk-rule hit: the evidence is a list of audit row ids, it goes to the level above the
office where the act happened, and it is closed with a written outcome by someone it is not about.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.kernel.base import Base, utcnow
from portal.roster.models import PathString


class PowerVersion(Base):
    __tablename__ = "supervision_power"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(40))
    effective_from: Mapped[date] = mapped_column(Date)
    name_zh: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(120))
    grade: Mapped[str] = mapped_column(String(1))
    legal_basis: Mapped[str] = mapped_column(Text)
    office_level: Mapped[str] = mapped_column(String(12))
    time_limit_wd: Mapped[int | None] = mapped_column(Integer)
    a_post: Mapped[str] = mapped_column(String(80))
    b_post: Mapped[str] = mapped_column(String(80))
    process_zh: Mapped[str] = mapped_column(Text)
    process_en: Mapped[str] = mapped_column(Text)
    control_points: Mapped[list] = mapped_column(JSON, default=list)
    risk_points: Mapped[list] = mapped_column(JSON, default=list)
    document_no: Mapped[str | None] = mapped_column(String(60))  # 文号 of the decision that set this version
    created_by: Mapped[str] = mapped_column(String(64), default="system")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("key", "effective_from"),)


class RiskSetting(Base):
    __tablename__ = "supervision_risk_setting"

    rule: Mapped[str] = mapped_column(String(32), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    threshold: Mapped[int] = mapped_column(Integer)
    window_days: Mapped[int] = mapped_column(Integer)
    review_level: Mapped[str] = mapped_column(String(12), default="above", server_default="above")  # rules.REVIEW_LEVELS
    reason: Mapped[str | None] = mapped_column(Text)  # why the last change was made
    updated_by: Mapped[str] = mapped_column(String(64), default="system")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class MonitoringItem(Base):
    __tablename__ = "supervision_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule: Mapped[str] = mapped_column(String(32))
    # What the hit is about (an application number, a roster entry, a window, a household …): one item per
    # rule and subject, so the hook and the sweep never open the same hit twice.
    subject: Mapped[str] = mapped_column(String(80))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))  # the office where the act happened
    region_path: Mapped[str] = mapped_column(PathString)
    review_path: Mapped[str] = mapped_column(PathString)  # the level above: who reviews
    about_user_ids: Mapped[list] = mapped_column(JSON, default=list)  # officers whose acts are in question
    evidence: Mapped[list] = mapped_column(JSON, default=list)  # audit_entry ids
    facts: Mapped[dict] = mapped_column(JSON, default=dict)  # figures the item shows (days, hours, counts)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | closed
    outcome: Mapped[str | None] = mapped_column(String(12))
    outcome_text: Mapped[str | None] = mapped_column(Text)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    closed_at: Mapped[datetime | None]

    __table_args__ = (UniqueConstraint("rule", "subject"),
                      Index("ix_supervision_item_scope", "status", "review_path"))


class SweepMark(Base):
    """The newest audit row the sweep has looked at (one row)."""

    __tablename__ = "supervision_sweep"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_audit_id: Mapped[int] = mapped_column(Integer, default=0)
    swept_at: Mapped[datetime] = mapped_column(default=utcnow)


class Inspection(Base):
    """A special inspection (专项督察) of a region on one topic, over a reproducible random sample of cases."""

    __tablename__ = "supervision_inspection"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    region_path: Mapped[str] = mapped_column(PathString)
    topic: Mapped[str] = mapped_column(String(20))
    seed: Mapped[str] = mapped_column(String(20))  # printed on the inspection; with the population, redraws the sample
    population: Mapped[int] = mapped_column(Integer)
    sample_size: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | closed
    opened_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]


class InspectionCase(Base):
    __tablename__ = "supervision_inspection_case"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("supervision_inspection.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # order of the draw
    ref: Mapped[str] = mapped_column(String(40))  # application number, household code or report id
    verdict: Mapped[str | None] = mapped_column(String(8))  # ok | problem
    finding: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime | None]


class Rectification(Base):
    """整改: what the inspected office must do by when; the office answers, the inspector closes."""

    __tablename__ = "supervision_rectification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("supervision_inspection.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("supervision_inspection_case.id"))
    office_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    office_path: Mapped[str] = mapped_column(PathString)
    demand: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | answered | closed
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    answered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]


class Referral(Base):
    """问责: a finding referred for accountability, with the body, the grounds and the outcome from the fixed list."""

    __tablename__ = "supervision_referral"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("supervision_inspection.id"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("supervision_item.id"))
    region_path: Mapped[str] = mapped_column(PathString)
    target: Mapped[str] = mapped_column(String(120))  # a person or an office
    grounds: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(String(120))  # the body it is referred to (纪检监察机关 …)
    referred_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(12))  # rules.ACCOUNTABILITY
    decided_on: Mapped[date | None] = mapped_column(Date)
    decision_no: Mapped[str | None] = mapped_column(String(60))  # 文号 of the body's decision
    decided_by: Mapped[str | None] = mapped_column(String(120))  # who decided (the body or its organ)
    outcome_recorded_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    referred_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))


class Notice(Base):
    """通报表扬 / 通报批评: drafted by an inspector or officer of a region, approved (and so published) by another.

    The draft keeps what the drafter wrote, with the individuals it names in `persons`; publication freezes
    `public`, the text everyone reads, with every individual masked (kernel.masking) and numbers scrubbed, so the
    public page and the PDF never read the draft.
    """

    __tablename__ = "supervision_notice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str | None] = mapped_column(String(40), unique=True)  # 文号, given at publication
    kind: Mapped[str] = mapped_column(String(10))  # praise | criticism
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    region_path: Mapped[str] = mapped_column(PathString)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    offices: Mapped[list] = mapped_column(JSON, default=list)  # region codes of the offices named
    persons: Mapped[list] = mapped_column(JSON, default=list)  # individuals named (published masked only)
    referral_ids: Mapped[list] = mapped_column(JSON, default=list)
    case_ids: Mapped[list] = mapped_column(JSON, default=list)  # inspection cases (findings) it rests on
    status: Mapped[str] = mapped_column(String(10), default="draft")  # draft | published | returned
    drafted_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    drafted_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None]
    return_reason: Mapped[str | None] = mapped_column(Text)
    public: Mapped[dict | None] = mapped_column(JSON)  # the published text, masked, frozen at publication

    __table_args__ = (Index("ix_supervision_notice_scope", "status", "region_path"),)
