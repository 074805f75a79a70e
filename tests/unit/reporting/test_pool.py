"""Scores from data, term by term, with dated weights and their document; the pool decided by one person, approved by
a second, audited; shares exact to the fen."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from portal.accounts.models import Role
from portal.kernel.audit import verify_chain
from portal.kernel.permissions import PermissionDenied
from portal.payments import services as pay
from portal.ratings.models import Rating, RatingStatus
from portal.reporting import rules
from portal.reporting import services as rs
from portal.reports.models import Report, ReportCategory, ReportOutcome, ReportStatus
from tests import factories
from tests.unit.payments.test_batches import add_households

NOW = datetime(2026, 12, 20, 2, 0, tzinfo=timezone.utc)
WEIGHTS = {rules.TERM_SATISFACTION: 400, rules.TERM_SUBSTANTIATED: 300, rules.TERM_PAID_ON_TIME: 300}


@pytest.fixture
def w(db_session, fast_passwords):
    s = db_session
    tree = factories.region_tree(s)
    a, b = tree.counties
    w = type("W", (), {})()
    w.s, w.tree, w.a, w.b = s, tree, a, b
    w.admin = factories.actor_with(s, (Role.ADMIN, tree.province))
    w.second = factories.actor_with(s, (Role.OFFICER, tree.province))
    w.county_officer = factories.actor_with(s, (Role.OFFICER, a))
    # County A: 10 households x 2 people; 8 of 10 ratings satisfied; one substantiated report; 11 months paid on
    # time out of the 11 due. County B: nothing at all.
    add_households(s, tree.villages["130102001"][0], 10, start=date(2025, 12, 1))
    win = factories.window(s, tree["130102001"])
    for n in range(10):
        s.add(Rating(window_id=win.id, level=5 if n < 8 else 1, tags=[], device_hash=f"d{n}", client_hash="c",
                     receipt_code=f"R{n:015d}", status=RatingStatus.COUNTED,
                     created_at=datetime(2026, 3, 1, tzinfo=timezone.utc)))
    s.add(Report(receipt_code="1" * 16, secret_hash="x", subject="s", subject_key="s", description="d",
                 region_id=tree["130102001"].id, handler_region_id=tree["130102001"].id,
                 handler_path=tree["130102001"].path, acknowledge_due=date(2026, 3, 9),
                 conclude_due=date(2026, 4, 9), device_hash="d", client_hash="c", category=ReportCategory.OTHER,
                 status=ReportStatus.CONCLUDED, outcome=ReportOutcome.SUBSTANTIATED,
                 concluded_at=datetime(2026, 4, 1, tzinfo=timezone.utc)))
    prep = factories.actor_with(s, (Role.OFFICER, a))
    for m in range(1, 12):
        period = f"2026-{m:02d}"
        t = datetime(2026, m, 2, 2, 0, tzinfo=timezone.utc)
        batch = pay.prepare_batch(s, prep, "130102", period, now=t)
        pay.approve_batch(s, w.county_officer, batch.id, True, now=t)
        pay.mark_paid(s, prep, batch.id, f"BANK-{m:04d}", date(2026, m, 5), now=t.replace(day=6))
    s.commit()
    return w


def test_scores_term_by_term_from_data(w):
    scores = rs.county_scores(w.s, w.tree.province, 2026, WEIGHTS, as_of=date(2026, 12, 20))
    a, b = scores
    terms = {t.key: t for t in a.terms}
    assert (terms["satisfaction"].part, terms["satisfaction"].whole, terms["satisfaction"].points_milli) == (
        8, 10, 80_000)
    # One substantiated report among 20 recipients = 50 per thousand: 100 - 10 x 50 < 0, so 0 points.
    assert (terms["substantiated"].part, terms["substantiated"].whole, terms["substantiated"].points_milli) == (
        1, 20, 0)
    assert (terms["paid_on_time"].part, terms["paid_on_time"].whole, terms["paid_on_time"].points_milli) == (
        11, 11, 100_000)
    assert a.score_milli == 80_000 * 400 // 1000 + 0 + 100_000 * 300 // 1000 == sum(
        t.contribution_milli for t in a.terms)
    assert b.score_milli == 0 and not any(t.measured for t in b.terms if t.key != "paid_on_time")


def test_weights_are_dated_sets_with_their_document(w):
    with pytest.raises(PermissionDenied):
        rs.set_weights(w.s, w.county_officer, "13", WEIGHTS, date(2026, 1, 1), "冀民〔2026〕8号", now=NOW)
    with pytest.raises(rs.ReportingError):
        rs.set_weights(w.s, w.admin, "13", {**WEIGHTS, "satisfaction": 401}, date(2026, 1, 1), "doc", now=NOW)
    rs.set_weights(w.s, w.admin, "13", WEIGHTS, date(2026, 1, 1), "冀民〔2026〕8号", now=NOW)
    rs.set_weights(w.s, w.admin, "13", {**WEIGHTS, "satisfaction": 500, "substantiated": 200}, date(2027, 1, 1),
                   "冀民〔2026〕99号", now=NOW)
    assert rs.weights_on(w.s, w.tree.province.path, date(2026, 12, 31)) == (WEIGHTS, "冀民〔2026〕8号")
    assert rs.weights_on(w.s, w.tree.province.path, date(2027, 1, 1))[1] == "冀民〔2026〕99号"
    assert rs.weights_on(w.s, w.tree.province.path, date(2025, 12, 31)) is None


def test_pool_decided_by_one_approved_by_another_and_exact_to_the_fen(w):
    with pytest.raises(rs.ReportingError) as caught:
        rs.decide_pool(w.s, w.admin, "13", 2026, 1_000_000_00, 60_000, now=NOW)
    assert caught.value.key == "reporting.err_no_weights"
    rs.set_weights(w.s, w.admin, "13", WEIGHTS, date(2026, 1, 1), "冀民〔2026〕8号", now=NOW)
    with pytest.raises(PermissionDenied):
        rs.decide_pool(w.s, w.county_officer, "13", 2026, 1_000_000_00, 60_000, now=NOW)
    with pytest.raises(rs.ReportingError) as caught:  # nobody reaches a floor of 90
        rs.decide_pool(w.s, w.admin, "13", 2026, 1_000_000_00, 90_000, now=NOW)
    assert caught.value.key == "reporting.pool_unallocated"
    pool = rs.decide_pool(w.s, w.admin, "13", 2026, 1_000_000_01, 50_000, now=NOW)
    shares = {s["code"]: s["share_fen"] for s in pool.shares}
    assert shares == {"130102": 1_000_000_01, "130104": 0} and sum(shares.values()) == pool.pool_fen
    assert pool.weights_document == "冀民〔2026〕8号" and pool.shares[0]["terms"][0]["key"] == "satisfaction"
    assert rs.published_pools(w.s) == []
    with pytest.raises(rs.ReportingError) as caught:
        rs.approve_pool(w.s, w.admin, pool.id, True, now=NOW)
    assert caught.value.key == "reporting.err_same_person"
    with pytest.raises(PermissionDenied):
        rs.approve_pool(w.s, w.county_officer, pool.id, True, now=NOW)
    rs.approve_pool(w.s, w.second, pool.id, True, now=NOW)
    assert [p.id for p in rs.published_pools(w.s, 2026)] == [pool.id]
    with pytest.raises(rs.ReportingError):
        rs.approve_pool(w.s, w.second, pool.id, False, "changed my mind", now=NOW)
    assert verify_chain(w.s).ok
