"""Read models for the resident's tracking page, each in its own unit of work (the page holds no session): the case
opened with its number and secret, its steps, and what the household economic check found (the kinds of records
only). The resident's one write here, answering a finding, goes through `services.answer_finding`."""

from __future__ import annotations

from dataclasses import dataclass

from portal.applications import services as svc
from portal.kernel.db import session_scope


@dataclass(frozen=True)
class ResidentCase:
    view: svc.TrackView
    findings: tuple  # verification.queries.ApplicantFinding
    can_answer: bool


def _case(session, app) -> ResidentCase:
    return ResidentCase(svc.track(session, app), tuple(svc.findings_for_applicant(session, app)),
                        app.status in svc.ALLOWED["answer_finding"])


def resume_case(number: str, secret: str) -> ResidentCase | None:
    """The case this tab already opened (number and secret kept by the wizard), or None; drafts are not tracked."""
    with session_scope() as session:
        app = svc.resume(session, number, secret)
        if app is None or app.status == svc.DRAFT:
            return None
        return _case(session, app)


def open_case(number: str, secret: str, client: str) -> ResidentCase | None:
    """Open with number + secret (throttled per address: ApplicationError apply.err_throttled, its failure count
    committed); None for a wrong pair or a draft."""
    with session_scope() as session:
        try:
            app = svc.open_for_resident(session, number, secret, client=client)
        except svc.ApplicationError:
            session.commit()
            raise
        if app is None or app.status == svc.DRAFT:
            return None
        return _case(session, app)


def answer_finding(number: str, secret: str, finding_id: int, text: str) -> ResidentCase:
    """The applicant answers one finding of their own case; ApplicationError with the reason when refused."""
    with session_scope() as session:
        app = svc.resume(session, number, secret)
        if app is None or app.status == svc.DRAFT:
            raise svc.ApplicationError("apply.err_not_found")
        svc.answer_finding(session, app, finding_id, text)
        return _case(session, app)
