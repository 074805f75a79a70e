"""A case's steps as the applicant's tracking page and the officer's case page both show them, with the catalog keys
of its statuses, steps and outcomes."""

from __future__ import annotations

from typing import TypedDict

from portal.applications import services as svc
from portal.i18n import MESSAGES

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
