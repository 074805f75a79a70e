"""Demo payments: this year's past months for the demo county, each batch prepared by the county officer, approved by
a second officer (the province's), paid with a bank reference, and one payment returned by the bank in the first,
so the public figures, the scores and the officer's list have something real to show. Idempotent: skipped when any
batch exists."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.kernel.workdays import china_today
from portal.payments import rules
from portal.payments import services as pay
from portal.payments.models import Payment, PaymentBatch
from portal.regions.models import Region


def load(session: Session, county: Region, preparer, approver, today: date | None = None) -> int:
    """Every past month of this year, each batch dated in its own month (prepared on the 2nd, paid on the 5th), so
    the payments-on-time term of the scores has a year to measure. Returns how many batches were added."""
    if session.execute(select(PaymentBatch.id).limit(1)).first() is not None or None in (preparer, approver):
        return 0
    today = today or china_today()
    added = 0
    for month in range(1, today.month):
        prepared = datetime(today.year, month, 2, 2, 0, tzinfo=timezone.utc)
        paid = datetime(today.year, month, 5, 2, 0, tzinfo=timezone.utc)
        try:
            batch = pay.prepare_batch(session, preparer, county.code, f"{today.year:04d}-{month:02d}", now=prepared)
        except pay.PaymentError:
            continue  # no household due that month
        pay.approve_batch(session, approver, batch.id, True, now=prepared)
        pay.mark_paid(session, preparer, batch.id, f"DEMO-BANK-{today.year:04d}{month:02d}", paid.date(), now=paid)
        if added == 0:
            first_payment = session.execute(select(Payment).where(Payment.batch_id == batch.id)
                                            .order_by(Payment.id)).scalars().first()
            if first_payment is not None:
                body = rules.write_return_file(batch.batch_no, [rules.ReturnLine(
                    rules.payment_ref(first_payment.id), first_payment.amount_fen, "账户已销户 account closed")])
                pay.import_returns(session, preparer, batch.id, body, now=paid)
        added += 1
    return added


def load_for(session: Session, by_code: dict[str, Region], officer_for: Callable[..., object]) -> int:
    county = by_code.get("130102")
    province = by_code.get("13")
    if county is None or province is None:
        return 0
    return load(session, county, officer_for(session, county, "officer_county"),
                officer_for(session, province, "officer_province"))
