"""Every URL of the portal, defined once."""

from urllib.parse import quote

HOME = "/"
ELIGIBILITY = "/eligibility"
APPLY = "/apply"
APPLY_TRACK = "/apply/track"
ROSTER = "/roster"
REPORT = "/report"
REPORT_TRACK = "/report/track"
RESULTS = "/results"
LOGIN = "/login"
STAFF_HOME = "/staff"
SUPERVISOR_HOME = "/supervisor"
OFFICER_HOME = "/officer"
ADMIN_HOME = "/admin"
ADMIN_CALENDAR = "/admin/calendar"
ADMIN_ACCOUNTS = "/admin/accounts"
ADMIN_AUDIT = "/admin/audit"
# The rating page and 追评 are server-rendered HTML (portal/ratings/web.py), Starlette patterns.
RATE_PAGE = "/r/{code}"
RATE_THANKS = "/r/{code}/thanks"
RATE_ENTRY = "/r"  # ?code=… from the home page's form → /r/<CODE>
RATING_FOLLOWUP = "/rating/followup"
PREFS = "/prefs"  # ?lang=…&large=…&next=… for the server-rendered pages
OFFICER_RATINGS = "/officer/ratings"
# The month's ranking of a region's windows as a spreadsheet (portal/ratings/api.py).
API_RANKING_EXPORT = "/api/ratings/ranking.xlsx"


def api_ranking_export(region_code, month) -> str:
    """Also takes Reflex vars (the page's chosen region and month)."""
    return API_RANKING_EXPORT + "?region=" + region_code + "&month=" + month
OFFICER_REGION = "/officer/region/[code]"
ROSTER_BATCH = "/roster/batch/[batch]"
OFFICER_ROSTER = "/officer/roster"
OFFICER_ROSTER_BATCH = "/officer/roster/batch/[batch]"

# --- applications ---
OFFICER_APPLICATIONS = "/officer/applications"
OFFICER_APPLICATION = "/officer/applications/[number]"
ADMIN_ELIGIBILITY = "/admin/eligibility"
OFFICER_PUBLICITY = "/officer/publicity"
# The workbench: one to-do list and one search box for officers and staff.
TODO = "/todo"
SEARCH = "/search"
# The approval form (审批表) of a case as a PDF, and the queue as a spreadsheet (portal/applications/api.py).
API_APPLICATION_FORM = "/api/applications/{number}/form.pdf"
API_APPLICATIONS_EXPORT = "/api/applications/export.xlsx"
# Photos of an application's documents (portal/applications/api.py), for officers of the case's region only.
API_APPLICATION_DOCUMENT = "/api/applications/documents/{doc_id}.jpg"


def officer_application(number: str) -> str:
    return f"/officer/applications/{number}"


def api_application_form(number) -> str:
    """Also takes a Reflex var (the case page's number)."""
    return "/api/applications/" + number + "/form.pdf"


def api_applications_export(status: str = "", overdue_only: bool = False) -> str:
    from urllib.parse import urlencode

    query = urlencode({k: v for k, v in (("status", status), ("overdue", "1" if overdue_only else "")) if v})
    return API_APPLICATIONS_EXPORT + ("?" + query if query else "")


def application_document(doc_id: int) -> str:
    return f"/api/applications/documents/{doc_id}.jpg"

# --- reports ---
OFFICER_REPORTS = "/officer/reports"
OFFICER_PAYMENTS = "/officer/payments"
OFFICER_ANNUAL_REPORTS = "/officer/annual-reports"
OFFICER_REWARD_POOL = "/officer/reward-pool"
API_ANNUAL_REPORT_PDF = "/api/annual-reports/{report_id:int}.pdf"
API_ANNUAL_REPORT_XLSX = "/api/annual-reports/{report_id:int}.xlsx"
# Evidence photos of a report, for officers who may handle it (portal/reports/api.py; Starlette pattern).
API_REPORT_EVIDENCE = "/api/reports/{report_id}/evidence/{image_id}.jpg"


# The inbox and a month's reward register as spreadsheets (portal/reports/api.py).
API_REPORTS_EXPORT = "/api/reports/export.xlsx"
API_REWARDS_EXPORT = "/api/reports/rewards.xlsx"


def api_rewards_export(month) -> str:
    """Also takes a Reflex var (the page's chosen month)."""
    return API_REWARDS_EXPORT + "?month=" + month


