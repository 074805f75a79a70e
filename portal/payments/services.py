"""Payment use cases: prepare a county's batch for a month (set-based: one INSERT … SELECT over the register's active
households), approve or reject it by a second officer, mark it paid with the bank's reference, stop one payment
before approval, change a household's amount from the next batch, write the bank file and take the return file.

Every use case checks role + region with the one guard and writes the audit log in the caller's transaction.
Preparing a batch at county scale is CPU and I/O work: async callers run `prepare_in_unit` through `kernel.heavy`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, exists, func, insert, literal, select, update
from sqlalchemy.orm import Session

from portal.kernel.errors import DomainError
from portal.accounts.models import Role
from portal.kernel import audit
from portal.kernel.base import utcnow
from portal.kernel.db import session_scope
from portal.kernel.permissions import Actor, authorize
from portal.kernel.workdays import china_date
from portal.payments import rules
from portal.payments.models import AmountChange, Payment, PaymentBatch
from portal.regions import services as regions
from portal.regions.models import Region, RegionLevel
from portal.register.models import STATUS_ACTIVE, Household, Member

MIN_REASON = 4
MAX_REASON = 500
MAX_AMOUNT_FEN = 1_000_000  # 10,000 yuan a month for one household: anything above is a typing error
NOWHERE = "/nonexistent/"  # checked like a region nobody holds: no hint of what exists elsewhere

ACTION_PREPARE = "payments.prepare"
ACTION_APPROVE = "payments.approve"
ACTION_REJECT = "payments.reject"
ACTION_PAID = "payments.mark_paid"
ACTION_STOP = "payments.stop_payment"
ACTION_AMOUNT = "payments.change_amount"
ACTION_EXPORT = "payments.export"
ACTION_RETURNS = "payments.import_returns"


class PaymentError(DomainError):
    """A refused payment action; `key` is a message-catalog key, `line` the file line for a refused file."""

    def __init__(self, key: str, line: int = 0, detail: str = "") -> None:
        super().__init__(key, f"{key} {line} {detail}".strip())
        self.line, self.detail = line, detail


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not MIN_REASON <= len(reason) <= MAX_REASON:
        raise PaymentError("payments.err_reason")
    return reason


def _county(session: Session, actor: Actor | None, code: str, roles=Role.OFFICER) -> Region:
    county = regions.by_code(session, (code or "")[:20])
    ok = county is not None and county.level == RegionLevel.COUNTY
    authorize(actor, roles, county.path if ok else NOWHERE)
    assert county is not None
    return county


def _batch(session: Session, actor: Actor | None, batch_id: int, roles=Role.OFFICER) -> PaymentBatch:
    batch = session.get(PaymentBatch, int(batch_id))
    authorize(actor, roles, batch.region_path if batch else NOWHERE)
    assert batch is not None
    return batch


def _live_batch(session: Session, county_id: int, period: str) -> PaymentBatch | None:
    return session.execute(select(PaymentBatch).where(
        PaymentBatch.county_id == county_id, PaymentBatch.period == period,
        PaymentBatch.status != rules.REJECTED)).scalars().first()


def _amount_in_force(period: str):
    """The household's amount for `period`: its latest change effective by then, else the register's amount."""
    latest = (select(AmountChange.amount_fen)
              .where(AmountChange.household_id == Household.id, AmountChange.effective_period <= period)
              .order_by(AmountChange.effective_period.desc(), AmountChange.id.desc())
              .limit(1).correlate(Household).scalar_subquery())
    return func.coalesce(latest, Household.monthly_amount_fen)


def prepare_batch(session: Session, actor: Actor | None, county_code: str, period: str, *,
                  now: datetime | None = None) -> PaymentBatch:
    """Schedule one payment per household active in the county's register and admitted by the month's end, at the
    amount in force for the month, in one INSERT … SELECT; the batch carries the count and the total."""
    now = now or utcnow()
    county = _county(session, actor, county_code)
    assert actor is not None
    try:
        rules.parse_period(period)
    except ValueError:
        raise PaymentError("payments.err_period") from None
    if period > rules.next_period(rules.period_of(china_date(now))):
        raise PaymentError("payments.err_period_future")
    if _live_batch(session, county.id, period) is not None:
        raise PaymentError("payments.err_batch_exists")
    already = exists().where(Payment.household_id == Household.id, Payment.period == period)
    people = (select(func.count(Member.id)).where(Member.household_id == Household.id)
              .correlate(Household).scalar_subquery())
    eligible = (Household.region_path >= county.path, Household.region_path < county.path + "~",
                Household.status == STATUS_ACTIVE,
                Household.started_on <= rules.period_end(period), ~already)
    if not session.execute(select(exists().where(*eligible))).scalar():
        raise PaymentError("payments.err_no_households")
    batch = PaymentBatch(batch_no=f"{county.code}-{period.replace('-', '')}-{now:%H%M%S%f}", county_id=county.id,
                         region_path=county.path, period=period, status=rules.PREPARED, prepared_by=actor.user_id,
                         prepared_at=now)
    session.add(batch)
    session.flush()
    batch.batch_no = f"{county.code}-{period.replace('-', '')}-{batch.id}"
    rows = select(literal(batch.id), Household.id, Household.region_path, literal(period), _amount_in_force(period),
                  people, literal(rules.SCHEDULED)).where(*eligible)
    session.execute(insert(Payment).from_select(
        ["batch_id", "household_id", "region_path", "period", "amount_fen", "people", "status"], rows))
    _retotal(session, batch)
    audit.record(session, actor, ACTION_PREPARE, "payment_batch", batch.batch_no, region_code=county.code, at=now,
                 after={"period": period, "households": batch.household_count, "total_fen": batch.total_fen})
    return batch


def _retotal(session: Session, batch: PaymentBatch) -> None:
    count, total, people = session.execute(
        select(func.count(Payment.id), func.coalesce(func.sum(Payment.amount_fen), 0),
               func.coalesce(func.sum(Payment.people), 0))
        .where(Payment.batch_id == batch.id, Payment.status != rules.STOPPED)).one()
    batch.household_count, batch.total_fen, batch.people = int(count), int(total), int(people)
    session.flush()


def prepare_in_unit(actor: Actor, county_code: str, period: str) -> tuple[int, str]:
    """`prepare_batch` in a unit of work of its own, for `kernel.heavy` (the pool's threads hold no session)."""
    with session_scope() as session:
        batch = prepare_batch(session, actor, county_code, period)
        return batch.id, batch.batch_no


def approve_batch(session: Session, actor: Actor | None, batch_id: int, approve: bool, reason: str = "", *,
                  now: datetime | None = None) -> PaymentBatch:
    """Two-person rule: an officer other than the preparer approves, or rejects with a reason. A rejected batch's
    payments are removed so the month can be prepared again; the batch row stays with the reason."""
    now = now or utcnow()
    batch = _batch(session, actor, batch_id)
    assert actor is not None
    if batch.status != rules.PREPARED:
        raise PaymentError("payments.err_wrong_state")
    if actor.user_id == batch.prepared_by:
        raise PaymentError("payments.err_same_person")
    if approve:
        batch.status, batch.approved_by, batch.approved_at = rules.APPROVED, actor.user_id, now
    else:
        batch.rejection = _reason(reason)
        batch.status, batch.approved_by, batch.approved_at = rules.REJECTED, actor.user_id, now
        session.execute(delete(Payment).where(Payment.batch_id == batch.id))
    session.flush()
    audit.record(session, actor, ACTION_APPROVE if approve else ACTION_REJECT, "payment_batch", batch.batch_no,
                 region_code=batch.region_path.strip("/").split("/")[-1], at=now,
                 before={"status": rules.PREPARED},
                 after={"status": batch.status, "reason": batch.rejection, "total_fen": batch.total_fen})
    return batch


def mark_paid(session: Session, actor: Actor | None, batch_id: int, bank_ref: str, paid_on: date, *,
              now: datetime | None = None) -> PaymentBatch:
    """The bank has paid the approved batch: its reference and date; every scheduled payment becomes paid."""
    now = now or utcnow()
    batch = _batch(session, actor, batch_id, (Role.OFFICER, Role.FINANCE))
    bank_ref = (bank_ref or "").strip()
    if batch.status != rules.APPROVED:
        raise PaymentError("payments.err_wrong_state")
    if not rules.valid_bank_ref(bank_ref):
        raise PaymentError("payments.err_bank_ref")
    if paid_on > china_date(now) or paid_on < china_date(batch.prepared_at):  # not before the batch existed
        raise PaymentError("payments.err_paid_on")
    session.execute(update(Payment).where(Payment.batch_id == batch.id, Payment.status == rules.SCHEDULED)
                    .values(status=rules.PAID))
    batch.status, batch.bank_ref, batch.paid_on = rules.BATCH_PAID, bank_ref, paid_on
    batch.paid_by = actor.user_id if actor else None
    session.flush()
    audit.record(session, actor, ACTION_PAID, "payment_batch", batch.batch_no, at=now,
                 region_code=batch.region_path.strip("/").split("/")[-1], before={"status": rules.APPROVED},
                 after={"status": batch.status, "bank_ref": bank_ref, "paid_on": paid_on.isoformat()})
    return batch


def stop_payment(session: Session, actor: Actor | None, payment_id: int, reason: str, *,
                 now: datetime | None = None) -> Payment:
    """Take one payment out of a batch not yet approved (a death or a move learnt after preparing), with the reason;
    the batch total drops with it."""
    now = now or utcnow()
    payment = session.get(Payment, int(payment_id))
    batch = _batch(session, actor, payment.batch_id if payment else 0)
    assert payment is not None
    reason = _reason(reason)
    if batch.status != rules.PREPARED or payment.status != rules.SCHEDULED:
        raise PaymentError("payments.err_wrong_state")
    payment.status, payment.reason = rules.STOPPED, reason
    _retotal(session, batch)
    audit.record(session, actor, ACTION_STOP, "payment", rules.payment_ref(payment.id), at=now,
                 region_code=batch.region_path.strip("/").split("/")[-1],
                 before={"status": rules.SCHEDULED}, after={"status": rules.STOPPED, "reason": reason})
    return payment


def change_amount(session: Session, actor: Actor | None, household_code: str, amount_fen: int, reason: str, *,
                  now: datetime | None = None) -> AmountChange:
    """A new monthly amount for a household, effective from the county's next batch (the month after its latest
    batch not rejected, and never before this month): a prepared batch is never altered."""
    now = now or utcnow()
    household = session.execute(select(Household).where(Household.code == (household_code or "")[:32])
                                ).scalar_one_or_none()
    authorize(actor, Role.OFFICER, household.region_path if household else NOWHERE)
    assert household is not None and actor is not None
    if not isinstance(amount_fen, int) or not 0 < amount_fen <= MAX_AMOUNT_FEN:
        raise PaymentError("payments.err_amount")
    reason = _reason(reason)
    latest = session.execute(
        select(func.max(PaymentBatch.period)).where(
            PaymentBatch.status != rules.REJECTED,
            literal(household.region_path).startswith(PaymentBatch.region_path))).scalar()
    effective = rules.period_of(china_date(now))
    if latest is not None:
        effective = max(effective, rules.next_period(latest))
    change = AmountChange(household_id=household.id, amount_fen=amount_fen, effective_period=effective,
                          reason=reason, decided_by=actor.user_id, decided_at=now)
    session.add(change)
    session.flush()
    audit.record(session, actor, ACTION_AMOUNT, "register_household", household.code, at=now,
                 region_code=household.region_path.strip("/").split("/")[-1],
                 after={"amount_fen": amount_fen, "from": effective, "reason": reason})
    return change


def export_batch(session: Session, actor: Actor | None, batch_id: int, *,
                 now: datetime | None = None) -> tuple[str, bytes]:
    """The bank file of an approved (or paid) batch: (file name, bytes). It names payees, so each export is audited."""
    batch = _batch(session, actor, batch_id, (Role.OFFICER, Role.FINANCE))
    if batch.status not in (rules.APPROVED, rules.BATCH_PAID):
        raise PaymentError("payments.err_wrong_state")
    rows = session.execute(
        select(Payment.id, Household.code, Household.head_name, Payment.amount_fen)
        .join(Household, Household.id == Payment.household_id)
        .where(Payment.batch_id == batch.id, Payment.status != rules.STOPPED).order_by(Payment.id)).all()
    lines = [rules.Line(rules.payment_ref(pid), code, name, amount) for pid, code, name, amount in rows]
    county_code = batch.region_path.strip("/").split("/")[-1]
    body = rules.write_pay_file(batch.batch_no, county_code, batch.period, lines)
    audit.record(session, actor, ACTION_EXPORT, "payment_batch", batch.batch_no, at=now or utcnow(),
                 region_code=county_code, after={"lines": len(lines), "total_fen": batch.total_fen})
    return f"{batch.batch_no}.csv", body


@dataclass(frozen=True)
class ReturnSummary:
    batch_no: str
    count: int
    total_fen: int


def import_returns(session: Session, actor: Actor | None, batch_id: int, data: bytes, *,
                   now: datetime | None = None) -> ReturnSummary:
    """Take the bank's return file for a paid batch, all or nothing: every line must name a paid payment of this
    batch with its exact amount, or the whole file is refused (naming the line) and nothing is changed."""
    now = now or utcnow()
    batch = _batch(session, actor, batch_id, (Role.OFFICER, Role.FINANCE))
    if batch.status != rules.BATCH_PAID:
        raise PaymentError("payments.err_wrong_state")
    try:
        parsed = rules.parse_return_file(data)
    except rules.FileError as exc:
        raise PaymentError(exc.key, exc.line, exc.detail) from None
    if parsed.batch_no != batch.batch_no:
        raise PaymentError("payments.err_file_batch", 1, parsed.batch_no[:40])
    ids = [int(line.ref[1:]) for line in parsed.lines]
    found = {pid: (status, amount, people) for pid, status, amount, people in session.execute(
        select(Payment.id, Payment.status, Payment.amount_fen, Payment.people)
        .where(Payment.batch_id == batch.id, Payment.id.in_(ids))).all()} if ids else {}
    for line, pid in zip(parsed.lines, ids):
        if pid not in found:
            raise PaymentError("payments.err_file_unknown", line.line, line.ref)
        status, amount, _people = found[pid]
        if status != rules.PAID:
            raise PaymentError("payments.err_file_not_paid", line.line, line.ref)
        if amount != line.amount_fen:
            raise PaymentError("payments.err_file_amount", line.line, line.ref)
    if parsed.lines:
        session.execute(update(Payment), [
            {"id": pid, "status": rules.RETURNED, "reason": line.reason} for line, pid in zip(parsed.lines, ids)])
    batch.returned_count += len(parsed.lines)
    batch.returned_fen += parsed.total_fen
    batch.returned_people += sum(found[pid][2] for pid in ids)
    session.flush()
    audit.record(session, actor, ACTION_RETURNS, "payment_batch", batch.batch_no, at=now,
                 region_code=batch.region_path.strip("/").split("/")[-1],
                 after={"returned": len(parsed.lines), "returned_fen": parsed.total_fen})
    return ReturnSummary(batch.batch_no, len(parsed.lines), parsed.total_fen)
