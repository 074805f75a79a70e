"""The demo's publicity batch (portal/applications/demo.py `load_publicity`): every line of the public roster comes
from a register household or a case, and the batch in publicity is built from cases that went through every step
at the township and were published together, as an officer does at /officer/publicity."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select

from portal import demo
from portal.accounts.models import User
from portal.applications import demo as demo_applications
from portal.applications import services as apps
from portal.applications.models import Application, ApplicationStep
from portal.kernel import audit
from portal.kernel.audit_models import AuditEntry
from portal.kernel.images import PrivateImageStore
from portal.regions.models import Region
from portal.register.models import Household
from portal.roster.models import RosterBatch, RosterEntry


def _load(s, tmp_path):
    demo.load(s, "demo-password-123")
    demo_applications.load(s, PrivateImageStore(tmp_path / "store"))


def test_every_roster_line_comes_from_a_household_or_a_case(db_session, tmp_path, fast_passwords):
    s = db_session
    _load(s, tmp_path)
    entries = s.execute(select(RosterEntry)).scalars().all()
    assert entries
    for e in entries:
        kind, _, ident = (e.source_ref or "").partition(":")
        assert kind in ("household", "application") and ident.isdigit(), (e.name, e.source_ref)
        source = s.get(Household if kind == "household" else Application, int(ident))
        assert source is not None, (e.name, e.source_ref)
        assert (source.head_name if kind == "household" else source.applicant_name) == e.name


def test_the_batch_in_publicity_is_built_from_cases_approved_at_the_township(db_session, tmp_path, fast_passwords):
    s = db_session
    _load(s, tmp_path)
    township = s.execute(select(Region).where(Region.code == demo_applications.PUBLICITY_TOWNSHIP)).scalar_one()
    officer = s.execute(select(User).where(User.username == demo_applications.PUBLICITY_OFFICER)).scalar_one()
    now = datetime.now(timezone.utc)
    current = [b for b in s.execute(select(RosterBatch).where(RosterBatch.region_id == township.id)).scalars()
               if b.starts_at <= now < b.ends_at]
    assert len(current) == 1  # ONE batch, not one per household
    batch = current[0]
    assert batch.published_by_id == officer.id and batch.entry_count == len(demo_applications.PUBLICITY)
    lines = s.execute(select(RosterEntry).where(RosterEntry.batch_id == batch.id)).scalars().all()
    expected = {(name, village, len(members)) for village, name, _phone, members, *_ in demo_applications.PUBLICITY}
    assert {(e.name, s.get(Region, e.village_id).code, e.household_size) for e in lines} == expected
    for e in lines:
        app = s.get(Application, int(e.source_ref.removeprefix("application:")))
        # The line is its case's, and the amount is the engine's verdict on the declared household.
        assert app.status == apps.PUBLICITY and app.applicant_name == e.name and app.village_id == e.village_id
        assert e.household_size == apps.publicity_size(s, app)
        assert e.monthly_amount_fen == app.monthly_amount_fen == apps.assessment(s, app).monthly_amount_fen > 0
        done = {st.kind: st for st in s.execute(select(ApplicationStep).where(
            ApplicationStep.application_id == app.id)).scalars() if st.state == "done"}
        for kind in (apps.STEP_ACCEPT, apps.STEP_SURVEY, apps.STEP_CHECK, apps.STEP_PRELIMINARY):
            assert done[kind].actor_id == officer.id, kind
        assert done[apps.STEP_PRELIMINARY].outcome == "approve"
        published = s.execute(select(AuditEntry).where(AuditEntry.action == "application.publish",
                                                       AuditEntry.target_id == app.number)).scalar_one()
        assert published.after["batch_id"] == batch.id
    assert audit.verify_chain(s).ok


def test_a_second_load_changes_nothing(db_session, tmp_path, fast_passwords):
    s = db_session
    _load(s, tmp_path)
    counts = [s.execute(select(func.count()).select_from(m)).scalar_one()
              for m in (Application, RosterBatch, RosterEntry, AuditEntry)]
    assert demo_applications.load_publicity(s, PrivateImageStore(tmp_path / "store")) == 0
    _load(s, tmp_path)
    assert [s.execute(select(func.count()).select_from(m)).scalar_one()
            for m in (Application, RosterBatch, RosterEntry, AuditEntry)] == counts
