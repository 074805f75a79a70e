"""Officer side of the public roster: see a region's publicity batches, find an entry by name and withdraw it with a
written reason. Nothing is typed in here: publicity batches are built from cases approved at 初审
(/officer/publicity, `applications.services.publish_cases`) and the standing roster follows the recipient register.

Every handler re-checks role + region with `SignedInState._guard`; the services check again (`authorize`).
"""

from __future__ import annotations

from typing import TypedDict

import reflex as rx

from portal.kernel import money
from portal.kernel import routes
from portal.kernel.permissions import Role
from portal.shell.account import guarded
from portal.shell.i18n import t, t_fmt, t_var
from portal.shell.layout import SELECT_STYLE, TAP, page
from portal.roster import queries
from portal.roster import services as svc
from portal.shell.session import SignedInState
from portal.shell.args import checked

ERROR_KEYS = ["roster.err_reason", "roster.err_already_withdrawn", "auth.forbidden"]
NOTICE_KEYS = ["roster.withdrawn"]


class ScopeOption(TypedDict):
    code: str
    label: str


class OfficerEntryRow(TypedDict):
    id: str
    name: str
    masked: str
    size: int
    amount: str
    village: str
    kind_key: str
    status_key: str
    active: bool
    start: str
    end: str
    reason: str


def officer_entry_row(e: svc.OfficerEntry) -> OfficerEntryRow:
    return OfficerEntryRow(
        id=e.public_id, name=e.name, masked=e.masked_name, size=e.household_size,
        amount=money.yuan(e.monthly_amount_fen), village=e.village_name,
        kind_key="roster.kind_publicity" if e.kind == svc.KIND_PUBLICITY else "roster.kind_standing",
        status_key="roster.status_withdrawn" if e.status == svc.STATUS_WITHDRAWN else "roster.status_active",
        active=e.status != svc.STATUS_WITHDRAWN, start=svc.fmt_time(e.starts_at), end=svc.fmt_time(e.ends_at),
        reason=e.withdrawn_reason or "")


def _option(c: queries.Choice) -> ScopeOption:
    return ScopeOption(code=c.code, label=c.label)


class OfficerBatchRow(TypedDict):
    id: int
    region: str
    start: str
    end: str
    count: int
    withdrawn: int
    running: bool
    href: str
    proof: str


def officer_batch_row(batch: queries.OfficerBatch) -> OfficerBatchRow:
    b = batch.info
    return OfficerBatchRow(id=b.id, region=b.region_name, start=svc.fmt_time(b.starts_at),
                           end=svc.fmt_time(b.ends_at), count=b.entry_count - b.withdrawn_count,
                           withdrawn=b.withdrawn_count, running=batch.running,
                           href=routes.officer_roster_batch(b.id), proof=routes.roster_batch(b.id))


