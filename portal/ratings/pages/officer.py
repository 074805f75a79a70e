"""Officer view of window ratings (窗口评价管理): ranking, bad-review follow-ups, bursts — for the officer's region."""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from portal.shell.account import guarded
from portal.shell.format import percent
from portal.shell.i18n import t, t_fmt, t_var
from portal.shell.layout import TAP, page
from portal.kernel.settings import get_settings
from portal.ratings.poster_links import poster_address, region_poster_link
from portal.ratings.components import (CHART_MAX, CaseView, OfficeRankView, RankBar, RankView, case_card, case_view,
                                       office_rank_views, rank_bars, rank_views, ranking_chart)
from portal.kernel import routes
from portal.kernel.permissions import Role
from portal.ratings import queries
from portal.ratings import services as wf
from portal.regions import queries as places
from portal.kernel.workdays import recent_months
from portal.shell.session import SignedInState
from portal.shell.args import checked, row_id
from portal.shell.once import show_once

CHART_LIMIT = rx.Var.create(str(CHART_MAX))  # for {n}
ERRORS = ["followup.answer_required", "followup.reason_required", "followup.text_too_long", "followup.wrong_state",
          "auth.forbidden"]


class Choice(TypedDict):
    value: str
    label: str


class BurstView(TypedDict):
    id: int
    window: str
    opened: str
    held: int


class TrendView(TypedDict):
    month: str
    tick: str  # "26-09": twelve of them fit under the chart
    rate: float | None  # percent; None below the minimum count, so the chart leaves a gap instead of a false 0
    label: str  # "92.3%" or "—"
    count: int


