"""The county → city → province workflow and its guards: who may draft, read, submit, accept and return; figures
frozen on submission; a returned report edited and submitted again; every act audited."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.annual import rules
from portal.annual.models import AnnualReport
from portal.annual import services as svc
from portal.kernel.audit import verify_chain
from portal.kernel.audit_models import AuditEntry
from portal.kernel.permissions import PermissionDenied
from portal.supervision import rules as sup_rules
from tests.unit.annual.world import build
from tests.unit.payments.test_batches import add_households

NOW = datetime(2026, 12, 20, 2, 0, tzinfo=timezone.utc)
TEXTS = {k: f"{k} 的情况说明。" for k in rules.SECTIONS}


@pytest.fixture
def w(db_session, fast_passwords):
    return build(db_session)


def _actions(s) -> list[str]:
    return [a for a in s.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars() if a.startswith("annual.")]


def test_only_the_county_office_drafts_its_report(w):
    for who in (w.other_county, w.township, w.city_officer, w.province_officer):
        with pytest.raises(PermissionDenied):
            svc.draft(w.s, who, "130102", 2026, now=NOW)
    with pytest.raises(PermissionDenied):
        svc.draft(w.s, w.county_officer, "130102001", 2026, now=NOW)  # a township writes no report
    with pytest.raises(svc.AnnualError):
        svc.draft(w.s, w.county_officer, "130102", 2027, now=NOW)  # not yet
    report = svc.draft(w.s, w.county_officer, "130102", 2026, now=NOW)
    assert report.status == rules.DRAFT and report.level == "county" and report.document_no is None
    assert report.figures == svc.figures(w.s, w.a, 2026)
    assert svc.draft(w.s, w.county_officer, "130102", 2026, now=NOW).id == report.id  # opened again, not doubled
    quarter = svc.draft(w.s, w.county_officer, "130102", 2026, 3, now=NOW)
    assert quarter.id != report.id and sorted(quarter.figures["payments"]) == ["2026-07", "2026-08", "2026-09"]


def test_a_draft_is_read_and_edited_by_its_own_office_only(w):
    report = svc.draft(w.s, w.county_officer, "130102", 2026, now=NOW)
    for who in (w.city_officer, w.other_county, w.township):
        with pytest.raises(PermissionDenied):
            svc.for_reader(w.s, who, report.id)
        with pytest.raises(PermissionDenied):
            svc.save_sections(w.s, who, report.id, TEXTS, now=NOW)
    assert svc.visible(w.s, w.city_officer, 2026) == []
    assert svc.visible(w.s, w.county_officer, 2026) == [report]
    with pytest.raises(PermissionDenied):
        svc.for_reader(w.s, w.county_officer, 999_999)


def test_submit_needs_every_section_then_freezes_and_numbers(w):
    report = svc.draft(w.s, w.county_officer, "130102", 2026, now=NOW)
    with pytest.raises(svc.AnnualError) as refused:
        svc.submit(w.s, w.county_officer, report.id, {"policy": "落实到位。"}, now=NOW)
    assert refused.value.key == "annual.err_missing"
    assert refused.value.missing == ["management", "funds", "incidents", "supervision"]
    with pytest.raises(svc.AnnualError):
        svc.save_sections(w.s, w.county_officer, report.id, {"policy": "长" * 5001}, now=NOW)
    svc.save_sections(w.s, w.county_officer, report.id, TEXTS, now=NOW)
    # New data after drafting: recompute sees it; submission computes once more and freezes.
    add_households(w.s, w.tree.villages["130102002"][0], 1, start=date(2026, 11, 1), people=1, prefix="L")
    svc.recompute(w.s, w.county_officer, report.id, now=NOW)
    assert report.figures["register"]["households_end"] == 5
    svc.submit(w.s, w.county_officer, report.id, now=NOW)
    assert report.status == rules.SUBMITTED and report.document_no == "130102〔2026〕低保年报1号"
    assert report.sections["policy"] == TEXTS["policy"]
    frozen = dict(report.figures["register"])
    add_households(w.s, w.tree.villages["130102002"][0], 1, start=date(2026, 11, 2), prefix="M")
    with pytest.raises(svc.AnnualError):
        svc.recompute(w.s, w.county_officer, report.id, now=NOW)
    with pytest.raises(svc.AnnualError):
        svc.save_sections(w.s, w.county_officer, report.id, TEXTS, now=NOW)
    assert report.figures["register"] == frozen
    assert svc.visible(w.s, w.city_officer, 2026) == [report]


def test_the_city_returns_the_county_resubmits_the_city_accepts(w):
    report = svc.draft(w.s, w.county_officer, "130102", 2026, now=NOW)
    svc.submit(w.s, w.county_officer, report.id, TEXTS, now=NOW)
    for who in (w.county_officer, w.other_county, w.township, w.province_officer):
        with pytest.raises(PermissionDenied):
            svc.review(w.s, who, report.id, True, now=NOW)
    with pytest.raises(svc.AnnualError) as no_reason:
        svc.review(w.s, w.city_officer, report.id, False, "  ", now=NOW)
    assert no_reason.value.key == "annual.err_reason"
    svc.review(w.s, w.city_officer, report.id, False, "资金使用情况写得不具体，请补充。", now=NOW)
    assert report.status == rules.RETURNED and report.return_reason.startswith("资金")
    with pytest.raises(svc.AnnualError):
        svc.review(w.s, w.city_officer, report.id, True, now=NOW)  # nothing to review until resubmitted
    svc.submit(w.s, w.county_officer, report.id, {**TEXTS, "funds": "全年发放 1,200 元，专款专用。"}, now=NOW)
    assert report.status == rules.SUBMITTED and report.revision == 2
    assert report.document_no == "130102〔2026〕低保年报2号"
    svc.review(w.s, w.city_officer, report.id, True, now=NOW)
    assert report.status == rules.ACCEPTED
    with pytest.raises(svc.AnnualError):
        svc.submit(w.s, w.county_officer, report.id, TEXTS, now=NOW)
    assert _actions(w.s) == ["annual.draft", "annual.submit", "annual.return", "annual.submit", "annual.accept"]
    assert verify_chain(w.s).ok


def test_the_city_reports_to_the_province(w):
    with pytest.raises(PermissionDenied):
        svc.draft(w.s, w.county_officer, "1301", 2026, now=NOW)
    city = svc.draft(w.s, w.city_officer, "1301", 2026, now=NOW)
    assert city.level == "city"
    assert city.figures == rules.add(svc.figures(w.s, w.a, 2026), svc.figures(w.s, w.b, 2026))
    svc.submit(w.s, w.city_officer, city.id, TEXTS, now=NOW)
    assert svc.visible(w.s, w.county_officer, 2026) == []  # a county does not read its city's report
    with pytest.raises(PermissionDenied):
        svc.review(w.s, w.city_officer, city.id, True, now=NOW)
    svc.review(w.s, w.province_officer, city.id, True, now=NOW)
    assert city.status == rules.ACCEPTED


def test_every_act_is_on_the_power_list():
    for action in (svc.ACTION_ANNUAL_DRAFT, svc.ACTION_ANNUAL_RECOMPUTE, svc.ACTION_ANNUAL_SAVE,
                   svc.ACTION_ANNUAL_SUBMIT, svc.ACTION_ANNUAL_ACCEPT, svc.ACTION_ANNUAL_RETURN):
        assert sup_rules.power_for(action) == "reporting.annual_report"
    assert svc.ACTION_ANNUAL_DOWNLOAD in sup_rules.NOT_A_POWER


def test_demo_submits_the_county_report_and_drafts_the_citys(db_session, fast_passwords):
    from portal.annual import demo
    from tests import factories

    s = db_session
    tree = factories.region_tree(s)
    assert demo.load(s) is False  # no officers yet: nothing
    factories.user(s, [(Role.OFFICER, tree["130102"])], username="officer_county")
    factories.user(s, [(Role.OFFICER, tree.city)], username="officer_city")
    assert demo.load(s) is True and demo.load(s) is False
    county, city = s.execute(select(AnnualReport).order_by(AnnualReport.id)).scalars().all()
    assert (county.status, county.level, city.status, city.level) == ("submitted", "county", "draft", "city")
    assert not rules.missing_sections(county.sections)


def test_demo_issues_last_years_provincial_report(db_session, fast_passwords):
    from portal.annual import demo
    from portal.kernel.workdays import china_today
    from portal.regions import services as regions
    from portal.regions.models import RegionLevel
    from tests import factories

    s = db_session
    tree = factories.region_tree(s)
    regions.add_region(s, "1306", "city-1306", RegionLevel.CITY, tree.province)
    factories.user(s, [(Role.OFFICER, tree.city)], username="officer_city")
    assert demo.load_province(s) is False  # no province officer yet
    factories.user(s, [(Role.OFFICER, tree.province)], username="officer_province")
    assert demo.load_accounts(s, "pw-for-tests-123") == [demo.SECOND_CITY_OFFICER]
    assert demo.load_province(s) is True and demo.load_province(s) is False
    reports = s.execute(select(AnnualReport).order_by(AnnualReport.id)).scalars().all()
    assert [(r.level, r.status) for r in reports] == [("city", "accepted"), ("city", "accepted"),
                                                      ("province", "issued")]
    assert {r.year for r in reports} == {china_today().year - 1}
    assert reports[2].figures == rules.add(reports[0].figures, reports[1].figures)
