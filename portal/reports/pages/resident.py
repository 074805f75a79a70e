"""/report (file a report, anonymous by default, pre-filled from a roster entry) and /report/track (receipt + secret:
history, replies, add information, claim a reward). Thin states: services.reports decides everything."""

from __future__ import annotations

import base64
import secrets
import time
import uuid
from typing import TypedDict

import reflex as rx

from portal.kernel import heavy
from portal.kernel import money
from portal.kernel import routes
from portal.shell.i18n import t, t_fmt, t_var
from portal.shell.once import show_once
from portal.shell.layout import TAP, page
from portal.regions.cascade import LevelRow, offered_choice
from portal.i18n import MESSAGES, text
from portal.kernel import unit
from portal.regions import queries as places
from portal.reports import queries
from portal.reports import services as svc
from portal.roster import services as roster_svc
from portal.kernel.images import PrivateImageStore
from portal.kernel.settings import get_settings
from portal.shell.ui import ONE_YEAR, UIState
from portal.shell.client import client_address
from portal.shell.args import checked
from portal.shell.session import held_elsewhere, on_hydrate
from portal.kernel import policy
from portal.shell.photos import photo_field, photo_wait_note, tokens_from_form

CATEGORY_KEYS = [f"report.category.{c}" for c in queries.CATEGORIES]
STATUS_KEYS = [k for k in MESSAGES if k.startswith("report.status.")]
OUTCOME_KEYS = [k for k in MESSAGES if k.startswith("report.outcome.")]
EVENT_KEYS = [k for k in MESSAGES if k.startswith("report.event.")]
REWARD_KEYS = [k for k in MESSAGES if k.startswith("report.reward_status.")]
LEVEL_KEYS = [k for k in MESSAGES if k.startswith("level.")]
ERROR_KEYS = [k for k in MESSAGES if k.startswith("report.err.") or k.startswith("image.")]


class EntryView(TypedDict):
    masked_name: str
    village: str
    household: int
    amount: str


class HistoryRow(TypedDict):
    kind_key: str
    at: str
    note: str


class RewardRow(TypedDict):
    status_key: str
    amount: str
    basis: str
    paid_on: str
    claimed: bool


def _photo_refs(form: dict, limit: int = svc.MAX_PHOTOS) -> tuple[svc.PhotoRef, ...] | None:
    """The photos the form was sent with (tokens from the phone's uploads, shell/photos.py); None when one is not a
    photo this server took in for a report (or no longer holds), or there are too many."""
    settings = get_settings()
    stored = tokens_from_form(form.get("photos", ""), "report", settings.secret_key, limit)
    # A photo swept away while the form sat open for a day is named, not silently dropped.
    if stored is None or not all(PrivateImageStore(settings.private_upload_dir).exists(p.image_id) for p in stored):
        return None
    return tuple(svc.PhotoRef(p.image_id, p.width, p.height) for p in stored)


# What a resident typed or opened stays in the tab only for this browser session and while the tab is in use: a
# session cookie (ends when the browser closes) compared with a backend key, and the policy's apply.idle_minutes.
HOLD_COOKIE = dict(same_site="strict")  # no max_age: a browser-session cookie


