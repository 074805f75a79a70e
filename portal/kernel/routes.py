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
# The rating page and 追评 are server-rendered HTML (portal/ratings/web.py), Starlette patterns.
RATE_PAGE = "/r/{code}"
RATE_THANKS = "/r/{code}/thanks"
RATE_ENTRY = "/r"  # ?code=… from the home page's form → /r/<CODE>
RATING_FOLLOWUP = "/rating/followup"
PREFS = "/prefs"  # ?lang=…&large=…&next=… for the server-rendered pages
OFFICER_RATINGS = "/officer/ratings"
OFFICER_REGION = "/officer/region/[code]"
ROSTER_BATCH = "/roster/batch/[batch]"
OFFICER_ROSTER = "/officer/roster"
OFFICER_ROSTER_BATCH = "/officer/roster/batch/[batch]"

# --- applications (issue 4): add this feature's routes here ---
OFFICER_APPLICATIONS = "/officer/applications"
OFFICER_APPLICATION = "/officer/applications/[number]"
ADMIN_ELIGIBILITY = "/admin/eligibility"
# Photos of an application's documents (portal/applications/api.py), for officers of the case's region only.
API_APPLICATION_DOCUMENT = "/api/applications/documents/{doc_id}.jpg"


def officer_application(number: str) -> str:
    return f"/officer/applications/{number}"


def application_document(doc_id: int) -> str:
    return f"/api/applications/documents/{doc_id}.jpg"

# --- reports (issue 6): add this feature's routes here ---
OFFICER_REPORTS = "/officer/reports"
# Evidence photos of a report, for officers who may handle it (portal/reports/api.py; Starlette pattern).
API_REPORT_EVIDENCE = "/api/reports/{report_id}/evidence/{image_id}.jpg"


def report_evidence(report_id: int | str, image_id: str) -> str:
    return f"/api/reports/{report_id}/evidence/{image_id}.jpg"


# --- evaluations (issue 7): add this feature's routes here ---
ADMIN_EVALUATIONS = "/admin/evaluations"
SUPERVISOR_EVALUATE = "/supervisor/evaluate/[assignment]"
# Starlette route patterns (portal/evaluations/api.py): the public notice PDF, and a private evaluation photo.
API_EVALUATION_NOTICE_PDF = "/api/evaluations/rounds/{round_id:int}/notice.pdf"
API_EVALUATION_PHOTO = "/api/evaluations/{assignment_id:int}/photos/{image_id}.jpg"


def supervisor_evaluate(assignment_id: int) -> str:
    return f"/supervisor/evaluate/{assignment_id}"


def evaluation_notice_pdf(round_id: int) -> str:
    return f"/api/evaluations/rounds/{round_id}/notice.pdf"


def evaluation_photo(assignment_id: int, image_id: str) -> str:
    return f"/api/evaluations/{assignment_id}/photos/{image_id}.jpg"


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
