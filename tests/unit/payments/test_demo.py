"""Demo payments (portal/payments/demo.py): this year's past months paid for the demo county through the real
services, one payment returned, loaded once; and the demo reward pool published with its scores."""

from __future__ import annotations



from sqlalchemy import select

from portal import demo
from portal.kernel import audit
from portal.kernel.workdays import china_today
from portal.payments import demo as payments_demo
from portal.payments import queries, rules
from portal.payments.models import Payment, PaymentBatch
from portal.regions.models import Region


def test_demo_payments_load_once(db_session, fast_passwords):
    s = db_session
    demo.load(s, "pw-for-tests-123")
    batches = s.execute(select(PaymentBatch).order_by(PaymentBatch.period)).scalars().all()
    assert len(batches) == china_today().month - 1 and {b.status for b in batches} <= {rules.BATCH_PAID}
    if not batches:
        return  # January: no past month of this year to pay
    assert batches[0].returned_count == 1
    assert s.execute(select(Payment.status).where(Payment.status == rules.RETURNED)).scalars().all() == ["returned"]
    by_code = {r.code: r for r in s.execute(select(Region)).scalars()}
    assert payments_demo.load_for(s, by_code, demo._officer_actor) == 0  # once only
    year = int(batches[-1].period[:4])
    figures = queries.public_figures(s, year)
    assert figures.rows and all(not r.suppressed for r in figures.rows if r.period[:4] == str(year))
    assert audit.verify_chain(s).ok


def test_demo_reward_pool_is_published_with_its_scores(db_session, fast_passwords):
    from portal.reporting import demo as reporting_demo
    from portal.reporting import services as rs

    s = db_session
    demo.load(s, "pw-for-tests-123")
    (pool,) = rs.published_pools(s)
    assert sum(x["share_fen"] for x in pool.shares) == pool.pool_fen
    assert pool.weights_document == reporting_demo.DOCUMENT
    assert pool.decided_by != pool.approved_by
    assert reporting_demo.load(s) is False  # once only


def test_demo_leaves_last_years_pool_for_a_second_person(db_session, fast_passwords):
    from portal.reporting import demo as reporting_demo
    from portal.reporting import services as rs

    s = db_session
    demo.load(s, "pw-for-tests-123")
    year = china_today().year
    admin = reporting_demo._actor(s, "admin")
    sets = rs.weight_sets(s, admin, "13")
    assert [x.document_no for x in sets] == [reporting_demo.DOCUMENT, reporting_demo.EARLIER_DOCUMENT]
    waiting = [p for p in rs.pools(s, admin, "13") if p.status == rs.DECIDED]
    assert [p.year for p in waiting] == [year - 1]
    assert sum(x["share_fen"] for x in waiting[0].shares) == waiting[0].pool_fen
