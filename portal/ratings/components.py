"""Ratings UI shared by the officers' page, the staff desk and the public results: a window's line of a monthly ranking,
and a bad-review follow-up case as a card with the actions the viewer's role allows (the server re-checks)."""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from portal.shell.format import percent, rank_text
from portal.shell.i18n import t, t_var
from portal.shell.layout import TAP
from portal.i18n import MESSAGES
from portal.ratings import rules
from portal.ratings.services import CaseRow, RankedOffice, RankedWindow

TAG_KEYS = [k for k in MESSAGES if k.startswith("tag.")]
LEVEL_KEYS = list(rules.LEVELS.values())
STATUS_KEYS = [k for k in MESSAGES if k.startswith("case.status.")]


class RankView(TypedDict):
    """A window's line of a monthly ranking, as the officers' page and the public results show it."""

    rank: str
    code: str
    name: str
    count: int
    satisfaction: str
    bad_rate: str
    talk_flag: bool


def rank_views(rows: list[RankedWindow]) -> list[RankView]:
    return [RankView(rank=rank_text(r.rank), code=r.code, name=f"{r.office} {r.name}", count=r.count,
                     satisfaction=percent(r.satisfaction_rate), bad_rate=percent(r.bad_rate), talk_flag=r.talk_flag)
            for r in rows]


class OfficeRankView(TypedDict):
    """An office's line of a monthly ranking (its windows' ratings together)."""

    rank: str
    office: str
    windows: int
    count: int
    satisfaction: str


def office_rank_views(rows: list[RankedOffice]) -> list[OfficeRankView]:
    return [OfficeRankView(rank=rank_text(o.rank), office=o.office, windows=o.windows, count=o.count,
                           satisfaction=percent(o.satisfaction_rate)) for o in rows]


class RankBar(TypedDict):
    """One bar of the ranking chart: a ranked line's satisfaction in percent, under `flagged` instead of `rate`
    when it is flagged for a talk (drawn red), the other key None; the figure written at the bar's end likewise."""

    name: str
    rate: float | None
    flagged: float | None
    rate_label: str
    flagged_label: str


# A bar a line: beyond this many the chart would be taller than a screen; the table beside it holds every line.
CHART_MAX = 30


def rank_bars(rows: list[RankedWindow] | list[RankedOffice]) -> list[RankBar]:
    """The lines with a rank (enough ratings), best first, CHART_MAX at most: a line without one has no rate to
    draw and shows "—" in the table."""
    out = []
    for r in rows:
        if r.rank is None or r.satisfaction_rate is None:
            continue
        name = f"{r.rank}. {r.office} {r.name}" if isinstance(r, RankedWindow) else f"{r.rank}. {r.office}"
        value = round(100 * r.satisfaction_rate, 1)
        flagged = isinstance(r, RankedWindow) and r.talk_flag
        shown = percent(r.satisfaction_rate)
        out.append(RankBar(name=name, rate=None if flagged else value, flagged=value if flagged else None,
                           rate_label="" if flagged else shown, flagged_label=shown if flagged else ""))
    return out[:CHART_MAX]


def ranking_chart(data, chart_id: str, *, flags: bool = True) -> rx.Component:
    """Satisfaction of each ranked line as horizontal bars, in the board's style (grid, legend, one bar a row); the
    windows' talk flag in red with its own legend entry."""
    def bar(key: str, fill: str, name) -> rx.Component:
        return rx.recharts.bar(rx.recharts.label_list(data_key=f"{key}_label", position="right", font_size=12),
                               data_key=key, stack_id="rate", fill=fill, name=name, is_animation_active=False)

    bars = [bar("rate", "var(--blue-9)", t("dash.satisfaction"))]
    if flags:
        bars.append(bar("flagged", "var(--red-9)", t("officer.talk_flag")))
    return rx.box(rx.recharts.bar_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", horizontal=False),
        rx.recharts.x_axis(type_="number", domain=[0, 100], unit="%", tick={"fontSize": 12}),
        rx.recharts.y_axis(data_key="name", type_="category", width=240, interval=0, tick={"fontSize": 12}),
        *bars,
        rx.recharts.graphing_tooltip(),
        rx.recharts.legend(),
        layout="vertical", data=data, width="100%", height=data.length() * 36 + 90,
        margin={"top": 8, "right": 56, "left": 0, "bottom": 0}), id=chart_id, width="100%")


class CaseView(TypedDict):
    id: int
    window: str
    level_key: str
    tags: list[str]
    comment: str
    opened_on: str
    callback_due: str
    resolve_due: str
    status: str
    status_key: str
    overdue: bool
    callback_overdue: bool
    callback_done: bool
    staff_answer: str
    appeal_reason: str
    followup_level_key: str
    # Whether a call-back number was left; the number itself is shown once on request (`show_once`), never held in
    # page state.
    has_phone: bool


def case_view(c: CaseRow) -> CaseView:
    return CaseView(
        id=c.id, window=f"{c.window_code} {c.window_name}", level_key=rules.LEVELS[c.level], tags=list(c.tags),
        comment=c.comment or "", opened_on=c.opened_on.isoformat(),
        callback_due=c.callback_due.isoformat() if c.callback_due else "", resolve_due=c.resolve_due.isoformat(),
        status=c.status, status_key=f"case.status.{c.status}", overdue=c.overdue,
        callback_overdue=c.callback_overdue, callback_done=c.callback_done, staff_answer=c.staff_answer or "",
        appeal_reason=c.appeal_reason or "",
        followup_level_key=rules.LEVELS[c.followup_level] if c.followup_level else "", has_phone=bool(c.phone),
    )


