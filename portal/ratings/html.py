"""The rating page (`/r/<window code>`), its thank-you page and the 追评 page, as plain HTML.

Pure rendering: values in, escaped HTML out (`web.py` reads the request and calls the services). Every form works
with JavaScript off: levels are radio buttons, tags are check boxes (CSS `:has()` hides the tags that do not go with
the chosen level; the server keeps only those that do), and what the resident typed comes back after an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from portal.kernel import routes
from portal.ratings import rules
from portal.ratings.services import Acknowledged, ReceiptView, WindowInfo
from portal.shell.html_page import Prefs

DESCENDING = sorted(rules.LEVELS, reverse=True)


@dataclass(frozen=True)
class Typed:
    """What the resident sent, given back to the form after an error."""
    level: int = 0
    tags: tuple[str, ...] = ()
    comment: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Problem:
    key: str
    params: dict = field(default_factory=dict)


def _problem(prefs: Prefs, problem: Problem | None, element_id: str) -> str:
    if problem is None:
        return ""
    return f'<div class="msg err" role="alert" id="{element_id}">{prefs.t(problem.key, **problem.params)}</div>'


def _window_card(prefs: Prefs, window: WindowInfo) -> str:
    return (f'<div class="card"><p><strong id="window-name">{escape(window.name)}</strong></p>'
            f'<p>{escape(window.office_name)}</p><p>{prefs.t("rating.window_code")}: '
            f'<span class="code">{escape(window.code)}</span></p></div>')


def _level_choice(prefs: Prefs, level: int, chosen: int, name: str, id_prefix: str) -> str:
    checked = " checked" if level == chosen else ""
    stars = "★" * level + "☆" * (rules.MAX_LEVEL - level)
    return (f'<label class="lv" id="{id_prefix}{level}"><input type="radio" name="{name}" value="{level}" required'
            f'{checked}><span class="dot"></span><span class="lt"><span class="stars" aria-hidden="true">{stars}</span>'
            f'<span>{prefs.t(rules.LEVELS[level])}</span></span></label>')


def _tag_group(prefs: Prefs, css: str, legend_key: str, tags: tuple[str, ...], chosen: tuple[str, ...]) -> str:
    chips = "".join(
        f'<label class="chip"><input type="checkbox" name="tag" value="{tag}" data-tag="{tag}"'
        f'{" checked" if tag in chosen else ""}><span>{prefs.t(tag)}</span></label>' for tag in tags)
    return f'<fieldset class="tg {css}"><legend>{prefs.t(legend_key)}</legend><div class="chips">{chips}</div></fieldset>'


def rate_page(prefs: Prefs, window: WindowInfo, *, form_token: str, attempt: str, comment_max: int,
              typed: Typed = Typed(), problem: Problem | None = None) -> tuple[str, str]:
    """(title, body) of the rating form."""
    t = prefs.t
    levels = "".join(_level_choice(prefs, level, typed.level, "level", "level-") for level in DESCENDING)
    body = (
        f'<h1>{t("rating.title")}</h1>{_window_card(prefs, window)}{_problem(prefs, problem, "rating-error")}'
        f'<form method="post" action="{escape(routes.rate(window.code))}" data-once id="rating-form">'
        f'<input type="hidden" name="form_token" value="{escape(form_token)}">'
        f'<input type="hidden" name="attempt" value="{escape(attempt)}">'
        f'<fieldset><legend>{t("rating.question")}</legend>{levels}</fieldset>'
        + _tag_group(prefs, "good", "rating.tags_good", rules.POSITIVE_TAGS, typed.tags)
        + _tag_group(prefs, "bad", "rating.tags_bad", rules.NEGATIVE_TAGS, typed.tags)
        + f'<label class="f" for="comment">{t("rating.comment_label")}</label>'
        f'<textarea id="comment" name="comment" rows="3" maxlength="{comment_max}" aria-describedby="comment-hint">'
        f'{escape(typed.comment)}</textarea><p class="hint" id="comment-hint">{t("rating.comment_placeholder")}<br>'
        f'{t("rating.comment_limit", n=comment_max)}</p>'
        f'<label class="f" for="phone">{t("rating.phone_label")}</label>'
        f'<input class="t" id="phone" name="phone" type="tel" inputmode="numeric" autocomplete="tel" maxlength="20" '
        f'value="{escape(typed.phone)}" aria-describedby="phone-hint"><p class="hint" id="phone-hint">'
        f'{t("rating.phone_hint")}</p>'
        f'<button class="btn" type="submit" id="rating-submit" data-busy="{t("rating.submitting")}">'
        f'{t("rating.submit")}</button><p class="hint">{t("rating.anonymous_note")}</p></form>'
    )
    return f'{t("rating.title")} · {escape(window.name)}', body


def cooldown_page(prefs: Prefs, window: WindowInfo, *, hours: int, until: str) -> tuple[str, str]:
    t = prefs.t
    body = (f'<h1>{t("rating.title")}</h1>{_window_card(prefs, window)}'
            f'<div class="msg info" id="already-rated" role="status">{t("rating.already_rated", n=hours, until=until)}'
            f'</div><div class="links"><a href="{routes.RATING_FOLLOWUP}" id="go-followup">{t("rating.followup_link")}'
            f'</a><a href="{routes.HOME}">{t("app.back_home")}</a></div>')
    return f'{t("rating.title")} · {escape(window.name)}', body


def thanks_page(prefs: Prefs, window: WindowInfo, ack: Acknowledged) -> tuple[str, str]:
    t = prefs.t
    notes = ""
    if ack.bad_review:
        notes += f'<div class="msg info" id="bad-review-note">{t("rating.bad_review_note")}</div>'
    if ack.held:
        notes += f'<div class="msg warn" id="held-note">{t("rating.held_note")}</div>'
    body = (f'<h1>{t("rating.thanks_title")}</h1>{_window_card(prefs, window)}'
            f'<div class="card" role="status"><p>{t("rating.receipt_label")}</p>'
            f'<p class="receipt code" id="receipt-code">{escape(ack.receipt_code)}</p><p>{t("rating.receipt_hint")}</p>'
            f'</div>{notes}<div class="links">'
            f'<a href="{escape(routes.rating_followup(ack.receipt_code))}" id="go-followup">'
            f'{t("rating.followup_link")}</a><a href="{routes.HOME}">{t("rating.rate_again")}</a></div>')
    return t("rating.thanks_page"), body


def missing_page(prefs: Prefs) -> tuple[str, str]:
    t = prefs.t
    body = (f'<h1>{t("window.not_found_title")}</h1><div class="msg warn" id="window-missing">'
            f'{t("window.not_found_body")}</div>{code_entry(prefs)}'
            f'<div class="links"><a href="{routes.HOME}">{t("app.back_home")}</a></div>')
    return t("window.not_found_title"), body


def code_entry(prefs: Prefs, value: str = "") -> str:
    """The window-code form (as on the home page): GET /r?code=…, no script needed."""
    t = prefs.t
    return (f'<form method="get" action="{routes.RATE_ENTRY}"><label class="f" for="rate-code">'
            f'{t("home.rate_code_label")}</label><div class="inline"><input class="t" id="rate-code" name="code" '
            f'maxlength="32" autocapitalize="characters" value="{escape(value)}" aria-describedby="rate-code-hint">'
            f'<button class="btn" type="submit">{t("home.rate_go")}</button></div>'
            f'<p class="hint" id="rate-code-hint">{t("home.rate_code_placeholder")}</p></form>')


def refused_page(prefs: Prefs, problem: Problem, back: str) -> tuple[str, str]:
    t = prefs.t
    body = (f'<h1>{t("rating.title")}</h1>{_problem(prefs, problem, "rating-error")}'
            f'<div class="links"><a href="{escape(back)}">{t("rating.title")}</a>'
            f'<a href="{routes.HOME}">{t("app.back_home")}</a></div>')
    return t("rating.title"), body


# --- 追评 -----------------------------------------------------------------------------------------------------


def followup_page(prefs: Prefs, *, code: str, view: ReceiptView | None, form_token: str, saved: bool = False,
                  typed: Typed = Typed(), problem: Problem | None = None) -> tuple[str, str]:
    """Look up a receipt (GET form), see the case, and add one 追评 (POST form) while none was given."""
    t = prefs.t
    lookup = (f'<form method="get" action="{routes.RATING_FOLLOWUP}"><label class="f" for="receipt">'
              f'{t("followup.code_label")}</label><div class="inline"><input class="t" id="receipt" name="code" '
              f'maxlength="16" autocapitalize="characters" autocomplete="off" value="{escape(code)}" '
              f'aria-describedby="receipt-hint"><button class="btn" type="submit" id="lookup">{t("followup.lookup")}'
              f'</button></div><p class="hint" id="receipt-hint">{t("followup.code_hint")}</p></form>')
    body = f'<h1>{t("followup.title")}</h1><p>{t("followup.intro")}</p>{lookup}'
    if view is None:
        return t("followup.title"), body + _problem(prefs, problem, "followup-error")
    answer = (f'<p id="staff-answer">{escape(view.staff_answer)}</p>' if view.staff_answer
              else f'<p>{t("followup.no_answer")}</p>')
    body += (f'<div class="card"><p><strong>{escape(view.window_name)}</strong></p>'
             f'<p>{t("followup.your_rating")}: {t(rules.LEVELS[view.level])}</p>'
             f'<p>{t("followup.status")}: <strong id="case-status">{t(f"case.status.{view.case_status}")}</strong></p>'
             f'<p>{t("followup.answer")}:</p>{answer}</div>')
    body += _problem(prefs, problem, "followup-error")
    if view.followup_given:
        body += (f'<div class="msg ok" id="followup-done" role="status">'
                 f'{t("followup.thanks" if saved else "followup.given")}</div>')
        return t("followup.title"), body
    levels = "".join(_level_choice(prefs, level, typed.level, "level", "followup-level-") for level in DESCENDING)
    body += (f'<form method="post" action="{routes.RATING_FOLLOWUP}" data-once id="followup-form">'
             f'<input type="hidden" name="form_token" value="{escape(form_token)}">'
             f'<input type="hidden" name="code" value="{escape(code)}">'
             f'<fieldset><legend>{t("followup.rate_result")}</legend>{levels}</fieldset>'
             f'<label class="f" for="followup-comment">{t("rating.comment_label")}</label>'
             f'<textarea id="followup-comment" name="comment" rows="3" maxlength="300">{escape(typed.comment)}'
             f'</textarea><button class="btn" type="submit" id="followup-submit" data-busy="{t("rating.submitting")}">'
             f'{t("followup.submit")}</button></form>')
    return t("followup.title"), body
