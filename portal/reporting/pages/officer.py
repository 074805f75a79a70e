"""/officer/reward-pool (以奖代补), the province's desk: the dated score weights with their document numbers (a new
set appended, never edited), every county's score for a year term by term with the weights in force, the pool
decided by one person and approved or rejected by a second; an approved pool is what /results publishes.
Every action goes through `_perform` (guard, one unit of work) to `reporting.services`, which checks role + region
again and audits; the page holds display strings only."""

from __future__ import annotations

from datetime import date
from typing import TypedDict

import reflex as rx

from portal.i18n import MESSAGES
from portal.kernel.money import parse_yuan, yuan
from portal.kernel.permissions import Role
from portal.kernel.workdays import china_today
from portal.reporting import queries, rules
from portal.reporting import services as svc
from portal.reporting.components import ShareRow, TermRow, term_rows
from portal.shell.account import guarded
from portal.shell.args import checked, row_id
from portal.shell.i18n import t, t_fmt, t_var
from portal.shell.layout import TAP, page
from portal.shell.session import SignedInState
from portal.shell.ui import CLEAR_ON_SUCCESS, clear_done_forms

ROLES = (Role.ADMIN, Role.OFFICER)
ERROR_KEYS = [k for k in MESSAGES if k.startswith("reporting.err_")] + ["reporting.pool_unallocated",
                                                                         "auth.forbidden"]
DONE_KEYS = ["reporting.done_weights", "reporting.done_decided", "reporting.done_approved",
             "reporting.done_rejected"]
STATUS_KEYS = [f"reporting.status.{s}" for s in svc.POOL_STATUSES]
TERM_KEYS = [f"reporting.term.{k}" for k in rules.TERMS]
STATUS_COLORS = {svc.DECIDED: "orange", svc.APPROVED: "green", svc.REJECTED: "gray"}


class WeightRow(TypedDict):
    key: str
    effective_from: str
    document: str
    weights: list[str]  # per term, in rules.TERMS order
    set_by: str


class ScoreRow(TypedDict):
    key: str
    name: str
    recipients: str
    score: str
    terms: list[TermRow]


class DeskPool(TypedDict):
    id: int
    year: str
    total: str
    floor: str
    status_key: str
    status_color: str
    document: str
    decided: str
    approved_by: str
    rejection: str
    can_approve: bool
    shares: list[ShareRow]


def _date(value) -> date | None:
    try:
        return date.fromisoformat(str(value or "")[:10])
    except ValueError:
        return None