def report_evidence(report_id: int | str, image_id: str) -> str:
    return f"/api/reports/{report_id}/evidence/{image_id}.jpg"


# --- evaluations ---
ADMIN_EVALUATIONS = "/admin/evaluations"
SUPERVISOR_EVALUATE = "/supervisor/evaluate/[assignment]"
# Starlette route patterns (portal/evaluations/api.py): the public notice PDF, and a private evaluation photo.
API_EVALUATION_NOTICE_PDF = "/api/evaluations/rounds/{round_id:int}/notice.pdf"
API_EVALUATION_RESULTS_XLSX = "/api/evaluations/rounds/{round_id:int}/results.xlsx"
API_PAYMENT_FILE = "/api/payments/batches/{batch_id:int}.csv"
API_PAYMENT_RETURNS = "/api/payments/batches/{batch_id:int}/returns"
API_EVALUATION_PHOTO = "/api/evaluations/{assignment_id:int}/photos/{image_id}.jpg"


def supervisor_evaluate(assignment_id: int) -> str:
    return f"/supervisor/evaluate/{assignment_id}"


def evaluation_notice_pdf(round_id: int) -> str:
    return f"/api/evaluations/rounds/{round_id}/notice.pdf"


def evaluation_results_xlsx(round_id: int) -> str:
    return f"/api/evaluations/rounds/{round_id}/results.xlsx"


def evaluation_photo(assignment_id: int, image_id: str) -> str:
    return f"/api/evaluations/{assignment_id}/photos/{image_id}.jpg"


# One photo, uploaded as soon as it is chosen (portal/photos_api.py); {purpose}: report, application, evaluation.
API_PHOTOS = "/api/photos/{purpose}"
API_PHOTOS_PREFIX = "/api/photos/"


def photos_upload(purpose: str) -> str:
    return API_PHOTOS_PREFIX + purpose


API_LOGIN = "/api/auth/login"
API_LOGOUT = "/api/auth/logout"
# QR codes and posters (portal/ratings/api.py): Starlette route patterns; `{code}` is a window or region code.
API_WINDOW_QR_PNG = "/api/windows/{code}/qr.png"
API_WINDOW_POSTER_PNG = "/api/windows/{code}/poster.png"
API_WINDOW_POSTER_PDF = "/api/windows/{code}/poster.pdf"
API_REGION_POSTERS_PDF = "/api/regions/{code}/posters.pdf"


def rate(window_code: str) -> str:
    return f"/r/{quote(window_code, safe='')}"


def rate_thanks(window_code: str, receipt_code: str) -> str:
    return f"/r/{quote(window_code, safe='')}/thanks?receipt={quote(receipt_code, safe='')}"


def rating_followup(receipt_code: str = "") -> str:
    return f"{RATING_FOLLOWUP}?code={quote(receipt_code, safe='')}" if receipt_code else RATING_FOLLOWUP


def officer_region(region_code: str) -> str:
    return f"/officer/region/{region_code}"


def roster_batch(batch_id: int) -> str:
    """Public proof page of one publicity batch (published interval, audit rows, chain check)."""
    return f"/roster/batch/{batch_id}"


def officer_roster_batch(batch_id: int) -> str:
    return f"/officer/roster/batch/{batch_id}"


def roster_objection(public_entry_id: str) -> str:
    """The seam to the reports feature: its page reads `roster_entry` and pre-fills the report with that entry."""
    return f"{REPORT}?roster_entry={public_entry_id}"

# --- supervision ---
POWERS = "/powers"
MONITOR = "/monitor"
INSPECTIONS = "/inspections"
ADMIN_SUPERVISION = "/admin/supervision"
NOTICES = "/notices"  # drafting and approving notices of praise and criticism (published on /results)
API_INSPECTION_REPORT_PDF = "/api/supervision/inspections/{inspection_id:int}/report.pdf"
API_NOTICE_PDF = "/api/supervision/notices/{notice_id:int}/notice.pdf"


def inspection_report_pdf(inspection_id: int) -> str:
    return f"/api/supervision/inspections/{int(inspection_id)}/report.pdf"


def notice_pdf(notice_id: int) -> str:
    return f"/api/supervision/notices/{int(notice_id)}/notice.pdf"

# --- verification ---
OFFICER_FINDINGS = "/officer/findings"
ADMIN_VERIFICATION_RULES = "/admin/verification-rules"
API_FINDINGS_XLSX = "/api/verification/findings.xlsx"
