"""The public money figures on /results: per county and month, households and people paid, the total and the average
per person against the local standard, a chart of the monthly totals with the numbers beside it, and the year's
reporting rewards. Nothing identifies a household; a county-month of fewer than 5 households says it is withheld."""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from portal.kernel.money import yuan
from portal.payments import queries
from portal.shell.args import checked
from portal.shell.i18n import t, t_fmt


class FigureRow(TypedDict):
    key: str
    county: str
    period: str
    suppressed: bool
    households: str
    people: str
    total: str
    per_person: str
    urban: str
    rural: str


class MonthBar(TypedDict):
    period: str
    yuan: int


class MoneyFiguresState(rx.State):
    years: list[str] = []
    year: str = ""
    rows: list[FigureRow] = []
    chart: list[MonthBar] = []
    shown_households: str = ""
    shown_total: str = ""
    suppressed_rows: int = 0
    rewards_count: str = ""
    rewards_total: str = ""
    rewards_suppressed: bool = False

    @rx.event
    def load(self):
        self._show(int(self.year) if self.year.isdigit() else None)

    @rx.event
    @checked
    def set_year(self, year: str):
        year = str(year)[:4]
        self._show(int(year) if year in self.years else None)

    def _show(self, year: int | None) -> None:
        years, figures = queries.public_view(year)
        self.years = [str(y) for y in years]
        if figures is None:
            self.year, self.rows, self.chart = "", [], []
            return
        self.year = str(figures.year)
        dash = "—"
        self.rows = [FigureRow(
            key=f"{r.county_code}-{r.period}", county=r.county_name, period=r.period, suppressed=r.suppressed,
            households=f"{r.households:,}", people=f"{r.people:,}", total=yuan(r.total_fen),
            per_person=yuan(r.per_person_fen),
            urban=yuan(r.standard_urban_fen) if r.standard_urban_fen is not None else dash,
            rural=yuan(r.standard_rural_fen) if r.standard_rural_fen is not None else dash) for r in figures.rows]
        months: dict[str, int] = {}
        for r in figures.rows:
            if not r.suppressed:
                months[r.period] = months.get(r.period, 0) + r.total_fen
        self.chart = [MonthBar(period=p[5:], yuan=fen // 100) for p, fen in sorted(months.items())]
        self.shown_households = f"{figures.shown_households:,}"
        self.shown_total = yuan(figures.shown_total_fen)
        self.suppressed_rows = figures.suppressed_rows
        self.rewards_count = f"{figures.rewards_count:,}"
        self.rewards_total = yuan(figures.rewards_total_fen)
        self.rewards_suppressed = figures.rewards_suppressed


def _figure(row: FigureRow) -> rx.Component:
    return rx.el.li(
        rx.hstack(rx.text(row["county"], weight="medium"), rx.text(row["period"], color_scheme="gray"),
                  justify="between", width="100%"),
        rx.cond(
            row["suppressed"],
            rx.text(t("payments.fig.suppressed"), size="2", color_scheme="gray"),
            rx.el.dl(
                rx.el.dt(t("payments.fig.households")), rx.el.dd(row["households"]),
                rx.el.dt(t("payments.fig.people")), rx.el.dd(row["people"]),
                rx.el.dt(t("payments.fig.total")), rx.el.dd("¥", row["total"]),
                rx.el.dt(t("payments.fig.per_person")), rx.el.dd("¥", row["per_person"]),
                rx.el.dt(t("payments.fig.standard")), rx.el.dd("¥", row["urban"], " / ¥", row["rural"]),
                class_name="figure-grid"),
        ),
        class_name="figure-card", id="fig-" + row["key"],
    )


def money_figures() -> rx.Component:
    s = MoneyFiguresState
    return rx.el.section(
        rx.heading(t("payments.fig.heading"), size="5", as_="h2", margin_top="24px"),
        rx.text(t("payments.fig.intro"), size="2", color_scheme="gray"),
        rx.cond(
            s.years.length() > 0,
            rx.vstack(
                rx.el.select(rx.foreach(s.years, lambda y: rx.el.option(y, value=y)), value=s.year,
                             on_change=s.set_year, class_name="plain-select", aria_label="year", id="money-year"),
                rx.text(t_fmt("payments.fig.year_total", households=s.shown_households, total=s.shown_total),
                        weight="medium", id="money-total"),
                rx.cond(s.suppressed_rows > 0,
                        rx.text(t_fmt("payments.fig.withheld", n=s.suppressed_rows.to_string()), size="1",
                                color_scheme="gray")),
                rx.text(t("payments.fig.chart"), size="2"),
                rx.box(
                    rx.recharts.bar_chart(
                        rx.recharts.bar(data_key="yuan", fill="#c2410c", is_animation_active=False),
                        rx.recharts.x_axis(data_key="period"),
                        rx.recharts.y_axis(width=72),
                        data=s.chart, width="100%", height=200,
                    ),
                    width="100%", aria_hidden="true",
                ),
                rx.el.ul(rx.foreach(s.rows, _figure), class_name="figure-list", id="money-figures"),
                rx.heading(t("payments.fig.rewards"), size="4", as_="h3", margin_top="12px"),
                rx.cond(s.rewards_suppressed,
                        rx.text(t("payments.fig.rewards_withheld"), size="2", color_scheme="gray"),
                        rx.text(t_fmt("payments.fig.rewards_line", n=s.rewards_count, total=s.rewards_total),
                                size="2", id="money-rewards")),
                spacing="2", width="100%", align="start",
            ),
            rx.text(t("payments.fig.none"), color_scheme="gray"),
        ),
        id="money-figures-section", on_mount=s.load,
    )
