"""The province's own report (summed from its cities' accepted reports, issued once every city's is in), the due
dates of each level, who is missing or late below an office, and what waits on an officer's to-do."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.annual import rules
from portal.annual import services as svc
from portal.kernel import policy
from portal.kernel.audit import verify_chain
from portal.kernel.audit_models import AuditEntry
from portal.kernel.permissions import PermissionDenied
from portal.kernel.workdays import WorkCalendar
from portal.regions import services as regions
from portal.regions.models import RegionLevel
from portal.supervision import rules as sup_rules
from portal.workbench import queries as workbench
from tests import factories
from tests.unit.annual.world import build

NOW = datetime(2026, 12, 20, 2, 0, tzinfo=timezone.utc)
TEXTS = {k: f"{k} 的情况说明。" for k in rules.SECTIONS}


@pytest.fixture
def w(db_session, fast_passwords):
    w = build(db_session)
    w.city2 = regions.add_region(w.s, "1306", "city-1306", RegionLevel.CITY, w.province)
    w.city2_officer = factories.actor_with(w.s, (Role.OFFICER, w.city2))
    w.admin = factories.actor_with(w.s, (Role.ADMIN, w.province))
    w.s.commit()
    return w


def _accepted_city(w, who, code: str, year: int = 2026):
    report = svc.draft(w.s, who, code, year, now=NOW)
    svc.submit(w.s, who, report.id, TEXTS, now=NOW)
    svc.review(w.s, w.province_officer, report.id, True, now=NOW)
    return report


def test_the_province_sums_its_cities_accepted_reports_and_issues_once_all_are_in(w):
    for who in (w.city_officer, w.county_officer, w.admin):
        with pytest.raises(PermissionDenied):
            svc.draft(w.s, who, "13", 2026, now=NOW)
    city = _accepted_city(w, w.city_officer, "1301")
    province = svc.draft(w.s, w.province_officer, "13", 2026, now=NOW)
    assert province.level == "province" and province.status == rules.DRAFT
    assert province.figures == rules.total([city.figures], rules.period_months(2026, 0))
    assert [x["code"] for x in province.sources] == ["1301"]
    with pytest.raises(svc.AnnualError) as not_written:
        svc.issue(w.s, w.province_officer, province.id, {"policy": "全省落实到位。"}, now=NOW)
    assert not_written.value.key == "annual.err_missing"
    with pytest.raises(svc.AnnualError) as pending:
        svc.issue(w.s, w.province_officer, province.id, TEXTS, now=NOW)
    assert pending.value.key == "annual.err_cities_pending" and pending.value.missing == ["city-1306"]
    with pytest.raises(svc.AnnualError):
        svc.submit(w.s, w.province_officer, province.id, TEXTS, now=NOW)  # nobody above to submit to

    # The second city's report: submitted is not enough, it must be accepted; a returned one is not in either.
    other = svc.draft(w.s, w.city2_officer, "1306", 2026, now=NOW)
    svc.submit(w.s, w.city2_officer, other.id, TEXTS, now=NOW)
    with pytest.raises(svc.AnnualError):
        svc.issue(w.s, w.province_officer, province.id, TEXTS, now=NOW)
    for who in (w.city_officer, w.admin, w.county_officer):
        with pytest.raises(PermissionDenied):
            svc.issue(w.s, who, province.id, TEXTS, now=NOW)
    svc.review(w.s, w.province_officer, other.id, True, now=NOW)
    svc.issue(w.s, w.province_officer, province.id, TEXTS, now=NOW)
    assert province.status == rules.ISSUED and province.document_no == "13〔2026〕低保年报1号"
    assert province.figures == rules.add(city.figures, other.figures)
    assert province.figures["register"]["households_end"] == (city.figures["register"]["households_end"]
                                                             + other.figures["register"]["households_end"])
    assert [x["code"] for x in province.sources] == ["1301", "1306"]
    for act in (svc.recompute, svc.save_sections):
        with pytest.raises(svc.AnnualError):
            act(w.s, w.province_officer, province.id, *(() if act is svc.recompute else (TEXTS,)), now=NOW)
    with pytest.raises(PermissionDenied):
        svc.review(w.s, w.province_officer, province.id, False, "不同意印发。", now=NOW)  # nobody above
    assert svc.for_reader(w.s, w.province_officer, province.id) is province
    with pytest.raises(PermissionDenied):
        svc.for_reader(w.s, w.city_officer, province.id)
    actions = [a for a in w.s.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars()
               if a == "annual.issue"]
    assert actions == ["annual.issue"] and verify_chain(w.s).ok
    assert sup_rules.power_for(svc.ACTION_ANNUAL_ISSUE) == "reporting.annual_report"


def test_due_dates_by_level_from_the_settings():
    cal = WorkCalendar()  # weekends only
    due = rules.due_dates(2026, 0, cal, city_mmdd=1231, county_lead=10, province_lag=15)
    assert due["city"] == date(2026, 12, 31)  # a Thursday: the year's end, as the Qinghai notice says
    assert due["county"] == date(2026, 12, 17)  # 10 working days before
    assert due["province"] == date(2027, 1, 21)  # 15 working days after
    assert rules.due_dates(2026, 0, cal, city_mmdd=1340, county_lead=0, province_lag=0)["city"] == date(2026, 12, 31)
    q3 = rules.due_dates(2026, 3, cal, city_mmdd=1231, county_lead=2, province_lag=1)
    assert q3 == {"county": date(2026, 9, 28), "city": date(2026, 9, 30), "province": date(2026, 10, 1)}
    # A date on a weekend counts back from the working day before it.
    assert rules.working_days_before(cal, date(2026, 12, 27), 1) == date(2026, 12, 24)
    assert rules.timeliness(date(2026, 12, 17), None, date(2026, 12, 17)) == rules.DUE
    assert rules.timeliness(date(2026, 12, 17), None, date(2026, 12, 18)) == rules.OVERDUE
    assert rules.timeliness(date(2026, 12, 17), date(2026, 12, 17), date(2027, 1, 5)) == rules.ON_TIME
    assert rules.timeliness(date(2026, 12, 17), date(2026, 12, 18), date(2026, 12, 18)) == rules.LATE


def test_the_office_above_sees_who_is_missing_or_late(w):
    s = w.s
    policy.set_value(s, w.admin, "annual.county_lead_working_days", 5)
    due = svc.due_dates(s, 2026)
    assert due["city"] == date(2026, 12, 31) and due["county"] < due["city"]
    late_day = datetime.combine(due["county"], datetime.min.time(), tzinfo=timezone.utc).replace(hour=20)
    report = svc.draft(s, w.county_officer, "130102", 2026, now=NOW)  # a draft is not sent: the city cannot see it
    standing = {x.code: x for x in svc.below(s, w.city_officer, "1301", 2026, today=due["county"])}
    assert standing["130102"].report_id is None and standing["130102"].timeliness == rules.DUE
    svc.submit(s, w.county_officer, report.id, TEXTS, now=late_day)  # 04:00 the next day in China
    after = date.fromordinal(due["county"].toordinal() + 1)
    standing = {x.code: x for x in svc.below(s, w.city_officer, "1301", 2026, today=after)}
    assert standing["130102"].timeliness == rules.LATE and standing["130102"].status == rules.SUBMITTED
    assert standing["130104"].timeliness == rules.OVERDUE and standing["130104"].status == ""
    for who in (w.county_officer, w.province_officer, w.township):
        with pytest.raises(PermissionDenied):
            svc.below(s, who, "1301", 2026, today=after)
    cities = {x.code: x.timeliness for x in svc.below(s, w.province_officer, "13", 2026, today=date(2026, 12, 1))}
    assert cities == {"1301": rules.DUE, "1306": rules.DUE}


def test_the_to_do_shows_drafts_reviews_and_what_is_overdue_below(w):
    s = w.s
    due = svc.due_dates(s, 2026)
    assert due["county"] == date(2026, 12, 17)  # the default calendar: no holiday in those weeks
    last_year = svc.draft(s, w.county_officer, "130102", 2025, now=NOW)
    svc.submit(s, w.county_officer, last_year.id, TEXTS, now=NOW)

    def of(items, year=2026):
        return [x for x in items if x.year == year]

    assert svc.waiting(s, w.county_officer, today=date(2026, 11, 1)) == []  # not yet within a month of the date
    soon = svc.waiting(s, w.county_officer, today=date(2026, 12, 1))
    assert [(x.step, x.due_on, x.overdue) for x in soon] == [("missing", date(2026, 12, 17), False)]
    report = svc.draft(s, w.county_officer, "130102", 2026, now=NOW)
    late = svc.waiting(s, w.county_officer, today=date(2026, 12, 18))
    assert [(x.step, x.report_id, x.overdue, x.mine) for x in late] == [("draft", report.id, True, True)]
    # The city: its own report to draft soon, last year's overdue (never drafted), the county's 2025 report to
    # review, and this year's county reports overdue below it.
    city = svc.waiting(s, w.city_officer, today=date(2026, 12, 18))
    assert {(x.step, x.region, x.overdue, x.mine) for x in of(city)} == {
        ("missing", "city-1301", False, True), ("below", "county-130102", True, False),
        ("below", "county-130104", True, False)}
    assert {(x.step, x.region, x.overdue) for x in of(city, 2025)} == {
        ("missing", "city-1301", True), ("review", "county-130102", True), ("below", "county-130104", True)}
    svc.submit(s, w.county_officer, report.id, TEXTS, now=NOW)
    city = svc.waiting(s, w.city_officer, today=date(2026, 12, 18))
    assert {(x.step, x.region) for x in of(city)} == {("missing", "city-1301"), ("review", "county-130102"),
                                                      ("below", "county-130104")}
    assert svc.waiting(s, w.county_officer, today=date(2026, 12, 18)) == []
    items = workbench.todo(s, w.city_officer, today=date(2026, 12, 18))
    annual = [(i.ref, i.step, i.overdue, i.mine) for i in items if i.kind == "annual"]
    assert ("2026", "workbench.step.annual_review", False, True) in annual
    assert ("2026", "workbench.step.annual_below", True, False) in annual
