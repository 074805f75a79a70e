"""Window staff desk (窗口工作台): ratings of my window, bad reviews to answer, my QR poster."""

from __future__ import annotations

from datetime import timedelta
from typing import TypedDict

import reflex as rx

from portal.shell.account import guarded, whoami
from portal.shell.charts import BarRow, bar_rows
from portal.shell.format import percent
from portal.shell.i18n import t, t_fmt, t_var
from portal.shell.layout import TAP, page
from portal.ratings.poster_links import window_poster_links
from portal.ratings.components import CaseView, case_card, case_view
from portal.i18n import MESSAGES
from portal.kernel.permissions import Role
from portal.ratings import queries
from portal.ratings import services as wf
from portal.ratings import rules
from portal.kernel.workdays import china_today
from portal.kernel.drawing import rating_url
from portal.kernel.settings import get_settings
from portal.shell.session import SignedInState
from portal.shell.args import checked

TAG_KEYS = [k for k in MESSAGES if k.startswith("tag.")]
LEVEL_KEYS = list(rules.LEVELS.values())
PERIODS = ["30", "90", "365"]


class CommentRow(TypedDict):
    day: str
    level_key: str
    text: str


class TrendRow(TypedDict):
    label: str  # the week's Monday, MM-DD
    pct: int  # bar width: the week's satisfaction rate, 0 when hidden
    rate: str  # "92.0%", or "" when the week holds fewer than k ratings (nothing that could single out a rater)
    count: int


class StaffHomeState(SignedInState):
    window_name: str = ""
    window_code: str = ""
    office_name: str = ""
    period: str = "30"
    count: int = 0
    suppressed: bool = True
    satisfaction: str = ""
    bad_rate: str = ""
    distribution: list[BarRow] = []
    trend: list[TrendRow] = []
    top_tags: list[BarRow] = []
    comments: list[CommentRow] = []
    cases: list[CaseView] = []
    # Bad reviews still waiting for this window's answer, and the earliest answer deadline among them: the alert at
    # the top of the page (the list itself sits below the poster and the figures).
    poster_url: str = ""  # what the window's QR code encodes, shown before download
    poster_refused: bool = False
    pending: int = 0
    pending_due: str = ""
    pending_overdue: bool = False
    error_key: str = ""
    notice_key: str = ""

    @rx.event
    def load(self):
        actor = self._open_page(Role.WINDOW_STAFF)
        if actor is None:
            return self._refused()
        self._refresh(actor)

    @rx.event
    @checked
    def set_period(self, value: str):
        self.period = value if value in PERIODS else "30"
        actor = self._guard(Role.WINDOW_STAFF)
        if actor is not None:
            self._refresh(actor)

    def _refresh(self, actor) -> None:
        end = china_today()
        start = end - timedelta(days=int(self.period) - 1)
        desk = queries.open_staff_desk(actor, start, end)
        if desk is None:
            self.window_code = ""
            return
        self.window_name, self.window_code, self.office_name = desk.window_name, desk.window_code, desk.office_name
        settings = get_settings()
        self.poster_url = rating_url(settings.public_base_url, desk.window_code)
        self.poster_refused = settings.poster_url_refused
        summary, comments = desk.summary, desk.comments
        cases = desk.cases
        self.count, self.suppressed = summary.count, summary.suppressed
        self.satisfaction, self.bad_rate = percent(summary.satisfaction_rate), percent(summary.bad_rate)
        total = max(summary.count, 1)
        self.distribution = [BarRow(label=rules.LEVELS[lv], value=n, pct=round(100 * n / total), note=percent(n / total))
                             for lv, n in sorted(summary.distribution.items(), reverse=True)]
        # The trend is satisfaction per week (what the window is judged on); the count stands beside it.
        self.trend = [TrendRow(label=w.week_start.strftime("%m-%d"),
                               pct=round(100 * w.satisfaction_rate) if w.satisfaction_rate is not None else 0,
                               rate=percent(w.satisfaction_rate) if w.satisfaction_rate is not None else "",
                               count=w.count) for w in summary.weekly_trend[-12:]]
        top = summary.top_tags[:6]
        tag_peak = max([n for _, n in top] or [1])
        self.top_tags = [BarRow(label=tag, value=n, pct=round(100 * n / tag_peak), note="") for tag, n in top]
        self.comments = [CommentRow(day=d.isoformat(), level_key=rules.LEVELS[lv], text=c) for d, lv, c in comments]
        self.cases = [case_view(c) for c in cases]
        waiting = [c for c in self.cases if c["status"] == "open"]
        self.pending = len(waiting)
        self.pending_due = min((c["resolve_due"] for c in waiting), default="")
        self.pending_overdue = any(c["overdue"] for c in waiting)

    def _act(self, action, case_id: int, text: str):
        actor, key = self._perform(Role.WINDOW_STAFF, lambda session, who: action(session, who, int(case_id), text),
                                   bad_input=(ValueError,))
        if actor is None:
            return None
        self.error_key, self.notice_key = key, "" if key else "case.done"
        if key:
            return None  # refused: the box keeps the text
        self._refresh(actor)
        return None

    @rx.event
    @checked
    def answer(self, form: dict):
        return self._act(wf.answer_case, form.get("case_id", 0), str(form.get("text", "")))

    @rx.event
    @checked
    def appeal(self, form: dict):
        return self._act(wf.appeal_case, form.get("case_id", 0), str(form.get("text", "")))


def _stat(key: str, value, stat_id: str) -> rx.Component:
    return rx.card(rx.vstack(rx.text(t(key), size="2", color_scheme="gray"),
                             rx.heading(value, size="6", id=stat_id), spacing="1"), flex="1", min_width="96px")


