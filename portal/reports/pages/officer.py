"""/officer/reports (举报办理): inbox with filters and deadlines, one report's handling (take, transfer, acknowledge,
reply, conclude, conflict of interest), the identity view for the designated role, rewards (decide, approve as a
second officer, pay as finance) and the reward register per month. Every action re-checks on the server."""

from __future__ import annotations

from datetime import date
from typing import TypedDict

import reflex as rx

from portal.kernel import money
from portal.kernel import routes
from portal.shell.account import guarded
from portal.shell.i18n import t, t_var
from portal.shell.once import show_once
from portal.shell.layout import TAP, page, pager
from portal.i18n import MESSAGES
from portal.reports import queries
from portal.reports import services as svc
from portal.roster import services as roster_svc
from portal.kernel.permissions import PermissionDenied, Role
from portal.kernel.workdays import recent_months
from portal.shell.session import SignedInState
from portal.shell.args import checked, row_id
from portal.shell.ui import CLEAR_ON_SUCCESS, clear_done_forms

ROLES = (Role.OFFICER, Role.FINANCE, Role.IDENTITY_VIEWER)
CATEGORY_KEYS = [f"report.category.{c}" for c in queries.CATEGORIES]
STATUS_KEYS = [f"report.status.{s}" for s in queries.STATUSES]
OUTCOME_KEYS = [f"report.outcome.{o}" for o in queries.OUTCOMES]
EVENT_KEYS = [k for k in MESSAGES if k.startswith("report.event.")]
REWARD_KEYS = [k for k in MESSAGES if k.startswith("report.reward_status.")]
ERROR_KEYS = [k for k in MESSAGES if k.startswith("report.err.")] + ["auth.forbidden"]


class Choice(TypedDict):
    value: str
    label: str


class InboxView(TypedDict):
    id: int
    receipt: str
    category_key: str
    subject: str
    status_key: str
    owner: str
    mine: bool
    anonymous: bool
    about_staff: bool
    created: str
    ack_due: str
    conclude_due: str
    overdue: bool
    reply_owed: bool
    group_size: int
    region: str


class StepView(TypedDict):
    kind_key: str
    at: str
    note: str
    by: str
    public: bool


class GroupView(TypedDict):
    id: int
    receipt: str
    status_key: str
    created: str


class DetailView(TypedDict):
    id: int
    receipt: str
    category_key: str
    subject: str
    description: str
    region: str
    handler_region: str
    status: str
    status_key: str
    outcome_key: str
    conclusion: str
    recovered: str
    anonymous: bool
    about_staff: bool
    from_roster: bool
    owner: str
    mine: bool
    created: str
    ack_due: str
    conclude_due: str
    overdue: bool
    reply_owed: bool
    rewardable: bool


class RewardView(TypedDict):
    status: str
    status_key: str
    amount: str
    basis: str
    decided_by: str
    approved_by: str
    rejection: str
    paid_on: str
    payment_ref: str
    claimed: bool
    may_approve: bool


class RegisterView(TypedDict):
    report_id: int
    receipt: str
    region: str
    status_key: str
    amount: str
    decided: str
    approved: str
    paid_on: str
    payment_ref: str
    claimed: bool


EMPTY_DETAIL = DetailView(id=0, receipt="", category_key="", subject="", description="", region="", handler_region="",
                          status="", status_key="", outcome_key="", conclusion="", recovered="", anonymous=True,
                          about_staff=False, from_roster=False, owner="", mine=False, created="", ack_due="",
                          conclude_due="", overdue=False, reply_owed=False, rewardable=False)
EMPTY_REWARD = RewardView(status="", status_key="", amount="", basis="", decided_by="", approved_by="", rejection="",
                          paid_on="", payment_ref="", claimed=False, may_approve=False)


def inbox_view(r: svc.InboxRow) -> InboxView:
    return InboxView(id=r.id, receipt=r.receipt, category_key=f"report.category.{r.category}", subject=r.subject,
                     status_key=f"report.status.{r.status}", owner=r.owner, mine=r.mine, anonymous=r.anonymous,
                     about_staff=r.about_staff, created=roster_svc.fmt_time(r.created_at),
                     ack_due=r.acknowledge_due.isoformat(), conclude_due=r.conclude_due.isoformat(),
                     overdue=r.overdue, reply_owed=r.reply_owed, group_size=r.group_size, region=r.region_name)


