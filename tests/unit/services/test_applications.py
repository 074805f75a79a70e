"""The application lifecycle (applications/services.py): drafts and submission, officer steps in order with
working-day deadlines from the one calendar, publicity through the roster service, scope and audit."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.kernel.audit_models import AuditEntry
from portal.roster.models import RosterEntry
from portal.applications import services as svc
from portal.applications.eligibility import rules as el
from portal.applications.eligibility import services as ep
from portal.kernel.images import ImageRejected, PrivateImageStore
from portal.kernel.permissions import PermissionDenied
from portal.kernel.workdays import default_calendar
from tests import factories

CAL = default_calendar()
CHINA = timezone(timedelta(hours=8))


def at(y: int, m: int, d: int, hour: int = 10) -> datetime:
    return datetime(y, m, d, hour, tzinfo=CHINA)


photo = factories.jpeg
ANSWERS = factories.CASE_ANSWERS


@pytest.fixture
def world(db_session, fast_passwords, tmp_path):
    tree = factories.region_tree(db_session)
    factories.seed_eligibility(db_session, tree.city)
    county, other_county = tree.counties
    township = tree.townships[county.code][0]
    village = tree.villages[township.code][0]
    return {
        "tree": tree, "village": village, "township": township, "county": county,
        "officer": factories.actor_with(db_session, (Role.OFFICER, township)),
        "county_officer": factories.actor_with(db_session, (Role.OFFICER, county)),
        "stranger": factories.actor_with(db_session, (Role.OFFICER, tree.townships[other_county.code][0])),
        "store": PrivateImageStore(tmp_path / "private"),
    }


def draft(db_session, world, **changes):
    app, secret = svc.create_draft(db_session, now=at(2026, 3, 2))
    answers = {**ANSWERS, "village": world["village"].code, **changes}
    for section in svc.SECTIONS:
        if section in answers:
            svc.save_section(db_session, app, section, answers[section])
    return app, secret


def submitted(db_session, world, when=None, **changes):
    app, secret = draft(db_session, world, **changes)
    svc.add_document(db_session, app, "id_card", photo(), world["store"])
    svc.submit(db_session, app, now=when or at(2026, 3, 2), cal=CAL)
    return app


def step(db_session, app, kind):
    return [s for s in svc.steps(db_session, app) if s.kind == kind][-1]


# --- drafts and submission --------------------------------------------------------------------------------------

def test_draft_resumes_only_with_its_secret(db_session, world):
    app, secret = draft(db_session, world)
    assert svc.resume(db_session, app.number, secret) is app
    assert svc.resume(db_session, app.number.lower(), secret.upper()) is app
    assert svc.resume(db_session, app.number, "wrong-secret") is None
    assert svc.resume(db_session, "SQNOPE", secret) is None


def test_draft_secret_is_stored_keyed_and_a_plain_legacy_hash_is_upgraded_on_resume(db_session, world):
    import hashlib

    from portal.kernel.hashing import keyed_hash
    from portal.kernel.settings import get_settings

    app, secret = draft(db_session, world)
    assert secret not in app.secret_hash and secret.replace("-", "") not in app.secret_hash
    keyed = app.secret_hash  # keyed: the database alone can't test it
    assert keyed == keyed_hash(get_settings().secret_key, f"application-secret:{app.number}:{secret}")
    assert keyed != keyed_hash("another-portal-key", f"application-secret:{app.number}:{secret}")
    assert keyed != hashlib.sha256(secret.encode()).hexdigest()

    old = "k3m9x2qpw7hn4rtd"  # a draft made before secrets were keyed: its 16-character secret, plain SHA-256
    plain = hashlib.sha256(old.encode()).hexdigest()
    app.secret_hash = plain
    assert svc.resume(db_session, app.number, "wrong-secret") is None and app.secret_hash == plain
    assert svc.resume(db_session, app.number, secret) is None  # the secret of another form opens nothing
    assert svc.resume(db_session, app.number, old.upper()) is app
    upgraded = keyed_hash(get_settings().secret_key, f"application-secret:{app.number}:{old}")
    assert app.secret_hash == upgraded  # upgraded to the keyed hash on the first right answer
    assert svc.resume(db_session, app.number, old) is app


def test_secret_is_short_and_grouped_like_a_report_secret(db_session, world):
    import re

    from portal.kernel import codes
    from portal.reports import services as reports

    app, secret = draft(db_session, world)
    shape = re.compile(f"^[{codes.ALPHABET}]{{4}}-[{codes.ALPHABET}]{{4}}$")
    assert shape.match(secret) and shape.match(reports.new_secret())  # one alphabet, one length, one grouping
    assert codes.SECRET_LENGTH == 8 and len(secret) == 9
    assert reports.normalize_secret is codes.normalize_secret and reports.new_secret is codes.new_secret
    others = {svc.create_draft(db_session)[1] for _ in range(50)}
    assert len(others) == 50 and all(shape.match(o) for o in others)


@pytest.mark.parametrize("typed", [
    "{s}", "{lower}", " {lower} ", "{bare}", "{bare_lower}", "{a} {b}", "{a}  -  {b}", "{a}.{b}", "{lower}\n",
])
def test_a_grouped_secret_is_taken_as_typed(db_session, world, typed):
    """Case, spaces and a missing (or spaced) dash do not matter, as for report secrets."""
    app, secret = draft(db_session, world)
    a, b = secret.split("-")
    given = typed.format(s=secret, lower=secret.lower(), bare=a + b, bare_lower=(a + b).lower(), a=a, b=b.lower())
    assert svc.resume(db_session, app.number, given) is app
    assert svc.resume(db_session, f" {app.number.lower()} ", given) is app


def test_a_wrong_or_partial_grouped_secret_opens_nothing(db_session, world):
    app, secret = draft(db_session, world)
    a, b = secret.split("-")
    for wrong in ("", "-", a, a + "-" + b[:3], secret + "X", b + "-" + a, secret.replace(a, "ZZZZ"), None, 12345678):
        assert svc.resume(db_session, app.number, wrong) is None, wrong  # type: ignore[arg-type]


def test_an_old_16_character_secret_still_resumes_its_draft(db_session, world):
    """Drafts made before the grouped form keep their 16-character lowercase secret (keyed): it opens them however
    it is typed, and the grouped normalisation never gets in its way."""
    app, _ = draft(db_session, world)
    old = "k3m9x2qpw7hn4rtd"
    app.secret_hash = svc._hash(app.number, old)  # what create_draft stored before
    for typed in (old, old.upper(), f" {old} ", "k3m9 x2qp w7hn 4rtd", "K3M9-X2QP-W7HN-4RTD"):
        assert svc.resume(db_session, app.number, typed) is app, typed
    assert app.secret_hash == svc._hash(app.number, old)  # nothing rewritten
    for wrong in (old[:8], old[8:], old[:-1], old + "x", "k3m9-x2qp"):
        assert svc.resume(db_session, app.number, wrong) is None, wrong


def test_submit_lists_every_missing_answer(db_session, world):
    app, _ = svc.create_draft(db_session)
    svc.save_section(db_session, app, "members", [{"name": "A", "relationship": "applicant", "age": 30,
                                                   "incomes": {"wage": -5}}])
    with pytest.raises(svc.SubmitErrors) as caught:
        svc.submit(db_session, app, cal=CAL)
    fields = [e.field for e in caught.value.errors]
    assert fields == ["village", "applicant-name", "applicant-phone", "residence", "member-0-income-wage",
                      "member-0-id_number", "related-any", "consent-0", "documents"]
    assert app.status == svc.DRAFT and app.answers["members"][0]["incomes"]["wage"] == -5  # kept as typed


@pytest.mark.parametrize("members,key", [([], "elig.err_no_members"),
                                         ([{"name": "M", "relationship": "other", "age": 30}] * 50,
                                          "elig.err_too_many_members")])
def test_zero_or_fifty_members(db_session, world, members, key):
    app, _ = draft(db_session, world, members=members, consent=[])
    svc.add_document(db_session, app, "id_card", photo(), world["store"])
    with pytest.raises(svc.SubmitErrors) as caught:
        svc.submit(db_session, app, cal=CAL)
    assert el.FieldError("members", key) in caught.value.errors


def test_every_adult_must_consent(db_session, world):
    app, _ = draft(db_session, world, consent=[0])
    svc.add_document(db_session, app, "id_card", photo(), world["store"])
    with pytest.raises(svc.SubmitErrors) as caught:
        svc.submit(db_session, app, cal=CAL)
    assert [e.field for e in caught.value.errors] == ["consent-1"]


def test_photos_go_through_the_image_intake(db_session, world):
    app, _ = draft(db_session, world)
    with pytest.raises(ImageRejected) as caught:
        svc.add_document(db_session, app, "id_card", b"this is a text file renamed to .jpg", world["store"])
    assert caught.value.reason == "image.not_image"
    with pytest.raises(ImageRejected) as caught:
        svc.add_document(db_session, app, "id_card", b"\xff" * (40 * 1024 * 1024), world["store"])
    assert caught.value.reason == "image.too_large"
    doc = svc.add_document(db_session, app, "id_card", photo(), world["store"])
    assert world["store"].exists(doc.image_id) and svc.documents(db_session, app) == [doc]
    assert app.answers["applicant"]["name"] == "张建国"  # the draft keeps what was entered


def test_submit_judges_with_values_in_force_and_opens_acceptance(db_session, world):
    app = submitted(db_session, world, when=at(2026, 4, 3))  # Friday before 清明 (4-4..4-6 off)
    assert app.status == svc.SUBMITTED and app.assessed_on == date(2026, 4, 3)
    assert (app.outcome, app.monthly_amount_fen) == (el.ELIGIBLE, 2100_00)
    accept = step(db_session, app, svc.STEP_ACCEPT)
    assert accept.due_on == date(2026, 4, 9)  # 3 WD: Tue 7, Wed 8, Thu 9 (Mon 6 is a holiday)
    with pytest.raises(svc.ApplicationError):
        svc.save_section(db_session, app, "hardship", True)  # locked after submission


# --- the officer's steps ----------------------------------------------------------------------------------------

def test_full_lifecycle_with_publicity_and_county_decision(db_session, world):
    app = submitted(db_session, world)
    officer, county = world["officer"], world["county_officer"]
    svc.accept(db_session, officer, app.number, now=at(2026, 3, 3), cal=CAL)
    assert app.status == svc.INVESTIGATING
    assert step(db_session, app, svc.STEP_SURVEY).due_on == date(2026, 3, 6)
    assert svc.overall_due(db_session, app, CAL) == date(2026, 4, 15)  # 30 WD, 清明 4-6 skipped
    svc.record_home_survey(db_session, officer, app.number, "visited, matches the declaration", now=at(2026, 3, 4),
                           cal=CAL)
    assert app.status == svc.INVESTIGATING  # the cross-check is still open
    svc.record_cross_check(db_session, officer, app.number, "match", now=at(2026, 3, 5), cal=CAL)
    assert app.status == svc.PRELIMINARY
    svc.preliminary_decision(db_session, officer, app.number, True, "income and assets within limits",
                             now=at(2026, 3, 6), cal=CAL)
    assert app.status == svc.TO_PUBLISH
    svc.send_to_publicity(db_session, officer, app.number, now=at(2026, 3, 9), cal=CAL)
    entry = db_session.execute(select(RosterEntry)).scalar_one()
    assert (entry.name, entry.household_size, entry.monthly_amount_fen) == ("张建国", 3, 2100_00)
    county_step = step(db_session, app, svc.STEP_COUNTY)
    assert (county_step.started_on, county_step.due_on) == (date(2026, 3, 16), date(2026, 3, 30))
    with pytest.raises(svc.ApplicationError) as caught:  # publicity still running: no early decision
        svc.county_decision(db_session, county, app.number, True, "approved after publicity",
                            now=at(2026, 3, 15), cal=CAL)
    assert caught.value.key == "apply.err_publicity_running"
    with pytest.raises(PermissionDenied):  # the township cannot take the county's decision
        svc.county_decision(db_session, officer, app.number, True, "approved after publicity",
                            now=at(2026, 3, 17), cal=CAL)
    svc.county_decision(db_session, county, app.number, True, "no objection during publicity",
                        now=at(2026, 3, 17), cal=CAL)
    assert app.status == svc.APPROVED and app.payment_from == date(2026, 4, 1)
    actions = set(db_session.execute(select(AuditEntry.action)).scalars())
    assert {"application.submit", "application.accept", "application.home_survey", "application.cross_check",
            "application.preliminary", "application.publish", "application.county_decision",
            "roster.batch_publish"} <= actions


def test_no_step_can_be_skipped(db_session, world):
    app = submitted(db_session, world)
    officer, county = world["officer"], world["county_officer"]
    for action in (lambda: svc.record_home_survey(db_session, officer, app.number, "too early to survey", cal=CAL),
                   lambda: svc.preliminary_decision(db_session, officer, app.number, True, "skipping ahead", cal=CAL),
                   lambda: svc.send_to_publicity(db_session, officer, app.number, cal=CAL),
                   lambda: svc.county_decision(db_session, county, app.number, True, "skipping ahead", cal=CAL)):
        with pytest.raises(svc.ApplicationError) as caught:
            action()
        assert caught.value.key == "apply.err_wrong_step"
    svc.accept(db_session, officer, app.number, cal=CAL)
    with pytest.raises(svc.ApplicationError):
        svc.accept(db_session, officer, app.number, cal=CAL)


def test_materials_request_is_one_list_and_resident_resupplies(db_session, world):
    app = submitted(db_session, world)
    officer = world["officer"]
    with pytest.raises(svc.ApplicationError):
        svc.request_materials(db_session, officer, app.number, [], cal=CAL)
    with pytest.raises(svc.ApplicationError):
        svc.request_materials(db_session, officer, app.number, ["other"], "", cal=CAL)
    svc.request_materials(db_session, officer, app.number, ["income_proof", "hukou", "bogus"], "社区证明",
                          now=at(2026, 3, 3), cal=CAL)
    view = svc.track(db_session, app, today=date(2026, 3, 3), cal=CAL)
    assert view.status == svc.MATERIALS and view.missing == ("hukou", "income_proof") and view.missing_other == "社区证明"
    with pytest.raises(svc.ApplicationError):  # one list: no second request while the first is open
        svc.request_materials(db_session, officer, app.number, ["property"], cal=CAL)
    svc.add_document(db_session, app, "hukou", photo((50, 40)), world["store"])
    svc.supply_materials(db_session, app, now=at(2026, 3, 5), cal=CAL)
    assert app.status == svc.SUBMITTED and svc.track(db_session, app, cal=CAL).missing == ()
    svc.accept(db_session, officer, app.number, now=at(2026, 3, 6), cal=CAL)
    assert app.status == svc.INVESTIGATING


def test_disputed_cross_check_needs_a_recheck(db_session, world):
    app = submitted(db_session, world)
    officer = world["officer"]
    svc.accept(db_session, officer, app.number, cal=CAL)
    with pytest.raises(svc.ApplicationError):  # a finding needs a written note
        svc.record_cross_check(db_session, officer, app.number, "disputed", "", cal=CAL)
    svc.record_cross_check(db_session, officer, app.number, "disputed", "bank shows 30,000 more; applicant disputes",
                           cal=CAL)
    svc.record_home_survey(db_session, officer, app.number, "visited, consistent with declaration", cal=CAL)
    assert app.status == svc.RECHECK
    svc.record_recheck(db_session, officer, app.number, "deposit belongs to a relative; explained", cal=CAL)
    assert app.status == svc.PRELIMINARY


def test_relative_of_staff_gets_a_county_visit(db_session, world):
    app = submitted(db_session, world, related={"any": True, "detail": "brother is the village accountant"})
    assert app.related_to_staff
    officer, county = world["officer"], world["county_officer"]
    svc.accept(db_session, officer, app.number, cal=CAL)
    visit = step(db_session, app, svc.STEP_VISIT)
    assert visit.office_region_id == world["county"].id
    svc.record_home_survey(db_session, officer, app.number, "visited, consistent with declaration", cal=CAL)
    svc.record_cross_check(db_session, officer, app.number, "match", cal=CAL)
    assert app.status == svc.INVESTIGATING  # waits for the county visit
    with pytest.raises(PermissionDenied):
        svc.record_county_visit(db_session, officer, app.number, "township cannot do this", cal=CAL)
    svc.record_county_visit(db_session, county, app.number, "county visit confirms the situation", cal=CAL)
    assert app.status == svc.PRELIMINARY
    assert svc.queue(db_session, county)[0].related


def test_refusal_goes_to_the_county_with_written_reasons(db_session, world):
    app = submitted(db_session, world)
    officer, county = world["officer"], world["county_officer"]
    svc.accept(db_session, officer, app.number, cal=CAL)
    svc.record_home_survey(db_session, officer, app.number, "car found at the home during the visit", cal=CAL)
    svc.record_cross_check(db_session, officer, app.number, "match", cal=CAL)
    with pytest.raises(svc.ApplicationError):
        svc.preliminary_decision(db_session, officer, app.number, False, "short", cal=CAL)
    svc.preliminary_decision(db_session, officer, app.number, False, "household owns an undeclared car", cal=CAL)
    assert app.status == svc.COUNTY
    with pytest.raises(svc.ApplicationError):  # approval only after publicity
        svc.county_decision(db_session, county, app.number, True, "approve without publicity", cal=CAL)
    svc.county_decision(db_session, county, app.number, False, "undeclared car, see home survey", cal=CAL)
    assert app.status == svc.REFUSED and app.decision_reasons == "undeclared car, see home survey"
    assert step(db_session, app, svc.STEP_NOTICE).state == "done"


def test_eligible_zero_is_not_approved_for_publicity(db_session, world):
    ep.seed(db_session, world["tree"].city, {el.TIERS: [{"below": 900_00, "per_person": 0}]}, date(2025, 6, 1),
            "DOC-TIER")
    app = submitted(db_session, world)
    assert app.outcome == el.ELIGIBLE_ZERO
    officer = world["officer"]
    svc.accept(db_session, officer, app.number, cal=CAL)
    svc.record_home_survey(db_session, officer, app.number, "visited, consistent with declaration", cal=CAL)
    svc.record_cross_check(db_session, officer, app.number, "match", cal=CAL)
    with pytest.raises(svc.ApplicationError) as caught:
        svc.preliminary_decision(db_session, officer, app.number, True, "eligible but zero amount", cal=CAL)
    assert caught.value.key == "apply.err_cannot_approve"


# --- deadlines, overdue, scope ----------------------------------------------------------------------------------

def test_deadlines_across_the_national_day_holiday(db_session, world):
    app = submitted(db_session, world, when=at(2026, 9, 30))
    accept = step(db_session, app, svc.STEP_ACCEPT)
    # 10-1..10-7 off, Sat 10-10 is a make-up workday: 3 WD after Wed 9-30 → Thu 10-8, Fri 10-9, Sat 10-10.
    assert accept.due_on == date(2026, 10, 10)
    svc.accept(db_session, world["officer"], app.number, now=at(2026, 10, 9), cal=CAL)
    assert step(db_session, app, svc.STEP_SURVEY).due_on == date(2026, 10, 13)  # Sat 10 (make-up), Mon 12, Tue 13


def test_overdue_steps_show_to_the_level_above(db_session, world):
    app = submitted(db_session, world, when=at(2026, 3, 2))
    county = world["county_officer"]
    on_time = svc.queue(db_session, county, today=date(2026, 3, 5))
    assert not on_time[0].overdue
    late = svc.queue(db_session, county, today=date(2026, 3, 6))[0]
    assert late.overdue and late.escalated and late.next_due == "2026-03-05"
    own = svc.queue(db_session, world["officer"], today=date(2026, 3, 6))[0]
    assert own.overdue and not own.escalated  # the township sees it as its own overdue step
    assert svc.count_overdue(db_session, county, date(2026, 3, 6)) == 1
    assert [r.number for r in svc.queue(db_session, county, overdue_only=True, today=date(2026, 3, 6))] == [app.number]
    assert svc.queue(db_session, county, overdue_only=True, today=date(2026, 3, 4)) == []
    assert svc.track(db_session, app, today=date(2026, 3, 6), cal=CAL).steps[0].overdue


def test_officers_only_see_their_region(db_session, world):
    app = submitted(db_session, world)
    stranger = world["stranger"]
    assert svc.queue(db_session, stranger) == []
    with pytest.raises(PermissionDenied):
        svc.accept(db_session, stranger, app.number, cal=CAL)
    with pytest.raises(PermissionDenied):
        svc.get_for_officer(db_session, stranger, app.number)
    with pytest.raises(PermissionDenied):
        svc.get_for_officer(db_session, stranger, "SQNOSUCH1")
    doc = svc.documents(db_session, app)[0]
    with pytest.raises(PermissionDenied):
        svc.document_for_officer(db_session, stranger, doc.id)
    assert svc.document_for_officer(db_session, world["officer"], doc.id) is doc


def test_track_shows_steps_offices_and_deadlines(db_session, world):
    factories.window(db_session, world["township"], office_name="Township service centre")
    app = submitted(db_session, world)
    svc.accept(db_session, world["officer"], app.number, now=at(2026, 3, 3), cal=CAL)
    view = svc.track(db_session, app, today=date(2026, 3, 3), cal=CAL)
    assert [s.kind for s in view.steps] == ["accept", "home_survey", "cross_check"]
    assert view.steps[1].office == "Township service centre" and view.steps[1].working_days == 3
    assert view.overall_due == "2026-04-15"


def test_track_names_the_office_handling_the_open_step_with_its_contact(db_session, world):
    window = factories.window(db_session, world["township"], office_name="Township service centre")
    window.address, window.phone, window.hours = "1 Main St", "0311-8601 2302", "Mon-Fri 8:30-17:30"
    factories.window(db_session, world["county"], office_name="County hall")
    app = submitted(db_session, world)
    contact = svc.track(db_session, app, today=date(2026, 3, 3), cal=CAL).contact
    assert (contact.office, contact.address, contact.hours) == ("Township service centre", "1 Main St",
                                                                "Mon-Fri 8:30-17:30")
    assert contact.tel == "tel:031186012302"
    window.active = False  # no active window: the township's own name, nothing to call
    contact = svc.track(db_session, app, today=date(2026, 3, 3), cal=CAL).contact
    assert (contact.office, contact.tel) == (world["township"].name, "")


def test_the_submitted_receipt_names_the_township_office_and_the_acceptance_due_date(db_session, world):
    factories.window(db_session, world["township"], office_name="Township service centre")
    app, _ = draft(db_session, world)
    assert svc.next_step(db_session, app, cal=CAL) is None  # a draft waits for nobody
    svc.add_document(db_session, app, "id_card", photo(), world["store"])
    svc.submit(db_session, app, now=at(2026, 3, 2), cal=CAL)  # a Monday
    nxt = svc.next_step(db_session, app, today=date(2026, 3, 2), cal=CAL)
    assert (nxt.kind, nxt.office, nxt.due_on, nxt.working_days) == ("accept", "Township service centre",
                                                                    "2026-03-05", 3)
    # The same step, office and date the tracking page shows.
    assert nxt == svc.track(db_session, app, today=date(2026, 3, 2), cal=CAL).steps[0]
    # Filed on a Friday: 3 working days skip the weekend.
    late, _ = draft(db_session, world)
    svc.add_document(db_session, late, "id_card", photo(), world["store"])
    svc.submit(db_session, late, now=at(2026, 3, 6), cal=CAL)
    assert svc.next_step(db_session, late, cal=CAL).due_on == "2026-03-11"
    # Accepted: the next thing is the township's home survey.
    svc.accept(db_session, world["officer"], app.number, now=at(2026, 3, 3), cal=CAL)
    assert svc.next_step(db_session, app, today=date(2026, 3, 3), cal=CAL).kind == "home_survey"


def test_county_extends_the_whole_process_to_45_working_days(db_session, world):
    app = submitted(db_session, world)
    officer, county = world["officer"], world["county_officer"]
    with pytest.raises(svc.ApplicationError):  # not before acceptance
        svc.extend_deadline(db_session, county, app.number, "complex household, waiting for records", cal=CAL)
    svc.accept(db_session, officer, app.number, now=at(2026, 3, 3), cal=CAL)
    svc.record_home_survey(db_session, officer, app.number, "visited, consistent with declaration", cal=CAL)
    svc.record_cross_check(db_session, officer, app.number, "match", cal=CAL)
    assert step(db_session, app, svc.STEP_PRELIMINARY).due_on == date(2026, 4, 15)
    with pytest.raises(PermissionDenied):  # the county's decision, not the township's
        svc.extend_deadline(db_session, officer, app.number, "complex household, waiting for records", cal=CAL)
    svc.extend_deadline(db_session, county, app.number, "complex household, waiting for records", cal=CAL)
    assert svc.overall_due(db_session, app, CAL) == date(2026, 5, 9)  # 45 WD: 劳动节 skipped, make-up Sat 5-9 counts
    assert step(db_session, app, svc.STEP_PRELIMINARY).due_on == date(2026, 5, 9)
    assert svc.track(db_session, app, cal=CAL).overall_wd == 45
    with pytest.raises(svc.ApplicationError):
        svc.extend_deadline(db_session, county, app.number, "a second extension is refused", cal=CAL)


def test_one_materials_list_only_and_submitted_photos_stay(db_session, world):
    """一次性告知: after the resident supplied the list, a second list is refused; while supplying, the resident adds
    photos (and may remove those) but cannot remove what the officer already had."""
    app, _ = draft(db_session, world)
    first = svc.add_document(db_session, app, "id_card", photo(), world["store"], now=at(2026, 3, 2, 9))
    svc.submit(db_session, app, now=at(2026, 3, 2), cal=CAL)
    officer = world["officer"]
    svc.request_materials(db_session, officer, app.number, ["hukou"], now=at(2026, 3, 3), cal=CAL)
    with pytest.raises(svc.ApplicationError) as exc:
        svc.remove_document(db_session, app, first.id)
    assert exc.value.key == "apply.err_doc_locked"
    added = svc.add_document(db_session, app, "hukou", photo((50, 40)), world["store"], now=at(2026, 3, 4))
    svc.remove_document(db_session, app, added.id)  # a photo added for the list may be taken back
    svc.add_document(db_session, app, "hukou", photo((60, 40)), world["store"], now=at(2026, 3, 4))
    svc.supply_materials(db_session, app, now=at(2026, 3, 5), cal=CAL)
    with pytest.raises(svc.ApplicationError) as exc:
        svc.request_materials(db_session, officer, app.number, ["property"], now=at(2026, 3, 6), cal=CAL)
    assert exc.value.key == "apply.err_materials_once"
    assert first.id in {d.id for d in svc.documents(db_session, app)}


def _each_action(app_number, doc_id):
    """Every officer action with plausible arguments (the status check comes after the guard)."""
    return {
        "accept": lambda s, a: svc.accept(s, a, app_number, cal=CAL),
        "request_materials": lambda s, a: svc.request_materials(s, a, app_number, ["hukou"], cal=CAL),
        "home_survey": lambda s, a: svc.record_home_survey(s, a, app_number, "入户调查情况属实，家中确有困难。", cal=CAL),
        "cross_check": lambda s, a: svc.record_cross_check(s, a, app_number, "match", cal=CAL),
        "recheck": lambda s, a: svc.record_recheck(s, a, app_number, "复查情况属实，已核对银行流水。", cal=CAL),
        "county_visit": lambda s, a: svc.record_county_visit(s, a, app_number, "县级入户核查情况属实。", cal=CAL),
        "preliminary": lambda s, a: svc.preliminary_decision(s, a, app_number, True, "符合条件，建议公示。", cal=CAL),
        "publish": lambda s, a: svc.send_to_publicity(s, a, app_number, cal=CAL),
        "extend": lambda s, a: svc.extend_deadline(s, a, app_number, "情况复杂，需要延长办理时限。", cal=CAL),
        "county_decision": lambda s, a: svc.county_decision(s, a, app_number, False, "不符合条件，理由如下。", cal=CAL),
        "read": lambda s, a: svc.get_for_officer(s, a, app_number),
        "document": lambda s, a: svc.document_for_officer(s, a, doc_id),
    }


@pytest.mark.parametrize("who", ["other_county", "neighbour_township", "window_staff", "supervisor", "admin",
                                 "finance"])
def test_every_officer_action_refuses_the_wrong_role_or_region(db_session, world, who):
    """The one guard on every action (and the photo lookup): role OFFICER over the case's region. Another county,
    the next township in the same county, and the township's own window staff, supervisor, admin or finance are all
    refused before anything changes."""
    tree, township, county = world["tree"], world["township"], world["county"]
    neighbour = tree.townships[county.code][1]
    grants = {"other_county": (Role.OFFICER, tree.townships[tree.counties[1].code][0]),
              "neighbour_township": (Role.OFFICER, neighbour),
              "window_staff": (Role.WINDOW_STAFF, township), "supervisor": (Role.SUPERVISOR, county),
              "admin": (Role.ADMIN, county), "finance": (Role.FINANCE, county)}
    actor = factories.actor_with(db_session, grants[who])
    app = submitted(db_session, world)
    for name, action in _each_action(app.number, svc.documents(db_session, app)[0].id).items():
        with pytest.raises(PermissionDenied):
            action(db_session, actor)
        assert app.status == svc.SUBMITTED, name


def test_township_officer_cannot_take_county_steps(db_session, world):
    """The county visit, the extension and the county decision are the county's (role + the county's region)."""
    app = submitted(db_session, world, related={"any": True, "detail": "配偶之兄为村委会委员"})
    officer, county = world["officer"], world["county_officer"]
    svc.accept(db_session, officer, app.number, now=at(2026, 3, 3), cal=CAL)
    with pytest.raises(PermissionDenied):
        svc.record_county_visit(db_session, officer, app.number, "县级入户核查情况属实。", cal=CAL)
    with pytest.raises(PermissionDenied):
        svc.extend_deadline(db_session, officer, app.number, "情况复杂，需要延长办理时限。", cal=CAL)
    with pytest.raises(PermissionDenied):
        svc.county_decision(db_session, officer, app.number, False, "不符合条件，理由如下。", cal=CAL)
    svc.record_county_visit(db_session, county, app.number, "县级入户核查情况属实。", now=at(2026, 3, 4), cal=CAL)


@pytest.mark.parametrize("name", ["张建国1", "张<b>建国", "张*国", "张\u202e国", "张\u200b建国", "130102199001011234"])
def test_a_name_the_roster_would_refuse_cannot_be_submitted(db_session, world, name):
    """The application and the roster share one name rule, so every submitted case can be published."""
    app, _ = draft(db_session, world, applicant={"name": name, "phone": "13800138000"},
                   members=[{**ANSWERS["members"][0], "name": name}, *ANSWERS["members"][1:]])
    errors = {(e.field, e.key) for e in svc.check_for_submit(db_session, app)}
    assert {("applicant-name", "name.err_invalid"), ("member-0-name", "name.err_invalid")} <= errors
    # What the officer inbox shows never carries control, zero-width or bidi characters.
    assert "\u202e" not in app.applicant_name and "\u200b" not in app.applicant_name


def test_minority_and_latin_names_are_submitted(db_session, world):
    for name in ("买买提·艾力", "Tom Smith"):
        app, _ = draft(db_session, world, applicant={"name": name, "phone": "13800138000"})
        assert not [e for e in svc.check_for_submit(db_session, app) if e.field == "applicant-name"]


# --- the steps still to come (tracking page) ----------------------------------------------------------------------

def test_track_lists_every_step_still_to_come_with_office_and_latest_due_date(db_session, world):
    factories.window(db_session, world["township"], office_name="Township service centre")
    factories.window(db_session, world["county"], office_name="County civil affairs bureau")
    app = submitted(db_session, world)  # Mon 2026-03-02: acceptance due Thu 03-05 (3 WD)
    view = svc.track(db_session, app, today=date(2026, 3, 3), cal=CAL)
    ahead = [(a.kind, a.office, a.due_on, a.working_days, a.days) for a in view.ahead]
    assert ahead == [
        ("home_survey", "Township service centre", "2026-03-10", 3, None),  # 3 WD after 03-05
        ("cross_check", "Township service centre", "2026-03-10", 3, None),
        ("preliminary", "Township service centre", "2026-04-17", None, None),  # 30 WD after 03-05, 清明 skipped
        ("publicity", "Township service centre", "2026-04-24", None, 7),  # 7 calendar days
        ("county_decision", "County civil affairs bureau", "2026-05-12", 10, None),  # 劳动节 off, Sat 05-09 worked
    ]
    # A step running late moves what follows: as it stands on 03-09, acceptance can be today at the earliest.
    late = svc.track(db_session, app, today=date(2026, 3, 9), cal=CAL).ahead
    assert late[0].due_on == "2026-03-12"


def test_steps_ahead_follow_the_case(db_session, world):
    app = submitted(db_session, world, related={"any": True, "detail": "brother is the village accountant"})
    kinds = lambda today: [a.kind for a in svc.track(db_session, app, today=today, cal=CAL).ahead]  # noqa: E731
    assert kinds(date(2026, 3, 3)) == ["home_survey", "cross_check", "county_visit", "preliminary", "publicity",
                                       "county_decision"]
    visit = svc.track(db_session, app, today=date(2026, 3, 3), cal=CAL).ahead[2]
    assert visit.office == world["county"].name and visit.working_days is None
    officer = world["officer"]
    svc.accept(db_session, officer, app.number, now=at(2026, 3, 3), cal=CAL)
    assert kinds(date(2026, 3, 3)) == ["preliminary", "publicity", "county_decision"]
    assert svc.track(db_session, app, today=date(2026, 3, 3), cal=CAL).ahead[0].due_on == "2026-04-15"
    svc.record_home_survey(db_session, officer, app.number, "visited, matches the declaration", cal=CAL)
    svc.record_cross_check(db_session, officer, app.number, "match", cal=CAL)
    svc.record_county_visit(db_session, world["county_officer"], app.number, "county visit confirms it", cal=CAL)
    assert kinds(date(2026, 3, 6)) == ["publicity", "county_decision"]
    svc.preliminary_decision(db_session, officer, app.number, True, "income and assets within limits",
                             now=at(2026, 3, 6), cal=CAL)
    assert kinds(date(2026, 3, 6)) == ["county_decision"]
    svc.send_to_publicity(db_session, officer, app.number, now=at(2026, 3, 9), cal=CAL)
    assert kinds(date(2026, 3, 9)) == []  # the county decision step is open already, with its own deadline


def test_after_a_materials_request_acceptance_is_ahead_again(db_session, world):
    app = submitted(db_session, world)
    svc.request_materials(db_session, world["officer"], app.number, ["hukou"], now=at(2026, 3, 3), cal=CAL)
    ahead = svc.track(db_session, app, today=date(2026, 3, 4), cal=CAL).ahead
    assert [a.kind for a in ahead][:3] == ["accept", "home_survey", "cross_check"]
    assert (ahead[0].due_on, ahead[0].working_days) == ("2026-03-09", 3)  # supplied today at the earliest


# --- check-your-answers: every value with its question ------------------------------------------------------------

def test_check_your_answers_labels_every_value(db_session, world):
    from portal.applications.queries import check_lines

    app, _ = draft(db_session, world)
    svc.add_document(db_session, app, "id_card", photo(), world["store"])
    rows = {r.anchor: r for r in check_lines(db_session, app)}
    zh = {anchor: [i.zh for i in r.items] for anchor, r in rows.items()}
    en = {anchor: [i.en for i in r.items] for anchor, r in rows.items()}
    assert zh["assets"] == ["存款、理财、股票和商业保险合计（元）：5,000.00", "机动车（辆）：0", "住房（套）：1",
                            "住房总面积（平方米）：60", "登记的公司或个体工商户（个）：0"]
    assert en["assets"][3] == "Total housing area (m²): 60"
    assert zh["applicant"] == ["姓名：张建国", "手机号码：13800138000"]
    assert zh["member-1"] == ["姓名：李秀兰", "身份证号码：130102********0025", "与申请人的关系：配偶", "年龄（周岁）：50", "残疾等级：一级",
                              "患有重病：否", "在校学生：否"]
    assert zh["income-0"] == ["姓名：张建国", "工资性收入：600.00 元/月"]
    assert en["income-1"] == ["Name: 李秀兰", "Monthly income: None"]
    assert zh["consent"] == ["2 位成年人中 2 位已同意"] and en["documents"] == ["1 uploaded"]
    # Every row is labelled: a question key, and no bare value without one.
    assert all(r.label for r in rows.values())
