"""Read models of applications, each function checking role + region with the one guard first (officers) or the
number + secret (residents): the case's whole history (who did what, when, the note, the outcome, the attachments),
what the signed-in officer may do on a case, the cases waiting for publicity grouped by township, the queue as rows
for the export; and the resident's tracking page in its own unit of work (the page holds no session): the case, its
steps and what the household economic check found (the kinds of records only). The resident's one write here,
answering a finding, goes through `services.answer_finding`. And the application wizard's pages (`wizard_page`,
with the check-your-answers page's lines), opened with the number and secret the tab holds.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import Role, User
from portal.applications import rules
from portal.applications import services as svc
from portal.applications.eligibility import rules as el
from portal.applications.models import Application, ApplicationStep
from portal.i18n import text
from portal.kernel.db import session_scope
from portal.kernel.masking import mask_id_number
from portal.kernel.permissions import Actor, PermissionDenied, authorize, region_paths_in_scope
from portal.kernel.workdays import CHINA_TZ, china_date, china_today
from portal.regions import queries as region_queries
from portal.regions import services as regions
from portal.regions.models import Region
from portal.verification import queries as verification_queries
from portal.verification import services as verification
from portal.verification.models import CHECK_WAITING, Finding, OnlineCheck


@dataclass(frozen=True)
class HistoryRow:
    """One event of a case, oldest first. `actor` is the officer's display name ('' for the resident or the
    system); `note` is what they wrote (findings, reasons, the 补正 free text); `attachments` are document kinds."""

    kind: str  # "submitted" or a step kind (svc.STEP_KINDS)
    state: str  # open | done
    office: str
    actor: str
    started_on: str
    done_at: str  # China time, "YYYY-MM-DD HH:MM"; "" while open
    due_on: str
    outcome: str
    note: str
    materials: tuple[str, ...]
    attachments: tuple[str, ...]


def _fmt(at: datetime | None) -> str:
    """China time; naive values are taken as already local, like `china_date`."""
    if at is None:
        return ""
    return (at.astimezone(CHINA_TZ) if at.tzinfo else at).strftime("%Y-%m-%d %H:%M")


def history(session: Session, actor: Actor, app: Application) -> list[HistoryRow]:
    """Every step of the case in order, with the notes written at each (survey, cross-check, 初审, county)."""
    svc.get_for_officer(session, actor, app.number)  # the guard: role + region
    rows = svc.steps(session, app)
    users = {u.id: u.display_name for u in session.execute(select(User).where(
        User.id.in_({s.actor_id for s in rows if s.actor_id}))).scalars()}
    offices = {r.id: r for r in session.execute(select(Region).where(
        Region.id.in_({s.office_region_id for s in rows if s.office_region_id}))).scalars()}
    docs = svc.documents(session, app)
    submitted = app.submitted_at
    # Photos added for a 补正 belong to that step (between its request and the resident's answer); the rest came
    # with the application.
    windows = [(s, _naive(s.started_at), _naive(s.done_at) if s.done_at else None) for s in rows
               if s.kind == svc.STEP_MATERIALS]

    def for_materials(step: ApplicationStep) -> tuple[str, ...]:
        return tuple(d.kind for d in docs for w, start, end in windows
                     if w is step and _naive(d.uploaded_at) > start and (end is None or _naive(d.uploaded_at) <= end))

    with_materials = {d.id for d in docs for w, start, end in windows
                      if _naive(d.uploaded_at) > start and (end is None or _naive(d.uploaded_at) <= end)}
    out = [HistoryRow("submitted", "done", "", app.applicant_name, china_date(submitted).isoformat() if submitted
                      else "", _fmt(submitted), "", "", "", (),
                      tuple(d.kind for d in docs if d.id not in with_materials))]
    for s in rows:
        attachments = for_materials(s) if s.kind == svc.STEP_MATERIALS else ()
        note = s.note or ""
        if s.kind == svc.STEP_PUBLICITY:
            note = ""  # the step keeps the roster batch id there, not words anyone wrote
        out.append(HistoryRow(s.kind, s.state, svc.office_name(session, offices.get(s.office_region_id)),
                              users.get(s.actor_id, "") if s.actor_id else "", s.started_on.isoformat(),
                              _fmt(s.done_at), s.due_on.isoformat() if s.due_on else "", s.outcome or "", note,
                              tuple(s.materials or ()), attachments))
    return out


def _naive(at: datetime) -> datetime:
    """Comparable timestamps whether the database gave them back aware (PostgreSQL) or naive UTC (SQLite)."""
    return at if at.tzinfo is None else at.astimezone(timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class CasePowers:
    """Which forms the officer is shown on a case: the county-only ones (审核确认, 延长时限, the county visit) only
    to an officer whose grant covers the case's county; 同意 only once the case has been through publicity."""

    county: bool
    can_extend: bool
    can_approve: bool