def register_view(r: svc.RegisterRow) -> RegisterView:
    return RegisterView(report_id=r.report_id, receipt=r.receipt, region=r.region_name,
                        status_key=f"report.reward_status.{r.status}", amount=money.yuan(r.amount_fen),
                        decided=roster_svc.fmt_date(r.decided_at), approved=roster_svc.fmt_date(r.approved_at),
                        paid_on=r.paid_on.isoformat() if r.paid_on else "", payment_ref=r.payment_ref,
                        claimed=r.claimed)


def _yuan_to_fen(text: str) -> int | None:
    text = (text or "").strip()
    return roster_svc.parse_amount_fen(text) if text else None


class OfficerReportsState(SignedInState):
    is_officer: bool = False
    is_finance: bool = False
    is_viewer: bool = False
    status_filter: str = ""
    category_filter: str = ""
    overdue_only: bool = False
    mine_only: bool = False
    rows: list[InboxView] = []
    page_no: int = 1  # the inbox page shown (svc.INBOX_PAGE reports each)
    has_next: bool = False
    has_detail: bool = False
    detail: DetailView = EMPTY_DETAIL
    history: list[StepView] = []
    photos: list[str] = []
    group: list[GroupView] = []
    transfer_to: list[Choice] = []
    has_reward: bool = False
    reward: RewardView = EMPTY_REWARD
    # The reporter's name and phone and the payout details are never state vars (shell/once.py): only
    # whether they are being shown, and where.
    identity_shown: bool = False
    months: list[str] = []
    month: str = ""
    register: list[RegisterView] = []
    finance_queue: list[RegisterView] = []
    # Approved but not yet claimed by the reporter: finance cannot pay these yet (the claim says where the money
    # goes), so they are listed apart, without a pay form, with the reason they wait.
    finance_waiting: list[RegisterView] = []
    payout_for: int = 0
    payout_missing: bool = False
    error_key: str = ""
    notice: bool = False
    _selected: int = 0

    @rx.event
    def load(self):
        actor = self._open_page(ROLES)
        if actor is None:
            return self._refused()
        self.is_officer = actor.has_role(Role.OFFICER)
        self.is_finance = actor.has_role(Role.FINANCE)
        self.is_viewer = actor.has_role(Role.IDENTITY_VIEWER)
        self.months = recent_months()
        self.month = self.month if self.month in self.months else self.months[0]
        self.error_key, self.notice, self.page_no = "", False, 1
        self._close()
        self._refresh()

    def _close(self) -> None:
        self._selected, self.has_detail, self.detail, self.has_reward = 0, False, EMPTY_DETAIL, False
        self.history, self.photos, self.group, self.transfer_to = [], [], [], []
        self.identity_shown, self.payout_for, self.payout_missing = False, 0, False

    def _refresh(self) -> None:
        actor = self._guard(ROLES)
        if actor is None:  # signed out or no longer allowed: nothing of the page stays in the state
            self._close()
            self.rows, self.register, self.finance_queue, self.finance_waiting = [], [], [], []
            return
        flt = svc.InboxFilter(self.status_filter, self.category_filter, self.overdue_only, self.mine_only)
        desk = queries.open_desk(actor, flt, self.page_no, self.month, self._selected)
        if desk.inbox is not None:
            self.page_no, self.has_next = desk.page_no, desk.has_next
            self.rows = [inbox_view(r) for r in desk.inbox]
        self.register = [register_view(r) for r in desk.register]
        queue = [register_view(r) for r in desk.finance_queue]
        self.finance_queue = [r for r in queue if r["claimed"]]
        self.finance_waiting = [r for r in queue if not r["claimed"]]
        if desk.detail is not None:
            self._show_detail(desk.detail)
        elif desk.detail_refused:  # no longer theirs (a conflict declared, a grant withdrawn): show nothing
            self._close()

    def _show_detail(self, d: svc.Detail) -> None:
        self.detail = DetailView(
            id=d.id, receipt=d.receipt, category_key=f"report.category.{d.category}", subject=d.subject,
            description=d.description, region=d.region_name, handler_region=d.handler_region, status=d.status,
            status_key=f"report.status.{d.status}", outcome_key=f"report.outcome.{d.outcome}" if d.outcome else "",
            conclusion=d.conclusion or "",
            recovered=money.yuan(d.recovered_fen) if d.recovered_fen is not None else "",
            anonymous=d.anonymous, about_staff=d.about_staff, from_roster=d.from_roster, owner=d.owner, mine=d.mine,
            created=roster_svc.fmt_time(d.created_at), ack_due=d.acknowledge_due.isoformat(),
            conclude_due=d.conclude_due.isoformat(), overdue=d.overdue, reply_owed=d.reply_owed,
            rewardable=d.outcome == "substantiated" and (d.reward is None or d.reward.status == "rejected"),
        )
        self.history = [StepView(kind_key=f"report.event.{h.kind}", at=roster_svc.fmt_time(h.at), note=h.note,
                                 by=h.by, public=h.public) for h in d.history]
        self.photos = [routes.report_evidence(d.id, p) for p in d.photos]
        self.group = [GroupView(id=g.id, receipt=g.receipt, status_key=f"report.status.{g.status}",
                                created=roster_svc.fmt_time(g.created_at)) for g in d.group]
        self.transfer_to = [Choice(value=u, label=name) for u, name in d.transfer_to]
        self.has_reward = d.reward is not None
        if d.reward is not None:
            r = d.reward
            self.reward = RewardView(status=r.status, status_key=f"report.reward_status.{r.status}",
                                     amount=money.yuan(r.amount_fen), basis=r.basis,
                                     decided_by=r.decided_by, approved_by=r.approved_by, rejection=r.rejection,
                                     paid_on=r.paid_on.isoformat() if r.paid_on else "", payment_ref=r.payment_ref,
                                     claimed=r.claimed, may_approve=r.may_approve)
        self.has_detail = True

    # --- filters and selection --------------------------------------------------------------------------------

    @rx.event
    @checked
    def set_status_filter(self, value: str):
        self.status_filter = str(value)[:16]
        self.page_no = 1  # a new filter starts at its first page
        self._refresh()

    @rx.event
    @checked
    def set_category_filter(self, value: str):
        self.category_filter = str(value)[:20]
        self.page_no = 1  # a new filter starts at its first page
        self._refresh()

    @rx.event
    @checked
    def toggle_overdue(self, _value=None):
        self.overdue_only = not self.overdue_only
        self.page_no = 1  # a new filter starts at its first page
        self._refresh()

    @rx.event
    @checked
    def toggle_mine(self, _value=None):
        self.mine_only = not self.mine_only
        self.page_no = 1  # a new filter starts at its first page
        self._refresh()

    @rx.event
    def next_page(self):
        if self.has_next:
            self.page_no += 1
            self._refresh()

    @rx.event
    def prev_page(self):
        if self.page_no > 1:
            self.page_no -= 1
            self._refresh()

    @rx.event
    @checked
    def set_month(self, month: str):
        self.month = month if month in self.months else self.month
        self._refresh()

    @rx.event
    @checked
    def open_report(self, report_id: int):
        """The server decides whether this officer may see it (region, conflict); a refusal shows nothing."""
        report_id = row_id(report_id)
        self._close()
        self.error_key, self.notice = "", False
        actor = self._guard(ROLES)
        if actor is None:
            return
        try:
            self._selected = int(report_id)
            self._show_detail(queries.open_detail(actor, self._selected))
        except (PermissionDenied, ValueError, TypeError):
            self._close()
            self.error_key = "auth.forbidden"

    @rx.event
    def close_report(self):
        self._close()

    # --- actions ----------------------------------------------------------------------------------------------

    def _act(self, fn, *args):
        actor, key = self._perform(ROLES, fn, *args)
        if actor is None:
            return
        self.error_key, self.notice = key, not key
        if key:
            return None  # refused: the form keeps what was typed
        self._refresh()  # after declaring a conflict the report is no longer visible: _refresh closes it
        return clear_done_forms()

    @rx.event
    def take(self):
        return self._act(svc.take, self._selected)

    @rx.event
    @checked
    def acknowledge(self, form: dict):
        return self._act(svc.acknowledge, self._selected, str(form.get("text", "")))

    @rx.event
    @checked
    def reply(self, form: dict):
        return self._act(svc.reply, self._selected, str(form.get("text", "")))

    @rx.event
    @checked
    def conclude(self, form: dict):
        recovered = _yuan_to_fen(str(form.get("recovered", "")))
        if str(form.get("recovered", "")).strip() and recovered is None:
            self.error_key, self.notice = "report.err.amount", False
            return
        return self._act(svc.conclude, self._selected, str(form.get("outcome", "")), str(form.get("text", "")),
                         recovered)

    @rx.event
    @checked
    def transfer(self, form: dict):
        return self._act(svc.transfer, self._selected, str(form.get("to", "")), str(form.get("text", "")))

    @rx.event
    @checked
    def declare_conflict(self, form: dict):
        return self._act(svc.declare_conflict, self._selected, str(form.get("text", "")))

    @rx.event
    @checked
    def decide_reward(self, form: dict):
        return self._act(svc.decide_reward, self._selected, str(form.get("text", "")))

    @rx.event
    @checked
    def approve_reward(self, form: dict):
        return self._act(svc.approve_reward, self._selected, form.get("decision") == "approve",
                         str(form.get("text", "")))

    @rx.event
    def reveal_identity(self):
        """Designated role only; the service writes the audit row before anything is shown."""
        found: list[svc.Identity] = []
        actor, key = self._perform(ROLES, lambda session, who: found.append(
            svc.reveal_identity(session, who, self._selected)))
        if actor is None:
            return
        if key:  # refused, or input no form sends
            self.error_key, self.identity_shown = "auth.forbidden", False
            return
        who = found[0]
        self.identity_shown = True
        return show_once("identity-text", f"{who.name} · {who.phone}")

    @rx.event
    @checked
    def mark_paid(self, form: dict):
        try:
            report_id = int(form.get("report_id", 0))
            paid_on = date.fromisoformat(str(form.get("paid_on", "")))
        except (TypeError, ValueError):
            self.error_key, self.notice = "report.err.paid_on", False
            return
        return self._act(svc.mark_paid, report_id, paid_on, str(form.get("ref", "")))

    @rx.event
    @checked
    def show_payout(self, report_id: int):
        report_id = row_id(report_id)
        actor = self._guard(ROLES)
        if actor is None:
            return
        self.payout_for, self.payout_missing = 0, False
        found: list[str] = []
        actor, key = self._perform(ROLES, lambda session, who: found.append(
            svc.payout_details(session, who, int(report_id))))
        if actor is None or key:  # refused, or input no form sends
            self.error_key = "auth.forbidden"
            return
        payout = found[0]
        self.payout_for, self.payout_missing = int(report_id), not payout
        return show_once("payout-text", payout) if payout else None


