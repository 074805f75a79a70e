"""The on-time share on /powers judges each act against its power's time limit in the power list, in the version in
force on the day of the act, counted in working days on the one calendar; never against the deadline a step, report
or case recorded for itself. A power without a limit has no share."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from portal.accounts.models import Role
from portal.applications.models import Application, ApplicationStep
from portal.kernel import audit
from portal.kernel.calendar_models import CalendarDayRow
from portal.kernel.workdays import CHINA_TZ
from portal.payments.models import PaymentBatch
from portal.reports.models import Report, ReportCategory, ReportStatus
from portal.supervision import queries, services as sup
from tests import factories

VILLAGE, COUNTY, OTHER_VILLAGE = "130102001001", "130102", "130104001001"
POINTS = dict(a_post="甲", b_post="乙", control_points=("c",), risk_points=("r",))


@pytest.fixture(autouse=True)
def quiet(monkeypatch):
    monkeypatch.setattr(audit, "_listeners", [])


@pytest.fixture
def w(db_session, fast_passwords):
    tree = factories.region_tree(db_session)
    admin = factories.actor_with(db_session, (Role.ADMIN, tree.province))
    db_session.commit()
    return type("W", (), dict(s=db_session, tree=tree, admin=admin, n=[0]))


def _at(day: date, hour: int = 10) -> datetime:
    """A moment of that China day (the database keeps UTC: 10:00 in China is 02:00 UTC the same day)."""
    return datetime.combine(day, time(hour), tzinfo=CHINA_TZ)


def _step(w, kind: str, started: date, done: date, *, due: date | None = None, village: str = VILLAGE,
          hour: int = 10) -> None:
    """A finished step of a case. `due` is the step's own recorded deadline, which the share must not read."""
    w.n[0] += 1
    region = w.tree[village]
    app = Application(number=f"B{w.n[0]:09d}", secret_hash="x" * 64, status="approved", village_id=region.id,
                      region_path=region.path)
    w.s.add(app)
    w.s.flush()
    w.s.add(ApplicationStep(application_id=app.id, kind=kind, state="done", started_on=started, due_on=due,
                            started_at=_at(started), done_at=_at(done, hour)))
    w.s.flush()


def _accept(w, month: date, region: str | None = None):
    return queries.power_figures(w.s, region, month)["dibao.accept"]


def _holiday(w, *days: date) -> None:
    for d in days:
        w.s.merge(CalendarDayRow(day=d, kind="holiday", name="清明节"))
    w.s.flush()


def test_done_on_the_limits_last_working_day_is_in_time_and_one_working_day_later_is_not(w):
    # dibao.accept: 3 WD. Started Friday 6 March: Monday, Tuesday, Wednesday 11 March is the third working day.
    _step(w, "accept", date(2026, 3, 6), date(2026, 3, 11), due=date(2026, 3, 9), hour=23)  # own deadline passed
    fig = _accept(w, date(2026, 3, 1))
    assert (fig.timed, fig.on_time_pct) == (1, 100)
    _step(w, "accept", date(2026, 3, 6), date(2026, 3, 12), due=date(2026, 3, 31), hour=0)  # own deadline not yet
    fig = _accept(w, date(2026, 3, 1))
    assert (fig.timed, fig.on_time_pct) == (2, 50)


def test_a_weekend_start_counts_from_the_next_working_day(w):
    # Started Saturday 7 March: Monday is the first working day, Wednesday 11 March the third.
    _step(w, "accept", date(2026, 3, 7), date(2026, 3, 11))
    _step(w, "accept", date(2026, 3, 8), date(2026, 3, 12))
    assert _accept(w, date(2026, 3, 1)).on_time_pct == 50


def test_the_holidays_of_the_calendar_are_not_counted(w):
    # Started Thursday 2 April 2026. Qingming: Saturday 4 to Monday 6 April off, so Friday 3, Tuesday 7 and
    # Wednesday 8 are the three working days; on a plain Monday-to-Friday week Wednesday would be the fourth.
    _step(w, "accept", date(2026, 4, 2), date(2026, 4, 8))
    assert _accept(w, date(2026, 4, 1)).on_time_pct == 0
    _holiday(w, date(2026, 4, 4), date(2026, 4, 5), date(2026, 4, 6))
    assert _accept(w, date(2026, 4, 1)).on_time_pct == 100
    _step(w, "accept", date(2026, 4, 2), date(2026, 4, 9))  # the fourth working day across the holiday
    assert _accept(w, date(2026, 4, 1)).on_time_pct == 50


def test_each_act_is_judged_by_the_version_in_force_on_its_day(w):
    # From Monday 16 March the list gives acceptance 5 WD (published on 1 March, never backdated).
    sup.revise_power(w.s, w.admin, "dibao.accept", date(2026, 3, 16), "冀民〔2026〕12号", time_limit_wd=5,
                     today=date(2026, 3, 1), **POINTS)
    _step(w, "accept", date(2026, 3, 9), date(2026, 3, 13))  # 4 WD, done Friday 13 March: the 3 WD version
    fig = _accept(w, date(2026, 3, 1))
    assert (fig.timed, fig.on_time_pct) == (1, 0)
    _step(w, "accept", date(2026, 3, 10), date(2026, 3, 16))  # 4 WD, done Monday 16 March: the 5 WD version
    fig = _accept(w, date(2026, 3, 1))
    assert (fig.timed, fig.on_time_pct) == (2, 50)
    _step(w, "accept", date(2026, 3, 9), date(2026, 3, 16))  # 5 WD: on the new limit's last day
    _step(w, "accept", date(2026, 3, 9), date(2026, 3, 17))  # 6 WD: one over
    assert _accept(w, date(2026, 3, 1)).on_time_pct == 50  # 2 of 4


