"""Admin: eligibility parameters per city/county (低保标准、资产限额、不计入收入、边缘家庭倍数、分档), each with its effective
date and document number. A change is a new row: the values in force on every past date stay as they were, and the
history is listed under each parameter. The service checks role + region and writes the audit log.
"""

from __future__ import annotations

from datetime import date
from typing import TypedDict

import reflex as rx

from portal.shell.account import guarded
from portal.shell.i18n import t, t_var
from portal.shell.layout import page
from portal.applications.eligibility import queries
from portal.applications.eligibility import rules as el
from portal.applications.eligibility import services as ep
from portal.kernel.permissions import Role
from portal.kernel.workdays import china_today
from portal.shell.session import SignedInState
from portal.shell.args import checked

PARAM_KEYS = [f"elig.param.{k}" for k in el.PARAMETER_KEYS]
ERROR_KEYS = ["elig.err_param_level", "elig.err_param_key", "elig.err_param_value", "elig.err_param_document",
              "elig.err_param_date", "auth.forbidden"]


class RegionChoice(TypedDict):
    code: str
    name: str


class ParamRowView(TypedDict):
    key: str
    label_key: str
    value: str
    doc: str
    since: str
    source: str  # the region whose value applies (this one or the city above)
    history: str


class AdminEligibilityState(SignedInState):
    regions: list[RegionChoice] = []
    region_code: str = ""
    rows: list[ParamRowView] = []
    today: str = ""
    error_key: str = ""
    saved: bool = False

    @rx.event
    def load(self):
        actor = self._open_page(Role.ADMIN)
        if actor is None:
            return self._refused()
        self.regions = [RegionChoice(code=r.code, name=r.name) for r in queries.open_admin_regions(actor)]
        if self.region_code not in {r["code"] for r in self.regions}:
            self.region_code = self.regions[0]["code"] if self.regions else ""
        self._refresh(actor)

    def _refresh(self, actor) -> None:
        today = china_today()
        self.today = today.isoformat()
        self.rows = [ParamRowView(key=p.key, label_key=f"elig.param.{p.key}", value=p.value, doc=p.doc,
                                  since=p.since, source=p.source, history=p.history)
                     for p in queries.open_parameter_lines(actor, self.region_code, today)]

    @rx.event
    @checked
    def pick_region(self, code: str):
        actor = self._guard(Role.ADMIN)
        if actor is None:
            return
        self.region_code = code if code in {r["code"] for r in self.regions} else self.region_code
        self.error_key, self.saved = "", False
        self._refresh(actor)

    @rx.event
    @checked
    def save(self, form: dict):
        path = queries.region_path(self.region_code)
        actor = self._guard(Role.ADMIN, path or "/nonexistent/")
        if actor is None or path is None:
            self.error_key = "auth.forbidden"
            return
        key = str(form.get("key", ""))
        try:
            since = date.fromisoformat(str(form.get("since", "")))
        except ValueError:
            self.error_key, self.saved = "elig.err_param_date", False
            return
        actor, err = self._perform(Role.ADMIN, ep.set_parameter_at, self.region_code, key,
                                   str(form.get("value", ""))[:400], since, str(form.get("doc", ""))[:100])
        if actor is None or err:
            self.error_key, self.saved = err or "auth.forbidden", False
            return
        self.error_key, self.saved = "", True
        self._refresh(actor)


def _row(r: ParamRowView) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.text(t_var(r["label_key"], PARAM_KEYS), weight="bold", size="2"), class_name="nowrap"),
        rx.el.td(rx.text(rx.cond(r["value"] != "", r["value"], "—"), size="3", data_key=r["key"])),
        rx.el.td(r["doc"], class_name="nowrap"),
        rx.el.td(r["since"], class_name="nowrap"),
        rx.el.td(r["source"]),
        rx.el.td(rx.text(r["history"], size="1", color_scheme="gray")),
    )


def admin_eligibility() -> rx.Component:
    """At a desk the parameters in force fill the width as a table; the region and the form for a new value sit in
    the side column. One column on a phone."""
    s = AdminEligibilityState
    side = rx.el.aside(
        rx.el.label(t("elig.admin_region"), html_for="param-region", class_name="wiz-label"),
        rx.el.select(rx.foreach(s.regions, lambda r: rx.el.option(r["name"], value=r["code"])),
                     value=s.region_code, on_change=s.pick_region, id="param-region", class_name="screen-select"),
        rx.card(rx.form(rx.vstack(
            rx.heading(t("elig.admin_new"), size="3", as_="h2"),
            rx.el.label(t("elig.admin_key"), html_for="f-param-key", class_name="wiz-label"),
            rx.el.select(*[rx.el.option(t(f"elig.param.{k}"), value=k) for k in el.PARAMETER_KEYS], name="key",
                         id="f-param-key", class_name="screen-select"),
            rx.el.label(t("elig.admin_value"), html_for="f-param-value", class_name="wiz-label"),
            rx.text(t("elig.admin_value_hint"), size="1", color_scheme="gray"),
            rx.el.input(name="value", id="f-param-value", class_name="wiz-input"),
            rx.el.label(t("elig.admin_since"), html_for="f-param-since", class_name="wiz-label"),
            rx.el.input(name="since", id="f-param-since", type="date", class_name="wiz-input"),
            rx.el.label(t("elig.admin_doc"), html_for="f-param-doc", class_name="wiz-label"),
            rx.el.input(name="doc", id="f-param-doc", class_name="wiz-input"),
            rx.el.button(t("elig.admin_save"), type="submit", class_name="screen-next", id="param-save"),
            width="100%", spacing="2"), on_submit=s.save, reset_on_submit=True, width="100%"), width="100%"),
        class_name="desk-side",
    )
    main = rx.el.div(
        rx.cond(s.error_key != "", rx.callout(t_var(s.error_key, ERROR_KEYS), icon="triangle-alert",
                                              color_scheme="red", role="alert", id="param-error", width="100%")),
        rx.cond(s.saved, rx.callout(t("elig.admin_saved"), icon="check", color_scheme="green", id="param-saved",
                                    width="100%")),
        rx.heading(t("elig.admin_in_force"), size="4", as_="h2"),
        rx.el.table(
            rx.el.thead(rx.el.tr(rx.el.th(t("elig.admin_key")), rx.el.th(t("elig.admin_value")),
                                 rx.el.th(t("elig.admin_doc")), rx.el.th(t("elig.admin_since")),
                                 rx.el.th(t("elig.admin_source")), rx.el.th(t("elig.admin_history")))),
            rx.el.tbody(rx.foreach(s.rows, _row)), class_name="desk-table", id="param-rows"),
        class_name="desk-main",
    )
    return page(
        guarded(s, rx.text(t("elig.admin_intro"), size="2"),
                rx.el.div(main, side, class_name="desk-grid side-right")),
        title_key="elig.admin_title", desk=True,
    )
