"""The officers' reminder that open deadlines run into a year with no working-day calendar yet.

The calendar is one for the whole country, so the check is too: any open deadline (applications, reports, bad-review
follow-ups) falling in a year for which no holiday schedule is stored. Placed at the top of the officers' pages.
"""

from __future__ import annotations

from datetime import datetime

import reflex as rx

from portal.kernel.permissions import Role
from portal.kernel import calendar_store
from portal.kernel.workdays import CHINA_TZ
from portal.shell.i18n import t_fmt
from portal.shell.session import SignedInState


class CalendarGapState(SignedInState):
    years: str = ""  # "2027" or "2027、2028"; "" when every year deadlines run into has a calendar

    @rx.event
    def check(self):
        today = datetime.now(CHINA_TZ).date()
        found: list[dict[int, int]] = []
        actor, key = self._perform((Role.OFFICER, Role.ADMIN),
                                   lambda session, _who: found.append(calendar_store.years_missing(session, today)))
        self.years = ", ".join(str(y) for y in found[0]) if actor is not None and not key and found else ""


def calendar_gap_warning() -> rx.Component:
    return rx.box(
        rx.cond(CalendarGapState.years != "",
                rx.callout(t_fmt("officer.cal_gap", years=CalendarGapState.years), icon="calendar-x",
                           color_scheme="amber", width="100%", id="cal-gap-warning")),
        on_mount=CalendarGapState.check, width="100%",
    )