# --- rendering ----------------------------------------------------------------------------------------------------

def _select(options: list[tuple[str, str]], value, on_change, select_id: str, label_key: str) -> rx.Component:
    return rx.el.select(*[rx.el.option(t(key), value=v) for v, key in options], value=value, on_change=on_change,
                        class_name="plain-select", id=select_id, aria_label=t(label_key))


def _filters() -> rx.Component:
    """The inbox's filters, stacked in the desk's side column (side by side above the list on a phone)."""
    s = OfficerReportsState
    statuses = [("", "report.filter_open"), ("all", "report.filter_all")] + \
        [(st, f"report.status.{st}") for st in queries.STATUSES]
    categories = [("", "report.filter_all_categories")] + [(c, f"report.category.{c}") for c in queries.CATEGORIES]
    return rx.el.aside(
        rx.heading(t("officer_apps.filters"), size="3", as_="h2"),
        _select(statuses, s.status_filter, s.set_status_filter, "filter-status", "report.filter_status"),
        _select(categories, s.category_filter, s.set_category_filter, "filter-category", "report.category_label"),
        rx.flex(
            rx.el.button(t("report.filter_overdue"), type="button", on_click=s.toggle_overdue, id="filter-overdue",
                         class_name=rx.cond(s.overdue_only, "chip on", "chip")),
            rx.el.button(t("report.filter_mine"), type="button", on_click=s.toggle_mine, id="filter-mine",
                         class_name=rx.cond(s.mine_only, "chip on", "chip")),
            wrap="wrap", gap="8px"),
        rx.link(t("report.export"), href=routes.API_REPORTS_EXPORT, reload_document=True,
                id="report-inbox-export", class_name="tap-link"),
        rx.el.button(t("officer_apps.print"), type="button", on_click=rx.call_script("window.print()"),
                     class_name="screen-back", id="report-inbox-print"),
        class_name="desk-side",
    )


