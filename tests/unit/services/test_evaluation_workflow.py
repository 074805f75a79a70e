"""Evaluation rounds against the database (portal/evaluations/services.py): appointments, rounds, targets,
assignments, drafts, check-in, photos, submit before the due date, conflicts, closing with residents' ratings,
the notice, office records, the talk flag across rounds, and who may see or change what.

Every call passes an explicit `now=` so nothing depends on the wall clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import Role, RoleGrant, User
from portal.kernel.audit_models import AuditEntry
from portal.evaluations.models import AssignmentStatus, EvaluationAssignment, EvaluationResult
from portal.regions.models import Region, ServiceWindow
from portal.accounts import services as auth
from portal.kernel import policy
from portal.evaluations import services as ew
from portal.ratings import services as wf
from portal.evaluations.rules import EvaluationRuleError
from portal.kernel.permissions import Actor, NotSignedIn, PermissionDenied
from tests import factories

UTC = timezone.utc
NOW = datetime(2026, 6, 10, 2, 0, tzinfo=UTC)  # 10:00 in China
AFTER_DUE = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)  # the day after the rounds' default due date (2026-06-30)
PERIOD = (date(2026, 5, 1), date(2026, 5, 31))
CRIT = [("attitude", 50), ("integrity", 50)]
IMG = "a" * 64


@dataclass
class World:
    session: Session
    county: Region
    township: Region
    sibling: Region
    other_county: Region
    win: ServiceWindow  # Office A, township
    win2: ServiceWindow  # Office A, township
    far: ServiceWindow  # Office B, sibling
    away: ServiceWindow  # Office C, other county
    admin: Actor  # province
    county_admin: Actor  # other county only
    sup: Actor
    sup2: Actor


def _sup(s: Session, region: Region, name: str, admin: Actor, term=(date(2026, 1, 1), date(2027, 12, 31))) -> Actor:
    user = factories.user(s, [], username=name)
    ew.appoint_supervisor(s, admin, name, region.code, *term)
    return auth.actor_for_user(s, user)


@pytest.fixture
def w(db_session: Session, fast_passwords) -> World:
    s = db_session
    tree = factories.region_tree(s)
    county, other_county = tree.counties
    township, sibling = tree.townships[county.code]
    win = factories.window(s, township, code="T-A-0001", name="低保窗口", office_name="Office A")
    win2 = factories.window(s, township, code="T-A-0002", name="救助窗口", office_name="Office A")
    far = factories.window(s, sibling, code="T-B-0001", name="低保窗口", office_name="Office B")
    away = factories.window(s, tree.townships[other_county.code][0], code="T-C-0001", office_name="Office C")
    admin = factories.actor_with(s, (Role.ADMIN, tree.province))
    county_admin = factories.actor_with(s, (Role.ADMIN, other_county))
    return World(s, county, township, sibling, other_county, win, win2, far, away, admin, county_admin,
                 _sup(s, county, "sup1", admin), _sup(s, county, "sup2", admin))


def _round(w: World, title: str = "2026 first round", period=PERIOD, due=date(2026, 6, 30)) -> int:
    return ew.open_round(w.session, w.admin, title=title, region_code=w.county.code, period_start=period[0],
                         period_end=period[1], due_on=due, criteria=CRIT, now=NOW).id


def _rate(w: World, window: ServiceWindow, levels: list[int], day: date) -> None:
    for i, level in enumerate(levels):
        when = datetime(day.year, day.month, day.day, 2, i, tzinfo=UTC)
        wf.submit_rating(w.session, wf.NewRating(window.code, level), device_id=f"d-{window.code}-{day}-{i}",
                         client="c", secret="s", now=when)


def _evaluate(w: World, actor: Actor, assignment_id: int, attitude: int, integrity: int) -> None:
    ew.save_draft(w.session, actor, assignment_id, scores={"attitude": attitude, "integrity": integrity}, now=NOW)
    ew.check_in(w.session, actor, assignment_id, lat=38.04, lon=114.51, accuracy_m=12, now=NOW)
    ew.submit(w.session, actor, assignment_id, now=NOW)


def test_appointment_grants_the_role_and_is_audited(w: World):
    grants = w.session.execute(select(RoleGrant).where(RoleGrant.user_id == w.sup.user_id)).scalars().all()
    assert [(g.role, g.region_id) for g in grants] == [(Role.SUPERVISOR, w.county.id)]
    assert w.sup.has_role(Role.SUPERVISOR)
    rows = ew.list_appointments(w.session, w.admin, "/13/", today=date(2026, 6, 1))
    assert {r.username for r in rows} == {"sup1", "sup2"} and all(r.current for r in rows)
    assert w.session.execute(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "supervisor.appoint")).scalar_one() == 2
    with pytest.raises(PermissionDenied):  # a county admin elsewhere cannot appoint here
        ew.appoint_supervisor(w.session, w.county_admin, "sup1", w.county.code, date(2026, 1, 1), date(2026, 2, 1))
    with pytest.raises(EvaluationRuleError):
        ew.appoint_supervisor(w.session, w.admin, "nobody", w.county.code, date(2026, 1, 1), date(2026, 2, 1))
    with pytest.raises(EvaluationRuleError):
        ew.appoint_supervisor(w.session, w.admin, "sup1", w.county.code, date(2026, 3, 1), date(2026, 2, 1))


def test_targets_must_lie_in_the_round_region_and_assignees_need_a_current_appointment(w: World):
    rid = _round(w)
    ew.add_window_target(w.session, w.admin, rid, "T-A-0001")
    office = ew.add_office_target(w.session, w.admin, rid, "Office B")
    assert office.key == "o:Office B" and office.region_id == w.sibling.id
    for bad in [lambda: ew.add_window_target(w.session, w.admin, rid, "T-C-0001"),
                lambda: ew.add_office_target(w.session, w.admin, rid, "Office C"),
                lambda: ew.add_window_target(w.session, w.admin, rid, "T-A-0001")]:
        with pytest.raises(EvaluationRuleError):
            bad()
    with pytest.raises(PermissionDenied):
        ew.add_window_target(w.session, w.county_admin, rid, "T-A-0002")
    expired = _sup(w.session, w.county, "old", w.admin, term=(date(2024, 1, 1), date(2025, 12, 31)))
    with pytest.raises(EvaluationRuleError) as err:
        ew.assign(w.session, w.admin, office.id, expired.username, now=NOW)
    assert err.value.key == "eval.err.not_appointed"
    elsewhere = _sup(w.session, w.other_county, "far_sup", w.admin)
    with pytest.raises(EvaluationRuleError):
        ew.assign(w.session, w.admin, office.id, elsewhere.username, now=NOW)
    ew.assign(w.session, w.admin, office.id, "sup1", now=NOW)
    with pytest.raises(EvaluationRuleError):
        ew.assign(w.session, w.admin, office.id, "sup1", now=NOW)


def test_round_needs_valid_dates_and_criteria(w: World):
    with pytest.raises(EvaluationRuleError):
        _round(w, due=date(2026, 6, 1))  # due date already past at NOW
    with pytest.raises(EvaluationRuleError):
        _round(w, period=(date(2026, 5, 31), date(2026, 5, 1)))
    with pytest.raises(EvaluationRuleError):
        ew.open_round(w.session, w.admin, title="x", region_code=w.county.code, period_start=PERIOD[0],
                      period_end=PERIOD[1], due_on=date(2026, 6, 30), criteria=[("attitude", 90)], now=NOW)
    assert ew.rounds_needed_this_year(w.session, w.county.path, 2026) == 2
    _round(w)
    assert ew.rounds_needed_this_year(w.session, w.county.path, 2026) == 1


def test_drafts_checkin_photos_and_submit(w: World):
    rid = _round(w)
    t = ew.add_window_target(w.session, w.admin, rid, "T-A-0001")
    aid = ew.assign(w.session, w.admin, t.id, "sup1", now=NOW).id
    ew.save_draft(w.session, w.sup, aid, scores={"attitude": 4}, comments={"attitude": "耐心"}, now=NOW)
    form = ew.evaluation_form(w.session, w.sup, aid, now=NOW)
    assert form.status == "draft" and form.scores == {"attitude": 4} and form.comments == {"attitude": "耐心"}
    with pytest.raises(EvaluationRuleError) as err:
        ew.submit(w.session, w.sup, aid, now=NOW)
    assert err.value.key == "eval.err.incomplete"
    ew.save_draft(w.session, w.sup, aid, scores={"integrity": 5}, overall_comment="总体良好", now=NOW)
    with pytest.raises(EvaluationRuleError) as err:
        ew.submit(w.session, w.sup, aid, now=NOW)
    assert err.value.key == "eval.err.checkin"
    for bad in [{"attitude": 6}, {"openness": 3}]:
        with pytest.raises(EvaluationRuleError):
            ew.save_draft(w.session, w.sup, aid, scores=bad, now=NOW)
    with pytest.raises(EvaluationRuleError):
        ew.check_in(w.session, w.sup, aid, lat=123.0, lon=0.0, now=NOW)
    ew.check_in(w.session, w.sup, aid, now=NOW)  # location refused by the browser: time only
    ew.add_photo(w.session, w.sup, aid, IMG, now=NOW)
    ew.add_photo(w.session, w.sup, aid, IMG, now=NOW)  # same photo twice is kept once
    ew.submit(w.session, w.sup, aid, now=NOW)
    form = ew.evaluation_form(w.session, w.sup, aid, now=NOW)
    assert form.status == "submitted" and not form.editable and form.photos == [IMG]
    assert form.checkin_at == NOW and form.checkin_lat is None
    with pytest.raises(EvaluationRuleError) as err:
        ew.save_draft(w.session, w.sup, aid, scores={"attitude": 1}, now=NOW)
    assert err.value.key == "eval.err.submitted"
    actions = set(w.session.execute(select(AuditEntry.action).where(AuditEntry.target_id == str(aid))).scalars())
    assert {"evaluation.draft", "evaluation.checkin", "evaluation.photo_add", "evaluation.submit"} <= actions


def test_nothing_changes_after_the_due_date(w: World):
    rid = _round(w, due=date(2026, 6, 12))
    aid = ew.assign(w.session, w.admin, ew.add_window_target(w.session, w.admin, rid, "T-A-0001").id, "sup1",
                    now=NOW).id
    late = datetime(2026, 6, 12, 16, 30, tzinfo=UTC)  # 00:30 on the 13th in China
    with pytest.raises(EvaluationRuleError) as err:
        ew.save_draft(w.session, w.sup, aid, scores={"attitude": 3}, now=late)
    assert err.value.key == "eval.err.past_due"
    assert not ew.evaluation_form(w.session, w.sup, aid, now=late).editable


def test_a_supervisor_whose_term_ended_can_no_longer_change_the_evaluation(w: World):
    short = _sup(w.session, w.county, "short", w.admin, term=(date(2026, 1, 1), date(2026, 6, 15)))
    rid = _round(w)
    aid = ew.assign(w.session, w.admin, ew.add_window_target(w.session, w.admin, rid, "T-A-0001").id, "short",
                    now=NOW).id
    ew.save_draft(w.session, short, aid, scores={"attitude": 4}, now=NOW)
    with pytest.raises(EvaluationRuleError) as err:
        ew.save_draft(w.session, short, aid, scores={"attitude": 5}, now=NOW + timedelta(days=10))
    assert err.value.key == "eval.err.not_appointed"


def test_a_supervisor_reaches_only_their_own_assignments(w: World):
    rid = _round(w)
    t = ew.add_window_target(w.session, w.admin, rid, "T-A-0001")
    mine = ew.assign(w.session, w.admin, t.id, "sup1", now=NOW).id
    theirs = ew.assign(w.session, w.admin, t.id, "sup2", now=NOW).id
    ew.save_draft(w.session, w.sup2, theirs, scores={"attitude": 2}, now=NOW)
    for call in [lambda: ew.evaluation_form(w.session, w.sup, theirs, now=NOW),
                 lambda: ew.save_draft(w.session, w.sup, theirs, scores={"attitude": 5}, now=NOW),
                 lambda: ew.check_in(w.session, w.sup, theirs, now=NOW),
                 lambda: ew.submit(w.session, w.sup, theirs, now=NOW),
                 lambda: ew.declare_conflict(w.session, w.sup, theirs, "x", now=NOW),
                 lambda: ew.evaluation_form(w.session, w.sup, 9999, now=NOW),
                 lambda: ew.evaluation_form(w.session, w.admin, mine, now=NOW)]:
        with pytest.raises(PermissionDenied):
            call()
    with pytest.raises(NotSignedIn):
        ew.evaluation_form(w.session, None, mine, now=NOW)
    assert w.session.get(EvaluationAssignment, theirs).scores == {"attitude": 2}
    # Only their own round and target show on the home page.
    other = ew.add_window_target(w.session, w.admin, rid, "T-B-0001")
    ew.assign(w.session, w.admin, other.id, "sup2", now=NOW)
    [my_round] = ew.my_open_rounds(w.session, w.sup)
    assert [t.assignment_id for t in my_round.targets] == [mine]
    # Photos: the taker and admins over the region; not the other supervisor.
    ew.add_photo(w.session, w.sup2, theirs, IMG, now=NOW)
    assert ew.photo_allowed(w.session, w.sup2, theirs, IMG) is True
    assert ew.photo_allowed(w.session, w.admin, theirs, IMG) is False
    for actor, image in [(w.sup, IMG), (w.county_admin, IMG), (w.sup2, "b" * 64)]:
        with pytest.raises(PermissionDenied):
            ew.photo_allowed(w.session, actor, theirs, image)


def test_declared_conflict_removes_the_assignment_for_good(w: World):
    rid = _round(w)
    t = ew.add_window_target(w.session, w.admin, rid, "T-A-0001")
    aid = ew.assign(w.session, w.admin, t.id, "sup1", now=NOW).id
    ew.save_draft(w.session, w.sup, aid, scores={"attitude": 5}, now=NOW)
    with pytest.raises(EvaluationRuleError):
        ew.declare_conflict(w.session, w.sup, aid, "  ", now=NOW)
    ew.declare_conflict(w.session, w.sup, aid, "我的亲属在该窗口工作", now=NOW)
    row = w.session.get(EvaluationAssignment, aid)
    assert row.status == AssignmentStatus.CONFLICT and row.scores == {}
    assert ew.my_open_rounds(w.session, w.sup) == []
    with pytest.raises(PermissionDenied):
        ew.evaluation_form(w.session, w.sup, aid, now=NOW)
    with pytest.raises(EvaluationRuleError) as err:
        ew.assign(w.session, w.admin, t.id, "sup1", now=NOW)
    assert err.value.key == "eval.err.conflict_declared"


def test_closing_combines_supervisors_and_residents_ranks_and_publishes(w: World):
    rid = _round(w)
    ta = ew.add_window_target(w.session, w.admin, rid, "T-A-0001")
    tb = ew.add_office_target(w.session, w.admin, rid, "Office B")
    tc = ew.add_window_target(w.session, w.admin, rid, "T-A-0002")  # too few ratings → unranked
    _rate(w, w.win, [5, 5, 5, 4, 2], date(2026, 5, 10))  # 4 of 5 satisfied → 80 %
    _rate(w, w.far, [5, 5, 5, 5, 5], date(2026, 5, 11))  # 100 %
    _rate(w, w.far, [1, 1, 1, 1, 1], date(2026, 4, 11))  # outside the period: not counted
    _rate(w, w.win2, [5, 5], date(2026, 5, 12))
    a1 = ew.assign(w.session, w.admin, ta.id, "sup1", now=NOW).id
    a2 = ew.assign(w.session, w.admin, ta.id, "sup2", now=NOW).id
    b1 = ew.assign(w.session, w.admin, tb.id, "sup1", now=NOW).id
    b2 = ew.assign(w.session, w.admin, tb.id, "sup2", now=NOW).id
    c1 = ew.assign(w.session, w.admin, tc.id, "sup1", now=NOW).id
    _evaluate(w, w.sup, a1, 5, 5)  # 5.0
    _evaluate(w, w.sup2, a2, 4, 4)  # 4.0 → mean 4.5 → 90
    _evaluate(w, w.sup, b1, 3, 4)  # 3.5 → 70 (b2 only drafted: not counted)
    ew.save_draft(w.session, w.sup2, b2, scores={"attitude": 1}, now=NOW)
    _evaluate(w, w.sup, c1, 5, 5)
    with pytest.raises(PermissionDenied):
        ew.close_round(w.session, w.sup, rid, now=AFTER_DUE)
    assert ew.notice(w.session, rid) is None  # nothing public before closing
    assert ew.close_round(w.session, w.admin, rid, now=AFTER_DUE) == 3  # past the due date: b2's draft is left out

    n = ew.notice(w.session, rid)
    assert (n.weight_supervisors, n.weight_residents) == (60, 40)
    by_label = {r.label: r for r in n.rows}
    a = by_label["Office A 低保窗口 (T-A-0001)"]
    b = by_label["Office B"]
    c = by_label["Office A 救助窗口 (T-A-0002)"]
    assert (a.supervisor_score, a.resident_rate, a.resident_count) == (90, 0.8, 5)
    assert a.combined == pytest.approx(0.6 * 90 + 0.4 * 80)  # 86
    assert (b.assigned, b.submitted, b.supervisor_score, b.resident_rate) == (2, 1, 70, 1.0)
    assert b.combined == pytest.approx(0.6 * 70 + 0.4 * 100)  # 82
    assert (c.rank, c.combined, c.resident_rate, c.supervisor_score) == (None, None, None, 100)
    assert [r.label for r in n.rows] == [a.label, b.label, c.label] and (a.rank, b.rank) == (1, 2)
    assert not any(r.talk_flag for r in n.rows)  # no previous round
    # Closed: no more evaluation, no second close.
    with pytest.raises(EvaluationRuleError):
        ew.save_draft(w.session, w.sup2, b2, scores={"attitude": 2}, now=NOW)
    with pytest.raises(EvaluationRuleError):
        ew.close_round(w.session, w.admin, rid, now=NOW)
    assert [p.id for p in ew.published_rounds(w.session)] == [rid]
    record = ew.office_record(w.session, "Office A")
    assert {(line.label, line.rank, line.of) for line in record} == {(a.label, 1, 2), (c.label, None, 2)}


def test_a_round_closes_before_its_due_date_only_once_every_evaluation_is_in(w: World):
    rid = _round(w)
    t = ew.add_window_target(w.session, w.admin, rid, "T-A-0001")
    a1 = ew.assign(w.session, w.admin, t.id, "sup1", now=NOW).id
    a2 = ew.assign(w.session, w.admin, t.id, "sup2", now=NOW).id
    _evaluate(w, w.sup, a1, 5, 5)
    ew.save_draft(w.session, w.sup2, a2, scores={"attitude": 3}, now=NOW)  # a draft, not submitted
    on_due_day = datetime(2026, 6, 30, 15, 0, tzinfo=UTC)  # 23:00 on the due date in China
    for moment in (NOW, on_due_day):
        with pytest.raises(EvaluationRuleError) as err:
            ew.close_round(w.session, w.admin, rid, now=moment)
        assert err.value.key == "eval.err.early_close"
    assert ew.notice(w.session, rid) is None
    _evaluate(w, w.sup2, a2, 4, 4)  # now every evaluation is in: closing early is fine
    assert ew.close_round(w.session, w.admin, rid, now=NOW) == 1


def test_a_declared_conflict_does_not_hold_up_an_early_close(w: World):
    rid = _round(w)
    t = ew.add_window_target(w.session, w.admin, rid, "T-A-0001")
    a1 = ew.assign(w.session, w.admin, t.id, "sup1", now=NOW).id
    a2 = ew.assign(w.session, w.admin, t.id, "sup2", now=NOW).id
    _evaluate(w, w.sup, a1, 5, 5)
    ew.declare_conflict(w.session, w.sup2, a2, "我的亲属在该窗口工作", now=NOW)
    assert ew.close_round(w.session, w.admin, rid, now=NOW) == 1


def test_weights_come_from_the_policy_setting_and_are_frozen_on_the_round(w: World):
    policy.set_value(w.session, w.admin, "evaluation.weight_supervisors", 50)
    policy.set_value(w.session, w.admin, "evaluation.weight_residents", 50)
    rid = _round(w)
    t = ew.add_window_target(w.session, w.admin, rid, "T-A-0001")
    _rate(w, w.win, [5, 5, 4, 2, 1], date(2026, 5, 10))  # 60 %
    _evaluate(w, w.sup, ew.assign(w.session, w.admin, t.id, "sup1", now=NOW).id, 4, 4)  # 80
    ew.close_round(w.session, w.admin, rid, now=NOW)
    policy.set_value(w.session, w.admin, "evaluation.weight_supervisors", 90)
    n = ew.notice(w.session, rid)
    assert (n.weight_supervisors, n.weight_residents) == (50, 50)
    assert n.rows[0].combined == pytest.approx(70)


def test_bottom_in_two_consecutive_rounds_is_flagged_for_a_talk(w: World):
    def run(title: str, period, scores: dict[str, int]) -> int:
        rid = _round(w, title=title, period=period)
        for code, score in scores.items():
            t = ew.add_window_target(w.session, w.admin, rid, code)
            _evaluate(w, w.sup, ew.assign(w.session, w.admin, t.id, "sup1", now=NOW).id, score, score)
        ew.close_round(w.session, w.admin, rid, now=NOW)
        return rid

    for window in (w.win, w.win2, w.far):
        _rate(w, window, [5, 5, 5, 5, 5], date(2026, 2, 10))
        _rate(w, window, [5, 5, 5, 5, 5], date(2026, 5, 10))
    run("first", (date(2026, 2, 1), date(2026, 2, 28)), {"T-A-0001": 5, "T-A-0002": 3, "T-B-0001": 4})
    second = run("second", PERIOD, {"T-A-0001": 4, "T-A-0002": 2, "T-B-0001": 5})
    flags = {r.label: r.talk_flag for r in ew.notice(w.session, second).rows}
    assert flags == {"Office A 低保窗口 (T-A-0001)": False, "Office A 救助窗口 (T-A-0002)": True,
                     "Office B 低保窗口 (T-B-0001)": False}
    assert w.session.execute(select(func.count()).select_from(EvaluationResult)).scalar_one() == 6


def test_admin_lists_rounds_targets_and_assignments_and_may_unassign_until_submitted(w: World):
    rid = _round(w)
    t = ew.add_window_target(w.session, w.admin, rid, "T-A-0001")
    ew.add_office_target(w.session, w.admin, rid, "Office A")
    done = ew.assign(w.session, w.admin, t.id, "sup1", now=NOW).id
    pending = ew.assign(w.session, w.admin, t.id, "sup2", now=NOW).id
    _evaluate(w, w.sup, done, 4, 4)
    [row] = ew.list_rounds(w.session, w.admin, w.county.path)
    assert (row.id, row.status, row.targets, row.assigned, row.submitted) == (rid, "open", 2, 2, 1)
    lines = ew.round_targets(w.session, w.admin, rid)
    assert [(x.kind, x.label) for x in lines] == [("window", "Office A 低保窗口 (T-A-0001)"), ("office", "Office A")]
    assert [a.status for a in lines[0].assignments] == ["submitted", "assigned"]
    with pytest.raises(EvaluationRuleError):
        ew.unassign(w.session, w.admin, done)
    with pytest.raises(PermissionDenied):
        ew.unassign(w.session, w.county_admin, pending)
    ew.unassign(w.session, w.admin, pending)
    assert w.session.get(EvaluationAssignment, pending) is None
    assert ew.round_targets(w.session, w.admin, rid)[0].assignments[0].id == done
    with pytest.raises(PermissionDenied):
        ew.list_rounds(w.session, w.county_admin, w.county.path)


def test_a_declared_conflict_cannot_be_removed_to_reassign_the_same_supervisor(w: World):
    rid = _round(w)
    t = ew.add_window_target(w.session, w.admin, rid, "T-A-0001")
    aid = ew.assign(w.session, w.admin, t.id, "sup1", now=NOW).id
    ew.declare_conflict(w.session, w.sup, aid, "我的亲属在该窗口工作", now=NOW)
    with pytest.raises(EvaluationRuleError) as err:  # removing the record would let the admin assign them again
        ew.unassign(w.session, w.admin, aid)
    assert err.value.key == "eval.err.conflict_declared"
    assert w.session.get(EvaluationAssignment, aid).status == AssignmentStatus.CONFLICT
    with pytest.raises(EvaluationRuleError):
        ew.assign(w.session, w.admin, t.id, "sup1", now=NOW)


def test_staff_of_a_window_are_never_assigned_to_evaluate_it(w: World):
    staff = factories.user(w.session, [(Role.WINDOW_STAFF, w.township)], username="clerk", window=w.win)
    ew.appoint_supervisor(w.session, w.admin, "clerk", w.county.code, date(2026, 1, 1), date(2027, 12, 31))
    rid = _round(w)
    own = ew.add_window_target(w.session, w.admin, rid, "T-A-0001")
    office = ew.add_office_target(w.session, w.admin, rid, "Office A")  # the office holds that window too
    for target in (own, office):
        with pytest.raises(EvaluationRuleError) as err:
            ew.assign(w.session, w.admin, target.id, staff.username, now=NOW)
        assert err.value.key == "eval.err.own_window"
    elsewhere = ew.add_window_target(w.session, w.admin, rid, "T-B-0001")
    assert ew.assign(w.session, w.admin, elsewhere.id, staff.username, now=NOW).id


def test_check_in_stores_only_finite_numbers(w: World):
    rid = _round(w)
    aid = ew.assign(w.session, w.admin, ew.add_window_target(w.session, w.admin, rid, "T-A-0001").id, "sup1",
                    now=NOW).id
    for lat, lon in [(float("nan"), 1.0), (1.0, float("inf"))]:
        with pytest.raises(EvaluationRuleError):
            ew.check_in(w.session, w.sup, aid, lat=lat, lon=lon, now=NOW)
    ew.check_in(w.session, w.sup, aid, lat=38.0, lon=114.5, accuracy_m=float("inf"), now=NOW)
    assert w.session.get(EvaluationAssignment, aid).checkin_accuracy_m is None
    ew.check_in(w.session, w.sup, aid, lat=38.0, lon=114.5, accuracy_m=True, now=NOW)
    assert w.session.get(EvaluationAssignment, aid).checkin_accuracy_m is None


def test_ensure_editable_refuses_what_a_write_would_refuse(w: World):
    rid = _round(w, due=date(2026, 6, 12))
    t = ew.add_window_target(w.session, w.admin, rid, "T-A-0001")
    mine = ew.assign(w.session, w.admin, t.id, "sup1", now=NOW).id
    theirs = ew.assign(w.session, w.admin, t.id, "sup2", now=NOW).id
    ew.ensure_editable(w.session, w.sup, mine, now=NOW)
    with pytest.raises(PermissionDenied):
        ew.ensure_editable(w.session, w.sup, theirs, now=NOW)
    with pytest.raises(EvaluationRuleError) as err:
        ew.ensure_editable(w.session, w.sup, mine, now=datetime(2026, 6, 12, 16, 30, tzinfo=UTC))
    assert err.value.key == "eval.err.past_due"


def test_admins_elsewhere_touch_nothing_and_a_closed_round_takes_no_change(w: World):
    rid = _round(w)
    t = ew.add_window_target(w.session, w.admin, rid, "T-A-0001")
    aid = ew.assign(w.session, w.admin, t.id, "sup1", now=NOW).id
    for call in [lambda: ew.add_window_target(w.session, w.county_admin, rid, "T-A-0002"),
                 lambda: ew.add_office_target(w.session, w.county_admin, rid, "Office A"),
                 lambda: ew.assign(w.session, w.county_admin, t.id, "sup2", now=NOW),
                 lambda: ew.unassign(w.session, w.county_admin, aid),
                 lambda: ew.round_targets(w.session, w.county_admin, rid),
                 lambda: ew.close_round(w.session, w.county_admin, rid, now=NOW),
                 lambda: ew.open_round(w.session, w.county_admin, title="x", region_code=w.county.code,
                                       period_start=PERIOD[0], period_end=PERIOD[1], due_on=date(2026, 6, 30),
                                       criteria=CRIT, now=NOW),
                 lambda: ew.close_round(w.session, w.sup, rid, now=NOW)]:
        with pytest.raises(PermissionDenied):
            call()
    _evaluate(w, w.sup, aid, 4, 5)
    ew.close_round(w.session, w.admin, rid, now=NOW)
    for call in [lambda: ew.add_window_target(w.session, w.admin, rid, "T-A-0002"),
                 lambda: ew.assign(w.session, w.admin, t.id, "sup2", now=NOW),
                 lambda: ew.close_round(w.session, w.admin, rid, now=NOW)]:
        with pytest.raises(EvaluationRuleError) as err:
            call()
        assert err.value.key == "eval.err.round_closed"


def test_a_supervisors_unsubmitted_evaluations_are_in_their_to_do_overdue_after_the_due_date(w: World):
    from portal.workbench import queries as workbench

    rid = _round(w)
    first = ew.assign(w.session, w.admin, ew.add_window_target(w.session, w.admin, rid, "T-A-0001").id, "sup1",
                      now=NOW).id
    second = ew.assign(w.session, w.admin, ew.add_window_target(w.session, w.admin, rid, "T-B-0001").id, "sup1",
                       now=NOW).id
    ew.save_draft(w.session, w.sup, second, scores={"attitude": 4}, now=NOW)
    items = workbench.todo(w.session, w.sup, today=date(2026, 6, 10))
    assert [(i.kind, i.step, i.due_on, i.overdue, i.href) for i in items] == [
        ("evaluation", "workbench.step.evaluation_assigned", date(2026, 6, 30), False, f"/supervisor/evaluate/{first}"),
        ("evaluation", "workbench.step.evaluation_draft", date(2026, 6, 30), False, f"/supervisor/evaluate/{second}"),
    ]
    _evaluate(w, w.sup, first, 4, 5)
    items = workbench.todo(w.session, w.sup, today=date(2026, 7, 1))
    assert [(i.step, i.overdue) for i in items] == [("workbench.step.evaluation_draft", True)]
    assert workbench.todo(w.session, w.sup2, today=date(2026, 6, 10)) == []  # nobody else's tasks


def test_the_assignment_picker_offers_exactly_whom_assign_accepts(w: World):
    """Each target's candidates: a current appointment covering it, active, not staff of a window under
    evaluation, not already on it. A name outside the list (typed or forged) is still refused by `assign`."""
    clerk = factories.user(w.session, [(Role.WINDOW_STAFF, w.township)], username="clerk", window=w.win)
    ew.appoint_supervisor(w.session, w.admin, "clerk", w.county.code, date(2026, 1, 1), date(2027, 12, 31))
    _sup(w.session, w.county, "old", w.admin, term=(date(2024, 1, 1), date(2025, 12, 31)))
    _sup(w.session, w.other_county, "far_sup", w.admin)
    gone = _sup(w.session, w.county, "gone", w.admin)
    w.session.get(User, gone.user_id).active = False
    rid = _round(w)
    own = ew.add_window_target(w.session, w.admin, rid, "T-A-0001")
    far = ew.add_window_target(w.session, w.admin, rid, "T-B-0001")
    ew.assign(w.session, w.admin, far.id, "sup2", now=NOW)

    def offered() -> dict[int, list[str]]:
        return {x.id: [c.username for c in x.candidates] for x in ew.round_targets(w.session, w.admin, rid, now=NOW)}

    assert offered() == {own.id: ["sup1", "sup2"], far.id: ["clerk", "sup1"]}
    for target_id, names in offered().items():
        for name in ("clerk", "sup1", "sup2", "old", "far_sup", "gone", "nobody"):
            if name in names:
                continue
            with pytest.raises(EvaluationRuleError):
                ew.assign(w.session, w.admin, target_id, name, now=NOW)
    ew.assign(w.session, w.admin, own.id, "sup1", now=NOW)
    assert offered()[own.id] == ["sup2"]
    ew.close_round(w.session, w.admin, rid, now=AFTER_DUE)
    assert all(not x.candidates for x in ew.round_targets(w.session, w.admin, rid, now=AFTER_DUE))


def test_the_target_pickers_offer_exactly_what_the_round_may_still_take(w: World):
    """Active windows under the round's region and their offices, less the round's targets; a closed round takes
    nothing. A value outside the lists (typed or forged) is still refused by the add_* services."""
    factories.window(w.session, w.township, code="T-A-0009", name="停用窗口", office_name="Office Z", active=False)
    rid = _round(w)

    def options() -> tuple[list[str], list[str]]:
        got = ew.target_options(w.session, w.admin, rid)
        return [x.code for x in got.windows], got.offices

    assert options() == (["T-A-0001", "T-A-0002", "T-B-0001"], ["Office A", "Office B"])
    assert ew.target_options(w.session, w.admin, rid).windows[0].label == "Office A 低保窗口 (T-A-0001)"
    ew.add_window_target(w.session, w.admin, rid, "T-A-0002")
    ew.add_office_target(w.session, w.admin, rid, "Office B")
    assert options() == (["T-A-0001", "T-B-0001"], ["Office A"])
    for bad in [lambda: ew.add_window_target(w.session, w.admin, rid, "T-A-0009"),  # not in use
                lambda: ew.add_window_target(w.session, w.admin, rid, "T-C-0001"),  # another county
                lambda: ew.add_office_target(w.session, w.admin, rid, "Office Z"),
                lambda: ew.add_office_target(w.session, w.admin, rid, "Office B")]:  # already a target
        with pytest.raises(EvaluationRuleError):
            bad()
    with pytest.raises(PermissionDenied):
        ew.target_options(w.session, w.county_admin, rid)
    ew.add_window_target(w.session, w.admin, rid, "T-A-0001")
    ew.assign(w.session, w.admin, ew.round_targets(w.session, w.admin, rid, now=NOW)[0].id, "sup1", now=NOW)
    ew.close_round(w.session, w.admin, rid, now=AFTER_DUE)
    assert ew.target_options(w.session, w.admin, rid) == ew.TargetOptions()


def test_the_appointment_search_finds_only_accounts_the_admin_may_appoint(w: World):
    """By name or username, two characters at least, SEARCH_LIMIT + 1 at most; active accounts whose grants all
    lie in the admin's regions (or none), never the admin's own. `appoint_supervisor` refuses the rest."""
    s = w.session
    factories.user(s, [], username="liu_free", display_name="刘阿姨")
    factories.user(s, [(Role.OFFICER, w.township)], username="liu_town", display_name="刘经办")
    factories.user(s, [(Role.OFFICER, w.other_county)], username="liu_far", display_name="刘科长")
    factories.user(s, [], username="liu_gone", display_name="刘停用", active=False)
    city_admin = factories.actor_with(s, (Role.ADMIN, w.county), username="liu_admin", display_name="刘管理")

    def found(actor: Actor, text: str) -> list[str]:
        return [a.username for a in ew.appointable_accounts(s, actor, text)]

    assert found(w.admin, "刘") == []  # one character: nothing is looked up
    assert found(w.admin, "liu") == ["liu_admin", "liu_far", "liu_free", "liu_town"]
    assert found(city_admin, "liu") == ["liu_free", "liu_town"]  # not liu_far (elsewhere), not itself
    assert found(city_admin, "刘阿") == ["liu_free"]
    assert [(a.username, a.display_name) for a in ew.appointable_accounts(s, city_admin, "阿姨")] == [
        ("liu_free", "刘阿姨")]
    assert found(city_admin, "%_") == []  # LIKE wildcards are matched as text
    term = (date(2026, 1, 1), date(2026, 12, 31))
    for name in ("liu_far", "liu_gone", "liu_admin", "nobody"):
        with pytest.raises(EvaluationRuleError) as err:
            ew.appoint_supervisor(s, city_admin, name, w.county.code, *term)
        assert err.value.key == "eval.err.user"
    for name in found(city_admin, "liu"):
        ew.appoint_supervisor(s, city_admin, name, w.county.code, *term)
    for i in range(ew.SEARCH_LIMIT + 3):
        factories.user(s, [], username=f"many{i:02d}")
    assert len(found(w.admin, "many")) == ew.SEARCH_LIMIT + 1
    with pytest.raises(PermissionDenied):
        ew.appointable_accounts(s, w.sup, "liu")  # supervisors search nobody
