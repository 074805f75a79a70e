"""Read models of findings: one case's findings for its officer and for its applicant, and the region's work queue
of findings from register runs (filters, counts, export rows). Scoping is the caller's role + region (`authorize`
for one case; `region_paths_in_scope` for the queue, joined through the register household's region)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from portal.accounts import queries as accounts
from portal.kernel.masking import mask_id_number
from portal.kernel.workdays import china_today
from portal.kernel.permissions import Actor, Role, region_paths_in_scope
from portal.register.models import Household, Member
from portal.regions.models import Region, RegionLevel
from portal.verification import rules as vr
from portal.verification.models import SCOPE_CASE, SCOPE_REGISTER, Finding, SourceBatch

MONEY_RULES = {"deposits", "income", "business"}  # found/declared values in fen
PAGE = 200


# Comparison rules are set for a province, city or county (`services.set_rule_by_admin` refuses the rest).
RULE_LEVELS = (RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY)


def rule_regions(session: Session, actor: Actor | None) -> list[accounts.RegionChoice]:
    """The regions this admin may set a rule for: their own tree, province to county, in tree order."""
    return accounts.region_choices(session, actor, RULE_LEVELS)


def source_of(rule: str) -> str:
    return vr.RULES[rule].source or "register"


def show_value(rule: str, value: str) -> str:
    """A stored value as people read it: money in yuan, real estate as counts, others as they are."""
    if not value:
        return ""
    if rule in MONEY_RULES and value.lstrip("-").isdigit():
        return f"¥{int(value) / 100:,.2f}"
    return value.replace(";", " · ").replace("|", " · ")


@dataclass(frozen=True)
class CaseFinding:
    id: int
    rule: str
    severity: str
    routed_to: str
    member: str  # the member's name on the case ('' for a household finding)
    declared: str
    found: str
    refs: str
    source: str  # the source kind (catalog key suffix)
    as_of: str
    document_no: str
    resolution: str  # '' when unresolved
    note: str
    resolved_by: str
    answer: str  # the applicant's answer
    answer_due: str = ""  # the last day the applicant may answer ('' for findings made before the deadline existed)
    answer_lapsed: bool = False  # that day passed without an answer: the officer may refuse on it
    online: bool = False  # found by asking the department's API at acceptance (as_of is the day it was asked)


def case_findings(session: Session, application_id: int, names_by_hash: dict[str, str],
                  today: date | None = None) -> list[CaseFinding]:
    """The case's findings for the officer allowed to see the case (the caller checked that)."""
    today = today or china_today()
    rows = session.execute(select(Finding).where(Finding.application_id == application_id,
                                                 Finding.scope == SCOPE_CASE).order_by(Finding.id)).scalars()
    return [CaseFinding(f.id, f.rule, f.severity, f.routed_to, names_by_hash.get(f.member_id_hash or "", ""),
                        show_value(f.rule, f.declared_value), show_value(f.rule, f.found_value),
                        " · ".join(f.record_refs or []), source_of(f.rule),
                        f.as_of.isoformat() if f.as_of else "", f.document_no, f.resolution or "",
                        f.resolution_note or "", f.resolved_by or "", f.applicant_answer or "",
                        f.answer_due_on.isoformat() if f.answer_due_on else "",
                        bool(f.answer_due_on and not f.applicant_answer and today > f.answer_due_on),
                        f.pull_id is not None) for f in rows]


@dataclass(frozen=True)
class ApplicantFinding:
    """What the applicant is told: which kind of record differs from the application, from which source and date.
    No found value and no record reference: a duplicate finding's value names another household."""

    id: int
    rule: str
    source: str
    as_of: str
    answer: str
    settled: bool
    answer_due: str = ""  # the last day to answer before the case may be refused on it
    lapsed: bool = False  # that day has passed without an answer


def applicant_findings(session: Session, application_id: int, today: date | None = None) -> list[ApplicantFinding]:
    today = today or china_today()
    rows = session.execute(select(Finding).where(Finding.application_id == application_id,
                                                 Finding.scope == SCOPE_CASE).order_by(Finding.id)).scalars()
    return [ApplicantFinding(f.id, f.rule, source_of(f.rule), f.as_of.isoformat() if f.as_of else "",
                             f.applicant_answer or "", f.resolution is not None,
                             f.answer_due_on.isoformat() if f.answer_due_on else "",
                             bool(f.answer_due_on and not f.applicant_answer and today > f.answer_due_on))
            for f in rows]