def _text_form(case_id, label_key: str, submit_key: str, handler, form_id: str, extra: rx.Component | None = None,
               status=None):
    # Folded by default: a list of cases stays scannable on a phone; one tap opens the form. Keyed by the case's
    # status, so once an action moved the case on (an answer given) the form folds again instead of staying open
    # and empty. No reset_on_submit: a refused answer keeps its text.
    return rx.el.details(
        rx.el.summary(t(label_key), class_name="action-summary"),
        rx.form(
            rx.vstack(
                rx.el.input(type="hidden", name="case_id", value=case_id.to_string()),
                *([extra] if extra is not None else []),
                rx.text_area(name="text", rows="3", width="100%", max_length=1000, required=True,
                             aria_label=t(label_key)),
                rx.button(t(submit_key), type="submit", min_height=TAP),
                width="100%", spacing="2", align="start",
            ),
            on_submit=handler, width="100%",
        ),
        class_name=f"case-action {form_id}", width="100%",
        key=case_id.to_string() + "-" + form_id + ("" if status is None else "-" + status),
    )


def case_card(c: CaseView, staff_actions=None, officer_actions=None) -> rx.Component:
    """staff_actions = (answer, appeal); officer_actions = (callback, close, decide, show_phone)."""
    actions: list[rx.Component] = []
    if staff_actions is not None:
        answer, appeal = staff_actions
        actions.append(rx.cond((c["status"] == "open") | (c["status"] == "answered"), rx.vstack(
            rx.cond(c["status"] == "open",
                    _text_form(c["id"], "case.answer_label", "case.answer_submit", answer, "answer-form",
                               status=c["status"]),
                    _text_form(c["id"], "case.answer_edit_label", "case.answer_submit", answer, "answer-form",
                               status=c["status"])),
            _text_form(c["id"], "case.appeal_label", "case.appeal_submit", appeal, "appeal-form", status=c["status"]),
            width="100%")))
    if officer_actions is not None:
        callback, close, decide, show_phone = officer_actions
        actions.append(rx.cond(c["has_phone"], rx.hstack(
            rx.button(t("case.show_phone"), on_click=show_phone(c["id"]), min_height=TAP, variant="soft",
                      class_name="phone-btn"),
            rx.text.span(id="case-phone-" + c["id"].to_string(), class_name="case-phone"),
            align="center", spacing="2", wrap="wrap")))
        actions.append(rx.cond((c["callback_due"] != "") & ~c["callback_done"],
                               rx.button(t("case.record_callback"), on_click=callback(c["id"]), min_height=TAP,
                                         variant="soft", class_name="callback-btn")))
        actions.append(rx.cond(c["status"] == "answered",
                               _text_form(c["id"], "case.close_label", "case.close_submit", close, "close-form",
                                          status=c["status"])))
        actions.append(rx.cond(c["status"] == "appealed", _text_form(
            c["id"], "case.decision_label", "case.answer_submit", decide, "decide-form", status=c["status"],
            extra=rx.el.select(rx.el.option(t("case.appeal_reject"), value="rejected"),
                               rx.el.option(t("case.appeal_uphold"), value="upheld"),
                               name="decision", class_name="plain-select"))))
    return rx.card(
        rx.vstack(
            rx.hstack(rx.badge(t_var(c["level_key"], LEVEL_KEYS), color_scheme="red"),
                      rx.badge(t_var(c["status_key"], STATUS_KEYS), variant="outline", class_name="case-status"),
                      rx.cond(c["overdue"], rx.badge(t("case.overdue"), color_scheme="red", variant="solid")),
                      rx.cond(c["callback_overdue"], rx.badge(t("case.callback_overdue"), color_scheme="orange",
                                                              variant="solid")),
                      wrap="wrap", spacing="2"),
            rx.text(c["window"], size="2", weight="medium"),
            rx.hstack(rx.foreach(c["tags"], lambda tag: rx.badge(t_var(tag, TAG_KEYS), variant="soft")),
                      wrap="wrap", spacing="1"),
            rx.cond(c["comment"] != "", rx.text(c["comment"], size="2")),
            rx.text(t("case.opened_on"), ": ", c["opened_on"], " · ", t("case.resolve_due"), ": ", c["resolve_due"],
                    size="1", color_scheme="gray"),
            rx.cond(c["callback_due"] != "", rx.text(t("case.callback_due"), ": ", c["callback_due"],
                                                     rx.cond(c["callback_done"], rx.text.span(" ✓ ", t("case.callback_done"))),
                                                     size="1", color_scheme="gray")),
            rx.cond(c["staff_answer"] != "", rx.box(rx.text(t("followup.answer"), size="1", color_scheme="gray"),
                                                    rx.text(c["staff_answer"], size="2", class_name="case-answer"))),
            rx.cond(c["appeal_reason"] != "", rx.text(t("case.appeal_label"), ": ", c["appeal_reason"], size="2")),
            rx.cond(c["followup_level_key"] != "", rx.text(t("followup.given"), ": ",
                                                           t_var(c["followup_level_key"], LEVEL_KEYS), size="2",
                                                           class_name="case-followup")),
            *actions,
            spacing="2", width="100%", align="start",
        ),
        width="100%", class_name="case-card", data_case=c["id"].to_string(),
    )