def powers(session: Session, actor: Actor, app: Application) -> CasePowers:
    village = session.get(Region, app.village_id) if app.village_id else None
    county = svc._county_of(session, village) if village is not None else None
    try:
        authorize(actor, Role.OFFICER, county.path if county is not None else "/nonexistent/")
        is_county = True
    except PermissionDenied:
        is_county = False
    return CasePowers(is_county, is_county and app.status in svc.ALLOWED["extend"] and not app.extended,
                      is_county and app.status == svc.PUBLICITY)


@dataclass(frozen=True)
class PublicityCandidate:
    number: str
    applicant: str
    village: str
    village_code: str
    household: int
    amount_fen: int
    decided_on: str  # the 初审 date


@dataclass(frozen=True)
class PublicityGroup:
    """A township's cases approved at 初审 and waiting to be published together."""

    township: str
    township_code: str
    cases: tuple[PublicityCandidate, ...]


def publicity_candidates(session: Session, actor: Actor) -> list[PublicityGroup]:
    authorize(actor, Role.OFFICER)
    paths = region_paths_in_scope(actor, Role.OFFICER)
    apps = list(session.execute(select(Application).where(
        Application.status == svc.TO_PUBLISH, svc._in_scope(Application.region_path, paths))
        .order_by(Application.region_path, Application.submitted_at, Application.id)).scalars())
    groups: dict[int, list[PublicityCandidate]] = {}
    townships: dict[int, Region] = {}
    for a in apps:
        village = session.get(Region, a.village_id)
        township = svc._township_of(session, village)
        townships[township.id] = township
        prelim = session.execute(select(ApplicationStep.done_at).where(
            ApplicationStep.application_id == a.id, ApplicationStep.kind == svc.STEP_PRELIMINARY,
            ApplicationStep.outcome == "approve").order_by(ApplicationStep.id.desc())).scalars().first()
        groups.setdefault(township.id, []).append(PublicityCandidate(
            a.number, a.applicant_name, village.name, village.code, svc.publicity_size(session, a),
            int(a.monthly_amount_fen or 0), china_date(prelim).isoformat() if prelim else ""))
    return [PublicityGroup(townships[k].name, townships[k].code, tuple(v)) for k, v in groups.items()]


@dataclass(frozen=True)
class QueueExportRow:
    number: str
    applicant: str
    village: str
    status: str
    submitted_on: date | None
    next_due: date | None
    overdue: bool
    amount_fen: int | None


def queue_for_export(session: Session, actor: Actor, *, status: str = "", overdue_only: bool = False,
                     limit: int = 5000) -> list[QueueExportRow]:
    """The queue the officer sees, every page of it, with real dates and amounts for the spreadsheet."""
    rows = svc.queue(session, actor, status=status, overdue_only=overdue_only, limit=limit)
    amounts = dict(session.execute(select(Application.number, Application.monthly_amount_fen).where(
        Application.number.in_([r.number for r in rows]))).all())
    return [QueueExportRow(r.number, r.applicant, r.village, r.status,
                           date.fromisoformat(r.submitted_on) if r.submitted_on else None,
                           date.fromisoformat(r.next_due) if r.next_due else None, r.overdue, amounts.get(r.number))
            for r in rows]


