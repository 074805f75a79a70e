"""Pieces of every signed-in page: who am I, sign out, and the 'not allowed' panel."""

from __future__ import annotations

import reflex as rx

from portal.shell.native_form import native_form

from portal.kernel import routes
from portal.shell.i18n import t, t_var
from portal.shell.layout import TAP
from portal.i18n import MESSAGES
from portal.shell.session import SignedInState

DENIED_KEYS = ["auth.expired", "auth.sign_in_required", "auth.forbidden"]
ROLE_KEYS = [k for k in MESSAGES if k.startswith("role.") and k != "role.scope"]


def signout_button() -> rx.Component:
    return native_form(
        rx.button(t("login.signout"), type="submit", variant="outline", min_height=TAP, id="signout"),
        action=routes.API_LOGOUT, method="post",
    )


def whoami(state: type[SignedInState]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.text(t("login.signed_in_as"), size="2", color_scheme="gray"),
                      rx.text(state.display_name, weight="bold", id="whoami-name"), spacing="2", align="center"),
            rx.hstack(rx.foreach(state.role_keys, lambda k: rx.badge(t_var(k, ROLE_KEYS), size="2")),
                      spacing="2", wrap="wrap"),
            rx.hstack(rx.text(t("role.scope"), size="2", color_scheme="gray"),
                      rx.text(state.scope_names.join(t("app.list_sep")), size="2"), spacing="2", wrap="wrap"),
            signout_button(),
            spacing="2", align="start",
        ),
        width="100%",
    )


def guarded(state: type[SignedInState], *content: rx.Component) -> rx.Component:
    """Show `content` only when the server allowed it; otherwise the reason and a way forward."""
    return rx.cond(
        ~state.ready,
        rx.center(rx.spinner(size="3"), padding="32px"),
        rx.cond(
            state.denied_key != "",
            rx.vstack(
                rx.callout(t_var(state.denied_key, DENIED_KEYS), icon="shield-alert", color_scheme="red",
                           role="alert", id="denied", width="100%"),
                rx.link(t("login.title"), href=routes.LOGIN, size="3", min_height=TAP, display="flex",
                        align_items="center"),
                width="100%",
            ),
            rx.vstack(*content, spacing="4", width="100%"),
        ),
    )
