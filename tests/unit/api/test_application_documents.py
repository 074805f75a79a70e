"""GET /api/applications/documents/{id}.jpg: the private photos of a case, for officers of its region only."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from portal.kernel.db import session_scope
from portal.kernel.audit_models import AuditEntry
from portal.applications import services as svc
from portal.applications import demo as demo_applications
from tests.unit.api.test_posters import login


def _jpeg_with_gps() -> bytes:
    im = Image.new("RGB", (64, 48), (120, 130, 140))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0)}  # GPS IFD
    buf = io.BytesIO()
    im.save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def _submitted_case() -> tuple[str, int]:
    with session_scope() as session:
        demo_applications.load_parameters(session)
        app, _ = svc.create_draft(session)
        for section, value in {
            "village": "130102001001", "residence": "urban", "applicant": {"name": "王芳", "phone": "13800138000"},
            "members": [{"name": "王芳", "relationship": "applicant", "age": 40, "incomes": {},
                         "id_number": "130102198506060064"}],
            "assets": {"deposits": 0, "vehicles": 0, "houses": 1, "housing_area": 30, "businesses": 0},
            "related": {"any": False, "detail": ""}, "consent": [0],
        }.items():
            svc.save_section(session, app, section, value)
        doc = svc.add_document(session, app, "id_card", _jpeg_with_gps(), svc.document_store())
        svc.submit(session, app)
        return app.number, doc.id


def test_only_officers_of_the_region_see_the_photo(client):
    number, doc_id = _submitted_case()
    url = f"/api/applications/documents/{doc_id}.jpg"
    assert client.get(url).status_code == 401
    login(client, "officer_qingyuan")  # the neighbouring street
    assert client.get(url).status_code == 403
    assert client.get("/api/applications/documents/999999.jpg").status_code == 403
    for raw in ("2147483648", "99999999999", "0", "-1", "1e3"):  # never a database error
        assert client.get(f"/api/applications/documents/{raw}.jpg").status_code == 403, raw
    for other in ("supervisor", "admin", "staff_hb_sjz_0002"):  # the street's own window staff too  # the county's supervisor, an admin above it: not officers
        client.post("/api/auth/logout")
        login(client, other)
        assert client.get(url).status_code == 403, other
    client.post("/api/auth/logout")
    login(client, "officer_jianbei")
    r = client.get(url)
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert "no-store" in r.headers["cache-control"]
    assert not Image.open(io.BytesIO(r.content)).getexif()  # GPS and every other tag gone
    with session_scope() as session:
        views = session.execute(select(AuditEntry).where(AuditEntry.action == "application.document_view")).scalars()
        assert [v.after["application"] for v in views] == [number]
