"""/admin/supervision: the power list's versions and the risk rules' settings, for an admin granted at the province.

Every version of every power is listed with its dates and document number; publishing a new one (time limit, posts,
control and risk points) adds a version from its date on and keeps the old one. Each risk rule can be switched,
re-tuned and given a reviewing level, with a reason. Reads through `supervision.queries`, changes through the one
action runner; the services guard (province admins) and audit. Desk width.
"""

from __future__ import annotations

from datetime import date
from typing import TypedDict

import reflex as rx

from portal.kernel.permissions import PermissionDenied, Role
from portal.shell.account import guarded, whoami
from portal.shell.args import checked, one_of, short_text
from portal.shell.i18n import t, t_fmt, t_var
from portal.shell.layout import TAP, page
from portal.shell.session import SignedInState
from portal.shell.ui import UIState
from portal.supervision import queries, rules, services

RULE_KEYS = [f"sup.rule.{r.key}" for r in rules.RISK_RULES]
UNIT_KEYS = [f"sup.unit.{u}" for u in sorted({r.unit for r in rules.RISK_RULES})]
REVIEW_KEYS = [f"sup.review.{x}" for x in rules.REVIEW_LEVELS]
ERROR_KEYS = ["sup.err_power", "sup.err_power_fields", "sup.err_power_date", "sup.err_power_past",
              "sup.err_power_document", "sup.err_rule", "sup.err_rule_reason", "auth.forbidden",
              "common.bad_argument"]
FIELD = {"min_height": TAP, "font_size": "16px", "padding": "8px", "border": "1px solid var(--gray-7)",
         "border_radius": "6px", "background": "var(--color-panel)", "box_sizing": "border-box", "width": "100%"}
MAX_LINES = services.MAX_POINTS


class PowerOpt(TypedDict):
    key: str
    name_zh: str
    name_en: str


class VersionView(TypedDict):
    key: str
    name_zh: str
    name_en: str
    since: str
    until: str
    doc: str
    limit: int
    a_post: str
    b_post: str
    control: str
    risk: str
    by: str
    in_force: bool


class RuleView(TypedDict):
    key: str
    unit_key: str
    enabled: bool
    threshold: int
    window_days: int
    review: str
    default_threshold: int
    reason: str
    by: str
    at: str


def _lines(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in str(text or "").splitlines() if x.strip())[: MAX_LINES + 1]