def _pager() -> rx.Component:
    s = OfficerReportsState
    return pager(s.page_no, s.has_next, s.prev_page, s.next_page, "inbox")


def _inbox_card(r: InboxView) -> rx.Component:
    """One row of the inbox table: state and flags, the subject with its place and receipt, the two deadlines."""
    return rx.el.tr(
        rx.el.td(rx.flex(
            rx.badge(t_var(r["status_key"], STATUS_KEYS), variant="outline"),
            rx.cond(r["overdue"], rx.badge(t("report.overdue"), color_scheme="red", variant="solid",
                                           class_name="overdue-flag")),
            rx.cond(r["group_size"] > 1, rx.badge(t("report.grouped"), " ", r["group_size"],
                                                  color_scheme="purple", class_name="group-flag")),
            rx.cond(~r["anonymous"], rx.badge(t("report.real_name_badge"), color_scheme="blue")),
            rx.cond(r["reply_owed"], rx.badge(t("report.reply_owed"), color_scheme="orange")),
            rx.cond(r["about_staff"], rx.badge(t("report.about_staff_badge"), color_scheme="amber")),
            wrap="wrap", gap="4px")),
        rx.el.td(t_var(r["category_key"], CATEGORY_KEYS)),
        rx.el.td(rx.text(r["subject"], weight="medium"),
                 rx.text(r["region"], " · ", r["receipt"], size="1", color_scheme="gray")),
        rx.el.td(r["ack_due"], class_name="nowrap"),
        rx.el.td(r["conclude_due"], class_name="nowrap"),
        rx.el.td(r["owner"]),
        rx.el.td(rx.button(t("report.open"), on_click=OfficerReportsState.open_report(r["id"]), min_height=TAP,
                           variant="soft", class_name="open-report")),
        class_name=rx.cond(r["overdue"], "inbox-card overdue", "inbox-card"), data_report=r["id"].to_string())


