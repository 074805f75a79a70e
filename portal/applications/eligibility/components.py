"""The screener's reasons as the resident's result and the officer's case page both show them: each line of the
judgement in both languages (the language toggle needs no round trip), marked met, not met or for information."""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from portal.applications.eligibility import rules as el
from portal.shell.ui import UIState


class Reason(TypedDict):
    zh: str
    en: str
    mark: str  # "ok" | "fail" | "info"


def reasons_of(lines) -> list[Reason]:
    """Every reason in both languages (the language toggle needs no round trip)."""
    marks = {True: "ok", False: "fail", None: "info"}
    return [Reason(zh=el.describe(line, "zh"), en=el.describe(line, "en"), mark=marks[line.ok]) for line in lines]


def reason_line(r: Reason) -> rx.Component:
    return rx.hstack(
        rx.match(r["mark"],
                 ("ok", rx.icon("circle-check", size=18, color=rx.color("green", 9), flex_shrink="0")),
                 ("fail", rx.icon("circle-x", size=18, color=rx.color("red", 9), flex_shrink="0")),
                 rx.icon("info", size=18, color=rx.color("gray", 9), flex_shrink="0")),
        rx.text(rx.cond(UIState.lang == "en", r["en"], r["zh"]), size="2"),
        align="start", spacing="2", width="100%", class_name="reason",
    )
