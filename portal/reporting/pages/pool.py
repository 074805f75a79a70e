"""The reward pool (以奖代补) on /results: each published allocation with the score behind every share, term by
term (measure, points, weight, contribution), and the document the weights came from."""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from portal.kernel.money import yuan
from portal.reporting import queries, rules
from portal.reporting.components import ShareRow, TermRow, term_rows
from portal.shell.i18n import t, t_fmt, t_var

TERM_KEYS = [f"reporting.term.{k}" for k in rules.TERMS]




class PoolRow(TypedDict):
    id: str
    year: str
    total: str
    floor: str
    document: str
    shares: list[ShareRow]


class RewardPoolState(rx.State):
    pools: list[PoolRow] = []

    @rx.event
    def load(self):
        self.pools = [PoolRow(
            id=str(p.id), year=str(p.year), total=yuan(p.pool_fen), floor=rules.shown_points(p.floor_milli),
            document=p.weights_document,
            shares=[ShareRow(key=f"{p.id}-{s.code}", name=s.name, score=rules.shown_points(s.score_milli),
                             share="¥" + yuan(s.share_fen),
                             terms=term_rows(s.terms))
                    for s in p.shares]) for p in queries.published()]


def _term(x: TermRow) -> rx.Component:
    return rx.el.tr(rx.el.td(t_var(x["key"], TERM_KEYS)), rx.el.td(x["measure"]),
                    rx.el.td(x["points"], " × ", x["weight"]), rx.el.td(x["contribution"]))


def _share(s: ShareRow) -> rx.Component:
    return rx.el.li(
        rx.hstack(rx.text(s["name"], weight="medium"), rx.spacer(), rx.text(s["share"], weight="bold"),
                  width="100%"),
        rx.el.details(
            rx.el.summary(t_fmt("reporting.score_line", score=s["score"]), class_name="action-summary"),
            rx.box(rx.el.table(
                rx.el.thead(rx.el.tr(*[rx.el.th(t(k)) for k in (
                    "reporting.col.term", "reporting.col.measure", "reporting.col.points",
                    "reporting.col.contribution")])),
                rx.el.tbody(rx.foreach(s["terms"], _term)), class_name="results-table"), class_name="table-scroll"),
        ),
        class_name="figure-card", id="share-" + s["key"],
    )


def _pool(p: PoolRow) -> rx.Component:
    return rx.vstack(
        rx.text(t_fmt("reporting.pool_line", year=p["year"], total=p["total"], floor=p["floor"]), weight="medium"),
        rx.text(t_fmt("reporting.pool_rule", document=p["document"]), size="1", color_scheme="gray"),
        rx.el.ul(rx.foreach(p["shares"], _share), class_name="figure-list"),
        spacing="2", width="100%", align="start", id="pool-" + p["id"],
    )


def reward_pools() -> rx.Component:
    s = RewardPoolState
    return rx.el.section(
        rx.heading(t("reporting.pool_heading"), size="5", as_="h2", margin_top="24px"),
        rx.cond(s.pools.length() > 0, rx.vstack(rx.foreach(s.pools, _pool), width="100%", spacing="4"),
                rx.text(t("reporting.pool_none"), color_scheme="gray")),
        id="reward-pools", on_mount=s.load,
    )
