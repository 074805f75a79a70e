"""The annual (or quarterly) report of one county, city or province office: its figures, frozen when submitted, the narrative
sections the office writes, and where it stands in the county → city → province workflow."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.kernel.base import Base, utcnow
from portal.roster.models import PathString


class AnnualReport(Base):
    __tablename__ = "annual_report"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    region_path: Mapped[str] = mapped_column(PathString)
    level: Mapped[str] = mapped_column(String(12))  # county | city | province
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer, default=0)  # 0: the whole year; 1..4: one quarter
    status: Mapped[str] = mapped_column(String(12))  # rules.STATUSES
    figures: Mapped[dict] = mapped_column(JSON, default=dict)  # rules.empty() shape; frozen once submitted
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    sections: Mapped[dict] = mapped_column(JSON, default=dict)  # rules.SECTIONS → text
    revision: Mapped[int] = mapped_column(Integer, default=0)  # submissions so far (a returned report counts up)
    document_no: Mapped[str | None] = mapped_column(String(80))
    created_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    submitted_at: Mapped[datetime | None]
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reviewed_at: Mapped[datetime | None]
    return_reason: Mapped[str | None] = mapped_column(Text)
    # The province's report: the accepted city reports its figures add up ([{code, name, report_id, document_no}]).
    sources: Mapped[list | None] = mapped_column(JSON)

    __table_args__ = (UniqueConstraint("region_id", "year", "quarter", name="uq_annual_report_region_period"),
                      Index("ix_annual_report_path", "region_path", "year", "status"))
