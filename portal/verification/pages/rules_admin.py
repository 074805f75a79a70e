"""/admin/verification-rules: the comparison rules as dated rows per province, city or county. A change is a new row
with its effective date and document number (文号), so the history stays and a run is judged by the rows in force on
its date; "switch off" is a dated row too. Reads and the change go through the one action runner; the service checks
the admin's region and writes the audit log."""

from __future__ import annotations

from datetime import date
from typing import TypedDict

import reflex as rx

from portal.i18n import MESSAGES
from portal.kernel.permissions import Role
from portal.shell.account import guarded
from portal.shell.args import checked
from portal.shell.i18n import t, t_var
from portal.shell.layout import page
from portal.shell.session import SignedInState
from portal.shell.ui import CLEAR_ON_SUCCESS, clear_done_forms
from portal.verification import queries as vq
from portal.verification import rules as vr
from portal.verification import services as vs

RULE_KEYS = [f"verify.rule.{r}" for r in vr.RULES]
CHOICE_KEYS = [k for k in MESSAGES if k.startswith("verify.choice.")]
ERROR_KEYS = [k for k in MESSAGES if k.startswith("verify.err_")] + ["auth.forbidden"]
MONEY_PARAMS = [n for spec in vr.RULES.values() for n, k in spec.params.items() if k == vr.P_MONEY]
COUNT_PARAMS = [n for spec in vr.RULES.values() for n, k in spec.params.items() if k == vr.P_COUNT]
LIST_PARAMS = {n: k for spec in vr.RULES.values() for n, k in spec.params.items() if isinstance(k, tuple)}


class RegionOption(TypedDict):
    code: str
    label: str


class RuleRow(TypedDict):
    rule_key: str
    region: str
    since: str
    doc: str
    values: str
    disabled: bool
    in_force: bool
    by: str


def _describe(params: dict) -> str:
    """Parameters as an admin reads them: money in yuan, lists comma-separated (codes are the file formats')."""
    out = []
    for name, value in params.items():
        if name in MONEY_PARAMS:
            out.append(f"{name[:-4]}_yuan = {value / 100:,.2f}")
        elif isinstance(value, list):
            out.append(f"{name} = {', '.join(value)}")
        else:
            out.append(f"{name} = {value}")
    return "; ".join(out)


def parse_form(rule: str, form: dict) -> dict:
    """The rule's parameters from the form (money typed in yuan); ValueError for a bad or missing value."""
    if form.get("disable"):
        return dict(vr.DISABLED)
    params: dict[str, object] = {}
    for name, kind in vr.RULES[rule].params.items():
        if kind == vr.P_MONEY:
            params[name] = round(float(str(form.get(name, "")).replace(",", "")) * 100)
        elif kind == vr.P_COUNT:
            params[name] = int(str(form.get(name, "")))
        else:
            params[name] = [c for c in kind if form.get(f"{name}-{c}")]
    return params


class AdminRulesState(SignedInState):
    rows: list[RuleRow] = []
    # The provinces, cities and counties this admin may set a rule for (the service checks the one sent again).
    regions: list[RegionOption] = []
    rule: str = "deposits"
    error_key: str = ""
    saved: bool = False

    def _refresh(self, session, actor) -> None:
        self.rows = [RuleRow(rule_key=f"verify.rule.{r.rule}", region=r.region, since=r.effective_from,
                             doc=r.document_no, values=_describe(r.params) if not r.disabled else "",
                             disabled=r.disabled, in_force=r.in_force, by=r.created_by)
                     for r in vs.rules_for_admin(session, actor)]

    @rx.event
    def load(self):
        actor = self._open_page(Role.ADMIN)
        if actor is None:
            return self._refused()

        def run(session, actor):
            self.regions = [RegionOption(code=r.code, label="\u3000" * r.depth + f"{r.name} ({r.code})")
                            for r in vq.rule_regions(session, actor)]
            self._refresh(session, actor)

        self._perform(Role.ADMIN, run)

    @rx.event
    @checked
    def choose(self, value: str):
        self.rule = value if value in vr.RULES else "deposits"

    @rx.event
    @checked
    def save(self, form: dict):
        self.saved = False
        try:
            params = parse_form(self.rule, form)
            since = date.fromisoformat(str(form.get("since", "")))
        except ValueError:
            self.error_key = "verify.err_rule_params"
            return
        region, doc = str(form.get("region", "")).strip(), str(form.get("document_no", ""))[:100]

        def run(session, actor):
            vs.set_rule_by_admin(session, actor, region, self.rule, params, since, doc)
            session.flush()
            self._refresh(session, actor)

        actor, key = self._perform(Role.ADMIN, run)
        if actor is None:
            return None
        self.error_key, self.saved = key, not key
        return None if key else clear_done_forms()


