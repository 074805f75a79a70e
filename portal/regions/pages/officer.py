"""Officer home and the region overview, both scoped to the officer's grants; the rows come from
`regions.queries` (the page holds no session)."""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from portal.kernel import routes
from portal.shell.account import guarded, whoami
from portal.shell.calendar_warning import calendar_gap_warning
from portal.shell.i18n import t, t_var
from portal.shell.layout import TAP, nav_card, page
from portal.kernel.permissions import Role
from portal.regions import queries
from portal.shell.session import SignedInState

LEVEL_KEYS = [f"level.{level}" for level in queries.LEVELS]


class RegionRow(TypedDict):
    code: str
    name: str
    level_key: str
    href: str


class WindowRow(TypedDict):
    code: str
    name: str
    office: str
    active: bool


def _row(region: queries.RegionLine) -> RegionRow:
    return RegionRow(code=region.code, name=region.name, level_key=f"level.{region.level}",
                     href=routes.officer_region(region.code))


class OfficerHomeState(SignedInState):
    scope: list[RegionRow] = []

    @rx.event
    def load(self):
        actor = self._open_page(Role.OFFICER)
        if actor is None:
            return self._refused()
        self.scope = [_row(r) for r in queries.open_officer_regions(actor)]


class OfficerRegionState(SignedInState):
    region: RegionRow = RegionRow(code="", name="", level_key="level.province", href="")
    trail: list[RegionRow] = []
    subregions: list[RegionRow] = []
    windows: list[WindowRow] = []
    missing: bool = False

    @rx.event
    def load(self):
        """The region comes from the URL, so the region check runs here on the server, not in the page."""
        code = str(self.router.url.query_parameters.get("code") or self.router._page.params.get("code", ""))[:20]
        self.subregions, self.windows, self.trail, self.missing = [], [], [], False
        # An unknown code is checked like a region nobody holds: no hint of what exists elsewhere.
        actor = self._open_page(Role.OFFICER, queries.region_path(code) or "/nonexistent/")
        if actor is None:
            return self._refused()
        found = queries.open_overview(actor, code)
        self.region = _row(found.region)
        self.trail = [_row(r) for r in found.trail]
        self.subregions = [_row(r) for r in found.subregions]
        self.windows = [WindowRow(code=w.code, name=w.name, office=w.office, active=w.active) for w in found.windows]


def _region_link(row: RegionRow) -> rx.Component:
    return rx.link(
        rx.card(rx.hstack(rx.text(row["name"], weight="medium"), rx.spacer(),
                          rx.badge(t_var(row["level_key"], LEVEL_KEYS)), align="center", width="100%"),
                width="100%", min_height=TAP),
        href=row["href"], underline="none", width="100%",
    )


def officer_home(*top: rx.Component) -> rx.Component:
    """`top`: cards the app puts first (the workbench's to-do and search, which the shell may not import). At a desk
    the signed-in officer and their regions sit in the side column, the way to each job in two columns beside it."""
    side = rx.el.aside(
        whoami(OfficerHomeState),
        rx.heading(t("officer.regions"), size="4", as_="h2"),
        rx.vstack(rx.foreach(OfficerHomeState.scope, _region_link), width="100%", id="officer-scope"),
        class_name="desk-side",
    )
    main = rx.el.div(
        calendar_gap_warning(),
        rx.el.div(
            *top,
            nav_card("officer_apps.title", "officer_apps.link_desc", routes.OFFICER_APPLICATIONS, "file-text",
                     "go-officer-applications"),
            nav_card("publicity.title", "publicity.link_desc", routes.OFFICER_PUBLICITY, "list-checks",
                     "go-officer-publicity"),
            nav_card("roster.officer_title", "roster.officer_link_desc", routes.OFFICER_ROSTER, "users",
                     "go-officer-roster"),
            nav_card("report.officer_link", "report.officer_link_desc", routes.OFFICER_REPORTS, "megaphone",
                     "go-officer-reports"),
            nav_card("officer.ratings_link", "officer.ratings_title", routes.OFFICER_RATINGS, "star", "go-ratings"),
            nav_card("verify.findings_title", "verify.findings_link_desc", routes.OFFICER_FINDINGS, "scan-search",
                     "go-findings"),
            nav_card("annual.title", "annual.link_desc", routes.OFFICER_ANNUAL_REPORTS, "book-open-text",
                     "go-annual-reports"),
            nav_card("reporting.desk_title", "reporting.desk_link", routes.OFFICER_REWARD_POOL, "hand-coins",
                     "go-reward-pool"),
            class_name="desk-cards",
        ),
        class_name="desk-main",
    )
    return page(
        guarded(OfficerHomeState, rx.el.div(side, main, class_name="desk-grid")),
        title_key="officer.home_title", desk=True, tables=True,
    )


def _region_row(row: RegionRow) -> rx.Component:
    return rx.el.tr(rx.el.td(rx.link(row["name"], href=row["href"])),
                    rx.el.td(t_var(row["level_key"], LEVEL_KEYS)))


def _window_row(w: WindowRow) -> rx.Component:
    return rx.el.tr(rx.el.td(rx.badge(w["code"], variant="outline"), class_name="nowrap"), rx.el.td(w["name"]),
                    rx.el.td(w["office"]),
                    rx.el.td(rx.cond(w["active"], rx.badge(t("officer.window_open"), color_scheme="green"),
                                     rx.badge(t("officer.window_closed"), color_scheme="gray"))))


def officer_region() -> rx.Component:
    s = OfficerRegionState
    side = rx.el.aside(
        rx.hstack(rx.foreach(s.trail, lambda r: rx.link(r["name"], href=r["href"], size="2", min_height=TAP,
                                                       display="flex", align_items="center", padding_x="4px")),
                  spacing="1", wrap="wrap", id="region-trail"),
        rx.heading(s.region["name"], size="6", id="region-name"),
        rx.badge(t_var(s.region["level_key"], LEVEL_KEYS), size="2", width="fit-content"),
        class_name="desk-side",
    )
    main = rx.el.div(
        rx.cond(s.subregions.length() > 0, rx.el.div(
            rx.heading(t("officer.subregions"), size="4", as_="h2"),
            rx.el.table(rx.el.thead(rx.el.tr(rx.el.th(t("officer.h_region")), rx.el.th(t("officer.h_level")))),
                        rx.el.tbody(rx.foreach(s.subregions, _region_row)), class_name="desk-table",
                        id="region-subregions"),
            class_name="desk-main")),
        rx.heading(t("officer.windows"), size="4", as_="h2"),
        rx.cond(
            s.windows.length() > 0,
            rx.el.table(rx.el.thead(rx.el.tr(rx.el.th(t("officer.h_window_code")), rx.el.th(t("officer.h_window")),
                                             rx.el.th(t("officer.h_office")), rx.el.th(t("officer.h_window_state")))),
                        rx.el.tbody(rx.foreach(s.windows, _window_row)), class_name="desk-table",
                        id="region-windows"),
            rx.text(t("officer.no_windows"), color_scheme="gray"),
        ),
        class_name="desk-main",
    )
    return page(
        guarded(s, rx.el.div(side, main, class_name="desk-grid")),
        title_key="officer.region_title", desk=True, tables=True,
    )
