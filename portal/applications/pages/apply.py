"""/apply: the application wizard, phone first, no account. One thing per page; every page saves the draft, even
with errors (the error summary at the top links to each field, and what was typed stays); a check-your-answers page
with a change link per answer; photos of documents through the one image intake. The draft is resumed with the
application number and the secret shown when it was created.

The browser holds display strings only; the number and secret stay in backend-only vars (`components.DraftHold`,
this state's parent, which the tracking page reads too), and every event opens the draft again with them, so a
forged event cannot reach another household's draft. Each handler shapes what was typed with `applications.rules`,
stores it through one use case of `applications.services` and shows the next page as `queries.wizard_page` reads it.

A tab's state is stored by the state manager and sent again, in full, on every later page load of that tab, before
any on_load runs. So the one-time secret never enters a state var: the `start` event carries it once, through
`shell/once.show_once`, with a picture of the number and secret to save (drawn in the heavy pool by the kernel's
receipt card, like a report's). After submitting, the receipt says who handles the case and by when (the open step
as the tracking page shows it: `services.next_step`). Once the application is submitted nothing the resident typed
(names, phone, household, incomes, assets) stays in the state: `_forget_draft` empties the page's copy of the
answers.
"""

from __future__ import annotations

import base64
import functools
from dataclasses import asdict
from datetime import datetime, timezone
from typing import TypedDict

import reflex as rx

from portal.kernel import routes
from portal.shell.i18n import t, t_fmt, t_var
from portal.shell.layout import TAP, page
from portal.shell.once import show_once
from portal.applications import queries
from portal.applications import rules
from portal.applications import services as svc
from portal.applications.components import DraftHold
from portal.applications.eligibility import queries as eligibility_queries
from portal.applications.eligibility import rules as el
from portal.regions import queries as region_queries
from portal.kernel.images import REJECT_REASONS
from portal.kernel.settings import get_settings
from portal.shell.photos import photo_field, photo_wait_note, token_from_sink
from portal.shell.client import client_address
from portal.shell.args import checked, row_id
from portal.kernel import drawing, heavy, policy, unit
from portal.shell.session import on_hydrate
from portal.i18n import MESSAGES, text
from portal.shell.ui import UIState
from portal.kernel.workdays import CHINA_TZ, china_date
from portal.register import rules as id_rules

ERROR_KEYS = [k for k in MESSAGES if k.startswith(("elig.err_", "apply.err_", "apply.photo.", "register.err_"))] \
    + list(REJECT_REASONS) + ["name.err_invalid"]
REL_KEYS = [f"apply.rel.{r}" for r in el.RELATIONSHIPS]
DOC_KEYS = [f"apply.doc.{k}" for k in svc.DOCUMENT_KINDS]
STEP_KEYS = [f"apply.step.{k}" for k in svc.STEP_KINDS]


class Choice(TypedDict):
    code: str
    name: str


class ErrorItem(TypedDict):
    field: str  # the input's id without the "f-" prefix
    key: str


class CheckItem(TypedDict):
    """One answer with its question label ("Age (years): 50"), written in both languages on the server."""

    zh: str
    en: str


class CheckRow(TypedDict):
    label: str  # message key
    value: str
    value_key: str  # a message key when the answer is a choice, else ""
    items: list[CheckItem]  # a page with several answers: each with its own label
    screen: str
    index: int
    anchor: str


class DocRow(TypedDict):
    id: int
    kind_key: str


class AdultRow(TypedDict):
    index: int
    name: str
    consented: bool


def check_row(line: queries.CheckLine) -> CheckRow:
    return CheckRow(**{**asdict(line), "items": [CheckItem(zh=i.zh, en=i.en) for i in line.items]})


def on_draft(handler):
    """The handler works on the draft this tab holds (place it under @checked): when the tab holds none, or it is
    no longer a draft (services.NoDraft), the page says so and nothing else happens."""
    @functools.wraps(handler)
    def run(self, *args, **kwargs):
        try:
            return handler(self, *args, **kwargs)
        except svc.NoDraft as exc:
            self._refused(exc.key)
            return None
    return run