class AdminSupervisionState(SignedInState):
    powers: list[PowerOpt] = []
    versions: list[VersionView] = []
    rules_view: list[RuleView] = []
    chosen: str = rules.POWER_KEYS[0]
    cur_limit: str = ""
    cur_a: str = ""
    cur_b: str = ""
    cur_control: str = ""
    cur_risk: str = ""
    form_key: int = 0
    error_key: str = ""
    notice_key: str = ""

    def _fill(self, actor) -> None:
        rows = queries.power_versions(actor)
        self.versions = [VersionView(key=r.key, name_zh=r.name_zh, name_en=r.name_en, since=r.effective_from,
                                     until=r.until, doc=r.document_no, limit=r.time_limit_wd or 0, a_post=r.a_post,
                                     b_post=r.b_post, control=" · ".join(r.control_points),
                                     risk=" · ".join(r.risk_points), by=r.created_by, in_force=r.in_force)
                         for r in rows]
        self.powers = [PowerOpt(key=r.key, name_zh=r.name_zh, name_en=r.name_en) for r in rows if r.in_force]
        self.rules_view = [RuleView(key=r.key, unit_key=f"sup.unit.{r.unit}", enabled=r.enabled,
                                    threshold=r.threshold, window_days=r.window_days, review=r.review_level,
                                    default_threshold=r.default_threshold, reason=r.reason, by=r.updated_by,
                                    at=r.updated_at) for r in queries.rule_settings(actor)]
        self._prefill(rows)

    def _prefill(self, rows) -> None:
        """The publish form starts from the version of the chosen power in force today."""
        current = next((r for r in rows if r.key == self.chosen and r.in_force), None)
        if current is not None:
            self.cur_limit = str(current.time_limit_wd or "")
            self.cur_a, self.cur_b = current.a_post, current.b_post
            self.cur_control = "\n".join(current.control_points)
            self.cur_risk = "\n".join(current.risk_points)
        self.form_key += 1  # the form's fields take the new defaults

    @rx.event
    def load(self):
        actor = self._open_page(Role.ADMIN)
        if actor is None:
            return self._refused()
        self.error_key, self.notice_key = "", ""
        try:
            self._fill(actor)
        except PermissionDenied:  # an admin of a city or county: the power list is the province's
            self._refuse_page()

    @rx.event
    @checked
    def choose(self, key: str):
        actor = self._guard(Role.ADMIN)
        if actor is None:
            return
        key = one_of(key, rules.POWER_KEYS)
        if key == self.chosen:  # re-choosing the same power must not reset what the admin has typed
            return
        self.chosen = key
        self.error_key, self.notice_key = "", ""
        try:
            self._prefill(queries.power_versions(actor))
        except PermissionDenied:
            self._refuse_page()

    @rx.event
    @checked
    def publish(self, form: dict):
        limit = str(form.get("limit", "")).strip()[:3]
        try:
            since = date.fromisoformat(str(form.get("since", ""))[:10])
        except ValueError:
            self.error_key, self.notice_key = "sup.err_power_date", ""
            return
        if limit and not limit.isdigit():
            self.error_key, self.notice_key = "sup.err_power_fields", ""
            return
        key = self.chosen

        def run(session, actor):
            services.revise_power(session, actor, key, since, short_text(form.get("document_no", ""), 61),
                                  time_limit_wd=int(limit) if limit else None,
                                  a_post=short_text(form.get("a_post", ""), 81),
                                  b_post=short_text(form.get("b_post", ""), 81),
                                  control_points=_lines(form.get("control", "")),
                                  risk_points=_lines(form.get("risk", "")))
        actor, err = self._perform(Role.ADMIN, run)
        self.error_key, self.notice_key = err, "" if err else "sup.admin.published"
        if actor is not None and not err:
            self._fill(actor)

    @rx.event
    @checked
    def save_rule(self, form: dict):
        key = one_of(str(form.get("rule", "")), tuple(rules.RULES_BY_KEY))
        threshold, window = str(form.get("threshold", "")).strip()[:6], str(form.get("window", "")).strip()[:5]
        if not threshold.isdigit() or not window.isdigit():
            self.error_key, self.notice_key = "sup.err_rule", ""
            return

        def run(session, actor):
            services.set_rule(session, actor, key, bool(form.get("enabled")), int(threshold), int(window),
                              reason=short_text(form.get("reason", ""), 501),
                              review_level=one_of(str(form.get("review", "")), rules.REVIEW_LEVELS))
        actor, err = self._perform(Role.ADMIN, run)
        self.error_key, self.notice_key = err, "" if err else "sup.admin.saved"
        if actor is not None and not err:
            self._fill(actor)


def _lang(zh, en):
    return rx.cond(UIState.lang == "en", en, zh)


def _label(key: str, for_id: str) -> rx.Component:
    return rx.el.label(t(key), html_for=for_id, class_name="rt-Text rt-r-size-2")


def _field(key: str, for_id: str, control: rx.Component) -> rx.Component:
    return rx.vstack(_label(key, for_id), control, spacing="1", width="100%")