@on_hydrate
class ReportState(rx.State):
    loaded: bool = False
    from_roster: bool = False
    roster_entry: str = ""
    entry: EntryView = EntryView(masked_name="", village="", household=0, amount="")
    roster_missing: bool = False
    category: str = ""
    anonymous: bool = True
    levels: list[LevelRow] = []
    region_code: str = ""
    subject: str = ""  # kept after an error, so nothing typed is lost
    description: str = ""
    name: str = ""
    phone: str = ""
    about_staff: bool = False
    error_key: str = ""
    busy: bool = False
    receipt: str = ""  # the code alone opens nothing; the secret and its picture are never kept here (show_once)
    filed_at: str = ""
    rewards_paid: int = 0
    rewards_amount: str = "0.00"
    device_id: str = rx.Cookie("", name="sd_device", max_age=ONE_YEAR, same_site="lax")
    hold_key: str = rx.Cookie("", name="sd_report_form", **HOLD_COOKIE)
    _hold_key: str = ""
    _last_used: float = 0.0

    def _on_hydrate(self, session, storage: dict) -> None:
        """Before the tab's snapshot is sent again: a real-name reporter's name, phone and words (kept after a
        refusal so nothing is lost) go when the browser session changed or the tab sat idle (a shared phone)."""
        if not (self.subject or self.description or self.name or self.phone or self.receipt):
            return
        if held_elsewhere(self, "hold_key", self._hold_key, self._last_used, storage,
                          policy.get_int(session, "apply.idle_minutes")):
            for name in ("subject", "description", "name", "phone", "receipt", "filed_at", "error_key", "category",
                         "about_staff", "region_code", "roster_entry"):
                field = self.get_fields()[name]
                setattr(self, name, field.default_factory() if field.default_factory is not None else field.default)
            self.anonymous = True
            self._hold_key, self._last_used = "", 0.0

    # --- region cascade (down to where it happened) -----------------------------------------------------------

    def _set_region(self, place: places.Place | None) -> None:
        self.levels = place.levels if place else places.open_no_place()
        self.region_code = place.code if place else ""

    @rx.event
    @checked
    def choose(self, index: int, code: str):
        code = offered_choice(self.levels, index, code)
        if code is None:
            return
        self._set_region(places.open_place(code) if code else None)

    # --- the form ---------------------------------------------------------------------------------------------

    @rx.event
    def load(self):
        self.error_key, self.busy, self.receipt, self.filed_at = "", False, "", ""
        self.subject = self.description = self.name = self.phone = ""
        self.category, self.anonymous, self.about_staff = "", True, False
        if not self.device_id:
            self.device_id = uuid.uuid4().hex
        wanted = str(self.router.url.query_parameters.get("roster_entry") or "")[:16]
        form = queries.open_report_form(wanted)
        entry = form.entry
        self.from_roster, self.roster_missing = entry is not None, bool(wanted) and entry is None
        self.roster_entry = entry.public_id if entry else ""
        if entry is not None:
            # Only what the roster itself publishes (masked name, village, size, amount).
            self.entry = EntryView(masked_name=entry.masked_name, village=entry.village_name,
                                   household=entry.household_size,
                                   amount=money.yuan(entry.monthly_amount_fen))
            self.category = queries.WRONG_ENROLMENT
        self.levels, self.region_code = form.levels, ""
        self.rewards_paid, self.rewards_amount = form.rewards_paid, money.yuan(form.rewards_total_fen)
        self.loaded = True

    @rx.event
    @checked
    def set_category(self, value: str):
        self.category = value if value in queries.CATEGORIES else ""

    @rx.event
    def toggle_about_staff(self):
        self.about_staff = not self.about_staff

    @rx.event
    @checked
    def set_anonymous(self, value: bool):
        self.anonymous = bool(value)

    @rx.event
    @checked
    async def submit(self, form: dict):
        if self.busy or self.receipt:
            return
        if not self._hold_key:
            self.hold_key = self._hold_key = secrets.token_urlsafe(18)
        self._last_used = time.time()
        self.subject = str(form.get("subject", ""))[:svc.MAX_SUBJECT + 10]
        self.description = str(form.get("description", ""))[:svc.MAX_DESCRIPTION + 10]
        self.name = str(form.get("name", ""))[:40]
        self.phone = str(form.get("phone", ""))[:20]
        photos = _photo_refs(form)
        if photos is None:
            self.error_key = "report.err.photo_token"  # everything typed stays; the photos stay on the phone too
            return
        self.busy = True
        yield
        lang = "en" if (await self.get_state(UIState)).lang == "en" else "zh"  # the card is drawn in it
        try:
            filed = unit.run(svc.file_report, svc.NewReport(
                category=self.category, subject=self.subject, description=self.description,
                region_code=self.region_code, roster_entry=self.roster_entry, about_staff=self.about_staff,
                anonymous=self.anonymous, name=self.name, phone=self.phone, photos=photos,
            ), device_id=self.device_id, client=client_address(self), key=get_settings().secret_key)
        except svc.ReportError as exc:
            self.error_key, self.busy = exc.key, False  # everything typed stays in the form
            return
        except Exception:
            self.busy = False
            raise
        self.filed_at = roster_svc.fmt_time(filed.created_at)
        # Drawn in the heavy pool; the report is already filed, so this waits for a slot rather than refusing.
        png = await heavy.run_waiting(svc.receipt_card_png, filed.receipt_code, filed.secret, svc.ReceiptCardText(
            text("report.card_title", lang), text("report.receipt_label", lang), text("report.secret_label", lang),
            text("report.card_hint", lang), self.filed_at))
        card = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        # Filed: nothing the reporter typed stays in the tab's state (the name and phone least of all), and the
        # secret and its picture go to the browser in this one event only (shell/once.py).
        self.receipt, self.error_key, self.busy = svc.format_receipt(filed.receipt_code), "", False
        self.subject = self.description = self.name = self.phone = ""
        self.category, self.anonymous, self.about_staff = "", True, False
        yield [show_once("receipt-secret", filed.secret), show_once("receipt-image", card, "src"),
               show_once("receipt-download", card, "href")]


