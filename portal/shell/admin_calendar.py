"""Admin: the working-day calendar (法定节假日 / 调休) and the rating policy settings, both stored as data."""

from __future__ import annotations

from datetime import date
from typing import TypedDict

import reflex as rx
from sqlalchemy import extract, select

from portal.shell.account import guarded
from portal.shell.i18n import t, t_var
from portal.shell.layout import TAP, page
from portal.kernel.db import session_scope
from portal.accounts.models import Role
from portal.kernel.base import utcnow
from portal.kernel.calendar_models import CalendarDayRow
from portal.kernel import calendar_store
from portal.kernel import policy
from portal.kernel.workdays import HOLIDAY, WORKDAY, china_date
from portal.shell.session import SignedInState
from portal.shell.args import checked, one_of

ERRORS = ["admin.cal_bad_date", "admin.cal_bad_kind", "admin.policy_bad_value"]
KIND_KEYS = ["admin.cal_kind.holiday", "admin.cal_kind.workday"]
POLICY_KEYS = [f"policy.{k}" for k in policy.DEFAULTS]


class DayRow(TypedDict):
    day: str
    kind_key: str
    name: str


class PolicyRow(TypedDict):
    key: str
    label_key: str
    value: str


class AdminCalendarState(SignedInState):
    year: str = ""
    years: list[str] = []
    days: list[DayRow] = []
    settings: list[PolicyRow] = []
    missing_years: bool = False
    error_key: str = ""
    saved: bool = False

    @rx.event
    def load(self):
        actor = self._open_page(Role.ADMIN)
        if actor is None:
            return self._refused()
        this_year = china_date(utcnow()).year
        self.years = [str(y) for y in range(this_year - 1, this_year + 2)]
        self.year = self.year if self.year in self.years else str(this_year)
        self._refresh()

    def _refresh(self) -> None:
        with session_scope() as session:
            rows = session.execute(select(CalendarDayRow).where(extract("year", CalendarDayRow.day) == int(self.year))
                                   .order_by(CalendarDayRow.day)).scalars().all()
            self.settings = [PolicyRow(key=k, label_key=f"policy.{k}", value=str(policy.get(session, k)))
                             for k in policy.DEFAULTS]
        self.days = [DayRow(day=r.day.isoformat(), kind_key=f"admin.cal_kind.{r.kind}", name=r.name) for r in rows]
        # Next year's schedule is published each November: warn while it is still missing.
        self.missing_years = not self.days

    @rx.event
    @checked
    def set_year(self, year: str):
        if self._guard(Role.ADMIN) is None:
            return
        self.year, self.error_key = one_of(year, self.years), ""
        self._refresh()

    def _save(self, fn) -> None:
        actor = self._guard(Role.ADMIN)
        if actor is None:
            return
        try:
            with session_scope() as session:
                fn(session, actor)
        except _BadInput as exc:
            self.error_key, self.saved = exc.key, False
            return
        self.error_key, self.saved = "", True
        self._refresh()

    @rx.event
    @checked
    def set_day(self, form: dict):
        def apply(session, actor):
            try:
                day = date.fromisoformat(str(form.get("day", "")))
            except ValueError:
                raise _BadInput("admin.cal_bad_date") from None
            kind = str(form.get("kind", ""))
            if kind not in (HOLIDAY, WORKDAY, "none"):
                raise _BadInput("admin.cal_bad_kind")
            calendar_store.set_day(session, actor, day, None if kind == "none" else kind,
                                   str(form.get("name", ""))[:40])
        self._save(apply)

    @rx.event
    @checked
    def set_policy(self, form: dict):
        def apply(session, actor):
            key = str(form.get("key", ""))
            try:
                value = int(str(form.get("value", "")).strip())
            except ValueError:
                raise _BadInput("admin.policy_bad_value") from None
            if key not in policy.DEFAULTS or value < 1 or value > 100_000:
                raise _BadInput("admin.policy_bad_value")
            policy.set_value(session, actor, key, value)
        self._save(apply)


class _BadInput(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _day_form() -> rx.Component:
    s = AdminCalendarState
    return rx.form(
        rx.vstack(
            rx.el.label(t("admin.cal_day"), html_for="cal-day"),
            rx.el.input(type="date", name="day", id="cal-day", required=True, class_name="plain-select"),
            rx.el.select(rx.el.option(t("admin.cal_kind.holiday"), value=HOLIDAY),
                         rx.el.option(t("admin.cal_kind.workday"), value=WORKDAY),
                         rx.el.option(t("admin.cal_kind.none"), value="none"),
                         name="kind", class_name="plain-select", aria_label="kind"),
            rx.input(name="name", placeholder=t("admin.cal_name"), max_length=40, size="3", width="100%"),
            rx.button(t("admin.save"), type="submit", min_height=TAP),
            spacing="2", width="100%", align="start",
        ),
        on_submit=s.set_day, width="100%", id="cal-form",
    )


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
            rx.cond(s.error_key != "", rx.callout(t_var(s.error_key, ERRORS), color_scheme="red", role="alert",
                                                  icon="triangle-alert", width="100%", id="admin-error")),
            rx.cond(s.saved, rx.callout(t("case.done"), color_scheme="green", icon="check", width="100%",
                                        id="admin-saved")),
            rx.el.select(rx.foreach(s.years, lambda y: rx.el.option(y, value=y)), value=s.year,
                         on_change=s.set_year, class_name="plain-select", aria_label="year", id="cal-year"),
            rx.cond(s.missing_years, rx.callout(t("admin.cal_missing"), color_scheme="amber", icon="calendar-x",
                                                width="100%")),
            rx.el.table(rx.el.tbody(rx.foreach(s.days, lambda d: rx.el.tr(
                rx.el.td(d["day"]), rx.el.td(t_var(d["kind_key"], KIND_KEYS)), rx.el.td(d["name"])))),
                class_name="results-table", id="cal-days"),
            rx.card(_day_form(), width="100%"),
            rx.heading(t("admin.policy_title"), size="5", as_="h2"),
            rx.vstack(rx.foreach(s.settings, _policy_row), width="100%", id="policy"),
        ),
        title_key="admin.cal_title",
    )
