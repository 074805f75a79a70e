"""Leases: which worker process runs a periodic job across every worker, until when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from portal.kernel.base import Base


class Lease(Base):
    """One row per job. A worker holds the job while `expires_at` is in the future; a worker that died holds it no
    longer than that."""

    __tablename__ = "worker_lease"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(80))
    expires_at: Mapped[datetime]
