"""/r/<window code>: one tap on a level, optional tags/comment/phone, submit. No account, light on the wire."""

from __future__ import annotations

import uuid

import reflex as rx

from portal.kernel import routes
from portal.shell.i18n import t, t_fmt, t_var
from portal.shell.layout import TAP, page
from portal.kernel.db import session_scope
from portal.i18n import MESSAGES
from portal.kernel import policy
from portal.ratings import rules
from portal.ratings import services as wf
from portal.kernel.settings import get_settings
from portal.shell.ui import ONE_YEAR
from portal.shell.client import client_address
from portal.shell.args import checked, one_of, whole

ERROR_KEYS = ["rating.window_missing", "rating.invalid_choice", "rating.comment_too_long", "rating.phone_invalid",
              "rating.device_missing", "rating.cooldown"]
TAG_KEYS = [k for k in MESSAGES if k.startswith("tag.")]
LEVEL_KEYS = [rules.LEVELS[level] for level in sorted(rules.LEVELS, reverse=True)]


class RateState(rx.State):
    window_code: str = ""
    window_name: str = ""
    office_name: str = ""
    missing: bool = False
    loaded: bool = False
    level: int = 0
    tags: list[str] = []
    comment: str = ""  # kept after an error, so nothing typed is lost
    phone: str = ""
    error_key: str = ""
    receipt_code: str = ""
    bad_review: bool = False
    held: bool = False
    busy: bool = False
    comment_max: int = 300
    cooldown_hours: int = 24
    # A random id kept on the phone: one rating per device per window within the cool-down.
    device_id: str = rx.Cookie("", name="sd_device", max_age=ONE_YEAR, same_site="lax")
    # This tab's key for the rating being given, made on the first tap and sent with every submit of it, so a
    # submit retried after its reply was lost (a worker died, the connection dropped, the page was reloaded)
    # answers the stored receipt instead of "already rated". A new key only after a receipt or for another window.
    _attempt_key: str = ""

    @rx.var
    def offered_tags(self) -> list[str]:
        return list(rules.TAGS_BY_LEVEL.get(self.level, ()))

    @rx.event
    def load(self):
        code = str(self.router._page.params.get("code", ""))
        if code.strip().upper() != self.window_code:
            self._attempt_key = ""
        self.level, self.tags, self.comment, self.phone = 0, [], "", ""
        self.error_key, self.receipt_code, self.bad_review, self.held, self.busy = "", "", False, False, False
        if not self.device_id:
            self.device_id = uuid.uuid4().hex
        with session_scope() as session:
            window = wf.find_window(session, code)
            self.comment_max = policy.get_int(session, "rating.comment_max_chars")
            self.cooldown_hours = policy.get_int(session, "rating.cooldown_hours")
        self.loaded = True
        self.missing = window is None
        if window is not None:
            self.window_code, self.window_name, self.office_name = window.code, window.name, window.office_name

    @rx.event
    @checked
    def choose(self, level: int):
        self.level = one_of(whole(level), rules.LEVELS)
        if not self._attempt_key:
            self._attempt_key = uuid.uuid4().hex
        # Tags belong to a level: switching between good and bad keeps only those still offered.
        self.tags = [tag for tag in self.tags if tag in rules.TAGS_BY_LEVEL.get(self.level, ())]
        self.error_key = ""

    @rx.event
    @checked
    def toggle_tag(self, tag: str):
        self.tags = [t for t in self.tags if t != tag] if tag in self.tags else [*self.tags, tag]

    @rx.event
    @checked
    def submit(self, form: dict):
        """Level and tags live in state (taps); comment and phone come with the form, as typed."""
        # No `busy` check here: events of one tab run one at a time, and a `busy` left set by a worker that died
        # mid-submit must not block the retry.
        if self.receipt_code:
            return
        if not self._attempt_key:
            self._attempt_key = uuid.uuid4().hex
        self.comment = str(form.get("comment", ""))[: self.comment_max + 50]
        self.phone = str(form.get("phone", ""))[:20]
        self.busy = True
        yield
        try:
            with session_scope() as session:
                result = wf.submit_rating(
                    session,
                    wf.NewRating(self.window_code, self.level, tuple(self.tags), self.comment, self.phone),
                    device_id=self.device_id, client=client_address(self),
                    secret=get_settings().secret_key, attempt_key=self._attempt_key,
                )
        except wf.RatingError as exc:
            self.error_key = exc.key
        else:
            self.receipt_code, self.bad_review, self.held, self.error_key = (
                result.receipt_code, result.bad_review, result.held, "")
            self._attempt_key = ""
        finally:
            self.busy = False


def _level_button(level: int) -> rx.Component:
    selected = RateState.level == level
    return rx.el.button(
        rx.hstack(rx.foreach(rx.Var.range(level), lambda _: rx.icon("star", size=18, fill="currentColor")),
                  spacing="0", min_width="96px"),
        rx.text(t(rules.LEVELS[level]), size="4", weight="bold"),
        on_click=RateState.choose(level),
        class_name=rx.cond(selected, "level-btn selected", "level-btn"),
        aria_pressed=rx.cond(selected, "true", "false"),
        id=f"level-{level}", type="button",
    )


