"""Read models of the officer's report desk (/officer/reports), each in its own unit of work so the page holds no
session: the inbox page (stepping back when the last page emptied), the reward register of a month, the finance
queue and the open report, as the services return them (they check role + region and conflicts of interest).

And the reporters' (anyone, no account): the form's start (`report_form`: the roster entry an objection is about,
the region cascade, the public reward totals) and a report opened with its receipt and secret (`open_track`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from portal.kernel.db import session_scope
from portal.kernel.permissions import Actor, PermissionDenied, Role
from portal.regions.cascade import LevelRow, cascade_levels
from portal.roster import services as roster_svc
from portal.reports import services as svc
from portal.reports.models import ReportCategory, ReportOutcome, ReportStatus

# The enums the desk's filters and forms list (the page does not import the tables' module).
CATEGORIES = tuple(c.value for c in ReportCategory)
STATUSES = tuple(s.value for s in ReportStatus)
OUTCOMES = tuple(o.value for o in ReportOutcome)
WRONG_ENROLMENT = ReportCategory.WRONG_ENROLMENT.value  # an objection from the roster


@dataclass(frozen=True)
class Desk:
    """What the desk shows. `inbox` is None for a caller without the officer role (the page keeps what it had);
    `page_no` is the inbox page actually shown. `detail` is None when nothing is open or the open report may no
    longer be seen (`detail_refused`)."""

    page_no: int
    inbox: list[svc.InboxRow] | None
    has_next: bool
    register: list[svc.RegisterRow]
    finance_queue: list[svc.RegisterRow]
    detail: svc.Detail | None
    detail_refused: bool


def desk(session: Session, actor: Actor, flt: svc.InboxFilter, page_no: int, month: str, selected: int) -> Desk:
    inbox, has_next = None, False
    if actor.has_role(Role.OFFICER):
        # One more than a page tells whether a next page exists.
        found = svc.inbox(session, actor, flt, limit=svc.INBOX_PAGE + 1, offset=(page_no - 1) * svc.INBOX_PAGE)
        while not found and page_no > 1:  # the last page emptied (reports concluded, filters): step back
            page_no -= 1
            found = svc.inbox(session, actor, flt, limit=svc.INBOX_PAGE + 1, offset=(page_no - 1) * svc.INBOX_PAGE)
        has_next = len(found) > svc.INBOX_PAGE
        inbox = found[:svc.INBOX_PAGE]
    register = svc.reward_register(session, actor, month) if actor.has_role(Role.OFFICER, Role.FINANCE) else []
    queue = svc.finance_queue(session, actor) if actor.has_role(Role.FINANCE) else []
    detail, refused = None, False
    if selected:
        try:
            detail = svc.detail(session, actor, selected)
        except PermissionDenied:  # no longer theirs (a conflict declared, a grant withdrawn)
            refused = True
    return Desk(page_no, inbox, has_next, register, queue, detail, refused)


def open_desk(actor: Actor, flt: svc.InboxFilter, page_no: int, month: str, selected: int) -> Desk:
    with session_scope() as session:
        return desk(session, actor, flt, page_no, month, selected)


def open_detail(actor: Actor, report_id: int) -> svc.Detail:
    """One report as `svc.detail` gives it (raises PermissionDenied when this officer may not see it)."""
    with session_scope() as session:
        return svc.detail(session, actor, report_id)


# --- the reporters' pages ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportForm:
    entry: roster_svc.PublicEntry | None  # what the roster publishes of the entry an objection is about (masked)
    levels: list[LevelRow]  # the region cascade, nothing chosen
    rewards_paid: int
    rewards_total_fen: int


def report_form(session: Session, roster_entry: str) -> ReportForm:
    """An unknown or withdrawn roster entry (or none asked for) gives `entry` None."""
    entry = roster_svc.public_entry(session, roster_entry) if roster_entry else None
    count, total = svc.public_reward_totals(session)
    return ReportForm(entry, cascade_levels(session, None), count, total)


def open_report_form(roster_entry: str) -> ReportForm:
    with session_scope() as session:
        return report_form(session, roster_entry)


def open_track(receipt: str, secret: str, *, client: str, key: str) -> tuple[int, svc.TrackView]:
    """The report behind a receipt + secret (its id, and what its holder sees), or ReportError; a failure's count
    (the look-up throttle) is committed before the error is raised."""
    with session_scope() as session:
        try:
            report = svc.open_receipt(session, receipt, secret, client=client, key=key)
        except svc.ReportError:
            session.commit()
            raise
        return report.id, svc.track_view(session, report)
