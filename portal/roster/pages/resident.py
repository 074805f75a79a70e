"""/roster: the public roster (公示). Anyone, no account: choose a region down to the village, read its current
publicity and its standing roster page by page, search an exact name, raise an objection on an entry.

The browser only ever receives what `services.roster` hands out: masked names, household size, amount, village and
dates (see `EntryRow`). Page reads are metered per client (`roster.take_read`); pages are keyset-paginated in the
database, `PAGE_SIZE` rows at a time, and there is no export.

/roster/batch/<id>: the public proof that a batch stayed up its full 7 days.
"""

from __future__ import annotations

from typing import Any, TypedDict

import reflex as rx

from portal.kernel import money
from portal.kernel import routes
from portal.shell.i18n import t, t_fmt, t_var
from portal.shell.layout import SELECT_STYLE, TAP, page, pager
from portal.regions.cascade import LevelRow, offered_choice
from portal.regions import queries as places
from portal.roster import queries
from portal.roster import services as svc
from portal.shell.client import client_address
from portal.shell.args import checked

LEVEL_KEYS = ["level.province", "level.city", "level.county", "level.township", "level.village"]
KIND_PUBLICITY, KIND_STANDING = queries.PUBLICITY, queries.STANDING
KIND_KEY = {KIND_PUBLICITY: "roster.kind_publicity", KIND_STANDING: "roster.kind_standing"}
ERROR_KEYS = ["roster.rate_limited", "roster.region_missing"]
ONE_YEAR = 365 * 24 * 3600



class EntryRow(TypedDict):
    """One roster line as the browser gets it: publishable fields only, the name already masked."""

    id: str
    name: str
    size: int
    amount: str
    village: str
    kind_key: str
    start: str
    end: str
    objection: str


class BatchRow(TypedDict):
    id: int
    region: str
    start: str
    end: str
    count: int
    proof: str


def entry_row(e: svc.PublicEntry) -> EntryRow:
    return EntryRow(id=e.public_id, name=e.masked_name, size=e.household_size,
                    amount=money.yuan(e.monthly_amount_fen), village=e.village_name,
                    kind_key=KIND_KEY[e.kind], end=svc.fmt_time(e.ends_at),
                    start=svc.fmt_time(e.starts_at) if e.ends_at else svc.fmt_date(e.starts_at),
                    objection=routes.roster_objection(e.public_id))


def batch_row(b: svc.BatchInfo) -> BatchRow:
    return BatchRow(id=b.id, region=b.region_name, start=svc.fmt_time(b.starts_at), end=svc.fmt_time(b.ends_at),
                    count=b.entry_count - b.withdrawn_count, proof=routes.roster_batch(b.id))


class RosterState(rx.State):
    # The last region chosen on this device, restored on the next visit.
    saved_region: str = rx.LocalStorage("", name="sd_roster_region")
    levels: list[LevelRow] = []
    region_code: str = ""
    region_label: str = ""
    view: str = KIND_PUBLICITY
    batches: list[BatchRow] = []
    entries: list[EntryRow] = []
    page_no: int = 1
    has_next: bool = False
    total: int = 0
    total_capped: bool = False
    query: str = ""
    searching: bool = False
    error_key: str = ""
    loaded: bool = False
    # Keyset cursors of the pages read so far (server only): _cursors[i] opens page i + 1.
    _cursors: list[Any] = []
    _next: Any = None

    # --- region cascade -------------------------------------------------------------------------------------

    def _set_region(self, place: places.Place) -> None:
        """Rebuild the selectors for the region: its ancestors chosen, one more level open below it."""
        self.levels = place.levels
        self.region_code = place.code
        self.region_label = place.label
        self.saved_region = place.code

    @rx.event
    def load(self):
        """Region from the link (?region=<code>, e.g. a village notice board's QR code), else this device's last."""
        wanted = str(self.router.url.query_parameters.get("region") or self.saved_region or "")[:20]
        self.error_key, self.query, self.searching = "", "", False
        place = places.open_place(wanted, or_root=True)
        if place is None:
            self.levels, self.entries, self.loaded = [], [], True
            return
        self._set_region(place)
        self._first_page()
        self.loaded = True

    @rx.event
    @checked
    def choose(self, index: int, code: str):
        """A selector changed. The new code must be one the server offered at that level."""
        code = offered_choice(self.levels, index, code)
        if not code:  # refused, or "all" at the top level
            return
        place = places.open_place(code)
        if place is None:
            return
        self._set_region(place)
        self.query, self.searching = "", False
        self._first_page()

    # --- reading, a metered page at a time -------------------------------------------------------------------

    def _read(self, cursor) -> None:
        got = queries.open_public_page(client_address(self), self.region_code, self.view,
                                       self.query if self.searching else None, cursor)
        if got.error_key == "roster.region_missing":
            self.error_key, self.entries, self.has_next = got.error_key, [], False
            return
        if got.error_key:
            self.error_key = got.error_key
            self.entries, self.has_next = [], False
            return
        self.error_key = ""
        if got.totals is not None:
            self.total, self.total_capped = got.totals
        if got.batches is not None:
            self.batches = [batch_row(b) for b in got.batches]
        self.entries = [entry_row(e) for e in got.entries]
        self._next = got.next_cursor
        self.has_next = got.next_cursor is not None

    def _first_page(self) -> None:
        self._cursors, self.page_no = [None], 1
        self._read(None)

    @rx.event
    def next_page(self):
        if not self.has_next or self._next is None:
            return
        self._cursors = [*self._cursors, self._next]
        self.page_no = len(self._cursors)
        self._read(self._next)

    @rx.event
    def prev_page(self):
        if len(self._cursors) <= 1:
            return
        self._cursors = self._cursors[:-1]
        self.page_no = len(self._cursors)
        self._read(self._cursors[-1])

    @rx.event
    @checked
    def set_view(self, view: str):
        if view not in svc.KINDS or (view == self.view and not self.searching):
            return
        self.view, self.query, self.searching = view, "", False
        self._first_page()

    @rx.event
    @checked
    def search(self, form: dict):
        name = svc.normalize_name(str(form.get("name", "")))[: svc.MAX_NAME]
        if not name:
            return self.clear_search()
        self.query, self.searching = name, True
        self._first_page()

    @rx.event
    def clear_search(self):
        self.query, self.searching = "", False
        self._first_page()


