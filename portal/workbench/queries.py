"""The officers' and staff's workbench: one to-do list (今日待办) and one search box across the domains.

Read-only aggregation: every item comes from a domain's own queries or services, which check role + region with the
one guard themselves, so this package adds no rule about who may see what. No domain imports the workbench.

To-do, for the signed-in person: application steps their own office handles (and, for the level above, overdue
steps at the offices below it), reports they own or nobody has taken yet (首问负责) and other officers' overdue ones,
rewards waiting for a second officer's approval, 差评 follow-ups (staff: their window's open cases; officers: appeals
to decide and overdue cases), rewards waiting for payment (finance), the re-verification findings still new in
their townships, cases whose household check waits on a department or on the applicant's answer (due, or lapsed:
the officer may proceed), a supervisor's evaluations not yet submitted, and annual reports (the office's own to
write and send, lower offices' to review, and below: lower offices' overdue ones). Overdue first, then by due date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from portal.accounts.models import Role
from portal.annual import services as annual
from portal.applications import queries as applications
from portal.evaluations import services as evaluations
from portal.kernel import routes
from portal.kernel.base import utcnow
from portal.kernel.permissions import Actor, region_paths_in_scope
from portal.kernel.workdays import china_today
from portal.ratings import services as ratings
from portal.regions import services as regions
from portal.register import rules as id_rules
from portal.register import services as register
from portal.reports import services as reports
from portal.verification import services as verification

WAIT_STEPS = {"check_waiting": "workbench.step.check_waiting", "answer_due": "workbench.step.answer_due",
              "answer_lapsed": "workbench.step.answer_lapsed"}
KINDS = ("application", "report", "reward", "followup", "payment", "finding", "evaluation", "annual")
MAX_ITEMS = 300


@dataclass(frozen=True)
class TodoItem:
    kind: str  # one of KINDS
    ref: str  # application number, report receipt, window code …
    title: str  # applicant, report subject, window name …
    step: str  # a catalog key: what is waiting (the step, the report status …)
    place: str  # office, region or window
    due_on: date | None
    overdue: bool
    mine: bool  # False: overdue below the officer's own level (they answer for it)
    href: str
    count: int = 1  # findings: how many in that township


def _sort(items: list[TodoItem]) -> list[TodoItem]:
    return sorted(items, key=lambda i: (not i.overdue, i.due_on or date.max, i.kind, i.ref))[:MAX_ITEMS]


def _officer_items(session: Session, actor: Actor, today: date) -> list[TodoItem]:
    items = [TodoItem("application", w.number, w.applicant, f"apply.step.{w.kind}", w.office, w.due_on, w.overdue,
                      w.mine, routes.officer_application(w.number))
             for w in applications.waiting_steps(session, actor, today=today)]
    now = utcnow()
    for r in reports.inbox(session, actor, reports.InboxFilter(), now=now, limit=MAX_ITEMS):
        if r.mine or not r.owner or r.overdue:
            due = r.conclude_due if r.status != "new" else r.acknowledge_due
            items.append(TodoItem("report", r.receipt, r.subject, f"report.status.{r.status}", r.region_name, due,
                                  r.overdue, r.mine or not r.owner, routes.OFFICER_REPORTS))
    for rw in reports.rewards_waiting(session, actor):
        items.append(TodoItem("reward", rw.receipt, rw.region_name, "workbench.step.reward_approve", rw.region_name,
                              None, False, True, routes.OFFICER_REPORTS))
    for path in region_paths_in_scope(actor, Role.OFFICER):
        for c in ratings.list_cases(session, actor, region_path=path, today=today, limit=MAX_ITEMS):
            if c.status in ("answered", "appealed") or c.overdue:
                items.append(TodoItem("followup", c.window_code, c.window_name, f"workbench.step.followup_{c.status}",
                                      c.window_name, c.resolve_due, c.overdue, c.status in ("answered", "appealed"),
                                      routes.OFFICER_RATINGS))
    items += [TodoItem("application", w.number, w.applicant, WAIT_STEPS[w.kind], "", w.due_on, w.overdue,
                       True, routes.officer_application(w.number))
              for w in applications.verification_waits(session, actor, today=today)]
    items += _findings(session, actor)
    items += _annual_items(session, actor, today)
    return items


def _annual_items(session: Session, actor: Actor, today: date) -> list[TodoItem]:
    return [TodoItem("annual", f"{w.year}" if w.quarter == 0 else f"{w.year}Q{w.quarter}", w.region,
                     f"workbench.step.annual_{w.step}", w.region, w.due_on, w.overdue, w.mine,
                     routes.OFFICER_ANNUAL_REPORTS) for w in annual.waiting(session, actor, today=today)]


def _findings(session: Session, actor: Actor) -> list[TodoItem]:
    paths = region_paths_in_scope(actor, Role.OFFICER)
    new: dict[str, int] = {}
    for township, _rule, status, count in verification.counts_by_township(session):
        if status == "new":
            new[township] = new.get(township, 0) + int(count)
    out = []
    for code, count in sorted(new.items()):
        region = regions.by_code(session, code)
        if region is not None and any(region.path.startswith(p) for p in paths):
            out.append(TodoItem("finding", code, region.name, "workbench.step.findings", region.name, None, False,
                                True, routes.officer_region(code), count))
    return out


def _evaluation_items(session: Session, actor: Actor, today: date) -> list[TodoItem]:
    """A supervisor's targets not yet submitted in open rounds, due with the round."""
    return [TodoItem("evaluation", target.label, rnd.title, f"workbench.step.evaluation_{target.status}", "",
                     rnd.due_on, rnd.due_on < today, True, routes.supervisor_evaluate(target.assignment_id))
            for rnd in evaluations.my_open_rounds(session, actor) for target in rnd.targets
            if target.status != "submitted"]


