"""The Reflex app: pages and the /api/ routes. Nothing else happens here."""

import reflex as rx

from portal.kernel import routes
from portal.api_app import api
from portal.i18n import text
from portal.schema import Base
from portal import sweep
from portal.shell.admin_calendar import AdminCalendarState, admin_calendar
from portal.applications.eligibility.pages.admin import AdminEligibilityState, admin_eligibility
from portal.evaluations.pages.admin import AdminEvaluationsState, admin_evaluations
from portal.shell.admin_home import AdminHomeState, admin_home
from portal.accounts.pages import LoginState, login
from portal.applications.pages.officer import (
    OfficerApplicationsState, OfficerCaseState, officer_applications, officer_case,
)
from portal.ratings.pages.officer import OfficerRatingsState, officer_ratings
from portal.shell.officer_home import OfficerHomeState, OfficerRegionState, officer_home, officer_region
from portal.reports.pages.officer import OfficerReportsState, officer_reports
from portal.roster.pages.officer import OfficerRosterState, officer_roster, officer_roster_batch
from portal.applications.pages.apply import ApplyState, apply_page
from portal.applications.pages.track import TrackState, apply_track_page
from portal.applications.eligibility.pages.resident import EligibilityState, eligibility_page
from portal.shell.home import index
from portal.roster.pages.resident import BatchProofState, RosterState, batch_proof_page, roster_page
from portal.ratings.pages.results import ResultsState, results_page
from portal.reports.pages.resident import ReportState, ReportTrackState, report_page, report_track_page
from portal.ratings.pages.staff import StaffHomeState, staff_home
from portal.evaluations.pages.evaluate import EvaluateState, supervisor_evaluate
from portal.evaluations.pages.supervisor import SupervisorHomeState, supervisor_home
from portal.shell.session import SessionBinding

for mapper in Base.registry.mappers:
    rx.ModelRegistry.register(mapper.class_)

app = rx.App(
    api_transformer=api,
    stylesheets=["/portal.css"],
    html_lang="zh-CN",
    head_components=[rx.el.meta(name="theme-color", content="#b71c1c")],
)
# Photos of forms never sent are removed hourly by every serving process (the sweep is idempotent).
app.register_lifespan_task(sweep.every_hour)
app.add_middleware(SessionBinding())

TITLE = f"{text('app.name', 'zh')} {text('app.name', 'en')}"

app.add_page(index, route=routes.HOME, title=TITLE)
app.add_page(login, route=routes.LOGIN, title=TITLE, on_load=LoginState.load)
app.add_page(staff_home, route=routes.STAFF_HOME, title=TITLE, on_load=StaffHomeState.load)
app.add_page(supervisor_home, route=routes.SUPERVISOR_HOME, title=TITLE, on_load=SupervisorHomeState.load)
app.add_page(officer_home, route=routes.OFFICER_HOME, title=TITLE, on_load=OfficerHomeState.load)
app.add_page(officer_region, route=routes.OFFICER_REGION, title=TITLE, on_load=OfficerRegionState.load)
app.add_page(officer_ratings, route=routes.OFFICER_RATINGS, title=TITLE, on_load=OfficerRatingsState.load)
app.add_page(admin_calendar, route=routes.ADMIN_CALENDAR, title=TITLE, on_load=AdminCalendarState.load)
app.add_page(admin_home, route=routes.ADMIN_HOME, title=TITLE, on_load=AdminHomeState.load)
app.add_page(admin_evaluations, route=routes.ADMIN_EVALUATIONS, title=TITLE, on_load=AdminEvaluationsState.load)
app.add_page(supervisor_evaluate, route=routes.SUPERVISOR_EVALUATE, title=TITLE, on_load=EvaluateState.load)
app.add_page(roster_page, route=routes.ROSTER, title=TITLE, on_load=RosterState.load)
app.add_page(batch_proof_page, route=routes.ROSTER_BATCH, title=TITLE, on_load=BatchProofState.load)
app.add_page(officer_roster, route=routes.OFFICER_ROSTER, title=TITLE, on_load=OfficerRosterState.load)
app.add_page(officer_roster_batch, route=routes.OFFICER_ROSTER_BATCH, title=TITLE, on_load=OfficerRosterState.load_batch)

app.add_page(results_page, route=routes.RESULTS, title=TITLE, on_load=ResultsState.load)
app.add_page(eligibility_page, route=routes.ELIGIBILITY, title=TITLE, on_load=EligibilityState.load)
app.add_page(apply_page, route=routes.APPLY, title=TITLE, on_load=ApplyState.load)
app.add_page(apply_track_page, route=routes.APPLY_TRACK, title=TITLE, on_load=TrackState.load)
app.add_page(officer_applications, route=routes.OFFICER_APPLICATIONS, title=TITLE,
             on_load=OfficerApplicationsState.load)
app.add_page(officer_case, route=routes.OFFICER_APPLICATION, title=TITLE, on_load=OfficerCaseState.load)
app.add_page(admin_eligibility, route=routes.ADMIN_ELIGIBILITY, title=TITLE, on_load=AdminEligibilityState.load)

app.add_page(report_page, route=routes.REPORT, title=TITLE, on_load=ReportState.load)
app.add_page(officer_reports, route=routes.OFFICER_REPORTS, title=TITLE, on_load=OfficerReportsState.load)
app.add_page(report_track_page, route=routes.REPORT_TRACK, title=TITLE, on_load=ReportTrackState.load)
