"""/powers: the power list in plain Chinese (English on a tap), with this month's figures per region.

Public, no account: counts only, never people. Phone first (390 px): one card per power, the figures on top.
"""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from portal.shell.args import checked
from portal.shell.i18n import t, t_fmt
from portal.shell.layout import TAP, page
from portal.shell.ui import UIState
from portal.supervision import queries

LEVEL_KEYS = ["sup.level.province", "sup.level.city", "sup.level.county", "sup.level.township", "sup.level.village"]
SELECT_STYLE = {"min_height": TAP, "width": "100%", "font_size": "16px", "padding": "8px",
                "border": "1px solid var(--gray-7)", "border_radius": "6px", "background": "var(--color-panel)"}


class RegionOption(TypedDict):
    code: str
    name: str


class PowerCard(TypedDict):
    key: str
    name_zh: str
    name_en: str
    grade: str
    level_key: str
    limit: int
    process_zh: str
    process_en: str
    basis: str
    a_post: str
    b_post: str
    control: list[str]
    risk: list[str]
    exercised: int
    pct: int  # -1: nothing with a time limit finished this month
    since: str


class PowersState(rx.State):
    regions: list[RegionOption] = []
    region: str = ""
    powers: list[PowerCard] = []
    loaded: bool = False

    def _fill(self, code: str) -> None:
        choices, chosen, rows = queries.powers_page(code or None)
        self.regions = [RegionOption(code=c.code, name=c.name) for c in choices]
        self.region = chosen
        self.powers = [PowerCard(
            key=r.key, name_zh=r.name_zh, name_en=r.name_en, grade=r.grade, level_key=f"sup.level.{r.office_level}",
            limit=r.time_limit_wd or 0, process_zh=r.process_zh, process_en=r.process_en, basis=r.legal_basis,
            a_post=r.a_post, b_post=r.b_post, control=list(r.control_points), risk=list(r.risk_points), exercised=r.exercised,
            pct=-1 if r.on_time_pct is None else r.on_time_pct, since=r.since) for r in rows]
        self.loaded = True

    @rx.event
    def load(self):
        self._fill(str(self.router.url.query_parameters.get("region") or "")[:20])

    @rx.event
    @checked
    def choose(self, code: str):
        self._fill(str(code or "")[:20])


def _lang(zh, en):
    return rx.cond(UIState.lang == "en", en, zh)


def _card(p: PowerCard) -> rx.Component:
    level = rx.match(p["level_key"], *[(k, t(k)) for k in LEVEL_KEYS], t("sup.level.county"))
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(_lang(p["name_zh"], p["name_en"]), size="4", as_="h2", flex="1"),
                rx.cond(p["grade"] == "A", rx.badge(t_fmt("sup.grade", g=p["grade"]), color_scheme="red", size="2"),
                        rx.badge(t_fmt("sup.grade", g=p["grade"]), color_scheme="gray", size="2")),
                align="start", width="100%", spacing="2",
            ),
            rx.hstack(
                rx.vstack(rx.text(t("sup.this_month"), size="1", color_scheme="gray"),
                          rx.text(t_fmt("sup.times", n=p["exercised"]), size="5", weight="bold",
                                  class_name="power-exercised"),
                          spacing="0", align="start"),
                rx.vstack(
                    rx.text(t("sup.time_limit"), size="1", color_scheme="gray"),
                    rx.text(rx.cond(p["limit"] > 0, t_fmt("sup.time_limit_wd", n=p["limit"]), t("sup.no_limit")),
                            size="3", weight="medium"),
                    rx.cond(p["pct"] >= 0,
                            rx.text(t_fmt("sup.on_time", p=p["pct"]), size="2", class_name="power-on-time",
                                    color=rx.cond(p["pct"] >= 90, rx.color("green", 11), rx.color("orange", 11))),
                            rx.cond(p["limit"] > 0, rx.text(t("sup.on_time_none"), size="1", color_scheme="gray"))),
                    spacing="0", align="start"),
                spacing="5", width="100%", wrap="wrap",
            ),
            rx.text(rx.text.strong(t("sup.office"), t("sup.colon")), level, size="2"),
            rx.text(rx.text.strong(t("sup.process"), t("sup.colon")), _lang(p["process_zh"], p["process_en"]), size="2"),
            rx.text(t_fmt("sup.posts", a=p["a_post"], b=p["b_post"]), size="2"),
            rx.el.details(
                rx.el.summary(t("sup.basis"), " · ", t("sup.control_points"), " · ", t("sup.risk_points"),
                              style={"min_height": TAP, "display": "flex", "align_items": "center",
                                     "cursor": "pointer", "color": "var(--accent-11)"}),
                rx.vstack(
                    rx.text(rx.text.strong(t("sup.basis"), t("sup.colon")), p["basis"], size="2"),
                    rx.text(rx.text.strong(t("sup.control_points"), t("sup.colon")),
                            p["control"].join(t("app.list_sep")), size="2"),
                    rx.text(rx.text.strong(t("sup.risk_points"), t("sup.colon")), p["risk"].join(t("app.list_sep")),
                            size="2"),
                    rx.cond(p["since"] != "", rx.text(t_fmt("sup.version_since", d=p["since"]), size="1",
                                                      color_scheme="gray")),
                    spacing="1", align="start",
                ),
                width="100%",
            ),
            spacing="2", align="start", width="100%",
        ),
        width="100%", class_name="power-card", id="power-" + p["key"].replace(".", "-"),
    )


def powers_page() -> rx.Component:
    s = PowersState
    return page(
        rx.text(t("sup.powers_intro"), size="3"),
        rx.text(t("sup.grade_help"), size="2", color_scheme="gray"),
        rx.el.label(t("sup.region_label"), html_for="powers-region", class_name="rt-Text rt-r-size-2",
                    style={"display": "block", "margin_top": "8px"}),
        rx.el.select(
            rx.el.option(t("sup.region_all"), value=""),
            rx.foreach(s.regions, lambda o: rx.el.option(o["name"], value=o["code"])),
            value=s.region, on_change=s.choose, id="powers-region", style=SELECT_STYLE,
        ),
        rx.cond(s.loaded,
                rx.vstack(rx.foreach(s.powers, _card), spacing="3", width="100%", id="powers-list"),
                rx.center(rx.spinner(size="3"), padding="32px")),
        title_key="sup.powers_title",
    )