def _param_inputs(rule: str) -> rx.Component:
    fields = []
    for name, kind in vr.RULES[rule].params.items():
        if kind == vr.P_MONEY:
            fields.append(rx.vstack(rx.el.label(t(f"verify.param.{name}"), html_for=f"p-{name}", class_name="wiz-label"),
                                    rx.el.input(name=name, id=f"p-{name}", class_name="wiz-input", input_mode="decimal"),
                                    spacing="1", width="100%"))
        elif kind == vr.P_COUNT:
            fields.append(rx.vstack(rx.el.label(t(f"verify.param.{name}"), html_for=f"p-{name}", class_name="wiz-label"),
                                    rx.el.input(name=name, id=f"p-{name}", class_name="wiz-input", input_mode="numeric"),
                                    spacing="1", width="100%"))
        else:
            fields.append(rx.vstack(rx.text(t(f"verify.param.{name}"), class_name="wiz-label"),
                                    *[rx.el.label(rx.el.input(type="checkbox", name=f"{name}-{c}", id=f"p-{name}-{c}"),
                                                  rx.text(t(f"verify.choice.{c}")), class_name="wiz-check")
                                      for c in kind], spacing="1", width="100%"))
    return rx.vstack(*fields, width="100%", spacing="2")


def _row(r: RuleRow) -> rx.Component:
    return rx.el.tr(
        rx.el.td(t_var(r["rule_key"], RULE_KEYS)), rx.el.td(r["region"]), rx.el.td(r["since"]),
        rx.el.td(rx.cond(r["disabled"], rx.badge(t("verify.rule_off"), color_scheme="gray"), rx.el.code(r["values"]))),
        rx.el.td(r["doc"]), rx.el.td(rx.cond(r["in_force"], rx.badge(t("verify.rule_in_force"), color_scheme="green"))),
        rx.el.td(r["by"]))


def admin_rules() -> rx.Component:
    s = AdminRulesState
    return page(
        guarded(
            s,
            rx.text(t("verify.rules_intro"), size="2"),
            rx.cond(s.error_key != "", rx.callout(t_var(s.error_key, ERROR_KEYS), icon="triangle-alert",
                                                  color_scheme="red", role="alert", id="rules-error", width="100%")),
            rx.cond(s.saved, rx.callout(t("verify.rule_saved"), icon="check", color_scheme="green", id="rules-saved",
                                        width="100%")),
            rx.card(rx.form(rx.vstack(
                rx.heading(t("verify.rule_new"), size="3", as_="h2"),
                rx.el.label(t("verify.col_rule"), html_for="rule-choice", class_name="wiz-label"),
                rx.el.select(*[rx.el.option(t(f"verify.rule.{r}"), value=r) for r in vr.RULES], value=s.rule,
                             on_change=s.choose, id="rule-choice", class_name="screen-select"),
                rx.match(s.rule, *[(r, _param_inputs(r)) for r in vr.RULES], rx.fragment()),
                rx.el.label(rx.el.input(type="checkbox", name="disable", id="rule-disable"),
                            rx.text(t("verify.rule_disable")), class_name="wiz-check"),
                rx.el.div(
                    rx.vstack(rx.el.label(t("verify.rule_region"), html_for="rule-region", class_name="wiz-label"),
                              rx.el.select(rx.foreach(s.regions, lambda r: rx.el.option(r["label"],
                                                                                        value=r["code"])),
                                           name="region", id="rule-region", class_name="screen-select",
                                           required=True), spacing="1"),
                    rx.vstack(rx.el.label(t("verify.rule_since"), html_for="rule-since", class_name="wiz-label"),
                              rx.el.input(name="since", type="date", id="rule-since", class_name="wiz-input"),
                              spacing="1"),
                    rx.vstack(rx.el.label(t("verify.rule_document"), html_for="rule-document", class_name="wiz-label"),
                              rx.el.input(name="document_no", id="rule-document", class_name="wiz-input",
                                          max_length=80), spacing="1"),
                    class_name="filter-bar"),
                rx.el.button(t("verify.rule_save"), type="submit", class_name="screen-next", id="rule-save"),
                width="100%", spacing="2"), on_submit=s.save, class_name=CLEAR_ON_SUCCESS, width="100%"),
                width="100%"),
            rx.heading(t("verify.rules_history"), size="4", as_="h2"),
            rx.box(rx.el.table(
                rx.el.thead(rx.el.tr(*[rx.el.th(t(k)) for k in (
                    "verify.col_rule", "verify.rule_region", "verify.rule_since", "verify.rule_values",
                    "verify.rule_document", "verify.rule_in_force", "verify.rule_by")])),
                rx.el.tbody(rx.foreach(s.rows, _row)), class_name="queue-table", id="rules-list"),
                width="100%", overflow_x="auto"),
        ),
        title_key="verify.rules_title", wide=True,
    )
