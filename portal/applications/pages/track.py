"""/apply/track: every step of an application, its deadline in working days and the office handling it, every step
still to come with its office and its latest due date as it stands today, and,
when materials are missing, the ONE complete list of them. Opened with the application number and secret (or
straight after submitting, from the same tab: the application the tab holds, `components.DraftHold`)."""

from __future__ import annotations

import secrets
import time
from typing import TypedDict

import reflex as rx

from portal.kernel import routes
from portal.shell.i18n import t, t_fmt, t_var
from portal.shell.layout import TAP, page
from portal.i18n import MESSAGES
from portal.applications import queries
from portal.applications.components import OUTCOME_KEYS, STATUS_KEYS, STEP_KEYS, DraftHold, StepRow, step_rows
from portal.applications import services as svc
from portal.shell.client import client_address
from portal.shell.args import checked
from portal.shell.contact import ContactRow, contact_row, office_card
from portal.shell.session import held_elsewhere, on_hydrate
from portal.kernel import policy

MATERIAL_KEYS = [f"apply.material.{k}" for k in svc.MATERIAL_ITEMS]
ERROR_KEYS = ["apply.err_not_found", "apply.err_throttled"]
ANSWER_ERROR_KEYS = ["apply.err_not_found", "apply.err_wrong_step", "apply.err_finding_not_found", "verify.err_answer"]
FINDING_RULE_KEYS = [k for k in MESSAGES if k.startswith("verify.rule.")]
FINDING_SOURCE_KEYS = [k for k in MESSAGES if k.startswith("verify.source.")]


class AheadRow(TypedDict):
    kind_key: str
    office: str
    due: str
    wd: str  # the step's limit in working days, "" when it is due by the whole-process deadline
    days: str  # calendar days (publicity), else ""


def ahead_rows(view: svc.TrackView) -> list[AheadRow]:
    return [AheadRow(kind_key=f"apply.step.{a.kind}", office=a.office, due=a.due_on,
                     wd=str(a.working_days) if a.working_days is not None else "",
                     days=str(a.days) if a.days is not None else "") for a in view.ahead]


class CheckRow(TypedDict):
    id: str
    rule_key: str
    source_key: str
    as_of: str
    answer: str
    settled: bool
    answer_due: str  # the last day to answer ('' when none)
    lapsed: bool


@on_hydrate
class TrackState(rx.State):
    # A case opened here (steps, reasons, amount, the resident's answers, the office) stays only for this browser
    # session and while the tab is in use: the next person on a shared phone needs the number and secret again.
    hold_key: str = rx.Cookie("", name="sd_apply_track", same_site="strict")
    _hold_key: str = ""
    _last_used: float = 0.0
    found: bool = False
    error_key: str = ""
    retry_at: str = ""  # with apply.err_throttled: when to try again
    number: str = ""
    status_key: str = ""
    status: str = ""
    submitted_on: str = ""
    overall_due: str = ""
    overall_wd: int = 30
    steps: list[StepRow] = []
    ahead: list[AheadRow] = []
    missing_keys: list[str] = []
    missing_other: str = ""
    reasons: str = ""
    payment_from: str = ""
    amount: str = ""
    checks: list[CheckRow] = []
    can_answer: bool = False
    answer_error: str = ""
    answer_saved: bool = False
    contact: ContactRow = contact_row(None)

    def _on_hydrate(self, session, storage: dict) -> None:
        if self.found and held_elsewhere(self, "hold_key", self._hold_key, self._last_used, storage,
                                         policy.get_int(session, "apply.idle_minutes")):
            self.reset()
            self._hold_key, self._last_used = "", 0.0

    def _show(self, case: queries.ResidentCase) -> None:
        self._hold_key = self._hold_key or secrets.token_urlsafe(18)
        self.hold_key = self._hold_key  # again: a reset() on load cleared the cookie var
        self._last_used = time.time()
        view = case.view
        self.checks = [CheckRow(id=str(f.id), rule_key=f"verify.rule.{f.rule}", source_key=f"verify.source.{f.source}",
                                as_of=f.as_of, answer=f.answer, settled=f.settled, answer_due=f.answer_due,
                                lapsed=f.lapsed) for f in case.findings]
        self.can_answer = case.can_answer
        self.found, self.error_key, self.number = True, "", view.number
        self.status, self.status_key = view.status, f"apply.status.{view.status}"
        self.submitted_on = view.submitted_on
        self.overall_due, self.overall_wd = view.overall_due, view.overall_wd
        self.steps = step_rows(view)
        self.ahead = ahead_rows(view)
        self.missing_keys = [f"apply.material.{k}" for k in view.missing]
        self.missing_other = view.missing_other
        self.reasons, self.payment_from, self.amount = view.reasons, view.payment_from, view.amount
        self.contact = contact_row(view.contact)

    @rx.event
    async def load(self):
        # Everything a previous look-up showed goes, not only the flag that hides it.
        self.reset()
        number, secret = (await self.get_state(DraftHold))._held()
        if number:
            case = queries.resume_case(number, secret)
            if case is not None:
                self._show(case)

    @rx.event
    @checked
    async def open_case(self, form: dict):
        number, secret = str(form.get("number", "")).strip()[:40], str(form.get("secret", "")).strip().lower()[:64]
        try:
            case = queries.open_case(number, secret, client_address(self))
        except svc.ApplicationError as exc:  # the failure count is committed by the query's unit of work
            self.reset()
            self.error_key, self.retry_at = exc.key, exc.retry_at
            return
        if case is None:
            self.reset()
            self.error_key = "apply.err_not_found"
            return
        self._show(case)
        (await self.get_state(DraftHold))._bind(case.view.number, secret)

    @rx.event
    @checked
    async def answer(self, form: dict):
        """The applicant's short answer to one finding of their own case (number and secret of this tab)."""
        number, secret = (await self.get_state(DraftHold))._held()
        self.answer_saved = False
        try:
            finding = int(str(form.get("finding", "")))
            case = queries.answer_finding(number, secret, finding, str(form.get("answer", ""))[:400])
        except svc.ApplicationError as exc:
            self.answer_error = exc.key
            return
        except ValueError:  # a forged id
            self.answer_error = "apply.err_finding_not_found"
            return
        self.answer_error = ""
        self._show(case)
        self.answer_saved = True


