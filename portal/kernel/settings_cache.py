"""Values derived from the policy settings and the calendar, kept in memory until either changes.

`cached(session, name, load)` answers `load(session)`'s value from the last call while the settings token
(`version_models`) is the same, so a request pays one primary-key read instead of reloading every setting, and an
admin's change is seen by the very next request, in every worker process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.kernel.version_models import SETTINGS, SettingsVersion

T = TypeVar("T")

_values: dict[str, tuple[str | None, object]] = {}
_lock = threading.Lock()


_TOKEN = select(SettingsVersion.__table__.c.token).where(SettingsVersion.__table__.c.name == SETTINGS)


def token(session: Session) -> str | None:
    return session.execute(_TOKEN).scalar()


def cached(session: Session, name: str, load: Callable[[Session], T]) -> T:
    current = token(session)
    hit = _values.get(name)
    if hit is not None and hit[0] == current and current is not None:
        return hit[1]  # type: ignore[return-value]
    value = load(session)
    with _lock:
        _values[name] = (current, value)
    return value