class OfficerRatingsState(SignedInState):
    scopes: list[Choice] = []
    poster_base: str = ""  # the address every window's QR code starts with
    poster_refused: bool = False
    region_code: str = ""
    months: list[str] = []
    month: str = ""
    ranking: list[RankView] = []
    offices: list[OfficeRankView] = []
    rank_kind: str = "window"  # the ranking shown, table and chart: "window" or "office"
    bars: list[RankBar] = []  # the chart of the ranking shown
    bars_cut: bool = False  # more ranked lines than the chart draws
    cases: list[CaseView] = []
    bursts: list[BurstView] = []
    # Satisfaction by month (the last 12) for one window or office picked below the ranking: "w:<code>" / "o:<name>".
    trend_choices: list[Choice] = []
    trend_pick: str = ""
    trend: list[TrendView] = []
    error_key: str = ""
    notice: bool = False

    @rx.event
    def load(self):
        actor = self._open_page(Role.OFFICER)
        if actor is None:
            return self._refused()
        settings = get_settings()
        self.poster_base, self.poster_refused = settings.public_base_url + "/r/…", settings.poster_url_refused
        self.scopes = [Choice(value=g.region_code, label=g.region_name) for g in actor.grants if g.role == Role.OFFICER]
        self.months = recent_months()
        self.month = self.month if self.month in self.months else self.months[0]
        if self.region_code not in [c["value"] for c in self.scopes]:
            self.region_code = self.scopes[0]["value"] if self.scopes else ""
        self._refresh()

    def _refresh(self) -> None:
        path = places.region_path(self.region_code)
        actor = self._guard(Role.OFFICER, path or "/none/")
        if actor is None or path is None:
            self.ranking, self.offices, self.bars, self.cases, self.bursts = [], [], [], [], []
            return
        desk = queries.open_officer_desk(actor, path, self.month, self.months, self.trend_pick)
        self.ranking = rank_views(desk.ranking)
        self.offices = office_rank_views(desk.offices)
        shown = desk.ranking if self.rank_kind == "window" else desk.offices
        self.bars = rank_bars(shown)
        self.bars_cut = sum(1 for r in shown if r.rank is not None) > CHART_MAX
        self.trend_choices = [Choice(value=c.value, label=c.label) for c in desk.trend_choices]
        self.trend_pick = desk.trend_pick
        self.trend = [TrendView(month=p.month, tick=p.month[2:], rate=round(100 * p.satisfaction_rate, 1)
                                if p.satisfaction_rate is not None else None,
                                label=percent(p.satisfaction_rate) if p.satisfaction_rate is not None else "—",
                                count=p.count) for p in desk.trend]
        self.cases = [case_view(c) for c in desk.cases]
        self.bursts = [BurstView(id=i, window=f"{code} {name}", opened=opened.isoformat(timespec="minutes"),
                                 held=held) for i, code, name, opened, held in desk.bursts]

    @rx.event
    @checked
    def set_trend(self, value: str):
        if str(value) in [c["value"] for c in self.trend_choices]:
            self.trend_pick = str(value)
            self._refresh()

    @rx.event
    @checked
    def set_rank_kind(self, kind: str):
        self.rank_kind = kind if kind in ("window", "office") else self.rank_kind
        self._refresh()

    @rx.event
    @checked
    def set_region(self, code: str):
        self.region_code = str(code)[:20]
        self._refresh()

    @rx.event
    @checked
    def set_month(self, month: str):
        self.month = month if month in self.months else self.month
        self._refresh()

    def _act(self, fn, *args) -> None:
        actor, key = self._perform(Role.OFFICER, fn, *args)
        if actor is None:
            return
        self.error_key, self.notice = key, not key
        if not key:
            self._refresh()

    @rx.event
    @checked
    def callback(self, case_id: int):
        self._act(wf.record_callback, row_id(case_id))

    @rx.event
    @checked
    def show_phone(self, case_id: int):
        found: list[str] = []
        try:
            number = int(case_id)
        except (TypeError, ValueError):
            number = 0
        actor, key = self._perform(Role.OFFICER, lambda session, who: found.append(wf.case_phone(session, who, number)))
        if actor is None or key:
            self.error_key, self.notice = key or "auth.forbidden", False
            return None
        return show_once(f"case-phone-{number}", found[0])

    @rx.event
    @checked
    def close(self, form: dict):
        self._act(wf.close_case, int(form.get("case_id", 0)), str(form.get("text", "")))

    @rx.event
    @checked
    def decide(self, form: dict):
        self._act(wf.decide_appeal, int(form.get("case_id", 0)), form.get("decision") == "upheld",
                  str(form.get("text", "")))

    @rx.event
    @checked
    def decide_burst(self, form: dict):
        self._act(wf.decide_burst, int(form.get("flag_id", 0)), form.get("decision") == "confirmed",
                  str(form.get("text", "")))


def _rank_row(r: RankView) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.text(r["rank"], weight="bold"), class_name="num"),
        rx.el.td(r["name"], rx.cond(r["talk_flag"], rx.badge(t("officer.talk_flag"), color_scheme="red",
                                                             variant="solid", class_name="talk-flag",
                                                             margin_left="6px"))),
        rx.el.td(rx.badge(r["code"], variant="outline"), class_name="nowrap"),
        rx.el.td(r["count"], class_name="num"),
        rx.el.td(r["satisfaction"], class_name="num"),
        rx.el.td(r["bad_rate"], class_name="num"),
        class_name="rank-row")


def _burst(b: BurstView) -> rx.Component:
    s = OfficerRatingsState
    return rx.card(rx.form(rx.vstack(
        rx.text(b["window"], weight="medium"),
        rx.text(b["opened"], " · ", b["held"], " ", t("officer.burst_held"), size="2"),
        rx.el.input(type="hidden", name="flag_id", value=b["id"].to_string()),
        rx.el.select(rx.el.option(t("officer.burst_clear"), value="cleared"),
                     rx.el.option(t("officer.burst_confirm"), value="confirmed"), name="decision",
                     class_name="plain-select"),
        rx.text(t("officer.burst_reason"), size="2"),
        rx.text_area(name="text", rows="2", width="100%", required=True, max_length=1000),
        rx.button(t("case.answer_submit"), type="submit", min_height=TAP),
        width="100%", align="start", spacing="2"), on_submit=s.decide_burst, reset_on_submit=True, width="100%"),
        width="100%", class_name="burst-card")


