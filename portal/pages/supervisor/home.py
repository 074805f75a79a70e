"""Volunteer supervisor home (监督员工作台)."""

from __future__ import annotations

import reflex as rx

from portal.components.account import guarded, whoami
from portal.components.i18n import t
from portal.components.layout import page
from portal.models.accounts import Role
from portal.states.session import SignedInState


class SupervisorHomeState(SignedInState):
    @rx.event
    def load(self):
        if self._open_page(Role.SUPERVISOR) is None:
            return self._refused()


def supervisor_home() -> rx.Component:
    return page(
        guarded(SupervisorHomeState, whoami(SupervisorHomeState),
                rx.callout(t("supervisor.intro"), icon="clipboard-check", color_scheme="blue", width="100%")),
        title_key="supervisor.home_title",
    )
