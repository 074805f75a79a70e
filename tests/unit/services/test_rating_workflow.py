"""Window ratings against the database (portal/ratings/services.py): submit and its guards, bad-review
follow-up cases with working-day deadlines from the calendar table, burst holds, staff answers, appeals, 追评,
case lists, rankings, and the audit trail every staff/officer action leaves.

Every call passes an explicit, timezone-aware UTC `now=` (or `today=`), so nothing depends on the wall clock.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import Role
from portal.kernel.audit_models import AuditEntry
from portal.kernel.calendar_models import CalendarDayRow
from portal.ratings.models import BurstFlag, CaseStatus, FollowupCase, Rating, RatingStatus
from portal.regions.models import Region, ServiceWindow
from portal.kernel import audit
from portal.kernel import calendar_store
from portal.kernel import policy
from portal.ratings import services as wf
from portal.kernel.permissions import Actor, NotSignedIn, PermissionDenied
from tests import factories

SECRET = "unit-test-secret"
UTC = timezone.utc
# Tuesday 2026-03-10, 10:00 in China (02:00 UTC): an ordinary week, no holidays near.
T0 = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)


@dataclass
class World:
    session: Session
    township: Region  # 130102001
    sibling: Region  # 130102002, same county
    county: Region  # 130102
    win: ServiceWindow  # in `township`
    win2: ServiceWindow  # also in `township`, another window
    far: ServiceWindow  # in `sibling`
    staff: Actor  # staff of `win`
    staff2: Actor  # staff of `win2`, same township
    far_staff: Actor  # staff of `far`
    officer: Actor  # township officer over `township`
    sibling_officer: Actor  # township officer over `sibling`
    county_officer: Actor  # over the county (covers both townships)
    admin: Actor  # province admin (sets policy, edits the calendar)


@pytest.fixture
def w(db_session: Session, fast_passwords) -> World:
    s = db_session
    tree = factories.region_tree(s)
    township, sibling = tree.townships["130102"]
    win = factories.window(s, township, code="T-ONE-0001", name="低保受理窗口", office_name="Office A")
    win2 = factories.window(s, township, code="T-ONE-0002", name="救助窗口", office_name="Office A")
    far = factories.window(s, sibling, code="T-TWO-0001", name="低保受理窗口", office_name="Office B")
    world = World(
        session=s, township=township, sibling=sibling, county=tree.counties[0], win=win, win2=win2, far=far,
        staff=factories.actor_with(s, (Role.WINDOW_STAFF, township), window=win, username="staff_one"),
        staff2=factories.actor_with(s, (Role.WINDOW_STAFF, township), window=win2, username="staff_two"),
        far_staff=factories.actor_with(s, (Role.WINDOW_STAFF, sibling), window=far, username="staff_far"),
        officer=factories.actor_with(s, (Role.OFFICER, township), username="officer_one"),
        sibling_officer=factories.actor_with(s, (Role.OFFICER, sibling), username="officer_two"),
        county_officer=factories.actor_with(s, (Role.OFFICER, tree.counties[0]), username="officer_county"),
        admin=factories.actor_with(s, (Role.ADMIN, tree.province), username="admin"),
    )
    s.commit()
    return world


def rate(session: Session, window: ServiceWindow | str, level: int = 5, *, tags=(), comment: str = "",
         phone: str = "", device: str | None = None, now: datetime = T0, client: str | None = None) -> wf.Submitted:
    """One rating; each from its own device and its own address unless the test names them."""
    code = window if isinstance(window, str) else window.code
    return wf.submit_rating(session, wf.NewRating(code, level, tuple(tags), comment, phone),
                            device_id=device if device is not None else uuid.uuid4().hex,
                            client=client if client is not None else f"10.0.{uuid.uuid4().hex[:6]}",
                            secret=SECRET, now=now)


def rating_of(session: Session, receipt: str) -> Rating:
    return session.execute(select(Rating).where(Rating.receipt_code == receipt)).scalar_one()


def case_of(session: Session, receipt: str) -> FollowupCase:
    return session.execute(
        select(FollowupCase).join(Rating).where(Rating.receipt_code == receipt)).scalar_one()


def ratings_count(session: Session) -> int:
    return session.execute(select(func.count()).select_from(Rating)).scalar_one()


def audit_rows(session: Session, action: str) -> list[AuditEntry]:
    return list(session.execute(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).scalars())


def assert_chain_ok(session: Session) -> None:
    report = audit.verify_chain(session)
    assert report.ok, report


def bad_case(w: World, *, phone: str = "13912345678", now: datetime = T0, window: ServiceWindow | None = None,
             comment: str = "让我跑了三次") -> tuple[str, int]:
    """A 差评 at `window` (default w.win); returns (receipt code, case id)."""
    sub = rate(w.session, window or w.win, 2, tags=["tag.runaround"], comment=comment, phone=phone, now=now)
    w.session.commit()
    return sub.receipt_code, case_of(w.session, sub.receipt_code).id


def error_key(excinfo) -> str:
    return excinfo.value.key


# ---------------------------------------------------------------------------------------------------------------
# Submitting: what is stored, and what is refused


def test_a_good_rating_is_stored_counted_with_keyed_hashes_only(w):
    device = "device-" + uuid.uuid4().hex
    sub = rate(w.session, w.win, 5, tags=["tag.friendly", "tag.efficient", "tag.friendly"],
               comment="  很快，态度好  ", device=device, client="10.1.2.3")
    w.session.commit()

    assert sub.bad_review is False and sub.held is False
    assert len(sub.receipt_code) == 9 and sub.receipt_code[4] == "-"
    assert set(sub.receipt_code.replace("-", "")) <= set(wf.RECEIPT_ALPHABET)
    row = rating_of(w.session, sub.receipt_code)
    assert (row.window_id, row.level, row.status) == (w.win.id, 5, RatingStatus.COUNTED)
    assert row.tags == ["tag.efficient", "tag.friendly"]  # de-duplicated, catalog order
    assert row.comment == "很快，态度好" and row.phone is None
    assert row.created_at == T0
    # The raw device id and address are never stored, only keyed hashes of them.
    assert row.device_hash == wf.keyed_hash(SECRET, f"device:{device}") and device not in row.device_hash
    assert row.client_hash == wf.keyed_hash(SECRET, "client:10.1.2.3")
    assert row.device_hash != wf.keyed_hash("another-secret", f"device:{device}")
    # No case for a good review, and an anonymous resident's rating writes no audit row.
    assert w.session.execute(select(func.count()).select_from(FollowupCase)).scalar_one() == 0


def test_window_code_is_matched_case_insensitively(w):
    sub = rate(w.session, "  t-one-0001 ", 4)
    assert rating_of(w.session, sub.receipt_code).window_id == w.win.id


@pytest.mark.parametrize("code", ["NO-SUCH-0001", "", "T-ONE-0001-X"])
def test_unknown_window_is_refused(w, code):
    with pytest.raises(wf.RatingError) as exc:
        rate(w.session, code, 5)
    assert error_key(exc) == "rating.window_missing"
    assert ratings_count(w.session) == 0


def test_inactive_window_is_refused(w):
    w.win.active = False
    w.session.flush()
    with pytest.raises(wf.RatingError) as exc:
        rate(w.session, w.win, 5)
    assert error_key(exc) == "rating.window_missing"
    assert wf.find_window(w.session, w.win.code) is None
    assert ratings_count(w.session) == 0


@pytest.mark.parametrize("level", [0, 6, -1, True])
def test_level_outside_the_five_is_refused(w, level):
    with pytest.raises(wf.RatingError) as exc:
        rate(w.session, w.win, level)
    assert error_key(exc) == "rating.invalid_choice"
    assert ratings_count(w.session) == 0


@pytest.mark.parametrize("level, tags", [
    (5, ["tag.rude"]),  # a bad-review tag on a 5
    (1, ["tag.friendly"]),  # a praise tag on a 1
    (3, ["tag.efficient"]),  # 基本满意 is offered the "what to improve" tags only
    (4, ["tag.efficient", "tag.slow"]),  # one wrong tag spoils the set
    (2, ["tag.no_such_tag"]),
])
def test_tag_not_offered_for_the_level_is_refused(w, level, tags):
    with pytest.raises(wf.RatingError) as exc:
        rate(w.session, w.win, level, tags=tags)
    assert error_key(exc) == "rating.invalid_choice"
    assert ratings_count(w.session) == 0


def test_comment_length_follows_the_policy(w):
    limit = policy.get_int(w.session, "rating.comment_max_chars")
    assert limit == 300
    rate(w.session, w.win, 4, comment="好" * limit)
    # Surrounding blanks are not counted; one character more is refused.
    rate(w.session, w.win, 4, comment=f"  {'好' * limit}\n")
    with pytest.raises(wf.RatingError) as exc:
        rate(w.session, w.win, 4, comment="好" * (limit + 1))
    assert error_key(exc) == "rating.comment_too_long"

    policy.set_value(w.session, w.admin, "rating.comment_max_chars", 10)
    rate(w.session, w.win, 4, comment="x" * 10)
    with pytest.raises(wf.RatingError) as exc:
        rate(w.session, w.win, 4, comment="x" * 11)
    assert error_key(exc) == "rating.comment_too_long"
    assert ratings_count(w.session) == 3


@pytest.mark.parametrize("typed", ["13912345678", "139 1234 5678", "139-1234-5678", " 139-1234 5678 ",
                                   "\t13912345678"])
def test_mainland_mobile_accepted_with_spaces_and_dashes(w, typed):
    sub = rate(w.session, w.win, 2, phone=typed)
    assert rating_of(w.session, sub.receipt_code).phone == "13912345678"


@pytest.mark.parametrize("typed", ["12912345678", "1391234567", "139123456789", "1391234567a", "010-12345678",
                                   "23912345678", "139.1234.5678", "１３９１２３４５６７８"])
def test_phone_that_is_not_a_mainland_mobile_is_refused(w, typed):
    with pytest.raises(wf.RatingError) as exc:
        rate(w.session, w.win, 2, phone=typed)
    assert error_key(exc) == "rating.phone_invalid"
    assert ratings_count(w.session) == 0


@pytest.mark.parametrize("device", ["", "x" * 65])
def test_missing_or_oversized_device_id_is_refused(w, device):
    with pytest.raises(wf.RatingError) as exc:
        rate(w.session, w.win, 5, device=device)
    assert error_key(exc) == "rating.device_missing"


def test_one_rating_per_device_per_window_within_the_cooldown(w):
    device = uuid.uuid4().hex
    rate(w.session, w.win, 5, device=device)
    w.session.commit()
    for later in (timedelta(seconds=1), timedelta(hours=23, minutes=59, seconds=59)):
        with pytest.raises(wf.RatingError) as exc:
            rate(w.session, w.win, 1, device=device, now=T0 + later)
        assert error_key(exc) == "rating.cooldown"
    # The same phone may rate another window at once, and another phone this window.
    rate(w.session, w.win2, 4, device=device, now=T0 + timedelta(minutes=1))
    rate(w.session, w.win, 4, now=T0 + timedelta(minutes=1))
    # After the cool-down (24 h by default) the same device may rate the window again.
    rate(w.session, w.win, 3, device=device, now=T0 + timedelta(hours=24))
    with pytest.raises(wf.RatingError):
        rate(w.session, w.win, 3, device=device, now=T0 + timedelta(hours=25))  # measured from the latest
    w.session.commit()
    assert ratings_count(w.session) == 4


def test_cooldown_comes_from_the_policy(w):
    policy.set_value(w.session, w.admin, "rating.cooldown_hours", 1)
    device = uuid.uuid4().hex
    rate(w.session, w.win, 5, device=device)
    with pytest.raises(wf.RatingError):
        rate(w.session, w.win, 5, device=device, now=T0 + timedelta(minutes=59))
    rate(w.session, w.win, 5, device=device, now=T0 + timedelta(hours=1))
    assert [r.after for r in audit_rows(w.session, "policy.set")] == [{"value": 1}]


def test_cooldown_counts_the_device_not_the_address(w):
    """Many residents share one NAT address (a township office's Wi-Fi): the address alone never refuses."""
    for _ in range(3):
        rate(w.session, w.win, 5, client="10.9.9.9")
    assert ratings_count(w.session) == 3


# ---------------------------------------------------------------------------------------------------------------
# Bad reviews open a follow-up case; deadlines in working days from the calendar table


def test_bad_review_with_phone_opens_a_case_with_both_deadlines(w):
    sub = rate(w.session, w.win, 2, tags=["tag.slow"], phone="13912345678")
    assert sub.bad_review is True and sub.held is False
    case = case_of(w.session, sub.receipt_code)
    assert case.window_id == w.win.id and case.status == CaseStatus.OPEN and case.opened_at == T0
    # Tuesday 2026-03-10: callback ≤ 1 WD → Wednesday; fix or explain ≤ 5 WD → next Tuesday.
    assert case.callback_due == date(2026, 3, 11)
    assert case.resolve_due == date(2026, 3, 17)


def test_bad_review_without_phone_has_no_callback_deadline(w):
    sub = rate(w.session, w.win, 1, tags=["tag.rude"])
    case = case_of(w.session, sub.receipt_code)
    assert case.callback_due is None
    assert case.resolve_due == date(2026, 3, 17)


@pytest.mark.parametrize("level", [3, 4, 5])
def test_levels_three_to_five_open_no_case(w, level):
    sub = rate(w.session, w.win, level, phone="13912345678")
    assert sub.bad_review is False
    assert w.session.execute(select(func.count()).select_from(FollowupCase)).scalar_one() == 0


def national_day_2026(session: Session, actor: Actor) -> None:
    """2026 国庆节: Oct 1–7 off; Sunday Sep 20 and Saturday Oct 10 are make-up workdays (调休上班)."""
    for i in range(7):
        calendar_store.set_day(session, actor, date(2026, 10, 1) + timedelta(days=i), "holiday", "国庆节")
    calendar_store.set_day(session, actor, date(2026, 9, 20), "workday", "国庆节")
    session.add(CalendarDayRow(day=date(2026, 10, 10), kind="workday", name="国庆节"))  # rows may be inserted as is
    session.flush()


def test_deadlines_skip_a_holiday_and_use_a_makeup_workday_from_the_table(w):
    # create_all does not seed the calendar (the Alembic migration does): without rows it is plain Mon–Fri.
    assert w.session.execute(select(func.count()).select_from(CalendarDayRow)).scalar_one() == 0
    before = case_of(w.session, rate(w.session, w.win, 2, phone="13912345678",
                                     now=datetime(2026, 9, 30, 2, tzinfo=UTC)).receipt_code)
    assert (before.callback_due, before.resolve_due) == (date(2026, 10, 1), date(2026, 10, 7))

    national_day_2026(w.session, w.admin)
    # Wednesday Sep 30, 10:00 China: the next working day is Thursday Oct 8; then Fri 9, the make-up Saturday 10,
    # Mon 12, Tue 13.
    case = case_of(w.session, rate(w.session, w.win2, 2, phone="13912345678",
                                   now=datetime(2026, 9, 30, 2, tzinfo=UTC)).receipt_code)
    assert case.callback_due == date(2026, 10, 8)
    assert case.resolve_due == date(2026, 10, 13)
    assert len(audit_rows(w.session, "calendar.set_day")) == 8
    assert_chain_ok(w.session)


def test_a_rating_on_a_makeup_sunday_counts_from_that_working_day(w):
    national_day_2026(w.session, w.admin)
    # Sunday Sep 20 is a working day: 1 WD → Monday 21, 5 WD → Friday 25.
    case = case_of(w.session, rate(w.session, w.win, 1, phone="13912345678",
                                   now=datetime(2026, 9, 20, 3, tzinfo=UTC)).receipt_code)
    assert (case.callback_due, case.resolve_due) == (date(2026, 9, 21), date(2026, 9, 25))


def test_deadlines_count_from_the_china_date_not_the_utc_date(w):
    # 2026-03-09 17:30 UTC is Tuesday 2026-03-10 01:30 in China.
    case = case_of(w.session, rate(w.session, w.win, 2, phone="13912345678",
                                   now=datetime(2026, 3, 9, 17, 30, tzinfo=UTC)).receipt_code)
    assert case.callback_due == date(2026, 3, 11)
    assert case.resolve_due == date(2026, 3, 17)


# ---------------------------------------------------------------------------------------------------------------
# Bursts (刷评): held out of every figure until an officer decides


def burst(w: World, window: ServiceWindow | None = None, *, start: datetime = T0, level: int = 1) -> list[wf.Submitted]:
    """threshold + 1 ratings at one window, 10 s apart: the last one opens the burst."""
    window = window or w.win
    threshold = policy.get_int(w.session, "rating.burst_threshold")
    subs = [rate(w.session, window, level, now=start + timedelta(seconds=10 * i)) for i in range(threshold + 1)]
    w.session.commit()
    return subs


def statuses(w: World, window: ServiceWindow) -> dict[str, int]:
    rows = w.session.execute(select(Rating.status, func.count()).where(Rating.window_id == window.id)
                             .group_by(Rating.status)).all()
    return {status.value: n for status, n in rows}


def test_threshold_ratings_are_fine_one_more_opens_a_burst_and_holds_the_recent_ones(w):
    threshold = policy.get_int(w.session, "rating.burst_threshold")
    assert threshold == 8  # the floor: this window has almost no history
    # Five ratings an hour earlier: outside the 10-minute burst window, they stay counted.
    early = [rate(w.session, w.win, 5, now=T0 - timedelta(hours=1, minutes=i)) for i in range(5)]
    rate(w.session, w.win2, 5, now=T0)  # the other window is not involved
    subs = burst(w)
    assert all(not s.held for s in subs[:-1]) and subs[-1].held
    flags = w.session.execute(select(BurstFlag)).scalars().all()
    assert [(f.window_id, f.status, f.opened_at) for f in flags] == [
        (w.win.id, "open", T0 + timedelta(seconds=10 * threshold))]  # opened by the last rating's time
    assert statuses(w, w.win) == {"counted": 5, "held": threshold + 1}
    assert statuses(w, w.win2) == {"counted": 1}
    assert all(rating_of(w.session, s.receipt_code).status == RatingStatus.COUNTED for s in early)
    flagged = audit_rows(w.session, "rating.burst_flagged")
    assert [(a.actor, a.target_id) for a in flagged] == [("system", str(w.win.id))]
    assert flagged[0].after == {"window_minutes": 10.0, "threshold": 8}

    # Held ratings are in no figure: not the staff summary, not the ranking.
    day = date(2026, 3, 10)
    summary = wf.window_summary(w.session, w.win.id, day, day)
    assert summary.count == 5 and summary.distribution[5] == 5 and summary.distribution[1] == 0
    row = {r.code: r for r in wf.rank_region(w.session, w.township.path, day, day)}[w.win.code]
    assert (row.count, row.satisfaction_rate, row.bad_rate) == (5, 1.0, 0.0)
    # Only the flood is held: once it has passed, a genuine rating counts while the flag waits for the officer.
    later = rate(w.session, w.win, 4, now=T0 + timedelta(hours=3))
    assert not later.held and rating_of(w.session, later.receipt_code).status == RatingStatus.COUNTED
    # A rating still inside the flood's span is part of it.
    inside = rate(w.session, w.win, 1, now=T0 + timedelta(seconds=10 * threshold + 5))
    assert inside.held and rating_of(w.session, inside.receipt_code).status_reason == "burst"
    assert wf.open_bursts(w.session, w.officer, w.township.path) == [
        (flags[0].id, w.win.code, w.win.name, flags[0].opened_at, threshold + 2)]
    assert_chain_ok(w.session)


def test_burst_threshold_and_window_come_from_the_policy(w):
    policy.set_value(w.session, w.admin, "rating.burst_threshold", 3)
    policy.set_value(w.session, w.admin, "rating.burst_window_minutes", 1)
    # Four ratings 30 s apart: never more than 3 inside one minute.
    assert not any(rate(w.session, w.win, 5, now=T0 + timedelta(seconds=30 * i)).held for i in range(4))
    subs = burst(w, start=T0 + timedelta(hours=1))
    assert len(subs) == 4 and [s.held for s in subs] == [False, False, False, True]
    assert statuses(w, w.win) == {"counted": 4, "held": 4}


def test_cleared_burst_counts_again(w):
    policy.set_value(w.session, w.admin, "rating.burst_threshold", 5)
    subs = burst(w, level=5)
    flag = w.session.execute(select(BurstFlag)).scalar_one()
    day = date(2026, 3, 10)
    assert wf.window_summary(w.session, w.win.id, day, day).count == 0

    wf.decide_burst(w.session, w.officer, flag.id, confirm=False, reason="办事高峰，核实为真实评价")
    w.session.commit()
    assert statuses(w, w.win) == {"counted": 6}
    assert all(rating_of(w.session, s.receipt_code).status_reason == "burst cleared: 办事高峰，核实为真实评价"
               for s in subs)
    assert (flag.status, flag.decided_by) == ("cleared", w.officer.user_id)
    summary = wf.window_summary(w.session, w.win.id, day, day)
    assert summary.count == 6 and summary.satisfaction_rate == 1.0
    assert {r.code: r.count for r in wf.rank_region(w.session, w.township.path, day, day)}[w.win.code] == 6
    decided = audit_rows(w.session, "rating.burst_decided")
    assert [(a.actor, a.target_id, a.after["status"], a.after["ratings"]) for a in decided] == [
        ("officer_one", str(flag.id), "cleared", 6)]
    # A decided flag cannot be decided again; new ratings are counted normally once the flood is over.
    with pytest.raises(wf.RatingError) as exc:
        wf.decide_burst(w.session, w.officer, flag.id, confirm=True, reason="again")
    assert error_key(exc) == "followup.wrong_state"
    assert not rate(w.session, w.win, 5, now=T0 + timedelta(hours=1)).held
    assert wf.open_bursts(w.session, w.officer, w.township.path) == []
    assert_chain_ok(w.session)


def test_a_cleared_burst_stays_cleared_when_more_ratings_follow(w):
    """Regression: the next rating inside the burst window used to reopen a flag and hold the cleared ones again."""
    policy.set_value(w.session, w.admin, "rating.burst_threshold", 5)
    subs = burst(w, level=5)  # T0 .. T0+50 s
    flag = w.session.execute(select(BurstFlag)).scalar_one()
    wf.decide_burst(w.session, w.officer, flag.id, confirm=False, reason="办事高峰")
    w.session.commit()
    nxt = rate(w.session, w.win, 4, now=T0 + timedelta(seconds=120))
    assert not nxt.held
    assert statuses(w, w.win) == {"counted": 7}
    assert w.session.execute(select(BurstFlag.status)).scalars().all() == ["cleared"]
    # A new flood is still caught: threshold + 1 fresh ratings open a new flag holding only the fresh ones.
    fresh = [rate(w.session, w.win, 1, now=T0 + timedelta(seconds=130 + i)) for i in range(5)]
    assert [s.held for s in fresh] == [False] * 4 + [True]
    assert w.session.execute(select(BurstFlag.status).order_by(BurstFlag.id)).scalars().all() == ["cleared", "open"]
    assert all(rating_of(w.session, s.receipt_code).status == RatingStatus.COUNTED for s in subs)
    assert statuses(w, w.win) == {"counted": 6, "held": 6}
    assert_chain_ok(w.session)


def test_confirmed_burst_is_excluded_for_good(w):
    policy.set_value(w.session, w.admin, "rating.burst_threshold", 5)
    subs = burst(w, level=1)
    flag = w.session.execute(select(BurstFlag)).scalar_one()
    wf.decide_burst(w.session, w.county_officer, flag.id, confirm=True, reason="同一时段大量差评，确认刷评")
    w.session.commit()
    assert statuses(w, w.win) == {"excluded": 6}
    assert rating_of(w.session, subs[0].receipt_code).status_reason.startswith("burst confirmed")
    day = date(2026, 3, 10)
    assert wf.window_summary(w.session, w.win.id, day, day).count == 0
    assert {r.code: r.count for r in wf.rank_region(w.session, w.county.path, day, day)}[w.win.code] == 0
    assert [a.actor for a in audit_rows(w.session, "rating.burst_decided")] == ["officer_county"]
    assert_chain_ok(w.session)


def test_only_an_officer_over_the_window_decides_a_burst(w):
    policy.set_value(w.session, w.admin, "rating.burst_threshold", 2)
    burst(w)
    flag = w.session.execute(select(BurstFlag)).scalar_one()
    for intruder in (w.sibling_officer, w.staff, w.admin):
        with pytest.raises(PermissionDenied):
            wf.decide_burst(w.session, intruder, flag.id, confirm=False, reason="x")
    with pytest.raises(NotSignedIn):
        wf.decide_burst(w.session, None, flag.id, confirm=False, reason="x")
    with pytest.raises(PermissionDenied):  # an unknown id is answered like a forbidden one
        wf.decide_burst(w.session, w.officer, flag.id + 100, confirm=False, reason="x")
    with pytest.raises(PermissionDenied):
        wf.open_bursts(w.session, w.sibling_officer, w.township.path)
    assert wf.open_bursts(w.session, w.sibling_officer, w.sibling.path) == []
    with pytest.raises(wf.RatingError) as exc:
        wf.decide_burst(w.session, w.officer, flag.id, confirm=False, reason="   ")
    assert error_key(exc) == "followup.reason_required"
    assert w.session.get(BurstFlag, flag.id).status == "open"
    assert statuses(w, w.win) == {"held": 3}
    assert audit_rows(w.session, "rating.burst_decided") == []


# ---------------------------------------------------------------------------------------------------------------
# Staff answer their own window's cases; officers close, decide appeals and record callbacks


def test_staff_answer_their_own_windows_case(w):
    _, case_id = bad_case(w)
    wf.answer_case(w.session, w.staff, case_id, "  已补充一次性告知清单  ")
    w.session.commit()
    case = w.session.get(FollowupCase, case_id)
    assert case.status == CaseStatus.ANSWERED and case.staff_answer == "已补充一次性告知清单"
    assert case.answered_by == w.staff.user_id and case.answered_at is not None
    [row] = audit_rows(w.session, "followup.answer")
    assert (row.actor, row.actor_id, row.target_type, row.target_id) == ("staff_one", w.staff.user_id,
                                                                         "followup_case", str(case_id))
    assert row.before == {"status": "open", "answer": None}
    assert row.after == {"status": "answered", "answer": "已补充一次性告知清单"}
    # An answered case may be answered again (a better explanation); the audit keeps both.
    wf.answer_case(w.session, w.staff, case_id, "已整改")
    assert [r.before["answer"] for r in audit_rows(w.session, "followup.answer")] == [None, "已补充一次性告知清单"]
    assert_chain_ok(w.session)


def test_nobody_else_answers_a_windows_case(w):
    _, case_id = bad_case(w)
    # Staff of another window in the same township, staff of a sibling township's window, an officer of the
    # sibling township, and even the township's own officer (officers close; staff answer).
    for intruder in (w.staff2, w.far_staff, w.sibling_officer, w.officer, w.admin):
        with pytest.raises(PermissionDenied):
            wf.answer_case(w.session, intruder, case_id, "不是我的窗口")
        with pytest.raises(PermissionDenied):
            wf.appeal_case(w.session, intruder, case_id, "恶意差评")
    with pytest.raises(NotSignedIn):
        wf.answer_case(w.session, None, case_id, "x")
    with pytest.raises(PermissionDenied):
        wf.answer_case(w.session, w.staff, case_id + 999, "unknown id")
    assert w.session.get(FollowupCase, case_id).status == CaseStatus.OPEN
    assert audit_rows(w.session, "followup.answer") == []


def test_staff_with_a_grant_but_another_window_cannot_answer(w):
    """A staff grant over the township is not enough: the case must be at the staff member's own window."""
    _, far_case = bad_case(w, window=w.far)
    with pytest.raises(PermissionDenied):
        wf.answer_case(w.session, w.staff, far_case, "x")
    wf.answer_case(w.session, w.far_staff, far_case, "已处理")
    assert w.session.get(FollowupCase, far_case).status == CaseStatus.ANSWERED


@pytest.mark.parametrize("text, key", [("", "followup.answer_required"), ("   ", "followup.answer_required"),
                                       ("字" * (wf.MAX_TEXT + 1), "followup.text_too_long")])
def test_answer_text_is_required_and_bounded(w, text, key):
    _, case_id = bad_case(w)
    with pytest.raises(wf.RatingError) as exc:
        wf.answer_case(w.session, w.staff, case_id, text)
    assert error_key(exc) == key
    assert w.session.get(FollowupCase, case_id).status == CaseStatus.OPEN


def test_close_requires_an_answered_case(w):
    _, case_id = bad_case(w)
    with pytest.raises(wf.RatingError) as exc:
        wf.close_case(w.session, w.officer, case_id, "结案")
    assert error_key(exc) == "followup.wrong_state"
    wf.answer_case(w.session, w.staff, case_id, "已整改")
    with pytest.raises(PermissionDenied):
        wf.close_case(w.session, w.sibling_officer, case_id, "结案")
    with pytest.raises(PermissionDenied):
        wf.close_case(w.session, w.staff, case_id, "结案")
    wf.close_case(w.session, w.officer, case_id, " 已回访，群众认可 ")
    w.session.commit()
    case = w.session.get(FollowupCase, case_id)
    assert (case.status, case.close_note, case.closed_by) == (CaseStatus.CLOSED, "已回访，群众认可", w.officer.user_id)
    [row] = audit_rows(w.session, "followup.close")
    assert (row.actor, row.before, row.after) == ("officer_one", {"status": "answered"},
                                                  {"status": "closed", "note": "已回访，群众认可"})
    # Closed is final for everyone.
    for call in (lambda: wf.close_case(w.session, w.officer, case_id, "again"),
                 lambda: wf.answer_case(w.session, w.staff, case_id, "late"),
                 lambda: wf.appeal_case(w.session, w.staff, case_id, "late")):
        with pytest.raises(wf.RatingError):
            call()
    assert_chain_ok(w.session)


def test_appeal_upheld_excludes_the_rating_and_closes_the_case(w):
    # Five counted ratings plus the malicious one, so the window has a breakdown before and after.
    for i in range(5):
        rate(w.session, w.win, 5, now=T0 - timedelta(minutes=20 + i))
    receipt, case_id = bad_case(w)
    day = date(2026, 3, 10)
    assert wf.window_summary(w.session, w.win.id, day, day).distribution[2] == 1

    wf.appeal_case(w.session, w.staff, case_id, "  评价内容与本窗口业务无关，系恶意差评 ")
    assert w.session.get(FollowupCase, case_id).status == CaseStatus.APPEALED
    with pytest.raises(PermissionDenied):
        wf.decide_appeal(w.session, w.sibling_officer, case_id, True, "x")
    with pytest.raises(PermissionDenied):
        wf.decide_appeal(w.session, w.staff, case_id, True, "x")  # nobody decides their own appeal
    with pytest.raises(wf.RatingError) as exc:
        wf.decide_appeal(w.session, w.officer, case_id, True, "")
    assert error_key(exc) == "followup.reason_required"
    wf.decide_appeal(w.session, w.officer, case_id, True, "核实为恶意差评")
    w.session.commit()

    case, rating = w.session.get(FollowupCase, case_id), rating_of(w.session, receipt)
    assert (case.status, case.appeal_decision, case.appeal_decided_by) == (CaseStatus.CLOSED, "upheld",
                                                                           w.officer.user_id)
    assert case.close_note == "核实为恶意差评" and case.closed_by == w.officer.user_id
    assert rating.status == RatingStatus.EXCLUDED and rating.status_reason == "appeal upheld: 核实为恶意差评"
    summary = wf.window_summary(w.session, w.win.id, day, day)
    assert summary.count == 5 and summary.distribution[2] == 0 and summary.bad_rate == 0.0
    [appeal] = audit_rows(w.session, "followup.appeal")
    assert (appeal.actor, appeal.before, appeal.after) == (
        "staff_one", {"status": "open"}, {"status": "appealed", "reason": "评价内容与本窗口业务无关，系恶意差评"})
    [decided] = audit_rows(w.session, "followup.appeal_decided")
    assert decided.actor == "officer_one"
    assert decided.before == {"status": "appealed", "rating_status": "counted"}
    assert decided.after == {"decision": "upheld", "note": "核实为恶意差评", "status": "closed",
                             "rating_status": "excluded"}
    # The case is no longer open for a 追评 list or anything else.
    assert wf.list_cases(w.session, w.officer, region_path=w.township.path, today=day) == []
    assert_chain_ok(w.session)


@pytest.mark.parametrize("answered_first, back_to", [(False, CaseStatus.OPEN), (True, CaseStatus.ANSWERED)])
def test_appeal_rejected_goes_back_to_where_it_was(w, answered_first, back_to):
    receipt, case_id = bad_case(w)
    if answered_first:
        wf.answer_case(w.session, w.staff, case_id, "已解释")
    wf.appeal_case(w.session, w.staff, case_id, "恶意")
    wf.decide_appeal(w.session, w.county_officer, case_id, False, "评价属实")
    w.session.commit()
    case = w.session.get(FollowupCase, case_id)
    assert (case.status, case.appeal_decision) == (back_to, "rejected")
    assert rating_of(w.session, receipt).status == RatingStatus.COUNTED
    [decided] = audit_rows(w.session, "followup.appeal_decided")
    assert decided.actor == "officer_county" and decided.after["status"] == back_to.value
    # One appeal per case; the case goes on the normal way.
    with pytest.raises(wf.RatingError) as exc:
        wf.appeal_case(w.session, w.staff, case_id, "再申诉")
    assert error_key(exc) == "followup.wrong_state"
    with pytest.raises(wf.RatingError):
        wf.decide_appeal(w.session, w.officer, case_id, True, "not appealed any more")
    if not answered_first:
        wf.answer_case(w.session, w.staff, case_id, "已整改")
    wf.close_case(w.session, w.officer, case_id, "结案")
    assert w.session.get(FollowupCase, case_id).status == CaseStatus.CLOSED
    assert_chain_ok(w.session)


def test_callback_is_recorded_once_and_only_when_a_phone_was_left(w):
    _, with_phone = bad_case(w)
    _, without = bad_case(w, phone="")
    with pytest.raises(PermissionDenied):
        wf.record_callback(w.session, w.staff, with_phone)  # callbacks are the officer's (staff never see phones)
    with pytest.raises(PermissionDenied):
        wf.record_callback(w.session, w.sibling_officer, with_phone)
    wf.record_callback(w.session, w.officer, with_phone)
    assert w.session.get(FollowupCase, with_phone).callback_by == w.officer.user_id
    for case_id in (with_phone, without):
        with pytest.raises(wf.RatingError):
            wf.record_callback(w.session, w.officer, case_id)
    assert [(a.actor, a.target_id) for a in audit_rows(w.session, "followup.callback")] == [
        ("officer_one", str(with_phone))]
    assert_chain_ok(w.session)


# ---------------------------------------------------------------------------------------------------------------
# 追评: the rater's one follow-up rating, with the receipt code


def test_followup_rating_once_with_a_forgiving_receipt_code(w):
    receipt, case_id = bad_case(w)
    typed = receipt.lower().replace("-", "")  # as typed on a phone
    view = wf.lookup_receipt(w.session, f" {typed} ")
    assert view is not None and view.bad_review and view.case_status == "open" and not view.followup_given

    wf.add_followup_rating(w.session, typed, 4, "  改进了  ", now=T0 + timedelta(days=2))
    w.session.commit()
    case = w.session.get(FollowupCase, case_id)
    assert (case.followup_level, case.followup_comment, case.followup_at) == (4, "改进了", T0 + timedelta(days=2))
    assert wf.lookup_receipt(w.session, receipt).followup_given
    with pytest.raises(wf.RatingError) as exc:
        wf.add_followup_rating(w.session, receipt, 5, "", now=T0 + timedelta(days=3))
    assert error_key(exc) == "followup.already_given"
    assert w.session.get(FollowupCase, case_id).followup_level == 4
    # The 追评 does not change the original rating's figures.
    assert rating_of(w.session, receipt).level == 2


def test_followup_rating_only_for_bad_reviews_and_known_codes(w):
    good = rate(w.session, w.win, 5).receipt_code
    w.session.commit()
    assert wf.lookup_receipt(w.session, good).case_status is None
    for code in (good, "ABCD-EFGH", "", "not a code", good[:4]):
        with pytest.raises(wf.RatingError) as exc:
            wf.add_followup_rating(w.session, code, 4, "", now=T0)
        assert error_key(exc) == "followup.receipt_unknown"


def test_followup_rating_validates_level_and_comment(w):
    receipt, case_id = bad_case(w)
    for level in (0, 6, True):
        with pytest.raises(wf.RatingError) as exc:
            wf.add_followup_rating(w.session, receipt, level, "", now=T0)
        assert error_key(exc) == "rating.invalid_choice"
    with pytest.raises(wf.RatingError) as exc:
        wf.add_followup_rating(w.session, receipt, 3, "长" * 301, now=T0)
    assert error_key(exc) == "rating.comment_too_long"
    assert w.session.get(FollowupCase, case_id).followup_level is None


# ---------------------------------------------------------------------------------------------------------------
# Case lists: staff never see the phone; overdue flags against `today`


def test_staff_read_comments_without_the_numbers_raters_typed_officers_as_typed(w):
    typed = "办事员让我跑三趟，我电话138 1234 5678，身份证13010219900101123X"
    _, case_id = bad_case(w, comment=typed)
    day = date(2026, 3, 10)
    staff_row = wf.list_cases(w.session, w.staff, window_id=w.win.id, today=day)[0]
    assert staff_row.comment == "办事员让我跑三趟，我电话*** **** ****，身份证******************"
    assert wf.list_cases(w.session, w.officer, window_id=w.win.id, today=day)[0].comment == typed
    dashboard = wf.recent_comments(w.session, w.win.id, date(2026, 3, 1), day)
    assert [c for _, _, c in dashboard] == [staff_row.comment]
    # The stored original is untouched.
    assert w.session.get(FollowupCase, case_id).rating.comment == typed



def test_staff_list_their_window_without_phone_officers_with_it(w):
    _, mine = bad_case(w, comment="窗口无人")
    _, other = bad_case(w, window=w.win2)
    _, far = bad_case(w, window=w.far)
    day = date(2026, 3, 10)

    staff_rows = wf.list_cases(w.session, w.staff, window_id=w.win.id, today=day)
    assert [r.id for r in staff_rows] == [mine]
    assert all(r.phone is None for r in staff_rows)
    assert staff_rows[0].comment == "窗口无人" and staff_rows[0].tags == ("tag.runaround",)
    assert "13912345678" not in repr(staff_rows)
    for intruder in (w.staff2, w.far_staff, w.sibling_officer):
        with pytest.raises(PermissionDenied):
            wf.list_cases(w.session, intruder, window_id=w.win.id, today=day)

    officer_rows = wf.list_cases(w.session, w.officer, window_id=w.win.id, today=day)
    assert [(r.id, r.phone) for r in officer_rows] == [(mine, "13912345678")]
    by_region = wf.list_cases(w.session, w.officer, region_path=w.township.path, today=day)
    assert sorted(r.id for r in by_region) == sorted([mine, other])
    assert all(r.phone == "13912345678" for r in by_region)
    assert sorted(r.id for r in wf.list_cases(w.session, w.county_officer, region_path=w.county.path,
                                              today=day)) == sorted([mine, other, far])
    with pytest.raises(PermissionDenied):
        wf.list_cases(w.session, w.sibling_officer, region_path=w.township.path, today=day)
    with pytest.raises(PermissionDenied):
        wf.list_cases(w.session, w.staff, region_path=w.township.path, today=day)


def test_overdue_flags_follow_today(w):
    _, case_id = bad_case(w)  # callback due Wed 03-11, resolve due Tue 03-17

    def row(today: date):
        [r] = wf.list_cases(w.session, w.officer, region_path=w.township.path, today=today)
        return r

    assert (row(date(2026, 3, 11)).callback_overdue, row(date(2026, 3, 11)).overdue) == (False, False)
    assert (row(date(2026, 3, 12)).callback_overdue, row(date(2026, 3, 12)).overdue) == (True, False)
    assert (row(date(2026, 3, 17)).overdue, row(date(2026, 3, 18)).overdue) == (False, True)
    wf.record_callback(w.session, w.officer, case_id)
    after = row(date(2026, 3, 18))
    assert (after.callback_overdue, after.callback_done, after.overdue) == (False, True, True)
    # An answered case waits for the officer, not for the staff: no longer overdue for them.
    wf.answer_case(w.session, w.staff, case_id, "已整改")
    assert row(date(2026, 3, 18)).overdue is False and row(date(2026, 3, 18)).status == "answered"
    wf.close_case(w.session, w.officer, case_id, "结案")
    assert wf.list_cases(w.session, w.officer, region_path=w.township.path, today=date(2026, 3, 18)) == []
    [closed] = wf.list_cases(w.session, w.officer, region_path=w.township.path, include_closed=True,
                             today=date(2026, 3, 18))
    assert (closed.status, closed.overdue, closed.callback_overdue) == ("closed", False, False)


def test_cases_are_listed_most_urgent_first(w):
    _, late = bad_case(w, now=T0 + timedelta(days=1))
    _, early = bad_case(w, now=T0)
    rows = wf.list_cases(w.session, w.staff, window_id=w.win.id, today=date(2026, 3, 10))
    assert [r.id for r in rows] == [early, late]
    assert rows[0].resolve_due < rows[1].resolve_due


# ---------------------------------------------------------------------------------------------------------------
# Rankings: k ≥ 5, ties, the 约谈 flag, offices


def many(w: World, window: ServiceWindow, levels: list[int], start: datetime) -> None:
    """Ratings an hour apart (no burst), each from its own device."""
    for i, level in enumerate(levels):
        rate(w.session, window, level, now=start + timedelta(hours=i))
    w.session.flush()


def test_rank_region_needs_five_ratings_and_ties_share_a_rank(w):
    extra = factories.window(w.session, w.township, code="T-ONE-0003", office_name="Office C")
    start = datetime(2026, 3, 2, 1, tzinfo=UTC)
    many(w, w.win, [5, 5, 5, 5, 1], start)  # 4/5
    many(w, w.win2, [5, 4, 5, 4, 5, 4, 5, 2, 1, 1], start)  # 7/10: below
    many(w, extra, [4, 4, 4, 4, 5, 5, 5, 1, 2, 3], start)  # 7/10: ties with win2
    many(w, w.far, [5, 5, 5, 5], start)  # only 4 and in another township
    rows = wf.rank_region(w.session, w.township.path, date(2026, 3, 1), date(2026, 3, 31))
    assert [(r.code, r.count, r.rank) for r in rows] == [
        ("T-ONE-0001", 5, 1), ("T-ONE-0002", 10, 2), ("T-ONE-0003", 10, 2)]
    assert rows[0].satisfaction_rate == pytest.approx(0.8) and rows[0].bad_rate == pytest.approx(0.2)
    assert rows[1].bad_rate == pytest.approx(0.3)

    county = {r.code: r for r in wf.rank_region(w.session, w.county.path, date(2026, 3, 1), date(2026, 3, 31))}
    assert (county["T-TWO-0001"].count, county["T-TWO-0001"].rank, county["T-TWO-0001"].satisfaction_rate,
            county["T-TWO-0001"].bad_rate) == (4, None, None, None)
    assert list(county)[-1] == "T-TWO-0001"  # unranked rows come last
    # The period is the China calendar month: a rating at 23:30 China time on Feb 28 is February's.
    rate(w.session, w.far, 5, now=datetime(2026, 2, 28, 15, 30, tzinfo=UTC))
    assert {r.code: r.count for r in wf.rank_region(w.session, w.county.path, date(2026, 3, 1),
                                                   date(2026, 3, 31))}["T-TWO-0001"] == 4


def test_min_count_policy_can_raise_but_never_lower_the_bar(w):
    many(w, w.win, [5] * 5, datetime(2026, 3, 2, 1, tzinfo=UTC))
    many(w, w.win2, [5] * 6, datetime(2026, 3, 2, 1, tzinfo=UTC))
    span = (date(2026, 3, 1), date(2026, 3, 31))
    policy.set_value(w.session, w.admin, "rating.min_count_ranked", 6)
    assert {r.code: r.rank for r in wf.rank_region(w.session, w.township.path, *span)} == {
        "T-ONE-0002": 1, "T-ONE-0001": None}
    policy.set_value(w.session, w.admin, "rating.min_count_ranked", 2)  # below k: ignored, k = 5 applies
    many(w, w.far, [5] * 4, datetime(2026, 3, 2, 1, tzinfo=UTC))
    ranks = {r.code: r.rank for r in wf.rank_region(w.session, w.county.path, *span)}
    assert ranks == {"T-ONE-0001": 1, "T-ONE-0002": 1, "T-TWO-0001": None}


def test_held_and_excluded_ratings_are_not_ranked(w):
    many(w, w.win, [5] * 5, datetime(2026, 3, 2, 1, tzinfo=UTC))
    receipt, case_id = bad_case(w, now=datetime(2026, 3, 3, 1, tzinfo=UTC))
    wf.appeal_case(w.session, w.staff, case_id, "恶意")
    wf.decide_appeal(w.session, w.officer, case_id, True, "属实")
    [row] = [r for r in wf.rank_region(w.session, w.township.path, date(2026, 3, 1), date(2026, 3, 31))
             if r.code == w.win.code]
    assert (row.count, row.satisfaction_rate) == (5, 1.0)


def test_monthly_ranking_flags_the_window_at_the_bottom_two_months_running(w):
    extra = factories.window(w.session, w.township, code="T-ONE-0003", office_name="Office C")
    feb, mar = datetime(2026, 2, 2, 1, tzinfo=UTC), datetime(2026, 3, 2, 1, tzinfo=UTC)
    many(w, w.win, [5] * 5, feb)
    many(w, w.win2, [1, 1, 5, 5, 5], feb)  # bottom in February
    many(w, extra, [5, 5, 5, 5, 4], feb)
    many(w, w.win, [5] * 5, mar)
    many(w, w.win2, [1, 2, 5, 5, 5], mar)  # bottom again in March
    many(w, extra, [1, 1, 1, 5, 5], mar)  # also bad in March, but worse: extra is last in March!
    march = {r.code: r for r in wf.monthly_ranking(w.session, w.township.path, "2026-03")}
    # In March extra (2/5) is last, win2 (3/5) is not: nobody was last both months.
    assert [r.rank for r in march.values()] == [1, 2, 3]
    assert not any(r.talk_flag for r in march.values())

    many(w, w.win2, [1, 1, 1, 1, 1], datetime(2026, 3, 20, 1, tzinfo=UTC))  # win2 sinks to 3/10
    march = {r.code: r for r in wf.monthly_ranking(w.session, w.township.path, "2026-03")}
    assert march["T-ONE-0002"].rank == 3 and march["T-ONE-0002"].talk_flag
    assert not march["T-ONE-0001"].talk_flag and not march["T-ONE-0003"].talk_flag
    # February alone (January has no ranking) flags nobody.
    assert not any(r.talk_flag for r in wf.monthly_ranking(w.session, w.township.path, "2026-02"))


def test_monthly_ranking_across_the_new_year(w):
    dec, jan = datetime(2025, 12, 2, 1, tzinfo=UTC), datetime(2026, 1, 5, 1, tzinfo=UTC)
    for start in (dec, jan):
        many(w, w.win, [5] * 5, start)
        many(w, w.win2, [1] * 5, start)
    flags = {r.code: r.talk_flag for r in wf.monthly_ranking(w.session, w.township.path, "2026-01")}
    assert flags == {"T-ONE-0001": False, "T-ONE-0002": True}


def test_office_ranking_aggregates_the_offices_windows(w):
    mar = datetime(2026, 3, 2, 1, tzinfo=UTC)
    many(w, w.win, [5, 5, 5], mar)  # Office A: 3 + 3 = 6 ratings, 5 satisfied
    many(w, w.win2, [5, 4, 1], mar)
    many(w, w.far, [5, 5, 5, 5, 5, 5], mar)  # Office B: 6/6
    factories.window(w.session, w.sibling, code="T-TWO-0002", office_name="Office C")  # no ratings
    rows = wf.office_ranking(w.session, w.county.path, "2026-03")
    assert [(r.office, r.windows, r.count, r.rank) for r in rows] == [
        ("Office B", 1, 6, 1), ("Office A", 2, 6, 2), ("Office C", 1, 0, None)]
    assert rows[1].satisfaction_rate == pytest.approx(5 / 6)
    # Scoped to a township, only its windows count.
    assert [(r.office, r.count) for r in wf.office_ranking(w.session, w.township.path, "2026-03")] == [
        ("Office A", 6)]


def test_staff_summary_and_comments_reveal_nothing_below_k_or_about_raters(w):
    day = date(2026, 3, 10)
    for i in range(4):
        rate(w.session, w.win, 2, comment=f"意见{i}", phone="13912345678", now=T0 + timedelta(minutes=i))
    summary = wf.window_summary(w.session, w.win.id, day, day)
    assert summary.suppressed and summary.count == 4 and summary.distribution == {}
    rate(w.session, w.win, 5, now=T0 + timedelta(minutes=5))
    summary = wf.window_summary(w.session, w.win.id, day, day)
    assert not summary.suppressed and summary.distribution == {1: 0, 2: 4, 3: 0, 4: 0, 5: 1}
    comments = wf.recent_comments(w.session, w.win.id, day, day)
    assert comments == [(day, 2, "意见3"), (day, 2, "意见2"), (day, 2, "意见1"), (day, 2, "意见0")]


# ---------------------------------------------------------------------------------------------------------------
# The whole round trip leaves an intact audit chain with one row per privileged action


def test_every_privileged_action_is_audited_and_the_chain_holds(w):
    policy.set_value(w.session, w.admin, "rating.burst_threshold", 3)
    national_day_2026(w.session, w.admin)
    receipt, case_id = bad_case(w)
    _, appealed = bad_case(w, now=T0 + timedelta(hours=1))
    burst(w, w.far, start=T0 + timedelta(hours=2))
    flag = w.session.execute(select(BurstFlag)).scalar_one()
    w.session.commit()
    n0 = w.session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()

    wf.answer_case(w.session, w.staff, case_id, "已整改")
    wf.record_callback(w.session, w.officer, case_id)
    wf.add_followup_rating(w.session, receipt, 4, "好多了", now=T0 + timedelta(days=1))  # resident: no audit
    wf.close_case(w.session, w.officer, case_id, "结案")
    wf.appeal_case(w.session, w.staff, appealed, "恶意")
    wf.decide_appeal(w.session, w.county_officer, appealed, True, "属实")
    wf.decide_burst(w.session, w.sibling_officer, flag.id, False, "高峰")
    w.session.commit()

    new = list(w.session.execute(select(AuditEntry).order_by(AuditEntry.id).offset(n0)).scalars())
    assert [(a.action, a.actor) for a in new] == [
        ("followup.answer", "staff_one"), ("followup.callback", "officer_one"), ("followup.close", "officer_one"),
        ("followup.appeal", "staff_one"), ("followup.appeal_decided", "officer_county"),
        ("rating.burst_decided", "officer_two")]
    assert all(a.actor_id is not None for a in new)
    report = audit.verify_chain(w.session)
    assert report.ok and report.rows == n0 + 6


def test_call_back_number_for_officers_over_the_window_only_each_read_audited(w):
    _, with_phone = bad_case(w)
    _, without = bad_case(w, phone="")
    for intruder in (w.staff, w.sibling_officer, None):
        with pytest.raises((PermissionDenied, NotSignedIn)):
            wf.case_phone(w.session, intruder, with_phone)
    with pytest.raises(PermissionDenied):
        wf.case_phone(w.session, w.officer, with_phone + 1000)
    assert wf.case_phone(w.session, w.officer, with_phone) == "13912345678"
    assert wf.case_phone(w.session, w.officer, without) == ""
    assert [(a.actor, a.target_id) for a in audit_rows(w.session, "followup.phone_view")] == [
        ("officer_one", str(with_phone))]


# ---------------------------------------------------------------------------------------------------------------
# One address, many devices (a script gets a new device id with every connection); thresholds relative to volume


def test_ratings_beyond_the_daily_count_from_one_address_are_held_not_refused(w):
    limit = policy.get_int(w.session, "rating.max_per_address_day")
    assert limit == 5
    hall = "172.16.0.9"  # a hall's Wi-Fi: every phone on it shares this address
    # Spread over the morning so no burst is involved: each from a new device.
    subs = [rate(w.session, w.win, 5, client=hall, now=T0 + timedelta(minutes=15 * i)) for i in range(limit + 2)]
    assert [s.held for s in subs] == [False] * limit + [True, True]
    assert {rating_of(w.session, s.receipt_code).status_reason for s in subs[limit:]} == {"address"}
    # Another address at the same window, and the same address at another window, count as usual.
    assert not rate(w.session, w.win, 5, client="172.16.0.10", now=T0 + timedelta(hours=3)).held
    assert not rate(w.session, w.win2, 5, client=hall, now=T0 + timedelta(hours=3)).held
    # A rolling 24 hours: a day after the last of them the address has room again.
    assert not rate(w.session, w.win, 5, client=hall, now=T0 + timedelta(days=1, hours=2)).held
    flag = w.session.execute(select(BurstFlag)).scalar_one()
    assert (flag.window_id, flag.status) == (w.win.id, "open")
    flagged = audit_rows(w.session, "rating.burst_flagged")
    assert [a.after for a in flagged] == [{"reason": "address", "max_per_address_day": 5}]  # one flag, one row
    # The officer decides them like a burst: cleared, they count.
    wf.decide_burst(w.session, w.officer, flag.id, confirm=False, reason="大厅无线网络，核实为真实评价")
    assert statuses(w, w.win) == {"counted": limit + 4}


def test_address_limit_comes_from_the_policy(w):
    policy.set_value(w.session, w.admin, "rating.max_per_address_day", 2)
    subs = [rate(w.session, w.win, 4, client="10.1.1.1", now=T0 + timedelta(minutes=20 * i)) for i in range(3)]
    assert [s.held for s in subs] == [False, False, True]


def test_nine_five_star_ratings_from_one_address_in_seconds_are_all_held(w):
    subs = [rate(w.session, w.win, 5, client="203.0.113.5", now=T0 + timedelta(seconds=2 * i)) for i in range(9)]
    assert [s.held for s in subs[:8]] == [False] * 5 + [True] * 3 and subs[8].held
    assert statuses(w, w.win) == {"held": 9}  # the ninth is a burst above the floor of 8: all of it is held
    day = date(2026, 3, 10)
    assert wf.window_summary(w.session, w.win.id, day, day).count == 0


def _history(w: World, per_hour: int, hours: list[datetime]) -> None:
    """Counted ratings of earlier days, inserted directly: `per_hour` in each of `hours`."""
    for hour in hours:
        for i in range(per_hour):
            w.session.add(Rating(window_id=w.win.id, level=5, tags=[], device_hash=uuid.uuid4().hex,
                                 client_hash=uuid.uuid4().hex, receipt_code=uuid.uuid4().hex[:9].upper(),
                                 status=RatingStatus.COUNTED, created_at=hour + timedelta(seconds=59 * i)))
    w.session.commit()


def test_a_busy_windows_burst_threshold_follows_its_normal_volume(w):
    # Three earlier days, two busy hours each with 60 ratings: 3 × 60 / 6 = 30 in ten minutes is normal there.
    _history(w, 60, [T0 - timedelta(days=d, hours=h) for d in (1, 2, 3) for h in (0, 2)])
    subs = [rate(w.session, w.win, 5, now=T0 + timedelta(seconds=15 * i)) for i in range(31)]
    assert not any(s.held for s in subs[:30]) and subs[30].held
    assert audit_rows(w.session, "rating.burst_flagged")[0].after == {"window_minutes": 10.0, "threshold": 30}


def test_history_outside_the_baseline_days_does_not_raise_the_threshold(w):
    policy.set_value(w.session, w.admin, "rating.burst_baseline_days", 1)
    _history(w, 60, [T0 - timedelta(days=d, hours=1) for d in (2, 3)])
    subs = [rate(w.session, w.win, 5, now=T0 + timedelta(seconds=15 * i)) for i in range(9)]
    assert [s.held for s in subs] == [False] * 8 + [True]  # the floor of 8 applies


def test_multiplier_comes_from_the_policy(w):
    policy.set_value(w.session, w.admin, "rating.burst_multiplier", 2)
    _history(w, 60, [T0 - timedelta(days=1, hours=1)])
    subs = [rate(w.session, w.win, 5, now=T0 + timedelta(seconds=15 * i)) for i in range(21)]
    assert not any(s.held for s in subs[:20]) and subs[20].held  # 2 × 60 / 6 = 20


# ---------------------------------------------------------------------------------------------------------------
# A retried submit (the reply was lost: a worker died, the connection dropped) answers the stored receipt


def test_a_retried_submit_with_the_same_attempt_key_answers_the_original_receipt(w):
    device, key = uuid.uuid4().hex, uuid.uuid4().hex

    def submit(level: int, later: timedelta, attempt: str = key) -> wf.Submitted:
        return wf.submit_rating(w.session, wf.NewRating(w.win.code, level, (), "", ""), device_id=device,
                                client="10.0.0.7", secret=SECRET, now=T0 + later, attempt_key=attempt)

    first = submit(2, timedelta(0))
    w.session.commit()
    again = submit(2, timedelta(seconds=40))
    assert again == first
    assert ratings_count(w.session) == 1
    assert w.session.execute(select(func.count()).select_from(FollowupCase)).scalar_one() == 1
    # A new attempt from the same phone is still a second rating within the cool-down: refused.
    with pytest.raises(wf.RatingError) as exc:
        submit(5, timedelta(minutes=1), attempt=uuid.uuid4().hex)
    assert error_key(exc) == "rating.cooldown"


def test_an_attempt_key_belongs_to_its_device_and_window(w):
    key = uuid.uuid4().hex
    mine = wf.submit_rating(w.session, wf.NewRating(w.win.code, 5), device_id=uuid.uuid4().hex, client="10.0.0.7",
                            secret=SECRET, now=T0, attempt_key=key)
    # Another phone that somehow sends the same key gets its own rating, never the first phone's receipt.
    other = wf.submit_rating(w.session, wf.NewRating(w.win.code, 4), device_id=uuid.uuid4().hex, client="10.0.0.8",
                             secret=SECRET, now=T0, attempt_key=key)
    assert other.receipt_code != mine.receipt_code
    assert ratings_count(w.session) == 2
    with pytest.raises(wf.RatingError):
        wf.submit_rating(w.session, wf.NewRating(w.win.code, 5), device_id=uuid.uuid4().hex, client="10.0.0.7",
                         secret=SECRET, now=T0, attempt_key="k" * 65)


def test_satisfaction_trend_by_month_for_a_window_and_an_office(w):
    many(w, w.win, [5, 5, 5, 5, 1], datetime(2026, 2, 2, 1, tzinfo=UTC))  # February: 4/5
    many(w, w.win, [5, 5, 1], datetime(2026, 3, 2, 1, tzinfo=UTC))  # March: 3 ratings, below k: no rate
    many(w, w.win2, [5, 5, 5, 5, 5], datetime(2026, 3, 2, 1, tzinfo=UTC))  # March, the same office
    months = ["2026-03", "2026-01", "2026-02"]  # any order in, oldest first out
    trend = wf.satisfaction_trend(w.session, w.township.path, months, window_code=w.win.code)
    assert [(p.month, p.count) for p in trend] == [("2026-01", 0), ("2026-02", 5), ("2026-03", 3)]
    assert [p.satisfaction_rate for p in trend] == [None, pytest.approx(0.8), None]
    office = wf.satisfaction_trend(w.session, w.township.path, months, office="Office A")
    assert [(p.count, p.satisfaction_rate) for p in office] == [(0, None), (5, pytest.approx(0.8)),
                                                                (8, pytest.approx(7 / 8))]
    # Outside the region: nothing of it.
    assert all(p.count == 0 for p in wf.satisfaction_trend(w.session, w.sibling.path, months,
                                                           window_code=w.win.code))


def test_a_rating_costs_few_statements_and_sees_a_policy_change_at_once(w):
    """The hot path: settings and calendar come from the cache while the settings token stands (one read), and
    an admin's change is seen by the very next rating."""
    from sqlalchemy import event

    from portal.kernel import version_models

    version_models.bump(w.session.connection())  # what the migration seeds; create_all does not
    rate(w.session, w.win, 5, now=T0)  # fills the caches
    rate(w.session, w.win2, 5, now=T0)
    statements: list[str] = []
    engine = w.session.get_bind()
    listener = lambda *args: statements.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
    event.listen(engine, "before_cursor_execute", listener)
    try:
        rate(w.session, w.win2, 4, now=T0 + timedelta(minutes=1))
        assert len(statements) <= 6, statements
        statements.clear()
        rate(w.session, w.win2, 2, phone="13912345678", now=T0 + timedelta(minutes=2))
        assert len(statements) <= 7, statements  # and the 差评's case
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    policy.set_value(w.session, w.admin, "rating.comment_max_chars", 5)
    with pytest.raises(wf.RatingError) as refused:
        rate(w.session, w.win, 5, comment="六个字的留言", now=T0 + timedelta(minutes=3))
    assert refused.value.key == "rating.comment_too_long"