def _trend_panel() -> rx.Component:
    """Satisfaction by month, drawn by Reflex's recharts components, with the figures in a table beside it."""
    s = OfficerRatingsState
    return rx.card(rx.vstack(
        rx.hstack(rx.heading(t("officer.trend_title"), size="4", as_="h2"), rx.spacer(),
                  rx.el.select(rx.foreach(s.trend_choices, lambda c: rx.el.option(c["label"], value=c["value"])),
                               value=s.trend_pick, on_change=s.set_trend, class_name="plain-select",
                               aria_label=t("officer.trend_pick"), id="trend-pick"),
                  width="100%", align="center", wrap="wrap"),
        rx.text(t("officer.trend_hint"), size="1", color_scheme="gray"),
        rx.flex(
            rx.box(rx.recharts.line_chart(
                rx.recharts.line(data_key="rate", stroke=rx.color("red", 9), stroke_width=2, connect_nulls=False,
                                 is_animation_active=False, name=t("dash.satisfaction")),
                rx.recharts.x_axis(data_key="tick", tick={"fontSize": 12}, interval=0),
                rx.recharts.y_axis(domain=[0, 100], unit="%"),
                rx.recharts.cartesian_grid(stroke_dasharray="3 3"),
                rx.recharts.graphing_tooltip(),
                data=s.trend, height=240, width="100%", margin={"top": 8, "right": 24, "left": 0, "bottom": 0}),
                flex="2", min_width="300px", id="trend-chart"),
            rx.el.table(
                rx.el.thead(rx.el.tr(rx.el.th(t("officer.trend_month")), rx.el.th(t("dash.satisfaction")),
                                     rx.el.th(t("dash.count")))),
                rx.el.tbody(rx.foreach(s.trend, lambda p: rx.el.tr(
                    rx.el.td(p["month"]), rx.el.td(p["label"], class_name="trend-rate"), rx.el.td(p["count"])))),
                class_name="results-table", id="trend-table", style={"flex": "1", "minWidth": "220px"}),
            gap="16px", wrap="wrap", width="100%", align="start"),
        spacing="2", width="100%"), width="100%", id="trend-panel")


def _office_row(o: OfficeRankView) -> rx.Component:
    return rx.el.tr(rx.el.td(rx.text(o["rank"], weight="bold"), class_name="num"), rx.el.td(o["office"]),
                    rx.el.td(o["windows"], class_name="num"), rx.el.td(o["count"], class_name="num"),
                    rx.el.td(o["satisfaction"], class_name="num"), class_name="office-rank-row")


