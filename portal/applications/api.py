"""Photos of an application's documents, for officers whose region covers the case only.

GET /api/applications/documents/{doc_id}.jpg: 401 when not signed in, 403 from the one guard (also for an unknown
id, so nobody learns which ids exist), then the re-encoded, metadata-free JPEG from the private store (never from
the public upload folder). Every view is written to the audit log.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from portal.shell.http import MAX_ROW_ID, actor_or_error, error
from portal.kernel.db import session_scope
from portal.applications.models import Application
from portal.regions.models import Region
from portal.applications import services as svc
from portal.kernel import audit
from portal.kernel.permissions import PermissionDenied


def document(request: Request) -> Response:
    actor = actor_or_error(request)
    if not hasattr(actor, "grants"):
        return actor  # the 401 response
    raw = str(request.path_params.get("doc_id", ""))
    # Ids no row can have (past PostgreSQL's integer) are refused like unknown ones, never sent to the database.
    doc_id = int(raw) if raw.isdigit() and len(raw) < 12 and 0 < int(raw) <= MAX_ROW_ID else 0
    with session_scope() as session:
        try:
            doc = svc.document_for_officer(session, actor, doc_id)
        except PermissionDenied:
            return error(request, 403, "auth.forbidden")
        app = session.get(Application, doc.application_id)
        village = session.get(Region, app.village_id)
        audit.record(session, actor, "application.document_view", "application_document", doc.id,
                     region_code=village.code, after={"application": app.number, "kind": doc.kind})
        image_id = doc.image_id
    try:
        body = svc.document_store().open(image_id)
    except (KeyError, ValueError):
        return error(request, 404, "app.not_found")
    return Response(body, media_type="image/jpeg", headers={"Cache-Control": "private, no-store",
                                                            "X-Content-Type-Options": "nosniff"})
