"""/officer/payments (低保金发放): prepare a county's batch for a month (in the bounded heavy pool, never on the event
loop), approve or reject it as a second officer, mark it paid with the bank's reference, download the bank file.
Every action re-checks role + region on the server; the page holds no payee names (the file carries them)."""

from __future__ import annotations

from datetime import date
from typing import TypedDict

import reflex as rx

from portal.kernel.permissions import Role
from portal.i18n import MESSAGES
from portal.kernel import heavy, routes
from portal.kernel.money import yuan
from portal.kernel.permissions import PermissionDenied
from portal.kernel.workdays import china_today
from portal.payments import queries, rules
from portal.payments import services as pay
from portal.shell.account import guarded
from portal.shell.args import checked, row_id
from portal.shell.i18n import t, t_var
from portal.shell.layout import TAP, page
from portal.shell.session import SignedInState

ROLES = (Role.OFFICER, Role.FINANCE)
STATUS_KEYS = [f"payments.batch.{s}" for s in rules.BATCH_STATUSES]
ERROR_KEYS = [k for k in MESSAGES if k.startswith("payments.err_")] + ["auth.forbidden", heavy.Busy.key]


class Choice(TypedDict):
    value: str
    label: str


class BatchView(TypedDict):
    id: int
    batch_no: str
    county: str
    period: str
    status: str
    status_key: str
    households: str
    total: str
    bank_ref: str
    returned: str
    file_url: str
    mine: bool


class OfficerPaymentsState(SignedInState):
    counties: list[Choice] = []
    county: str = ""
    period: str = ""
    batches: list[BatchView] = []
    is_officer: bool = False
    error_key: str = ""
    done_key: str = ""
    busy: bool = False

    @rx.event
    def load(self):
        actor = self._open_page(ROLES)
        if actor is None:
            return self._refused()
        self.is_officer = actor.has_role(Role.OFFICER)
        self.period = self.period or rules.period_of(china_today())
        self.error_key, self.done_key = "", ""
        self._refresh(actor)

    def _refresh(self, actor=None) -> None:
        actor = actor or self._guard(ROLES)
        if actor is None:
            self.counties, self.batches = [], []
            return
        view = queries.officer_view(actor)
        self.counties = [Choice(value=c, label=n) for c, n in view.counties]
        if self.county not in [c["value"] for c in self.counties]:
            self.county = self.counties[0]["value"] if self.counties else ""
        self.batches = [BatchView(
            id=b.id, batch_no=b.batch_no, county=b.county_name, period=b.period, status=b.status,
            status_key=f"payments.batch.{b.status}", households=f"{b.households:,}", total=yuan(b.total_fen),
            bank_ref=b.bank_ref, returned=f"{b.returned_count} · ¥{yuan(b.returned_fen)}" if b.returned_count else "",
            file_url=routes.API_PAYMENT_FILE.replace("{batch_id:int}", str(b.id)), mine=b.prepared_by == actor.user_id,
        ) for b in view.batches]

    @rx.event
    @checked
    def set_county(self, code: str):
        self.county = str(code)[:20]

    @rx.event
    @checked
    def set_period(self, period: str):
        self.period = str(period)[:7]

    @rx.event
    async def prepare(self):
        actor = self._guard(Role.OFFICER)
        if actor is None:
            self.error_key = "auth.forbidden"
            return
        self.busy, self.error_key, self.done_key = True, "", ""
        yield
        try:
            await heavy.run(pay.prepare_in_unit, actor, self.county, self.period)
            self.done_key = "payments.done_prepared"
        except pay.PaymentError as exc:
            self.error_key = exc.key
        except PermissionDenied:
            self.error_key = "auth.forbidden"
        except heavy.Busy:
            self.error_key = heavy.Busy.key
        finally:
            self.busy = False
        self._refresh()

    def _act(self, done: str, fn, *args) -> None:
        actor, key = self._perform(ROLES, fn, *args)
        if actor is None:
            return
        self.error_key, self.done_key = key, "" if key else done
        self._refresh(actor)

    @rx.event
    @checked
    def approve(self, batch_id: int):
        self._act("payments.done_approved", pay.approve_batch, row_id(batch_id), True)

    @rx.event
    @checked
    def reject(self, form: dict):
        self._act("payments.done_rejected", pay.approve_batch, row_id(form.get("batch_id")), False,
                  str(form.get("reason", ""))[:600])

    @rx.event
    @checked
    def mark_paid(self, form: dict):
        try:
            paid_on = date.fromisoformat(str(form.get("paid_on", ""))[:10])
        except ValueError:
            self.error_key = "payments.err_paid_on"
            return
        self._act("payments.done_paid", pay.mark_paid, row_id(form.get("batch_id")),
                  str(form.get("bank_ref", ""))[:60], paid_on)


