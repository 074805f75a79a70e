"""The Starlette app mounted in front of Reflex (`api_transformer`): everything under /api/, and the resident pages
served as plain HTML (the rating page, 追评, the language and text-size links)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from portal.shell.limits import RequestSizeLimit
from portal.kernel import routes
from portal.annual import api as annual
from portal.applications import api as applications
from portal.accounts import api as auth
from portal.evaluations import api as evaluations
from portal.payments import api as payments
from portal.shell import health
from portal import photos_api
from portal.shell import html_page
from portal.ratings import api as posters
from portal.ratings import web as rating_pages
from portal.reports import api as reports
from portal.shell.origin import OriginGuard
from portal.verification import api as verification
from portal.supervision import api as supervision
from portal.shell.static_cache import ImmutableAssets

# Reflex mounts its own app (the websocket /_event, /_upload, the pages) inside this one, so the guard sees all of it.
api = Starlette(middleware=[Middleware(OriginGuard)], routes=[
    Route("/api/health", health.health, methods=["GET"]),
    Route("/api/auth/login", auth.login, methods=["POST"]),
    Route("/api/auth/logout", auth.logout, methods=["POST"]),
    Route("/api/auth/me", auth.me, methods=["GET"]),
    Route(routes.API_WINDOW_QR_PNG, posters.window_qr_png, methods=["GET"]),
    Route(routes.API_WINDOW_POSTER_PNG, posters.window_poster_png, methods=["GET"]),
    Route(routes.API_WINDOW_POSTER_PDF, posters.window_poster_pdf, methods=["GET"]),
    Route(routes.API_REGION_POSTERS_PDF, posters.region_posters_pdf, methods=["GET"]),
    Route(routes.API_REPORT_EVIDENCE, reports.evidence, methods=["GET"]),
    Route(routes.API_REPORTS_EXPORT, reports.inbox_xlsx, methods=["GET"]),
    Route(routes.API_RANKING_EXPORT, posters.ranking_xlsx, methods=["GET"]),
    Route(routes.API_REWARDS_EXPORT, reports.rewards_xlsx, methods=["GET"]),
    Route(routes.API_EVALUATION_NOTICE_PDF, evaluations.notice_pdf_file, methods=["GET"]),
    Route(routes.API_EVALUATION_RESULTS_XLSX, evaluations.results_xlsx, methods=["GET"]),
    Route(routes.API_EVALUATION_PHOTO, evaluations.photo, methods=["GET"]),
    Route(routes.API_PAYMENT_FILE, payments.bank_file, methods=["GET"]),
    Route(routes.API_PAYMENT_RETURNS, payments.return_file, methods=["POST"]),
    Route(routes.API_APPLICATION_DOCUMENT, applications.document, methods=["GET"]),
    Route(routes.API_FINDINGS_XLSX, verification.findings_xlsx, methods=["GET"]),
    Route(routes.API_APPLICATIONS_EXPORT, applications.queue_xlsx, methods=["GET"]),
    Route(routes.API_APPLICATION_FORM, applications.form_pdf, methods=["GET"]),
    Route(routes.API_ANNUAL_REPORT_PDF, annual.report_pdf, methods=["GET"]),
    Route(routes.API_ANNUAL_REPORT_XLSX, annual.report_xlsx, methods=["GET"]),
    Route(routes.API_PHOTOS, photos_api.take_photo, methods=["POST"]),
    Route(routes.API_INSPECTION_REPORT_PDF, supervision.inspection_report_pdf, methods=["GET"]),
    Route(routes.API_NOTICE_PDF, supervision.notice_pdf, methods=["GET"]),
    # Server-rendered resident pages (no Reflex): the rating page must work on 3G and with JavaScript off.
    Route(routes.RATE_ENTRY, rating_pages.rate_entry, methods=["GET"]),
    Route(routes.RATE_PAGE, rating_pages.rate_page, methods=["GET"]),
    Route(routes.RATE_PAGE, rating_pages.rate_submit, methods=["POST"]),
    Route(routes.RATE_THANKS, rating_pages.rate_thanks, methods=["GET"]),
    Route(routes.RATING_FOLLOWUP, rating_pages.followup_page, methods=["GET"]),
    Route(routes.RATING_FOLLOWUP, rating_pages.followup_submit, methods=["POST"]),
    Route(routes.PREFS, html_page.set_prefs, methods=["GET"]),
])

# Outside every route and the mounted Reflex app: no body over the limit reaches a handler or a temp file.
api.add_middleware(RequestSizeLimit)
# The build's hashed scripts and stylesheets are cached for a year (a phone on 3G skips a round trip for each).
api.add_middleware(ImmutableAssets)