class RewardPoolDeskState(SignedInState):
    province: str = ""
    has_province: bool = False
    year: str = ""
    years: list[str] = []
    today: str = ""
    weight_sets: list[WeightRow] = []
    scores: list[ScoreRow] = []
    scores_document: str = ""
    pools: list[DeskPool] = []
    error_key: str = ""
    done_key: str = ""

    @rx.event
    def load(self):
        actor = self._open_page(ROLES)
        if actor is None:
            return self._refused()
        today = china_today()
        self.years = [str(y) for y in range(today.year, today.year - 5, -1)]
        self.year = self.year if self.year in self.years else str(today.year)
        self.today = today.isoformat()
        self.error_key, self.done_key = "", ""
        self._refresh(actor)

    def _refresh(self, actor) -> None:
        d = queries.desk(actor, int(self.year))
        self.has_province = d is not None
        if d is None:
            self.province, self.weight_sets, self.scores, self.pools, self.scores_document = "", [], [], [], ""
            return
        self.province, self.scores_document = d.province_name, d.scores_document
        self.weight_sets = [WeightRow(key=f"{w.effective_from}-{w.document_no}", effective_from=w.effective_from,
                                      document=w.document_no, weights=[f"{w.weights.get(k, 0)}‰" for k in rules.TERMS],
                                      set_by=w.set_by) for w in d.weight_sets]
        self.scores = [ScoreRow(key=c.code, name=c.name, recipients=f"{c.recipients:,}", score=rules.shown_points(c.score_milli),
                                terms=term_rows(c.terms)) for c in d.scores]
        self.pools = [DeskPool(
            id=p.id, year=str(p.year), total=yuan(p.pool_fen), floor=rules.shown_points(p.floor_milli),
            status_key=f"reporting.status.{p.status}", status_color=STATUS_COLORS.get(p.status, "gray"),
            document=p.weights_document, decided=f"{p.decided_by} {p.decided_at}", approved_by=p.approved_by,
            rejection=p.rejection, can_approve=p.can_approve,
            shares=[ShareRow(key=f"{p.id}-{s.code}", name=s.name, score=rules.shown_points(s.score_milli),
                             share="¥" + yuan(s.share_fen), terms=term_rows(s.terms)) for s in p.shares])
            for p in d.pools]

    def _act(self, done: str, fn, *args):
        actor, key = self._perform(ROLES, fn, *args)
        if actor is None:
            self.error_key, self.done_key = "auth.forbidden", ""
            return None
        self.error_key, self.done_key = key, "" if key else done
        self._refresh(actor)
        return None if key else clear_done_forms()

    def _code(self) -> str:
        actor = self._guard(ROLES)
        found = svc.province_codes(actor) if actor is not None else []
        return found[0][0] if found else ""

    @rx.event
    @checked
    def set_year(self, year: str):
        if str(year) in self.years:
            self.year = str(year)
        actor = self._guard(ROLES)
        if actor is not None:
            self._refresh(actor)

    @rx.event
    @checked
    def set_weights(self, form: dict):
        weights: dict[str, int] = {}
        for term in rules.TERMS:
            raw = str(form.get(f"w_{term}", "")).strip()
            if not raw.isdigit() or len(raw) > 4:
                self.error_key, self.done_key = "reporting.err_weights", ""
                return None
            weights[term] = int(raw)
        effective = _date(form.get("effective_from"))
        if effective is None:
            self.error_key, self.done_key = "reporting.err_date", ""
            return None
        return self._act("reporting.done_weights", svc.set_weights, self._code(), weights, effective,
                         str(form.get("document_no", ""))[:200])

    @rx.event
    @checked
    def decide(self, form: dict):
        pool = parse_yuan(str(form.get("pool", ""))[:40])
        floor = rules.parse_points(str(form.get("floor", ""))[:10])
        if pool is None or pool <= 0:
            self.error_key, self.done_key = "reporting.err_pool", ""
            return None
        if floor is None:
            self.error_key, self.done_key = "reporting.err_floor", ""
            return None
        return self._act("reporting.done_decided", svc.decide_pool, self._code(), int(self.year), pool, floor)

    @rx.event
    @checked
    def approve(self, pool_id: int):
        return self._act("reporting.done_approved", svc.approve_pool, row_id(pool_id), True, "")

    @rx.event
    @checked
    def reject(self, form: dict):
        pool_id = str(form.get("pool_id", ""))
        if not pool_id.isdigit():
            self.error_key, self.done_key = "auth.forbidden", ""
            return None
        return self._act("reporting.done_rejected", svc.approve_pool, row_id(pool_id), False,
                         str(form.get("reason", ""))[:600])


def _field(label_key: str, name: str, kind: str = "text", **props) -> rx.Component:
    return rx.el.label(rx.text(t(label_key), size="2"),
                       rx.el.input(name=name, type=kind, required=True, class_name="eval-input", **props),
                       class_name="eval-field")


def _weights_row(w: WeightRow) -> rx.Component:
    return rx.el.tr(rx.el.td(w["effective_from"]), rx.el.td(w["document"]),
                    rx.foreach(w["weights"], lambda x: rx.el.td(x)), rx.el.td(w["set_by"]),
                    id="weights-" + w["key"])


