"""/eligibility: the screener. One question per screen (at most 10), back link, progress, ranges; then the result in
plain words with every reason, an estimate, the documents to bring, the township's windows and "apply online".

No account and nothing stored: the answers live in this tab's state only. The judgement is services.screener, i.e.
the same engine and parameters an officer sees on the application.
"""

from __future__ import annotations

from typing import TypedDict

import secrets
import time

import reflex as rx

from portal.kernel import routes
from portal.shell.i18n import t, t_fmt, t_var
from portal.shell.layout import page
from portal.applications.eligibility import queries
from portal.applications.eligibility.components import Reason, reason_line, reasons_of
from portal.applications.eligibility import rules as el
from portal.applications.eligibility import screener
from portal.kernel.workdays import china_today
from portal.shell.args import checked
from portal.shell.session import held_elsewhere, on_hydrate
from portal.shell.contact import office_card
from portal.kernel import policy

OUTCOME_KEYS = [f"elig.outcome.{o}" for o in el.OUTCOMES]
ROUTE_KEYS = [f"elig.route.{r}" for r in el.ROUTES]
DOC_KEYS = [*screener.DOCUMENTS, screener.DOCUMENT_SEVERE]
ERROR_KEYS = ["elig.err_choose", "elig.err_no_params"]
TOTAL = len(screener.QUESTIONS)


class Choice(TypedDict):
    code: str
    name: str


class WindowRow(TypedDict):
    code: str
    name: str
    office: str
    address: str
    phone: str
    tel: str
    hours: str


@on_hydrate
class EligibilityState(rx.State):
    step: int = 0  # 0..TOTAL-1: a question; TOTAL: the result
    # The answers (illness, disability, incomes) stay only for this browser session and while the tab is in use.
    hold_key: str = rx.Cookie("", name="sd_screen", same_site="strict")
    _hold_key: str = ""
    _last_used: float = 0.0
    answers: dict[str, str] = {}
    townships: list[Choice] = []
    township_pick: str = ""
    error_key: str = ""
    outcome_key: str = ""
    firm: bool = True
    amount_low: str = ""
    amount_high: str = ""
    has_amount: bool = False
    reasons: list[Reason] = []
    route_keys: list[str] = []
    doc_keys: list[str] = []
    windows: list[WindowRow] = []
    judged_on: str = ""
    may_apply: bool = False

    @rx.var
    def progress(self) -> int:
        return min(self.step + 1, TOTAL)

    @rx.var
    def progress_percent(self) -> int:
        return min(self.step + 1, TOTAL) * 100 // TOTAL

    def _on_hydrate(self, session, storage: dict) -> None:
        """On a shared phone the next person's first page load must not carry this household's answers."""
        if self.answers and held_elsewhere(self, "hold_key", self._hold_key, self._last_used, storage,
                                           policy.get_int(session, "apply.idle_minutes")):
            self.reset()
            self._hold_key, self._last_used = "", 0.0

    @rx.event
    def load(self):
        self.step, self.answers, self.error_key, self.township_pick = 0, {}, "", ""
        self.townships = [Choice(code=c.code, name=c.name) for c in queries.open_townships()]

    @rx.event
    @checked
    def pick_township(self, code: str):
        self.township_pick = code
        self.error_key = ""

    @rx.event
    def confirm_township(self):
        if not any(c["code"] == self.township_pick for c in self.townships):
            self.error_key = "elig.err_choose"
            return
        self.answer("township", self.township_pick)

    @rx.event
    @checked
    def answer(self, name: str, value: str):
        """Record one answer and go to the next question (or to the result after the last one)."""
        if name not in screener.QUESTION_NAMES or screener.QUESTION_NAMES.index(name) != self.step \
                or not screener.valid(name, value):
            self.error_key = "elig.err_choose"
            return
        if not self._hold_key:
            self.hold_key = self._hold_key = secrets.token_urlsafe(18)
        self._last_used = time.time()
        self.answers = {**self.answers, name: value}
        self.error_key = ""
        if self.step + 1 < TOTAL:
            self.step += 1
        else:
            self._judge()

    @rx.event
    def back(self):
        self.error_key = ""
        self.step = max(0, self.step - 1)

    @rx.event
    def restart(self):
        self.step, self.answers, self.error_key = 0, {}, ""

    def _judge(self) -> None:
        today = china_today()
        found = queries.open_screening(self.answers, today)
        result, windows = found.result, found.windows
        if result is None:
            self.error_key = "elig.err_no_params"
            return
        self.outcome_key = f"elig.outcome.{result.outcome}"
        self.firm = result.firm
        self.has_amount = result.amount_high_fen > 0
        self.amount_low, self.amount_high = (el.yuan(result.amount_low_fen, trim=True),
                                            el.yuan(result.amount_high_fen, trim=True))
        self.reasons = reasons_of(result.lines)
        self.route_keys = [f"elig.route.{r}" for r in result.assessment.routes]
        self.doc_keys = list(result.documents)
        self.windows = [WindowRow(code=w.code, name=w.name, office=w.office, address=w.address, phone=w.phone,
                                  tel=w.tel, hours=w.hours) for w in windows]
        self.judged_on = today.isoformat()
        self.may_apply = result.assessment.may_apply or not result.firm
        self.step = TOTAL