def test_acts_done_while_the_power_had_no_limit_are_not_timed_and_a_power_without_one_shows_no_share(w, portal_env):
    portal_env(w.s.bind.url.render_as_string(hide_password=False))
    sup.revise_power(w.s, w.admin, "dibao.accept", date(2026, 3, 16), "冀民〔2026〕13号", time_limit_wd=None,
                     today=date(2026, 3, 1), **POINTS)
    _step(w, "accept", date(2026, 3, 10), date(2026, 3, 12))  # under the seed's 3 WD: timed
    _step(w, "accept", date(2026, 3, 10), date(2026, 3, 20))  # no limit from 16 March: not timed
    fig = _accept(w, date(2026, 3, 1))
    assert (fig.timed, fig.on_time_pct) == (1, 100)
    w.s.commit()
    _choices, _code, rows = queries.powers_page(None, today=date(2026, 3, 20))
    row = {r.key: r for r in rows}
    assert row["dibao.accept"].time_limit_wd is None and row["dibao.accept"].on_time_pct is None
    assert row["dibao.extend"].time_limit_wd is None and row["dibao.extend"].on_time_pct is None


def test_the_publicity_is_timed_to_its_own_last_day_not_to_the_countys_decision(w):
    # dibao.publicity: 7 WD from the preliminary decision (Monday 2 March) to the publicity's last day, which
    # publishing recorded as the step's due day; the county decided (closing the step) weeks later.
    _step(w, "publicity", date(2026, 3, 2), date(2026, 3, 30), due=date(2026, 3, 11))  # 7 WD
    _step(w, "publicity", date(2026, 3, 2), date(2026, 3, 30), due=date(2026, 3, 12))  # 8 WD
    fig = queries.power_figures(w.s, None, date(2026, 3, 1))["dibao.publicity"]
    assert (fig.timed, fig.on_time_pct) == (2, 50)


def test_reports_and_payments_are_timed_from_filing_and_preparation(w):
    # report.handle: 5 WD from filing to acknowledgement; report.conclude has no limit in the seed.
    county, village = w.tree[COUNTY], w.tree[VILLAGE]
    for ack in (date(2026, 3, 13), date(2026, 3, 16)):  # filed Friday 6 March: the 5th and the 6th working day
        w.s.add(Report(receipt_code=f"{ack.day:016d}", secret_hash="x" * 64, category=ReportCategory.FRAUD,
                       subject="s", subject_key="s", description="d" * 20, region_id=village.id,
                       handler_region_id=county.id, handler_path=county.path, status=ReportStatus.CONCLUDED,
                       acknowledge_due=date(2026, 4, 30), conclude_due=date(2026, 4, 30), device_hash="d" * 64,
                       client_hash="c" * 64, created_at=_at(date(2026, 3, 6)), acknowledged_at=_at(ack),
                       concluded_at=_at(ack)))
    # payments.pay: 10 WD from preparing a county's batch to the day the bank paid it.
    for n, paid in enumerate((date(2026, 3, 16), date(2026, 3, 17))):  # prepared Monday 2 March: 10th, 11th WD
        w.s.add(PaymentBatch(batch_no=f"B-{n}", county_id=county.id, region_path=county.path,
                             period=f"2026-0{n + 1}", status="paid", prepared_at=_at(date(2026, 3, 2)), paid_on=paid,
                             prepared_by=w.admin.user_id))
    w.s.flush()
    figures = queries.power_figures(w.s, county.path, date(2026, 3, 1))
    assert (figures["report.handle"].timed, figures["report.handle"].on_time_pct) == (2, 50)
    assert (figures["report.conclude"].timed, figures["report.conclude"].on_time_pct) == (0, None)
    assert (figures["payments.pay"].timed, figures["payments.pay"].on_time_pct) == (2, 50)
    assert queries.power_figures(w.s, w.tree["130104"].path, date(2026, 3, 1))["payments.pay"].timed == 0


def test_the_share_keeps_to_the_region_and_the_month(w):
    _step(w, "accept", date(2026, 3, 2), date(2026, 3, 3))
    _step(w, "accept", date(2026, 3, 2), date(2026, 3, 13), village=OTHER_VILLAGE)  # another county, late
    _step(w, "accept", date(2026, 2, 2), date(2026, 2, 27))  # last month, late
    mine = _accept(w, date(2026, 3, 1), w.tree[COUNTY].path)
    assert (mine.timed, mine.on_time_pct) == (1, 100)
    assert _accept(w, date(2026, 3, 1), w.tree.province.path).on_time_pct == 50
    assert _accept(w, date(2026, 2, 1), w.tree[COUNTY].path).on_time_pct == 0
