"""Admin: supervisors' evaluations (民主评议管理) — appoint supervisors, open rounds with criteria and weights,
add targets (windows, offices), assign supervisors, close a round (which publishes its notice)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TypedDict

import reflex as rx

from portal.kernel import routes
from portal.shell.account import guarded
from portal.shell.i18n import t, t_fmt, t_var
from portal.shell.layout import TAP, page
from portal.evaluations import queries
from portal.evaluations import services as ew
from portal.evaluations import rules
from portal.evaluations.rules import EvaluationRuleError
from portal.kernel.permissions import NotSignedIn, PermissionDenied, Role
from portal.kernel.workdays import china_today
from portal.shell.session import SignedInState
from portal.shell.args import checked, row_id
from portal.shell.ui import CLEAR_ON_SUCCESS, clear_done_forms

ERROR_KEYS = ["eval.err.criteria", "eval.err.weights", "eval.err.too_long", "eval.err.region", "eval.err.user",
              "eval.err.dates", "eval.err.title", "eval.err.round_closed", "eval.err.early_close", "eval.err.window",
              "eval.err.office",
              "eval.err.duplicate", "eval.err.not_appointed", "eval.err.conflict_declared", "eval.err.own_window",
              "eval.err.submitted",
              "eval.err.no_targets", "eval.err.bad_input", "auth.forbidden"]
STATUS_KEYS = [f"eval.status.{s}" for s in queries.ASSIGNMENT_STATUSES]
ROUND_KEYS = [f"eval.round.{s}" for s in queries.ROUND_STATUSES]
KIND_KEYS = ["eval.kind.window", "eval.kind.office"]
SEARCH_KEYS = ["eval.admin.search_short", "eval.admin.search_none"]
SEARCH_MIN, SEARCH_LIMIT = rx.Var.create(str(ew.SEARCH_MIN)), rx.Var.create(str(ew.SEARCH_LIMIT))  # for {n}
CRIT_KEYS = [f"eval.crit.{k}" for k in rules.CRITERIA]
DEFAULT_WEIGHTS = dict(rules.DEFAULT_CRITERIA)


class Choice(TypedDict):
    value: str
    label: str


class AppointmentView(TypedDict):
    who: str
    region: str
    term: str
    current: bool


class RoundView(TypedDict):
    id: int
    title: str
    region: str
    period: str
    due: str
    status_key: str
    targets: int
    assigned: int
    submitted: int


class AssignView(TypedDict):
    id: int
    supervisor: str
    status_key: str
    removable: bool


class TargetView(TypedDict):
    id: int
    kind_key: str
    label: str
    assignments: list[AssignView]
    candidates: list[Choice]  # the supervisors the service would accept for it now


class CriterionInput(TypedDict):
    key: str
    label_key: str
    weight: int


def _date(value) -> date:
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise EvaluationRuleError("eval.err.dates") from None


class AdminEvaluationsState(SignedInState):
    scopes: list[Choice] = []
    regions: list[Choice] = []  # the admin's region tree (the services check the one sent again)
    region_code: str = ""
    appointments: list[AppointmentView] = []
    rounds: list[RoundView] = []
    rounds_short: int = 0
    round_id: int = 0
    round_title: str = ""
    round_open: bool = False
    confirm_close: bool = False  # the close button was tapped once: ask before publishing
    round_pdf: str = ""
    targets: list[TargetView] = []
    window_options: list[Choice] = []  # what the picked round may still take (the services check again)
    office_options: list[Choice] = []
    # The appointment search's results: names and usernames only, of accounts this admin may appoint.
    found: list[Choice] = []
    found_more: bool = False
    search_note: str = ""  # "" or the key saying why there is nothing to pick
    criteria_inputs: list[CriterionInput] = [
        CriterionInput(key=k, label_key=f"eval.crit.{k}", weight=DEFAULT_WEIGHTS.get(k, 0)) for k in rules.CRITERIA]
    today: str = ""
    default_due: str = ""
    error_key: str = ""
    notice: bool = False

    @rx.event
    def load(self):
        picked = self.region_code
        self._clear()  # a previous account's lists (supervisors' names, assignments) never outlive a page load
        actor = self._open_page(Role.ADMIN)
        if actor is None:
            return self._refused()
        self.scopes = [Choice(value=g.region_code, label=g.region_name) for g in actor.grants if g.role == Role.ADMIN]
        codes = [c["value"] for c in self.scopes]
        self.region_code = picked if picked in codes else (codes[0] if codes else "")
        today = china_today()
        self.today, self.default_due = today.isoformat(), (today + timedelta(days=14)).isoformat()
        self.error_key, self.notice = "", False
        self._refresh()

    def _clear(self) -> None:
        """The page's own vars back to defaults (the region picked and the forms' defaults included)."""
        self.reset()

    def _refresh(self) -> None:
        actor = self._guard(Role.ADMIN)
        if actor is None:
            self._clear()
            return
        try:
            desk = queries.open_admin_desk(actor, self.region_code, self.round_id, china_today().year)
        except (PermissionDenied, NotSignedIn):
            self.error_key = "auth.forbidden"
            return
        self.appointments = [AppointmentView(
            who=f"{a.display_name} ({a.username})", region=a.region_name,
            term=f"{a.term_start} ~ {a.term_end}", current=a.current)
            for a in desk.appointments]
        self.rounds = [RoundView(id=r.id, title=r.title, region=r.region_name,
                                 period=f"{r.period_start} ~ {r.period_end}", due=r.due_on.isoformat(),
                                 status_key=f"eval.round.{r.status}", targets=r.targets, assigned=r.assigned,
                                 submitted=r.submitted) for r in desk.rounds]
        self.rounds_short = desk.rounds_short
        self.regions = [Choice(value=r.code, label="\u3000" * r.depth + f"{r.name} ({r.code})") for r in desk.regions]
        selected = desk.selected
        self.window_options = [Choice(value=w.code, label=w.label) for w in desk.options.windows]
        self.office_options = [Choice(value=o, label=o) for o in desk.options.offices]
        if selected is None:
            self.round_id, self.targets, self.round_title, self.round_open = 0, [], "", False
            return
        self.round_title, self.round_open = selected.title, selected.status == queries.ROUND_OPEN
        self.round_pdf = routes.evaluation_notice_pdf(selected.id)
        self.targets = [TargetView(
            id=x.id, kind_key=f"eval.kind.{x.kind}", label=x.label,
            assignments=[AssignView(id=a.id, supervisor=a.supervisor, status_key=f"eval.status.{a.status}",
                                    removable=self.round_open and a.status in ("assigned", "draft"))
                         for a in x.assignments],
            candidates=[Choice(value=c.username, label=f"{c.display_name} ({c.username})") for c in x.candidates])
            for x in desk.targets]

    def _act(self, fn, *args):
        """Run one admin action; a refusal keeps what the forms hold, a success clears them (clear_done_forms)."""
        self.confirm_close = False
        try:
            actor, key = self._perform(Role.ADMIN, fn, *args, bad_input=())
        except (ValueError, TypeError):
            self.error_key, self.notice = "eval.err.bad_input", False
            return None
        if actor is None:
            self._clear()
            return None
        if key:
            self.error_key, self.notice = key, False
            return None
        self.error_key, self.notice = "", True
        self._refresh()
        return clear_done_forms()

    @rx.event
    @checked
    def set_region(self, code: str):
        if str(code) not in [c["value"] for c in self.scopes]:  # only the caller's own scopes (a forged code: no-op)
            return
        self.region_code, self.round_id = str(code), 0
        self._refresh()

    @rx.event
    @checked
    def search_accounts(self, form: dict):
        """The accounts this admin may appoint whose name or username holds what was typed."""
        text = str(form.get("q", "")).strip()[:64]
        actor = self._guard(Role.ADMIN)
        if actor is None:
            self._clear()
            return
        found = queries.open_appointable(actor, text) if len(text) >= ew.SEARCH_MIN else []
        self.found = [Choice(value=a.username, label=f"{a.display_name} ({a.username})")
                      for a in found[:ew.SEARCH_LIMIT]]
        self.found_more = len(found) > ew.SEARCH_LIMIT
        self.search_note = ("eval.admin.search_short" if len(text) < ew.SEARCH_MIN
                            else "" if found else "eval.admin.search_none")

    @rx.event
    @checked
    def appoint(self, form: dict):
        def run(session, actor):
            ew.appoint_supervisor(session, actor, str(form.get("username", "")), str(form.get("region", "")),
                                  _date(form.get("term_start")), _date(form.get("term_end")))
        done = self._act(run)
        if self.notice:
            self.found, self.found_more, self.search_note = [], False, ""
        return done

    @rx.event
    @checked
    def open_round(self, form: dict):
        def run(session, actor):
            criteria = []
            for key in rules.CRITERIA:
                raw = str(form.get(f"w_{key}", "0") or "0").strip()
                weight = int(raw) if raw.isdigit() else -1
                if weight < 0:
                    raise EvaluationRuleError("eval.err.weights")
                if weight:
                    criteria.append((key, weight))
            rnd = ew.open_round(session, actor, title=str(form.get("title", "")),
                                region_code=str(form.get("region", "") or self.region_code),
                                period_start=_date(form.get("period_start")), period_end=_date(form.get("period_end")),
                                due_on=_date(form.get("due_on")), criteria=criteria)
            self.round_id = rnd.id
        return self._act(run)

    @rx.event
    @checked
    def select_round(self, round_id: int):
        self.round_id, self.error_key, self.notice, self.confirm_close = row_id(round_id), "", False, False
        self._refresh()

    @rx.event
    @checked
    def add_target(self, form: dict):
        kind, value = str(form.get("kind", "")), str(form.get("value", ""))
        fn = ew.add_window_target if kind == "window" else ew.add_office_target
        return self._act(lambda session, actor: fn(session, actor, self.round_id, value))

    @rx.event
    @checked
    def assign(self, form: dict):
        return self._act(lambda session, actor: ew.assign(session, actor, int(form.get("target_id", 0)),
                                                   str(form.get("username", ""))))

    @rx.event
    @checked
    def unassign(self, assignment_id: int):
        return self._act(ew.unassign, row_id(assignment_id))

    @rx.event
    def ask_close(self):
        """Closing publishes at once and cannot be undone: the first tap only asks."""
        self.confirm_close, self.error_key, self.notice = True, "", False

    @rx.event
    def cancel_close(self):
        self.confirm_close = False

    @rx.event
    def close_round(self):
        if not self.confirm_close:  # a forged close without the confirmation step does nothing
            return None
        return self._act(ew.close_round, self.round_id)


# --- page -----------------------------------------------------------------------------------------------------


def _field(label_key: str, name: str, kind: str = "text", default=None, **props) -> rx.Component:
    return rx.el.label(
        rx.text(t(label_key), size="2"),
        rx.el.input(name=name, type=kind, default_value=default, required=True, class_name="eval-input", **props),
        class_name="eval-field",
    )


def _region_field(select_id: str) -> rx.Component:
    return rx.el.label(
        rx.text(t("eval.admin.region_code"), size="2"),
        rx.el.select(rx.foreach(AdminEvaluationsState.regions, lambda c: rx.el.option(c["label"], value=c["value"])),
                     name="region", default_value=AdminEvaluationsState.region_code, required=True,
                     class_name="plain-select", id=select_id, key=AdminEvaluationsState.region_code),
        class_name="eval-field",
    )


def _appointments() -> rx.Component:
    s = AdminEvaluationsState
    return rx.card(
        rx.vstack(
            rx.heading(t("eval.admin.appointments"), size="4", as_="h2"),
            # Find the account first (a separate form: Enter searches, never appoints), then pick it below.
            rx.el.form(
                rx.el.input(name="q", placeholder=t_fmt("eval.admin.search", n=SEARCH_MIN), required=True,
                            min_length=ew.SEARCH_MIN, max_length=64, class_name="eval-input", id="appoint-search",
                            aria_label=t_fmt("eval.admin.search", n=SEARCH_MIN)),
                rx.button(rx.icon("search"), t("eval.admin.search_btn"), type="submit", min_height=TAP,
                          variant="soft", id="appoint-search-btn"),
                on_submit=s.search_accounts, class_name="eval-inline-form", id="appoint-search-form",
            ),
            rx.cond(s.search_note != "", rx.text(t_var(s.search_note, SEARCH_KEYS, n=SEARCH_MIN), size="2",
                                                 color_scheme="gray", id="appoint-search-note")),
            rx.cond(s.found_more, rx.text(t_fmt("eval.admin.search_more", n=SEARCH_LIMIT), size="2",
                                          color_scheme="gray", id="appoint-search-more")),
            rx.el.form(
                rx.el.label(
                    rx.text(t("eval.admin.username"), size="2"),
                    rx.el.select(rx.el.option(t("eval.admin.pick_account"), value="", disabled=True),
                                 rx.foreach(s.found, lambda c: rx.el.option(c["label"], value=c["value"])),
                                 name="username", required=True, class_name="plain-select", id="appoint-username",
                                 # One match is picked already; several wait for the admin's choice.
                                 default_value=rx.cond(s.found.length() == 1, s.found[0]["value"], ""),
                                 key=s.found.to_string()),
                    class_name="eval-field",
                ),
                _region_field("appoint-region"),
                _field("eval.admin.term_start", "term_start", "date", s.today),
                _field("eval.admin.term_end", "term_end", "date"),
                rx.button(t("eval.admin.appoint"), type="submit", min_height=TAP, id="appoint-submit"),
                on_submit=s.appoint, class_name=CLEAR_ON_SUCCESS + " eval-form-grid",
            ),
            rx.el.ul(rx.foreach(s.appointments, lambda a: rx.el.li(
                rx.text(a["who"], weight="medium"), rx.text(a["region"], " · ", a["term"], " · ",
                                                            rx.cond(a["current"], t("eval.admin.current"),
                                                                    t("eval.admin.expired")), size="2",
                                                            color_scheme="gray"))),
                     class_name="eval-list", id="appointments"),
            spacing="3", width="100%",
        ),
        width="100%",
    )


def _round_row(r: RoundView) -> rx.Component:
    return rx.el.li(
        rx.hstack(
            rx.vstack(
                rx.text(r["title"], weight="bold"),
                rx.text(r["region"], " · ", r["period"], " · ", t("eval.sup.due"), " ", r["due"], size="2",
                        color_scheme="gray"),
                rx.hstack(rx.badge(t_var(r["status_key"], ROUND_KEYS)),
                          rx.text(t_fmt("eval.admin.counts", t=r["targets"], s=r["submitted"], a=r["assigned"]),
                                  size="2"), spacing="2", wrap="wrap"),
                spacing="1", align="start", flex="1", min_width="0",
            ),
            rx.button(t("eval.admin.manage"), on_click=AdminEvaluationsState.select_round(r["id"]), min_height=TAP,
                      variant="soft", class_name="round-manage", data_round=r["id"].to_string()),
            align="center", spacing="2", width="100%",
        ),
        class_name="eval-round-row",
    )


def _new_round() -> rx.Component:
    s = AdminEvaluationsState
    return rx.el.details(
        rx.el.summary(t("eval.admin.new_round"), class_name="eval-summary", id="new-round"),
        rx.el.form(
            _field("eval.admin.round_title", "title", id="round-title"),
            _region_field("round-region"),
            _field("eval.admin.period_start", "period_start", "date"),
            _field("eval.admin.period_end", "period_end", "date", s.today),
            _field("eval.admin.due_on", "due_on", "date", s.default_due),
            rx.text(t("eval.admin.criteria"), size="2", weight="bold", class_name="eval-span"),
            rx.foreach(s.criteria_inputs, lambda c: rx.el.label(
                rx.text(t_var(c["label_key"], CRIT_KEYS), size="2"),
                rx.el.input(name="w_" + c["key"], type="number", min=0, max=100, default_value=c["weight"].to_string(),
                            class_name="eval-input", input_mode="numeric"),
                class_name="eval-field")),
            rx.button(t("eval.admin.open"), type="submit", min_height=TAP, id="round-open"),
            on_submit=s.open_round, reset_on_submit=False, class_name="eval-form-grid",
        ),
        class_name="eval-details",
    )


def _assignment(a: AssignView) -> rx.Component:
    return rx.hstack(
        rx.text(a["supervisor"], size="2"), rx.badge(t_var(a["status_key"], STATUS_KEYS), variant="soft"),
        rx.spacer(),
        rx.cond(a["removable"], rx.button(t("eval.admin.unassign"), on_click=AdminEvaluationsState.unassign(a["id"]),
                                          size="1", variant="ghost", color_scheme="red", min_height=TAP)),
        align="center", spacing="2", width="100%", wrap="wrap",
    )


def _target(x: TargetView) -> rx.Component:
    s = AdminEvaluationsState
    return rx.card(
        rx.vstack(
            rx.hstack(rx.badge(t_var(x["kind_key"], KIND_KEYS)), rx.text(x["label"], weight="bold"), spacing="2",
                      align="center", wrap="wrap"),
            rx.cond(x["assignments"].length() > 0, rx.foreach(x["assignments"], _assignment),
                    rx.text(t("eval.admin.no_assign"), size="2", color_scheme="gray")),
            rx.cond(s.round_open, rx.cond(
                x["candidates"].length() > 0,
                rx.el.form(
                    rx.el.input(type="hidden", name="target_id", value=x["id"].to_string()),
                    rx.el.select(rx.el.option(t("eval.admin.assign"), value="", disabled=True),
                                 rx.foreach(x["candidates"], lambda c: rx.el.option(c["label"], value=c["value"])),
                                 name="username", required=True, default_value="", class_name="plain-select",
                                 aria_label=t("eval.admin.assign")),
                    rx.button(t("eval.admin.assign_btn"), type="submit", min_height=TAP, variant="soft"),
                    on_submit=s.assign, class_name=CLEAR_ON_SUCCESS + " eval-inline-form",
                ),
                rx.text(t("eval.admin.no_candidates"), size="2", color_scheme="gray", class_name="no-candidates"))),
            spacing="2", width="100%",
        ),
        width="100%", class_name="eval-target-card",
    )


def _add_target_form(kind: str, options, label_key: str, none_key: str) -> rx.Component:
    """A picker of what the round may still take (windows or offices): nothing to type, nothing to mistype."""
    return rx.cond(
        options.length() > 0,
        rx.el.form(
            rx.el.input(type="hidden", name="kind", value=kind),
            rx.el.select(rx.el.option(t(label_key), value="", disabled=True),
                         rx.foreach(options, lambda c: rx.el.option(c["label"], value=c["value"])),
                         name="value", required=True, default_value="", class_name="plain-select",
                         aria_label=t(label_key), id=f"add-{kind}", key=options.to_string()),
            rx.button(t("eval.admin.add"), type="submit", min_height=TAP, variant="soft", id=f"add-{kind}-btn"),
            on_submit=AdminEvaluationsState.add_target, class_name=CLEAR_ON_SUCCESS + " eval-inline-form",
        ),
        rx.text(t(none_key), size="2", color_scheme="gray", id=f"add-{kind}-none"),
    )


def _selected_round() -> rx.Component:
    s = AdminEvaluationsState
    return rx.card(
        rx.vstack(
            rx.heading(t("eval.admin.targets"), size="4", as_="h2"),
            rx.text(s.round_title, weight="bold", id="selected-round"),
            rx.cond(s.round_open, rx.vstack(
                _add_target_form("window", s.window_options, "eval.admin.add_window", "eval.admin.no_windows_left"),
                _add_target_form("office", s.office_options, "eval.admin.add_office", "eval.admin.no_offices_left"),
                spacing="2", width="100%"),
                rx.callout(t("eval.admin.closed_note"), icon="megaphone", width="100%")),
            rx.foreach(s.targets, _target),
            rx.cond(s.round_open, rx.cond(
                s.confirm_close,
                rx.callout(rx.vstack(
                    rx.text(t("eval.admin.close_confirm"), weight="bold"),
                    rx.text(t("eval.admin.close_rule"), size="2"),
                    rx.hstack(
                        rx.button(t("eval.admin.close_yes"), on_click=s.close_round, color_scheme="red",
                                  min_height=TAP, id="round-close-confirm"),
                        rx.button(t("eval.admin.close_no"), on_click=s.cancel_close, variant="outline",
                                  min_height=TAP, id="round-close-cancel"),
                        spacing="2", wrap="wrap"),
                    spacing="2", align="start", width="100%"),
                    icon="triangle-alert", color_scheme="amber", width="100%", id="round-close-ask", role="alert"),
                rx.vstack(
                    rx.text(t("eval.admin.close_rule"), size="2", color_scheme="gray"),
                    rx.button(t("eval.admin.close"), on_click=s.ask_close, color_scheme="red", min_height=TAP,
                              id="round-close", width="100%"),
                    width="100%")),
                rx.link(t("eval.notice.pdf"), href=s.round_pdf, is_external=True, min_height=TAP, display="flex",
                        align_items="center", id="round-pdf")),
            spacing="3", width="100%",
        ),
        width="100%", id="round-panel",
    )


def admin_evaluations() -> rx.Component:
    s = AdminEvaluationsState
    return page(
        guarded(
            s,
            rx.hstack(
                rx.text(t("eval.admin.scope"), size="2"),
                rx.el.select(rx.foreach(s.scopes, lambda c: rx.el.option(c["label"], value=c["value"])),
                             value=s.region_code, on_change=s.set_region, class_name="plain-select",
                             aria_label="region", id="eval-scope"),
                align="center", spacing="2", wrap="wrap",
            ),
            rx.cond(s.error_key != "", rx.callout(t_var(s.error_key, ERROR_KEYS), icon="triangle-alert",
                                                  color_scheme="red", role="alert", id="eval-admin-error",
                                                  width="100%")),
            rx.cond(s.notice, rx.callout(t("eval.admin.done"), icon="check", color_scheme="green",
                                         id="eval-admin-notice", width="100%")),
            rx.cond(s.round_id > 0, _selected_round()),
            # At a desk the rounds and the supervisors' appointments sit side by side; one column on a phone.
            rx.el.div(
                rx.card(
                    rx.vstack(
                        rx.heading(t("eval.admin.rounds"), size="4", as_="h2"),
                        rx.cond(s.rounds_short > 0, rx.callout(t_fmt("eval.admin.rounds_short", n=s.rounds_short),
                                                               icon="calendar-clock", color_scheme="amber",
                                                               width="100%")),
                        _new_round(),
                        rx.el.ul(rx.foreach(s.rounds, _round_row), class_name="eval-list", id="rounds"),
                        spacing="3", width="100%",
                    ),
                    width="100%",
                ),
                _appointments(),
                class_name="desk-cards",
            ),
        ),
        title_key="eval.admin.link", desk=True,
    )