@dataclass(frozen=True)
class CaseDetail:
    """Everything the officer's case page shows, read in one unit of work. `phone` and the members' full ID numbers
    (`ids.full`) are for `show_once` only, never for a state var."""

    app_number: str
    applicant: str
    phone: str
    place: str
    status: str
    related: bool
    related_detail: str
    answers: dict
    assessed_on: str
    verdict: object  # el.Assessment | None
    ids: svc.MemberIds
    documents: tuple[tuple[int, str], ...]  # (id, kind)
    track: svc.TrackView
    history: tuple[HistoryRow, ...]
    powers: CasePowers
    findings: tuple = ()  # what the household economic check found (services.findings_for_officer)
    can_resolve: bool = False  # findings can be settled at this stage (before 初审)
    check: object = None  # verification.services.OnlineCheckView: the online check at acceptance, if there is one
    reassessment: object = None  # ReassessmentView: the verdict re-assessed with accepted findings, if it was


@dataclass(frozen=True)
class ReassessedChange:
    finding: int
    rule: str
    member: str  # the member's name ('' for a household value)
    declared: str  # as people read it
    found: str
    weighed: bool  # False: the engine weighs nothing the finding is about (a duplicate, a public employee)


@dataclass(frozen=True)
class ReassessmentView:
    """The case's verdict as first assessed (on the household as declared) against the latest re-assessment, and the
    accepted findings whose values the latest one used."""

    before_outcome: str
    before_amount_fen: int
    after_outcome: str
    after_amount_fen: int
    by: str
    at: str  # China time
    times: int  # how many re-assessments the case has had
    changes: tuple[ReassessedChange, ...]


def reassessment_view(session: Session, app: Application) -> ReassessmentView | None:
    rows = svc.reassessments(session, app)
    if not rows:
        return None
    latest, first = rows[0], rows[-1]
    changes = tuple(ReassessedChange(int(c["finding"]), str(c["rule"]), str(c.get("member", "")),
                                     verification_queries.show_value(c["rule"], str(c.get("declared", ""))),
                                     verification_queries.show_value(c["rule"], str(c.get("found", ""))),
                                     bool(c.get("field"))) for c in latest.changes or [])
    return ReassessmentView(first.outcome_before or "", first.amount_before_fen or 0, latest.outcome_after or "",
                            latest.amount_after_fen or 0, latest.created_by, _fmt(latest.created_at), len(rows),
                            changes)


def case_detail(session: Session, actor: Actor, number: str) -> CaseDetail:
    app = svc.get_for_officer(session, actor, number)
    a = app.answers or {}
    village = session.get(Region, app.village_id) if app.village_id else None
    place = " · ".join(r.name for r in regions.ancestors(session, village)[-3:]) if village else ""
    return CaseDetail(
        app.number, app.applicant_name, str((a.get("applicant") or {}).get("phone", "")), place, app.status,
        app.related_to_staff, str((a.get("related") or {}).get("detail", "")), a,
        app.assessed_on.isoformat() if app.assessed_on else "", svc.assessment(session, app),
        svc.member_ids_for_officer(session, actor, app), tuple((d.id, d.kind) for d in svc.documents(session, app)),
        svc.track(session, app), tuple(history(session, actor, app)), powers(session, actor, app),
        tuple(svc.findings_for_officer(session, actor, app)), app.status in svc.ALLOWED["resolve_finding"],
        verification.online_check(session, app.id), reassessment_view(session, app))


@dataclass(frozen=True)
class WaitingStep:
    """An open step of a case for the to-do list: `mine` when the officer's own office handles it, else it is an
    overdue step at an office below theirs (the level above answers for it)."""

    number: str
    applicant: str
    kind: str
    office: str
    due_on: date | None
    overdue: bool
    mine: bool


