"""The demo's verification cases as `python -m portal demo` loads them: 刘德明's case page shows a disputed finding,
one still open for his answer, and a re-assessment made by accepting his wife's wage (an accepted finding re-runs
the engine, and the page shows the verdict before and after)."""

from __future__ import annotations

from sqlalchemy import select

from portal import demo
from portal.accounts.models import User
from portal.accounts.services import actor_for_user
from portal.applications import demo as demo_applications
from portal.applications import queries
from portal.applications.models import Application, Reassessment
from portal.kernel.images import PrivateImageStore
from portal.verification import demo as demo_verification
from portal.verification.models import Finding


def test_the_demo_has_a_case_reassessed_with_an_accepted_finding(db_session, tmp_path, monkeypatch, fast_passwords):
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PORTAL_SECRET_KEY", "demo-test-key")
    from tests.conftest import clear_portal_caches

    clear_portal_caches()
    s = db_session
    demo.load(s, "demo-password-123")
    demo_verification.load_sources(s)
    demo_applications.load(s, PrivateImageStore(tmp_path / "store"))
    assert demo_verification.load_case_states(s) == 3
    app = s.execute(select(Application).where(Application.applicant_name == demo_verification.APPLICANT)).scalar_one()
    findings = {f.rule + ":" + "|".join(f.record_refs): f.resolution
                for f in s.execute(select(Finding).where(Finding.application_id == app.id)).scalars()}
    assert findings == {"deposits:ICBC-0102-9001": "disputed", "income:SI-130102-8830": None,
                        f"income:{demo_verification.SPOUSE_WAGE_REF}": "corrected"}
    [row] = s.execute(select(Reassessment).where(Reassessment.application_id == app.id)).scalars()
    assert row.outcome_before == row.outcome_after == "eligible"
    # her ¥300 wage, found and accepted, now counts less the demo city's ¥100 work-cost deduction per wage earner
    assert row.amount_after_fen == row.amount_before_fen - (300_00 - 100_00)

    officer = s.execute(select(User).where(User.username == "officer_jianbei")).scalar_one()
    shown = queries.case_detail(s, actor_for_user(s, officer), app.number).reassessment
    assert (shown.before_amount_fen, shown.after_amount_fen, shown.times) == (
        row.amount_before_fen, row.amount_after_fen, 1)
    assert [(c.rule, c.member, c.weighed) for c in shown.changes] == [("income", demo_verification.SPOUSE, True)]
    assert demo_verification.load_case_states(s) == 0  # idempotent
    clear_portal_caches()