def todo(session: Session, actor: Actor, *, today: date | None = None) -> list[TodoItem]:
    """Everything waiting on the signed-in person, overdue first."""
    today = today or china_today()
    items: list[TodoItem] = []
    if actor.has_role(Role.OFFICER):
        items += _officer_items(session, actor, today)
    if actor.has_role(Role.WINDOW_STAFF) and actor.window_id is not None:
        for c in ratings.list_cases(session, actor, window_id=actor.window_id, today=today):
            if c.status == "open":
                items.append(TodoItem("followup", c.window_code, c.window_name, "workbench.step.followup_open",
                                      c.window_name, c.resolve_due, c.overdue, True, routes.STAFF_HOME))
    if actor.has_role(Role.SUPERVISOR):
        items += _evaluation_items(session, actor, today)
    if actor.has_role(Role.FINANCE):
        for rw in reports.finance_queue(session, actor):
            items.append(TodoItem("payment", rw.receipt, rw.region_name, "workbench.step.payment", rw.region_name,
                                  None, False, True, routes.OFFICER_REPORTS))
    return _sort(items)


@dataclass(frozen=True)
class Counts:
    total: int
    overdue: int
    below: int  # overdue at offices below the officer's own level


def counts(items: list[TodoItem]) -> Counts:
    return Counts(len(items), sum(1 for i in items if i.overdue), sum(1 for i in items if i.overdue and not i.mine))


@dataclass(frozen=True)
class Hit:
    kind: str  # application | household | report | rating | window
    ref: str
    title: str
    place: str
    status: str  # a catalog key
    href: str


def search(session: Session, actor: Actor, needle: str) -> list[Hit]:
    """One box: an application number, a name (applicant or register household head), an ID number (through the
    register's keyed hash, audited), a report receipt, a rating receipt or a window code; only inside the officer's
    regions (each domain's query applies the guard)."""
    needle = (needle or "").strip()[:40]
    if not needle:
        return []
    hits: list[Hit] = []
    digits = "".join(c for c in needle if c.isdigit())
    if len(needle) == 18 or (len(digits) == 17 and needle[-1:].upper() == "X"):
        try:
            for m in register.find_by_id(session, actor, needle):
                hits.append(Hit("household", m.household_code, m.name + " " + m.masked_id, m.village,
                                f"workbench.household.{m.status}", ""))
        except id_rules.IdNumberError:
            pass
    if len(digits) == 16:
        report = reports.find_by_receipt(session, actor, needle)
        if report is not None:
            hits.append(Hit("report", report.receipt, report.subject, report.region_name,
                            f"report.status.{report.status}", routes.OFFICER_REPORTS))
    rating = ratings.find_by_receipt(session, actor, needle)
    if rating is not None:
        hits.append(Hit("rating", rating.receipt, rating.window_name, rating.rated_on.isoformat(),
                        f"workbench.rating_level.{rating.level}", routes.OFFICER_RATINGS))
    window = regions.window_in_scope(session, actor, needle)
    if window is not None:
        hits.append(Hit("window", window.code, f"{window.office_name} {window.name}", "", "", routes.OFFICER_RATINGS))
    for c in applications.search(session, actor, needle):
        hits.append(Hit("application", c.number, c.applicant, c.village, f"apply.status.{c.status}",
                        routes.officer_application(c.number)))
    if not digits:
        for h in register.search_households(session, actor, needle):
            hits.append(Hit("household", h.code, h.head_name, h.village, f"workbench.household.{h.status}", ""))
    return hits