def waiting_steps(session: Session, actor: Actor, *, today: date | None = None, limit: int = 500) -> list[WaitingStep]:
    authorize(actor, Role.OFFICER)
    today = today or china_today()
    own = {g.region_path for g in actor.grants if g.role == Role.OFFICER}
    paths = region_paths_in_scope(actor, Role.OFFICER)
    rows = session.execute(
        select(ApplicationStep, Application, Region).join(Application, Application.id == ApplicationStep.application_id)
        .join(Region, Region.id == ApplicationStep.office_region_id)
        .where(ApplicationStep.state == "open", ApplicationStep.kind != svc.STEP_MATERIALS,
               Application.status != svc.DRAFT, svc._in_scope(Application.region_path, paths))
        .order_by(ApplicationStep.due_on, ApplicationStep.id).limit(limit)).all()
    out = []
    for step, app, office in rows:
        overdue = svc.is_overdue(step, today)
        mine = office.path in own
        if mine or overdue:
            out.append(WaitingStep(app.number, app.applicant_name, step.kind, svc.office_name(session, office),
                                   step.due_on, overdue, mine))
    return out


@dataclass(frozen=True)
class VerificationWait:
    """A case in the officer's regions that waits on the household check: its online check waits on a department
    (`kind` check_waiting), or the applicant's time to answer a finding runs (answer_due) or ran out unanswered
    (answer_lapsed: the officer may now settle it, refusal included)."""

    number: str
    applicant: str
    kind: str
    due_on: date | None
    overdue: bool


def verification_waits(session: Session, actor: Actor, *, today: date | None = None,
                       limit: int = 500) -> list[VerificationWait]:
    authorize(actor, Role.OFFICER)
    today = today or china_today()
    paths = region_paths_in_scope(actor, Role.OFFICER)
    live = (svc.INVESTIGATING, svc.RECHECK, svc.PRELIMINARY)
    scope = (Application.status.in_(live), svc._in_scope(Application.region_path, paths))
    out: list[VerificationWait] = []
    for number, name, _status in session.execute(
            select(Application.number, Application.applicant_name, OnlineCheck.status)
            .join(OnlineCheck, OnlineCheck.application_id == Application.id)
            .where(OnlineCheck.status == CHECK_WAITING, *scope).limit(limit)):
        out.append(VerificationWait(number, name, "check_waiting", None, False))
    for number, name, due in session.execute(
            select(Application.number, Application.applicant_name, func.min(Finding.answer_due_on))
            .join(Finding, Finding.application_id == Application.id)
            .where(Finding.resolution.is_(None), Finding.applicant_answer.is_(None),
                   Finding.answer_due_on.is_not(None), *scope)
            .group_by(Application.number, Application.applicant_name).limit(limit)):
        lapsed = due < today
        out.append(VerificationWait(number, name, "answer_lapsed" if lapsed else "answer_due", due, lapsed))
    return out


@dataclass(frozen=True)
class CaseHit:
    number: str
    applicant: str
    village: str
    status: str


def search(session: Session, actor: Actor, needle: str, *, limit: int = 20) -> list[CaseHit]:
    """Cases in the officer's regions by application number (exact) or applicant name (part of it)."""
    authorize(actor, Role.OFFICER)
    needle = (needle or "").strip()[:32]
    if not needle:
        return []
    paths = region_paths_in_scope(actor, Role.OFFICER)
    cond = Application.applicant_name.contains(needle, autoescape=True)
    if needle.upper().startswith("SQ"):
        cond = cond | (Application.number == needle.upper())
    apps = session.execute(select(Application).where(Application.status != svc.DRAFT,
                                                     svc._in_scope(Application.region_path, paths), cond)
                           .order_by(Application.id.desc()).limit(limit)).scalars().all()
    villages = {r.id: r.name for r in session.execute(select(Region).where(
        Region.id.in_({a.village_id for a in apps if a.village_id}))).scalars()}
    return [CaseHit(a.number, a.applicant_name, villages.get(a.village_id, ""), a.status) for a in apps]


def cases_of_households(session: Session, actor: Actor, application_ids: list[int]) -> list[CaseHit]:
    """The cases that brought these register households in (for a look-up by ID number), in the officer's regions."""
    authorize(actor, Role.OFFICER)
    if not application_ids:
        return []
    paths = region_paths_in_scope(actor, Role.OFFICER)
    apps = session.execute(select(Application).where(Application.id.in_(application_ids),
                                                     svc._in_scope(Application.region_path, paths))).scalars().all()
    return [CaseHit(a.number, a.applicant_name, a.village.name if a.village else "", a.status) for a in apps]


