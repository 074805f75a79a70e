"""Every URL of the portal, defined once."""

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
RATE = "/r/[code]"
RATING_FOLLOWUP = "/rating/followup"
OFFICER_RATINGS = "/officer/ratings"
OFFICER_REGION = "/officer/region/[code]"

API_LOGIN = "/api/auth/login"
API_LOGOUT = "/api/auth/logout"


def rate(window_code: str) -> str:
    return f"/r/{window_code}"


def officer_region(region_code: str) -> str:
    return f"/officer/region/{region_code}"
