"""/supervisor/evaluate/<assignment>: one evaluation on a phone — residents' summary, 1-5 per criterion with
comments, on-site check-in (time, and location when allowed), photos, submit, or declare a conflict.

Every change saves at once (a draft), through the workflow that checks owner, round, due date and values.
"""

from __future__ import annotations

import functools
from typing import TypedDict

import reflex as rx

from portal.kernel import routes
from portal.shell.account import guarded
from portal.shell.format import percent
from portal.shell.i18n import t, t_fmt, t_var
from portal.shell.layout import TAP, page
from portal.evaluations import queries
from portal.evaluations import services as ew
from portal.evaluations import rules
from portal.kernel.images import REJECT_REASONS
from portal.kernel.permissions import NotSignedIn, PermissionDenied, Role
from portal.kernel.workdays import CHINA_TZ
from portal.kernel.settings import get_settings
from portal.shell.session import SignedInState
from portal.shell.args import checked
from portal.shell.photos import photo_field, photo_wait_note, token_from_sink

CRIT_KEYS = [f"eval.crit.{k}" for k in rules.CRITERIA]
ERROR_KEYS = ["eval.err.score", "eval.err.criteria", "eval.err.incomplete", "eval.err.checkin", "eval.err.too_long",
              "eval.err.round_closed", "eval.err.submitted", "eval.err.past_due", "eval.err.location",
              "eval.err.photos", "eval.err.reason", "auth.forbidden", "eval.err.not_appointed", *REJECT_REASONS]
PHOTO_ID = "eval-photo"
# Resolves to [lat, lon, accuracy] when the supervisor allows location, else null: check-in works either way.
GEO_JS = """new Promise((resolve) => {
  if (!navigator.geolocation) { resolve(null); return; }
  navigator.geolocation.getCurrentPosition(
    (p) => resolve([p.coords.latitude, p.coords.longitude, p.coords.accuracy]),
    () => resolve(null), {enableHighAccuracy: true, timeout: 8000, maximumAge: 60000});
})"""


class CriterionView(TypedDict):
    key: str
    label_key: str
    weight: int
    score: int
    comment: str


class PhotoView(TypedDict):
    id: str
    url: str