class OfficerRosterState(SignedInState):
    """/officer/roster and /officer/roster/batch/<id>."""

    scope: list[ScopeOption] = []
    region_code: str = ""
    batches: list[OfficerBatchRow] = []
    error_key: str = ""
    notice_key: str = ""
    found: list[OfficerEntryRow] = []
    find_query: str = ""
    withdraw_id: str = ""
    withdraw_label: str = ""
    # the batch page
    batch: OfficerBatchRow = OfficerBatchRow(id=0, region="", start="", end="", count=0, withdrawn=0, running=False,
                                             href="", proof="")
    batch_entries: list[OfficerEntryRow] = []
    batch_missing: bool = False

    # --- helpers --------------------------------------------------------------------------------------------

    def _fail(self, key: str) -> None:
        self.error_key, self.notice_key = key, ""

    def _ok(self, key: str) -> None:
        self.error_key, self.notice_key = "", key

    def _region_guard(self):
        """The caller, re-checked for role + region of the chosen region on every call (a forged code gets
        nothing); the queries and services check again."""
        path = queries.region_path(self.region_code) if self.region_code else None
        return self._guard(Role.OFFICER, path or "/nonexistent/")

    def _refresh_region(self, actor) -> None:
        self.batches = [officer_batch_row(b) for b in queries.open_region_desk(actor, self.region_code).batches]

    # --- the roster desk ------------------------------------------------------------------------------------

    @rx.event
    def load(self):
        actor = self._open_page(Role.OFFICER)
        if actor is None:
            return self._refused()
        self.error_key, self.notice_key, self.found, self.withdraw_id = "", "", [], ""
        self.scope = [_option(c) for c in queries.open_scope_choices(actor)]
        codes = {o["code"] for o in self.scope}
        if self.region_code not in codes:
            self.region_code = self.scope[0]["code"] if self.scope else ""
        actor = self._region_guard()
        if actor is not None:
            self._refresh_region(actor)

    @rx.event
    @checked
    def pick_region(self, code: str):
        self.region_code = str(code or "")[:20]
        self.found, self.withdraw_id = [], ""
        actor = self._region_guard()
        if actor is None:
            self.region_code, self.batches = "", []
            return
        self._ok("")
        self._refresh_region(actor)

    @rx.event
    @checked
    def find(self, form: dict):
        self.find_query = svc.normalize_name(str(form.get("name", "")))[: svc.MAX_NAME]
        self.withdraw_id = ""
        self._find()

    def _find(self) -> None:
        actor = self._region_guard()
        if actor is None:
            self.found = []
            return
        self.found = [officer_entry_row(e) for e in queries.open_find(actor, self.region_code, self.find_query)]

    # --- withdrawing (both pages) ---------------------------------------------------------------------------

    @rx.event
    @checked
    def start_withdraw(self, public_id: str, label: str):
        """Only opens the reason form; `withdraw` checks the entry's region again when it is sent."""
        if self._guard(Role.OFFICER) is None:
            return
        self.withdraw_id, self.withdraw_label = str(public_id)[:16], str(label)[:64]
        self.error_key, self.notice_key = "", ""

    @rx.event
    def cancel_withdraw(self):
        self.withdraw_id, self.withdraw_label = "", ""

    @rx.event
    @checked
    def withdraw(self, form: dict):
        if not self.withdraw_id:
            return
        entry_path = queries.entry_region_path(self.withdraw_id)
        if self._guard(Role.OFFICER, entry_path or "/nonexistent/") is None:
            return
        actor, key = self._perform(Role.OFFICER, svc.withdraw_entry, self.withdraw_id,
                                   str(form.get("reason", ""))[: svc.MAX_REASON + 1])
        if actor is None:
            return
        if key:
            return self._fail(key)
        self.withdraw_id, self.withdraw_label = "", ""
        self._ok("roster.withdrawn")
        if self.batch_entries:
            self._load_batch(self.batch["id"])
        if self.found:
            self._find()

    # --- one batch ------------------------------------------------------------------------------------------

    def _load_batch(self, batch_id: int) -> None:
        path = queries.batch_region_path(batch_id)
        actor = self._open_page(Role.OFFICER, path or "/nonexistent/")
        if actor is None:
            self.batch_entries = []
            return
        batch, entries = queries.open_batch_view(actor, batch_id)
        self.batch = officer_batch_row(batch)
        self.batch_entries = [officer_entry_row(e) for e in entries]

    @rx.event
    def load_batch(self):
        raw = str(self.router.url.query_parameters.get("batch") or self.router._page.params.get("batch", ""))
        self.error_key, self.notice_key, self.withdraw_id, self.batch_entries = "", "", "", []
        self._load_batch(int(raw) if raw.isdigit() and len(raw) < 12 else 0)
        if self.denied_key:
            return self._refused()


# --- components -------------------------------------------------------------------------------------------

def _messages(s) -> rx.Component:
    return rx.fragment(
        rx.cond(s.error_key != "",
                rx.callout(t_var(s.error_key, ERROR_KEYS), icon="triangle-alert", color_scheme="red", role="alert",
                           id="officer-roster-error", width="100%")),
        rx.cond(s.notice_key != "",
                rx.callout(t_var(s.notice_key, NOTICE_KEYS), icon="circle-check", color_scheme="green", role="status",
                           id="officer-roster-notice", width="100%")),
    )