def _selector(level: LevelRow, index) -> rx.Component:
    return rx.el.div(
        rx.el.label(t_var(level["level_key"], LEVEL_KEYS), class_name="rt-Text rt-r-size-2"),
        rx.el.select(
            rx.el.option(t("report.choose"), value=""),
            rx.foreach(level["options"], lambda o: rx.el.option(o["name"], value=o["code"])),
            value=level["selected"], on_change=lambda v: ReportState.choose(index, v),
            class_name="plain-select report-select", id="report-level-" + index.to_string(),
        ),
        class_name="form-field",
    )


def _category_chip(key: str, value: str) -> rx.Component:
    on = ReportState.category == value
    return rx.el.button(t(key), on_click=ReportState.set_category(value), type="button",
                        class_name=rx.cond(on, "chip on", "chip"), aria_pressed=rx.cond(on, "true", "false"),
                        data_category=value)


def _form() -> rx.Component:
    s = ReportState
    return rx.form(rx.vstack(
        rx.cond(s.roster_missing, rx.callout(t("report.err.roster_entry"), icon="info", color_scheme="amber",
                                             width="100%")),
        rx.cond(
            s.from_roster,
            rx.card(rx.vstack(
                rx.text(t("report.about_entry"), size="2", color_scheme="gray"),
                rx.heading(s.entry["masked_name"], size="5", id="report-entry-name"),
                rx.text(s.entry["village"], " · ", t_fmt("report.entry_household", n=s.entry["household"]), " · ",
                        s.entry["amount"], t("report.yuan_per_month"), size="2"),
                spacing="1"), width="100%", id="report-entry"),
            rx.vstack(
                rx.el.label(t("report.subject_label"), html_for="subject", class_name="rt-Text rt-r-size-3"),
                rx.input(id="subject", name="subject", default_value=s.subject, max_length=svc.MAX_SUBJECT,
                         placeholder=t("report.subject_placeholder"), width="100%", size="3"),
                rx.text(t("report.region_label"), size="3"),
                rx.el.div(rx.foreach(s.levels, _selector), id="report-regions", class_name="report-regions"),
                width="100%", spacing="2"),
        ),
        rx.text(t("report.category_label"), size="3", weight="bold"),
        rx.flex(*[_category_chip(f"report.category.{c}", c) for c in queries.CATEGORIES],
                wrap="wrap", gap="8px", id="report-categories"),
        rx.el.button(rx.cond(s.about_staff, rx.icon("square-check", size=22), rx.icon("square", size=22)),
                     t("report.about_staff"), type="button", on_click=s.toggle_about_staff, id="about-staff",
                     class_name="check-row", aria_pressed=rx.cond(s.about_staff, "true", "false")),
        rx.el.label(t("report.description_label"), html_for="description", class_name="rt-Text rt-r-size-3"),
        rx.text_area(id="description", name="description", default_value=s.description, rows="5", width="100%",
                     max_length=svc.MAX_DESCRIPTION, placeholder=t("report.description_placeholder")),
        photo_field("evidence", "report", max_photos=svc.MAX_PHOTOS, form_field=True, label_key="report.add_photos"),
        rx.text(t("report.identity_label"), size="3", weight="bold"),
        rx.hstack(
            rx.el.button(t("report.anonymous"), type="button", on_click=s.set_anonymous(True), id="identity-anon",
                         class_name=rx.cond(s.anonymous, "chip on", "chip"),
                         aria_pressed=rx.cond(s.anonymous, "true", "false")),
            rx.el.button(t("report.real_name"), type="button", on_click=s.set_anonymous(False), id="identity-real",
                         class_name=rx.cond(s.anonymous, "chip", "chip on"),
                         aria_pressed=rx.cond(s.anonymous, "false", "true")),
            spacing="2", wrap="wrap"),
        rx.cond(
            s.anonymous,
            rx.text(t("report.anonymous_note"), size="2", color_scheme="gray"),
            rx.vstack(
                rx.el.label(t("report.name_label"), html_for="name", class_name="rt-Text rt-r-size-3"),
                rx.input(id="name", name="name", default_value=s.name, max_length=svc.MAX_NAME, width="100%",
                         size="3", auto_complete="name"),
                rx.el.label(t("report.phone_label"), html_for="phone", class_name="rt-Text rt-r-size-3"),
                rx.input(id="phone", name="phone", type="tel", input_mode="numeric", default_value=s.phone,
                         max_length=20, width="100%", size="3", auto_complete="tel"),
                rx.text(t("report.real_name_note"), size="2", color_scheme="gray"),
                width="100%", spacing="2"),
        ),
        rx.cond(s.error_key != "", rx.callout(t_var(s.error_key, ERROR_KEYS), icon="triangle-alert",
                                              color_scheme="red", role="alert", id="report-error", width="100%")),
        photo_wait_note(),
        # A disabled send button says what is still missing.
        rx.cond(s.category == "", rx.el.p(t("report.missing_category"), class_name="submit-missing",
                                          id="report-missing")),
        rx.button(rx.cond(s.busy, t("report.submitting"), t("report.submit")), type="submit", size="4",
                  width="100%", min_height="52px", disabled=s.busy | (s.category == ""), id="report-submit"),
        spacing="3", width="100%"), on_submit=ReportState.submit, width="100%")