class EvaluateState(SignedInState):
    found: bool = False
    assignment_id: int = 0
    round_title: str = ""
    period: str = ""
    due: str = ""
    target_label: str = ""
    criteria: list[CriterionView] = []
    overall: str = ""
    checkin_at: str = ""
    # Whether the check-in carries a location; the coordinates themselves never enter the tab's state (it is sent
    # again on every page load of the tab, signed out too: shell/once.py); they are stored and audited only.
    checkin_located: bool = False
    photos: list[PhotoView] = []
    status: str = ""
    editable: bool = False
    res_count: int = 0
    res_suppressed: bool = True
    res_rate: str = ""
    res_bad: str = ""
    error_key: str = ""
    saved: bool = False
    conflict_done: bool = False

    @rx.event
    def load(self):
        self._clear()  # nothing of a previous look (another assignment, another account) outlives a page load
        actor = self._open_page(Role.SUPERVISOR)
        if actor is None:
            return self._refused()
        try:
            self.assignment_id = int(str(self.router._page.params.get("assignment", "0")))
        except ValueError:
            self.assignment_id = 0
        self._reload(actor)

    def _reload(self, actor) -> None:
        try:
            form = queries.open_evaluation_form(actor, self.assignment_id)
        except (PermissionDenied, NotSignedIn):
            self._clear()
            return
        self.found = True
        self.round_title, self.target_label = form.round_title, form.target_label
        self.period, self.due = f"{form.period_start} ~ {form.period_end}", form.due_on.isoformat()
        self.criteria = [CriterionView(key=c["key"], label_key=f"eval.crit.{c['key']}", weight=c["weight"],
                                       score=int(form.scores.get(c["key"], 0)),
                                       comment=form.comments.get(c["key"], "")) for c in form.criteria]
        self.overall = form.overall_comment
        self.checkin_at = form.checkin_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if form.checkin_at else ""
        self.checkin_located = form.checkin_lat is not None and form.checkin_lon is not None
        self.photos = [PhotoView(id=p, url=routes.evaluation_photo(form.assignment_id, p)) for p in form.photos]
        self.status, self.editable = form.status, form.editable
        r = form.residents
        self.res_count, self.res_suppressed = r.count, r.suppressed
        self.res_rate, self.res_bad = percent(r.satisfaction_rate), percent(r.bad_rate)

    def _clear(self) -> None:
        """Drop everything this page shows (scores, comments, photos, the target): the page's vars to defaults."""
        self.reset()

    def _act(self, fn, *args, **kwargs) -> bool:
        """One change to this evaluation through the one action runner (`fn(session, actor, assignment, *args)`;
        the workflow checks owner, round, due date and values again). A rule's refusal shows its own key with the
        form as stored; a refusal of the caller empties the page; a value no form can send shows auth.forbidden."""
        try:
            actor, key = self._perform(Role.SUPERVISOR, functools.partial(fn, **kwargs), self.assignment_id, *args,
                                       bad_input=())
        except (ValueError, TypeError):
            self.error_key, self.saved = "auth.forbidden", False
            return False
        if actor is None:
            self._clear()
            return False
        if key == "auth.forbidden":  # the guard's refusal inside the workflow: not this supervisor's to change
            self._clear()
            self.error_key = key
            return False
        self.error_key, self.saved = key, not key
        self._reload(actor)
        return not key

    @rx.event
    @checked
    def set_score(self, key: str, score: int):
        # Whole numbers only (a forged 4.9 is refused, not rounded); the workflow checks 1-5 and the round's criteria.
        self._act(ew.save_draft, scores={str(key): score if isinstance(score, int) else int(str(score))})

    @rx.event
    @checked
    def set_comment(self, key: str, value: str):
        current = next((c["comment"] for c in self.criteria if c["key"] == key), None)
        if current is not None and current != (value or "").strip():
            self._act(ew.save_draft, comments={str(key): str(value or "")})

    @rx.event
    @checked
    def set_overall(self, value: str):
        if (value or "").strip() != self.overall:
            self._act(ew.save_draft, overall_comment=str(value or ""))

    @rx.event
    def start_checkin(self):
        return rx.call_script(GEO_JS, callback=EvaluateState.finish_checkin)

    @rx.event
    @checked
    def finish_checkin(self, coords):
        lat = lon = acc = None
        if isinstance(coords, list) and len(coords) == 3 and all(isinstance(v, (int, float)) for v in coords):
            lat, lon, acc = coords
        self._act(ew.check_in, lat=lat, lon=lon, accuracy_m=acc)

    @rx.event
    @checked
    def attach_photo(self, value: str):
        """A photo the phone has just uploaded (shell/photos.py): attached to this form by the service, which checks
        owner, open round, due date and term again."""
        stored = token_from_sink(value, "evaluation", get_settings().secret_key)
        if stored is None:
            self.error_key, self.saved = "image.not_image", False
            return
        self._act(ew.add_photo, stored.image_id)

    @rx.event
    @checked
    def remove_photo(self, image_id: str):
        self._act(ew.remove_photo, str(image_id)[:64])

    @rx.event
    @checked
    def submit(self, form: dict | None = None):
        """Save what the boxes show (a comment typed but never blurred, a comment kept from the draft), then submit:
        the tab's text is the evaluation the supervisor reads on the screen, nothing else."""
        if not isinstance(form, dict):
            form = {}
        typed = {c["key"]: form.get("comment." + c["key"]) for c in self.criteria}  # the boxes' form field names
        comments = {k: v for k, v in typed.items() if isinstance(v, str)
                    and v.strip() != next(c["comment"] for c in self.criteria if c["key"] == k)}
        overall = form.get("overall")
        overall = str(overall) if isinstance(overall, str) and overall.strip() != self.overall else None
        if (comments or overall is not None) and not self._act(ew.save_draft, comments=comments or None,
                                                                overall_comment=overall):
            return
        self._act(ew.submit)

    @rx.event
    @checked
    def declare_conflict(self, form: dict):
        if self._act(ew.declare_conflict, str(form.get("reason", ""))):
            self.conflict_done, self.found = True, False


# --- page -----------------------------------------------------------------------------------------------------


