"""The Reflex app: pages and the /api/ routes. Nothing else happens here."""

import reflex as rx

from portal import routes
from portal.api.app import api
from portal.i18n import text
from portal.models import Base
from portal.pages.admin.calendar import AdminCalendarState, admin_calendar
from portal.pages.admin.eligibility import AdminEligibilityState, admin_eligibility
from portal.pages.admin.evaluations import AdminEvaluationsState, admin_evaluations
from portal.pages.admin.home import AdminHomeState, admin_home
from portal.pages.login import LoginState, login
from portal.pages.officer.applications import (
    OfficerApplicationsState, OfficerCaseState, officer_applications, officer_case,
)
from portal.pages.officer.ratings import OfficerRatingsState, officer_ratings
from portal.pages.officer.home import OfficerHomeState, OfficerRegionState, officer_home, officer_region
from portal.pages.officer.reports import OfficerReportsState, officer_reports
from portal.pages.officer.roster import OfficerRosterState, officer_roster, officer_roster_batch
from portal.pages.resident.apply import ApplyState, apply_page
from portal.pages.resident.apply_track import TrackState, apply_track_page
from portal.pages.resident.eligibility import EligibilityState, eligibility_page
from portal.pages.resident.home import index
from portal.pages.resident.roster import BatchProofState, RosterState, batch_proof_page, roster_page
from portal.pages.resident.results import ResultsState, results_page
from portal.pages.resident.rate import RateState, rate_page
from portal.pages.resident.rating_followup import rating_followup
from portal.pages.resident.report import ReportState, ReportTrackState, report_page, report_track_page
from portal.pages.staff.home import StaffHomeState, staff_home
from portal.pages.supervisor.evaluate import EvaluateState, supervisor_evaluate
from portal.pages.supervisor.home import SupervisorHomeState, supervisor_home
from portal.states.session import SessionBinding

for mapper in Base.registry.mappers:
    rx.ModelRegistry.register(mapper.class_)

app = rx.App(
    api_transformer=api,
    stylesheets=["/portal.css"],
    html_lang="zh-CN",
    head_components=[rx.el.meta(name="theme-color", content="#b71c1c")],
)
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

app.add_page(rate_page, route=routes.RATE, title=TITLE, on_load=RateState.load)
app.add_page(rating_followup, route=routes.RATING_FOLLOWUP, title=TITLE)
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
