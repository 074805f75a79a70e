"""Region tree (行政区划) and service windows (服务窗口)."""

from __future__ import annotations

import enum

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.kernel.base import Base


class RegionLevel(str, enum.Enum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"


LEVEL_ORDER = [RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE]


class Region(Base):
    __tablename__ = "region"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[RegionLevel] = mapped_column(Enum(RegionLevel, native_enum=False, length=16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"), index=True)
    # Materialised path of codes, "/13/1301/130102/": a grant at X covers Y iff Y.path starts with X.path.
    path: Mapped[str] = mapped_column(String(200), index=True)
    # 公示 name masking, per region (see services.masking).
    name_mask_style: Mapped[str] = mapped_column(String(16), default="middle")

    parent: Mapped[Region | None] = relationship(remote_side=[id])


class ServiceWindow(Base):
    __tablename__ = "service_window"
    __table_args__ = (UniqueConstraint("code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32))  # public code, e.g. HB-SJZ-0007
    name: Mapped[str] = mapped_column(String(120))
    office_name: Mapped[str] = mapped_column(String(120))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Where and when residents find the office, and its number for a tap-to-call link (shown to residents).
    address: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    hours: Mapped[str | None] = mapped_column(String(120))

    region: Mapped[Region] = relationship()