# --- components ---------------------------------------------------------------------------------------------

def _selector(level: LevelRow, index) -> rx.Component:
    return rx.el.div(
        rx.el.label(t_var(level["level_key"], LEVEL_KEYS), class_name="rt-Text rt-r-size-2"),
        rx.el.select(
            rx.cond(index > 0, rx.el.option(t("roster.all"), value="")),
            rx.foreach(level["options"], lambda o: rx.el.option(o["name"], value=o["code"])),
            value=level["selected"], on_change=lambda v: RosterState.choose(index, v),
            style=SELECT_STYLE, class_name="roster-select", id="roster-level-" + index.to_string(),
        ),
        class_name="form-field",
    )


def _entry_card(e: EntryRow) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(e["name"], weight="bold", size="4", class_name="roster-name"),
                rx.cond(e["kind_key"] == "roster.kind_publicity",
                        rx.badge(t("roster.kind_publicity"), color_scheme="amber"),
                        rx.badge(t("roster.kind_standing"), color_scheme="green")),
                rx.spacer(),
                rx.text(t_fmt("roster.amount", amount=e["amount"]), weight="medium", class_name="roster-amount"),
                align="center", width="100%", wrap="wrap", spacing="2",
            ),
            rx.text(t_fmt("roster.household", n=e["size"]), " · ", e["village"], size="2"),
            rx.cond(e["end"] != "",
                    rx.text(t_fmt("roster.period", start=e["start"], end=e["end"]), size="2", color_scheme="gray"),
                    rx.text(t_fmt("roster.listed_since", start=e["start"]), size="2", color_scheme="gray")),
            rx.link(rx.icon("flag", size=16), t("roster.object"), href=e["objection"], class_name="roster-object",
                    size="2", min_height=TAP, display="flex", align_items="center", gap="6px"),
            spacing="1", width="100%",
        ),
        width="100%", class_name="roster-entry",
    )


def _batch_card(b: BatchRow) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(b["region"], weight="bold"),
            rx.text(t_fmt("roster.period", start=b["start"], end=b["end"]), size="2"),
            rx.hstack(
                rx.text(t_fmt("roster.batch_count", n=b["count"]), size="2", color_scheme="gray"),
                rx.spacer(),
                rx.link(t("roster.proof_link"), href=b["proof"], size="2", min_height=TAP, display="flex",
                        align_items="center", class_name="roster-proof-link"),
                align="center", width="100%",
            ),
            spacing="1", width="100%",
        ),
        width="100%", class_name="roster-batch",
    )


def _view_button(kind: str, key: str) -> rx.Component:
    active = (RosterState.view == kind) & ~RosterState.searching
    return rx.button(t(key), on_click=RosterState.set_view(kind), variant=rx.cond(active, "solid", "soft"),
                     min_height=TAP, flex="1", id=f"view-{kind}", aria_pressed=rx.cond(active, "true", "false"))


