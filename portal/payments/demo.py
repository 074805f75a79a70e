"""Demo payments: the last three months' batches of every demo county with register households, each prepared by
the county officer, approved by a second officer (the province's), paid with a bank reference, and one payment
returned by the bank in the oldest, so the public figures and the officer's list have something real to show.
Idempotent: skipped when any batch exists."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.payments import rules
from portal.payments import services as pay
from portal.payments.models import Payment, PaymentBatch
from portal.regions.models import Region


def load(session: Session, county: Region, preparer, approver, today: date | None = None) -> int:
    """Returns how many batches were added."""
    if session.execute(select(PaymentBatch.id).limit(1)).first() is not None or None in (preparer, approver):
        return 0
    today = today or date.today()
    first = today.replace(day=1)
    periods = []
    for _ in range(3):
        first = (first - timedelta(days=1)).replace(day=1)
        periods.append(first)
    added = 0
    for n, month in enumerate(reversed(periods)):
        try:
            batch = pay.prepare_batch(session, preparer, county.code, rules.period_of(month))
        except pay.PaymentError:
            continue  # no household due that month
        pay.approve_batch(session, approver, batch.id, True)
        pay.mark_paid(session, preparer, batch.id, f"DEMO-BANK-{month:%Y%m}", today)
        if n == 0:
            first_payment = session.execute(select(Payment).where(Payment.batch_id == batch.id)
                                            .order_by(Payment.id)).scalars().first()
            if first_payment is not None:
                body = rules.write_return_file(batch.batch_no, [rules.ReturnLine(
                    rules.payment_ref(first_payment.id), first_payment.amount_fen, "账户已销户 account closed")])
                pay.import_returns(session, preparer, batch.id, body)
        added += 1
    return added


def load_for(session: Session, by_code: dict[str, Region], officer_for: Callable[..., object]) -> int:
    county = by_code.get("130102")
    province = by_code.get("13")
    if county is None or province is None:
        return 0
    return load(session, county, officer_for(session, county, "officer_county"),
                officer_for(session, province, "officer_province"))