def _tag_chip(tag: rx.Var) -> rx.Component:
    on = RateState.tags.contains(tag)
    return rx.el.button(t_var(tag, TAG_KEYS), on_click=RateState.toggle_tag(tag), type="button",
                        class_name=rx.cond(on, "chip on", "chip"), aria_pressed=rx.cond(on, "true", "false"),
                        data_tag=tag)


def _form() -> rx.Component:
    return rx.form(_fields(), on_submit=RateState.submit, width="100%")


def _fields() -> rx.Component:
    return rx.vstack(
        rx.card(rx.vstack(rx.heading(RateState.window_name, size="6", id="window-name"),
                          rx.text(RateState.office_name, size="3"),
                          rx.badge(RateState.window_code, variant="outline", size="2"), spacing="1"), width="100%"),
        rx.text(t("rating.question"), size="4", weight="bold"),
        rx.vstack(*[_level_button(level) for level in sorted(rules.LEVELS, reverse=True)], width="100%", spacing="2",
                  role="group"),
        rx.cond(
            RateState.level > 0,
            rx.vstack(
                rx.text(t("rating.tags_label"), size="3"),
                rx.flex(rx.foreach(RateState.offered_tags, _tag_chip), wrap="wrap", gap="8px", id="tags"),
                rx.el.label(t("rating.comment_label"), html_for="comment", class_name="rt-Text rt-r-size-3"),
                rx.text_area(id="comment", name="comment", default_value=RateState.comment,
                             placeholder=t("rating.comment_placeholder"), rows="3", width="100%",
                             max_length=RateState.comment_max),
                rx.text(t_fmt("rating.comment_limit", n=RateState.comment_max), size="1", color_scheme="gray"),
                rx.el.label(t("rating.phone_label"), html_for="phone", class_name="rt-Text rt-r-size-3"),
                rx.input(id="phone", name="phone", type="tel", input_mode="numeric", auto_complete="tel",
                         default_value=RateState.phone, max_length=20, width="100%", size="3"),
                rx.text(t("rating.phone_hint"), size="1", color_scheme="gray"),
                spacing="2", width="100%",
            ),
        ),
        rx.cond(RateState.error_key != "",
                rx.callout(rx.cond(RateState.error_key == "rating.cooldown",
                                   t_fmt("rating.cooldown", n=RateState.cooldown_hours),
                                   t_var(RateState.error_key, ERROR_KEYS)), icon="triangle-alert", color_scheme="red",
                           role="alert", id="rating-error", width="100%")),
        rx.button(rx.cond(RateState.busy, t("rating.submitting"), t("rating.submit")), type="submit",
                  disabled=(RateState.level == 0) | RateState.busy, size="4", width="100%", min_height="52px",
                  id="rating-submit"),
        rx.text(t("rating.anonymous_note"), size="2", color_scheme="gray"),
        spacing="3", width="100%",
    )


def _thanks() -> rx.Component:
    return rx.vstack(
        rx.icon("circle-check", size=48, color=rx.color("green", 9)),
        rx.heading(t("rating.thanks_title"), size="6"),
        rx.card(rx.vstack(rx.text(t("rating.receipt_label"), size="2", color_scheme="gray"),
                          rx.text(RateState.receipt_code, size="8", weight="bold", id="receipt-code",
                                  font_family="monospace", letter_spacing="0.08em"),
                          rx.text(t("rating.receipt_hint"), size="2"), spacing="1", align="center"),
                width="100%"),
        rx.cond(RateState.bad_review, rx.callout(t("rating.bad_review_note"), icon="info", color_scheme="blue",
                                                 width="100%")),
        rx.cond(RateState.held, rx.callout(t("rating.held_note"), icon="info", color_scheme="amber", width="100%")),
        rx.link(t("rating.followup_link"), href=routes.RATING_FOLLOWUP, size="3", min_height=TAP, display="flex",
                align_items="center", id="go-followup"),
        rx.link(t("rating.rate_again"), href=routes.HOME, size="3", min_height=TAP, display="flex",
                align_items="center"),
        spacing="3", align="center", width="100%",
    )


def _missing() -> rx.Component:
    return rx.vstack(
        rx.callout(t("window.not_found_body"), icon="search-x", color_scheme="amber", id="window-missing",
                   width="100%"),
        rx.link(t("app.back_home"), href=routes.HOME, size="3", min_height=TAP, display="flex", align_items="center"),
        width="100%",
    )


def rate_page() -> rx.Component:
    return page(
        rx.cond(
            ~RateState.loaded,
            rx.center(rx.spinner(size="3"), padding="32px"),
            rx.cond(RateState.missing, _missing(), rx.cond(RateState.receipt_code != "", _thanks(), _form())),
        ),
        title_key="rating.title",
    )
