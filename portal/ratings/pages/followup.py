"""/rating/followup: the rater follows a bad review with the receipt code and may add one 追评."""

from __future__ import annotations

import reflex as rx

from portal.shell.i18n import t, t_var
from portal.shell.layout import TAP, page
from portal.kernel.db import session_scope
from portal.i18n import MESSAGES
from portal.ratings import rules
from portal.ratings import services as wf
from portal.shell.args import checked, one_of, whole

ERROR_KEYS = ["followup.receipt_unknown", "followup.already_given", "rating.invalid_choice",
              "rating.comment_too_long"]
STATUS_KEYS = [k for k in MESSAGES if k.startswith("case.status.")]
LEVEL_KEYS = list(rules.LEVELS.values())


class RatingFollowupState(rx.State):
    code: str = ""
    found: bool = False
    window_name: str = ""
    level_key: str = ""
    status_key: str = ""
    staff_answer: str = ""
    followup_given: bool = False
    new_level: int = 0
    comment: str = ""
    error_key: str = ""
    saved: bool = False

    def _show(self, view: wf.ReceiptView | None) -> None:
        if view is None or not view.bad_review:
            self.found, self.error_key = False, "followup.receipt_unknown"
            return
        self.found, self.error_key = True, ""
        self.window_name, self.level_key = view.window_name, rules.LEVELS[view.level]
        self.status_key = f"case.status.{view.case_status}"
        self.staff_answer, self.followup_given = view.staff_answer or "", view.followup_given

    @rx.event
    @checked
    def lookup(self, form: dict):
        self.code, self.saved, self.new_level = str(form.get("code", ""))[:16], False, 0
        with session_scope() as session:
            self._show(wf.lookup_receipt(session, self.code))

    @rx.event
    @checked
    def choose(self, level: int):
        self.new_level = one_of(whole(level), rules.LEVELS)

    @rx.event
    @checked
    def submit(self, form: dict):
        try:
            with session_scope() as session:
                wf.add_followup_rating(session, self.code, self.new_level, str(form.get("comment", "")))
        except wf.RatingError as exc:
            self.error_key = exc.key
            return
        self.saved, self.followup_given, self.error_key = True, True, ""


def _level_choice(level: int) -> rx.Component:
    on = RatingFollowupState.new_level == level
    return rx.el.button(t(rules.LEVELS[level]), type="button", on_click=RatingFollowupState.choose(level),
                        class_name=rx.cond(on, "chip on", "chip"), aria_pressed=rx.cond(on, "true", "false"),
                        id=f"followup-level-{level}")


def rating_followup() -> rx.Component:
    s = RatingFollowupState
    return page(
        rx.text(t("followup.intro"), size="2", color_scheme="gray"),
        rx.form(
            rx.vstack(
                rx.el.label(t("followup.code_label"), html_for="receipt", class_name="rt-Text rt-r-size-3"),
                rx.hstack(rx.input(id="receipt", name="code", size="3", flex="1", max_length=16,
                                   auto_capitalize="characters", placeholder="ABCD-2345"),
                          rx.button(t("followup.lookup"), type="submit", size="3", min_height=TAP, id="lookup"),
                          width="100%"),
                width="100%",
            ),
            on_submit=s.lookup, width="100%", margin_y="12px",
        ),
        rx.cond(s.error_key != "", rx.callout(t_var(s.error_key, ERROR_KEYS), icon="triangle-alert",
                                              color_scheme="red", role="alert", id="followup-error", width="100%")),
        rx.cond(
            s.found,
            rx.vstack(
                rx.card(rx.vstack(
                    rx.heading(s.window_name, size="4"),
                    rx.hstack(rx.text(t("followup.your_rating"), color_scheme="gray"), rx.text(t_var(s.level_key, LEVEL_KEYS))),
                    rx.hstack(rx.text(t("followup.status"), color_scheme="gray"),
                              rx.badge(t_var(s.status_key, STATUS_KEYS), id="case-status")),
                    rx.text(t("followup.answer"), color_scheme="gray"),
                    rx.cond(s.staff_answer != "", rx.text(s.staff_answer, id="staff-answer"),
                            rx.text(t("followup.no_answer"))),
                    spacing="2"), width="100%"),
                rx.cond(
                    s.followup_given,
                    rx.callout(rx.cond(s.saved, t("followup.thanks"), t("followup.given")), icon="circle-check",
                               color_scheme="green", id="followup-done", width="100%"),
                    rx.form(
                        rx.vstack(
                            rx.text(t("followup.rate_result"), weight="bold"),
                            rx.flex(*[_level_choice(level) for level in sorted(rules.LEVELS, reverse=True)],
                                    wrap="wrap", gap="8px"),
                            rx.text_area(name="comment", id="followup-comment", rows="3", width="100%",
                                         max_length=300),
                            rx.button(t("followup.submit"), type="submit", size="4", width="100%", min_height="52px",
                                      disabled=s.new_level == 0, id="followup-submit"),
                            width="100%", spacing="2",
                        ),
                        on_submit=s.submit, width="100%",
                    ),
                ),
                width="100%", spacing="3",
            ),
        ),
        title_key="followup.title",
    )