# --- the region's work queue (register runs) -------------------------------------------------------------------

@dataclass(frozen=True)
class Filters:
    rule: str = ""
    status: str = ""  # new | open | resolved ('' = new and open)
    settled: str = ""  # '' all | 'no' unresolved | 'yes' resolved by an officer
    township: str = ""


@dataclass(frozen=True)
class QueueFinding:
    id: int
    household: str
    head: str
    village: str
    township: str
    rule: str
    severity: str
    routed_to: str
    member: str  # masked ID number of the member concerned
    declared: str
    found: str
    refs: str
    source: str
    as_of: str
    document_no: str
    status: str
    resolution: str
    note: str
    household_status: str


def _scope(actor: Actor):
    """Households in the actor's regions; findings routed to the county only where the actor covers a county."""
    parts = []
    for p in region_paths_in_scope(actor, Role.OFFICER):
        inside = and_(Household.region_path >= p, Household.region_path < p + "~")
        county_level = len([x for x in p.split("/") if x]) <= 3
        parts.append(inside if county_level else and_(inside, Finding.routed_to == "township"))
    return or_(*parts) if parts else Household.region_path == "/none/"


def queue(session: Session, actor: Actor, f: Filters, *, limit: int = PAGE) -> tuple[list[QueueFinding], int]:
    """The findings of register runs in the actor's regions, newest first, with the total matching."""
    stmt = (select(Finding, Household, Region.name)
            .join(Household, Household.code == Finding.household_id)
            .join(Region, Region.id == Household.village_id)
            .where(Finding.scope == SCOPE_REGISTER, _scope(actor)))
    if f.rule in vr.RULES:
        stmt = stmt.where(Finding.rule == f.rule)
    if f.status in ("new", "open", "resolved"):
        stmt = stmt.where(Finding.status == f.status)
    else:
        stmt = stmt.where(Finding.status != "resolved")
    if f.settled == "no":
        stmt = stmt.where(Finding.resolution.is_(None))
    elif f.settled == "yes":
        stmt = stmt.where(Finding.resolution.is_not(None))
    if f.township:
        stmt = stmt.where(Finding.township_code == f.township[:12])
    total = session.scalar(select(func.count()).select_from(stmt.with_only_columns(Finding.id).subquery())) or 0
    rows = session.execute(stmt.order_by(Finding.id.desc()).limit(limit)).all()
    hashes = {fd.member_id_hash for fd, _, _ in rows if fd.member_id_hash}
    numbers = dict(session.execute(select(Member.id_hash, Member.id_number).where(Member.id_hash.in_(hashes)))
                   .all()) if hashes else {}
    out = [QueueFinding(fd.id, hh.code, hh.head_name, village, fd.township_code, fd.rule, fd.severity, fd.routed_to,
                        mask_id_number(numbers[fd.member_id_hash]) if fd.member_id_hash in numbers else "",
                        show_value(fd.rule, fd.declared_value), show_value(fd.rule, fd.found_value),
                        " · ".join(fd.record_refs or []), source_of(fd.rule),
                        fd.as_of.isoformat() if fd.as_of else "", fd.document_no, fd.status, fd.resolution or "",
                        fd.resolution_note or "", hh.status) for fd, hh, village in rows]
    return out, total


def counts(session: Session, actor: Actor) -> list[tuple[str, str, int]]:
    """(township code, rule, unresolved count) in the actor's regions, for the summary above the list."""
    stmt = (select(Finding.township_code, Finding.rule, func.count())
            .join(Household, Household.code == Finding.household_id)
            .where(Finding.scope == SCOPE_REGISTER, Finding.status != "resolved", Finding.resolution.is_(None),
                   _scope(actor))
            .group_by(Finding.township_code, Finding.rule).order_by(Finding.township_code, Finding.rule))
    return [(t, r, n) for t, r, n in session.execute(stmt)]


def batches_older_than(session: Session, cutoff: date) -> list[SourceBatch]:
    return list(session.execute(select(SourceBatch).where(SourceBatch.as_of < cutoff)).scalars())
