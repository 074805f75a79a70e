"""Evidence photos of reports: GET /api/reports/{report_id}/evidence/{image_id}.jpg, for officers who may handle
that report (role + region by the one guard, no declared conflict of interest). Private files never go through
/_upload/. Answers: 401 when not signed in, 403 for anything else that is not allowed or does not exist (so nobody
learns which reports exist). Every view is written to the audit log.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from portal.shell.http import MAX_ROW_ID, actor_or_error, error
from portal.kernel.db import session_scope
from portal.kernel import audit
from portal.reports import services as svc
from portal.kernel.images import PrivateImageStore
from portal.kernel.permissions import PermissionDenied
from portal.kernel.settings import get_settings


def evidence(request: Request) -> Response:
    actor = actor_or_error(request)
    if isinstance(actor, Response):
        return actor
    report_id, image_id = request.path_params["report_id"], request.path_params["image_id"]
    try:
        with session_scope() as session:
            # An id no row can have (not digits, or past what the database stores) is refused like an unknown one.
            rid = int(report_id) if report_id.isdigit() and len(report_id) <= 10 else -1
            report = svc.evidence_allowed(session, actor, rid if rid <= MAX_ROW_ID else -1, image_id)
            audit.record(session, actor, "report.evidence_view", "report", report.id, after={"image": image_id[:12]})
        data = PrivateImageStore(get_settings().private_upload_dir).open(image_id)
    except (PermissionDenied, ValueError, KeyError):
        return error(request, 403, "auth.forbidden")
    return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, no-store",
                                                             "X-Content-Type-Options": "nosniff"})
