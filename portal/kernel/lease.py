"""One worker at a time for a periodic job that every worker process schedules (the app runs several).

A lease is a row (`lease_models.Lease`) taken by a conditional UPDATE: it succeeds only when the lease has expired or
is already the caller's, so of two workers racing exactly one changes the row. On PostgreSQL the second UPDATE waits
for the first's row lock and then re-reads the row, which no longer matches; SQLite runs one writing transaction at a
time. The UPDATE is the transaction's first statement, so on SQLite it never works from an older snapshot. A worker
that dies keeps the job only until `expires_at`; a worker that runs longer renews it (`renew`) as it goes.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.kernel.base import utcnow
from portal.kernel.lease_models import Lease

# This process, as a lease holder: the host and pid say who it was when a lease is read by hand; the random part
# keeps a restarted worker that reuses a pid from taking over its predecessor's lease as its own.
HOLDER = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def take(session: Session, name: str, seconds: float, *, holder: str = HOLDER, now: datetime | None = None) -> bool:
    """Hold `name` for `seconds` from now if nobody else holds it (or it is already ours: then it is renewed).
    True when the caller holds it. Takes effect when the caller's transaction commits."""
    now = now or utcnow()
    until = now + timedelta(seconds=seconds)
    won = session.execute(update(Lease).where(Lease.name == name, or_(Lease.expires_at <= now, Lease.holder == holder))
                          .values(holder=holder, expires_at=until).execution_options(synchronize_session=False))
    if won.rowcount == 1:
        return True
    if session.get(Lease, name) is not None:
        return False
    try:  # the job's first run anywhere: the row is made by whoever inserts it first
        with session.begin_nested():
            session.add(Lease(name=name, holder=holder, expires_at=until))
    except IntegrityError:
        return False
    return True


def renew(session: Session, name: str, seconds: float, *, holder: str = HOLDER, now: datetime | None = None) -> bool:
    """Extend a lease the caller still holds; False when it has lost it (it expired and another worker took it)."""
    now = now or utcnow()
    return session.execute(update(Lease).where(Lease.name == name, Lease.holder == holder)
                           .values(expires_at=now + timedelta(seconds=seconds))
                           .execution_options(synchronize_session=False)).rowcount == 1
