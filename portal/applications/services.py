"""Applications (低保申请): drafts, submission, the case lifecycle with working-day deadlines, and officer actions.

Resident side (no account): `create_draft` returns the public application number and a secret shown once (the
grouped form of report secrets, kernel/codes); `resume(number, secret)` opens the draft again; `save_section` stores
the answers page by page (the wizard's use cases, `save_village` … `submit_draft`, one per page of /apply, each
opening the draft with the tab's number and secret); `add_document` takes a photo through the one image intake;
`submit` checks everything and opens the first step, and `next_step` is what its receipt says: who handles the case
and by when. `track` is what the tracking page shows: every step, its deadline in working days, the office handling
it, and the ONE list of missing materials.

Officer side (role + region with the one guard, every action audited): accept or request materials (补正), record the
home survey (入户调查), the registry cross-check (核对, through services.crosscheck), the recheck (复查) when disputed,
the county home visit for relatives of staff/cadres, the preliminary decision (初审), send to publicity (公示, through
services.roster), and the county decision (审核确认) with written reasons. Each action is allowed only from the
statuses listed in `ALLOWED`, so no step can be skipped.

Deadlines (DOMAIN.md "Application lifecycle"): home survey and cross-check start ≤ 3 WD after acceptance, county
decision ≤ 10 WD after publicity, written refusal ≤ 3 WD, whole process ≤ 30 WD from acceptance. DOMAIN.md sets no
limit for acceptance, the recheck, the county visit or the preliminary decision: acceptance and the recheck use 3 WD
(like the other intake steps), the visit and the preliminary decision are due by the whole-process deadline.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from portal.kernel.errors import DomainError
from portal.kernel.images import StoredImage
from portal.kernel import images
from portal.kernel import codes
from portal.accounts.models import Role
from portal.applications.models import Application, ApplicationDocument, ApplicationStep, Reassessment
from portal.applications import rules
from portal.applications.rules import MAX_NAME, adult_indexes
from portal.kernel.base import utcnow
from portal.kernel.hashing import keyed_hash, same
from portal.regions.models import Region, RegionLevel
from portal.kernel import audit
from portal.applications import crosscheck
from portal.applications.eligibility import services as eligibility_params
from portal.kernel import throttle as lookup_throttle
from portal.regions import services as regions
from portal.kernel import text_rules
from portal.applications.eligibility import rules as el
from portal.register import rules as id_rules
from portal.register import services as register
from portal.roster import services as roster
from portal.verification import queries as verification_queries
from portal.verification import services as verification
from portal.kernel import calendar_store
from portal.kernel.calendar_store import load_calendar
from portal.kernel.masking import mask_id_number
from portal.kernel.images import IntakePolicy, PrivateImageStore
from portal.kernel.permissions import Actor, authorize, region_paths_in_scope
from portal.kernel.workdays import WorkCalendar, china_date, china_today
from portal.kernel.db import session_scope

# --- statuses and steps -----------------------------------------------------------------------------------------

DRAFT = "draft"
SUBMITTED = "submitted"  # 已提交, waiting for acceptance
MATERIALS = "materials"  # 补正: waiting for the resident's materials
INVESTIGATING = "investigating"  # 受理: home survey + cross-check (+ county visit)
RECHECK = "recheck"  # 复查: the applicant disputes the cross-check
PRELIMINARY = "preliminary"  # waiting for 初审
TO_PUBLISH = "to_publish"  # 初审 proposes approval: to publicity
PUBLICITY = "publicity"  # 初审公示, 7 days
COUNTY = "county"  # 审核确认 by the county
APPROVED = "approved"
REFUSED = "refused"
STATUSES = (DRAFT, SUBMITTED, MATERIALS, INVESTIGATING, RECHECK, PRELIMINARY, TO_PUBLISH, PUBLICITY, COUNTY,
            APPROVED, REFUSED)
CLOSED = (APPROVED, REFUSED)

STEP_ACCEPT = "accept"
STEP_MATERIALS = "materials"
STEP_SURVEY = "home_survey"
STEP_CHECK = "cross_check"
STEP_RECHECK = "recheck"
STEP_VISIT = "county_visit"
STEP_PRELIMINARY = "preliminary"
STEP_PUBLICITY = "publicity"
STEP_COUNTY = "county_decision"
STEP_NOTICE = "notice"
STEP_KINDS = (STEP_ACCEPT, STEP_MATERIALS, STEP_SURVEY, STEP_CHECK, STEP_RECHECK, STEP_VISIT, STEP_PRELIMINARY,
              STEP_PUBLICITY, STEP_COUNTY, STEP_NOTICE)

# How a step ended (shown on the tracking page).
STEP_OUTCOMES = ("accepted", "materials", "supplied", "done", "match", "explained", "disputed", "approve", "refuse",
                 "finished", "sent")

# Working-day limits per step; None: due by the whole-process deadline.
STEP_LIMITS: dict[str, int | None] = {
    STEP_ACCEPT: 3, STEP_SURVEY: 3, STEP_CHECK: 3, STEP_RECHECK: 3, STEP_VISIT: None, STEP_PRELIMINARY: None,
    STEP_COUNTY: 10, STEP_NOTICE: 3,
}
TOTAL_WD = 30
TOTAL_WD_MAX = 45

# The steps still ahead from each status, on the way to a decision. A recheck (only when the cross-check is
# disputed) and the written refusal (only on a refusal) cannot be known in advance, so they are not listed; the
# county visit only for a household related to staff or a cadre.
AHEAD: dict[str, tuple[str, ...]] = {
    SUBMITTED: (STEP_SURVEY, STEP_CHECK, STEP_VISIT, STEP_PRELIMINARY, STEP_PUBLICITY, STEP_COUNTY),
    MATERIALS: (STEP_ACCEPT, STEP_SURVEY, STEP_CHECK, STEP_VISIT, STEP_PRELIMINARY, STEP_PUBLICITY, STEP_COUNTY),
    INVESTIGATING: (STEP_PRELIMINARY, STEP_PUBLICITY, STEP_COUNTY),
    RECHECK: (STEP_PRELIMINARY, STEP_PUBLICITY, STEP_COUNTY),
    PRELIMINARY: (STEP_PUBLICITY, STEP_COUNTY),
    TO_PUBLISH: (STEP_COUNTY,),
}
COUNTY_STEPS = (STEP_VISIT, STEP_COUNTY, STEP_NOTICE)
PUBLICITY_DAYS = roster.PUBLICITY_DAYS

# Standard materials an officer may ask for (补正); the one list may add free text.
MATERIAL_ITEMS = ("id_card", "hukou", "income_proof", "property", "disability", "illness", "student", "other")
DOCUMENT_KINDS = ("id_card", "hukou", "income_proof", "property", "disability", "illness", "student", "other")

MAX_DOCUMENTS = 30
MIN_REASON = 10
MAX_TEXT = 1000
PHOTO_POLICY = IntakePolicy()  # 10 MB, 40 megapixels: phone photos of documents

# Actions allowed from each status: nothing can be skipped.
ALLOWED: dict[str, tuple[str, ...]] = {
    "accept": (SUBMITTED,),
    "request_materials": (SUBMITTED,),
    "supply_materials": (MATERIALS,),
    "home_survey": (INVESTIGATING, RECHECK),  # the survey runs beside the cross-check and its recheck
    "cross_check": (INVESTIGATING,),
    "county_visit": (INVESTIGATING, RECHECK),
    "recheck": (RECHECK,),
    "preliminary": (PRELIMINARY,),
    "publish": (TO_PUBLISH,),
    "county_decision": (PUBLICITY, COUNTY),
    "extend": (INVESTIGATING, RECHECK, PRELIMINARY, TO_PUBLISH, PUBLICITY, COUNTY),
    # Findings of the check at acceptance are settled before 初审, and answered by the applicant until then.
    "resolve_finding": (INVESTIGATING, RECHECK, PRELIMINARY),
    "retry_check": (INVESTIGATING, RECHECK, PRELIMINARY),
    "answer_finding": (INVESTIGATING, RECHECK, PRELIMINARY),
}


class ApplicationError(DomainError):
    """A refused action; `key` is a message-catalog key, `field` the form field when there is one."""

    def __init__(self, key: str, field: str = "", retry_at: str = "") -> None:
        super().__init__(key)
        self.field = field
        self.retry_at = retry_at  # with a throttled key: the time ("14:36") to try again


class SubmitErrors(DomainError):
    """Every field a submission still needs fixed; `key` is the first one's."""

    def __init__(self, errors: list[el.FieldError]) -> None:
        super().__init__(errors[0].key if errors else "apply.err_wrong_step",
                         "; ".join(f"{e.field}:{e.key}" for e in errors))
        self.errors = errors


# --- small helpers ----------------------------------------------------------------------------------------------

def _now(now: datetime | None) -> datetime:
    return now if now is not None else utcnow()


def _hash(number: str, secret: str) -> str:
    # Keyed with the portal's secret and the number: a stolen database alone cannot test guessed secrets.
    from portal.kernel.settings import get_settings

    return keyed_hash(get_settings().secret_key, f"application-secret:{number}:{secret}")


