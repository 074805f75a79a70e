"""The Reflex app: pages and the /api/ routes. Nothing else happens here."""

import reflex as rx

from portal.kernel import routes
from portal.api_app import api
from portal.i18n import text
from portal.schema import Base
from portal import sweep
from portal.shell.admin_accounts import AdminAccountsState, admin_accounts
from portal.shell.admin_audit import AdminAuditState, admin_audit
from portal.shell.admin_calendar import AdminCalendarState, admin_calendar
from portal.applications.eligibility.pages.admin import AdminEligibilityState, admin_eligibility
from portal.evaluations.pages.admin import AdminEvaluationsState, admin_evaluations
from portal.shell.admin_home import AdminHomeState, admin_home
from portal.accounts.pages import LoginState, login
from portal.applications.pages.officer import (
    OfficerApplicationsState, OfficerCaseState, officer_applications, officer_case,
)
from portal.applications.pages.publicity import PublicityState, officer_publicity
from portal.workbench.pages.desk import (
    SearchState, TodoCardState, TodoState, search_page, todo_card, todo_page, workbench_cards,
)
from portal.ratings.pages.officer import OfficerRatingsState, officer_ratings
from portal.regions.pages.officer import OfficerHomeState, OfficerRegionState, officer_home, officer_region
from portal.reports.pages.officer import OfficerReportsState, officer_reports
from portal.roster.pages.officer import OfficerRosterState, officer_roster, officer_roster_batch
from portal.applications.pages.apply import ApplyState, apply_page
from portal.applications.pages.track import TrackState, apply_track_page
from portal.verification.pages.findings import FindingsState, officer_findings
from portal.verification.pages.rules_admin import AdminRulesState, admin_rules
from portal.applications.eligibility.pages.resident import EligibilityState, eligibility_page
from portal.shell.home import index
from portal.roster.pages.resident import BatchProofState, RosterState, batch_proof_page, roster_page
from portal.ratings.pages.results import ResultsState, results_page
from portal.evaluations.pages.notices import evaluation_notices
from portal.payments.pages.figures import money_figures
from portal.reporting.pages.pool import reward_pools
from portal.payments.pages.officer import OfficerPaymentsState, officer_payments
from portal.annual.pages.officer import AnnualReportsState, annual_reports
from portal.reporting.pages.officer import RewardPoolDeskState, reward_pool_desk
from portal.reports.pages.resident import ReportState, ReportTrackState, report_page, report_track_page
from portal.ratings.pages.staff import StaffHomeState, staff_home
from portal.evaluations.pages.evaluate import EvaluateState, supervisor_evaluate
from portal.evaluations.pages.supervisor import SupervisorHomeState, supervisor_home
from portal.shell.session import SessionBinding
from portal.supervision import services as supervision
from portal.supervision.pages.admin import AdminSupervisionState, admin_supervision
from portal.supervision.pages.inspections import InspectionsState, inspections_page
from portal.supervision.pages.monitor import MonitorState, monitor_page
from portal.supervision.pages.notices import NoticeDeskState, notices_desk_page, notices_section
from portal.supervision.pages.powers import PowersState, powers_page
from portal.shell.layout import NET_SCRIPT, net_banner

for mapper in Base.registry.mappers:
    rx.ModelRegistry.register(mapper.class_)

app = rx.App(
    api_transformer=api,
    stylesheets=["/portal.css"],
    html_lang="zh-CN",
    head_components=[
        rx.el.meta(name="theme-color", content="#b71c1c"),
        # Shrinks and uploads photos as soon as they are chosen (shell/photos.py); tiny, cached, deferred.
        rx.el.script(src="/photos.js", defer=True),
        rx.el.script(NET_SCRIPT),
    ],
)
# Photos of forms never sent are removed hourly by every serving process (the sweep is idempotent).
app.register_lifespan_task(sweep.every_hour)
app.register_lifespan_task(sweep.checks_loop)
# The connection banner in the page's language ("网络不好，正在重试") replaces Reflex's English toast and pulser.
app.app_wraps[(5, "Overlay")] = lambda stateful: rx.fragment(net_banner()) if stateful else None
app.add_middleware(SessionBinding())
# Risk rules run as each privileged act is written (supervision/services.watch).
supervision.install()

TITLE = f"{text('app.name', 'zh')} {text('app.name', 'en')}"


def page_title(key: str) -> str:
    """Each page its own <title> (in the HTML before any script runs): "举报投诉 · 阳光低保"."""
    return f"{text(key, 'zh')} · {text('app.name', 'zh')}"

app.add_page(index, route=routes.HOME, title=TITLE)
app.add_page(login, route=routes.LOGIN, title=page_title("login.title"), on_load=LoginState.load)
app.add_page(lambda: staff_home(todo_card()), route=routes.STAFF_HOME, title=page_title("staff.home_title"),
             on_load=[StaffHomeState.load, TodoCardState.load])
app.add_page(lambda: supervisor_home(todo_card()), route=routes.SUPERVISOR_HOME,
             title=page_title("supervisor.home_title"), on_load=[SupervisorHomeState.load, TodoCardState.load])
app.add_page(lambda: officer_home(*workbench_cards()), route=routes.OFFICER_HOME, title=page_title("officer.home_title"),
             on_load=[OfficerHomeState.load, TodoCardState.load])