# --- the resident's tracking page ---

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


# --- the application wizard (/apply) ------------------------------------------------------------------------------

@dataclass(frozen=True)
class HeldCase:
    """The application a wizard tab holds, as its page opens: a draft, a case waiting for materials, or a submitted
    case with what its receipt says (the step the resident waits for)."""

    status: str
    receipt: svc.StepView | None


def held_case(session: Session, number: str, secret: str) -> HeldCase | None:
    app = svc.resume(session, number, secret) if number else None
    if app is None:
        return None
    submitted = app.status not in (svc.DRAFT, svc.MATERIALS)
    return HeldCase(app.status, svc.next_step(session, app) if submitted else None)


@dataclass(frozen=True)
class CheckItem:
    """One answer with its question's label ("Age (years): 50"), written in both languages."""

    zh: str
    en: str


@dataclass(frozen=True)
class CheckLine:
    """A row of the check-your-answers page: one wizard page with its change link."""

    label: str  # message key
    value: str
    value_key: str  # a message key when the answer is a choice, else ""
    items: tuple[CheckItem, ...]  # a page with several answers: each with its own label
    screen: str
    index: int
    anchor: str


@dataclass(frozen=True)
class DocumentLine:
    id: int
    kind: str


@dataclass(frozen=True)
class WizardPage:
    """One wizard page with the draft's values: the form's inputs, and what the page lists (the villages of the
    township, the adults asked to consent, the photos, the check-your-answers lines)."""

    screen: str
    form: dict[str, str]
    members: int
    member_name: str  # a member's or income page: whom it is about
    township_code: str  # the village page: the township of the village chosen (else as the tab had it)
    villages: tuple[region_queries.RegionLine, ...] = ()
    adults: tuple[rules.Adult, ...] = ()
    documents: tuple[DocumentLine, ...] = ()
    check: tuple[CheckLine, ...] = ()


def wizard_page(session: Session, number: str, secret: str, screen: str, township_code: str = "", *,
                materials_ok: bool = False) -> WizardPage:
    """`screen` of the tab's draft (services.NoDraft when there is none, or it is no longer a draft)."""
    return _page(session, svc.open_draft(session, number, secret, materials_ok=materials_ok), screen, township_code)


def page_before(session: Session, number: str, secret: str, screen: str, township_code: str = "") -> WizardPage:
    """The back link: the page before `screen`, in the order the draft's own household gives the pages."""
    app = svc.open_draft(session, number, secret)
    return _page(session, app, rules.previous_screen(len(rules.members_of(app.answers)), screen), township_code)


def _page(session: Session, app: Application, screen: str, township_code: str) -> WizardPage:
    answers = app.answers or {}
    page = WizardPage(screen, rules.form_for(answers, screen), len(rules.members_of(answers)),
                      rules.member_name(answers, screen), township_code)
    kind = rules.kind_of(screen)
    if kind == "village":
        return _village_page(session, page, str(answers.get("village", "")))
    if kind == "consent":
        return replace(page, adults=tuple(rules.adults(answers)))
    if kind == "documents":
        return replace(page, documents=tuple(DocumentLine(d.id, d.kind) for d in svc.documents(session, app)))
    if kind == "check":
        return replace(page, check=tuple(check_lines(session, app)))
    return page


def _village_page(session: Session, page: WizardPage, code: str) -> WizardPage:
    village = regions.by_code(session, code)
    township = village.path.strip("/").split("/")[-2] if village else page.township_code
    return replace(page, form={"village": village.code if village else ""}, township_code=township,
                   villages=tuple(region_queries.villages_of(session, township)))


