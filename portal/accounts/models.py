"""Staff accounts, role grants scoped to a region, sign-in sessions and sign-in throttling."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.kernel.base import Base, utcnow
from portal.kernel.permissions import Role
from portal.kernel.throttle_models import SignInFailure
from portal.regions.models import Region


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Window staff belong to one window (their ratings dashboard and poster).
    window_id: Mapped[int | None] = mapped_column(ForeignKey("service_window.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    grants: Mapped[list[RoleGrant]] = relationship(back_populates="user", cascade="all, delete-orphan")


class RoleGrant(Base):
    """A role held over a region; it covers that region and everything below it."""

    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("user_id", "role", "region_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))

    user: Mapped[User] = relationship(back_populates="grants")
    region: Mapped[Region] = relationship()


class StaffAccountMark(Base):
    """A staff member's own account number (bank card, phone, ID number), kept only as a keyed hash: enough to notice
    a reward paid to it (supervision's `reward_to_staff` rule), never enough to read it back."""

    __tablename__ = "staff_account_mark"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # bank | phone | id
    value_hash: Mapped[str] = mapped_column(String(64), index=True)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class StaffAccountChange(Base):
    """A proposed replacement of a recorded account number (its keyed hash only), waiting for a second admin: one
    admin alone could otherwise swap a staff member's card for another just before a reward is paid to the real one.
    `pending` is True while it waits and NULL once decided, so the unique key allows one waiting change per number
    kind and person (NULLs never collide) and two admins cannot open two at once."""

    __tablename__ = "staff_account_change"
    __table_args__ = (UniqueConstraint("user_id", "kind", "pending"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # bank | phone | id
    value_hash: Mapped[str] = mapped_column(String(64))
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)
    pending: Mapped[bool | None] = mapped_column(Boolean, default=True)
    outcome: Mapped[str | None] = mapped_column(String(12))  # approved | rejected | withdrawn
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None]


class SignInSession(Base):
    """Server side of the HttpOnly cookie: only a hash of the cookie token is stored."""

    __tablename__ = "signin_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


__all__ = ["Role", "RoleGrant", "SignInFailure", "SignInSession", "StaffAccountMark", "User"]
