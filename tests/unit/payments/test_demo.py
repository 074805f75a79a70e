"""Demo payments (portal/payments/demo.py): three paid months for the demo county through the real services, one
payment returned, loaded once."""

from __future__ import annotations


from sqlalchemy import select

from portal import demo
from portal.kernel import audit
from portal.payments import demo as payments_demo
from portal.payments import queries, rules
from portal.payments.models import Payment, PaymentBatch
from portal.regions.models import Region


def test_demo_payments_load_once(db_session, fast_passwords, monkeypatch):
    s = db_session
    demo.load(s, "pw-for-tests-123")
    batches = s.execute(select(PaymentBatch).order_by(PaymentBatch.period)).scalars().all()
    assert len(batches) == 3 and {b.status for b in batches} == {rules.BATCH_PAID}
    assert batches[0].returned_count == 1
    assert s.execute(select(Payment.status).where(Payment.status == rules.RETURNED)).scalars().all() == ["returned"]
    by_code = {r.code: r for r in s.execute(select(Region)).scalars()}
    assert payments_demo.load_for(s, by_code, demo._officer_actor) == 0  # once only
    year = int(batches[-1].period[:4])
    figures = queries.public_figures(s, year)
    assert figures.rows and all(not r.suppressed for r in figures.rows if r.period[:4] == str(year))
    assert audit.verify_chain(s).ok
