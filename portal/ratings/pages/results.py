"""/results: published monthly satisfaction ranking per window and per office (public, counted ratings only)."""

from __future__ import annotations

import asyncio
from typing import TypedDict

import reflex as rx
from portal.shell.i18n import t
from portal.shell.layout import page
from portal.kernel.workdays import recent_months
from portal.ratings.components import OfficeRankView, RankView, office_rank_views, rank_views
from portal.ratings import queries
from portal.shell.args import checked


class Choice(TypedDict):
    value: str
    label: str


class ResultsState(rx.State):
    regions: list[Choice] = []
    region_code: str = ""
    months: list[str] = []
    month: str = ""
    windows: list[RankView] = []
    offices: list[OfficeRankView] = []

    @rx.event
    async def load(self):
        # A published ranking is of a completed month; the running month is for officers (their ratings page).
        self.months = recent_months(13)[1:]
        self.month = self.month if self.month in self.months else self.months[0]
        regions = await asyncio.to_thread(queries.published_regions)
        self.regions = [Choice(value=r.code, label="　" * r.depth + r.name) for r in regions]
        if self.region_code not in [c["value"] for c in self.regions]:
            self.region_code = self.regions[0]["value"] if self.regions else ""
        await self._refresh()

    async def _refresh(self) -> None:
        # Off the event loop, and cached per (region, month) in `queries`: anyone may ask, as often as they like.
        ranking = await asyncio.to_thread(queries.published_ranking, self.region_code, self.month)
        if ranking is None:
            self.windows, self.offices = [], []
            return
        self.windows = rank_views(list(ranking.windows))
        self.offices = office_rank_views(list(ranking.offices))

    @rx.event
    @checked
    async def set_region(self, code: str):
        self.region_code = str(code)[:20]
        await self._refresh()

    @rx.event
    @checked
    async def set_month(self, month: str):
        self.month = month if month in self.months else self.month
        await self._refresh()


def _window_row(r: RankView) -> rx.Component:
    return rx.el.tr(rx.el.td(r["rank"]), rx.el.td(r["name"], rx.el.br(), rx.el.small(r["code"])),
                    rx.el.td(r["count"]), rx.el.td(r["satisfaction"]), class_name="result-row")


def _office_row(o: OfficeRankView) -> rx.Component:
    return rx.el.tr(rx.el.td(o["rank"]), rx.el.td(o["office"]), rx.el.td(o["count"]), rx.el.td(o["satisfaction"]))


def _table(head: list[str], body) -> rx.Component:
    return rx.el.table(rx.el.thead(rx.el.tr(*[rx.el.th(t(k)) for k in head])), rx.el.tbody(body),
                       class_name="results-table")


def results_page(*sections: rx.Component) -> rx.Component:
    """The rankings, then the sections other domains publish here (each self-contained, with its own state); the app
    layer passes them in, so this page imports no other domain's UI."""
    s = ResultsState
    return page(
        rx.text(t("results.intro"), size="2", color_scheme="gray"),
        rx.hstack(
            rx.el.select(rx.foreach(s.regions, lambda c: rx.el.option(c["label"], value=c["value"])),
                         value=s.region_code, on_change=s.set_region, class_name="plain-select",
                         aria_label="region", id="results-region"),
            rx.el.select(rx.foreach(s.months, lambda m: rx.el.option(m, value=m)), value=s.month,
                         on_change=s.set_month, class_name="plain-select", aria_label="month", id="results-month"),
            spacing="2", wrap="wrap", width="100%", margin_y="12px",
        ),
        rx.heading(t("results.windows"), size="5", as_="h2"),
        rx.cond(s.windows.length() > 0,
                _table(["results.rank", "results.window", "dash.count", "dash.satisfaction"],
                       rx.foreach(s.windows, _window_row)),
                rx.text(t("results.none"), color_scheme="gray")),
        rx.heading(t("results.offices"), size="5", as_="h2", margin_top="16px"),
        rx.cond(s.offices.length() > 0,
                _table(["results.rank", "results.office", "dash.count", "dash.satisfaction"],
                       rx.foreach(s.offices, _office_row)),
                rx.text(t("results.none"), color_scheme="gray")),
        *sections,
        title_key="results.title",
    )