def _text_action(label_key: str, submit_key: str, handler, form_id: str, *extra: rx.Component,
                 required: bool = True, open_: bool = False) -> rx.Component:
    return rx.el.details(
        rx.el.summary(t(label_key), class_name="action-summary"),
        rx.form(rx.vstack(
            *extra,
            rx.text_area(name="text", rows="3", width="100%", max_length=2000, required=required,
                         aria_label=t(label_key)),
            rx.button(t(submit_key), type="submit", min_height=TAP),
            width="100%", spacing="2", align="start"), on_submit=handler, class_name=CLEAR_ON_SUCCESS, width="100%"),
        class_name=f"case-action {form_id}", width="100%", open=open_,
    )


def _handling() -> rx.Component:
    s = OfficerReportsState
    d = s.detail
    owner_open = d["mine"] & (d["status"] != "concluded")
    return rx.vstack(
        rx.cond((d["owner"] == "") & (d["status"] != "concluded"),
                rx.button(t("report.take"), on_click=s.take, min_height=TAP, width="100%", id="report-take")),
        rx.cond(d["mine"] & (d["status"] == "taken"),
                _text_action("report.acknowledge_label", "report.acknowledge", s.acknowledge, "ack-form",
                             open_=True)),
        rx.cond(owner_open, _text_action("report.reply_label", "report.reply", s.reply, "reply-form")),
        rx.cond(d["mine"] & (d["status"] == "acknowledged"), _text_action(
            "report.conclude_label", "report.conclude", s.conclude, "conclude-form",
            rx.el.select(*[rx.el.option(t(f"report.outcome.{o}"), value=o) for o in queries.OUTCOMES],
                         name="outcome", class_name="plain-select", aria_label=t("report.conclude_label")),
            rx.el.label(t("report.recovered_label"), class_name="rt-Text rt-r-size-2"),
            rx.el.input(name="recovered", input_mode="decimal", class_name="plain-select", placeholder="0.00",
                        aria_label=t("report.recovered_label")))),
        rx.cond(owner_open & (s.transfer_to.length() > 0), _text_action(
            "report.transfer_label", "report.transfer", s.transfer, "transfer-form",
            rx.el.select(rx.foreach(s.transfer_to, lambda c: rx.el.option(c["label"], value=c["value"])),
                         name="to", class_name="plain-select", aria_label=t("report.transfer_label")))),
        rx.cond(d["status"] != "concluded",
                _text_action("report.conflict_label", "report.conflict", s.declare_conflict, "conflict-form")),
        width="100%", spacing="2",
    )