def _receipt() -> rx.Component:
    s = ReportState
    return rx.vstack(
        rx.icon("circle-check", size=48, color=rx.color("green", 9)),
        rx.heading(t("report.filed_title"), size="6"),
        rx.callout(t("report.secret_once"), icon="key-round", color_scheme="amber", width="100%"),
        rx.card(rx.vstack(
            rx.text(t("report.receipt_label"), size="2", color_scheme="gray"),
            rx.text(s.receipt, size="7", weight="bold", id="receipt-code", class_name="receipt-code"),
            rx.text(t("report.secret_label"), size="2", color_scheme="gray"),
            rx.text(size="7", weight="bold", id="receipt-secret", class_name="receipt-code"),  # show_once
            spacing="1", align="center"), width="100%"),
        rx.image(alt=t("report.card_title"), width="100%", id="receipt-image", class_name="receipt-image"),
        rx.text(t("report.save_image_hint"), size="2"),
        rx.el.a(rx.button(rx.icon("download", size=18), t("report.save_image"), variant="outline", min_height=TAP,
                          width="100%", type="button", tab_index=-1),
                download="report-receipt.png", width="100%", id="receipt-download"),
        rx.link(t("report.go_track"), href=routes.REPORT_TRACK, size="3", min_height=TAP, display="flex",
                align_items="center", id="go-track"),
        spacing="3", align="center", width="100%",
    )


