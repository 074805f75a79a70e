"""Failed look-ups (sign-ins, receipt and application secrets), counted per key and per client address."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.kernel.base import Base, utcnow


class SignInFailure(Base):
    """One failed sign-in; counted per account and per client address inside a window."""

    __tablename__ = "signin_failure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
