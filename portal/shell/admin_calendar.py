"""Admin: the working-day calendar (法定节假日 / 调休) and the rating policy settings, both stored as data.

A whole year's holidays and make-up workdays load at once from the maintained `chinese-calendar` package, are
reviewed as a list and saved in one action. Every change (a year or one day) first shows which open deadlines it
moves; saving stores those new dates with it. The page reads and writes only through `kernel.calendar_store` and
`kernel.policy`, run by the one action runner.
"""

from __future__ import annotations

from datetime import date
from typing import TypedDict

import reflex as rx

from portal.kernel.permissions import Role
from portal.kernel import calendar_store, policy
from portal.kernel.workdays import HOLIDAY, WORKDAY, CalendarDay, china_today
from portal.shell.account import guarded
from portal.shell.args import checked, one_of
from portal.shell.i18n import t, t_fmt, t_var
from portal.shell.layout import TAP, page
from portal.shell.session import SignedInState

ERRORS = ["admin.cal_bad_date", "admin.cal_bad_kind", "admin.policy_bad_value", "admin.cal_unavailable",
          "auth.forbidden"]
KIND_KEYS = ["admin.cal_kind.holiday", "admin.cal_kind.workday", "admin.cal_kind.none"]
CHANGE_KEYS = ["admin.cal_change.added", "admin.cal_change.removed", "admin.cal_change.changed",
               "admin.cal_change.same"]
DEADLINE_KEYS = ["deadline.report_conclude", "deadline.followup_resolve", "deadline.followup_callback",
                 "deadline.verify_answer",
                 *[f"apply.step.{k}" for k in ("accept", "materials", "home_survey", "cross_check", "recheck",
                                              "county_visit", "preliminary", "county_decision", "notice")]]
POLICY_KEYS = [f"policy.{k}" for k in policy.DEFAULTS]


class DayRow(TypedDict):
    day: str
    kind_key: str
    name: str
    change_key: str  # in a preview: added / removed / changed / same


class MovedRow(TypedDict):
    kind_key: str
    ref: str
    old: str
    new: str


class PolicyRow(TypedDict):
    key: str
    label_key: str
    value: str


def _day_row(d: CalendarDay, change: str = "same") -> DayRow:
    return DayRow(day=d.day.isoformat(), kind_key=f"admin.cal_kind.{d.kind}", name=d.name,
                  change_key=f"admin.cal_change.{change}")


def _moved_rows(moved: list[calendar_store.MovedDeadline]) -> list[MovedRow]:
    return [MovedRow(kind_key=m.deadline.kind_key, ref=m.deadline.ref, old=m.deadline.due_on.isoformat(),
                     new=m.new_due.isoformat()) for m in moved[:200]]


def _compare(stored: list[CalendarDay], proposed: list[CalendarDay]) -> list[DayRow]:
    """The proposed year beside what is stored: every day of either, marked added / removed / changed / same."""
    old = {d.day: d for d in stored}
    new = {d.day: d for d in proposed}
    rows = []
    for day in sorted(old.keys() | new.keys()):
        if day not in old:
            rows.append(_day_row(new[day], "added"))
        elif day not in new:
            rows.append(_day_row(old[day], "removed"))
        else:
            rows.append(_day_row(new[day], "same" if old[day].kind == new[day].kind else "changed"))
    return rows