def reward_totals(count, amount) -> rx.Component:
    return rx.card(rx.vstack(
        rx.text(t("report.rewards_public_title"), weight="bold"),
        rx.text(t_fmt("report.rewards_public", n=count, amount=amount), size="2", id="reward-totals"),
        rx.text(t("report.rewards_rule"), size="1", color_scheme="gray"),
        spacing="1"), width="100%")


def report_page() -> rx.Component:
    s = ReportState
    return page(
        rx.cond(
            ~s.loaded,
            rx.center(rx.spinner(size="3"), padding="32px"),
            rx.cond(s.receipt != "", _receipt(), rx.vstack(
                rx.text(t("report.intro"), size="3"),
                _form(),
                rx.link(t("home.report_track"), href=routes.REPORT_TRACK, size="3", min_height=TAP, display="flex",
                        align_items="center"),
                reward_totals(s.rewards_paid, s.rewards_amount),
                spacing="3", width="100%")),
        ),
        title_key="report.title",
    )


# --- /report/track ----------------------------------------------------------------------------------------------

@on_hydrate
class ReportTrackState(rx.State):
    opened: bool = False
    hold_key: str = rx.Cookie("", name="sd_report_track", **HOLD_COOKIE)
    _hold_key: str = ""
    _last_used: float = 0.0
    error_key: str = ""
    retry_at: str = ""  # with report.err.track_throttled: when to try again
    notice_key: str = ""
    receipt: str = ""
    category_key: str = ""
    subject: str = ""
    status_key: str = ""
    outcome_key: str = ""
    conclusion: str = ""
    anonymous: bool = True
    photos: int = 0
    filed_at: str = ""
    acknowledge_due: str = ""
    history: list[HistoryRow] = []
    has_reward: bool = False
    reward: RewardRow = RewardRow(status_key="", amount="", basis="", paid_on="", claimed=False)
    can_add: bool = False
    can_claim: bool = False
    busy: bool = False
    # Server only: which report this tab proved it holds the receipt and secret of.
    _report_id: int = 0

    @rx.event
    def load(self):
        # Everything a previous look-up showed (history, replies, reward) goes, not only the flag that hides it: the
        # tab's state is sent again in full whenever a page of this tab loads.
        self.reset()

    def _refresh(self, view: svc.TrackView) -> None:
        self.receipt, self.subject, self.anonymous, self.photos = view.receipt, view.subject, view.anonymous, \
            view.photos
        self.category_key = f"report.category.{view.category}"
        self.status_key = f"report.status.{view.status}"
        self.outcome_key = f"report.outcome.{view.outcome}" if view.outcome else ""
        self.conclusion = view.conclusion or ""
        self.filed_at = roster_svc.fmt_time(view.created_at)
        self.acknowledge_due = view.acknowledge_due.isoformat()
        self.history = [HistoryRow(kind_key=f"report.event.{h.kind}", at=roster_svc.fmt_time(h.at), note=h.note)
                        for h in view.history]
        self.has_reward = view.reward is not None
        if view.reward is not None:
            r = view.reward
            self.reward = RewardRow(status_key=f"report.reward_status.{r.status}",
                                    amount=money.yuan(r.amount_fen), basis=r.basis,
                                    paid_on=r.paid_on.isoformat() if r.paid_on else "", claimed=r.claimed)
        self.can_add, self.can_claim = view.can_add, view.can_claim

    @rx.event
    @checked
    def open(self, form: dict):
        self.notice_key = ""
        try:
            # The failure count and its audit row are committed before the error reaches here.
            self._report_id, view = queries.open_track(str(form.get("receipt", ""))[:64],
                                                       str(form.get("secret", ""))[:32],
                                                       client=client_address(self), key=get_settings().secret_key)
        except svc.ReportError as exc:
            self.error_key, self.retry_at, self.opened, self._report_id = exc.key, exc.retry_at, False, 0
            return
        self._refresh(view)
        self.error_key, self.opened = "", True
        self.hold_key = self._hold_key = secrets.token_urlsafe(18)
        self._last_used = time.time()

    def _on_hydrate(self, session, storage: dict) -> None:
        """The report opened with its secret (its history, the officers' replies, the right to add information and
        claim a reward) goes from a tab of another browser session or one left idle: the next person on a shared
        phone needs the receipt and secret again."""
        if self._report_id and held_elsewhere(self, "hold_key", self._hold_key, self._last_used, storage,
                                              policy.get_int(session, "apply.idle_minutes")):
            self.reset()
            self._report_id, self._hold_key, self._last_used = 0, "", 0.0

    @rx.event
    def close(self):
        self.load()

    def _act(self, fn, *args) -> None:
        self.notice_key = ""
        idle = time.time() - self._last_used
        self._last_used = time.time()
        try:
            view = unit.run(svc.as_reporter, self._report_id, idle, fn, *args)
        except svc.ReportError as exc:
            self.error_key = exc.key
            return
        if view is None:  # left open and unused (or gone): the next person needs the receipt and secret
            self._report_id, self.opened = 0, False
            return
        self._refresh(view)
        self.error_key, self.notice_key = "", "report.track_saved"

    @rx.event
    @checked
    def add_info(self, form: dict):
        photos = _photo_refs(form, max(0, svc.MAX_PHOTOS - self.photos))
        if photos is None:
            self.error_key, self.notice_key = "report.err.photo_token", ""
            return
        self._act(svc.add_information, str(form.get("text", ""))[:svc.MAX_NOTE + 10], photos)
        if not self.error_key:
            # Sent: the note and the photos leave the form (kept there when refused, so nothing is lost).
            return rx.call_script("document.getElementById('add-info').value = '';"
                                  "window.__sdPhotosClear && window.__sdPhotosClear('more-evidence-picker')")

    @rx.event
    @checked
    def claim(self, form: dict):
        self._act(svc.claim_reward, str(form.get("payout", ""))[:svc.MAX_PAYOUT + 10])