def _publish_form() -> rx.Component:
    s = AdminSupervisionState
    points = {**FIELD, "min_height": "96px"}
    return rx.card(rx.vstack(
        rx.heading(t("sup.admin.publish"), size="4", as_="h2"),
        _label("sup.admin.power", "power-choice"),
        rx.el.select(rx.foreach(s.powers, lambda p: rx.el.option(_lang(p["name_zh"], p["name_en"]), value=p["key"])),
                     value=s.chosen, on_change=s.choose, id="power-choice", style=FIELD),
        rx.form(rx.vstack(
            rx.grid(
                _field("sup.admin.effective", "power-since", rx.el.input(type="date", name="since", id="power-since", required=True,
                                                          style=FIELD)),
                _field("sup.admin.document", "power-document", rx.el.input(name="document_no", id="power-document", required=True,
                                                         max_length=60, style=FIELD)),
                _field("sup.admin.time_limit", "power-limit", rx.el.input(name="limit", id="power-limit", input_mode="numeric",
                                                           default_value=s.cur_limit, style=FIELD)),
                columns="3", spacing="3", width="100%"),
            rx.grid(
                _field("sup.admin.a_post", "power-a", rx.el.input(name="a_post", id="power-a", default_value=s.cur_a,
                                                       required=True, max_length=80, style=FIELD)),
                _field("sup.admin.b_post", "power-b", rx.el.input(name="b_post", id="power-b", default_value=s.cur_b,
                                                       required=True, max_length=80, style=FIELD)),
                columns="2", spacing="3", width="100%"),
            rx.grid(
                _field("sup.control_points", "power-control", rx.el.textarea(name="control", id="power-control", rows=4,
                                                            default_value=s.cur_control, style=points)),
                _field("sup.risk_points", "power-risk", rx.el.textarea(name="risk", id="power-risk", rows=4,
                                                         default_value=s.cur_risk, style=points)),
                columns="2", spacing="3", width="100%"),
            rx.text(t("sup.admin.points_help"), size="1", color_scheme="gray"),
            rx.button(t("sup.admin.publish"), type="submit", min_height=TAP, id="power-publish"),
            spacing="3", width="100%"),
            on_submit=s.publish, reset_on_submit=False, width="100%", key=s.form_key.to_string(), id="power-form"),
        spacing="3", width="100%"), width="100%")


def _version_row(v: VersionView) -> rx.Component:
    return rx.el.tr(
        rx.el.td(_lang(v["name_zh"], v["name_en"])),
        rx.el.td(rx.cond(v["since"] != "", v["since"], t("sup.admin.seed"))),
        rx.el.td(v["until"]),
        rx.el.td(v["doc"]),
        rx.el.td(rx.cond(v["limit"] > 0, t_fmt("sup.time_limit_wd", n=v["limit"]), t("sup.no_limit"))),
        rx.el.td(t_fmt("sup.posts", a=v["a_post"], b=v["b_post"])),
        rx.el.td(v["control"]), rx.el.td(v["risk"]), rx.el.td(v["by"]),
        rx.el.td(rx.cond(v["in_force"], rx.badge(t("sup.admin.in_force"), color_scheme="green"))),
        class_name="version-row", id="version-" + v["key"].replace(".", "-") + "-" + v["since"],
    )


def _versions() -> rx.Component:
    s = AdminSupervisionState
    heads = ("sup.admin.power", "sup.admin.effective", "sup.admin.until", "sup.admin.document", "sup.time_limit",
             "sup.admin.posts", "sup.control_points", "sup.risk_points", "sup.admin.by", "sup.admin.in_force")
    return rx.card(rx.vstack(
        rx.heading(t("sup.admin.versions"), size="4", as_="h2"),
        rx.box(rx.el.table(rx.el.thead(rx.el.tr(*[rx.el.th(t(k)) for k in heads])),
                           rx.el.tbody(rx.foreach(s.versions, _version_row)), class_name="queue-table",
                           id="power-versions"), width="100%", overflow_x="auto"),
        spacing="3", width="100%"), width="100%")