def _residents() -> rx.Component:
    s = EvaluateState
    return rx.card(
        rx.vstack(
            rx.text(t("eval.form.residents"), weight="bold"),
            rx.cond(s.res_suppressed, rx.text(t_fmt("eval.form.residents_few", n=s.res_count), size="2"),
                    rx.text(t_fmt("eval.form.residents_rate", n=s.res_count, rate=s.res_rate, bad=s.res_bad),
                            size="2")),
            spacing="1", align="start",
        ),
        width="100%", id="eval-residents",
    )


def _score_button(c: CriterionView, n: int) -> rx.Component:
    return rx.button(str(n), on_click=EvaluateState.set_score(c["key"], n), disabled=~EvaluateState.editable,
                     variant=rx.cond(c["score"] == n, "solid", "outline"), min_height=TAP, min_width=TAP,
                     flex="1", class_name="score-btn", data_score=str(n),
                     aria_pressed=rx.cond(c["score"] == n, "true", "false"))


def _criterion(c: CriterionView) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.text(t_var(c["label_key"], CRIT_KEYS), weight="bold"),
                      rx.badge(c["weight"].to_string() + "%", variant="soft"), justify="between", width="100%"),
            rx.cond(
                EvaluateState.editable,
                rx.vstack(
                    rx.hstack(*[_score_button(c, n) for n in range(1, 6)], spacing="2", width="100%"),
                    # Keyed by assignment: going from one target to the next mounts fresh boxes, so a box never
                    # shows (or saves into this draft) what was typed for the previous target.
                    rx.el.textarea(default_value=c["comment"], placeholder=t("eval.form.comment"),
                                   key=EvaluateState.assignment_id.to_string() + "-" + c["key"],
                                   name="comment." + c["key"], form="eval-form",
                                   on_blur=lambda v: EvaluateState.set_comment(c["key"], v),
                                   class_name="eval-textarea", rows=2, max_length=rules.MAX_COMMENT),
                    spacing="2", width="100%"),
                # Submitted or closed: the score and comment as plain, full-contrast text (not greyed-out controls).
                rx.vstack(
                    rx.hstack(rx.text(t("eval.form.score_given"), size="2"),
                              rx.text(c["score"].to_string(), " / 5", size="5", weight="bold",
                                      class_name="score-final"),
                              align="baseline", spacing="2"),
                    rx.cond(c["comment"] != "", rx.text(c["comment"], size="2", white_space="pre-wrap",
                                                        class_name="comment-final")),
                    spacing="1", width="100%"),
            ),
            spacing="2", width="100%",
        ),
        width="100%", class_name="eval-criterion", data_key=c["key"],
    )


def _checkin() -> rx.Component:
    s = EvaluateState
    return rx.card(
        rx.vstack(
            rx.text(t("eval.form.checkin"), weight="bold"),
            rx.cond(s.checkin_at != "",
                    rx.vstack(rx.text(t_fmt("eval.form.checkin_done", at=s.checkin_at), id="checkin-at"),
                              rx.cond(s.checkin_located,
                                      rx.text(t("eval.form.checkin_place"), size="2", id="checkin-place"),
                                      rx.text(t("eval.form.checkin_noplace"), size="2", color_scheme="gray")),
                              spacing="1", align="start")),
            rx.cond(s.editable, rx.button(rx.icon("map-pin"), t("eval.form.checkin_btn"), on_click=s.start_checkin,
                                          min_height=TAP, variant="soft", id="checkin-btn", width="100%")),
            spacing="2", align="start", width="100%",
        ),
        width="100%",
    )


def _photo(p: PhotoView) -> rx.Component:
    return rx.box(
        rx.image(src=p["url"], alt="", width="100%", height="120px", object_fit="cover", border_radius="8px"),
        rx.cond(EvaluateState.editable,
                rx.button(rx.icon("trash-2", size=16), on_click=EvaluateState.remove_photo(p["id"]), size="1",
                          variant="soft", color_scheme="red", min_height=TAP, min_width=TAP,
                          aria_label=t("eval.form.photo_remove"), class_name="photo-remove")),
        class_name="eval-photo",
    )


