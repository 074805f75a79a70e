"""Payment batches (payments/services.py): set-based preparation from the register, the two-person rule, marking
paid, amounts changed from the next batch, the bank file, and the return file taken whole or not at all."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.kernel.audit import verify_chain
from portal.kernel.audit_models import AuditEntry
from portal.kernel.permissions import PermissionDenied
from portal.kernel.workdays import china_today
from portal.payments import rules
from portal.payments import services as pay
from portal.payments.models import Payment, PaymentBatch
from portal.register.models import STATUS_STOPPED, Household, Member
from tests import factories

T0 = datetime(2026, 4, 3, 2, 0, tzinfo=timezone.utc)


def add_households(s, village, n, *, amount=600_00, people=2, start=date(2026, 1, 1), prefix="H"):
    rows = []
    for i in range(n):
        hh = Household(code=f"{prefix}{village.code}-{i}", village_id=village.id, region_path=village.path,
                       head_name=f"户主{i}", monthly_amount_fen=amount + i, started_on=start)
        rows.append(hh)
    s.add_all(rows)
    s.flush()
    for hh in rows:
        s.add_all([Member(household_id=hh.id, name=f"m{k}", relation="head" if k == 0 else "child",
                          id_number=f"{hh.id:09d}{k:09d}", id_hash=f"{hh.id}-{k}", birth_date=date(1980, 1, 1),
                          sex="M") for k in range(people)])
    s.flush()
    return rows


@pytest.fixture
def w(db_session, fast_passwords):
    s = db_session
    tree = factories.region_tree(s)
    county, other = tree["130102"], tree["130104"]
    villages = tree.villages["130102001"] + tree.villages["130102002"]
    mine = [hh for v in villages for hh in add_households(s, v, 3)]  # 12 households in county A
    theirs = add_households(s, tree.villages["130104001"][0], 4)
    w = type("W", (), {})()
    w.s, w.tree, w.county, w.other, w.mine, w.theirs = s, tree, county, other, mine, theirs
    w.preparer = factories.actor_with(s, (Role.OFFICER, county))
    w.approver = factories.actor_with(s, (Role.OFFICER, county))
    w.city_officer = factories.actor_with(s, (Role.OFFICER, tree.city))
    w.stranger = factories.actor_with(s, (Role.OFFICER, other))
    w.finance = factories.actor_with(s, (Role.FINANCE, county))
    s.commit()
    return w


def prepared(w, period="2026-04"):
    return pay.prepare_batch(w.s, w.preparer, "130102", period, now=T0)


def paid_batch(w):
    batch = prepared(w)
    pay.approve_batch(w.s, w.approver, batch.id, True, now=T0)
    pay.mark_paid(w.s, w.finance, batch.id, "ICBC-20260403-77", date(2026, 4, 3), now=T0)
    return batch


def test_prepare_schedules_every_active_household_of_the_county_once(w):
    stopped = w.mine[0]
    stopped.status = STATUS_STOPPED
    late = w.mine[1]
    late.started_on = date(2026, 5, 2)  # admitted after April: not in April's batch
    w.s.flush()
    batch = prepared(w)
    rows = w.s.execute(select(Payment).where(Payment.batch_id == batch.id)).scalars().all()
    expected = [hh for hh in w.mine if hh not in (stopped, late)]
    assert sorted(p.household_id for p in rows) == sorted(hh.id for hh in expected)
    assert {p.status for p in rows} == {rules.SCHEDULED} and {p.people for p in rows} == {2}
    assert {p.period for p in rows} == {"2026-04"}
    assert (batch.household_count, batch.total_fen) == (10, sum(hh.monthly_amount_fen for hh in expected))
    assert batch.status == rules.PREPARED and batch.batch_no == f"130102-202604-{batch.id}"
    with pytest.raises(pay.PaymentError) as caught:
        prepared(w)
    assert caught.value.key == "payments.err_batch_exists"


def test_prepare_refuses_bad_months_and_other_regions(w):
    for period, key in (("2026-4", "payments.err_period"), ("2026-13", "payments.err_period"),
                        ("2026-06", "payments.err_period_future")):
        with pytest.raises(pay.PaymentError) as caught:
            pay.prepare_batch(w.s, w.preparer, "130102", period, now=T0)
        assert caught.value.key == key
    with pytest.raises(PermissionDenied):
        pay.prepare_batch(w.s, w.stranger, "130102", "2026-04", now=T0)
    with pytest.raises(PermissionDenied):  # a township code is no county: refused like a region nobody holds
        pay.prepare_batch(w.s, w.preparer, "130102001", "2026-04", now=T0)
    with pytest.raises(PermissionDenied):
        pay.prepare_batch(w.s, w.finance, "130102", "2026-04", now=T0)
    assert w.s.execute(select(func.count(PaymentBatch.id))).scalar() == 0


def test_two_person_rule_and_rejection_frees_the_month(w):
    batch = prepared(w)
    with pytest.raises(pay.PaymentError) as caught:
        pay.approve_batch(w.s, w.preparer, batch.id, True, now=T0)
    assert caught.value.key == "payments.err_same_person"
    with pytest.raises(PermissionDenied):
        pay.approve_batch(w.s, w.stranger, batch.id, True, now=T0)
    with pytest.raises(pay.PaymentError) as caught:
        pay.approve_batch(w.s, w.approver, batch.id, False, "", now=T0)
    assert caught.value.key == "payments.err_reason"
    pay.approve_batch(w.s, w.city_officer, batch.id, False, "amounts not yet updated", now=T0)
    assert batch.status == rules.REJECTED and batch.rejection == "amounts not yet updated"
    assert w.s.execute(select(func.count(Payment.id))).scalar() == 0
    again = prepared(w)
    assert again.id != batch.id and again.household_count == 12
    with pytest.raises(pay.PaymentError):  # paying needs an approval first
        pay.mark_paid(w.s, w.finance, again.id, "REF-0001", date(2026, 4, 3), now=T0)


def test_mark_paid_needs_a_bank_reference_and_a_sensible_date(w):
    batch = prepared(w)
    pay.approve_batch(w.s, w.approver, batch.id, True, now=T0)
    for ref, day, key in (("x", date(2026, 4, 3), "payments.err_bank_ref"),
                          ("REF 1; DROP", date(2026, 4, 3), "payments.err_bank_ref"),
                          ("REF-0001", date(2026, 4, 4), "payments.err_paid_on"),
                          ("REF-0001", date(2026, 3, 31), "payments.err_paid_on")):
        with pytest.raises(pay.PaymentError) as caught:
            pay.mark_paid(w.s, w.finance, batch.id, ref, day, now=T0)
        assert caught.value.key == key
    pay.mark_paid(w.s, w.finance, batch.id, "REF-0001", date(2026, 4, 3), now=T0)
    statuses = w.s.execute(select(Payment.status).where(Payment.batch_id == batch.id)).scalars().all()
    assert set(statuses) == {rules.PAID} and batch.bank_ref == "REF-0001" and batch.status == rules.BATCH_PAID
    actions = w.s.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars().all()
    assert [a for a in actions if a.startswith("payments.")] == [pay.ACTION_PREPARE, pay.ACTION_APPROVE,
                                                                 pay.ACTION_PAID]
    assert verify_chain(w.s).ok


def test_stopping_one_payment_before_approval_lowers_the_total(w):
    batch = prepared(w)
    first = w.s.execute(select(Payment).where(Payment.batch_id == batch.id).order_by(Payment.id)).scalars().first()
    total = batch.total_fen
    pay.stop_payment(w.s, w.approver, first.id, "death reported on 2 April", now=T0)
    assert (batch.household_count, batch.total_fen) == (11, total - first.amount_fen)
    assert first.status == rules.STOPPED
    pay.approve_batch(w.s, w.approver, batch.id, True, now=T0)
    with pytest.raises(pay.PaymentError):
        pay.stop_payment(w.s, w.approver, first.id, "too late now", now=T0)
    _name, body = pay.export_batch(w.s, w.finance, batch.id, now=T0)
    assert rules.payment_ref(first.id) not in body.decode()


def test_an_amount_change_takes_effect_from_the_next_batch(w):
    hh = w.mine[2]
    batch = prepared(w)
    change = pay.change_amount(w.s, w.preparer, hh.code, 720_00, "income fell: re-assessed", now=T0)
    assert change.effective_period == "2026-05"
    in_april = w.s.execute(select(Payment.amount_fen).where(Payment.batch_id == batch.id,
                                                            Payment.household_id == hh.id)).scalar_one()
    assert in_april == hh.monthly_amount_fen
    pay.approve_batch(w.s, w.approver, batch.id, True, now=T0)
    may = pay.prepare_batch(w.s, w.preparer, "130102", "2026-05", now=T0)
    in_may = w.s.execute(select(Payment.amount_fen).where(Payment.batch_id == may.id,
                                                          Payment.household_id == hh.id)).scalar_one()
    assert in_may == 720_00
    for amount in (0, -5, 1_000_001):
        with pytest.raises(pay.PaymentError):
            pay.change_amount(w.s, w.preparer, hh.code, amount, "re-assessed", now=T0)
    with pytest.raises(PermissionDenied):
        pay.change_amount(w.s, w.stranger, hh.code, 700_00, "re-assessed", now=T0)
    with pytest.raises(PermissionDenied):  # an unknown household looks like one in nobody's region
        pay.change_amount(w.s, w.preparer, "NOPE", 700_00, "re-assessed", now=T0)


def test_the_bank_file_has_header_lines_and_a_trailer_that_add_up(w):
    batch = prepared(w)
    with pytest.raises(pay.PaymentError):  # not before approval
        pay.export_batch(w.s, w.finance, batch.id, now=T0)
    pay.approve_batch(w.s, w.approver, batch.id, True, now=T0)
    with pytest.raises(PermissionDenied):
        pay.export_batch(w.s, w.stranger, batch.id, now=T0)
    name, body = pay.export_batch(w.s, w.finance, batch.id, now=T0)
    assert name == f"{batch.batch_no}.csv"
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert rows[0] == ["H", "SDDB-PAY", "1", batch.batch_no, "130102", "2026-04", "12", str(batch.total_fen)]
    details = rows[1:-1]
    assert [r[1] for r in details] == [str(n) for n in range(1, 13)]
    assert sum(int(r[5]) for r in details) == batch.total_fen
    assert rows[-1] == ["T", "12", str(batch.total_fen)]


def _returns(w, batch, picks, *, reason="account closed"):
    rows = w.s.execute(select(Payment).where(Payment.batch_id == batch.id).order_by(Payment.id)).scalars().all()
    return [rules.ReturnLine(rules.payment_ref(rows[i].id), rows[i].amount_fen, reason) for i in picks], rows


def test_a_return_file_is_taken_whole(w):
    batch = paid_batch(w)
    lines, rows = _returns(w, batch, [0, 3])
    summary = pay.import_returns(w.s, w.finance, batch.id, rules.write_return_file(batch.batch_no, lines), now=T0)
    assert (summary.count, summary.total_fen) == (2, rows[0].amount_fen + rows[3].amount_fen)
    assert (rows[0].status, rows[0].reason, rows[1].status) == (rules.RETURNED, "account closed", rules.PAID)
    assert (batch.returned_count, batch.returned_fen) == (2, summary.total_fen)
    with pytest.raises(pay.PaymentError) as caught:  # the same file twice: those payments are returned already
        pay.import_returns(w.s, w.finance, batch.id, rules.write_return_file(batch.batch_no, lines), now=T0)
    assert caught.value.key == "payments.err_file_not_paid"


@pytest.mark.parametrize("spoil, key, line", [
    (lambda b, ls: rules.write_return_file("OTHER-1", ls), "payments.err_file_batch", 1),
    (lambda b, ls: rules.write_return_file(b, ls[:1] + [rules.ReturnLine(ls[1].ref, ls[1].amount_fen + 1, "x")]),
     "payments.err_file_amount", 3),
    (lambda b, ls: rules.write_return_file(b, ls + [rules.ReturnLine("P9999999999", 100, "x")]),
     "payments.err_file_unknown", 4),
    (lambda b, ls: rules.write_return_file(b, ls + ls[:1]), "payments.err_file_duplicate", 4),
    (lambda b, ls: rules.write_return_file(b, ls).rsplit(b"T,", 1)[0], "payments.err_file_trailer", 3),
    (lambda b, ls: rules.write_return_file(b, ls).replace(b"T,2,", b"T,3,"), "payments.err_file_totals", 4),
    (lambda b, ls: rules.write_return_file(b, ls).replace(b"R,", b"R;", 1), "payments.err_file_layout", 2),
    (lambda b, ls: b"\xff\xfe" + rules.write_return_file(b, ls), "payments.err_file_encoding", 0),
    (lambda b, ls: b"", "payments.err_file_empty", 0),
])
def test_a_spoilt_return_file_changes_nothing(w, spoil, key, line):
    batch = paid_batch(w)
    lines, rows = _returns(w, batch, [1, 2])
    before = [(p.id, p.status, p.reason) for p in rows]
    with pytest.raises(pay.PaymentError) as caught:
        pay.import_returns(w.s, w.finance, batch.id, spoil(batch.batch_no, lines), now=T0)
    assert (caught.value.key, caught.value.line) == (key, line)
    w.s.expire_all()
    after = w.s.execute(select(Payment.id, Payment.status, Payment.reason).where(Payment.batch_id == batch.id)
                        .order_by(Payment.id)).all()
    assert [tuple(r) for r in after] == before
    assert w.s.get(PaymentBatch, batch.id).returned_count == 0


def test_returns_only_for_a_paid_batch_of_ones_own_region(w):
    batch = prepared(w)
    body = rules.write_return_file(batch.batch_no, [])
    with pytest.raises(pay.PaymentError) as caught:
        pay.import_returns(w.s, w.finance, batch.id, body, now=T0)
    assert caught.value.key == "payments.err_wrong_state"
    with pytest.raises(PermissionDenied):
        pay.import_returns(w.s, w.stranger, batch.id, body, now=T0)


def test_prepare_in_a_unit_of_its_own_runs_in_the_heavy_pool(portal_env, fast_passwords):
    """The page path: preparation through kernel.heavy with its own session, never on the event loop's thread."""
    import asyncio
    import threading

    from portal.kernel import heavy
    from portal.kernel.db import get_engine, session_scope
    from portal.schema import Base
    from tests.asyncrun import run_async

    portal_env()
    Base.metadata.create_all(get_engine())
    with session_scope() as s:
        tree = factories.region_tree(s)
        add_households(s, tree.villages["130102001"][0], 6)
        officer = factories.actor_with(s, (Role.OFFICER, tree["130102"]))
    seen = {}

    def spy(*args):
        seen["thread"] = threading.current_thread().name
        return pay.prepare_in_unit(*args)

    async def main():
        return await heavy.run(spy, officer, "130102", rules.period_of(china_today()))

    batch_id, batch_no = run_async(main())
    assert seen["thread"].startswith("heavy")
    with session_scope() as s:
        assert s.get(PaymentBatch, batch_id).household_count == 6
