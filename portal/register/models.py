"""The recipient register (在册对象): one `Household` per recipient household, its `Member`s with ID numbers.

ID numbers are stored in plain text in their own column (`Member.id_number`), not encrypted: the department
exchanges (核对) must send the number itself, and a key kept beside the database would protect nothing the
database's own access control does not. What keeps them private is that only `register.services` reads that column,
for an officer whose region covers the household (role + region, audited); every other view gets the masked form
(`kernel.masking.mask_id_number`). Searching by number goes through `Member.id_hash`, a keyed hash (HMAC under the
portal's secret key), so a look-up is one index probe and the index itself reveals nothing without the key.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.applications.models import Application
from portal.kernel.base import Base, utcnow
from portal.roster.models import PathString

STATUS_ACTIVE = "active"
STATUS_SUSPENDED = "suspended"  # 暂停: payments paused, off the standing roster until resumed
STATUS_STOPPED = "stopped"  # 停保: left the register for good
STATUSES = (STATUS_ACTIVE, STATUS_SUSPENDED, STATUS_STOPPED)


class Household(Base):
    """A recipient household. `code` is its natural key (户编号: the application number for a case admitted here,
    the county's own number for an imported one), so a second import of the same file finds it again."""

    __tablename__ = "register_household"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    village_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    region_path: Mapped[str] = mapped_column(PathString)
    head_name: Mapped[str] = mapped_column(String(64))
    # The approved application that admitted the household; None for households imported from an older system.
    application_id: Mapped[int | None] = mapped_column(ForeignKey(Application.id), unique=True)
    monthly_amount_fen: Mapped[int] = mapped_column(Integer)
    started_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default=STATUS_ACTIVE)
    status_reason: Mapped[str | None] = mapped_column(Text)
    suspended_on: Mapped[date | None] = mapped_column(Date)
    stopped_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_register_household_region", "region_path", "status", "id"),)


class Member(Base):
    """One person of a household. (household, id_hash) is the natural key: a person is listed once per household."""

    __tablename__ = "register_member"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("register_household.id"))
    name: Mapped[str] = mapped_column(String(64))
    relation: Mapped[str] = mapped_column(String(16))  # to the head: rules.RELATIONS
    id_number: Mapped[str] = mapped_column(String(18))  # plain; read only through register.services (see above)
    id_hash: Mapped[str] = mapped_column(String(64))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("household_id", "id_hash", name="uq_register_member_household_person"),
        Index("ix_register_member_id_hash", "id_hash"),
    )
