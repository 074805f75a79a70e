"""Window staff home (窗口工作台)."""

from __future__ import annotations

import reflex as rx

from portal.components.account import guarded, whoami
from portal.components.i18n import t
from portal.components.layout import page
from portal.db import session_scope
from portal.models.accounts import Role
from portal.models.regions import ServiceWindow
from portal.states.session import SignedInState


class StaffHomeState(SignedInState):
    window_name: str = ""
    window_code: str = ""
    office_name: str = ""

    @rx.event
    def load(self):
        actor = self._guard(Role.WINDOW_STAFF)
        self.ready = True
        if actor is None:
            return self._login_redirect() if self.denied_key != "auth.forbidden" else None
        with session_scope() as session:
            window = session.get(ServiceWindow, actor.window_id) if actor.window_id else None
            self.window_name = window.name if window else ""
            self.window_code = window.code if window else ""
            self.office_name = window.office_name if window else ""


def staff_home() -> rx.Component:
    return page(
        guarded(
            StaffHomeState,
            whoami(StaffHomeState),
            rx.card(
                rx.cond(
                    StaffHomeState.window_code != "",
                    rx.vstack(
                        rx.text(t("staff.my_window"), size="2", color_scheme="gray"),
                        rx.heading(StaffHomeState.window_name, size="5", id="staff-window-name"),
                        rx.text(StaffHomeState.office_name, size="2"),
                        rx.badge(StaffHomeState.window_code, size="2", variant="outline"),
                        spacing="1", align="start",
                    ),
                    rx.text(t("staff.no_window")),
                ),
                width="100%",
            ),
        ),
        title_key="staff.home_title",
    )