def _weights() -> rx.Component:
    s = RewardPoolDeskState
    return rx.vstack(
        rx.heading(t("reporting.weights_title"), size="4", as_="h2"),
        rx.text(t("reporting.weights_intro"), size="2", color_scheme="gray"),
        rx.cond(s.weight_sets.length() > 0, rx.box(rx.el.table(
            rx.el.thead(rx.el.tr(rx.el.th(t("reporting.col.effective_from")), rx.el.th(t("reporting.col.document")),
                                 *[rx.el.th(t(k)) for k in TERM_KEYS], rx.el.th(t("reporting.col.set_by")))),
            rx.el.tbody(rx.foreach(s.weight_sets, _weights_row)), class_name="results-table", id="weight-sets"),
            class_name="table-scroll", width="100%"),
            rx.text(t("reporting.err_no_weights"), color_scheme="gray")),
        rx.el.form(
            *[_field(k, f"w_{term}", "number", min=0, max=1000, step=1, id=f"w-{term}")
              for k, term in zip(TERM_KEYS, rules.TERMS)],
            _field("reporting.col.effective_from", "effective_from", "date", default_value=s.today,
                   id="w-effective"),
            _field("reporting.col.document", "document_no", max_length=80, id="w-document"),
            rx.button(t("reporting.set_weights"), type="submit", min_height=TAP, id="weights-submit"),
            on_submit=s.set_weights, reset_on_submit=False, class_name=CLEAR_ON_SUCCESS + " eval-form-grid",
        ),
        width="100%", align="start", spacing="3", id="weights",
    )


def _term(x: TermRow) -> rx.Component:
    return rx.el.td(x["measure"], rx.el.br(), x["points"], " × ", x["weight"], " = ", rx.el.b(x["contribution"]))


def _score_row(c: ScoreRow) -> rx.Component:
    return rx.el.tr(rx.el.td(c["name"]), rx.el.td(c["recipients"]), rx.foreach(c["terms"], _term),
                    rx.el.td(rx.el.b(c["score"])), id="score-" + c["key"])


def _scores() -> rx.Component:
    s = RewardPoolDeskState
    return rx.vstack(
        rx.hstack(rx.heading(t("reporting.scores_title"), size="4", as_="h2"), rx.spacer(),
                  rx.el.select(rx.foreach(s.years, lambda y: rx.el.option(y, value=y)), value=s.year,
                               on_change=s.set_year, class_name="plain-select", aria_label="year", id="pool-year"),
                  width="100%", align="center"),
        rx.cond(s.scores_document != "", rx.text(t_fmt("reporting.scores_basis", document=s.scores_document),
                                                 size="2", color_scheme="gray")),
        rx.cond(s.scores.length() > 0, rx.box(rx.el.table(
            rx.el.thead(rx.el.tr(rx.el.th(t("reporting.col.county")), rx.el.th(t("reporting.col.recipients")),
                                 *[rx.el.th(t(k)) for k in TERM_KEYS], rx.el.th(t("reporting.col.score")))),
            rx.el.tbody(rx.foreach(s.scores, _score_row)), class_name="results-table", id="scores"),
            class_name="table-scroll", width="100%"),
            rx.text(t("reporting.err_no_weights"), color_scheme="gray", id="scores-none")),
        rx.el.form(
            _field("reporting.pool_amount", "pool", input_mode="decimal", placeholder="5000000.00", id="pool-amount"),
            _field("reporting.pool_floor", "floor", input_mode="decimal", placeholder="60", id="pool-floor"),
            rx.button(t_fmt("reporting.decide", year=s.year), type="submit", min_height=TAP, id="pool-decide"),
            on_submit=s.decide, reset_on_submit=False, class_name=CLEAR_ON_SUCCESS + " eval-form-grid",
        ),
        rx.text(t("reporting.decide_note"), size="1", color_scheme="gray"),
        width="100%", align="start", spacing="3",
    )


