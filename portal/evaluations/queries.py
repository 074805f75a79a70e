"""Read models of supervisors' evaluations, each in its own unit of work so the pages hold no session: a supervisor's
open rounds with their targets (`my_rounds`), one assignment's form (`evaluation_form`), the public notices of closed
rounds and an office's record (anyone: they are published), and the admin desk of one region (`admin_desk`: appointments, rounds,
how many rounds the year still needs, the picked round's targets and assignments and what it may still take),
and the accounts an admin may appoint (`open_appointable`). The services they call check
role + region (`authorize`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from portal.accounts import queries as accounts
from portal.evaluations import services as ew
from portal.evaluations.models import AssignmentStatus, RoundStatus
from portal.kernel.db import session_scope
from portal.kernel.permissions import Actor, Role, authorize
from portal.regions import services as regions

# The enums the pages' badges list (the pages do not import the tables' module).
ASSIGNMENT_STATUSES = tuple(s.value for s in AssignmentStatus)
ROUND_STATUSES = tuple(s.value for s in RoundStatus)
ROUND_OPEN = RoundStatus.OPEN.value


def evaluation_form(session: Session, actor: Actor, assignment_id: int) -> ew.EvaluationForm:
    """One assignment's form as its supervisor sees it (the service refuses anyone else's)."""
    return ew.evaluation_form(session, actor, assignment_id)


def open_evaluation_form(actor: Actor, assignment_id: int) -> ew.EvaluationForm:
    with session_scope() as session:
        return evaluation_form(session, actor, assignment_id)


@dataclass(frozen=True)
class PublicNotices:
    """The public notices' choices: closed rounds newest first, and the offices that have a record."""

    rounds: list[ew.PublishedRound]
    offices: list[str]


def open_public_notices() -> PublicNotices:
    with session_scope() as session:
        return PublicNotices(ew.published_rounds(session), ew.published_offices(session))


def open_notice(round_id: int) -> ew.Notice | None:
    """A closed round's public notice (None for an open or unknown round)."""
    with session_scope() as session:
        return ew.notice(session, round_id)


def open_office_record(office_name: str) -> list[ew.OfficeRecordLine]:
    with session_scope() as session:
        return ew.office_record(session, office_name)


def my_rounds(session: Session, actor: Actor) -> list[ew.MyRound]:
    """The supervisor's open rounds and their targets (supervisors only)."""
    return ew.my_open_rounds(session, actor)


def open_my_rounds(actor: Actor) -> list[ew.MyRound]:
    with session_scope() as session:
        return my_rounds(session, actor)


@dataclass(frozen=True)
class AdminDesk:
    """`selected` is None when no round is picked or the picked one is not among the region's rounds (then
    `targets` is empty)."""

    appointments: list[ew.AppointmentRow]
    rounds: list[ew.RoundRow]
    rounds_short: int
    selected: ew.RoundRow | None
    targets: list[ew.TargetLine]
    regions: list[accounts.RegionChoice]  # the admin's tree, for appointing and opening a round (picked, not typed)
    options: ew.TargetOptions  # what the picked round may still take as targets (nothing when none is picked)


def admin_desk(session: Session, actor: Actor, region_code: str, round_id: int, year: int) -> AdminDesk:
    """Refuses (PermissionDenied) an admin whose grants do not cover the region (an unknown code included)."""
    region = regions.by_code(session, region_code)
    path = region.path if region else "/none/"
    authorize(actor, Role.ADMIN, path)
    appointments = ew.list_appointments(session, actor, path)
    rows = ew.list_rounds(session, actor, path)
    short = ew.rounds_needed_this_year(session, path, year)
    selected = next((r for r in rows if r.id == round_id), None)
    targets = ew.round_targets(session, actor, selected.id) if selected is not None else []
    options = ew.target_options(session, actor, selected.id) if selected is not None else ew.TargetOptions()
    return AdminDesk(appointments, rows, short, selected, targets, accounts.region_choices(session, actor), options)


def open_admin_desk(actor: Actor, region_code: str, round_id: int, year: int) -> AdminDesk:
    with session_scope() as session:
        return admin_desk(session, actor, region_code, round_id, year)


def open_appointable(actor: Actor, text: str) -> list[ew.AccountChoice]:
    """The appointment form's search: accounts this admin may appoint, by name or username."""
    with session_scope() as session:
        return ew.appointable_accounts(session, actor, text)
