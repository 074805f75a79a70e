"""Public money figures (payments/queries.public_figures): paid money only, per county and month, never from fewer
than 5 households, totals over the rows shown; and an officer's batch list scoped to the regions they hold."""

from __future__ import annotations

from datetime import date

from portal.accounts.models import Role
from portal.applications.eligibility import rules as el
from portal.applications.eligibility import services as eligibility
from portal.payments import queries, rules
from portal.payments import services as pay
from tests import factories
from tests.unit.payments.test_batches import T0, _returns, add_households, paid_batch, w  # noqa: F401


def test_figures_count_paid_money_and_hide_small_counties(w):
    eligibility.seed(w.s, w.tree.city, {el.STANDARD_URBAN: 760_00, el.STANDARD_RURAL: 520_00}, date(2026, 1, 1),
                     "冀民〔2026〕1号")
    batch = paid_batch(w)  # county A: 12 households of 2 people
    lines, rows = _returns(w, batch, [0])
    pay.import_returns(w.s, w.finance, batch.id, rules.write_return_file(batch.batch_no, lines), now=T0)
    other_officer = factories.actor_with(w.s, (Role.OFFICER, w.other))
    other_second = factories.actor_with(w.s, (Role.OFFICER, w.other))
    small = pay.prepare_batch(w.s, other_officer, "130104", "2026-04", now=T0)  # county B: 4 households
    pay.approve_batch(w.s, other_second, small.id, True, now=T0)
    pay.mark_paid(w.s, other_officer, small.id, "BANK-9999", date(2026, 4, 3), now=T0)

    figures = queries.public_figures(w.s, 2026)
    a, b = figures.rows
    paid_total = batch.total_fen - rows[0].amount_fen
    assert (a.county_code, a.period, a.suppressed, a.households, a.people, a.total_fen) == (
        "130102", "2026-04", False, 11, 22, paid_total)
    assert a.per_person_fen == paid_total // 22
    assert (a.standard_urban_fen, a.standard_rural_fen) == (760_00, 520_00)
    assert (b.county_code, b.suppressed, b.households, b.total_fen) == ("130104", True, 0, 0)
    assert (figures.shown_households, figures.shown_total_fen, figures.suppressed_rows) == (11, paid_total, 1)
    # The batch's own totals agree with its payment rows (the figures read the former).
    from sqlalchemy import func, select

    from portal.payments.models import Payment
    direct = w.s.execute(select(func.count(), func.sum(Payment.people), func.sum(Payment.amount_fen))
                         .where(Payment.batch_id == batch.id, Payment.status == rules.PAID)).one()
    assert tuple(direct) == (a.households, a.people, a.total_fen)
    assert queries.public_figures(w.s, 2025).rows == []
    assert [r.county_code for r in queries.public_figures(w.s, 2026, w.other.path).rows] == ["130104"]


def test_batch_list_is_scoped_to_the_officers_regions(w):
    batch = paid_batch(w)
    assert [r.batch_no for r in queries.batches_for(w.s, w.preparer)] == [batch.batch_no]
    assert [r.batch_no for r in queries.batches_for(w.s, w.finance)] == [batch.batch_no]
    assert queries.batches_for(w.s, w.stranger) == []
    supervisor = factories.actor_with(w.s, (Role.SUPERVISOR, w.tree.province))
    assert queries.batches_for(w.s, supervisor) == []