def _reward_panel() -> rx.Component:
    s = OfficerReportsState
    r = s.reward
    return rx.vstack(
        rx.cond(s.detail["rewardable"], _text_action("report.decide_reward_label", "report.decide_reward",
                                                     s.decide_reward, "reward-form", required=False)),
        rx.cond(s.has_reward, rx.card(rx.vstack(
            rx.hstack(rx.text(t("report.reward_title"), weight="bold"),
                      rx.badge(t_var(r["status_key"], REWARD_KEYS), id="reward-status"), wrap="wrap"),
            rx.text(r["amount"], " ", t("report.yuan"), size="5", weight="bold", id="reward-amount"),
            rx.text(r["basis"], size="1", color_scheme="gray", white_space="pre-wrap"),
            rx.text(t("report.decided_by"), " ", r["decided_by"], size="1"),
            rx.cond(r["approved_by"] != "", rx.text(t("report.approved_by"), " ", r["approved_by"], size="1")),
            rx.cond(r["rejection"] != "", rx.text(t("report.event.reward_rejected"), ": ", r["rejection"], size="1")),
            rx.cond(r["paid_on"] != "", rx.text(t("report.paid_on"), " ", r["paid_on"], " · ", r["payment_ref"],
                                                size="1")),
            rx.cond(r["may_approve"], _text_action(
                "report.approve_label", "report.approve_submit", s.approve_reward, "approve-form",
                rx.el.select(rx.el.option(t("report.approve"), value="approve"),
                             rx.el.option(t("report.reject"), value="reject"), name="decision",
                             class_name="plain-select", aria_label=t("report.approve_label")),
                required=False, open_=True)),
            spacing="1", width="100%", align="start"), width="100%")),
        width="100%", spacing="2",
    )


def _detail() -> rx.Component:
    s = OfficerReportsState
    d = s.detail
    facts = rx.vstack(
        rx.hstack(rx.heading(d["receipt"], size="4", class_name="receipt-code"), rx.spacer(),
                  rx.button(t("report.close"), on_click=s.close_report, variant="ghost", min_height=TAP),
                  width="100%", align="center"),
        rx.hstack(rx.badge(t_var(d["status_key"], STATUS_KEYS), id="detail-status"),
                  rx.badge(t_var(d["category_key"], CATEGORY_KEYS), color_scheme="gray"),
                  rx.cond(d["outcome_key"] != "", rx.badge(t_var(d["outcome_key"], OUTCOME_KEYS),
                                                           color_scheme="green", id="detail-outcome")),
                  rx.cond(d["overdue"], rx.badge(t("report.overdue"), color_scheme="red", variant="solid")),
                  rx.cond(d["from_roster"], rx.badge(t("report.from_roster"), color_scheme="blue")),
                  rx.cond(d["anonymous"], rx.badge(t("report.anonymous"), variant="outline"),
                          rx.badge(t("report.real_name_badge"), color_scheme="blue")),
                  wrap="wrap", spacing="1"),
        rx.text(d["subject"], weight="bold", id="detail-subject"),
        rx.text(d["region"], " → ", t("report.handled_by"), " ", d["handler_region"], size="2"),
        rx.text(d["description"], size="2", white_space="pre-wrap", id="detail-description"),
        rx.text(t("report.filed_on"), " ", d["created"], " · ", t("report.ack_due"), " ", d["ack_due"], " · ",
                t("report.conclude_due"), " ", d["conclude_due"], size="1", color_scheme="gray"),
        rx.cond(d["owner"] != "", rx.text(t("report.owner"), " ", d["owner"], size="2", id="detail-owner")),
        rx.cond(s.photos.length() > 0, rx.flex(rx.foreach(s.photos, lambda src: rx.el.a(
            rx.image(src=src, alt=t("report.photo"), class_name="evidence-thumb"), href=src, target="_blank")),
            wrap="wrap", gap="8px", id="detail-photos")),
        rx.cond(s.is_viewer & ~d["anonymous"], rx.cond(
            s.identity_shown,
            rx.callout(rx.text(id="identity-text"), icon="user", color_scheme="blue",  # filled by show_once
                       id="identity", width="100%"),
            rx.button(t("report.show_identity"), on_click=s.reveal_identity, variant="outline", min_height=TAP,
                      id="show-identity"))),
        rx.cond(s.group.length() > 0, rx.vstack(
            rx.text(t("report.group_title"), weight="bold", size="2"),
            rx.foreach(s.group, lambda g: rx.button(g["receipt"], " · ", t_var(g["status_key"], STATUS_KEYS),
                                                    on_click=s.open_report(g["id"]), variant="ghost",
                                                    min_height=TAP)),
            width="100%", spacing="1", id="detail-group")),
        rx.cond(d["conclusion"] != "", rx.box(rx.text(t("report.conclusion_label"), size="1", color_scheme="gray"),
                                              rx.text(d["conclusion"], size="2"),
                                              rx.cond(d["recovered"] != "", rx.text(
                                                  t("report.recovered_label"), " ", d["recovered"], size="2")))),
        spacing="2", align="start", width="100%")
    history = rx.vstack(
        rx.text(t("report.history"), weight="bold"),
        rx.vstack(rx.foreach(s.history, lambda h: rx.box(
            rx.hstack(rx.text(t_var(h["kind_key"], EVENT_KEYS), weight="medium", size="2"),
                      rx.cond(~h["public"], rx.badge(t("report.internal"), variant="outline", size="1")),
                      rx.spacer(), rx.text(h["at"], size="1", color_scheme="gray"), width="100%", wrap="wrap"),
            rx.cond(h["by"] != "", rx.text(h["by"], size="1", color_scheme="gray")),
            rx.cond(h["note"] != "", rx.text(h["note"], size="2", white_space="pre-wrap")),
            class_name="timeline-step")), width="100%", spacing="2", id="detail-history"),
        spacing="2", align="start", width="100%")
    actions = rx.vstack(rx.cond(s.is_officer, _handling()), rx.cond(s.is_officer, _reward_panel()), width="100%",
                        spacing="2")
    # At a desk the facts and the history sit beside what the officer may do; one column on a phone.
    return rx.card(rx.el.div(rx.vstack(facts, history, width="100%", spacing="3"), actions, class_name="desk-cards"),
                   width="100%", id="report-detail")