def _step(row: StepRow) -> rx.Component:
    return rx.box(
        rx.hstack(rx.text(t_var(row["kind_key"], STEP_KEYS), weight="bold"), rx.spacer(),
                  rx.match(row["state"],
                           ("done", rx.badge(t("apply.step_done"), color_scheme="green")),
                           ("overdue", rx.badge(t("apply.step_overdue"), color_scheme="red")),
                           rx.badge(t("apply.step_open"), color_scheme="blue")),
                  width="100%", align="center"),
        rx.text(t_fmt("apply.step_office", office=row["office"]), size="2"),
        rx.cond(row["due"] != "",
                rx.cond(row["limit"] != "",
                        rx.text(t_fmt("apply.step_due_wd", due=row["due"], wd=row["limit"], start=row["started"]),
                                size="2"),
                        rx.text(t_fmt("apply.step_due", due=row["due"], start=row["started"]), size="2"))),
        rx.cond(row["outcome_key"] != "", rx.text(t_var(row["outcome_key"], OUTCOME_KEYS), size="2",
                                                  color_scheme="gray")),
        class_name="step-row " + row["state"], data_step=row["kind_key"],
    )


def _ahead(row: AheadRow) -> rx.Component:
    return rx.box(
        rx.hstack(rx.text(t_var(row["kind_key"], STEP_KEYS), weight="bold"), rx.spacer(),
                  rx.badge(t("apply.step_ahead"), color_scheme="gray"), width="100%", align="center"),
        rx.text(t_fmt("apply.step_office", office=row["office"]), size="2"),
        rx.cond(row["days"] != "",
                rx.text(t_fmt("apply.ahead_publicity", days=row["days"], due=row["due"]), size="2"),
                rx.cond(row["wd"] != "",
                        rx.text(t_fmt("apply.ahead_due_wd", wd=row["wd"], due=row["due"]), size="2"),
                        rx.text(t_fmt("apply.ahead_due_total", due=row["due"]), size="2"))),
        class_name="step-row ahead", data_step=row["kind_key"],
    )


def _check(row: CheckRow) -> rx.Component:
    s = TrackState
    return rx.box(rx.card(rx.vstack(
        rx.text(t_var(row["rule_key"], FINDING_RULE_KEYS), weight="bold"),
        rx.text(t_var(row["source_key"], FINDING_SOURCE_KEYS), " · ", t_fmt("verify.as_of", day=row["as_of"]),
                size="2", color_scheme="gray"),
        rx.cond(row["answer"] != "", rx.text(t("verify.track_answered"), " ", row["answer"], size="2",
                                             class_name="check-answer")),
        rx.cond(~row["settled"] & (row["answer"] == "") & (row["answer_due"] != ""),
                rx.text(rx.cond(row["lapsed"], t_fmt("verify.track_answer_lapsed", due=row["answer_due"]),
                                t_fmt("verify.track_answer_due", due=row["answer_due"])),
                        size="3", weight="medium", class_name="check-due", id="check-due-" + row["id"])),
        rx.cond(row["settled"], rx.badge(t("verify.track_settled"), color_scheme="green"),
                rx.cond(s.can_answer & (row["answer"] == ""), rx.form(
                    rx.vstack(
                        rx.el.input(type="hidden", name="finding", value=row["id"]),
                        rx.el.label(t("verify.answer_label"), html_for="f-answer-" + row["id"],
                                    class_name="wiz-label"),
                        rx.el.textarea(name="answer", id="f-answer-" + row["id"], rows="3", class_name="wiz-input",
                                       max_length=300),
                        rx.el.button(t("verify.answer_send"), type="submit", class_name="screen-next",
                                     id="answer-send-" + row["id"]),
                        width="100%", spacing="2"),
                    on_submit=s.answer, reset_on_submit=True, width="100%"))),
        width="100%", spacing="2", align="start"), width="100%"), width="100%", class_name="check-row",
        id="check-" + row["id"])


