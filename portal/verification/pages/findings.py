"""/officer/findings: the findings of register re-verification runs in the officer's regions (关系保 findings only
for county officers), with filters, counts by township and check, a resolution per finding (keep / review the case /
suspend through the register) and an Excel export of the filtered list. Reads and actions go through the one action
runner; the services check role and region again and write the audit log."""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from portal.i18n import MESSAGES
from portal.kernel import routes
from portal.kernel.permissions import Role
from portal.shell.account import guarded
from portal.shell.args import checked
from portal.shell.i18n import t, t_fmt, t_var
from portal.shell.layout import page
from portal.shell.session import SignedInState
from portal.verification import queries as vq
from portal.verification import rules as vr
from portal.verification import services as vs

REGISTER_RESOLUTIONS = vs.REGISTER_RESOLUTIONS
RULE_KEYS = [f"verify.rule.{r}" for r in vr.RULES]
SOURCE_KEYS = [f"verify.source.{k}" for k in vr.SOURCES] + ["verify.source.register"]
RESOLUTION_KEYS = [f"verify.resolution.{r}" for r in REGISTER_RESOLUTIONS]
STATUS_KEYS = ["verify.status.new", "verify.status.open", "verify.status.resolved"]
HOUSEHOLD_KEYS = [k for k in MESSAGES if k.startswith("verify.household_status.")]
ERROR_KEYS = [k for k in MESSAGES if k.startswith(("verify.err_", "register.err_"))] + ["auth.forbidden"]


class Row(TypedDict):
    id: str
    household: str
    head: str
    place: str
    rule_key: str
    high: bool
    county: bool
    member: str
    declared: str
    found: str
    refs: str
    source_key: str
    as_of: str
    document_no: str
    status_key: str
    resolution_key: str
    note: str
    household_key: str


class Count(TypedDict):
    township: str
    rule_key: str
    n: int


class FindingsState(SignedInState):
    rows: list[Row] = []
    total: int = 0
    counts: list[Count] = []
    rule: str = ""
    status: str = ""
    settled: str = "no"
    township: str = ""
    error_key: str = ""
    notice_key: str = ""

    def _refresh(self, session, actor) -> None:
        filters = vq.Filters(self.rule, self.status, self.settled, self.township)
        rows, self.total = vq.queue(session, actor, filters)
        self.rows = [Row(id=str(r.id), household=r.household, head=r.head, place=f"{r.village} · {r.township}",
                         rule_key=f"verify.rule.{r.rule}", high=r.severity == "high", county=r.routed_to == "county",
                         member=r.member, declared=r.declared, found=r.found, refs=r.refs,
                         source_key=f"verify.source.{r.source}", as_of=r.as_of, document_no=r.document_no,
                         status_key=f"verify.status.{r.status}",
                         resolution_key=f"verify.resolution.{r.resolution}" if r.resolution else "", note=r.note,
                         household_key=f"verify.household_status.{r.household_status}") for r in rows]
        self.counts = [Count(township=tw, rule_key=f"verify.rule.{rule}", n=n) for tw, rule, n in vq.counts(session, actor)]

    @rx.var
    def export_href(self) -> str:
        from urllib.parse import urlencode

        return routes.API_FINDINGS_XLSX + "?" + urlencode({"rule": self.rule, "status": self.status,
                                                           "settled": self.settled, "township": self.township})

    @rx.event
    def load(self):
        actor = self._open_page(Role.OFFICER)
        if actor is None:
            return self._refused()
        self._perform(Role.OFFICER, self._refresh)

    @rx.event
    @checked
    def apply_filters(self, form: dict):
        rule, status = str(form.get("rule", "")), str(form.get("status", ""))
        settled, township = str(form.get("settled", "")), str(form.get("township", "")).strip()
        self.rule = rule if rule in vr.RULES else ""
        self.status = status if status in ("new", "open", "resolved") else ""
        self.settled = settled if settled in ("no", "yes") else ""
        self.township = township[:12] if township.isdigit() else ""
        self.error_key = self.notice_key = ""
        self._perform(Role.OFFICER, self._refresh)

    @rx.event
    @checked
    def resolve(self, form: dict):
        try:
            finding = int(str(form.get("finding", "")))
        except ValueError:
            self.error_key = "auth.forbidden"
            return
        resolution, note = str(form.get("resolution", ""))[:16], str(form.get("note", ""))[:vs.MAX_NOTE + 10]

        def run(session, actor):
            vs.resolve_register_finding(session, actor, finding, resolution, note)
            session.flush()
            self._refresh(session, actor)

        actor, key = self._perform(Role.OFFICER, run)
        if actor is None:
            return
        self.error_key, self.notice_key = key, "" if key else "verify.settled_saved"
        if key:
            self._perform(Role.OFFICER, self._refresh)