def _choice_button(question: str, choice: str) -> rx.Component:
    return rx.el.button(t(f"screen.{question}.{choice}"), on_click=EligibilityState.answer(question, choice),
                        type="button", class_name="screen-choice", id=f"q-{question}-{choice}")


def _question(index: int, q: screener.Question) -> rx.Component:
    if q.name == "township":
        body = rx.vstack(
            rx.el.label(t("screen.township.label"), html_for="q-township", class_name="screen-label"),
            rx.el.select(
                rx.el.option(t("screen.township.pick"), value=""),
                rx.foreach(EligibilityState.townships, lambda c: rx.el.option(c["name"], value=c["code"])),
                id="q-township", value=EligibilityState.township_pick,
                on_change=EligibilityState.pick_township, class_name="screen-select",
            ),
            rx.el.button(t("screen.next"), on_click=EligibilityState.confirm_township, type="button",
                         class_name="screen-next", id="q-township-next"),
            width="100%", spacing="3",
        )
    else:
        body = rx.vstack(*[_choice_button(q.name, c) for c in q.choices], width="100%", spacing="2")
    return rx.cond(
        EligibilityState.step == index,
        rx.vstack(
            rx.heading(t(f"screen.{q.name}.q"), size="5", as_="h2", id="question"),
            rx.text(t(f"screen.{q.name}.hint"), size="2", color_scheme="gray"),
            body,
            width="100%", spacing="3",
        ),
    )


def _progress() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.cond(EligibilityState.step > 0,
                    rx.el.button(t("screen.back"), on_click=EligibilityState.back, type="button",
                                 class_name="screen-back", id="screen-back")),
            rx.spacer(),
            rx.text(t_fmt("screen.progress", n=EligibilityState.progress, total=rx.Var.create(TOTAL)),
                    size="2", id="screen-progress"),
            width="100%", align="center",
        ),
        rx.progress(value=EligibilityState.progress_percent, width="100%"),
        width="100%", spacing="2", margin_bottom="12px",
    )


def _result() -> rx.Component:
    s = EligibilityState
    return rx.vstack(
        rx.callout(t_var(s.outcome_key, OUTCOME_KEYS), icon="badge-info", size="3", id="screen-outcome",
                   color_scheme=rx.cond(s.may_apply, "green", "amber"), width="100%"),
        rx.cond(~s.firm, rx.text(t("screen.not_firm"), size="2", id="screen-not-firm")),
        rx.cond(s.has_amount,
                rx.card(rx.text(t("screen.estimate"), size="2", color_scheme="gray"),
                        rx.text(rx.cond(s.amount_low == s.amount_high,
                                        t_fmt("screen.amount_one", amount=s.amount_high),
                                        t_fmt("screen.amount_range", low=s.amount_low, high=s.amount_high)),
                                size="6", weight="bold", id="screen-amount"),
                        rx.text(t("screen.estimate_note"), size="1", color_scheme="gray"), width="100%")),
        rx.heading(t("screen.why"), size="4", as_="h2"),
        rx.vstack(rx.foreach(s.reasons, reason_line), width="100%", spacing="2", id="screen-reasons"),
        rx.text(t_fmt("screen.judged_on", day=s.judged_on), size="1", color_scheme="gray"),
        rx.cond(s.route_keys.length() > 0,
                rx.vstack(rx.heading(t("screen.other_help"), size="4", as_="h2"),
                          rx.foreach(s.route_keys, lambda k: rx.text(t_var(k, ROUTE_KEYS), size="2")),
                          width="100%", id="screen-routes")),
        rx.heading(t("screen.bring"), size="4", as_="h2"),
        rx.el.ul(rx.foreach(s.doc_keys, lambda k: rx.el.li(t_var(k, DOC_KEYS))), id="screen-docs",
                 class_name="screen-list"),
        rx.heading(t("screen.windows"), size="4", as_="h2"),
        rx.vstack(rx.foreach(s.windows, lambda w: office_card(w, rx.text(w["name"] + " · " + w["code"], size="2"))),
                  width="100%", id="screen-windows"),
        rx.cond(s.may_apply,
                rx.link(t("screen.apply_online"), href=routes.APPLY, class_name="screen-next", id="screen-apply",
                        underline="none")),
        rx.el.button(t("screen.again"), on_click=s.restart, type="button", class_name="screen-back",
                     id="screen-again"),
        width="100%", spacing="3",
    )


def eligibility_page() -> rx.Component:
    s = EligibilityState
    return page(
        rx.cond(s.error_key != "", rx.callout(t_var(s.error_key, ERROR_KEYS), icon="triangle-alert",
                                              color_scheme="red", role="alert", id="screen-error", width="100%",
                                              margin_bottom="12px")),
        rx.cond(
            s.step < TOTAL,
            rx.box(_progress(), *[_question(i, q) for i, q in enumerate(screener.QUESTIONS)], width="100%"),
            _result(),
        ),
        title_key="screen.title",
    )