def _history_row(h: HistoryRow) -> rx.Component:
    return rx.box(
        rx.hstack(rx.text(t_var(h["kind_key"], EVENT_KEYS), weight="bold", size="2"), rx.spacer(),
                  rx.text(h["at"], size="1", color_scheme="gray"), width="100%", wrap="wrap"),
        rx.cond(h["note"] != "", rx.text(h["note"], size="2", white_space="pre-wrap")),
        class_name="timeline-step",
    )


def _track_form() -> rx.Component:
    s = ReportTrackState
    return rx.form(rx.vstack(
        rx.el.label(t("report.receipt_label"), html_for="track-receipt", class_name="rt-Text rt-r-size-3"),
        rx.input(id="track-receipt", name="receipt", input_mode="numeric", max_length=24, width="100%", size="3",
                 placeholder="0000 0000 0000 0000", auto_complete="off"),
        rx.el.label(t("report.secret_label"), html_for="track-secret", class_name="rt-Text rt-r-size-3"),
        rx.input(id="track-secret", name="secret", max_length=12, width="100%", size="3", auto_complete="off",
                 placeholder="XXXX-XXXX"),
        rx.cond(s.error_key != "", rx.callout(t_var(s.error_key, ERROR_KEYS, time=s.retry_at), icon="triangle-alert",
                                              color_scheme="red", role="alert", id="track-error", width="100%")),
        rx.button(t("report.track_open"), type="submit", size="4", width="100%", min_height="52px",
                  id="track-submit"),
        rx.text(t("report.track_hint"), size="2", color_scheme="gray"),
        spacing="2", width="100%"), on_submit=ReportTrackState.open, width="100%")


