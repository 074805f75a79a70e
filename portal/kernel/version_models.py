"""One token that changes with every write to the policy settings or the working-day calendar.

Hot paths (a resident's rating) keep those settings in memory and read only this one row per request: a different
token means an admin changed something, and the next request reloads. The token is written by mapper events, so
every ORM write to those tables changes it in the same transaction, whoever makes it (the admin page, the CLI, a
test inserting rows as is). A random token rather than a counter: a transaction that read its own uncommitted
change and then rolled back can never leave a cached value under a token another transaction commits later.
"""

from __future__ import annotations

import secrets

from sqlalchemy import String, event, insert, update
from sqlalchemy.orm import Mapped, mapped_column

from portal.kernel.base import Base
from portal.kernel.calendar_models import CalendarDayRow
from portal.kernel.policy_models import PolicySetting

SETTINGS = "settings"


class SettingsVersion(Base):
    __tablename__ = "settings_version"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    token: Mapped[str] = mapped_column(String(32))


def bump(connection) -> None:
    token = secrets.token_hex(16)
    table = SettingsVersion.__table__
    done = connection.execute(update(table).where(table.c.name == SETTINGS).values(token=token)).rowcount
    if not done:  # a schema made by create_all (tests) has no seeded row
        connection.execute(insert(table).values(name=SETTINGS, token=token))


def _changed(_mapper, connection, _target) -> None:
    bump(connection)


for _model in (PolicySetting, CalendarDayRow):
    for _when in ("after_insert", "after_update", "after_delete"):
        event.listen(_model, _when, _changed)
