"""Page shell: header with language and text-size toggles, a single readable column, footer."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.core.banner import has_connection_errors

from portal.kernel.settings import get_settings
from portal.shell.i18n import t, t_fmt
from portal.shell.ui import UIState

TAP = "44px"  # minimum tap target (WCAG 2.5.5 / mobile guidelines)
# a native select as wide as the form, with a tap-sized target
SELECT_STYLE = {"min_height": TAP, "width": "100%", "padding": "8px 10px", "border": "1px solid var(--gray-8)",
                "border_radius": "6px", "background": "var(--color-panel-solid)", "box_sizing": "border-box"}


def header(width: str = "760px") -> rx.Component:
    return rx.el.header(
        rx.hstack(
            rx.link(
                rx.hstack(
                    rx.box(class_name="brand-sun"),
                    rx.text(t("app.name"), weight="bold", size="5", color="white"),
                    align="center", spacing="2",
                ),
                href="/", underline="none", min_height=TAP, display="flex", align_items="center",
                aria_label=t("app.home_label"),
            ),
            rx.spacer(),
            rx.button(
                rx.cond(UIState.large_text == "1", t("app.large_text_off"), t("app.large_text_on")),
                on_click=UIState.toggle_large_text, variant="soft", color_scheme="gray", min_height=TAP,
                id="toggle-large-text", aria_pressed=rx.cond(UIState.large_text == "1", "true", "false"),
            ),
            rx.button(
                t("app.lang_toggle"), on_click=UIState.toggle_lang, variant="soft", color_scheme="gray",
                min_height=TAP, id="toggle-lang", aria_label=t("app.lang_toggle_label"),
            ),
            align="center", spacing="2", width="100%", max_width=width, margin="0 auto", padding="8px 12px",
        ),
        class_name="site-header",
    )


HOTLINE = "12345"  # the general government service line (政务服务便民热线)


def footer(width: str = "760px") -> rx.Component:
    # The province's 低保 complaint line (PORTAL_COMPLAINT_LINE), read when the pages are built: it is deployment.
    number, tel = get_settings().complaint_line, get_settings().complaint_tel
    return rx.el.footer(
        rx.vstack(
            rx.text(t("app.footer"), size="2", color_scheme="gray"),
            rx.el.a(t("app.hotline"), href=f"tel:{HOTLINE}", class_name="tel-link", id="footer-hotline"),
            *([rx.el.a(t("app.complaint_line"), " ", number, href=tel, class_name="tel-link",
                       id="footer-complaint-line")] if tel else []),
            spacing="1", max_width=width, margin="0 auto", padding="16px",
        ),
    )


def net_banner() -> rx.Component:
    """"网络不好，正在重试" while the websocket is down (Reflex's connection errors) or the phone reports itself
    offline (a class set by the inline script in portal.py); gone when it is back. Chinese first, in the HTML."""
    return rx.el.div(
        rx.icon("wifi-off", size=18), rx.el.span(t("app.offline")),
        class_name=rx.cond(has_connection_errors, "net-banner on", "net-banner"), role="status",
        aria_live="polite", id="net-banner",
    )


# The browser's own offline/online events show the banner at once (the websocket may take a while to notice).
NET_SCRIPT = ("(function(){var h=document.documentElement;h.classList.add('js');function s(){h.classList.toggle('sd-offline',"
              "navigator.onLine===false)}addEventListener('offline',s);addEventListener('online',s);s()})();")


def noscript() -> rx.Component:
    """With JavaScript off, the page says what still works and whom to call (prerendered into the HTML)."""
    return rx.el.noscript(rx.el.div(
        rx.el.strong(t("app.noscript_title")), rx.el.p(t("app.noscript_body")),
        rx.el.a(t("app.hotline_label"), " ", HOTLINE, href=f"tel:{HOTLINE}", class_name="tel-link"),
        class_name="noscript-box"))


def loading_state() -> rx.Component:
    """Shown in the HTML until the page's state has arrived: no blank page while the scripts load on 3G."""
    return rx.cond(~rx.State.is_hydrated, rx.el.div(
        rx.el.span(class_name="page-loading-dot"), t("app.loading"), class_name="page-loading", role="status",
        id="page-loading"))


PHONE_WIDTH = "760px"
DESK_WIDTH = "1400px"
# A 1920 px screen less its scroll bar and a margin: officers' lists (queue, inbox, registers, audit) get the
# columns they need instead of wrapping every cell, while forms and cards stay at DESK_WIDTH to keep lines readable.
TABLE_WIDTH = "1860px"


def page(*children: rx.Component, title_key: str | None = None, wide: bool = False, desk: bool = False,
         tables: bool = False) -> rx.Component:
    """Every page goes through here: one column, 390 px first, comfortable up to desktop. `wide`: pages that use a
    desktop's width (side-by-side tables, the monitoring board) and still fold to one column on a phone; `desk`: an
    officer's working page, wide, with the desk styles (tables, a side column for filters and forms, print);
    `tables`: a wide page whose work is a table, which may fill a wide desktop screen (TABLE_WIDTH)."""
    body = [rx.heading(t(title_key), size="7", as_="h1", margin_bottom="12px")] if title_key else []
    width = TABLE_WIDTH if tables else DESK_WIDTH if wide or desk else PHONE_WIDTH
    return rx.box(
        header(width),
        noscript(),
        rx.el.main(
            loading_state(), *body, *children,
            width="100%", max_width=width, margin="0 auto", padding="16px",
            class_name="desk" if desk else "",
        ),
        footer(width),
        # Marker for tests and assistive tooling: true once the websocket has hydrated the page state.
        rx.el.div(id="hydrated", data_hydrated=rx.State.is_hydrated.to_string(), display="none"),
        class_name=rx.cond(UIState.large_text == "1", "portal large-text", "portal"),
        lang=rx.cond(UIState.lang == "en", "en", "zh-CN"),
        min_height="100vh",
    )


def nav_card(title_key: str, desc_key: str, href: str, icon: str, card_id: str) -> rx.Component:
    return rx.link(
        rx.card(
            rx.hstack(
                rx.icon(icon, size=28, color=rx.color("red", 9)),
                rx.vstack(
                    rx.text(t(title_key), weight="bold", size="4"),
                    rx.text(t(desc_key), size="2", color_scheme="gray"),
                    spacing="1", align="start",
                ),
                rx.spacer(),
                rx.icon("chevron-right", size=20, color=rx.color("gray", 9)),
                align="center", spacing="3", width="100%",
            ),
            width="100%", min_height="64px",
        ),
        href=href, underline="none", width="100%", id=card_id,
    )


def notice(key_or_var, tone: str = "red", box_id: str = "notice") -> rx.Component:
    return rx.callout(key_or_var, icon="info", color_scheme=tone, role="alert", id=box_id, width="100%")


def pager(page_no, has_next, on_prev, on_next, id_prefix: str) -> rx.Component:
    """Previous / "page n" / next for lists read a page at a time (ids: <prefix>-prev, -page-no, -next)."""
    return rx.hstack(
        rx.button(t("roster.prev"), on_click=on_prev, disabled=page_no <= 1, variant="soft", min_height=TAP,
                  id=f"{id_prefix}-prev"),
        rx.spacer(),
        rx.text(t_fmt("roster.page", n=page_no), size="2", id=f"{id_prefix}-page-no"),
        rx.spacer(),
        rx.button(t("roster.next"), on_click=on_next, disabled=~has_next, variant="soft", min_height=TAP,
                  id=f"{id_prefix}-next"),
        align="center", width="100%",
    )
