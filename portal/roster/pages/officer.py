"""Officer side of the public roster: publish a 7-day publicity batch for a region in scope (the standing roster
follows the recipient register and is not typed in here), see the region's batches, find an entry by name and withdraw it with a written reason.

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

MAX_DRAFT = 100
ERROR_KEYS = ["name.err_invalid", "roster.err_household", "roster.err_amount", "roster.err_source_ref",
              "roster.err_village", "roster.err_empty", "roster.err_too_many", "roster.err_reason",
              "roster.err_already_withdrawn", "auth.forbidden", "roster.err_draft_full"]
NOTICE_KEYS = ["roster.published", "roster.withdrawn"]


class ScopeOption(TypedDict):
    code: str
    label: str


class DraftRow(TypedDict):
    key: int
    name: str
    size: int
    amount: str
    village_code: str
    village: str


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
    villages: list[ScopeOption] = []
    draft: list[DraftRow] = []
    batches: list[OfficerBatchRow] = []
    error_key: str = ""
    error_detail: str = ""
    notice_key: str = ""
    notice_href: str = ""
    found: list[OfficerEntryRow] = []
    find_query: str = ""
    withdraw_id: str = ""
    withdraw_label: str = ""
    # the batch page
    batch: OfficerBatchRow = OfficerBatchRow(id=0, region="", start="", end="", count=0, withdrawn=0, running=False,
                                             href="", proof="")
    batch_entries: list[OfficerEntryRow] = []
    batch_missing: bool = False
    _draft_seq: int = 0

    # --- helpers --------------------------------------------------------------------------------------------

    def _fail(self, key: str, detail: str = "") -> None:
        self.error_key, self.error_detail, self.notice_key, self.notice_href = key, detail, "", ""

    def _ok(self, key: str, href: str = "") -> None:
        self.error_key, self.error_detail, self.notice_key, self.notice_href = "", "", key, href

    def _region_guard(self):
        """The caller, re-checked for role + region of the chosen region on every call (a forged code gets
        nothing); the queries and services check again."""
        path = queries.region_path(self.region_code) if self.region_code else None
        return self._guard(Role.OFFICER, path or "/nonexistent/")

    def _refresh_region(self, actor) -> None:
        desk = queries.open_region_desk(actor, self.region_code)
        self.villages = [_option(v) for v in desk.villages]
        self.batches = [officer_batch_row(b) for b in desk.batches]

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
            self.draft = []
        actor = self._region_guard()
        if actor is not None:
            self._refresh_region(actor)

    @rx.event
    @checked
    def pick_region(self, code: str):
        self.region_code = str(code or "")[:20]
        self.draft, self.found, self.withdraw_id = [], [], ""
        actor = self._region_guard()
        if actor is None:
            self.region_code, self.villages, self.batches = "", [], []
            return
        self._ok("")
        self._refresh_region(actor)

    @rx.event
    @checked
    def add_draft(self, form: dict):
        if self._region_guard() is None:
            return
        if len(self.draft) >= MAX_DRAFT:
            return self._fail("roster.err_draft_full")
        amount = svc.parse_amount_fen(str(form.get("amount", "")))
        size = str(form.get("household", "")).strip()
        village = str(form.get("village", ""))[:20]
        entry = svc.NewEntry(name=str(form.get("name", ""))[:100], household_size=int(size) if size.isdigit() else 0,
                             monthly_amount_fen=amount or 0, village_code=village)
        try:
            checked = svc.check_entry(entry)
        except svc.RosterError as exc:
            return self._fail(exc.key)
        names = {v["code"]: v["label"] for v in self.villages}
        if village not in names:
            return self._fail("roster.err_village")
        self._draft_seq += 1
        self.draft = [*self.draft, DraftRow(key=self._draft_seq, name=checked.name, size=checked.household_size,
                                            amount=money.yuan(checked.monthly_amount_fen),
                                            village_code=village, village=names[village])]
        self._ok("")

    @rx.event
    @checked
    def drop_draft(self, key: int):
        if self._guard(Role.OFFICER) is None:
            return
        self.draft = [d for d in self.draft if d["key"] != key]

    def _draft_entries(self) -> list[svc.NewEntry]:
        return [svc.NewEntry(d["name"], d["size"], svc.parse_amount_fen(d["amount"]) or 0, d["village_code"])
                for d in self.draft]

    @rx.event
    def publish(self):
        if self._region_guard() is None:
            return
        published: list[int] = []
        failed: list[svc.RosterError] = []

        def run(session, actor):
            try:
                published.append(svc.publish_batch_for(session, actor, self.region_code, self._draft_entries()))
            except svc.RosterError as exc:
                failed.append(exc)  # the detail (which village) is shown too
                raise

        actor, key = self._perform(Role.OFFICER, run)
        if actor is None:
            return
        if key:
            return self._fail(key, failed[0].detail if failed else "")
        self.draft = []
        self._ok("roster.published", routes.officer_roster_batch(published[0]))
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
                rx.callout(rx.hstack(t_var(s.notice_key, NOTICE_KEYS),
                                     rx.cond(s.notice_href != "",
                                             rx.link(t("roster.open_batch"), href=s.notice_href,
                                                     id="officer-roster-notice-link")),
                                     spacing="2", wrap="wrap"),
                           icon="circle-check", color_scheme="green", role="status", id="officer-roster-notice",
                           width="100%")),
    )


def _field(label_key: str, control_id: str, control: rx.Component) -> rx.Component:
    return rx.el.div(rx.el.label(t(label_key), html_for=control_id, class_name="rt-Text rt-r-size-2"), control,
                     class_name="form-field")


def _draft_form(s) -> rx.Component:
    return rx.form(
        rx.vstack(
            _field("roster.field_village", "draft-village", rx.el.select(
                rx.foreach(s.villages, lambda v: rx.el.option(v["label"], value=v["code"])),
                name="village", id="draft-village", style=SELECT_STYLE)),
            _field("roster.field_name", "draft-name", rx.el.input(id="draft-name", name="name", type="text", required=True,
                                                    max_length=svc.MAX_NAME, auto_complete="off")),
            rx.hstack(
                _field("roster.field_household", "draft-household", rx.el.input(id="draft-household", name="household", type="number",
                                                             min=1, max=svc.MAX_HOUSEHOLD, required=True,
                                                             input_mode="numeric")),
                _field("roster.field_amount", "draft-amount", rx.el.input(id="draft-amount", name="amount", type="text",
                                                          input_mode="decimal", required=True, max_length=12)),
                spacing="2", width="100%",
            ),
            rx.button(t("roster.add_draft"), type="submit", variant="soft", min_height=TAP, width="100%",
                      id="draft-add"),
            spacing="2", width="100%",
        ),
        on_submit=s.add_draft, reset_on_submit=True, width="100%",
    )


def _draft_row(d: DraftRow) -> rx.Component:
    return rx.hstack(
        rx.vstack(rx.text(d["name"], weight="medium"),
                  rx.text(d["village"], " · ", t_fmt("roster.household", n=d["size"]), " · ",
                          t_fmt("roster.amount", amount=d["amount"]), size="2", color_scheme="gray"),
                  spacing="0"),
        rx.spacer(),
        rx.button(rx.icon("x", size=16), on_click=OfficerRosterState.drop_draft(d["key"]), variant="ghost",
                  min_height=TAP, min_width=TAP, aria_label="remove"),
        align="center", width="100%", class_name="draft-row",
    )


def _batch_link(b: OfficerBatchRow) -> rx.Component:
    return rx.link(
        rx.card(rx.vstack(
            rx.hstack(rx.text(b["region"], weight="medium"), rx.spacer(),
                      rx.cond(b["running"], rx.badge(t("roster.batch_running"), color_scheme="amber"),
                              rx.badge(t("roster.batch_done"), color_scheme="green")), width="100%"),
            rx.text(t_fmt("roster.period", start=b["start"], end=b["end"]), size="2"),
            rx.text(t_fmt("roster.proof_counts", n=b["count"], w=b["withdrawn"]), size="2", color_scheme="gray"),
            spacing="1"), width="100%", min_height=TAP),
        href=b["href"], underline="none", width="100%", class_name="officer-batch-link",
    )


def _entry_row(e: OfficerEntryRow) -> rx.Component:
    s = OfficerRosterState
    return rx.card(
        rx.vstack(
            rx.hstack(rx.text(e["name"], weight="bold"), rx.text(e["masked"], size="2", color_scheme="gray"),
                      rx.spacer(), rx.cond(e["active"], rx.badge(t("roster.status_active"), color_scheme="green"),
                                          rx.badge(t("roster.status_withdrawn"), color_scheme="gray")),
                      width="100%", align="center", wrap="wrap"),
            rx.text(e["village"], " · ", t_fmt("roster.household", n=e["size"]), " · ",
                    t_fmt("roster.amount", amount=e["amount"]), size="2"),
            rx.cond(e["reason"] != "", rx.text(t("roster.reason_label"), " ", e["reason"], size="2",
                                               color_scheme="gray", class_name="withdraw-reason")),
            rx.cond(e["active"],
                    rx.button(t("roster.withdraw"), on_click=s.start_withdraw(e["id"], e["name"]), variant="outline",
                              color_scheme="red", min_height=TAP, class_name="withdraw-start")),
            spacing="1", width="100%",
        ),
        width="100%", class_name="officer-entry",
    )


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
    return page(
        guarded(
            s,
            rx.text(t("roster.officer_intro"), size="2", color_scheme="gray"),
            rx.el.div(
                rx.el.label(t("roster.field_region"), html_for="officer-roster-region",
                            class_name="rt-Text rt-r-size-2"),
                rx.el.select(rx.foreach(s.scope, lambda o: rx.el.option(o["label"], value=o["code"])),
                             value=s.region_code, on_change=s.pick_region, id="officer-roster-region",
                             style=SELECT_STYLE),
                class_name="form-field",
            ),
            _messages(s),
            rx.card(rx.vstack(
                rx.heading(t("roster.new_entries"), size="4", as_="h2"),
                rx.text(t("roster.new_entries_hint"), size="2", color_scheme="gray"),
                _draft_form(s),
                rx.vstack(rx.foreach(s.draft, _draft_row), width="100%", spacing="1", id="draft-list"),
                rx.cond(s.draft.length() > 0, rx.vstack(
                    rx.button(t("roster.publish"), on_click=s.publish, min_height=TAP, width="100%",
                              id="publish-batch"),
                    rx.text(t("roster.publish_hint"), size="1", color_scheme="gray"),
                    width="100%", spacing="2")),
                spacing="3", width="100%"), width="100%"),
            rx.heading(t("roster.batches_in_region"), size="4", as_="h2"),
            rx.cond(s.batches.length() > 0,
                    rx.vstack(rx.foreach(s.batches, _batch_link), width="100%", spacing="2", id="officer-batches"),
                    rx.text(t("roster.no_batches"), color_scheme="gray")),
            rx.heading(t("roster.find_title"), size="4", as_="h2"),
            rx.form(rx.hstack(
                rx.input(name="name", id="officer-find", placeholder=t("roster.search_placeholder"), flex="1",
                         size="3", min_height=TAP, max_length=svc.MAX_NAME),
                rx.button(t("roster.search"), type="submit", size="3", min_height=TAP, id="officer-find-go"),
                width="100%", spacing="2"), on_submit=s.find, reset_on_submit=False, width="100%"),
            _withdraw_panel(),
            rx.vstack(rx.foreach(s.found, _entry_row), width="100%", spacing="2", id="officer-found"),
        ),
        title_key="roster.officer_title",
    )


def officer_roster_batch() -> rx.Component:
    s = OfficerRosterState
    b = s.batch
    return page(
        guarded(
            s,
            rx.link(t("roster.back_desk"), href=routes.OFFICER_ROSTER, size="2", min_height=TAP, display="flex",
                    align_items="center"),
            rx.heading(b["region"], size="5", as_="h2", id="officer-batch-region"),
            rx.text(t_fmt("roster.period", start=b["start"], end=b["end"]), size="2"),
            rx.hstack(rx.cond(b["running"], rx.badge(t("roster.batch_running"), color_scheme="amber"),
                              rx.badge(t("roster.batch_done"), color_scheme="green")),
                      rx.text(t_fmt("roster.proof_counts", n=b["count"], w=b["withdrawn"]), size="2"),
                      spacing="2", align="center", wrap="wrap"),
            rx.link(t("roster.proof_link"), href=b["proof"], size="3", min_height=TAP, display="flex",
                    align_items="center", id="officer-batch-proof"),
            _messages(s),
            _withdraw_panel(),
            rx.vstack(rx.foreach(s.batch_entries, _entry_row), width="100%", spacing="2", id="officer-batch-entries"),
        ),
        title_key="roster.officer_batch_title",
    )