def _photos() -> rx.Component:
    s = EvaluateState
    return rx.card(
        rx.vstack(
            rx.text(t("eval.form.photos"), weight="bold"),
            rx.el.div(rx.foreach(s.photos, _photo), class_name="eval-photos", id="eval-photos"),
            rx.cond(s.editable, photo_field(PHOTO_ID, "evaluation", max_photos=5, multiple=False,
                                            sink=EvaluateState.attach_photo, label_key="eval.form.photo_add",
                                            hint_key="eval.form.photo_hint")),
            spacing="2", align="start", width="100%",
        ),
        width="100%",
    )


def _conflict() -> rx.Component:
    return rx.el.details(
        rx.el.summary(t("eval.form.conflict"), class_name="eval-summary"),
        rx.text(t("eval.form.conflict_hint"), size="2", color_scheme="gray"),
        rx.el.form(
            rx.el.textarea(name="reason", placeholder=t("eval.form.conflict_reason"), class_name="eval-textarea",
                           rows=2, required=True, id="conflict-reason"),
            rx.button(t("eval.form.conflict_btn"), type="submit", color_scheme="red", variant="outline",
                      min_height=TAP, id="conflict-submit"),
            on_submit=EvaluateState.declare_conflict, class_name="eval-form-col",
        ),
        class_name="eval-conflict",
    )


def _form() -> rx.Component:
    s = EvaluateState
    return rx.vstack(
        rx.link(rx.icon("chevron-left", size=18), t("eval.form.back"), href=routes.SUPERVISOR_HOME, min_height=TAP,
                display="flex", align_items="center"),
        rx.heading(s.target_label, size="5", as_="h2", id="eval-target"),
        rx.text(s.round_title, size="2", color_scheme="gray"),
        rx.text(t("eval.sup.period"), ": ", s.period, " · ", t("eval.sup.due"), ": ", s.due, size="2"),
        _residents(),
        rx.cond(s.status == "submitted", rx.callout(t("eval.form.submitted"), icon="circle-check",
                                                    color_scheme="green", id="eval-submitted", width="100%"),
                rx.cond(~s.editable, rx.callout(t("eval.form.readonly"), icon="lock", width="100%"))),
        rx.text(t("eval.form.scores"), weight="bold"),
        rx.foreach(s.criteria, _criterion),
        rx.cond(s.editable,
                rx.el.textarea(default_value=s.overall, placeholder=t("eval.form.overall"), on_blur=s.set_overall,
                               key=s.assignment_id.to_string() + "-overall", name="overall", form="eval-form",
                               class_name="eval-textarea", rows=3, id="eval-overall",
                               max_length=rules.MAX_COMMENT * 2),
                rx.cond(s.overall != "", rx.text(s.overall, size="2", white_space="pre-wrap", id="overall-final"))),
        _checkin(),
        _photos(),
        rx.cond(s.error_key != "", rx.callout(t_var(s.error_key, ERROR_KEYS), icon="triangle-alert",
                                              color_scheme="red", role="alert", id="eval-error", width="100%")),
        rx.cond(s.saved & s.editable, rx.text(t("eval.form.saved"), size="2", color_scheme="green", id="eval-saved")),
        photo_wait_note(),
        # The boxes above belong to this form by their form attribute, so the submit carries what they show.
        rx.cond(s.editable, rx.el.form(
            rx.button(t("eval.form.submit"), type="submit", size="3", min_height="48px", width="100%",
                      id="eval-submit", data_photo_guard="1"),
            on_submit=s.submit, id="eval-form", width="100%")),
        rx.cond(s.editable, _conflict()),
        spacing="3", width="100%",
    )


def supervisor_evaluate() -> rx.Component:
    s = EvaluateState
    return page(
        guarded(s, rx.cond(
            s.found, _form(),
            rx.vstack(
                rx.cond(s.conflict_done,
                        rx.callout(t("eval.form.conflict_done"), icon="circle-check", color_scheme="green",
                                   id="conflict-done", width="100%"),
                        rx.callout(t("eval.form.missing"), icon="shield-alert", color_scheme="red",
                                   id="eval-missing", width="100%")),
                rx.link(t("eval.form.back"), href=routes.SUPERVISOR_HOME, min_height=TAP, display="flex",
                        align_items="center"),
                width="100%"),
        )),
        title_key="eval.form.title",
    )