def _row(r: Row) -> rx.Component:
    s = FindingsState
    settle = rx.form(
        rx.el.input(type="hidden", name="finding", value=r["id"]),
        rx.hstack(
            rx.el.select(rx.el.option(t("verify.resolution.choose"), value=""),
                         *[rx.el.option(t(f"verify.resolution.{x}"), value=x) for x in REGISTER_RESOLUTIONS],
                         name="resolution", class_name="screen-select", id="settle-resolution-" + r["id"],
                         aria_label=t("verify.resolution.choose")),
            rx.el.input(name="note", class_name="wiz-input", id="settle-note-" + r["id"], flex="1",
                        placeholder=t("verify.resolution_note"), aria_label=t("verify.resolution_note")),
            rx.el.button(t("verify.resolve"), type="submit", class_name="screen-next finding-submit",
                         id="settle-submit-" + r["id"]),
            width="100%", wrap="wrap", spacing="2", align="center"),
        on_submit=s.resolve, reset_on_submit=True, width="100%")
    return rx.el.tr(
        rx.el.td(rx.el.strong(r["household"]), " ", r["head"], rx.el.br(), rx.el.small(r["place"]), rx.el.br(),
                 rx.badge(t_var(r["household_key"], HOUSEHOLD_KEYS), color_scheme="gray")),
        rx.el.td(rx.text(t_var(r["rule_key"], RULE_KEYS), weight="bold", size="2"),
                 rx.cond(r["member"] != "", rx.el.div(rx.el.small(r["member"]))),
                 rx.hstack(rx.cond(r["high"], rx.badge(t("verify.severity.high"), color_scheme="red")),
                           rx.cond(r["county"], rx.badge(t("verify.routed_county"), color_scheme="purple")),
                           rx.badge(t_var(r["status_key"], STATUS_KEYS), color_scheme="blue"), spacing="1")),
        rx.el.td(r["declared"], class_name="finding-declared"),
        rx.el.td(rx.el.strong(r["found"]), rx.cond(r["refs"] != "", rx.el.div(rx.el.small(r["refs"]))),
                 class_name="finding-found"),
        rx.el.td(t_var(r["source_key"], SOURCE_KEYS),
                 rx.cond(r["as_of"] != "", rx.el.div(rx.el.small(t_fmt("verify.as_of", day=r["as_of"])))),
                 rx.cond(r["document_no"] != "", rx.el.div(rx.el.small(r["document_no"])))),
        rx.el.td(rx.cond(r["resolution_key"] != "",
                         rx.vstack(rx.badge(t_var(r["resolution_key"], RESOLUTION_KEYS), color_scheme="green"),
                                   rx.text(r["note"], size="2"), spacing="1", align="start"),
                         settle), min_width="300px"),
        id="finding-" + r["id"],
    )


def _filters() -> rx.Component:
    s = FindingsState
    # Uncontrolled controls (default values): the form sends what the officer chose, the state keeps the filter.
    return rx.form(rx.el.div(
        rx.el.select(rx.el.option(t("verify.filter_rule_all"), value=""),
                     *[rx.el.option(t(f"verify.rule.{r}"), value=r) for r in vr.RULES],
                     name="rule", default_value="", id="filter-rule", class_name="screen-select",
                     aria_label=t("verify.col_rule")),
        rx.el.select(rx.el.option(t("verify.filter_status_active"), value=""),
                     *[rx.el.option(t(f"verify.filter_status_{x}"), value=x) for x in ("new", "open", "resolved")],
                     name="status", default_value="", id="filter-status", class_name="screen-select",
                     aria_label=t("verify.col_status")),
        rx.el.select(*[rx.el.option(t(f"verify.filter_settled_{x}"), value=v)
                       for x, v in (("no", "no"), ("yes", "yes"), ("all", ""))],
                     name="settled", default_value="no", id="filter-settled", class_name="screen-select",
                     aria_label=t("verify.col_resolution")),
        rx.el.input(name="township", default_value="", placeholder=t("verify.filter_township"),
                    id="filter-township", class_name="wiz-input", input_mode="numeric", max_length=12,
                    aria_label=t("verify.filter_township")),
        rx.el.button(t("verify.filter_apply"), type="submit", class_name="screen-next", id="filter-apply"),
        rx.link(t("verify.export"), href=s.export_href, id="findings-export", class_name="screen-next",
                underline="none", is_external=True),
        class_name="filter-bar"), on_submit=s.apply_filters, width="100%")


def officer_findings() -> rx.Component:
    s = FindingsState
    return page(
        guarded(
            s,
            rx.text(t("verify.findings_intro"), size="2"),
            rx.cond(s.error_key != "", rx.callout(t_var(s.error_key, ERROR_KEYS), icon="triangle-alert",
                                                  color_scheme="red", role="alert", id="findings-error",
                                                  width="100%")),
            rx.cond(s.notice_key != "", rx.callout(t("verify.settled_saved"), icon="check", color_scheme="green",
                                                   id="findings-notice", width="100%")),
            rx.cond(s.counts.length() > 0, rx.el.details(
                rx.el.summary(t("verify.counts_title"), class_name="action-summary"),
                rx.el.table(rx.el.tbody(rx.foreach(s.counts, lambda c: rx.el.tr(
                    rx.el.td(c["township"]), rx.el.td(t_var(c["rule_key"], RULE_KEYS)), rx.el.td(c["n"])))),
                    class_name="queue-table"), id="findings-counts", open=True)),
            _filters(),
            rx.text(t_fmt("verify.total", n=s.total), size="2", id="findings-total"),
            rx.cond(s.rows.length() > 0,
                    rx.box(rx.el.table(
                        rx.el.thead(rx.el.tr(rx.el.th(t("verify.col_household")), rx.el.th(t("verify.col_rule")),
                                             rx.el.th(t("verify.col_declared")), rx.el.th(t("verify.col_found")),
                                             rx.el.th(t("verify.col_source")),
                                             rx.el.th(t("verify.col_resolution")))),
                        rx.el.tbody(rx.foreach(s.rows, _row)), class_name="queue-table findings-table",
                        id="findings-list"), width="100%", overflow_x="auto"),
                    rx.text(t("verify.empty"), id="findings-empty")),
        ),
        title_key="verify.findings_title", wide=True, tables=True,
    )