def _ranking_panel() -> rx.Component:
    """The month's ranking by window or by office: the table with every line, and beside it the ranked lines'
    satisfaction as bars (the chart never stands in for the table's numbers)."""
    s = OfficerRatingsState
    windows = rx.el.table(
        rx.el.thead(rx.el.tr(rx.el.th(t("officer.h_rank"), class_name="num"), rx.el.th(t("officer.h_window")),
                             rx.el.th(t("officer.h_window_code")), rx.el.th(t("dash.count"), class_name="num"),
                             rx.el.th(t("dash.satisfaction"), class_name="num"),
                             rx.el.th(t("dash.bad_rate"), class_name="num"))),
        rx.el.tbody(rx.foreach(s.ranking, _rank_row)), class_name="desk-table", id="ranking")
    offices = rx.el.table(
        rx.el.thead(rx.el.tr(rx.el.th(t("officer.h_rank"), class_name="num"), rx.el.th(t("results.office")),
                             rx.el.th(t("results.window_count"), class_name="num"),
                             rx.el.th(t("dash.count"), class_name="num"),
                             rx.el.th(t("dash.satisfaction"), class_name="num"))),
        rx.el.tbody(rx.foreach(s.offices, _office_row)), class_name="desk-table", id="office-ranking")
    return rx.el.section(
        rx.hstack(rx.heading(t("officer.ranking"), size="5", as_="h2"), rx.spacer(),
                  rx.el.select(rx.el.option(t("officer.rank_by_window"), value="window"),
                               rx.el.option(t("officer.rank_by_office"), value="office"),
                               value=s.rank_kind, on_change=s.set_rank_kind, class_name="plain-select",
                               aria_label=t("officer.rank_kind"), id="rank-kind"),
                  width="100%", align="center", wrap="wrap"),
        rx.el.div(
            rx.el.div(rx.cond(s.rank_kind == "window", windows, offices), class_name="ranking-table"),
            rx.el.div(
                rx.heading(t("officer.rank_chart"), size="3", as_="h3"),
                rx.cond(s.bars.length() > 0,
                        rx.cond(s.rank_kind == "window", ranking_chart(s.bars, "ranking-chart"),
                                ranking_chart(s.bars, "ranking-chart", flags=False)),
                        rx.text(t("officer.rank_chart_none"), size="2", color_scheme="gray")),
                rx.text(rx.cond(s.bars_cut, t_fmt("officer.rank_chart_cut", n=CHART_LIMIT),
                                t("officer.rank_chart_note")), size="1", color_scheme="gray"),
                class_name="ranking-chart-box"),
            class_name="ranking-split"),
        id="ranking-panel", class_name="ranking-panel")


def officer_ratings() -> rx.Component:
    """At a desk: the region, the month, the poster address and the downloads in the side column; the trend, the
    ranking table and the cases to answer beside it (cases two by two). One column on a phone."""
    s = OfficerRatingsState
    side = rx.el.aside(
        rx.heading(t("officer_apps.filters"), size="3", as_="h2"),
        rx.el.select(rx.foreach(s.scopes, lambda c: rx.el.option(c["label"], value=c["value"])),
                     value=s.region_code, on_change=s.set_region, class_name="plain-select",
                     aria_label="region", id="ratings-region"),
        rx.el.select(rx.foreach(s.months, lambda m: rx.el.option(m, value=m)), value=s.month,
                     on_change=s.set_month, class_name="plain-select", aria_label="month",
                     id="ratings-month"),
        rx.link(t("officer.export_ranking"), href=routes.api_ranking_export(s.region_code, s.month),
                reload_document=True, id="ranking-export", class_name="tap-link"),
        poster_address(s.poster_base, s.poster_refused),
        rx.cond(~s.poster_refused, region_poster_link(s.region_code)),
        class_name="desk-side",
    )
    main = rx.el.div(
        rx.cond(s.error_key != "", rx.callout(t_var(s.error_key, ERRORS), color_scheme="red", role="alert",
                                              icon="triangle-alert", width="100%", id="officer-error")),
        rx.cond(s.notice, rx.callout(t("case.done"), color_scheme="green", icon="check", width="100%",
                                     id="officer-notice")),
        _trend_panel(),
        _ranking_panel(),
        rx.heading(t("officer.cases"), size="5", as_="h2"),
        rx.cond(s.cases.length() > 0,
                rx.el.div(rx.foreach(s.cases, lambda c: case_card(
                    c, officer_actions=(s.callback, s.close, s.decide, s.show_phone))), class_name="desk-cards",
                    id="officer-cases"),
                rx.text(t("case.none"), color_scheme="gray")),
        rx.cond(s.bursts.length() > 0, rx.vstack(
            rx.heading(t("officer.bursts"), size="5", as_="h2"),
            rx.el.div(rx.foreach(s.bursts, _burst), class_name="desk-cards"), width="100%", id="bursts")),
        class_name="desk-main",
    )
    return page(
        guarded(s, rx.el.div(side, main, class_name="desk-grid")),
        title_key="officer.ratings_title", desk=True, tables=True,
    )