def _search_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.label(t("roster.search_label"), html_for="roster-search", class_name="rt-Text rt-r-size-2"),
            rx.hstack(
                rx.input(id="roster-search", name="name", placeholder=t("roster.search_placeholder"), size="3",
                         max_length=svc.MAX_NAME, flex="1", min_height=TAP, auto_complete="off"),
                rx.button(t("roster.search"), type="submit", size="3", min_height=TAP, id="roster-search-go"),
                width="100%", spacing="2",
            ),
            spacing="1", width="100%",
        ),
        on_submit=RosterState.search, reset_on_submit=False, width="100%",
    )


def _pager() -> rx.Component:
    s = RosterState
    return pager(s.page_no, s.has_next, s.prev_page, s.next_page, "roster")


def roster_page() -> rx.Component:
    s = RosterState
    return page(
        rx.text(t("roster.intro"), size="2", color_scheme="gray"),
        rx.el.div(rx.foreach(s.levels, _selector), id="roster-regions",
                  style={"display": "grid", "grid_template_columns": "repeat(2, minmax(0, 1fr))", "gap": "8px",
                         "width": "100%", "margin": "12px 0"}),
        rx.cond(s.region_label != "",
                rx.text(t("roster.current_region"), " ", rx.text.strong(s.region_label), size="2",
                        id="roster-region-label")),
        rx.hstack(_view_button(KIND_PUBLICITY, "roster.kind_publicity_tab"),
                  _view_button(KIND_STANDING, "roster.kind_standing_tab"), width="100%", spacing="2",
                  margin_y="8px"),
        _search_form(),
        rx.cond(s.error_key != "",
                rx.callout(t_var(s.error_key, ERROR_KEYS), icon="triangle-alert", color_scheme="red", role="alert",
                           id="roster-error", width="100%", margin_y="8px")),
        rx.cond(
            s.searching,
            rx.hstack(rx.text(t_fmt("roster.search_results", name=s.query), size="2", id="roster-search-title"),
                      rx.spacer(),
                      rx.button(t("roster.clear_search"), on_click=s.clear_search, variant="ghost", min_height=TAP,
                                id="roster-search-clear"),
                      align="center", width="100%", margin_top="8px"),
            rx.vstack(
                rx.cond((s.view == KIND_PUBLICITY) & (s.batches.length() > 0),
                        rx.vstack(rx.heading(t("roster.batches"), size="4", as_="h2"),
                                  rx.foreach(s.batches, _batch_card), width="100%", spacing="2",
                                  id="roster-batches")),
                rx.text(rx.cond(s.total_capped, t_fmt("roster.total_capped", n=s.total),
                                t_fmt("roster.total", n=s.total)), size="2", color_scheme="gray",
                        id="roster-total"),
                width="100%", spacing="2", margin_top="8px",
            ),
        ),
        rx.cond(
            s.entries.length() > 0,
            rx.vstack(rx.foreach(s.entries, _entry_card), spacing="2", width="100%", id="roster-entries",
                      margin_y="8px"),
            rx.cond(s.loaded & (s.error_key == ""),
                    rx.text(rx.cond(s.searching, t("roster.search_none"), t("roster.empty")), color_scheme="gray",
                            id="roster-empty", margin_y="12px")),
        ),
        rx.cond(s.has_next | (s.page_no > 1), _pager()),
        rx.text(t("roster.privacy_note"), size="1", color_scheme="gray", margin_top="12px"),
        title_key="roster.title",
    )


# --- the public proof page of one batch -----------------------------------------------------------------------

class ProofRowView(TypedDict):
    id: int
    at: str
    action_key: str
    target: str
    hash: str
    prev: str


ACTION_KEYS = ["roster.action_publish", "roster.action_withdraw"]
_ACTION_KEY = {svc.ACTION_PUBLISH: "roster.action_publish", svc.ACTION_WITHDRAW: "roster.action_withdraw"}


def proof_rows(proof: svc.BatchProof) -> list[ProofRowView]:
    return [ProofRowView(id=r.audit_id, at=svc.fmt_time(r.at), action_key=_ACTION_KEY[r.action],
                         target=r.target_id, hash=r.hash[:16], prev=r.prev_hash[:16]) for r in proof.rows]


class BatchProofState(rx.State):
    found: bool = False
    loaded: bool = False
    error_key: str = ""
    batch: BatchRow = BatchRow(id=0, region="", start="", end="", count=0, proof="")
    withdrawn: int = 0
    completed: bool = False
    days_left: int = 0
    hours_left: int = 0
    publish_recorded: bool = False
    seven_days: bool = False
    chain_ok: bool = False
    chain_rows: int = 0
    chain_broken_id: int = 0
    rows: list[ProofRowView] = []

    @rx.event
    def load(self):
        raw = str(self.router.url.query_parameters.get("batch") or self.router._page.params.get("batch", ""))
        self.found, self.rows, self.error_key = False, [], ""
        counted, proof = queries.open_public_proof(client_address(self), raw)
        if not counted:
            self.error_key, self.loaded = "roster.rate_limited", True
            return
        self.loaded = True
        if proof is None:
            return
        self.found = True
        self.batch = batch_row(proof.batch)
        self.withdrawn = proof.batch.withdrawn_count
        self.completed = proof.completed
        self.days_left = proof.remaining.days
        self.hours_left = proof.remaining.seconds // 3600
        self.publish_recorded, self.seven_days = proof.publish_recorded, proof.exactly_seven_days
        self.chain_ok, self.chain_rows = proof.chain_ok, proof.chain_rows
        self.chain_broken_id = proof.chain_broken_id or 0
        self.rows = proof_rows(proof)