def _tracked() -> rx.Component:
    s = ReportTrackState
    return rx.vstack(
        rx.card(rx.vstack(
            rx.text(t("report.receipt_label"), size="2", color_scheme="gray"),
            rx.text(s.receipt, weight="bold", size="5", class_name="receipt-code", id="track-receipt-code"),
            rx.text(t_var(s.category_key, CATEGORY_KEYS), size="2"),
            rx.text(s.subject, size="2"),
            rx.hstack(rx.badge(t_var(s.status_key, STATUS_KEYS), size="3", id="track-status"),
                      rx.cond(s.outcome_key != "", rx.badge(t_var(s.outcome_key, OUTCOME_KEYS), size="3",
                                                            color_scheme="green", id="track-outcome")),
                      wrap="wrap"),
            rx.text(t("report.filed_on"), " ", s.filed_at, " · ", t("report.ack_due"), " ", s.acknowledge_due,
                    size="1", color_scheme="gray"),
            spacing="1"), width="100%"),
        rx.cond(s.conclusion != "", rx.card(rx.vstack(
            rx.text(t("report.conclusion_label"), weight="bold"),
            rx.text(s.conclusion, size="2", white_space="pre-wrap", id="track-conclusion"), spacing="1"),
            width="100%")),
        rx.cond(s.has_reward, rx.card(rx.vstack(
            rx.text(t("report.reward_title"), weight="bold"),
            rx.hstack(rx.text(s.reward["amount"], " ", t("report.yuan"), size="5", weight="bold",
                              id="track-reward-amount"),
                      rx.badge(t_var(s.reward["status_key"], REWARD_KEYS), id="track-reward-status"),
                      align="center", wrap="wrap"),
            rx.text(t("report.reward_basis"), " ", s.reward["basis"], size="1", color_scheme="gray",
                    white_space="pre-wrap"),
            rx.cond(s.reward["paid_on"] != "", rx.text(t("report.paid_on"), " ", s.reward["paid_on"], size="2")),
            rx.cond(s.reward["claimed"], rx.text(t("report.claimed"), size="2", id="track-claimed")),
            rx.cond(s.can_claim, rx.form(rx.vstack(
                rx.el.label(t("report.payout_label"), html_for="payout", class_name="rt-Text rt-r-size-2"),
                rx.text_area(id="payout", name="payout", rows="2", width="100%", max_length=svc.MAX_PAYOUT,
                             placeholder=t("report.payout_placeholder")),
                rx.text(t("report.payout_note"), size="1", color_scheme="gray"),
                rx.button(t("report.claim"), type="submit", min_height=TAP, width="100%", id="claim-submit"),
                width="100%", spacing="2"), on_submit=s.claim, width="100%")),
            spacing="2", width="100%"), width="100%", id="track-reward")),
        rx.heading(t("report.history"), size="4", as_="h2"),
        rx.vstack(rx.foreach(s.history, _history_row), width="100%", spacing="2", id="track-history"),
        rx.cond(s.notice_key != "", rx.callout(t("report.track_saved"), icon="check", color_scheme="green",
                                               width="100%", id="track-notice")),
        rx.cond(s.error_key != "", rx.callout(t_var(s.error_key, ERROR_KEYS), icon="triangle-alert",
                                              color_scheme="red", role="alert", id="track-error", width="100%")),
        rx.cond(s.can_add, rx.card(rx.form(rx.vstack(
            rx.text(t("report.add_info_title"), weight="bold"),
            rx.text_area(id="add-info", name="text", rows="3", width="100%", max_length=svc.MAX_NOTE,
                         placeholder=t("report.add_info_placeholder")),
            photo_field("more-evidence", "report", max_photos=svc.MAX_PHOTOS - s.photos, form_field=True,
                        label_key="report.add_photos"),
            photo_wait_note(),
            rx.button(t("report.add_info_submit"), type="submit", min_height=TAP, width="100%",
                      id="add-info-submit"),
            width="100%", spacing="2"), on_submit=s.add_info, width="100%"), width="100%")),
        rx.button(t("report.track_close"), on_click=s.close, variant="outline", min_height=TAP, width="100%",
                  type="button", id="track-close"),
        spacing="3", width="100%",
    )


def report_track_page() -> rx.Component:
    s = ReportTrackState
    return page(
        rx.cond(s.opened, _tracked(), _track_form()),
        title_key="home.report_track",
    )