def _share(x: ShareRow) -> rx.Component:
    return rx.el.tr(rx.el.td(x["name"]), rx.el.td(x["score"]), rx.el.td(x["share"], style={"text_align": "right"}))


def _pool(p: DeskPool) -> rx.Component:
    s = RewardPoolDeskState
    return rx.card(rx.vstack(
        rx.hstack(rx.text(t_fmt("reporting.pool_line", year=p["year"], total=p["total"], floor=p["floor"]),
                          weight="medium"),
                  rx.badge(t_var(p["status_key"], STATUS_KEYS), color_scheme=p["status_color"], class_name="pool-status"),
                  width="100%", align="center", wrap="wrap"),
        rx.text(t_fmt("reporting.decided_by", who=p["decided"], document=p["document"]), size="2",
                color_scheme="gray"),
        rx.cond(p["approved_by"] != "", rx.text(
            rx.cond(p["rejection"] != "", t_fmt("reporting.rejected_by", who=p["approved_by"]),
                    t_fmt("reporting.approved_by", who=p["approved_by"])), size="2", color_scheme="gray")),
        rx.cond(p["rejection"] != "", rx.callout(t_fmt("reporting.rejected_because", reason=p["rejection"]),
                                                color_scheme="orange", width="100%")),
        rx.box(rx.el.table(
            rx.el.thead(rx.el.tr(rx.el.th(t("reporting.col.county")), rx.el.th(t("reporting.col.score")),
                                 rx.el.th(t("reporting.col.share"), style={"text_align": "right"}))),
            rx.el.tbody(rx.foreach(p["shares"], _share)), class_name="results-table"), class_name="table-scroll",
            width="100%"),
        rx.cond(p["can_approve"], rx.hstack(
            rx.button(t("reporting.approve"), on_click=s.approve(p["id"]), color_scheme="green", min_height=TAP,
                      class_name="pool-approve"),
            rx.el.form(
                rx.el.input(type="hidden", name="pool_id", value=p["id"].to_string()),
                rx.el.input(name="reason", required=True, max_length=500, class_name="eval-input",
                            placeholder=t("reporting.reject_reason"), aria_label="reason"),
                rx.button(t("reporting.reject"), type="submit", variant="soft", color_scheme="red", min_height=TAP),
                on_submit=s.reject, reset_on_submit=False, class_name=CLEAR_ON_SUCCESS + " eval-inline-form",
            ),
            spacing="4", align="center", wrap="wrap", width="100%")),
        width="100%", align="start", spacing="2",
    ), width="100%", id="pool-" + p["id"].to_string(), class_name="pool-card")


def reward_pool_desk() -> rx.Component:
    s = RewardPoolDeskState
    return page(
        guarded(
            s,
            rx.cond(s.has_province, rx.vstack(
                rx.text(t_fmt("reporting.desk_intro", province=s.province), size="2", color_scheme="gray"),
                rx.cond(s.error_key != "", rx.callout(t_var(s.error_key, ERROR_KEYS), color_scheme="red",
                                                      role="alert", id="pool-error", width="100%")),
                rx.cond(s.done_key != "", rx.callout(t_var(s.done_key, DONE_KEYS), color_scheme="green",
                                                     id="pool-done", width="100%")),
                rx.grid(_weights(), _scores(), columns=rx.breakpoints(initial="1", lg="2"), spacing="6",
                        width="100%"),
                rx.heading(t("reporting.pools_title"), size="4", as_="h2"),
                rx.cond(s.pools.length() > 0, rx.vstack(rx.foreach(s.pools, _pool), width="100%", spacing="3"),
                        rx.text(t("reporting.pools_none"), color_scheme="gray")),
                width="100%", align="start", spacing="4"),
                rx.text(t("reporting.desk_none"), color_scheme="gray", id="pool-no-province")),
        ),
        title_key="reporting.desk_title", desk=True, tables=True,
    )