@on_hydrate
class ApplyState(DraftHold):
    screen: str = "start"
    card_busy: bool = False  # the picture of the number and secret could not be drawn (the heavy pool was full)
    form: dict[str, str] = {}
    errors: list[ErrorItem] = []
    retry_at: str = ""  # with apply.err_throttled: when to try again
    flash_key: str = ""
    townships: list[Choice] = []
    villages: list[Choice] = []
    township_code: str = ""
    member_count: int = 0
    member_name: str = ""
    adults: list[AdultRow] = []
    docs: list[DocRow] = []
    check_rows: list[CheckRow] = []
    return_to_check: bool = False
    supplying: bool = False  # adding photos to a materials request (补正): only the documents page
    # The submitted receipt: the step the resident waits for, the office handling it and its due date.
    next_step_key: str = ""
    next_office: str = ""
    next_due: str = ""
    next_wd: str = ""  # its limit in working days, "" when it has none of its own
    _shown_for: str = ""  # the application whose page the form holds: opening another on /apply/track starts it afresh

    # --- plumbing ---------------------------------------------------------------------------------------------

    def _draft(self, use_case, *args, **kwargs):
        """`use_case(session, number, secret, *args)` on the draft this tab holds (services.NoDraft when it holds
        none: see `on_draft`)."""
        return unit.run(use_case, *self._held(), *args, **kwargs)

    def _refused(self, key: str) -> None:
        if key == "apply.err_not_found":
            self.screen, self.flash_key = "start", key
        else:
            self.errors = [ErrorItem(field="submit", key=key)]

    def _let_go(self) -> None:
        super()._let_go()
        self._receipt(None)
        self._forget_draft()
        self.screen = "start"

    def _receipt(self, step: svc.StepView | None) -> None:
        """The submitted receipt from `services.next_step` (None: nothing open, or the tab let the case go)."""
        self.next_step_key = f"apply.step.{step.kind}" if step else ""
        self.next_office = step.office if step else ""
        self.next_due = step.due_on if step else ""
        self.next_wd = str(step.working_days) if step and step.working_days is not None else ""

    def _on_hydrate(self, session, storage: dict) -> None:
        """Before the tab's state is sent again: the draft of an idle tab, or of another browser session, goes, so
        not even the snapshot carries it; so does what the wizard showed of one the tracking page let go."""
        if self._number:
            if self._held_elsewhere(storage, policy.get_int(session, "apply.idle_minutes")):
                self._let_go()
        elif self.screen != "start":
            self._let_go()

    @rx.var
    def screen_kind(self) -> str:
        return rules.kind_of(self.screen)

    @rx.var
    def member_index(self) -> int:
        return rules.member_index(self.screen)

    @rx.var
    def progress(self) -> int:
        return rules.progress(self.member_count, self.screen)

    @rx.var
    def field_error(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for e in self.errors:
            out.setdefault(e["field"], e["key"])
        return out

    def _set_errors(self, errors, strip: str = "") -> None:
        self.errors = [ErrorItem(field=e.field[len(strip):] if strip and e.field.startswith(strip) else e.field,
                                 key=e.key) for e in errors]

    def _go(self, screen: str, *, materials_ok: bool = False) -> None:
        """Show `screen` with the draft's values in the form."""
        self._show(self._draft(queries.wizard_page, screen, self.township_code, materials_ok=materials_ok))

    def _show(self, page: queries.WizardPage) -> None:
        self.screen, self.errors, self.flash_key = page.screen, [], ""
        self._shown_for = self._number
        self.form, self.member_count, self.member_name = page.form, page.members, page.member_name
        self.township_code = page.township_code
        self.villages = [Choice(code=v.code, name=v.name) for v in page.villages]
        self.adults = [AdultRow(index=a.index, name=a.name, consented=a.consented) for a in page.adults]
        self.docs = [DocRow(id=d.id, kind_key=f"apply.doc.{d.kind}") for d in page.documents]
        self.check_rows = [check_row(line) for line in page.check]

    def _load_docs(self) -> None:
        """The photos again after one was added or removed (the form keeps the kind chosen)."""
        self.docs = [DocRow(id=d.id, kind_key=f"apply.doc.{d.kind}") for d in self._draft(
            queries.wizard_page, "documents", materials_ok=True).documents]

    def _finish(self, saved: svc.PageSaved, strip: str = "") -> None:
        """After a page is saved: its errors, or (clean) back to the check page when changing an answer, else the
        next page."""
        if saved.errors:
            self._set_errors(saved.errors, strip)
        else:
            self._go(rules.next_screen(saved.members, self.screen, self.return_to_check))

    def _forget_draft(self) -> None:
        """Drop the page's copy of the answers (names, phone, household, incomes, assets, consent, photos list):
        a submitted application's data must not travel in this tab's state to whoever loads a page of it next."""
        self.form, self.errors, self.check_rows, self.adults, self.docs = {}, [], [], [], []
        self.member_name, self.member_count, self.return_to_check = "", 0, False

    # --- start, resume ----------------------------------------------------------------------------------------

    @rx.event
    @on_draft
    def load(self):
        self.flash_key, self.errors, self.supplying = "", [], False
        self.townships = [Choice(code=c.code, name=c.name) for c in eligibility_queries.open_townships()]
        held = unit.run(queries.held_case, *self._held())
        if held is None:
            self.screen = "start"
            self._forget_draft()
        elif held.status == svc.MATERIALS:
            self.supplying = True
            self._go("documents", materials_ok=True)  # 补正: the resident adds the photos asked for
        elif held.status != svc.DRAFT:
            self.screen = "done"
            self._forget_draft()
            self._receipt(held.receipt)
        elif self.screen in ("start", "created", "done") or self._shown_for != self._number:
            self._go("village")

    @rx.event
    async def start(self):
        now = datetime.now(timezone.utc)
        try:
            number, secret = unit.run(svc.new_draft, client=client_address(self), now=now)
        except svc.ApplicationError as exc:  # the address's daily quota of new drafts
            self.errors = [ErrorItem(field="start", key=exc.key)]
            return
        self.errors = []
        self._bind(number, secret)
        self._forget_draft()
        self.screen, self.card_busy = "created", False
        # The secret and its picture travel in this event only (never a state var): the page writes them into
        # #created-secret, #created-image and #created-download. The secret first: a slow phone shows it at once.
        yield show_once("created-secret", secret)
        lang = "en" if (await self.get_state(UIState)).lang == "en" else "zh"  # the card is drawn in it
        try:
            card = await receipt_card(number, secret, now.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M"), lang)
        except heavy.Busy:  # the pool is full (anyone may start drafts): the number and secret as text suffice
            self.card_busy = True
            return
        # Sent once (about 70 KB); the browser copies it into the download link.
        yield [show_once("created-image", card, "src"), rx.call_script(
            "document.getElementById('created-download').href = document.getElementById('created-image').src")]

    @rx.event
    @on_draft
    def begin(self):
        self.return_to_check = False
        self._go("village")

    @rx.event
    @checked
    @on_draft
    def resume(self, form: dict):
        number, secret = str(form.get("number", "")).strip()[:40], str(form.get("secret", "")).strip()[:64]
        try:
            found = unit.run(svc.resume_draft, number, secret, client=client_address(self))
        except svc.ApplicationError as exc:  # the failure count is committed by the use case
            self.errors, self.retry_at = [ErrorItem(field="resume-number", key=exc.key)], exc.retry_at
            return
        if found is None:
            self.errors = [ErrorItem(field="resume-number", key="apply.err_not_found")]
            return
        self._bind(found.number, secret.lower())
        if found.status == svc.MATERIALS:
            self.supplying = True
            self._go("documents", materials_ok=True)
            return
        if found.status != svc.DRAFT:
            return rx.redirect(routes.APPLY_TRACK)
        self._go("check" if found.answered else "village")

    @rx.event
    @checked
    @on_draft
    def goto(self, screen: str):
        """A change link from the check page (or a back link)."""
        page = self._draft(queries.wizard_page, screen, self.township_code)
        if screen in rules.screens(page.members):
            self.return_to_check = self.screen == "check" or self.return_to_check
            self._show(page)

    @rx.event
    @on_draft
    def back(self):
        self._show(self._draft(queries.page_before, self.screen, self.township_code))

    # --- one handler per page -----------------------------------------------------------------------------------

    @rx.event
    @checked
    def pick_township(self, code: str):
        self.township_code = code
        self.villages = [Choice(code=r.code, name=r.name) for r in unit.run(region_queries.villages_of, code)]
        self.form = {**self.form, "village": ""}

    @rx.event
    @checked
    @on_draft
    def save_village(self, form: dict):
        code = str(form.get("village", ""))
        saved = self._draft(svc.save_village, code)
        self.form = {"village": code}
        self._finish(saved)

    @rx.event
    @checked
    @on_draft
    def save_residence(self, value: str):
        self._finish(self._draft(svc.save_residence, value))

    @rx.event
    @checked
    @on_draft
    def save_applicant(self, form: dict):
        value = rules.applicant_answer(form)
        saved = self._draft(svc.save_applicant, value)
        self.form = {"applicant-name": value["name"], "applicant-phone": value["phone"]}
        self._finish(saved)

    @rx.event
    @checked
    @on_draft
    def save_size(self, form: dict):
        typed = str(form.get("size", "")).strip()[:6]
        self.form = {"size": typed}
        self._finish(self._draft(svc.save_size, rules.parse_count(typed)))

    @rx.event
    @checked
    @on_draft
    def save_member(self, form: dict):
        i = self.member_index
        saved = self._draft(svc.save_member, i, rules.member_answer(form))
        if saved.stale:
            return
        self.form = {k: str(v) for k, v in form.items()}
        self._finish(saved, f"member-{i}-")

    @rx.event
    @checked
    def check_id_number(self, value: str):
        """Checks the ID number as soon as it is typed (the field loses focus): length, birth date, check digit."""
        key = id_rules.error_of(str(value)[:rules.MAX_ID_TYPED], china_date(datetime.now(timezone.utc))) \
            if str(value).strip() else ""
        others = [e for e in self.errors if e["field"] != "id_number"]
        self.errors = others + ([ErrorItem(field="id_number", key=key)] if key else [])

    @rx.event
    @checked
    @on_draft
    def save_income(self, form: dict):
        i = self.member_index
        saved = self._draft(svc.save_income, i, rules.incomes_answer(form))
        if saved.stale:
            return
        self.form = {f"income-{k}": str(form.get(k, "")) for k in rules.INCOME_FIELDS}
        self._finish(saved, f"member-{i}-")

    @rx.event
    @checked
    @on_draft
    def save_assets(self, form: dict):
        figures = rules.assets_answer(form)
        saved = self._draft(svc.save_assets, figures)
        self.form = dict(figures.typed)
        self._finish(saved)

    @rx.event
    @checked
    @on_draft
    def save_related(self, form: dict):
        value = rules.related_answer(form)
        saved = self._draft(svc.save_related, value)
        self.form = {"any": str(form.get("any", "")), "related-detail": value["detail"]}
        self._finish(saved)

    @rx.event
    @checked
    def toggle_consent(self, index: int):
        self.adults = [AdultRow(index=a["index"], name=a["name"],
                                consented=(not a["consented"]) if a["index"] == index else a["consented"])
                       for a in self.adults]

    @rx.event
    @on_draft
    def save_consent(self):
        self._finish(self._draft(svc.save_consent, [a["index"] for a in self.adults if a["consented"]]))

    @rx.event
    @checked
    def set_doc_kind(self, kind: str):
        self.form = {**self.form, "doc_kind": kind}

    @rx.event
    @checked
    @on_draft
    def attach_photo(self, value: str):
        """A document photo the phone has just uploaded (shell/photos.py): attached to the draft, or the reason why
        not. The intake and the address's quota ran when it was uploaded; the kind and the draft are checked here."""
        kind = self.form.get("doc_kind", "id_card") or "id_card"
        self.errors, self.flash_key = [], ""
        stored = token_from_sink(value, "application", get_settings().secret_key)
        if stored is None:
            self.errors = [ErrorItem(field="doc-file", key="apply.photo.empty")]
            return
        try:
            self._draft(svc.attach_photo, kind, stored)
        except svc.ApplicationError as exc:
            self.errors = [ErrorItem(field="doc-file", key=exc.key)]
        else:
            self.flash_key = "apply.photo_saved"
        self._load_docs()

    @rx.event
    @checked
    @on_draft
    def remove_doc(self, doc_id: int):
        try:
            self._draft(svc.detach_photo, row_id(doc_id))
        except svc.ApplicationError as exc:
            self.errors = [ErrorItem(field="doc-file", key=exc.key)]
        self._load_docs()

    @rx.event
    @on_draft
    def documents_done(self):
        saved = self._draft(svc.finish_documents)
        if saved.supplied:
            return rx.redirect(routes.APPLY_TRACK)
        self._finish(saved)

    # --- check and submit ---------------------------------------------------------------------------------------

    @rx.event
    @on_draft
    def submit(self):
        try:
            step = self._draft(svc.submit_draft)
        except svc.SubmitErrors as exc:
            self.check_rows = [check_row(line) for line in self._draft(queries.wizard_page, "check").check]
            self.errors = [ErrorItem(field=rules.anchor_for(e.field), key=e.key) for e in exc.errors]
            return
        except svc.ApplicationError as exc:
            self.errors = [ErrorItem(field="submit", key=exc.key)]
            return
        self._receipt(step)
        self.screen = "done"
        self._forget_draft()


async def receipt_card(number: str, secret: str, created: str, lang: str) -> str:
    """The picture of the number and secret as a data: URL, drawn in the heavy pool (off the event loop). Raises
    heavy.Busy when the pool is full: drafts need no sign-in, so a burst of them must not hold the pool for everyone
    (the page then shows the number and secret as text only)."""
    png = await heavy.run(drawing.receipt_card_png, number, secret, drawing.ReceiptCardText(
        text("apply.card_title", lang), text("apply.number", lang), text("apply.secret", lang),
        text("apply.card_hint", lang), created))
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


# --- components --------------------------------------------------------------------------------------------------

def _focus_script(field) -> rx.Var:
    """Jump to the field in place (a router link to '#id' would reload the page state)."""
    return (rx.Var.create("(() => { const el = document.getElementById('f-") + field
            + "'); if (el) { el.scrollIntoView({block: 'center'}); el.focus && el.focus(); } })()")


def _error_summary() -> rx.Component:
    s = ApplyState
    return rx.cond(
        s.errors.length() > 0,
        rx.box(
            rx.heading(t("apply.error_summary"), size="4", as_="h2", color=rx.color("red", 11)),
            rx.el.ul(rx.foreach(s.errors, lambda e: rx.el.li(
                rx.el.a(t_var(e["key"], ERROR_KEYS, time=s.retry_at), href="#f-" + e["field"], on_click=[
                    rx.prevent_default, rx.call_script(_focus_script(e["field"]))])))),
            class_name="wiz-summary", role="alert", id="error-summary", tab_index=-1, margin_bottom="12px",
        ),
    )


def _field_error(name: str) -> rx.Component:
    s = ApplyState
    return rx.cond(s.field_error.contains(name),
                   rx.text(t_var(s.field_error[name].to(str), ERROR_KEYS, time=s.retry_at), class_name="wiz-field-error",
                           id=f"err-{name}"))


def _input(name: str, label_key: str, *, field: str | None = None, hint_key: str | None = None,
           input_mode: str = "text", input_type: str = "text") -> rx.Component:
    """A labelled input; `field` is its id (without "f-") as error summaries link to it, default `name`."""
    s = ApplyState
    field = field or name
    hint = [rx.text(t(hint_key), size="2", color_scheme="gray")] if hint_key else []
    return rx.vstack(
        rx.el.label(t(label_key), html_for=f"f-{field}", class_name="wiz-label"),
        *hint,
        _field_error(field),
        rx.el.input(name=name, id=f"f-{field}", default_value=s.form[field].to(str), input_mode=input_mode,
                    type=input_type, key=s.screen + field,
                    class_name=rx.cond(s.field_error.contains(field), "wiz-input invalid", "wiz-input")),
        width="100%", spacing="1",
    )


def _id_input() -> rx.Component:
    """The member's ID number, checked when the field is left (and again on continue)."""
    s = ApplyState
    return rx.vstack(
        rx.el.label(t("register.id_number"), html_for="f-id_number", class_name="wiz-label"),
        rx.text(t("register.id_number_hint"), size="2", color_scheme="gray"),
        _field_error("id_number"),
        rx.el.input(name="id_number", id="f-id_number", default_value=s.form["id_number"].to(str),
                    input_mode="text", type="text", key=s.screen + "id_number", max_length=rules.MAX_ID_TYPED,
                    auto_complete="off", spell_check=False, on_blur=s.check_id_number,
                    class_name=rx.cond(s.field_error.contains("id_number"), "wiz-input invalid", "wiz-input")),
        width="100%", spacing="1",
    )


def _continue(label_key: str = "apply.continue", button_id: str = "wiz-continue") -> rx.Component:
    return rx.el.button(t(label_key), type="submit", class_name="screen-next", id=button_id)


def _form(*children: rx.Component, on_submit, form_id: str) -> rx.Component:
    return rx.form(rx.vstack(*children, _continue(), width="100%", spacing="4"), on_submit=on_submit,
                   id=form_id, width="100%")


def _radio(name: str, value: str, label_key: str) -> rx.Component:
    s = ApplyState
    return rx.el.label(
        rx.el.input(type="radio", name=name, value=value, id=f"f-{name}-{value}",
                    default_checked=s.form[name].to(str) == value, key=s.screen + name + value),
        rx.text(t(label_key)), class_name="wiz-check",
    )


def _heading(key: str) -> rx.Component:
    return rx.heading(t(key), size="5", as_="h2", id="wiz-heading")


def _start() -> rx.Component:
    s = ApplyState
    return rx.vstack(
        rx.text(t("apply.intro"), size="3"),
        rx.el.button(t("apply.start"), on_click=s.start, type="button", class_name="screen-next", id="apply-start"),
        rx.divider(),
        rx.heading(t("apply.resume_title"), size="4", as_="h2"),
        rx.form(rx.vstack(
            _input("number", "apply.number", field="resume-number"),
            _input("secret", "apply.secret", field="resume-secret", hint_key="apply.secret_hint"),
            rx.el.button(t("apply.resume"), type="submit", class_name="screen-back", id="apply-resume"),
            width="100%", spacing="3"), on_submit=s.resume, width="100%", id="resume-form"),
        rx.link(t("apply.to_screener"), href=routes.ELIGIBILITY, min_height=TAP, display="flex",
                align_items="center"),
        width="100%", spacing="4",
    )


def _created() -> rx.Component:
    s = ApplyState
    return rx.vstack(
        rx.callout(t("apply.keep_these"), icon="key-round", color_scheme="amber", width="100%"),
        rx.card(rx.text(t("apply.number"), size="2", color_scheme="gray"),
                rx.text(s.number, size="7", weight="bold", id="created-number", class_name="receipt-code"),
                rx.text(t("apply.secret"), size="2", color_scheme="gray"),
                # Filled once by the `start` event (show_once); React renders it empty.
                rx.text(size="7", weight="bold", id="created-secret", class_name="receipt-code"),
                width="100%"),
        # The picture of both (show_once: src and href are set in the browser only).
        rx.cond(s.card_busy,
                rx.callout(t("apply.card_busy"), icon="pencil", color_scheme="amber", width="100%", id="card-busy"),
                rx.fragment(
                    rx.image(alt=t("apply.card_title"), width="100%", id="created-image", class_name="receipt-image"),
                    rx.text(t("apply.save_image_hint"), size="2"),
                    rx.el.a(rx.button(rx.icon("download", size=18), t("apply.save_image"), variant="outline",
                                      min_height=TAP, width="100%", type="button", tab_index=-1),
                            download="application-receipt.png", width="100%", id="created-download"))),
        rx.el.button(t("apply.continue"), on_click=s.begin, type="button", class_name="screen-next",
                     id="created-continue"),
        width="100%", spacing="4",
    )


def _village() -> rx.Component:
    s = ApplyState
    return rx.vstack(
        _heading("apply.q.village"),
        rx.el.label(t("screen.township.label"), html_for="f-township", class_name="wiz-label"),
        rx.el.select(rx.el.option(t("screen.township.pick"), value=""),
                     rx.foreach(s.townships, lambda c: rx.el.option(c["name"], value=c["code"])),
                     id="f-township", value=s.township_code, on_change=s.pick_township, class_name="screen-select"),
        rx.form(rx.vstack(
            rx.el.label(t("apply.village"), html_for="f-village", class_name="wiz-label"),
            _field_error("village"),
            rx.el.select(rx.el.option(t("screen.township.pick"), value=""),
                         rx.foreach(s.villages, lambda c: rx.el.option(c["name"], value=c["code"])),
                         name="village", id="f-village", default_value=s.form["village"].to(str),
                         key=s.township_code, class_name="screen-select"),
            _continue(), width="100%", spacing="3"), on_submit=s.save_village, width="100%", id="village-form"),
        width="100%", spacing="3",
    )


def _choice_buttons(handler, name: str, choices: list[tuple[str, str]]) -> rx.Component:
    return rx.vstack(*[rx.el.button(t(key), on_click=handler(value), type="button", class_name="screen-choice",
                                    id=f"f-{name}-{value}") for value, key in choices],
                     width="100%", spacing="2", id=f"f-{name}")


def _residence() -> rx.Component:
    return rx.vstack(_heading("apply.q.residence"), _field_error("residence"),
                     _choice_buttons(ApplyState.save_residence, "residence",
                                     [(r, f"screen.residence.{r}") for r in el.RESIDENCES]),
                     width="100%", spacing="3")


def _applicant() -> rx.Component:
    return rx.vstack(_heading("apply.q.applicant"), _form(
        _input("name", "apply.name", field="applicant-name"),
        _input("phone", "apply.phone", field="applicant-phone", input_mode="tel", input_type="tel"),
        on_submit=ApplyState.save_applicant, form_id="applicant-form"), width="100%", spacing="3")


def _size() -> rx.Component:
    return rx.vstack(_heading("apply.q.size"), _form(
        _input("size", "apply.size", hint_key="screen.size.hint", input_mode="numeric"),
        on_submit=ApplyState.save_size, form_id="size-form"), width="100%", spacing="3")


def _member() -> rx.Component:
    s = ApplyState
    return rx.vstack(
        rx.heading(t_fmt("apply.q.member", n=s.member_index + 1), size="5", as_="h2", id="wiz-heading"),
        _form(
            _input("name", "apply.name"),
            rx.vstack(
                rx.el.label(t("apply.relationship"), html_for="f-relationship", class_name="wiz-label"),
                _field_error("relationship"),
                rx.el.select(rx.el.option(t("screen.township.pick"), value=""),
                             *[rx.el.option(t(f"apply.rel.{r}"), value=r) for r in el.RELATIONSHIPS],
                             name="relationship", id="f-relationship", key=s.screen + "rel",
                             default_value=s.form["relationship"].to(str), class_name="screen-select"),
                width="100%", spacing="1"),
            _id_input(),
            _input("age", "apply.age", input_mode="numeric"),
            rx.vstack(
                rx.el.label(t("apply.disability"), html_for="f-disability", class_name="wiz-label"),
                rx.el.select(*[rx.el.option(t(f"apply.grade.{g}"), value=g) for g in rules.GRADES],
                             name="disability", id="f-disability", key=s.screen + "grade",
                             default_value=s.form["disability"].to(str), class_name="screen-select"),
                width="100%", spacing="1"),
            rx.el.label(rx.el.input(type="checkbox", name="illness", value="yes", id="f-illness",
                                    default_checked=s.form["illness"].to(str) == "yes", key=s.screen + "ill"),
                        rx.text(t("apply.illness")), class_name="wiz-check"),
            rx.el.label(rx.el.input(type="checkbox", name="student", value="yes", id="f-student",
                                    default_checked=s.form["student"].to(str) == "yes", key=s.screen + "stu"),
                        rx.text(t("apply.student")), class_name="wiz-check"),
            on_submit=s.save_member, form_id="member-form"),
        width="100%", spacing="3",
    )


def _income() -> rx.Component:
    s = ApplyState
    return rx.vstack(
        rx.heading(t_fmt("apply.q.income", name=s.member_name), size="5", as_="h2", id="wiz-heading"),
        rx.text(t("apply.income_hint"), size="2", color_scheme="gray"),
        _form(*[_input(k, f"elig.kind.{k}", field=f"income-{k}", input_mode="decimal") for k in rules.INCOME_FIELDS],
              on_submit=s.save_income, form_id="income-form"),
        width="100%", spacing="3",
    )


def _assets() -> rx.Component:
    return rx.vstack(_heading("apply.q.assets"), _form(
        _input("deposits", "apply.deposits", hint_key="apply.deposits_hint", input_mode="decimal"),
        _input("vehicles", "apply.vehicles", hint_key="screen.vehicle.hint", input_mode="numeric"),
        _input("houses", "apply.houses", input_mode="numeric"),
        _input("housing_area", "apply.housing_area", input_mode="numeric"),
        _input("businesses", "apply.businesses", input_mode="numeric"),
        on_submit=ApplyState.save_assets, form_id="assets-form"), width="100%", spacing="3")


def _related() -> rx.Component:
    return rx.vstack(_heading("apply.q.related"), rx.text(t("apply.related_hint"), size="2"), _form(
        rx.vstack(_field_error("related-any"), _radio("any", "no", "apply.no"), _radio("any", "yes", "apply.yes"),
                  id="f-related-any", width="100%"),
        _input("detail", "apply.related_detail", field="related-detail"),
        on_submit=ApplyState.save_related, form_id="related-form"), width="100%", spacing="3")


def _consent() -> rx.Component:
    s = ApplyState
    return rx.vstack(
        _heading("apply.q.consent"), rx.text(t("apply.consent_text"), size="2"),
        rx.foreach(s.adults, lambda a: rx.vstack(
            _consent_error(a),
            rx.el.label(rx.el.input(type="checkbox", checked=a["consented"], on_change=s.toggle_consent(a["index"]),
                                    id="f-consent-" + a["index"].to(str)),
                        rx.text(t_fmt("apply.consent_member", name=a["name"])), class_name="wiz-check"),
            width="100%", spacing="0")),
        rx.el.button(t("apply.continue"), on_click=s.save_consent, type="button", class_name="screen-next",
                     id="wiz-continue"),
        width="100%", spacing="3",
    )


def _consent_error(a) -> rx.Component:
    s = ApplyState
    name = "consent-" + a["index"].to(str)
    return rx.cond(s.field_error.contains(name), rx.text(t("apply.err_consent"), class_name="wiz-field-error"))


def _documents() -> rx.Component:
    s = ApplyState
    return rx.vstack(
        _heading("apply.q.documents"), rx.text(t("apply.documents_hint"), size="2", id="f-documents"),
        rx.cond(s.flash_key != "", rx.callout(t("apply.photo_saved"), icon="check", color_scheme="green",
                                              id="photo-saved", width="100%")),
        rx.el.label(t("apply.doc_kind"), html_for="f-doc-kind", class_name="wiz-label"),
        rx.el.select(*[rx.el.option(t(f"apply.doc.{k}"), value=k) for k in svc.DOCUMENT_KINDS], id="f-doc-kind",
                     value=rx.cond(s.form.contains("doc_kind"), s.form["doc_kind"].to(str), "id_card"),
                     on_change=s.set_doc_kind, class_name="screen-select"),
        _field_error("doc-file"),
        _field_error("documents"),
        photo_field("doc-upload", "application", max_photos=5, sink=ApplyState.attach_photo,
                    label_key="apply.take_photo"),
        rx.vstack(rx.foreach(s.docs, lambda d: rx.hstack(
            rx.icon("image", size=18), rx.text(t_var(d["kind_key"], DOC_KEYS), size="2", class_name="doc-kind"),
            rx.spacer(),
            rx.el.button(t("apply.remove"), on_click=s.remove_doc(d["id"]), type="button", class_name="screen-back"),
            width="100%", align="center", class_name="doc-row")), width="100%", id="doc-list"),
        photo_wait_note(),
        rx.el.button(t("apply.continue"), on_click=s.documents_done, type="button", class_name="screen-next",
                     id="wiz-continue", data_photo_guard="1"),
        width="100%", spacing="3",
    )


def _check_item(i: CheckItem) -> rx.Component:
    return rx.text(rx.cond(UIState.lang == "en", i["en"], i["zh"]), size="2", overflow_wrap="anywhere",
                   class_name="check-item")


def _check_row(r: CheckRow) -> rx.Component:
    return rx.box(
        rx.vstack(rx.text(t_var(r["label"], CHECK_KEYS), weight="bold", size="2"),
                  rx.cond(r["value_key"] != "", rx.text(t_var(r["value_key"], CHOICE_KEYS), size="2")),
                  rx.cond(r["value"] != "", rx.text(r["value"], size="2", overflow_wrap="anywhere")),
                  rx.foreach(r["items"], _check_item), spacing="0", align="start"),
        rx.el.button(t("apply.change"), on_click=ApplyState.goto(r["screen"]), type="button", class_name="link-btn",
                     id="change-" + r["screen"]),
        class_name="check-row", id="f-" + r["anchor"],
    )


CHOICE_KEYS = ["screen.residence.urban", "screen.residence.rural", "apply.yes", "apply.no"]
CHECK_KEYS = ["apply.q.village", "apply.q.residence", "apply.q.applicant", "apply.q.size", "apply.check_member",
              "apply.check_income", "apply.q.assets", "apply.q.related", "apply.q.consent", "apply.q.documents"]


def _check() -> rx.Component:
    s = ApplyState
    return rx.vstack(
        _heading("apply.q.check"),
        rx.vstack(rx.foreach(s.check_rows, _check_row), width="100%", spacing="0"),
        rx.text(t("apply.declaration"), size="2"),
        rx.el.button(t("apply.submit"), on_click=s.submit, type="button", class_name="screen-next", id="apply-submit"),
        width="100%", spacing="3",
    )


def _done() -> rx.Component:
    s = ApplyState
    return rx.vstack(
        rx.callout(t("apply.submitted"), icon="circle-check", color_scheme="green", width="100%", id="apply-done"),
        rx.card(rx.vstack(
            rx.text(t("apply.number"), size="2", color_scheme="gray"),
            rx.text(s.number, size="7", weight="bold", id="done-number", class_name="receipt-code"),
            rx.cond(s.next_office != "", rx.vstack(
                rx.text(t("apply.done_office"), size="2", color_scheme="gray"),
                rx.text(s.next_office, size="4", weight="bold", id="done-office"),
                rx.text(t("apply.done_next_step"), size="2", color_scheme="gray"),
                rx.text(t_var(s.next_step_key, STEP_KEYS), size="4", weight="bold", id="done-step"),
                rx.cond(s.next_due != "", rx.text(
                    rx.cond(s.next_wd != "", t_fmt("apply.done_due_wd", due=s.next_due, wd=s.next_wd),
                            t_fmt("apply.done_due", due=s.next_due)),
                    size="3", id="done-due")),
                spacing="1", width="100%")),
            spacing="1", width="100%"), width="100%", id="done-receipt"),
        rx.text(t("apply.done_next"), size="2"),
        rx.link(t("home.track"), href=routes.APPLY_TRACK, class_name="screen-next", id="to-track", underline="none"),
        width="100%", spacing="3",
    )


def _wizard() -> rx.Component:
    s = ApplyState
    return rx.vstack(
        rx.hstack(
            rx.cond(~s.supplying, rx.el.button(t("apply.back"), on_click=s.back, type="button",
                                               class_name="screen-back", id="wiz-back")),
            rx.spacer(),
            rx.text(t("apply.saved_as_you_go"), size="1", color_scheme="gray"),
            width="100%", align="center"),
        rx.cond(~s.supplying, rx.progress(value=s.progress, width="100%")),
        _error_summary(),
        rx.match(
            s.screen_kind,
            ("village", _village()), ("residence", _residence()), ("applicant", _applicant()), ("size", _size()),
            ("member", _member()), ("income", _income()), ("assets", _assets()), ("related", _related()),
            ("consent", _consent()), ("documents", _documents()), ("check", _check()),
            rx.fragment(),
        ),
        width="100%", spacing="3",
    )


def apply_page() -> rx.Component:
    s = ApplyState
    return page(
        rx.cond(s.flash_key == "apply.err_not_found",
                rx.callout(t("apply.err_not_found"), icon="triangle-alert", color_scheme="red", width="100%")),
        rx.match(
            s.screen,
            ("start", rx.vstack(_error_summary(), _start(), width="100%")),
            ("created", _created()),
            ("done", _done()),
            _wizard(),
        ),
        title_key="apply.title",
    )