class AdminCalendarState(SignedInState):
    year: str = ""
    years: list[str] = []
    days: list[DayRow] = []
    settings: list[PolicyRow] = []
    missing_years: bool = False
    # Years with no calendar that open deadlines already run into ("2027: 3").
    deadline_gaps: list[str] = []
    # A change waiting for the admin's confirmation: "year" (a whole year loaded) or "day" (one day), its rows
    # beside the stored ones, and the open deadlines it would move.
    pending: str = ""
    preview: list[DayRow] = []
    moved: list[MovedRow] = []
    moved_count: int = 0
    _pending_days: list[list[str]] = []  # [iso day, kind, name] of the proposed year, or the one day
    error_key: str = ""
    saved: bool = False
    saved_moved: int = 0

    @rx.event
    def load(self):
        actor = self._open_page(Role.ADMIN)
        if actor is None:
            return self._refused()
        this_year = china_today().year
        self.years = [str(y) for y in range(this_year - 1, this_year + 3)]
        self.year = self.year if self.year in self.years else str(this_year)
        self._drop_pending()
        self._refresh()

    def _read(self, fn):
        """Run a read through the one action runner (guard + unit of work); None when refused."""
        out: list = []
        actor, key = self._perform(Role.ADMIN, lambda session, who: out.append(fn(session)))
        if actor is None or key:
            self.error_key = key or "auth.forbidden"
            return None
        return out[0]

    def _refresh(self) -> None:
        year = int(self.year)
        today = china_today()

        def read(session):
            return (calendar_store.year_days(session, year),
                    [(k, str(policy.get(session, k))) for k in policy.DEFAULTS],
                    calendar_store.years_missing(session, today))
        found = self._read(read)
        if found is None:
            return
        days, settings, gaps = found
        self.days = [_day_row(d) for d in days]
        self.settings = [PolicyRow(key=k, label_key=f"policy.{k}", value=v) for k, v in settings]
        # Next year's schedule is published each November: warn while it is still missing.
        self.missing_years = not self.days
        self.deadline_gaps = [f"{y}: {n}" for y, n in gaps.items()]

    def _drop_pending(self) -> None:
        self.pending, self.preview, self.moved, self.moved_count, self._pending_days = "", [], [], 0, []

    @rx.event
    @checked
    def set_year(self, year: str):
        if self._guard(Role.ADMIN) is None:
            return
        self.year, self.error_key, self.saved = one_of(year, self.years), "", False
        self._drop_pending()
        self._refresh()

    # --- a whole year from the official schedule ------------------------------------------------------------------

    @rx.event
    def load_official_year(self):
        """Fetch the year from the holiday package and show it beside what is stored; nothing is saved yet."""
        self.error_key, self.saved = "", False
        year = int(self.year)
        try:
            proposed = calendar_store.official_year(year)
        except calendar_store.CalendarUnavailable:
            self._drop_pending()
            self.error_key = "admin.cal_unavailable"
            return

        def read(session):
            stored = calendar_store.year_days(session, year)
            moved = calendar_store.moved_by(session, calendar_store.calendar_with_year(session, year, proposed))
            return stored, moved
        found = self._read(read)
        if found is None:
            return
        stored, moved = found
        self.pending = "year"
        self.preview = _compare(stored, proposed)
        self.moved, self.moved_count = _moved_rows(moved), len(moved)
        self._pending_days = [[d.day.isoformat(), d.kind, d.name] for d in proposed]

    @rx.event
    def cancel_pending(self):
        self._drop_pending()

    @rx.event
    def confirm_pending(self):
        """Save what was previewed: the whole year, or the one day, with the deadlines it moves."""
        kind, rows = self.pending, list(self._pending_days)
        if not kind:
            return
        year = int(self.year)
        out: list[int] = []
        if kind == "year":
            days = [CalendarDay(date.fromisoformat(d), k, n) for d, k, n in rows]
            fn = lambda session, actor: out.append(calendar_store.save_year(session, actor, year, days))  # noqa: E731
        else:
            day, k, name = rows[0]
            fn = lambda session, actor: out.append(  # noqa: E731
                calendar_store.save_day(session, actor, date.fromisoformat(day), None if k == "none" else k, name))
        actor, key = self._perform(Role.ADMIN, fn)
        if actor is None or key:
            self.error_key, self.saved = key or "auth.forbidden", False
            return
        self._drop_pending()
        self.error_key, self.saved, self.saved_moved = "", True, out[0] if out else 0
        self._refresh()

    # --- one day ------------------------------------------------------------------------------------------------

    @rx.event
    @checked
    def set_day(self, form: dict):
        """Preview one day's change: the deadlines it would move are shown before anything is saved."""
        self.error_key, self.saved = "", False
        try:
            day = date.fromisoformat(str(form.get("day", "")))
        except ValueError:
            self.error_key = "admin.cal_bad_date"
            return
        kind = str(form.get("kind", ""))
        if kind not in (HOLIDAY, WORKDAY, "none"):
            self.error_key = "admin.cal_bad_kind"
            return
        name = str(form.get("name", ""))[:40]

        def read(session):
            new = calendar_store.calendar_with_day(session, day, None if kind == "none" else kind, name)
            stored = [d for d in calendar_store.year_days(session, day.year) if d.day == day]
            return stored, calendar_store.moved_by(session, new)
        found = self._read(read)
        if found is None:
            return
        stored, moved = found
        self.pending = "day"
        self.preview = _compare(stored, [] if kind == "none" else [CalendarDay(day, kind, name)])
        self.moved, self.moved_count = _moved_rows(moved), len(moved)
        self._pending_days = [[day.isoformat(), kind, name]]

    @rx.event
    @checked
    def set_policy(self, form: dict):
        key = str(form.get("key", ""))
        try:
            value = int(str(form.get("value", "")).strip())
        except ValueError:
            self.error_key, self.saved = "admin.policy_bad_value", False
            return
        if key not in policy.DEFAULTS or value < 1 or value > 100_000:
            self.error_key, self.saved = "admin.policy_bad_value", False
            return
        actor, err = self._perform(Role.ADMIN, lambda session, who: policy.set_value(session, who, key, value))
        if actor is None or err:
            self.error_key, self.saved = err or "auth.forbidden", False
            return
        self.error_key, self.saved, self.saved_moved = "", True, 0
        self._refresh()