def _trend() -> rx.Component:
    return rx.vstack(
        rx.foreach(StaffHomeState.trend, lambda r: rx.hstack(
            rx.box(r["label"], min_width="52px", font_size="var(--font-size-2)"),
            rx.box(rx.box(height="14px", width=r["pct"].to_string() + "%", background=rx.color("green", 9),
                          border_radius="4px"),
                   flex="1", background=rx.color("gray", 3), border_radius="4px"),
            rx.text(rx.cond(r["rate"] != "", r["rate"], "—"), size="2", min_width="52px", text_align="right",
                    class_name="trend-rate"),
            rx.text(r["count"], " ", t("dash.trend_count"), size="1", color_scheme="gray", min_width="48px"),
            width="100%", align="center", spacing="2", class_name="trend-row",
        )),
        width="100%", spacing="1", id="trend",
    )


def _pending_alert() -> rx.Component:
    s = StaffHomeState
    return rx.cond(s.pending > 0, rx.callout(
        rx.vstack(
            rx.text(t_fmt("staff.pending", n=s.pending), weight="bold"),
            rx.text(t("staff.pending_due"), " ", s.pending_due, size="2"),
            rx.link(t("staff.pending_go"), href="#followups", min_height=TAP, display="inline-flex",
                    align_items="center", weight="medium"),
            spacing="1", align="start"),
        icon="message-circle-warning", color_scheme=rx.cond(s.pending_overdue, "red", "amber"), role="alert",
        width="100%", id="pending-alert"))


def _dashboard() -> rx.Component:
    s = StaffHomeState
    return rx.vstack(
        rx.hstack(
            rx.heading(t("dash.title"), size="5", as_="h2"),
            rx.spacer(),
            rx.el.select(
                *[rx.el.option(t(f"dash.period.{p}"), value=p) for p in PERIODS],
                value=s.period, on_change=s.set_period, id="period", aria_label="period",
                class_name="plain-select",
            ),
            width="100%", align="center",
        ),
        rx.hstack(_stat("dash.count", s.count, "stat-count"),
                  _stat("dash.satisfaction", rx.cond(s.suppressed, "—", s.satisfaction), "stat-satisfaction"),
                  _stat("dash.bad_rate", rx.cond(s.suppressed, "—", s.bad_rate), "stat-bad"),
                  width="100%", spacing="2", wrap="wrap"),
        rx.cond(
            s.suppressed,
            rx.callout(t("dash.suppressed"), icon="shield", color_scheme="gray", id="suppressed", width="100%"),
            rx.vstack(
                rx.text(t("dash.distribution"), weight="bold"),
                bar_rows(s.distribution, lambda r: t_var(r["label"], LEVEL_KEYS), "distribution"),
                rx.text(t("dash.trend"), weight="bold"),
                rx.text(t("dash.trend_hint"), size="1", color_scheme="gray"),
                _trend(),
                rx.text(t("dash.top_tags"), weight="bold"),
                bar_rows(s.top_tags, lambda r: t_var(r["label"], TAG_KEYS), "top-tags"),
                rx.text(t("dash.comments"), weight="bold"),
                rx.vstack(rx.foreach(s.comments, lambda c: rx.card(rx.vstack(
                    rx.hstack(rx.badge(t_var(c["level_key"], LEVEL_KEYS)), rx.text(c["day"], size="1",
                                                                                  color_scheme="gray")),
                    rx.text(c["text"], size="2"), spacing="1"), width="100%")), width="100%", id="comments"),
                width="100%", spacing="2",
            ),
        ),
        width="100%", spacing="3",
    )


def staff_home(*cards: rx.Component) -> rx.Component:
    """`cards`: the app's cards for window staff (the to-do), after the pending bad reviews."""
    s = StaffHomeState
    return page(
        guarded(
            s,
            whoami(s),
            _pending_alert(),
            *cards,
            rx.cond(
                s.window_code != "",
                rx.vstack(
                    rx.card(rx.vstack(
                        rx.text(t("staff.my_window"), size="2", color_scheme="gray"),
                        rx.heading(s.window_name, size="5", id="staff-window-name"),
                        rx.text(s.office_name, size="2"),
                        rx.badge(s.window_code, size="2", variant="outline"),
                        spacing="1", align="start"), width="100%"),
                    rx.card(window_poster_links(s.window_code, s.poster_url, s.poster_refused), width="100%"),
                    _dashboard(),
                    rx.heading(t("dash.followups"), size="5", as_="h2", id="followups"),
                    rx.cond(s.error_key != "", rx.callout(t_var(s.error_key, CASE_ERRORS), color_scheme="red",
                                                          icon="triangle-alert", role="alert", width="100%",
                                                          id="case-error")),
                    rx.cond(s.notice_key != "", rx.callout(t("case.done"), color_scheme="green", icon="check",
                                                           width="100%", id="case-notice")),
                    rx.cond(s.cases.length() > 0,
                            rx.vstack(rx.foreach(s.cases, lambda c: case_card(c, staff_actions=(s.answer, s.appeal))),
                                      width="100%", id="cases"),
                            rx.text(t("case.none"), color_scheme="gray")),
                    width="100%", spacing="4",
                ),
                rx.text(t("staff.no_window")),
            ),
        ),
        title_key="staff.home_title",
    )


CASE_ERRORS = ["followup.answer_required", "followup.reason_required", "followup.text_too_long",
               "followup.wrong_state", "auth.forbidden"]