def apply_track_page() -> rx.Component:
    s = TrackState
    return page(
        rx.cond(s.error_key != "", rx.callout(t_var(s.error_key, ERROR_KEYS, time=s.retry_at), icon="triangle-alert",
                                              color_scheme="red", role="alert", id="track-error", width="100%", margin_bottom="12px")),
        rx.cond(
            s.found,
            rx.vstack(
                rx.card(rx.text(t("apply.number"), size="2", color_scheme="gray"),
                        rx.text(s.number, size="6", weight="bold", id="track-number"),
                        rx.text(t_var(s.status_key, STATUS_KEYS), size="4", weight="bold", id="track-status"),
                        rx.cond(s.overall_due != "",
                                rx.text(t_fmt("apply.overall_due", due=s.overall_due, wd=s.overall_wd), size="2")),
                        width="100%"),
                rx.cond(s.missing_keys.length() > 0, rx.box(
                    rx.heading(t("apply.missing_title"), size="4", as_="h2"),
                    rx.text(t("apply.missing_intro"), size="2"),
                    rx.el.ul(rx.foreach(s.missing_keys, lambda k: rx.el.li(t_var(k, MATERIAL_KEYS))),
                             class_name="screen-list"),
                    rx.cond(s.missing_other != "", rx.text(s.missing_other, size="2", id="missing-other")),
                    rx.link(t("apply.add_materials"), href=routes.APPLY, class_name="screen-next", underline="none",
                            id="add-materials", margin_top="8px"),
                    class_name="wiz-summary", id="missing-list")),
                rx.cond(s.status == "approved", rx.callout(
                    t_fmt("apply.approved_note", amount=s.amount, start=s.payment_from), icon="circle-check",
                    color_scheme="green", width="100%", id="track-approved")),
                rx.cond(s.status == "refused", rx.callout(
                    t_fmt("apply.refused_note", reasons=s.reasons), icon="circle-x", color_scheme="red",
                    width="100%", id="track-refused")),
                rx.cond(s.checks.length() > 0, rx.vstack(
                    rx.heading(t("verify.track_title"), size="4", as_="h2"),
                    rx.text(t("verify.track_intro"), size="2"),
                    rx.cond(s.answer_error != "", rx.callout(t_var(s.answer_error, ANSWER_ERROR_KEYS),
                                                             icon="triangle-alert", color_scheme="red", role="alert",
                                                             width="100%", id="answer-error")),
                    rx.cond(s.answer_saved, rx.callout(t("verify.answer_saved"), icon="check", color_scheme="green",
                                                       width="100%", id="answer-saved")),
                    rx.vstack(rx.foreach(s.checks, _check), width="100%", spacing="2"),
                    width="100%", spacing="2", id="track-checks")),
                rx.cond(s.contact["office"] != "", rx.vstack(
                    rx.heading(t("contact.handling"), size="4", as_="h2"),
                    office_card(s.contact), width="100%", spacing="2", id="track-contact")),
                rx.heading(t("apply.steps_title"), size="4", as_="h2"),
                rx.vstack(rx.foreach(s.steps, _step), width="100%", spacing="2", id="track-steps"),
                rx.cond(s.ahead.length() > 0, rx.vstack(
                    rx.heading(t("apply.ahead_title"), size="4", as_="h2"),
                    rx.text(t("apply.ahead_intro"), size="2", color_scheme="gray"),
                    rx.vstack(rx.foreach(s.ahead, _ahead), width="100%", spacing="2"),
                    width="100%", spacing="2", id="track-ahead")),
                width="100%", spacing="3",
            ),
            rx.form(rx.vstack(
                rx.text(t("apply.track_intro"), size="2"),
                rx.el.label(t("apply.number"), html_for="f-track-number", class_name="wiz-label"),
                rx.el.input(name="number", id="f-track-number", class_name="wiz-input"),
                rx.el.label(t("apply.secret"), html_for="f-track-secret", class_name="wiz-label"),
                rx.text(t("apply.secret_hint"), size="2", color_scheme="gray"),
                rx.el.input(name="secret", id="f-track-secret", class_name="wiz-input", auto_complete="off",
                            spell_check=False),
                rx.el.button(t("apply.track_open"), type="submit", class_name="screen-next", id="track-open"),
                width="100%", spacing="2"), on_submit=s.open_case, width="100%", id="track-form"),
        ),
        rx.link(t("app.back_home"), href=routes.HOME, min_height=TAP, display="flex", align_items="center",
                margin_top="12px"),
        title_key="home.track",
    )
