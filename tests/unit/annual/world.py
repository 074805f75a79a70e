"""A small world for the annual reports, every row placed by hand so each figure can be counted by eye.

County A (130102), year 2026:
  register   4 households × 2 people on it since 2025 (two stopped in 2026: 收入超标 in May, 死亡 in August),
             2 households × 3 people admitted in March 2026, 1 household stopped in 2025 (never counted)
             → start 4 / 8, end 4 / 10, admitted 2 / 6, stopped 2 / 4
  applications  3 submitted in 2026 (+1 in 2025); accept step 2 working days on time; county decisions: approve
             after 9 working days (overdue), refuse after 2 (on time); one accept step still open
  payments   2026-01 paid ¥1,200.00 to 4 households (¥300.00, 1 household returned); 2026-02 only approved;
             2025-12 paid (another year)
  reports    received 2 in 2026 (+1 in 2025); concluded 3 in 2026: 1 substantiated, 1 partly, 1 unfounded;
             1 reward of ¥500.00 paid, 1 decided only
  ratings    5 counted in 2026 (levels 5 5 4 2 1), 1 held, 1 from 2025
  evaluations  one result in a round closed in 2026: supervisors 80.0, combined 85.5, called for a talk
  supervision  1 inspection: 3 cases (1 ok, 1 problem, 1 not yet checked), 1 rectification closed, 1 referral
             (admonition), 1 risk item opened and closed
  verification  1 finding found in 2026 and resolved; 1 found in 2025 and resolved in 2026
County B (130104): 2 households × 1 person since 2025; 2 ratings (1 satisfied); one evaluation result (60.0, no
combined score); 2026-01 paid ¥500.00 to 2 households.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from portal.accounts.models import Role
from portal.applications.models import Application, ApplicationStep
from portal.evaluations.models import EvaluationResult, EvaluationRound, EvaluationTarget, RoundStatus
from portal.payments import rules as pay_rules
from portal.payments.models import PaymentBatch
from portal.ratings.models import Rating, RatingStatus
from portal.register.models import STATUS_STOPPED
from portal.reports.models import Report, ReportCategory, ReportOutcome, ReportReward, ReportStatus, RewardStatus
from portal.supervision.models import Inspection, InspectionCase, MonitoringItem, Rectification, Referral
from portal.verification.models import Finding, VerificationRun
from tests import factories
from tests.unit.payments.test_batches import add_households


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def build(s):
    tree = factories.region_tree(s)
    a, b = tree.counties
    w = type("W", (), {})()
    w.s, w.tree, w.a, w.b, w.city, w.province = s, tree, a, b, tree.city, tree.province
    w.county_officer = factories.actor_with(s, (Role.OFFICER, a), display_name="长安区民政局 王科长")
    w.other_county = factories.actor_with(s, (Role.OFFICER, b))
    w.township = factories.actor_with(s, (Role.OFFICER, tree["130102001"]))
    w.city_officer = factories.actor_with(s, (Role.OFFICER, tree.city), display_name="市民政局 社会救助科")
    w.province_officer = factories.actor_with(s, (Role.OFFICER, tree.province))
    user_id = w.county_officer.user_id
    va = tree.villages["130102001"][0]
    vb = tree.villages["130104001"][0]
    township_a = tree["130102001"]

    old = add_households(s, va, 4, start=date(2025, 6, 1), prefix="O")
    for hh, (on, why) in zip(old[:2], [(date(2026, 5, 10), "收入超标"), (date(2026, 8, 1), "死亡")]):
        hh.status, hh.stopped_on, hh.status_reason = STATUS_STOPPED, on, why
    add_households(s, va, 2, start=date(2026, 3, 1), people=3, prefix="N")
    gone = add_households(s, va, 1, start=date(2025, 1, 1), people=1, prefix="G")[0]
    gone.status, gone.stopped_on, gone.status_reason = STATUS_STOPPED, date(2025, 11, 1), "迁出"
    add_households(s, vb, 2, start=date(2025, 1, 1), people=1, prefix="B")

    def application(n, submitted):
        app = Application(number=f"A{n:05d}", secret_hash="x", status="county", village_id=va.id,
                          region_path=va.path, applicant_name="申请人", submitted_at=submitted)
        s.add(app)
        s.flush()
        return app

    a1 = application(1, utc(2026, 3, 1, 2))
    a2 = application(2, utc(2026, 5, 1, 2))
    a3 = application(3, utc(2026, 9, 1, 2))
    application(4, utc(2025, 12, 1, 2))
    s.add_all([
        ApplicationStep(application_id=a1.id, kind="accept", state="done", started_on=date(2026, 3, 2),
                        due_on=date(2026, 3, 5), done_at=utc(2026, 3, 4, 2), outcome="accepted"),
        ApplicationStep(application_id=a1.id, kind="county_decision", state="done", started_on=date(2026, 5, 11),
                        due_on=date(2026, 5, 20), done_at=utc(2026, 5, 22, 2), outcome="approve"),
        ApplicationStep(application_id=a2.id, kind="county_decision", state="done", started_on=date(2026, 6, 8),
                        due_on=date(2026, 6, 12), done_at=utc(2026, 6, 10, 2), outcome="refuse"),
        ApplicationStep(application_id=a3.id, kind="accept", state="open", started_on=date(2026, 9, 1),
                        due_on=date(2026, 9, 4)),
    ])

    def batch(county, period, status, total, households, people, returned=(0, 0, 0)):
        s.add(PaymentBatch(batch_no=f"B-{county.code}-{period}", county_id=county.id, region_path=county.path,
                           period=period, status=status, household_count=households, total_fen=total,
                           people=people, prepared_by=user_id, returned_count=returned[0],
                           returned_fen=returned[1], returned_people=returned[2]))

    batch(a, "2026-01", pay_rules.BATCH_PAID, 150_000, 5, 10, (1, 30_000, 2))
    batch(a, "2026-02", pay_rules.APPROVED, 150_000, 5, 10)
    batch(a, "2025-12", pay_rules.BATCH_PAID, 150_000, 5, 10)
    batch(b, "2026-01", pay_rules.BATCH_PAID, 50_000, 2, 2)

    def report(n, created, concluded, outcome):
        r = Report(receipt_code=f"{n:016d}", secret_hash="x", subject="s", subject_key="s", description="d",
                   region_id=va.id, handler_region_id=township_a.id, handler_path=township_a.path,
                   acknowledge_due=date(2026, 1, 9), conclude_due=date(2026, 2, 9), device_hash="d",
                   client_hash="c", category=ReportCategory.OTHER, status=ReportStatus.CONCLUDED, outcome=outcome,
                   concluded_at=concluded, created_at=created)
        s.add(r)
        s.flush()
        return r

    r1 = report(1, utc(2026, 2, 1), utc(2026, 3, 1), ReportOutcome.SUBSTANTIATED)
    r2 = report(2, utc(2026, 4, 1), utc(2026, 5, 1), ReportOutcome.PARTLY)
    report(3, utc(2025, 12, 1), utc(2026, 1, 10), ReportOutcome.UNFOUNDED)
    s.add_all([ReportReward(report_id=r1.id, status=RewardStatus.PAID, amount_fen=50_000, basis="b",
                            decided_by=user_id, paid_on=date(2026, 6, 1)),
               ReportReward(report_id=r2.id, status=RewardStatus.DECIDED, amount_fen=20_000, basis="b",
                            decided_by=user_id)])

    win_a = factories.window(s, township_a)
    win_b = factories.window(s, tree["130104001"])
    serial = iter(range(1000))

    def rating(win, level, at, status=RatingStatus.COUNTED):
        s.add(Rating(window_id=win.id, level=level, tags=[], device_hash="d", client_hash="c",
                     receipt_code=f"R{next(serial):015d}", status=status, created_at=at))

    for level in (5, 5, 4, 2, 1):
        rating(win_a, level, utc(2026, 4, 1))
    rating(win_a, 5, utc(2026, 4, 2), RatingStatus.HELD)
    rating(win_a, 5, utc(2025, 4, 2))
    rating(win_b, 5, utc(2026, 4, 1))
    rating(win_b, 1, utc(2026, 4, 1))

    rnd = EvaluationRound(title="2026 上半年", region_id=tree.city.id, period_start=date(2026, 1, 1),
                          period_end=date(2026, 6, 30), due_on=date(2026, 7, 10), criteria=[],
                          status=RoundStatus.CLOSED, closed_at=utc(2026, 7, 15))
    s.add(rnd)
    s.flush()
    for win, region, score, combined, talk in ((win_a, township_a, 80.0, 85.5, True),
                                               (win_b, tree["130104001"], 60.0, None, False)):
        target = EvaluationTarget(round_id=rnd.id, kind="window", key=f"w:{win.code}", window_id=win.id,
                                  office_name=win.office_name, region_id=region.id)
        s.add(target)
        s.flush()
        s.add(EvaluationResult(round_id=rnd.id, target_id=target.id, target_key=target.key, label="l",
                               office_name=win.office_name, assigned=2, submitted=2, supervisor_score=score,
                               resident_count=10, combined=combined, talk_flag=talk))

    insp = Inspection(region_id=township_a.id, region_path=township_a.path, topic="cases", seed="s", population=10,
                      sample_size=3, opened_by=user_id, opened_at=utc(2026, 3, 1))
    s.add(insp)
    s.flush()
    s.add_all([InspectionCase(inspection_id=insp.id, position=1, ref="x1", verdict="ok"),
               InspectionCase(inspection_id=insp.id, position=2, ref="x2", verdict="problem", finding="f"),
               InspectionCase(inspection_id=insp.id, position=3, ref="x3")])
    s.add(Rectification(inspection_id=insp.id, office_id=township_a.id, office_path=township_a.path, demand="d",
                        due_on=date(2026, 5, 1), status="closed", closed_at=utc(2026, 5, 1)))
    s.add(Referral(inspection_id=insp.id, region_path=township_a.path, target="t", grounds="g", body="纪委",
                   referred_on=date(2026, 5, 1), outcome="admonition", decided_on=date(2026, 6, 1),
                   referred_by=user_id))
    s.add(MonitoringItem(rule="too_fast", subject="s", region_id=township_a.id, region_path=township_a.path,
                         review_path=a.path, opened_at=utc(2026, 2, 1), due_on=date(2026, 2, 10), status="closed",
                         outcome="explained", closed_at=utc(2026, 3, 1)))

    run = VerificationRun(started_by="t")
    s.add(run)
    s.flush()
    for n, created, resolved in ((1, utc(2026, 4, 1), utc(2026, 5, 1)), (2, utc(2025, 12, 1), utc(2026, 1, 5))):
        s.add(Finding(fingerprint=f"f{n}", household_id="h", rule="car", found_value="v", severity="high",
                      township_code=township_a.code, county_code=a.code, first_run_id=run.id, last_run_id=run.id,
                      created_at=created, resolution="confirmed", resolved_at=resolved))
    s.commit()
    return w