def _status_badge(running) -> rx.Component:
    return rx.cond(running, rx.badge(t("roster.batch_running"), color_scheme="amber"),
                   rx.badge(t("roster.batch_done"), color_scheme="green"))


def _batch_row(b: OfficerBatchRow) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.link(b["region"], href=b["href"], class_name="officer-batch-open")),
        rx.el.td(b["start"], " – ", b["end"], class_name="nowrap"),
        rx.el.td(_status_badge(b["running"])),
        rx.el.td(b["count"], class_name="num"),
        rx.el.td(b["withdrawn"], class_name="num"),
        rx.el.td(rx.link(t("roster.proof_link_short"), href=b["proof"])),
        class_name="officer-batch-link",
    )


def _entry_row(e: OfficerEntryRow) -> rx.Component:
    s = OfficerRosterState
    return rx.el.tr(
        rx.el.td(rx.text(e["name"], weight="bold"), rx.text(e["masked"], size="1", color_scheme="gray")),
        rx.el.td(e["village"]),
        rx.el.td(e["size"], class_name="num"),
        rx.el.td(e["amount"], class_name="num"),
        rx.el.td(t_var(e["kind_key"], ["roster.kind_publicity", "roster.kind_standing"])),
        rx.el.td(rx.cond(e["active"], rx.badge(t("roster.status_active"), color_scheme="green"),
                         rx.badge(t("roster.status_withdrawn"), color_scheme="gray")),
                 rx.cond(e["reason"] != "", rx.el.div(t("roster.reason_label"), " ", e["reason"],
                                                      class_name="withdraw-reason rt-Text rt-r-size-1"))),
        rx.el.td(rx.cond(e["active"],
                         rx.button(t("roster.withdraw"), on_click=s.start_withdraw(e["id"], e["name"]),
                                   variant="outline", color_scheme="red", min_height=TAP,
                                   class_name="withdraw-start"))),
        class_name="officer-entry",
    )


def _entries_table(rows, table_id: str) -> rx.Component:
    return rx.el.table(
        rx.el.thead(rx.el.tr(rx.el.th(t("roster.h_name")), rx.el.th(t("roster.h_village")),
                             rx.el.th(t("roster.h_household"), class_name="num"),
                             rx.el.th(t("roster.h_amount"), class_name="num"), rx.el.th(t("roster.h_kind")),
                             rx.el.th(t("roster.h_status")), rx.el.th(""))),
        rx.el.tbody(rx.foreach(rows, _entry_row)), class_name="desk-table", id=table_id)


def _withdraw_panel() -> rx.Component:
    s = OfficerRosterState
    return rx.cond(
        s.withdraw_id != "",
        rx.card(rx.form(
            rx.vstack(
                rx.heading(t_fmt("roster.withdraw_title", name=s.withdraw_label), size="4", as_="h3"),
                rx.el.label(t("roster.reason_label"), html_for="withdraw-reason", class_name="rt-Text rt-r-size-2"),
                rx.el.textarea(id="withdraw-reason", name="reason", required=True, min_length=svc.MIN_REASON,
                               max_length=svc.MAX_REASON, placeholder=t("roster.reason_placeholder"), rows=3,
                               style={"width": "100%", "min_height": "88px", "box_sizing": "border-box",
                                      "padding": "8px 12px", "border": "1px solid var(--gray-8)",
                                      "border_radius": "6px"}),
                rx.hstack(rx.button(t("roster.withdraw_confirm"), type="submit", color_scheme="red", min_height=TAP,
                                    id="withdraw-confirm"),
                          rx.button(t("roster.cancel"), type="button", variant="soft", on_click=s.cancel_withdraw,
                                    min_height=TAP),
                          spacing="2"),
                spacing="2", width="100%",
            ),
            on_submit=s.withdraw, width="100%"), width="100%", id="withdraw-panel"),
    )