def _register_row(r: RegisterView, pay: bool = False) -> rx.Component:
    s = OfficerReportsState
    return rx.card(rx.vstack(
        rx.hstack(rx.text(r["receipt"], weight="medium", size="2", class_name="receipt-code"),
                  rx.badge(t_var(r["status_key"], REWARD_KEYS)), wrap="wrap"),
        rx.text(r["region"], " · ", r["amount"], " ", t("report.yuan"), size="2"),
        rx.text(t("report.decided_on"), " ", r["decided"], " · ", t("report.approved_on"), " ", r["approved"],
                size="1", color_scheme="gray"),
        rx.cond(r["paid_on"] != "", rx.text(t("report.paid_on"), " ", r["paid_on"], " · ", r["payment_ref"],
                                            size="1")),
        *([rx.cond(
            s.payout_for == r["report_id"],
            rx.callout(rx.cond(s.payout_missing, t("report.no_payout"), rx.text(id="payout-text")), icon="wallet",
                       id="payout-details", width="100%"),  # payout-text is filled by show_once
            rx.button(t("report.show_payout"), on_click=s.show_payout(r["report_id"]), variant="outline",
                      min_height=TAP, class_name="show-payout")),
           rx.form(rx.vstack(
               rx.el.input(type="hidden", name="report_id", value=r["report_id"].to_string()),
               rx.el.label(t("report.paid_on"), class_name="rt-Text rt-r-size-2"),
               rx.el.input(type="date", name="paid_on", required=True, class_name="plain-select",
                           aria_label=t("report.paid_on")),
               rx.el.label(t("report.payment_ref"), class_name="rt-Text rt-r-size-2"),
               rx.el.input(name="ref", required=True, max_length=64, class_name="plain-select",
                           aria_label=t("report.payment_ref")),
               rx.button(t("report.mark_paid"), type="submit", min_height=TAP, class_name="mark-paid"),
               spacing="2", width="100%", align="start"), on_submit=s.mark_paid, class_name=CLEAR_ON_SUCCESS, width="100%")]
          if pay else []),
        spacing="1", width="100%", align="start"), width="100%", class_name="register-row")