def check_lines(session: Session, app: Application) -> list[CheckLine]:
    """The check-your-answers page: one row per wizard page (with its change link), each answer with its label."""
    a = app.answers or {}
    rows: list[CheckLine] = []

    def row(label: str, value: str, screen: str, anchor: str = "", value_key: str = "",
            items: list[CheckItem] | None = None) -> None:
        rows.append(CheckLine(label, value, value_key, tuple(items or ()), screen, len(rows), anchor or screen))

    def item(label_key: str, value_key: str, **params: object) -> CheckItem:
        """'label: value' in both languages; the value is itself a catalog key with its parameters."""
        return CheckItem(**{lang: text("apply.check_item", lang, label=text(label_key, lang),
                                       value=text(value_key, lang, **params)) for lang in ("zh", "en")})

    def plain(label_key: str, value: object) -> CheckItem:
        """'label: value' for a value typed by the resident (a name, a number)."""
        return CheckItem(**{lang: text("apply.check_item", lang, label=text(label_key, lang), value=value)
                            for lang in ("zh", "en")})

    def words(value_key: str, **params: object) -> CheckItem:
        return CheckItem(zh=text(value_key, "zh", **params), en=text(value_key, "en", **params))

    def money(fen: object) -> str:
        return el.yuan(fen) if isinstance(fen, int) and not isinstance(fen, bool) else str(fen)

    village = regions.by_code(session, str(a.get("village", "")))
    chain = " · ".join(r.name for r in regions.ancestors(session, village)[-3:]) if village else ""
    row("apply.q.village", chain, "village")
    residence = str(a.get("residence", ""))
    row("apply.q.residence", "", "residence",
        value_key=f"screen.residence.{residence}" if residence in el.RESIDENCES else "")
    applicant = a.get("applicant") or {}
    row("apply.q.applicant", "", "applicant", items=[plain("apply.name", applicant.get("name", "")),
                                                      plain("apply.phone", applicant.get("phone", ""))])
    members = a.get("members") or []
    row("apply.q.size", str(len(members)), "size")
    for i, m in enumerate(members):
        rel = str(m.get("relationship", ""))
        grade = m.get("disability_grade", 0)
        details = [plain("apply.name", m.get("name", "")),
                   plain("register.id_number", mask_id_number(str(m.get("id_number", "")))),
                   item("apply.relationship", f"apply.rel.{rel}") if rel in el.RELATIONSHIPS
                   else plain("apply.relationship", ""),
                   plain("apply.age", m.get("age", "")),
                   item("apply.disability", f"apply.grade.{grade}") if grade in (0, 1, 2, 3, 4)
                   else plain("apply.disability", grade),
                   item("apply.illness", "apply.yes" if m.get("serious_illness") else "apply.no"),
                   item("apply.student", "apply.yes" if m.get("student") else "apply.no")]
        row("apply.check_member", "", f"member-{i}", f"member-{i}", items=details)
        incomes = m.get("incomes") or {}
        lines = [item(f"elig.kind.{kind}", "apply.check_yuan_month", amount=money(fen))
                 for kind, fen in incomes.items() if kind in el.INCOME_KINDS]
        row("apply.check_income", "", f"income-{i}", f"income-{i}",
            items=[plain("apply.name", m.get("name", "")), *lines] if lines
            else [plain("apply.name", m.get("name", "")), item("apply.check_income", "apply.check_none")])
    assets = a.get("assets") or {}
    row("apply.q.assets", "", "assets", items=[
        plain("apply.deposits", money(assets.get("deposits", 0))),  # the label carries the unit
        plain("apply.vehicles", assets.get("vehicles", 0)),
        plain("apply.houses", assets.get("houses", 0)),
        plain("apply.housing_area", assets.get("housing_area", 0)),
        plain("apply.businesses", assets.get("businesses", 0))])
    related = a.get("related") or {}
    row("apply.q.related", "", "related",
        value_key={True: "apply.yes", False: "apply.no"}.get(related.get("any"), ""),
        items=[plain("apply.related_detail", related["detail"])] if related.get("detail") else [])
    consent = set(a.get("consent") or [])
    adults = rules.adult_indexes(a)
    # One answer under its question: the heading is the label.
    row("apply.q.consent", "", "consent", items=[words("apply.check_consent", n=len(consent & set(adults)),
                                                       total=len(adults))])
    row("apply.q.documents", "", "documents",
        items=[words("apply.check_documents", n=len(svc.documents(session, app)))])
    return rows