def _rule_row(r: RuleView) -> rx.Component:
    s = AdminSupervisionState
    small = {**FIELD, "width": "96px"}
    key = r["key"]
    return rx.form(rx.box(
        rx.vstack(rx.text(t_var("sup.rule." + key, RULE_KEYS), weight="medium"),
                  rx.text(t("sup.admin.defaults"), t("sup.colon"), r["default_threshold"], " ",
                          t_var(r["unit_key"], UNIT_KEYS), size="1", color_scheme="gray"),
                  rx.cond(r["at"] != "", rx.text(t("sup.admin.last"), t("sup.colon"), r["at"], " · ", r["by"], " · ",
                                                 r["reason"], size="1", color_scheme="gray", class_name="rule-last")),
                  spacing="1", align_self="center"),
        rx.el.input(type="hidden", name="rule", value=key),
        rx.vstack(rx.el.label(t("sup.admin.enabled"), html_for="rule-enabled-" + key, class_name="rt-Text rt-r-size-1"),
                  rx.el.input(type="checkbox", name="enabled", default_checked=r["enabled"], id="rule-enabled-" + key,
                              style={"width": "24px", "height": "24px", "margin": "10px 0"}),
                  spacing="1", align="center"),
        rx.vstack(rx.el.label(t("sup.admin.threshold"), html_for="rule-threshold-" + key,
                              class_name="rt-Text rt-r-size-1"),
                  rx.hstack(rx.el.input(name="threshold", default_value=r["threshold"].to_string(), input_mode="numeric",
                                        id="rule-threshold-" + key, style=small),
                            rx.text(t_var(r["unit_key"], UNIT_KEYS), size="2"), align="center", spacing="1"),
                  spacing="1"),
        rx.vstack(rx.el.label(t("sup.admin.window"), html_for="rule-window-" + key, class_name="rt-Text rt-r-size-1"),
                  rx.el.input(name="window", default_value=r["window_days"].to_string(), input_mode="numeric",
                              id="rule-window-" + key, style=small), spacing="1"),
        rx.vstack(rx.el.label(t("sup.admin.review"), html_for="rule-review-" + key, class_name="rt-Text rt-r-size-1"),
                  rx.el.select(*[rx.el.option(t(f"sup.review.{x}"), value=x) for x in rules.REVIEW_LEVELS],
                               name="review", default_value=r["review"], id="rule-review-" + key,
                               style={**FIELD, "width": "200px"}), spacing="1"),
        rx.vstack(rx.el.label(t("sup.admin.reason"), html_for="rule-reason-" + key, class_name="rt-Text rt-r-size-1"),
                  rx.el.input(name="reason", id="rule-reason-" + key, required=True, max_length=500,
                              style={**FIELD, "width": "240px"}), spacing="1"),
        rx.button(t("sup.admin.save"), type="submit", min_height=TAP, id="rule-save-" + key),
        # One column per field, the same for every rule, so the rows line up as a table does.
        display="grid", grid_template_columns="minmax(240px, 1fr) 48px 150px 96px 200px 240px auto",
        column_gap="12px", align_items="end", width="100%", padding_y="8px",
        border_bottom="1px solid var(--gray-5)"),
        on_submit=s.save_rule, reset_on_submit=False, width="100%", id="rule-" + key, class_name="rule-row")


def _rules() -> rx.Component:
    s = AdminSupervisionState
    return rx.card(rx.vstack(
        rx.heading(t("sup.admin.rules"), size="4", as_="h2"),
        rx.foreach(s.rules_view, _rule_row),
        spacing="1", width="100%", id="rule-settings"), width="100%", key=s.form_key.to_string())


def admin_supervision() -> rx.Component:
    s = AdminSupervisionState
    messages = rx.fragment(
        rx.cond(s.error_key != "", rx.callout(t_var(s.error_key, ERROR_KEYS), icon="triangle-alert",
                                              color_scheme="red", role="alert", id="sup-admin-error", width="100%")),
        rx.cond(s.notice_key != "", rx.callout(t_var(s.notice_key, ["sup.admin.published", "sup.admin.saved"]),
                                               icon="check", color_scheme="green", id="sup-admin-notice",
                                               width="100%")),
    )
    return page(
        guarded(s, rx.text(t("sup.admin.intro"), size="2"), messages, _publish_form(), _rules(), _versions(),
                whoami(s)),
        title_key="sup.admin.title", wide=True,
    )