def _register_line(r: RegisterView) -> rx.Component:
    """One reward of the month's register, as a table row."""
    return rx.el.tr(
        rx.el.td(r["receipt"], class_name="receipt-code nowrap"),
        rx.el.td(r["region"]),
        rx.el.td(r["amount"], class_name="num"),
        rx.el.td(rx.badge(t_var(r["status_key"], REWARD_KEYS))),
        rx.el.td(r["decided"], class_name="nowrap"),
        rx.el.td(r["approved"], class_name="nowrap"),
        rx.el.td(r["paid_on"], rx.cond(r["payment_ref"] != "", rx.el.div(r["payment_ref"])), class_name="nowrap"),
        class_name="register-row")


def officer_reports() -> rx.Component:
    s = OfficerReportsState
    inbox = rx.el.div(
        rx.heading(t("report.inbox"), size="5", as_="h2"),
        rx.cond(s.rows.length() > 0,
                rx.el.table(
                    rx.el.thead(rx.el.tr(rx.el.th(t("report.h_state")), rx.el.th(t("report.category_label")),
                                         rx.el.th(t("report.h_subject")), rx.el.th(t("report.ack_due")),
                                         rx.el.th(t("report.conclude_due")), rx.el.th(t("report.h_owner")),
                                         rx.el.th(""))),
                    rx.el.tbody(rx.foreach(s.rows, _inbox_card)), class_name="desk-table", id="report-inbox"),
                rx.text(t("report.inbox_empty"), color_scheme="gray", id="report-inbox-empty")),
        rx.cond((s.page_no > 1) | s.has_next, _pager()),
        class_name="desk-main",
    )
    return page(
        guarded(
            s,
            rx.cond(s.error_key != "", rx.callout(t_var(s.error_key, ERROR_KEYS), color_scheme="red", role="alert",
                                                  icon="triangle-alert", width="100%", id="reports-error")),
            rx.cond(s.notice, rx.callout(t("case.done"), color_scheme="green", icon="check", width="100%",
                                         id="reports-notice")),
            rx.cond(s.has_detail, _detail()),
            rx.cond(s.is_officer, rx.el.div(_filters(), inbox, class_name="desk-grid")),
            rx.cond(s.is_finance, rx.vstack(
                rx.heading(t("report.finance_queue"), size="5", as_="h2"),
                rx.cond(s.finance_queue.length() > 0,
                        rx.el.div(rx.foreach(s.finance_queue, lambda r: _register_row(r, pay=True)),
                                  class_name="desk-cards three", id="finance-queue"),
                        rx.text(t("report.nothing_to_pay"), color_scheme="gray", id="finance-nothing")),
                rx.cond(s.finance_waiting.length() > 0, rx.vstack(
                    rx.heading(t("report.finance_waiting"), size="4", as_="h3"),
                    rx.callout(t("report.finance_waiting_why"), icon="hourglass", color_scheme="gray", width="100%"),
                    rx.el.div(rx.foreach(s.finance_waiting, lambda r: _register_row(r)),
                              class_name="desk-cards three", id="finance-waiting"),
                    width="100%", spacing="2")),
                width="100%", spacing="3")),
            rx.cond(s.is_officer | s.is_finance, rx.vstack(
                rx.hstack(rx.heading(t("report.register"), size="5", as_="h2"), rx.spacer(),
                          rx.el.select(rx.foreach(s.months, lambda m: rx.el.option(m, value=m)), value=s.month,
                                       on_change=s.set_month, class_name="plain-select", aria_label="month",
                                       id="register-month"),
                          rx.link(t("report.export"), href=routes.api_rewards_export(s.month), reload_document=True,
                                  id="reward-register-export", class_name="tap-link"),
                          width="100%", align="center", wrap="wrap"),
                rx.cond(s.register.length() > 0,
                        rx.el.table(
                            rx.el.thead(rx.el.tr(
                                rx.el.th(t("report.h_receipt")), rx.el.th(t("report.h_region")),
                                rx.el.th(t("report.h_amount"), class_name="num"),
                                rx.el.th(t("report.h_state")), rx.el.th(t("report.decided_on")),
                                rx.el.th(t("report.approved_on")), rx.el.th(t("report.h_paid")))),
                            rx.el.tbody(rx.foreach(s.register, _register_line)), class_name="desk-table",
                            id="reward-register"),
                        rx.text(t("report.register_empty"), color_scheme="gray")),
                width="100%", spacing="3")),
        ),
        title_key="report.officer_title", desk=True, tables=True,
    )