def check_line(ok, key_ok: str, key_bad: str, box_id: str, **params) -> rx.Component:
    ok_text = t_fmt(key_ok, **params) if params else t(key_ok)
    bad_text = t_fmt(key_bad, **params) if params else t(key_bad)
    return rx.hstack(
        rx.cond(ok, rx.icon("circle-check", color=rx.color("green", 9), size=20),
                rx.icon("circle-x", color=rx.color("red", 9), size=20)),
        rx.text(rx.cond(ok, ok_text, bad_text), size="2"),
        align="start", spacing="2", id=box_id, data_ok=rx.cond(ok, "true", "false"),
    )


def proof_row_card(r: ProofRowView) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.badge("#", r["id"].to_string(), variant="outline"),
                      rx.text(t_var(r["action_key"], ACTION_KEYS), weight="medium"),
                      rx.spacer(), rx.text(r["at"], size="2"), width="100%", align="center", wrap="wrap"),
            rx.text(t("roster.proof_target"), " ", r["target"], size="1", color_scheme="gray",
                    class_name="roster-hash"),
            rx.text(t("roster.proof_hash"), " ", r["hash"], "…", size="1", color_scheme="gray",
                    class_name="roster-hash"),
            rx.text(t("roster.proof_prev"), " ", r["prev"], "…", size="1", color_scheme="gray",
                    class_name="roster-hash"),
            spacing="1", width="100%",
        ),
        width="100%", class_name="roster-proof-row",
    )


def proof_body(s) -> rx.Component:
    """Shared by the public page and the officer batch page (which adds reasons and entries)."""
    return rx.vstack(
        rx.heading(s.batch["region"], size="5", as_="h2", id="proof-region"),
        rx.text(t_fmt("roster.period", start=s.batch["start"], end=s.batch["end"]), size="3", id="proof-period"),
        rx.cond(s.completed,
                rx.callout(t("roster.proof_completed"), icon="shield-check", color_scheme="green",
                           id="proof-status", width="100%"),
                rx.callout(t_fmt("roster.proof_running", d=s.days_left, h=s.hours_left), icon="clock",
                           color_scheme="amber", id="proof-status", width="100%")),
        rx.text(t_fmt("roster.proof_counts", n=s.batch["count"], w=s.withdrawn), size="2", id="proof-counts"),
        rx.heading(t("roster.proof_checks"), size="4", as_="h3"),
        check_line(s.publish_recorded, "roster.check_publish_ok", "roster.check_publish_bad", "check-publish"),
        check_line(s.seven_days, "roster.check_days_ok", "roster.check_days_bad", "check-days"),
        rx.cond(s.chain_ok,
                check_line(s.chain_ok, "roster.check_chain_ok", "roster.check_chain_ok", "check-chain",
                           n=s.chain_rows),
                check_line(s.chain_ok, "roster.check_chain_bad", "roster.check_chain_bad", "check-chain",
                           id=s.chain_broken_id)),
        rx.text(t("roster.check_no_shortening"), size="2", color_scheme="gray"),
        rx.heading(t("roster.proof_rows"), size="4", as_="h3"),
        rx.vstack(rx.foreach(s.rows, proof_row_card), width="100%", spacing="2", id="proof-rows"),
        width="100%", spacing="3",
    )


def batch_proof_page() -> rx.Component:
    s = BatchProofState
    return page(
        rx.cond(
            ~s.loaded, rx.center(rx.spinner(size="3"), padding="32px"),
            rx.cond(
                s.error_key != "",
                rx.callout(t_var(s.error_key, ERROR_KEYS), icon="triangle-alert", color_scheme="red", role="alert",
                           id="roster-error", width="100%"),
                rx.cond(s.found,
                        rx.vstack(proof_body(s), rx.text(t("roster.proof_reasons_note"), size="1",
                                                         color_scheme="gray"), width="100%"),
                        rx.callout(t("roster.batch_missing"), icon="info", color_scheme="gray", id="proof-missing",
                                   width="100%")),
            ),
        ),
        rx.link(t("roster.back"), href=routes.ROSTER, size="3", min_height=TAP, display="flex", align_items="center",
                margin_top="12px"),
        title_key="roster.proof_title",
    )