# --- page -----------------------------------------------------------------------------------------------------

def _day_form() -> rx.Component:
    s = AdminCalendarState
    return rx.form(
        rx.vstack(
            rx.text(t("admin.cal_one_day"), weight="bold"),
            rx.el.label(t("admin.cal_day"), html_for="cal-day"),
            rx.el.input(type="date", name="day", id="cal-day", required=True, class_name="plain-select"),
            rx.el.select(rx.el.option(t("admin.cal_kind.holiday"), value=HOLIDAY),
                         rx.el.option(t("admin.cal_kind.workday"), value=WORKDAY),
                         rx.el.option(t("admin.cal_kind.none"), value="none"),
                         name="kind", class_name="plain-select", aria_label="kind", id="cal-kind"),
            rx.input(name="name", placeholder=t("admin.cal_name"), max_length=40, size="3", width="100%"),
            rx.button(t("admin.cal_preview"), type="submit", min_height=TAP, id="cal-day-preview"),
            spacing="2", width="100%", align="start",
        ),
        on_submit=s.set_day, width="100%", id="cal-form",
    )


def _days_table(rows, table_id: str, with_change: bool) -> rx.Component:
    head = [t("admin.cal_day"), t("admin.cal_kind_label"), t("admin.cal_name_col")]
    return rx.el.table(
        rx.el.thead(rx.el.tr(*[rx.el.th(h) for h in head], *([rx.el.th(t("admin.cal_change_label"))]
                                                              if with_change else []))),
        rx.el.tbody(rx.foreach(rows, lambda d: rx.el.tr(
            rx.el.td(d["day"]), rx.el.td(t_var(d["kind_key"], KIND_KEYS)), rx.el.td(d["name"]),
            *([rx.el.td(t_var(d["change_key"], CHANGE_KEYS), class_name=d["change_key"].replace(".", "-"))]
              if with_change else [])))),
        class_name="results-table", id=table_id)


