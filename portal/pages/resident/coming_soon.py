"""Resident services whose online version is not open yet: say so plainly and point to the window."""

from __future__ import annotations

import reflex as rx

from portal import routes
from portal.components.i18n import t
from portal.components.layout import TAP, page


def coming_soon(title_key: str):
    def render() -> rx.Component:
        return page(
            rx.callout(t("app.coming_soon_body"), icon="construction", color_scheme="amber", id="coming-soon"),
            rx.link(t("app.back_home"), href=routes.HOME, size="3", min_height=TAP, display="flex",
                    align_items="center", margin_top="12px"),
            title_key=title_key,
        )

    render.__name__ = f"coming_soon_{title_key.replace('.', '_')}"
    return render