def _legacy_hash(secret: str) -> str:
    # Drafts made before secrets were keyed hold a plain SHA-256; `resume` upgrades one on its first right answer.
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _new_number() -> str:
    return "SQ" + "".join(secrets.choice("23456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(8))


def _new_secret() -> str:
    # The grouped form of report secrets ('K7QM-3XWD', kernel/codes): short enough to read aloud and type on a phone.
    return codes.new_secret()


def _secret_forms(typed: str) -> tuple[str, ...]:
    """What a typed secret may have been stored as: the grouped form ('k7qm 3xwd' → 'K7QM-3XWD'), and the old
    16-character lowercase form of drafts made before (their letters and digits, lowercased)."""
    plain = text_rules.plain(typed, 64)
    legacy = re.sub(r"[^0-9a-z]", "", plain.lower())
    return tuple(dict.fromkeys(f for f in (codes.normalize_secret(plain), legacy) if f))


def first_of_next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _township_of(session: Session, village: Region) -> Region:
    return session.get(Region, village.parent_id) if village.parent_id else village


def _county_of(session: Session, village: Region) -> Region:
    township = _township_of(session, village)
    return session.get(Region, township.parent_id) if township.parent_id else township


def _clean_text(value: str | None, minimum: int = 0) -> str:
    text = text_rules.clean_text(value, multiline=False)
    if len(text) < minimum:
        raise ApplicationError("apply.err_reason_short", "note")
    if len(text) > MAX_TEXT:
        raise ApplicationError("apply.err_text_long", "note")
    return text


# --- answers → household ----------------------------------------------------------------------------------------

def _int(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError(value)
    return int(value)  # type: ignore[arg-type]


def household_from_answers(answers: dict) -> el.Household:
    """The engine's household from the wizard's answers (amounts stored in fen). Bad values raise ValueError."""
    members = []
    for m in answers.get("members", []):
        incomes = tuple(el.Income(kind, _int(v)) for kind, v in (m.get("incomes") or {}).items())
        members.append(el.Member(str(m.get("name", "")), str(m.get("relationship", "")), _int(m.get("age", -1)),
                                 _int(m.get("disability_grade", 0)), bool(m.get("serious_illness")),
                                 bool(m.get("student")), incomes))
    assets = answers.get("assets") or {}
    return el.Household(tuple(members), str(answers.get("residence", "")), _int(assets.get("deposits", 0)),
                        _int(assets.get("vehicles", 0)), _int(assets.get("houses", 0)),
                        _int(assets.get("housing_area", 0)), _int(assets.get("businesses", 0)),
                        bool(answers.get("hardship")))


def id_number_errors(answers: dict, today: date | None = None) -> list[el.FieldError]:
    """Every member's ID number (GB 11643, check character verified), and no person listed twice."""
    today = today or china_today()
    errors, seen = [], set()
    for i, m in enumerate(answers.get("members") or []):
        raw = str((m or {}).get("id_number", "")) if isinstance(m, dict) else ""
        key = id_rules.error_of(raw, today)
        number = id_rules.normalize(raw)
        if not key and number in seen:
            key = "register.err_same_person"
        seen.add(number)
        if key:
            errors.append(el.FieldError(f"member-{i}-id_number", key))
    return errors


def check_for_submit(session: Session, app: Application) -> list[el.FieldError]:
    """Every reason the application cannot be submitted yet, in wizard order (for the error summary)."""
    a = app.answers or {}
    errors: list[el.FieldError] = []
    village = regions.by_code(session, text_rules.plain(a.get("village"), 20))
    if village is None or village.level != RegionLevel.VILLAGE:
        errors.append(el.FieldError("village", "apply.err_village"))
    applicant = a.get("applicant") or {}
    name = text_rules.normalize_name(str(applicant.get("name", "")))
    if not name:
        errors.append(el.FieldError("applicant-name", "elig.err_name"))
    elif (key := text_rules.name_error(name)) is not None:  # the roster's rule: a case can always be published
        errors.append(el.FieldError("applicant-name", key))
    phone = str(applicant.get("phone", ""))
    if not (phone.isdigit() and len(phone) == 11 and phone.startswith("1")):
        errors.append(el.FieldError("applicant-phone", "apply.err_phone"))
    try:
        errors += el.validate(household_from_answers(a))
    except (TypeError, ValueError):
        errors.append(el.FieldError("members", "elig.err_number"))
    for i, member in enumerate((a.get("members") or [])[:el.MAX_MEMBERS]):
        member_name = text_rules.normalize_name(str(member.get("name", ""))) if isinstance(member, dict) else ""
        if member_name and (key := text_rules.name_error(member_name)) is not None:
            errors.append(el.FieldError(f"member-{i}-name", key))
    errors += id_number_errors(a)
    related = a.get("related") or {}
    if related.get("any") not in (True, False):
        errors.append(el.FieldError("related-any", "elig.err_choose"))
    elif related.get("any") and not str(related.get("detail", "")).strip():
        errors.append(el.FieldError("related-detail", "apply.err_related_detail"))
    consent = set(a.get("consent") or [])
    for i in adult_indexes(a):
        if i not in consent:
            errors.append(el.FieldError(f"consent-{i}", "apply.err_consent"))
    kinds = {d.kind for d in documents(session, app)}
    if "id_card" not in kinds:
        errors.append(el.FieldError("documents", "apply.err_id_photo"))
    return errors


# --- drafts -----------------------------------------------------------------------------------------------------

def create_draft(session: Session, *, client: str | None = None,
                 now: datetime | None = None) -> tuple[Application, str]:
    """A new draft and its secret (shown to the resident once; only its hash is kept). Started by someone at a
    client address (the /apply page), drafts count against that address's daily quota: ApplicationError
    ("apply.err_draft_quota") beyond it. The caller commits the count with the draft."""
    if client is not None:
        try:
            lookup_throttle.take(session, lookup_throttle.DRAFTS, client, _now(now))
        except lookup_throttle.Throttled:
            raise ApplicationError("apply.err_draft_quota") from None
    secret = _new_secret()
    for _ in range(5):
        number = _new_number()
        if session.execute(select(Application.id).where(Application.number == number)).first() is None:
            break
    now = _now(now)
    app = Application(number=number, secret_hash=_hash(number, secret), status=DRAFT, answers={}, created_at=now,
                      updated_at=now, applicant_name="")
    session.add(app)
    session.flush()
    return app, secret


def resume(session: Session, number: str, secret: str) -> Application | None:
    """The application for this number and secret, or None (the same answer for a wrong number or secret). The
    secret is taken as typed: case, spaces and the dash do not matter, and a draft's old 16-character secret still
    opens it (`_secret_forms`)."""
    number = text_rules.plain(number, 20).upper()
    app = session.execute(select(Application).where(Application.number == number)).scalar_one_or_none()
    expected = app.secret_hash if app else _hash("-", "no-such-application")
    for given in _secret_forms(secret):  # the grouped form, then the old one
        if same(expected, _hash(number, given)):
            return app
        if app is not None and same(expected, _legacy_hash(given)):
            app.secret_hash = _hash(number, given)  # committed with the caller's unit of work
            return app
    return None


RESUME_LIMITS = lookup_throttle.Limits("apply", "application", "apply.resume_max_failures",
                                       "apply.resume_max_failures_client", "apply.resume_window_minutes")


def open_for_resident(session: Session, number: str, secret: str, *, client: str,
                      now: datetime | None = None) -> Application | None:
    """`resume` for a number + secret typed by someone (resume and tracking pages): wrong secrets are counted per
    number and per client address (`services/lookup_throttle`, like report receipts); over either limit even the
    right secret is refused with ApplicationError("apply.err_throttled", retry_at=…) until then. None for a
    wrong number or secret. The failure is added to the session: the caller's unit of work must commit it."""
    now = _now(now)
    code = text_rules.plain(number, 20).upper()
    try:
        lookup_throttle.check(session, RESUME_LIMITS, code, client, now)
    except lookup_throttle.Throttled as exc:
        raise ApplicationError("apply.err_throttled", retry_at=exc.retry_at) from None
    app = resume(session, code, secret)
    if app is None:
        lookup_throttle.failed(session, RESUME_LIMITS, code, client, now)
    return app


SECTIONS = ("village", "residence", "applicant", "members", "assets", "hardship", "related", "consent")


def save_section(session: Session, app: Application, section: str, value: object, *,
                 now: datetime | None = None) -> None:
    """Store one part of the answers as entered (drafts keep even invalid figures, so nothing typed is lost)."""
    if app.status != DRAFT:
        raise ApplicationError("apply.err_not_draft")
    if section not in SECTIONS:
        raise KeyError(section)
    app.answers = {**(app.answers or {}), section: value}
    if section == "applicant" and isinstance(value, dict):
        # What the officer inbox shows: never a control, zero-width or bidi character (submit checks the name rule).
        app.applicant_name = text_rules.clean_text(str(value.get("name", "")), multiline=False)[:MAX_NAME]
    if section == "village":
        village = regions.by_code(session, text_rules.plain(value, 20))
        if village is not None and village.level == RegionLevel.VILLAGE:
            app.village_id, app.region_path = village.id, village.path
    app.updated_at = _now(now)
    session.flush()


def document_store() -> PrivateImageStore:
    """Where application photos live: under the private upload folder, never a served one."""
    from portal.kernel.settings import get_settings

    return PrivateImageStore(get_settings().private_upload_dir / "applications")


def documents(session: Session, app: Application) -> list[ApplicationDocument]:
    return list(session.execute(select(ApplicationDocument).where(ApplicationDocument.application_id == app.id)
                                .order_by(ApplicationDocument.id)).scalars())


def check_document(session: Session, app: Application, kind: str) -> None:
    """Raise ApplicationError unless this application may take one more photo of this kind (checked before the
    photo is processed, and again when it is attached)."""
    if app.status not in (DRAFT, MATERIALS):
        raise ApplicationError("apply.err_not_draft")
    if kind not in DOCUMENT_KINDS:
        raise ApplicationError("elig.err_choose", "doc-kind")
    if len(documents(session, app)) >= MAX_DOCUMENTS:
        raise ApplicationError("apply.err_too_many_documents", "doc-file")


def add_document(session: Session, app: Application, kind: str, photo: bytes | StoredImage,
                 store: PrivateImageStore, *, now: datetime | None = None) -> ApplicationDocument:
    """A photo kept with the application: either already through the image intake into `store` (a StoredImage,
    as `images.accept_upload` makes it off the event loop), or raw bytes taken through the intake here (real
    image, size and pixel caps, re-encoded, EXIF/GPS stripped). Raises ImageRejected (reason = message key) or
    ApplicationError."""
    check_document(session, app, kind)
    stored = photo if isinstance(photo, StoredImage) else images.accept(photo, store, PHOTO_POLICY)
    doc = ApplicationDocument(application_id=app.id, kind=kind, image_id=stored.image_id, width=stored.width,
                              height=stored.height, uploaded_at=_now(now))
    session.add(doc)
    app.updated_at = _now(now)
    session.flush()
    return doc



def remove_document(session: Session, app: Application, doc_id: int) -> None:
    if app.status not in (DRAFT, MATERIALS):
        raise ApplicationError("apply.err_not_draft")
    doc = session.get(ApplicationDocument, doc_id)
    if doc is not None and doc.application_id == app.id:
        if app.status == MATERIALS and (app.submitted_at is None or doc.uploaded_at <= app.submitted_at):
            # 补正 adds to a submitted application: what the officer already has stays.
            raise ApplicationError("apply.err_doc_locked", "doc-file")
        session.delete(doc)
        session.flush()


# --- steps ------------------------------------------------------------------------------------------------------

def _open_step(session: Session, app: Application, kind: str, office: Region, today: date, cal: WorkCalendar,
               *, due: date | None = None) -> ApplicationStep:
    if due is None:
        limit = STEP_LIMITS.get(kind)
        due = cal.add_working_days(today, limit) if limit is not None else overall_due(session, app, cal)
    step = ApplicationStep(application_id=app.id, kind=kind, state="open", office_region_id=office.id,
                           started_on=today, due_on=due, started_at=utcnow())
    session.add(step)
    session.flush()
    return step


def steps(session: Session, app: Application) -> list[ApplicationStep]:
    return list(session.execute(select(ApplicationStep).where(ApplicationStep.application_id == app.id)
                                .order_by(ApplicationStep.id)).scalars())


def _open(session: Session, app: Application, kind: str) -> ApplicationStep | None:
    return session.execute(select(ApplicationStep).where(
        ApplicationStep.application_id == app.id, ApplicationStep.kind == kind, ApplicationStep.state == "open")
    ).scalars().first()


def _close(step: ApplicationStep | None, actor: Actor | None, outcome: str, note: str | None, now: datetime) -> None:
    if step is not None:
        step.state, step.done_at, step.outcome, step.note = "done", now, outcome, note
        step.actor_id = actor.user_id if actor else None


def accepted_on(session: Session, app: Application) -> date | None:
    row = session.execute(select(ApplicationStep.done_at).where(
        ApplicationStep.application_id == app.id, ApplicationStep.kind == STEP_ACCEPT,
        ApplicationStep.outcome == "accepted")).scalars().first()
    return china_date(row) if row else None


def overall_due(session: Session, app: Application, cal: WorkCalendar) -> date | None:
    """Whole process ≤ 30 WD counted from acceptance (45 WD once the county has extended it)."""
    start = accepted_on(session, app)
    return cal.add_working_days(start, TOTAL_WD_MAX if app.extended else TOTAL_WD) if start else None


def is_overdue(step: ApplicationStep, today: date) -> bool:
    return step.state == "open" and step.due_on is not None and step.due_on < today


# --- submission -------------------------------------------------------------------------------------------------

def assessment(session: Session, app: Application, on: date | None = None, *,
               declared: bool = False) -> el.Assessment | None:
    """The engine's verdict on the household with the values in force on the case date: as declared, with every
    finding the office accepted (`corrected`) put in place of the declared value (`declared=True`: as declared)."""
    if app.region_path is None:
        return None
    day = on or app.assessed_on or china_today()
    try:
        household = household_from_answers(app.answers or {})
        if not declared and app.id is not None:
            household = el.corrected(household, [c for c, _ in case_corrections(session, app)])
        if el.validate(household):
            return None
        return el.assess(household, eligibility_params.params_for(session, app.region_path, day))
    except (TypeError, ValueError, el.ParameterMissing):
        return None


def _found_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise ValueError(text)
    return value


def case_corrections(session: Session, app: Application) -> list[tuple[el.Correction | None, dict]]:
    """Each accepted finding of the case as the engine's correction, with its provenance (finding id, rule, field,
    member name, declared, found). A finding about something the engine does not weigh (a member in another
    household, a public employee, only a commercial property) has no correction (None): it is listed all the same,
    so the case shows that accepting it changed nothing."""
    hashes = verification.member_hashes(app.answers)
    names = [str(m.get("name", "")) if isinstance(m, dict) else "" for m in (app.answers or {}).get("members", [])]
    companies: set[str] = set()
    out: list[tuple[el.Correction | None, dict]] = []
    declared_businesses = household_from_answers(app.answers or {}).businesses
    for f in verification.corrected_on_case(session, app.id):
        member = hashes.index(f.member_id_hash) if f.member_id_hash in hashes else None
        found, correction, fieldname = f.found_value or "", None, ""
        try:
            if f.rule == "deposits":
                fieldname, correction = "deposits_fen", el.Correction("deposits_fen", _found_int(found))
            elif f.rule == "vehicles":
                fieldname, correction = "vehicles", el.Correction("vehicles", _found_int(found))
            elif f.rule == "real_estate":
                parts = dict(p.split("=", 1) for p in found.split(";") if "=" in p)
                if _found_int(parts.get("residential", "0")):
                    fieldname = "houses"
                    correction = el.Correction("houses", _found_int(parts["residential"]))
            elif f.rule == "business":
                companies.update(f.record_refs or [])
                fieldname = "businesses"
                correction = el.Correction("businesses", max(declared_businesses, len(companies)))
            elif f.rule == "income" and member is not None:
                fieldname, correction = el.MEMBER_WAGE, el.Correction(el.MEMBER_WAGE, _found_int(found), member)
            elif f.rule == "dead" and member is not None:
                fieldname, correction = el.MEMBER_REMOVED, el.Correction(el.MEMBER_REMOVED, 0, member)
        except ValueError:  # a found value the rule did not write: nothing to put in place of the declared one
            fieldname, correction = "", None
        out.append((correction, {"finding": f.id, "rule": f.rule, "field": fieldname,
                                 "member": names[member] if member is not None and member < len(names) else "",
                                 "declared": f.declared_value or "", "found": found}))
    return out


def _reassess(session: Session, actor: Actor, ctx: "_Ctx", finding_id: int) -> Reassessment:
    """The engine judges the case again with the accepted findings' values (parameters of the case date) and the
    case carries the new verdict; the row keeps the verdict before and what changed it."""
    before = (ctx.app.outcome, ctx.app.monthly_amount_fen)
    verdict = assessment(session, ctx.app)
    ctx.app.outcome = verdict.outcome if verdict else None
    ctx.app.monthly_amount_fen = verdict.monthly_amount_fen if verdict else None
    row = Reassessment(application_id=ctx.app.id, finding_id=finding_id,
                       assessed_on=ctx.app.assessed_on or ctx.today, outcome_before=before[0],
                       amount_before_fen=before[1], outcome_after=ctx.app.outcome,
                       amount_after_fen=ctx.app.monthly_amount_fen,
                       changes=[p for _, p in case_corrections(session, ctx.app)], created_by=actor.username,
                       created_at=ctx.now)
    session.add(row)
    session.flush()
    _audit(session, actor, ctx, "application.reassessed",
           {"outcome": before[0], "amount_fen": before[1]},
           {"outcome": ctx.app.outcome, "amount_fen": ctx.app.monthly_amount_fen, "finding": finding_id,
            "reassessment": row.id})
    return row


def reassessments(session: Session, app: Application) -> list[Reassessment]:
    """The case's re-assessments, newest first."""
    return list(session.execute(select(Reassessment).where(Reassessment.application_id == app.id)
                                .order_by(Reassessment.id.desc())).scalars())


def submit(session: Session, app: Application, *, now: datetime | None = None,
           cal: WorkCalendar | None = None) -> Application:
    """Check everything, lock the answers, judge with the values in force today, open the acceptance step."""
    if app.status != DRAFT:
        raise ApplicationError("apply.err_not_draft")
    errors = check_for_submit(session, app)
    if errors:
        raise SubmitErrors(errors)
    now = _now(now)
    cal = cal or load_calendar(session)
    today = china_date(now)
    app.status, app.submitted_at, app.assessed_on, app.updated_at = SUBMITTED, now, today, now
    app.related_to_staff = bool((app.answers.get("related") or {}).get("any"))
    verdict = assessment(session, app, today)
    app.outcome = verdict.outcome if verdict else None
    app.monthly_amount_fen = verdict.monthly_amount_fen if verdict else None
    village = session.get(Region, app.village_id)
    _open_step(session, app, STEP_ACCEPT, _township_of(session, village), today, cal)
    # Every adult consented on the form (check_for_submit): that consent, dated, is the household's grant (授权书).
    verification.record_grant(session, f"resident:{app.number}", app.number, app.id, today,
                              len(adult_indexes(app.answers)))
    audit.record(session, f"resident:{app.number}", "application.submit", "application", app.number,
                 region_code=village.code, at=now,
                 after={"status": SUBMITTED, "outcome": app.outcome, "related_to_staff": app.related_to_staff})
    return app


def supply_materials(session: Session, app: Application, *, now: datetime | None = None,
                     cal: WorkCalendar | None = None) -> None:
    """The resident has added what was asked for: back to the window for acceptance."""
    if app.status not in ALLOWED["supply_materials"]:
        raise ApplicationError("apply.err_wrong_step")
    now = _now(now)
    cal = cal or load_calendar(session)
    _close(_open(session, app, STEP_MATERIALS), None, "supplied", None, now)
    app.status, app.updated_at = SUBMITTED, now
    village = session.get(Region, app.village_id)
    _open_step(session, app, STEP_ACCEPT, _township_of(session, village), china_date(now), cal)
    audit.record(session, f"resident:{app.number}", "application.materials_supplied", "application", app.number,
                 region_code=village.code, at=now, before={"status": MATERIALS}, after={"status": SUBMITTED})


# --- officer actions --------------------------------------------------------------------------------------------

@dataclass
class _Ctx:
    app: Application
    village: Region
    township: Region
    county: Region
    now: datetime
    today: date
    cal: WorkCalendar


def _begin(session: Session, actor: Actor, number: str, action: str, *, now: datetime | None,
           cal: WorkCalendar | None, level: str = "township") -> _Ctx:
    app = session.execute(select(Application).where(Application.number == (number or "")[:20])).scalar_one_or_none()
    if app is None or app.status == DRAFT or app.village_id is None:
        authorize(actor, Role.OFFICER, "/nonexistent/")  # no hint whether the number exists elsewhere
        raise ApplicationError("apply.err_not_found")
    village = session.get(Region, app.village_id)
    township = _township_of(session, village)
    county = _county_of(session, village)
    authorize(actor, Role.OFFICER, county.path if level == "county" else app.region_path)
    if app.status not in ALLOWED[action]:
        raise ApplicationError("apply.err_wrong_step")
    now = _now(now)
    return _Ctx(app, village, township, county, now, china_date(now), cal or load_calendar(session))


def _audit(session: Session, actor: Actor, ctx: _Ctx, action: str, before: dict, after: dict) -> None:
    ctx.app.updated_at = ctx.now
    audit.record(session, actor, action, "application", ctx.app.number,
                 region_code=ctx.village.code, at=ctx.now, before=before, after=after)


def accept(session: Session, actor: Actor, number: str, *, now: datetime | None = None,
           cal: WorkCalendar | None = None) -> Application:
    """受理: opens the home survey and the cross-check (3 WD each), and the county visit when a relative of staff or
    a cadre is in the household (registered separately)."""
    ctx = _begin(session, actor, number, "accept", now=now, cal=cal)
    _close(_open(session, ctx.app, STEP_ACCEPT), actor, "accepted", None, ctx.now)
    session.flush()
    ctx.app.status = INVESTIGATING
    _open_step(session, ctx.app, STEP_SURVEY, ctx.township, ctx.today, ctx.cal)
    check = _open_step(session, ctx.app, STEP_CHECK, ctx.township, ctx.today, ctx.cal)
    if ctx.app.related_to_staff:
        _open_step(session, ctx.app, STEP_VISIT, ctx.county, ctx.today, ctx.cal)
    report = crosscheck.provider().request(crosscheck.CrossCheckRequest(
        ctx.app.number, ctx.village.code, ctx.app.answers,
        tuple(ctx.app.answers["members"][i]["name"] for i in adult_indexes(ctx.app.answers))))
    if report is not None:  # an automated provider answered at once
        _record_check(session, actor, ctx, check, report.outcome, report.note)
    # The household as declared against department records (the grant was given on submission): through the
    # departments' APIs when connectors are configured (the caller then awaits `run_online_check`, after this
    # transaction commits, so no department is waited on while it is open), else the latest loaded batches.
    online = verification.online_sources(session, ctx.app)
    if online:
        verification.start_online_check(session, actor, ctx.app, online)
    else:
        verification.check_case(session, actor, ctx.app, on=ctx.today)
    _audit(session, actor, ctx, "application.accept", {"status": SUBMITTED},
           {"status": ctx.app.status, "online_check": online})
    return ctx.app


async def run_online_check(actor: Actor, number: str, progress=None) -> str:
    """The online check of an accepted case (after `accept` or `retry_online_check` committed): departments are
    asked on the event loop and the findings stored in one transaction; a department unavailable leaves the case
    waiting (verification.services.check_case_online). `progress(source, reason)` is awaited as each department is
    done. Returns the check's status ('' when there is none)."""
    with session_scope() as session:
        get_for_officer(session, actor, number)  # role + region, like every read of the case
    return await verification.check_case_online(number, actor, progress=progress)


def retry_online_check(session: Session, actor: Actor, number: str, *, now: datetime | None = None) -> Application:
    """The officer asks again for a check that waits on a department (audited); the caller then awaits
    `run_online_check`. The department's circuit still decides whether it is asked."""
    ctx = _begin(session, actor, number, "retry_check", now=now, cal=None)
    try:
        verification.request_retry(session, actor, ctx.app, now=ctx.now)
    except verification.RuleError as exc:
        raise ApplicationError(str(exc)) from None
    ctx.app.updated_at = ctx.now
    return ctx.app


def request_materials(session: Session, actor: Actor, number: str, items: list[str], other: str = "", *,
                      now: datetime | None = None, cal: WorkCalendar | None = None) -> Application:
    """补正: ONE complete list of what is missing (standard items plus free text), sent back to the resident."""
    ctx = _begin(session, actor, number, "request_materials", now=now, cal=cal)
    if any(s.kind == STEP_MATERIALS for s in steps(session, ctx.app)):
        # 一次性告知: the one list was sent already; after the resident supplied it the window accepts or refuses.
        raise ApplicationError("apply.err_materials_once")
    chosen = [k for k in MATERIAL_ITEMS if k in set(items or [])]
    other = _clean_text(other)
    if "other" in chosen and not other:
        raise ApplicationError("apply.err_other_text", "materials-other")
    if not chosen:
        raise ApplicationError("apply.err_materials_empty", "materials")
    _close(_open(session, ctx.app, STEP_ACCEPT), actor, "materials", None, ctx.now)
    step = _open_step(session, ctx.app, STEP_MATERIALS, ctx.township, ctx.today, ctx.cal, due=None)
    step.due_on, step.materials, step.note = None, chosen, other or None
    ctx.app.status = MATERIALS
    _audit(session, actor, ctx, "application.request_materials", {"status": SUBMITTED},
           {"status": MATERIALS, "materials": chosen, "other": other})
    return ctx.app


def _maybe_ready(session: Session, ctx: _Ctx) -> None:
    """When no investigation step is open any more, the case goes to the preliminary decision."""
    open_kinds = {s.kind for s in steps(session, ctx.app) if s.state == "open"}
    if ctx.app.status == INVESTIGATING and not open_kinds & {STEP_SURVEY, STEP_CHECK, STEP_VISIT, STEP_RECHECK}:
        ctx.app.status = PRELIMINARY
        _open_step(session, ctx.app, STEP_PRELIMINARY, ctx.township, ctx.today, ctx.cal)


def _record_findings(session: Session, actor: Actor, number: str, action: str, kind: str, findings: str, *,
                     now: datetime | None, cal: WorkCalendar | None, level: str = "township") -> Application:
    """Close one open investigation step with written findings; the case moves on when none is left open."""
    ctx = _begin(session, actor, number, action, now=now, cal=cal, level=level)
    step = _open(session, ctx.app, kind)
    if step is None:
        raise ApplicationError("apply.err_wrong_step")
    findings = _clean_text(findings, MIN_REASON)
    _close(step, actor, "done", findings, ctx.now)
    session.flush()
    _maybe_ready(session, ctx)
    _audit(session, actor, ctx, "application." + action, {"step": "open"}, {"step": "done", "findings": findings})
    return ctx.app


def record_home_survey(session: Session, actor: Actor, number: str, findings: str, *,
                       now: datetime | None = None, cal: WorkCalendar | None = None) -> Application:
    return _record_findings(session, actor, number, "home_survey", STEP_SURVEY, findings, now=now, cal=cal)


def _record_check(session: Session, actor: Actor, ctx: _Ctx, step: ApplicationStep, outcome: str,
                  note: str) -> None:
    _close(step, actor, outcome, note or None, ctx.now)
    session.flush()
    if outcome == crosscheck.DISPUTED:
        ctx.app.status = RECHECK
        _open_step(session, ctx.app, STEP_RECHECK, ctx.township, ctx.today, ctx.cal)
    else:
        _maybe_ready(session, ctx)


def record_cross_check(session: Session, actor: Actor, number: str, outcome: str, note: str = "", *,
                       now: datetime | None = None, cal: WorkCalendar | None = None) -> Application:
    """The registry cross-check outcome (match / mismatches explained / disputed → recheck)."""
    ctx = _begin(session, actor, number, "cross_check", now=now, cal=cal)
    step = _open(session, ctx.app, STEP_CHECK)
    if step is None:
        raise ApplicationError("apply.err_wrong_step")
    if outcome not in crosscheck.OUTCOMES:
        raise ApplicationError("elig.err_choose", "check-outcome")
    note = _clean_text(note, 0 if outcome == crosscheck.MATCH else MIN_REASON)
    before = ctx.app.status
    _record_check(session, actor, ctx, step, outcome, note)
    _audit(session, actor, ctx, "application.cross_check", {"status": before}, {"status": ctx.app.status, "outcome": outcome,
                                                                    "note": note})
    return ctx.app


def record_recheck(session: Session, actor: Actor, number: str, findings: str, *, now: datetime | None = None,
                   cal: WorkCalendar | None = None) -> Application:
    ctx = _begin(session, actor, number, "recheck", now=now, cal=cal)
    findings = _clean_text(findings, MIN_REASON)
    _close(_open(session, ctx.app, STEP_RECHECK), actor, "done", findings, ctx.now)
    ctx.app.status = INVESTIGATING
    session.flush()
    _maybe_ready(session, ctx)
    _audit(session, actor, ctx, "application.recheck", {"status": RECHECK}, {"status": ctx.app.status, "findings": findings})
    return ctx.app


def record_county_visit(session: Session, actor: Actor, number: str, findings: str, *,
                        now: datetime | None = None, cal: WorkCalendar | None = None) -> Application:
    """The county's own home visit for a household related to dibao staff or a village cadre."""
    return _record_findings(session, actor, number, "county_visit", STEP_VISIT, findings, now=now, cal=cal,
                            level="county")


def preliminary_decision(session: Session, actor: Actor, number: str, approve: bool, reasons: str, *,
                         now: datetime | None = None, cal: WorkCalendar | None = None) -> Application:
    """初审. Approval needs an eligible verdict with an amount of at least ¥0.01 (the roster publishes only paid
    cases: an eligible-¥0 household gets its status help but no publicity and no payment). A proposed refusal goes
    to the county decision without publicity."""
    ctx = _begin(session, actor, number, "preliminary", now=now, cal=cal)
    if verification.check_incomplete(session, ctx.app.id):
        raise ApplicationError("apply.err_check_waiting", "findings")
    if verification.unresolved_on_case(session, ctx.app.id):
        raise ApplicationError("apply.err_findings_unresolved", "findings")
    reasons = _clean_text(reasons, MIN_REASON)
    verdict = assessment(session, ctx.app)
    if approve and (verdict is None or verdict.outcome not in (el.ELIGIBLE, el.SINGLE_PERSON)
                    or verdict.monthly_amount_fen < 1):
        raise ApplicationError("apply.err_cannot_approve", "decision")
    _close(_open(session, ctx.app, STEP_PRELIMINARY), actor, "approve" if approve else "refuse", reasons, ctx.now)
    session.flush()
    if approve:
        ctx.app.status = TO_PUBLISH
        ctx.app.monthly_amount_fen = verdict.monthly_amount_fen  # type: ignore[union-attr]
        _open_step(session, ctx.app, STEP_PUBLICITY, ctx.township, ctx.today, ctx.cal)
    else:
        ctx.app.status = COUNTY
        _open_step(session, ctx.app, STEP_COUNTY, ctx.county, ctx.today, ctx.cal)
    _audit(session, actor, ctx, "application.preliminary", {"status": PRELIMINARY},
           {"status": ctx.app.status, "approve": approve, "reasons": reasons,
            "amount_fen": ctx.app.monthly_amount_fen})
    return ctx.app


def extend_deadline(session: Session, actor: Actor, number: str, reasons: str, *, now: datetime | None = None,
                    cal: WorkCalendar | None = None) -> Application:
    """The county extends the whole process to 45 WD (once, with written reasons); steps due by the whole-process
    deadline move with it."""
    ctx = _begin(session, actor, number, "extend", now=now, cal=cal, level="county")
    if ctx.app.extended:
        raise ApplicationError("apply.err_already_extended")
    reasons = _clean_text(reasons, MIN_REASON)
    before = overall_due(session, ctx.app, ctx.cal)
    ctx.app.extended = True
    after = overall_due(session, ctx.app, ctx.cal)
    for step in steps(session, ctx.app):
        if step.state == "open" and STEP_LIMITS.get(step.kind) is None and step.due_on == before:
            step.due_on = after
    _audit(session, actor, ctx, "application.extend", {"overall_due": before.isoformat() if before else None},
           {"overall_due": after.isoformat() if after else None, "reasons": reasons})
    return ctx.app


def source_ref(app: Application) -> str:
    return f"application:{app.id}"


def publicity_size(session: Session, app: Application) -> int:
    """The household size the roster shows: the persons covered alone for a single-person verdict (单人保)."""
    verdict = assessment(session, app)
    if verdict is not None and verdict.outcome == el.SINGLE_PERSON:
        return len(verdict.single_members)
    return len(app.answers.get("members", []))


MAX_BATCH_CASES = 200


def publish_cases(session: Session, actor: Actor, region_code: str, numbers: list[str], *,
                  now: datetime | None = None, cal: WorkCalendar | None = None) -> int:
    """公示 of many cases at once: the township (or one of its villages) publishes every chosen case approved at
    初审 as ONE roster batch, entries made from the cases themselves (nobody retypes a name), 7 days exactly.
    Each case's county decision step opens with the publicity end as its start (≤ 10 WD after it).
    Returns the batch id. All or nothing: one case not ready refuses the batch."""
    chosen = list(dict.fromkeys(str(n)[:20] for n in numbers or []))
    if not chosen:
        raise ApplicationError("apply.err_batch_empty")
    if len(chosen) > MAX_BATCH_CASES:
        raise ApplicationError("apply.err_batch_too_many")
    region = regions.by_code(session, str(region_code or "")[:24])
    if region is None or region.level not in (RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
        authorize(actor, Role.OFFICER, "/nonexistent/")
        raise ApplicationError("apply.err_not_found")
    authorize(actor, Role.OFFICER, region.path)
    ctxs = [_begin(session, actor, n, "publish", now=now, cal=cal) for n in chosen]
    for ctx in ctxs:
        if not ctx.village.path.startswith(region.path):
            raise ApplicationError("apply.err_batch_region")
    entries = [roster.NewEntry(c.app.applicant_name, publicity_size(session, c.app), int(c.app.monthly_amount_fen or 0),
                               c.village.code, source_ref=source_ref(c.app)) for c in ctxs]
    try:
        batch = roster.publish_batch(session, actor, region, entries, now=ctxs[0].now)
    except roster.RosterError as exc:
        raise ApplicationError(exc.key) from exc
    ends = china_date(batch.ends_at)
    for ctx in ctxs:
        step = _open(session, ctx.app, STEP_PUBLICITY)
        if step is not None:
            step.due_on = ends
            step.materials = None
            step.note = str(batch.id)
        ctx.app.status = PUBLICITY
        _open_step(session, ctx.app, STEP_COUNTY, ctx.county, ends, ctx.cal)
        _audit(session, actor, ctx, "application.publish", {"status": TO_PUBLISH},
               {"status": PUBLICITY, "batch_id": batch.id, "ends_at": batch.ends_at.isoformat()})
    return batch.id


def send_to_publicity(session: Session, actor: Actor, number: str, *, now: datetime | None = None,
                      cal: WorkCalendar | None = None) -> Application:
    """One case published on its own (a batch of one, in its township): `publish_cases` is what the page uses."""
    app = session.execute(select(Application).where(Application.number == (number or "")[:20])).scalar_one_or_none()
    village = session.get(Region, app.village_id) if app is not None and app.village_id else None
    code = _township_of(session, village).code if village is not None else ""
    publish_cases(session, actor, code, [number], now=now, cal=cal)
    return session.execute(select(Application).where(Application.number == number[:20])).scalar_one()


def register_members(session: Session, app: Application) -> tuple[register.NewMember, ...]:
    """The members an approved case brings into the register: the whole household, or only the person(s) covered
    alone when the verdict is single-person (单人保)."""
    verdict = assessment(session, app)
    covered = set(verdict.single_members) if verdict is not None and verdict.outcome == el.SINGLE_PERSON else None
    out = []
    for m in app.answers.get("members", []):
        if covered is not None and m.get("name") not in covered:
            continue
        relation = str(m.get("relationship", "other"))
        out.append(register.NewMember(str(m.get("name", "")), "head" if relation == "applicant" else relation,
                                      str(m.get("id_number", ""))))
    return tuple(out)


def _admit(session: Session, actor: Actor, ctx: _Ctx) -> None:
    """An approved case enters the recipient register, and through it the standing roster."""
    try:
        register.admit(session, actor, register.Admission(
            ctx.app.number, ctx.app.id, ctx.village.code, ctx.app.applicant_name,
            int(ctx.app.monthly_amount_fen or 0), ctx.app.payment_from or ctx.today,
            register_members(session, ctx.app)), now=ctx.now)
    except (register.RegisterError, roster.RosterError) as exc:
        raise ApplicationError(exc.key) from exc


def id_flags(session: Session, app: Application) -> list[list[str]]:
    """Per member of the case, the villages of other ACTIVE register households that already list that person."""
    numbers = [str(m.get("id_number", "")) for m in (app.answers or {}).get("members", []) if isinstance(m, dict)]
    return register.flags_for_numbers(session, numbers, case_code=app.number)


def holds_case(session: Session, actor: Actor, app: Application) -> bool:
    """The officer holds the case when their own office (a grant exactly at that region, not above it) handles one
    of its open steps: they see members' ID numbers in full; everyone else sees them masked."""
    offices = {s.office_region_id for s in steps(session, app) if s.state == "open" and s.office_region_id}
    paths = {r.path for r in session.execute(select(Region).where(Region.id.in_(offices))).scalars()} if offices \
        else set()
    return any(g.role == Role.OFFICER and g.region_path in paths for g in actor.grants)


@dataclass(frozen=True)
class MemberIds:
    """The members' ID numbers as one officer may see them on the case page."""

    shown: tuple[str, ...]  # in full for the holder of the case, else masked
    full: bool
    flags: tuple[tuple[str, ...], ...]  # per member: villages of other active register households listing them


def member_ids_for_officer(session: Session, actor: Actor, app: Application, *,
                           now: datetime | None = None) -> MemberIds:
    """In full only for the officer who holds the case (`holds_case`), and that read is audited; masked for every
    other officer allowed to see the case."""
    authorize(actor, Role.OFFICER, app.region_path if app.region_path and app.status != DRAFT else "/nonexistent/")
    numbers = [id_rules.normalize(str(m.get("id_number", ""))) if isinstance(m, dict) else ""
               for m in (app.answers or {}).get("members", [])]
    full = holds_case(session, actor, app)
    flags = tuple(tuple(f) for f in id_flags(session, app))
    if full and any(numbers):
        village = session.get(Region, app.village_id)
        audit.record(session, actor, "application.id_numbers_view", "application", app.number,
                     region_code=village.code if village else None, at=_now(now), after={"members": len(numbers)})
    return MemberIds(tuple(numbers) if full else tuple(mask_id_number(n) for n in numbers), full, flags)


def county_decision(session: Session, actor: Actor, number: str, approve: bool, reasons: str, *,
                    now: datetime | None = None, cal: WorkCalendar | None = None) -> Application:
    """审核确认 by a county officer, with written reasons. After publicity only once its 7 days have run.
    Approval: payment from the first day of next month. Refusal: the written reasons are the notice (≤ 3 WD)."""
    ctx = _begin(session, actor, number, "county_decision", now=now, cal=cal, level="county")
    reasons = _clean_text(reasons, MIN_REASON)
    before = ctx.app.status
    if before == PUBLICITY:
        if not roster.publicity_finished(session, source_ref(ctx.app), ctx.now):
            raise ApplicationError("apply.err_publicity_running")
        _close(_open(session, ctx.app, STEP_PUBLICITY), actor, "finished", None, ctx.now)
    elif approve:
        raise ApplicationError("apply.err_cannot_approve", "decision")  # approval only after publicity
    if approve:
        # The county approves the verdict as it stands, re-assessed with every finding the office accepted, so the
        # amount paid is the engine's on the corrected household, never the one first declared.
        verdict = assessment(session, ctx.app)
        if verdict is None or verdict.outcome not in (el.ELIGIBLE, el.SINGLE_PERSON) or verdict.monthly_amount_fen < 1:
            raise ApplicationError("apply.err_cannot_approve", "decision")
        ctx.app.outcome, ctx.app.monthly_amount_fen = verdict.outcome, verdict.monthly_amount_fen
    _close(_open(session, ctx.app, STEP_COUNTY), actor, "approve" if approve else "refuse", reasons, ctx.now)
    ctx.app.decision_reasons = reasons
    if approve:
        ctx.app.status = APPROVED
        ctx.app.payment_from = first_of_next_month(ctx.today)
        _admit(session, actor, ctx)
    else:
        ctx.app.status = REFUSED
        notice = _open_step(session, ctx.app, STEP_NOTICE, ctx.county, ctx.today, ctx.cal)
        _close(notice, actor, "sent", reasons, ctx.now)
    _audit(session, actor, ctx, "application.county_decision", {"status": before},
           {"status": ctx.app.status, "reasons": reasons, "amount_fen": ctx.app.monthly_amount_fen,
            "payment_from": ctx.app.payment_from.isoformat() if ctx.app.payment_from else None})
    return ctx.app


# --- reading: tracking page and officer queue -------------------------------------------------------------------

@dataclass(frozen=True)
class StepView:
    kind: str
    state: str
    office: str
    started_on: str
    due_on: str
    working_days: int | None  # the step's limit in WD (None: by the whole-process deadline / calendar days)
    overdue: bool
    outcome: str


@dataclass(frozen=True)
class AheadView:
    """A step still to come: who will handle it and, as things stand today, the latest date it is due."""

    kind: str
    office: str
    due_on: str
    working_days: int | None  # its limit in WD; None: due by the whole-process deadline
    days: int | None  # calendar days (publicity)


@dataclass(frozen=True)
class TrackView:
    number: str
    status: str
    submitted_on: str
    overall_due: str
    overall_wd: int
    steps: tuple[StepView, ...]
    missing: tuple[str, ...]  # material keys of the open 补正 list
    missing_other: str
    reasons: str
    payment_from: str
    amount: str
    ahead: tuple[AheadView, ...] = ()
    contact: regions.OfficeContact | None = None  # the office handling the open step (else the township)


def office_name(session: Session, region: Region | None) -> str:
    """The office a resident deals with: the region's window office when there is one, else the region's name."""
    contact = regions.office_contact(session, region)
    return contact.office if contact else ""


def steps_ahead(session: Session, app: Application, today: date, cal: WorkCalendar,
                open_steps: list[ApplicationStep]) -> tuple[AheadView, ...]:
    """Every step still to come, with its office and its latest due date as it stands today: each step starts when
    the ones before it are due (or today, when they are late or wait for the resident), and takes its full limit
    on the one calendar. Steps due by the whole-process deadline use it (projected from the acceptance when the
    case is not accepted yet)."""
    kinds = [k for k in AHEAD.get(app.status, ()) if k != STEP_VISIT or app.related_to_staff]
    if not kinds:
        return ()
    village = session.get(Region, app.village_id)
    offices = {"township": office_name(session, _township_of(session, village)),
               "county": office_name(session, _county_of(session, village))}

    def view(kind: str, due: date, days: int | None = None) -> AheadView:
        return AheadView(kind, offices["county" if kind in COUNTY_STEPS else "township"], due.isoformat(),
                         STEP_LIMITS.get(kind) if days is None else None, days)

    out: list[AheadView] = []
    cursor = max([today] + [s.due_on for s in open_steps if s.due_on])
    if STEP_ACCEPT in kinds:
        cursor = cal.add_working_days(cursor, STEP_LIMITS[STEP_ACCEPT])  # type: ignore[arg-type]
        out.append(view(STEP_ACCEPT, cursor))
    total = overall_due(session, app, cal)
    if total is None:  # not accepted yet: the whole process counts from the (latest) acceptance
        total = cal.add_working_days(cursor, TOTAL_WD_MAX if app.extended else TOTAL_WD)
    ends = []
    for kind in (k for k in kinds if k in (STEP_SURVEY, STEP_CHECK, STEP_VISIT)):
        limit = STEP_LIMITS.get(kind)
        due = cal.add_working_days(cursor, limit) if limit is not None else total
        out.append(view(kind, due))
        ends.append(due)
    cursor = max([cursor, *ends])
    if app.status == TO_PUBLISH:  # the open publicity step is due to start by `cursor`; its 7 days follow
        cursor = cursor + roster.PUBLICITY
    if STEP_PRELIMINARY in kinds:
        out.append(view(STEP_PRELIMINARY, total))
        cursor = max(cursor, total)
    if STEP_PUBLICITY in kinds:
        cursor = cursor + roster.PUBLICITY
        out.append(view(STEP_PUBLICITY, cursor, PUBLICITY_DAYS))
    if STEP_COUNTY in kinds:
        out.append(view(STEP_COUNTY, cal.add_working_days(cursor, STEP_LIMITS[STEP_COUNTY])))  # type: ignore[arg-type]
    return tuple(out)


def track(session: Session, app: Application, *, today: date | None = None,
          cal: WorkCalendar | None = None) -> TrackView:
    today = today or china_today()
    cal = cal or load_calendar(session)
    rows = steps(session, app)
    views = []
    missing: tuple[str, ...] = ()
    other = ""
    for s in rows:
        region = session.get(Region, s.office_region_id) if s.office_region_id else None
        views.append(StepView(s.kind, s.state, office_name(session, region), s.started_on.isoformat(),
                              s.due_on.isoformat() if s.due_on else "", STEP_LIMITS.get(s.kind),
                              is_overdue(s, today), s.outcome or ""))
        if s.kind == STEP_MATERIALS and s.state == "open":
            missing, other = tuple(s.materials or ()), s.note or ""
    due = overall_due(session, app, cal)
    return TrackView(app.number, app.status, china_date(app.submitted_at).isoformat() if app.submitted_at else "",
                     due.isoformat() if due else "", TOTAL_WD_MAX if app.extended else TOTAL_WD, tuple(views),
                     missing, other,
                     app.decision_reasons or "", app.payment_from.isoformat() if app.payment_from else "",
                     el.yuan(app.monthly_amount_fen) if app.monthly_amount_fen else "",
                     steps_ahead(session, app, today, cal, [s for s in rows if s.state == "open"]),
                     _handling_contact(session, app, rows))


def _handling_contact(session: Session, app: Application, rows: list[ApplicationStep]
                      ) -> regions.OfficeContact | None:
    open_office = next((s.office_region_id for s in rows if s.state == "open" and s.office_region_id), None)
    if open_office is not None:
        return regions.office_contact(session, session.get(Region, open_office))
    village = session.get(Region, app.village_id) if app.village_id else None
    return regions.office_contact(session, _township_of(session, village)) if village else None


def next_step(session: Session, app: Application, *, today: date | None = None,
              cal: WorkCalendar | None = None) -> StepView | None:
    """What the resident waits for now, as the tracking page shows it (`track`): the first open step, its office
    (after submitting: the township's, 受理) and the date it is due on the one working-day calendar; None when no
    step is open (a draft, a decided case)."""
    return next((s for s in track(session, app, today=today, cal=cal).steps if s.state == "open"), None)


@dataclass(frozen=True)
class QueueRow:
    number: str
    applicant: str
    village: str
    status: str
    submitted_on: str
    next_due: str
    overdue: bool
    escalated: bool  # overdue at an office below the viewer's own level
    related: bool


def _in_scope(column, paths: list[str]):
    return or_(*[and_(column >= p, column < p + "~") for p in paths]) if paths else column == "/none/"


def queue(session: Session, actor: Actor, *, status: str = "", overdue_only: bool = False,
          today: date | None = None, limit: int = 50, offset: int = 0) -> list[QueueRow]:
    """Submitted applications in the officer's regions, oldest first; overdue flags from the open steps."""
    authorize(actor, Role.OFFICER)
    today = today or china_today()
    paths = region_paths_in_scope(actor, Role.OFFICER)
    stmt = select(Application).where(Application.status != DRAFT, _in_scope(Application.region_path, paths))
    if status in STATUSES:
        stmt = stmt.where(Application.status == status)
    overdue_step = exists().where(ApplicationStep.application_id == Application.id, ApplicationStep.state == "open",
                                  ApplicationStep.due_on < today)
    if overdue_only:
        stmt = stmt.where(overdue_step)
    apps = list(session.execute(stmt.order_by(Application.submitted_at, Application.id).offset(offset)
                                .limit(limit)).scalars())
    ids = [a.id for a in apps]
    open_steps: dict[int, list[ApplicationStep]] = {}
    for s in session.execute(select(ApplicationStep).where(ApplicationStep.application_id.in_(ids),
                                                           ApplicationStep.state == "open")).scalars():
        open_steps.setdefault(s.application_id, []).append(s)
    villages = {r.id: r for r in session.execute(select(Region).where(
        Region.id.in_({a.village_id for a in apps if a.village_id}))).scalars()}
    own_depth = min((len(p) for p in paths), default=0)
    out = []
    for a in apps:
        mine = open_steps.get(a.id, [])
        dues = sorted(s.due_on for s in mine if s.due_on)
        late = [s for s in mine if is_overdue(s, today)]
        offices = {s.office_region_id for s in late}
        below = any(len(session.get(Region, o).path) > own_depth for o in offices if o)
        village = villages.get(a.village_id)
        out.append(QueueRow(a.number, a.applicant_name, village.name if village else "", a.status,
                            china_date(a.submitted_at).isoformat() if a.submitted_at else "",
                            dues[0].isoformat() if dues else "", bool(late), bool(late) and below,
                            a.related_to_staff))
    return out


def count_overdue(session: Session, actor: Actor, today: date | None = None) -> int:
    authorize(actor, Role.OFFICER)
    today = today or china_today()
    paths = region_paths_in_scope(actor, Role.OFFICER)
    return session.execute(select(func.count(func.distinct(Application.id))).join(
        ApplicationStep, ApplicationStep.application_id == Application.id).where(
        _in_scope(Application.region_path, paths), ApplicationStep.state == "open",
        ApplicationStep.due_on < today)).scalar_one()


def get_for_officer(session: Session, actor: Actor, number: str) -> Application:
    """One case, only for an officer whose region covers it (an unknown number is refused the same way)."""
    app = session.execute(select(Application).where(Application.number == (number or "")[:20])).scalar_one_or_none()
    authorize(actor, Role.OFFICER, app.region_path if app and app.region_path and app.status != DRAFT
              else "/nonexistent/")
    assert app is not None
    return app


def document_for_officer(session: Session, actor: Actor, doc_id: int) -> ApplicationDocument:
    """A document of a case the officer may see (for the private image route)."""
    doc = session.get(ApplicationDocument, doc_id)
    app = session.get(Application, doc.application_id) if doc else None
    authorize(actor, Role.OFFICER, app.region_path if app and app.region_path and app.status != DRAFT
              else "/nonexistent/")
    assert doc is not None
    return doc



# --- the wizard (/apply): one use case per page, on the draft the tab holds ---------------------------------------
# The page shapes what was typed with `rules` (pure) and hands the answer here with the number and secret its tab
# holds; each use case opens the draft again with them, stores the answer as typed (a draft keeps even wrong figures,
# so nothing typed is lost) and returns the errors left on that page. What the next page shows is
# `queries.wizard_page`.

class NoDraft(DomainError):
    """The tab's draft cannot be worked on: none under its number and secret (apply.err_not_found), or it is no
    longer a draft (apply.err_not_draft). Not an ApplicationError: a page tells it apart from a refused action."""


def field_errors(session: Session, app: Application, prefixes: tuple[str, ...]) -> list[el.FieldError]:
    """The submission errors that belong to one wizard page (its fields start with one of `prefixes`)."""
    return [e for e in check_for_submit(session, app)
            if any(e.field == p or e.field.startswith(p + "-") for p in prefixes)]


def open_draft(session: Session, number: str, secret: str, *, materials_ok: bool = False) -> Application:
    """The draft under this number and secret; with `materials_ok` also a case waiting for the resident's materials
    (补正: the documents page only). NoDraft otherwise."""
    app = resume(session, number, secret) if number else None
    if app is None:
        raise NoDraft("apply.err_not_found")
    if app.status == DRAFT or (materials_ok and app.status == MATERIALS):
        return app
    raise NoDraft("apply.err_not_draft")


def new_draft(session: Session, *, client: str, now: datetime | None = None) -> tuple[str, str]:
    """A draft started on /apply: its number and its secret (shown once). ApplicationError apply.err_draft_quota
    beyond the address's daily quota."""
    app, secret = create_draft(session, client=client, now=now)
    return app.number, secret


@dataclass(frozen=True)
class ResumedDraft:
    number: str
    status: str
    answered: bool  # the draft holds answers: it opens on the check page


def resume_draft(session: Session, number: str, secret: str, *, client: str) -> ResumedDraft | None:
    """/apply's resume form: `open_for_resident` (None for a wrong number or secret). Throttled: the failure count
    and its audit row are committed before ApplicationError apply.err_throttled reaches the caller."""
    try:
        app = open_for_resident(session, number, secret, client=client)
    except ApplicationError:
        session.commit()
        raise
    return ResumedDraft(app.number, app.status, bool(app.answers)) if app is not None else None


@dataclass(frozen=True)
class PageSaved:
    """A wizard page stored: the errors left on it (none: on to the next page) and the household's size, which
    orders the pages. `stale`: the page is about a member the draft no longer has, and nothing was stored;
    `supplied`: the materials asked for went back to the window."""

    errors: tuple[el.FieldError, ...]
    members: int
    stale: bool = False
    supplied: bool = False


def _saved(app: Application, errors: list[el.FieldError], **flags: bool) -> PageSaved:
    return PageSaved(tuple(errors), len(rules.members_of(app.answers)), **flags)


def save_village(session: Session, number: str, secret: str, code: str) -> PageSaved:
    app = open_draft(session, number, secret)
    save_section(session, app, "village", code)
    return _saved(app, field_errors(session, app, ("village",)))


def save_residence(session: Session, number: str, secret: str, value: str) -> PageSaved:
    app = open_draft(session, number, secret)
    save_section(session, app, "residence", value if value in el.RESIDENCES else "")
    return _saved(app, field_errors(session, app, ("residence",)))


def save_applicant(session: Session, number: str, secret: str, value: dict) -> PageSaved:
    """`rules.applicant_answer`; the applicant is member 1, so their name goes there too while it is empty."""
    app = open_draft(session, number, secret)
    save_section(session, app, "applicant", value)
    members = rules.with_applicant_named(rules.members_of(app.answers), value["name"])
    if members is not None:
        save_section(session, app, "members", members)
    return _saved(app, field_errors(session, app, ("applicant",)))


def save_size(session: Session, number: str, secret: str, n: int | None) -> PageSaved:
    """The household's size (`rules.parse_count` of what was typed): the members for it (`rules.resized`). A size
    out of range changes nothing: the members already entered stay."""
    app = open_draft(session, number, secret)
    key = rules.size_error(n)
    if key:
        return _saved(app, [el.FieldError("size", key)])
    save_section(session, app, "members", rules.resized(app.answers or {}, n))  # type: ignore[arg-type]
    return _saved(app, [])


def save_member(session: Session, number: str, secret: str, i: int, answer: rules.MemberAnswer) -> PageSaved:
    app = open_draft(session, number, secret)
    members = rules.members_of(app.answers)
    if i >= len(members):
        return _saved(app, [], stale=True)
    members[i] = {**members[i], **answer.fields}
    save_section(session, app, "members", members)
    page = f"member-{i}"
    errors = field_errors(session, app, tuple(f"{page}-{f}" for f in ("name", "relationship", "id_number", "age",
                                                                       "disability")))
    if answer.age_not_a_number:  # the age is stored as -1: name what was typed, not a negative age
        errors = [e for e in errors if e.field != f"{page}-age"] + [el.FieldError(f"{page}-age", "elig.err_number")]
    return _saved(app, errors)


def save_income(session: Session, number: str, secret: str, i: int, figures: rules.Figures) -> PageSaved:
    app = open_draft(session, number, secret)
    members = rules.members_of(app.answers)
    if i >= len(members):
        return _saved(app, [], stale=True)
    members[i] = {**members[i], "incomes": figures.values, "typed": figures.typed}
    save_section(session, app, "members", members)
    not_numbers = [el.FieldError(f"member-{i}-income-{kind}", "elig.err_number") for kind in figures.not_numbers]
    return _saved(app, not_numbers + field_errors(session, app, (f"member-{i}-income",)))


def save_assets(session: Session, number: str, secret: str, figures: rules.Figures) -> PageSaved:
    app = open_draft(session, number, secret)
    save_section(session, app, "assets", figures.values)
    app.answers = {**app.answers, "assets_typed": figures.typed}
    not_numbers = [el.FieldError(name, "elig.err_number") for name in figures.not_numbers]
    return _saved(app, not_numbers + [e for e in field_errors(session, app, rules.ASSET_FIELDS)
                                      if e.field not in figures.not_numbers])


def save_related(session: Session, number: str, secret: str, value: dict) -> PageSaved:
    app = open_draft(session, number, secret)
    save_section(session, app, "related", value)
    return _saved(app, field_errors(session, app, ("related",)))


def save_consent(session: Session, number: str, secret: str, consented: list[int]) -> PageSaved:
    """The indexes of the adults who consented to the household economic check."""
    app = open_draft(session, number, secret)
    save_section(session, app, "consent", consented)
    return _saved(app, field_errors(session, app, ("consent",)))


def attach_photo(session: Session, number: str, secret: str, kind: str, stored: StoredImage) -> None:
    """A document photo already through the image intake (its upload token checked by the page) kept with the
    draft, or with a case waiting for materials. ApplicationError when refused."""
    add_document(session, open_draft(session, number, secret, materials_ok=True), kind, stored, document_store())


def detach_photo(session: Session, number: str, secret: str, doc_id: int) -> None:
    remove_document(session, open_draft(session, number, secret, materials_ok=True), doc_id)


def finish_documents(session: Session, number: str, secret: str) -> PageSaved:
    """The documents page's continue: a case waiting for materials goes back to the window (`supplied`); a draft
    goes on once it has the photo of an ID card."""
    app = open_draft(session, number, secret, materials_ok=True)
    if app.status == MATERIALS:
        supply_materials(session, app)
        return _saved(app, [], supplied=True)
    return _saved(app, field_errors(session, app, ("documents",)))


def submit_draft(session: Session, number: str, secret: str) -> StepView | None:
    """Submit the tab's draft (SubmitErrors: every field still to fix) and return what its receipt says: the step
    the resident now waits for (`next_step`)."""
    app = open_draft(session, number, secret)
    submit(session, app)
    return next_step(session, app)


# --- findings of the check at acceptance ------------------------------------------------------------------------

def resolve_finding(session: Session, actor: Actor, number: str, finding_id: int, resolution: str, note: str, *,
                    now: datetime | None = None) -> Application:
    """The officer settles one finding on the case before 初审: explained, declaration corrected, disputed with the
    department, or refused on it (with a note; a refusal only once the applicant answered or the answer deadline
    passed). A finding routed to the county (关系保) is settled by the county."""
    finding = verification.case_finding(session, _app_id(session, number), finding_id)
    level = "county" if finding is not None and finding.routed_to == "county" else "township"
    ctx = _begin(session, actor, number, "resolve_finding", now=now, cal=None, level=level)
    if finding is None:
        raise ApplicationError("apply.err_finding_not_found")
    was = finding.resolution
    try:
        verification.resolve_case_finding(session, actor, finding, resolution, note, now=ctx.now)
    except verification.RuleError as exc:
        raise ApplicationError(str(exc), "finding-note") from None
    if "corrected" in (was, resolution) and was != resolution:
        # Accepting a found value (or taking that back) changes what the engine weighs: judge the case again.
        _reassess(session, actor, ctx, finding.id)
    ctx.app.updated_at = ctx.now
    return ctx.app


def _app_id(session: Session, number: str) -> int | None:
    return session.execute(select(Application.id).where(Application.number == (number or "")[:20])).scalar()


def answer_finding(session: Session, app: Application, finding_id: int, text: str, *,
                   now: datetime | None = None) -> None:
    """The applicant's answer to a finding on their own case (from the tracking page, opened with number + secret)."""
    if app.status not in ALLOWED["answer_finding"]:
        raise ApplicationError("apply.err_wrong_step")
    finding = verification.case_finding(session, app.id, finding_id)
    if finding is None:
        raise ApplicationError("apply.err_finding_not_found")
    try:
        verification.answer_case_finding(session, f"resident:{app.number}", finding, text, now=_now(now))
    except verification.RuleError as exc:
        raise ApplicationError(str(exc), "finding-answer") from None


FINDING_RESOLUTIONS = verification.CASE_RESOLUTIONS


def place_of(session: Session, app: Application) -> str:
    """The case's village with its township and county, for the case page's header."""
    village = session.get(Region, app.village_id) if app.village_id else None
    return " · ".join(r.name for r in regions.ancestors(session, village)[-3:]) if village else ""


def findings_for_officer(session: Session, actor: Actor, app: Application):
    """The case's findings, declared against found with their source and date, for an officer who may see the case
    (members named as on the application). Reading department records is audited."""
    authorize(actor, Role.OFFICER, app.region_path if app.region_path and app.status != DRAFT else "/nonexistent/")
    key = register.secret_key()
    names = {id_rules.id_hash(key, str(m.get("id_number"))): str(m.get("name", ""))
             for m in (app.answers or {}).get("members", []) if isinstance(m, dict) and m.get("id_number")}
    found = verification_queries.case_findings(session, app.id, names)
    if found:
        audit.record(session, actor, "verification.case_findings_view", "application", app.number,
                     after={"findings": len(found)})
    return found


def findings_for_applicant(session: Session, app: Application):
    """What the applicant is told about the check: the kinds of records that differ, never their values."""
    return verification_queries.applicant_findings(session, app.id)
# --- the working-day deadlines a calendar change moves (kernel.calendar_store) ------------------------------------

def _open_step_deadlines(session: Session) -> list[calendar_store.OpenDeadline]:
    rows = session.execute(
        select(ApplicationStep.id, ApplicationStep.kind, ApplicationStep.started_on, ApplicationStep.due_on,
               Application.number, Application.region_path)
        .join(Application, Application.id == ApplicationStep.application_id)
        # Publicity runs 7 calendar days, not working days: a holiday does not move it.
        .where(ApplicationStep.state == "open", ApplicationStep.due_on.is_not(None),
               ApplicationStep.kind != STEP_PUBLICITY)).all()
    return [calendar_store.OpenDeadline(f"apply.step.{kind}", number, path or "/", started, due,
                                        row_id=sid) for sid, kind, started, due, number, path in rows]


def _reschedule_step(session: Session, deadline: calendar_store.OpenDeadline, new_due: date) -> None:
    step = session.get(ApplicationStep, deadline.row_id)
    if step is not None and step.state == "open":
        step.due_on = new_due


calendar_store.register_deadline_source(calendar_store.DeadlineSource(
    "applications.steps", _open_step_deadlines, _reschedule_step))
