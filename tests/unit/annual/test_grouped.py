"""The grouped figures (`services.figures_by_county`: each table read once for every county) against the plain
per-county statements (tests/unit/annual/reference.py) on generated data: two cities, a county with no rows at all,
stopped and suspended households, steps recorded as done before they started, and rows dated on every edge of the year and its quarters (a China midnight and the
second before it, the first and last day), plus rows filed above every county (a city's own inspection), which a sum
of counties leaves out."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

import pytest

from portal.annual import rules
from portal.annual import services as svc
from portal.applications.models import Application, ApplicationStep
from portal.evaluations.models import EvaluationResult, EvaluationRound, EvaluationTarget, RoundStatus
from portal.payments import rules as pay_rules
from portal.payments.models import PaymentBatch
from portal.ratings.models import Rating, RatingStatus
from portal.regions import services as regions
from portal.regions.models import RegionLevel
from portal.register.models import STATUS_ACTIVE, STATUS_STOPPED, STATUS_SUSPENDED, Household, Member
from portal.reports.models import Report, ReportCategory, ReportOutcome, ReportReward, ReportStatus, RewardStatus
from portal.supervision.models import Inspection, InspectionCase, MonitoringItem, Rectification, Referral
from portal.verification.models import Finding, VerificationRun
from portal.accounts.models import Role
from tests import factories
from tests.unit.annual import reference

YEAR = 2026
CHINA = timezone(timedelta(hours=8))
# The edges of the year and of each quarter: the first day, the day before it; a China midnight and the second
# before it (16:00 UTC the day before); outside the year on both sides.
EDGE_DAYS = [date(YEAR, m, 1) for m in (1, 4, 7, 10)] + [date(YEAR + 1, 1, 1)]
DAYS = sorted({d + timedelta(days=k) for d in EDGE_DAYS for k in (-1, 0)} | {date(YEAR - 1, 6, 1)})
MOMENTS = sorted({datetime.combine(d, datetime.min.time(), CHINA) + timedelta(seconds=k) for d in EDGE_DAYS
                  for k in (-1, 0)} | {datetime(YEAR, 5, 17, 23, 30, tzinfo=timezone.utc)})


def generate(s, seed: int):
    rng = random.Random(seed)
    tree = factories.region_tree(s, county_suffixes=("02", "04", "06"))
    quiet = tree["130106"]  # a county with no rows at all
    city2 = regions.add_region(s, "1302", "city-1302", RegionLevel.CITY, tree.province)
    c2 = regions.add_region(s, "130201", "county-130201", RegionLevel.COUNTY, city2)
    t2 = regions.add_region(s, "130201001", "t", RegionLevel.TOWNSHIP, c2)
    v2 = regions.add_region(s, "130201001001", "v", RegionLevel.VILLAGE, t2)
    s.flush()
    busy = [tree["130102"], tree["130104"], c2]
    townships = tree.townships["130102"] + tree.townships["130104"] + [t2]
    villages = [v for t in townships for v in tree.villages.get(t.code, [])] + [v2]
    user_id = factories.actor_with(s, (Role.OFFICER, tree.province)).user_id
    pick = rng.choice
    moment = lambda: pick(MOMENTS)  # noqa: E731
    day = lambda: pick(DAYS)  # noqa: E731

    for n in range(60):
        village = pick(villages)
        status = pick((STATUS_ACTIVE, STATUS_SUSPENDED, STATUS_STOPPED, STATUS_STOPPED))
        stopped_on = day() if status == STATUS_STOPPED or rng.random() < 0.1 else None
        hh = Household(code=f"H{n}", village_id=village.id, region_path=village.path, head_name="户主",
                       monthly_amount_fen=50_000, started_on=day(), status=status, stopped_on=stopped_on,
                       status_reason=pick((None, "收入超标", " 死亡 ", "迁出", "")))
        s.add(hh)
        s.flush()
        s.add_all([Member(household_id=hh.id, name="m", relation="head", id_number=f"{hh.id:09d}{k:09d}",
                          id_hash=f"{hh.id}-{k}", birth_date=date(1980, 1, 1), sex="M")
                   for k in range(rng.randint(0, 4))])

    for n in range(30):
        village = pick(villages)
        app = Application(number=f"A{n:05d}", secret_hash="x", status="county", village_id=village.id,
                          region_path=village.path if n % 10 else None, applicant_name="申请人",
                          submitted_at=moment() if n % 7 else None)
        s.add(app)
        s.flush()
        for kind in rng.sample(("accept", "survey", "county_decision"), rng.randint(0, 3)):
            done_at = moment()
            started = done_at.astimezone(CHINA).date() - timedelta(days=rng.randint(-3, 15))  # a few "done" first
            s.add(ApplicationStep(application_id=app.id, kind=kind, state=pick(("done", "done", "open")),
                                  started_on=started, due_on=pick((None, started + timedelta(days=5))),
                                  done_at=done_at, outcome=pick(("approve", "refuse", "accepted", None))))

    for county in busy:
        for period in ("2025-12", *rules.period_months(YEAR, 0), "2027-01"):
            if rng.random() < 0.3:
                continue  # a month without a batch
            n = rng.randint(1, 9)
            returned = rng.randint(0, n) if rng.random() < 0.3 else 0
            s.add(PaymentBatch(batch_no=f"B-{county.code}-{period}", county_id=county.id, region_path=county.path,
                               period=period, status=pick((pay_rules.BATCH_PAID, pay_rules.BATCH_PAID,
                                                           pay_rules.APPROVED)),
                               household_count=n, total_fen=n * 50_000, people=2 * n, prepared_by=user_id,
                               returned_count=returned, returned_fen=returned * 50_000, returned_people=returned))

    for n in range(30):
        village = pick(villages)
        concluded = moment() if rng.random() < 0.7 else None
        r = Report(receipt_code=f"{n:016d}", secret_hash="x", subject="s", subject_key="s", description="d",
                   region_id=village.id, handler_region_id=village.id, handler_path=village.path,
                   acknowledge_due=date(YEAR, 1, 9), conclude_due=date(YEAR, 2, 9), device_hash="d",
                   client_hash="c", category=ReportCategory.OTHER, status=ReportStatus.CONCLUDED,
                   outcome=pick(list(ReportOutcome)) if concluded else None, concluded_at=concluded,
                   created_at=moment())
        s.add(r)
        s.flush()
        if rng.random() < 0.5:
            s.add(ReportReward(report_id=r.id, status=pick((RewardStatus.PAID, RewardStatus.DECIDED)),
                               amount_fen=rng.randint(1, 90_000), basis="b", decided_by=user_id,
                               paid_on=day()))

    windows = [factories.window(s, t) for t in townships] + [factories.window(s, tree.city)]
    for n in range(50):
        s.add(Rating(window_id=pick(windows).id, level=rng.randint(1, 5), tags=[], device_hash="d", client_hash="c",
                     receipt_code=f"R{n:015d}", status=pick((RatingStatus.COUNTED, RatingStatus.COUNTED,
                                                             RatingStatus.HELD)), created_at=moment()))

    for n in range(3):
        rnd = EvaluationRound(title=f"r{n}", region_id=tree.province.id, period_start=date(YEAR, 1, 1),
                              period_end=date(YEAR, 6, 30), due_on=date(YEAR, 7, 10), criteria=[],
                              status=pick((RoundStatus.CLOSED, RoundStatus.CLOSED, RoundStatus.OPEN)),
                              closed_at=moment())
        s.add(rnd)
        s.flush()
        for k, win in enumerate(windows):
            target = EvaluationTarget(round_id=rnd.id, kind="window", key=f"w:{win.code}", window_id=win.id,
                                      office_name=win.office_name, region_id=win.region_id)
            s.add(target)
            s.flush()
            s.add(EvaluationResult(round_id=rnd.id, target_id=target.id, target_key=target.key, label="l",
                                   office_name=win.office_name, assigned=2, submitted=2,
                                   supervisor_score=pick((None, 61.25, 80.0, 93.3)), resident_count=10,
                                   combined=pick((None, 70.5, 88.8)), talk_flag=rng.random() < 0.3))

    offices = townships + [tree.city]  # the city's own rows belong to no county
    for n in range(12):
        office = pick(offices)
        insp = Inspection(region_id=office.id, region_path=office.path, topic="cases", seed="s", population=10,
                          sample_size=3, opened_by=user_id, opened_at=moment())
        s.add(insp)
        s.flush()
        s.add_all([InspectionCase(inspection_id=insp.id, position=k, ref=f"x{k}",
                                  verdict=pick((None, "ok", "problem"))) for k in range(rng.randint(0, 4))])
        for k in range(rng.randint(0, 2)):
            where = pick(offices)
            s.add(Rectification(inspection_id=insp.id, office_id=where.id, office_path=where.path, demand="d",
                                due_on=date(YEAR, 5, 1), status=pick(("open", "closed")), closed_at=moment()))
        for k in range(rng.randint(0, 2)):
            decided = day() if rng.random() < 0.7 else None
            s.add(Referral(inspection_id=insp.id, region_path=pick(offices).path, target="t", grounds="g",
                           body="纪委", referred_on=day(), outcome=pick(("admonition", "notice")) if decided else None,
                           decided_on=decided, referred_by=user_id))
    for n in range(15):
        office = pick(offices)
        s.add(MonitoringItem(rule="too_fast", subject=f"s{n}", region_id=office.id, region_path=office.path,
                             review_path=tree.city.path, opened_at=moment(), due_on=date(YEAR, 2, 10),
                             status=pick(("open", "closed")), outcome="explained", closed_at=pick((None, moment()))))

    run = VerificationRun(started_by="t")
    s.add(run)
    s.flush()
    for n in range(20):
        county = pick(busy + [tree.city])  # a code that is no county's never counts
        resolved = rng.random() < 0.6
        s.add(Finding(fingerprint=f"f{n}", household_id="h", rule="car", found_value="v", severity="high",
                      township_code=f"{county.code}001", county_code=county.code, first_run_id=run.id,
                      last_run_id=run.id, created_at=moment(), resolution="confirmed" if resolved else None,
                      resolved_at=moment() if resolved or rng.random() < 0.3 else None))
    s.commit()
    return tree, [tree["130102"], tree["130104"], quiet, c2], city2


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_grouped_figures_equal_the_per_county_statements(db_session, fast_passwords, seed):
    compare(db_session, seed)


def compare(s, seed: int) -> None:
    """Generate with `seed`, then every county, both cities and the province, for the year and each quarter."""
    tree, counties, city2 = generate(s, seed)
    quiet = counties[2]
    for quarter in range(5):
        months = rules.period_months(YEAR, quarter)
        plain = {c.code: reference.county_figures(s, c, YEAR, quarter) for c in counties}
        grouped = svc.figures_by_county(s, tree.province, YEAR, quarter)
        assert list(grouped) == sorted(plain)  # every county, the quiet one too, in path order
        for county in counties:
            assert grouped[county.code] == plain[county.code], (county.code, quarter)
            assert svc.figures(s, county, YEAR, quarter) == plain[county.code]
        assert grouped[quiet.code] == rules.empty(months)
        city1 = rules.total([plain[c.code] for c in counties[:3]], months)
        assert svc.figures(s, tree.city, YEAR, quarter) == city1
        assert svc.figures(s, city2, YEAR, quarter) == plain["130201"]
        assert svc.figures(s, tree.province, YEAR, quarter) == rules.total(list(plain.values()), months)
    # The data reaches every section, so the comparison above compared something.
    year = svc.figures(s, tree.province, YEAR)
    assert all(year["register"][k] > 0 for k in ("households_start", "households_end", "members_end",
                                                 "stopped_households"))
    assert year["stop_reasons"] and year["steps"] and year["accountability"]
    assert sum(p["fen"] for p in year["payments"].values()) > 0
    assert year["applications"]["received"] > 0 and year["reports"]["concluded"] > 0
    assert year["ratings"]["total"] > 0 and year["evaluations"]["results"] > 0
    assert year["supervision"]["inspections"] > 0 and year["verification"]["findings"] > 0
