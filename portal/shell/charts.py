"""Light, accessible bar rows (no chart library: these pages must load fast on a slow phone)."""

from __future__ import annotations

from typing import TypedDict

import reflex as rx


class BarRow(TypedDict):
    label: str  # already-translated text or a message key resolved by the caller
    value: int
    pct: int  # 0-100 bar width
    note: str


def bar_rows(rows, label_render, row_id: str) -> rx.Component:
    return rx.vstack(
        rx.foreach(rows, lambda r: rx.hstack(
            rx.box(label_render(r), min_width="88px", font_size="var(--font-size-2)"),
            rx.box(rx.box(height="14px", width=r["pct"].to_string() + "%", background=rx.color("red", 9),
                          border_radius="4px"),
                   flex="1", background=rx.color("gray", 3), border_radius="4px"),
            rx.text(r["value"], size="2", min_width="28px", text_align="right"),
            rx.text(r["note"], size="1", color_scheme="gray", min_width="40px"),
            width="100%", align="center", spacing="2",
        )),
        width="100%", spacing="1", id=row_id,
    )