def _pending_panel() -> rx.Component:
    s = AdminCalendarState
    return rx.cond(s.pending != "", rx.card(rx.vstack(
        rx.heading(rx.cond(s.pending == "year", t("admin.cal_review_year"), t("admin.cal_review_day")), size="4",
                   as_="h2"),
        _days_table(s.preview, "cal-preview", True),
        rx.cond(s.moved_count > 0,
                rx.callout(t_fmt("admin.cal_moves", n=s.moved_count), icon="calendar-clock", color_scheme="amber",
                           width="100%", id="cal-moves"),
                rx.text(t("admin.cal_moves_none"), size="2", color_scheme="gray", id="cal-moves-none")),
        rx.cond(s.moved_count > 0, rx.el.table(
            rx.el.thead(rx.el.tr(rx.el.th(t("admin.cal_deadline")), rx.el.th(t("admin.cal_case")),
                                 rx.el.th(t("admin.cal_due_now")), rx.el.th(t("admin.cal_due_new")))),
            rx.el.tbody(rx.foreach(s.moved, lambda m: rx.el.tr(
                rx.el.td(t_var(m["kind_key"], DEADLINE_KEYS)), rx.el.td(m["ref"]), rx.el.td(m["old"]),
                rx.el.td(m["new"], font_weight="bold")))),
            class_name="results-table", id="cal-moved")),
        rx.hstack(
            rx.button(rx.cond(s.pending == "year", t("admin.cal_save_year"), t("admin.cal_save_day")),
                      on_click=s.confirm_pending, min_height=TAP, id="cal-confirm"),
            rx.button(t("admin.cal_cancel"), on_click=s.cancel_pending, variant="outline", min_height=TAP,
                      id="cal-cancel"),
            spacing="2", wrap="wrap"),
        spacing="3", width="100%", align="start"), width="100%", id="cal-pending"))


def _policy_row(row: PolicyRow) -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.el.input(type="hidden", name="key", value=row["key"]),
            rx.text(t_var(row["label_key"], POLICY_KEYS), size="2", flex="1"),
            rx.input(name="value", default_value=row["value"], key=row["key"] + row["value"], input_mode="numeric",
                     width="84px", size="3"),
            rx.button(t("admin.save"), type="submit", min_height=TAP, variant="soft"),
            width="100%", align="center", spacing="2",
        ),
        on_submit=AdminCalendarState.set_policy, width="100%",
    )


def admin_calendar() -> rx.Component:
    s = AdminCalendarState
    return page(
        guarded(
            s,
            rx.text(t("admin.cal_intro"), size="2", color_scheme="gray"),
            rx.cond(s.deadline_gaps.length() > 0, rx.callout(
                rx.vstack(rx.text(t("admin.cal_gap"), weight="bold"),
                          rx.text(rx.foreach(s.deadline_gaps, lambda g: rx.text.span(g, " ")), size="2"),
                          spacing="1", align="start"),
                icon="calendar-x", color_scheme="red", role="alert", width="100%", id="cal-gaps")),
            rx.cond(s.error_key != "", rx.callout(t_var(s.error_key, ERRORS), color_scheme="red", role="alert",
                                                  icon="triangle-alert", width="100%", id="admin-error")),
            rx.cond(s.saved, rx.callout(t_fmt("admin.cal_saved", n=s.saved_moved), color_scheme="green",
                                        icon="check", width="100%", id="admin-saved")),
            rx.flex(
                rx.vstack(
                    rx.hstack(
                        rx.el.select(rx.foreach(s.years, lambda y: rx.el.option(y, value=y)), value=s.year,
                                     on_change=s.set_year, class_name="plain-select", aria_label="year",
                                     id="cal-year"),
                        rx.button(rx.icon("download"), t("admin.cal_load_year"), on_click=s.load_official_year,
                                  variant="soft", min_height=TAP, id="cal-load-year"),
                        spacing="2", wrap="wrap", align="center"),
                    rx.cond(s.missing_years, rx.callout(t("admin.cal_missing"), color_scheme="amber",
                                                        icon="calendar-x", width="100%", id="cal-missing")),
                    _pending_panel(),
                    _days_table(s.days, "cal-days", False),
                    spacing="3", flex="2", min_width="320px", width="100%"),
                rx.vstack(
                    rx.card(_day_form(), width="100%"),
                    rx.heading(t("admin.policy_title"), size="5", as_="h2"),
                    rx.vstack(rx.foreach(s.settings, _policy_row), width="100%", id="policy"),
                    spacing="3", flex="1", min_width="300px", width="100%"),
                gap="24px", wrap="wrap", width="100%", align="start"),
        ),
        title_key="admin.cal_title", wide=True,
    )
