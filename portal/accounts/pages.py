"""Staff sign-in: a plain form posted to /api/auth/login, so the HttpOnly cookie is set by the server."""

from __future__ import annotations

import re

import reflex as rx

from portal.shell.native_form import native_form
from portal.shell.session import on_hydrate

from portal.kernel import routes
from portal.shell.i18n import t, t_var
from portal.shell.layout import page
from portal.accounts.services import MAX_PASSWORD, MAX_USERNAME

ERROR_KEYS = ["auth.bad_credentials", "auth.account_disabled", "auth.throttled", "auth.malformed",
              "auth.too_large", "auth.expired", "auth.sign_in_required", "auth.forbidden", "auth.bad_origin",
              "heavy.busy"]


@on_hydrate
class LoginState(rx.State):
    error_key: str = ""
    username: str = ""
    retry_at: str = ""  # with auth.throttled: "14:36", when to try again

    def _on_hydrate(self, session, storage: dict) -> None:
        """A failed sign-in's username travels in /login's address and nowhere else: on a shared computer the next
        page load of this tab does not carry it (the sign-in page reads it from the address again)."""
        self.reset()

    @rx.event
    def load(self):
        params = self.router.url.query_parameters
        key = params.get("error", "")
        self.error_key = key if key in ERROR_KEYS else ""
        self.username = params.get("u", "")[:MAX_USERNAME]
        until = params.get("until", "")
        self.retry_at = until if re.fullmatch(r"\d{2}:\d{2}", until) else ""


def login() -> rx.Component:
    return page(
        rx.text(t("login.hint"), size="2", color_scheme="gray", margin_bottom="12px"),
        rx.cond(
            LoginState.error_key != "",
            rx.callout(t_var(LoginState.error_key, ERROR_KEYS, time=LoginState.retry_at), icon="triangle-alert", color_scheme="red",
                       role="alert", id="login-error", margin_bottom="12px"),
        ),
        native_form(
            rx.el.div(
                rx.el.label(t("login.username"), html_for="username"),
                rx.el.input(id="username", name="username", type="text", auto_complete="username", required=True,
                            max_length=MAX_USERNAME, default_value=LoginState.username, key=LoginState.username),
                class_name="form-field",
            ),
            rx.el.div(
                rx.el.label(t("login.password"), html_for="password"),
                rx.el.input(id="password", name="password", type="password", auto_complete="current-password",
                            required=True, max_length=MAX_PASSWORD),
                class_name="form-field",
            ),
            rx.el.button(t("login.submit"), type="submit", class_name="primary-submit", id="login-submit"),
            action=routes.API_LOGIN, method="post",
            style={"display": "flex", "flexDirection": "column", "gap": "16px"},
        ),
        title_key="login.title",
    )
