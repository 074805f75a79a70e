"""What the application pages share: a case's steps as the applicant's tracking page and the officer's case page both
show them, with the catalog keys of its statuses, steps and outcomes; and the application a resident's tab holds
(`DraftHold`), which the wizard works on and the tracking page shows."""

from __future__ import annotations

import secrets
import time
from typing import TypedDict

import reflex as rx

from portal.applications import services as svc
from portal.i18n import MESSAGES
from portal.kernel import policy, unit
from portal.shell.session import held_elsewhere

STATUS_KEYS = [f"apply.status.{s}" for s in svc.STATUSES]
STEP_KEYS = [f"apply.step.{k}" for k in svc.STEP_KINDS]
OUTCOME_KEYS = [k for k in MESSAGES if k.startswith("apply.outcome.")]


class StepRow(TypedDict):
    kind_key: str
    state: str  # open | done | overdue
    office: str
    started: str
    due: str
    limit: str
    outcome_key: str


def step_rows(view: svc.TrackView) -> list[StepRow]:
    """The steps as the browser shows them (tracking page and the officer's case page)."""
    return [StepRow(kind_key=f"apply.step.{s.kind}", state="overdue" if s.overdue else s.state, office=s.office,
                    started=s.started_on, due=s.due_on,
                    limit=str(s.working_days) if s.working_days is not None else "",
                    outcome_key=f"apply.outcome.{s.outcome}" if s.outcome else "") for s in view.steps]


class DraftHold(rx.State):
    """The application this tab holds, by number and secret (both backend-only), since it was created or resumed on
    /apply or opened on /apply/track: the wizard (its substate) works on it, and the tracking page shows it without
    asking for them again.

    Held only within the browser session that opened it (this session-only cookie, compared server-side with
    `_browser_key`) and while the tab is in use (`_last_used`, the policy's apply.idle_minutes): on a shared phone or
    kiosk the next resident needs the number and secret."""

    number: str = ""
    browser_key: str = rx.Cookie("", name="sd_apply", same_site="strict")
    _number: str = ""
    _secret: str = ""
    _browser_key: str = ""
    _last_used: float = 0.0

    def _bind(self, number: str, secret: str) -> None:
        """This tab now holds the application: opened here, with its number and secret."""
        self._number, self._secret, self.number = number, secret, number
        self.browser_key = self._browser_key = secrets.token_urlsafe(18)
        self._last_used = time.time()

    def _held(self) -> tuple[str, str]:
        """The application this tab may keep working on, as (number, secret); ("", "") when there is none or the tab
        may no longer hold it (another browser session, or idle too long): then the tab lets it go altogether."""
        if not self._number:
            return "", ""
        if not self._browser_key or self.browser_key != self._browser_key or self._idle(
                unit.run(policy.get_int, "apply.idle_minutes")):
            self._let_go()
            return "", ""
        self._last_used = time.time()
        return self._number, self._secret

    def _idle(self, idle_minutes: int) -> bool:
        return time.time() - self._last_used > 60 * idle_minutes

    def _held_elsewhere(self, storage: dict, idle_minutes: int) -> bool:
        """On a hydrate (`storage`: the cookies the browser sent): the browser session that opened the application
        is not this one, or the tab sat idle too long."""
        return held_elsewhere(DraftHold, "browser_key", self._browser_key, self._last_used, storage, idle_minutes)

    def _let_go(self) -> None:
        self._number = self._secret = self._browser_key = self.number = ""
        self._last_used = 0.0