app.add_page(officer_region, route=routes.OFFICER_REGION, title=page_title("officer.region_title"), on_load=OfficerRegionState.load)
app.add_page(officer_ratings, route=routes.OFFICER_RATINGS, title=page_title("officer.ratings_title"), on_load=OfficerRatingsState.load)
app.add_page(admin_calendar, route=routes.ADMIN_CALENDAR, title=page_title("admin.cal_title"), on_load=AdminCalendarState.load)
app.add_page(admin_accounts, route=routes.ADMIN_ACCOUNTS, title=page_title("accounts.title"), on_load=AdminAccountsState.load)
app.add_page(admin_audit, route=routes.ADMIN_AUDIT, title=page_title("audit.title"), on_load=AdminAuditState.load)
app.add_page(admin_home, route=routes.ADMIN_HOME, title=page_title("admin.home_title"), on_load=AdminHomeState.load)
app.add_page(admin_evaluations, route=routes.ADMIN_EVALUATIONS, title=page_title("eval.admin.link"), on_load=AdminEvaluationsState.load)
app.add_page(supervisor_evaluate, route=routes.SUPERVISOR_EVALUATE, title=page_title("eval.form.title"), on_load=EvaluateState.load)
app.add_page(roster_page, route=routes.ROSTER, title=page_title("roster.title"), on_load=RosterState.load)
app.add_page(batch_proof_page, route=routes.ROSTER_BATCH, title=page_title("roster.proof_title"), on_load=BatchProofState.load)
app.add_page(officer_roster, route=routes.OFFICER_ROSTER, title=page_title("roster.officer_title"), on_load=OfficerRosterState.load)
app.add_page(officer_roster_batch, route=routes.OFFICER_ROSTER_BATCH, title=page_title("roster.officer_batch_title"), on_load=OfficerRosterState.load_batch)

def results_with_sections() -> rx.Component:
    """/results: the rankings, the evaluation notices (民主评议通报), the notices of praise and criticism (通报表扬与
    批评), the money paid and the reward pool."""
    return results_page(evaluation_notices(), notices_section(), money_figures(), reward_pools())


app.add_page(results_with_sections, route=routes.RESULTS, title=page_title("results.title"), on_load=ResultsState.load)
app.add_page(eligibility_page, route=routes.ELIGIBILITY, title=page_title("screen.title"), on_load=EligibilityState.load)
app.add_page(apply_page, route=routes.APPLY, title=page_title("apply.title"), on_load=ApplyState.load)
app.add_page(apply_track_page, route=routes.APPLY_TRACK, title=page_title("home.track"), on_load=TrackState.load)
app.add_page(officer_findings, route=routes.OFFICER_FINDINGS, title=page_title("verify.findings_title"), on_load=FindingsState.load)
app.add_page(admin_rules, route=routes.ADMIN_VERIFICATION_RULES, title=page_title("verify.rules_title"), on_load=AdminRulesState.load)
app.add_page(officer_applications, route=routes.OFFICER_APPLICATIONS, title=page_title("officer_apps.title"),
             on_load=OfficerApplicationsState.load)
app.add_page(officer_case, route=routes.OFFICER_APPLICATION, title=page_title("officer_apps.case_title"), on_load=OfficerCaseState.load)
app.add_page(officer_publicity, route=routes.OFFICER_PUBLICITY, title=page_title("publicity.title"), on_load=PublicityState.load)
app.add_page(todo_page, route=routes.TODO, title=page_title("workbench.todo_title"), on_load=TodoState.load)
app.add_page(search_page, route=routes.SEARCH, title=page_title("workbench.search_title"), on_load=SearchState.load)
app.add_page(admin_eligibility, route=routes.ADMIN_ELIGIBILITY, title=page_title("elig.admin_title"), on_load=AdminEligibilityState.load)

app.add_page(report_page, route=routes.REPORT, title=page_title("report.title"), on_load=ReportState.load)
app.add_page(officer_reports, route=routes.OFFICER_REPORTS, title=page_title("report.officer_title"), on_load=OfficerReportsState.load)
app.add_page(officer_payments, route=routes.OFFICER_PAYMENTS, title=page_title("payments.title"), on_load=OfficerPaymentsState.load)
app.add_page(annual_reports, route=routes.OFFICER_ANNUAL_REPORTS, title=page_title("annual.title"), on_load=AnnualReportsState.load)
app.add_page(reward_pool_desk, route=routes.OFFICER_REWARD_POOL, title=page_title("reporting.desk_title"),
             on_load=RewardPoolDeskState.load)
app.add_page(report_track_page, route=routes.REPORT_TRACK, title=page_title("home.report_track"), on_load=ReportTrackState.load)

app.add_page(powers_page, route=routes.POWERS, title=page_title("sup.powers_title"), on_load=PowersState.load)
app.add_page(monitor_page, route=routes.MONITOR, title=page_title("sup.monitor_title"), on_load=MonitorState.load)
app.add_page(inspections_page, route=routes.INSPECTIONS, title=page_title("sup.ins_title"), on_load=InspectionsState.load)
app.add_page(admin_supervision, route=routes.ADMIN_SUPERVISION, title=page_title("sup.admin.title"),
             on_load=AdminSupervisionState.load)
app.add_page(notices_desk_page, route=routes.NOTICES, title=page_title("sup.notice.title_page"),
             on_load=NoticeDeskState.load)