def officer_roster() -> rx.Component:
    s = OfficerRosterState
    side = rx.el.aside(
        rx.el.div(
            rx.el.label(t("roster.field_region"), html_for="officer-roster-region", class_name="wiz-label"),
            rx.el.select(rx.foreach(s.scope, lambda o: rx.el.option(o["label"], value=o["code"])),
                         value=s.region_code, on_change=s.pick_region, id="officer-roster-region",
                         style=SELECT_STYLE),
            class_name="form-field",
        ),
        rx.heading(t("roster.find_title"), size="3", as_="h2"),
        rx.form(rx.vstack(
            rx.input(name="name", id="officer-find", placeholder=t("roster.search_placeholder"), width="100%",
                     size="3", min_height=TAP, max_length=svc.MAX_NAME),
            rx.button(t("roster.search"), type="submit", size="3", min_height=TAP, width="100%",
                      id="officer-find-go"),
            width="100%", spacing="2"), on_submit=s.find, reset_on_submit=False, width="100%"),
        rx.card(rx.vstack(
            rx.text(t("roster.from_cases"), size="2"),
            rx.link(t("publicity.title"), href=routes.OFFICER_PUBLICITY, id="officer-roster-publicity",
                    class_name="tap-link"),
            spacing="2"), width="100%"),
        class_name="desk-side",
    )
    main = rx.el.div(
        _messages(s),
        _withdraw_panel(),
        rx.cond(s.found.length() > 0, rx.vstack(
            rx.heading(t("roster.found_title"), size="4", as_="h2"),
            _entries_table(s.found, "officer-found"), width="100%", spacing="2")),
        rx.heading(t("roster.batches_in_region"), size="4", as_="h2"),
        rx.cond(s.batches.length() > 0,
                rx.el.table(
                    rx.el.thead(rx.el.tr(rx.el.th(t("roster.field_region")), rx.el.th(t("roster.h_period")),
                                         rx.el.th(t("roster.h_status")),
                                         rx.el.th(t("roster.h_listed"), class_name="num"),
                                         rx.el.th(t("roster.status_withdrawn"), class_name="num"),
                                         rx.el.th(t("roster.proof_link_short")))),
                    rx.el.tbody(rx.foreach(s.batches, _batch_row)), class_name="desk-table", id="officer-batches"),
                rx.text(t("roster.no_batches"), color_scheme="gray")),
        style={"display": "flex", "flexDirection": "column", "gap": "12px"},
    )
    return page(
        guarded(
            s,
            rx.text(t("roster.officer_intro"), size="2", color_scheme="gray"),
            rx.el.div(side, main, class_name="desk-grid"),
        ),
        title_key="roster.officer_title", desk=True, tables=True,
    )


def officer_roster_batch() -> rx.Component:
    s = OfficerRosterState
    b = s.batch
    side = rx.el.aside(
        rx.link(t("roster.back_desk"), href=routes.OFFICER_ROSTER, size="2", min_height=TAP, display="flex",
                align_items="center", class_name="no-print"),
        rx.heading(b["region"], size="5", as_="h2", id="officer-batch-region"),
        rx.text(t_fmt("roster.period", start=b["start"], end=b["end"]), size="2"),
        rx.hstack(_status_badge(b["running"]),
                  rx.text(t_fmt("roster.proof_counts", n=b["count"], w=b["withdrawn"]), size="2"),
                  spacing="2", align="center", wrap="wrap"),
        rx.link(t("roster.proof_link"), href=b["proof"], size="3", min_height=TAP, display="flex",
                align_items="center", id="officer-batch-proof", class_name="no-print"),
        class_name="desk-side print-keep",
    )
    return page(
        guarded(
            s,
            rx.el.div(
                side,
                rx.el.div(_messages(s), _withdraw_panel(), _entries_table(s.batch_entries, "officer-batch-entries"),
                          style={"display": "flex", "flexDirection": "column", "gap": "12px"}),
                class_name="desk-grid"),
        ),
        title_key="roster.officer_batch_title", desk=True, tables=True,
    )