def _actions(b: BatchView) -> rx.Component:
    """What may be done with the batch now: approve or reject (a second officer), mark paid, the bank file."""
    s = OfficerPaymentsState
    return rx.vstack(
        rx.cond(
            b["status"] == rules.PREPARED,
            rx.cond(
                b["mine"],
                rx.text(t("payments.awaits_second"), size="2", color_scheme="gray"),
                rx.cond(s.is_officer, rx.hstack(
                    rx.button(t("payments.approve"), on_click=s.approve(b["id"]), min_height=TAP,
                              class_name="batch-approve"),
                    rx.el.form(
                        rx.el.input(type="hidden", name="batch_id", value=b["id"].to_string()),
                        rx.input(name="reason", placeholder=t("payments.reject_reason"), min_height=TAP),
                        rx.button(t("payments.reject"), type="submit", variant="soft", color_scheme="red",
                                  min_height=TAP),
                        on_submit=s.reject, reset_on_submit=True, class_name="inline-form"),
                    spacing="3", wrap="wrap", width="100%")),
            ),
        ),
        rx.cond(
            b["status"] == rules.APPROVED,
            rx.el.form(
                rx.el.input(type="hidden", name="batch_id", value=b["id"].to_string()),
                rx.input(name="bank_ref", placeholder=t("payments.bank_ref"), min_height=TAP,
                         class_name="bank-ref"),
                rx.input(name="paid_on", type="date", min_height=TAP, class_name="paid-on"),
                rx.button(t("payments.mark_paid"), type="submit", min_height=TAP, class_name="batch-paid"),
                on_submit=s.mark_paid, class_name="inline-form"),
        ),
        rx.cond((b["status"] == rules.APPROVED) | (b["status"] == rules.BATCH_PAID),
                rx.link(rx.icon("file-down", size=18), t("payments.bank_file"), href=b["file_url"],
                        is_external=True, min_height=TAP, display="flex", align_items="center", gap="6px",
                        class_name="batch-file")),
        spacing="2", width="100%", align="start",
    )


def _batch(b: BatchView) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.text(b["county"], " · ", b["period"], weight="bold"),
                 rx.text(b["batch_no"], size="1", color_scheme="gray")),
        rx.el.td(rx.badge(t_var(b["status_key"], STATUS_KEYS), class_name="batch-status")),
        rx.el.td(b["households"], class_name="num"),
        rx.el.td("¥", b["total"], class_name="num batch-total"),
        rx.el.td(b["bank_ref"], rx.cond(b["returned"] != "", rx.el.div(t("payments.returned"), ": ", b["returned"]))),
        rx.el.td(_actions(b)),
        class_name="batch-card",
    )


def officer_payments() -> rx.Component:
    s = OfficerPaymentsState
    side = rx.el.aside(
        rx.text(t("payments.intro"), size="2", color_scheme="gray"),
        rx.cond(s.is_officer & (s.counties.length() > 0), rx.vstack(
            rx.el.select(rx.foreach(s.counties, lambda c: rx.el.option(c["label"], value=c["value"])),
                         value=s.county, on_change=s.set_county, class_name="plain-select",
                         aria_label="county", id="prepare-county"),
            rx.input(value=s.period, on_change=s.set_period, type="month", min_height=TAP, id="prepare-period",
                     aria_label="month", width="100%"),
            rx.button(t("payments.prepare"), on_click=s.prepare, loading=s.busy, min_height=TAP, width="100%",
                      id="prepare-batch"),
            spacing="2", width="100%")),
        class_name="desk-side",
    )
    main = rx.el.div(
        rx.cond(s.error_key != "", rx.callout(t_var(s.error_key, ERROR_KEYS), color_scheme="red", role="alert",
                                              id="payments-error", width="100%")),
        rx.cond(s.done_key != "", rx.callout(t_var(s.done_key, DONE_KEYS), color_scheme="green",
                                             id="payments-done", width="100%")),
        rx.heading(t("payments.batches"), size="5", as_="h2"),
        rx.cond(s.batches.length() > 0,
                rx.el.table(
                    rx.el.thead(rx.el.tr(rx.el.th(t("payments.h_batch")), rx.el.th(t("payments.h_status")),
                                         rx.el.th(t("payments.households"), class_name="num"),
                                         rx.el.th(t("payments.total"), class_name="num"),
                                         rx.el.th(t("payments.bank_ref")), rx.el.th(t("payments.h_actions")))),
                    rx.el.tbody(rx.foreach(s.batches, _batch)), class_name="desk-table", id="batches"),
                rx.text(t("payments.no_batches"), color_scheme="gray")),
        class_name="desk-main",
    )
    return page(
        guarded(s, rx.el.div(side, main, class_name="desk-grid")),
        title_key="payments.title", desk=True, tables=True,
    )


DONE_KEYS = ["payments.done_prepared", "payments.done_approved", "payments.done_rejected", "payments.done_paid"]
