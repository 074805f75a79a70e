"""Home: the resident entry points, no account needed."""

from __future__ import annotations

import reflex as rx

from portal.kernel import routes
from portal.shell.i18n import t
from portal.shell.layout import TAP, nav_card, page
from portal.shell.native_form import native_form


def rate_by_code() -> rx.Component:
    # A real GET navigation: the rating page is served as plain HTML outside the Reflex app (/r?code=… → /r/CODE).
    return rx.card(
        native_form(
            rx.vstack(
                rx.hstack(rx.icon("star", size=28, color=rx.color("red", 9)),
                          rx.vstack(rx.text(t("home.rate"), weight="bold", size="4"),
                                    rx.text(t("home.rate_desc"), size="2", color_scheme="gray"), spacing="1"),
                          spacing="3", align="center"),
                rx.el.label(t("home.rate_code_label"), html_for="rate-code", class_name="rt-Text rt-r-size-2"),
                rx.hstack(
                    rx.input(id="rate-code", name="code", placeholder="HB-SJZ-0001", size="3", min_height=TAP,
                             flex="1", auto_capitalize="characters", max_length=32),
                    rx.button(t("home.rate_go"), type="submit", size="3", min_height=TAP),
                    width="100%", spacing="2",
                ),
                spacing="2", width="100%",
            ),
            action=routes.RATE_ENTRY, method="get", width="100%",
        ),
        width="100%",
    )


def index() -> rx.Component:
    return page(
        rx.vstack(
            rx.text(t("app.tagline"), size="3", weight="medium"),
            rx.text(t("home.intro"), size="2", color_scheme="gray"),
            nav_card("home.eligibility", "home.eligibility_desc", routes.ELIGIBILITY, "circle-help", "go-eligibility"),
            nav_card("home.apply", "home.apply_desc", routes.APPLY, "file-pen-line", "go-apply"),
            nav_card("home.track", "home.track_desc", routes.APPLY_TRACK, "list-checks", "go-track"),
            nav_card("home.roster", "home.roster_desc", routes.ROSTER, "users", "go-roster"),
            nav_card("home.report", "home.report_desc", routes.REPORT, "megaphone", "go-report"),
            nav_card("home.report_track", "home.report_track_desc", routes.REPORT_TRACK, "search", "go-report-track"),
            rate_by_code(),
            nav_card("home.results", "home.results_desc", routes.RESULTS, "trophy", "go-results"),
            nav_card("home.powers", "home.powers_desc", routes.POWERS, "landmark", "go-powers"),
            rx.link(t("home.staff_signin"), href=routes.LOGIN, id="go-login", size="3",
                    min_height=TAP, display="flex", align_items="center", margin_top="8px"),
            spacing="3", width="100%",
        ),
    )
