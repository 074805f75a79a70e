"""GET /api/reports/{id}/evidence/{image}.jpg: only officers who may handle the report get its photos; everyone
else (another township, window staff, supervisors, finance) gets 403, the signed-out 401; every view is audited.

Demo data: officer_jianbei covers 建北街道 130102001 where the report is handled; officer_qingyuan the sibling
township; staff_hb_sjz_0002 works at a window in 建北街道; supervisor covers the county.
"""

from __future__ import annotations

import io
import warnings
from datetime import datetime, timezone

import pytest
from PIL import Image
from sqlalchemy import select

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from portal.kernel import db
from portal.kernel import routes
from portal.accounts.models import User
from portal.kernel.audit_models import AuditEntry
from portal.reports.models import Report
from portal.accounts import services as auth
from portal.reports import demo as demo_reports
from portal.reports import services as svc
from portal.kernel.images import PrivateImageStore
from portal.kernel.settings import get_settings
from tests.unit.api.conftest import PASSWORD

pytestmark = pytest.mark.usefixtures("fast_passwords")


def login(client: TestClient, username: str) -> None:
    r = client.post("/api/auth/login", data={"username": username, "password": PASSWORD},
                    headers={"Accept": "application/json"})
    assert r.status_code == 200, r.text


@pytest.fixture
def photo_url(client) -> str:
    buf = io.BytesIO()
    Image.new("RGB", (80, 60), (10, 120, 200)).save(buf, format="PNG")
    ref = svc.accept_photo(buf.getvalue(), PrivateImageStore(get_settings().private_upload_dir))
    with db.session_scope() as s:
        demo_reports.load_accounts(s, PASSWORD)
        filed = svc.file_report(s, svc.NewReport("fraud", "Subject A", "Hidden income from a shop in town.",
                                                 region_code="130102001001", photos=(ref,)),
                                device_id="d", client="c", key="k", now=datetime.now(timezone.utc))
        report_id = s.execute(select(Report.id).where(Report.receipt_code == filed.receipt_code)).scalar_one()
    url = routes.report_evidence(report_id, ref.image_id)
    assert url == routes.API_REPORT_EVIDENCE.format(report_id=report_id, image_id=ref.image_id)
    return url


def test_the_handling_township_officer_gets_the_photo_and_it_is_audited(client, photo_url):
    login(client, "officer_jianbei")
    r = client.get(photo_url)
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert r.headers["cache-control"] == "private, no-store"
    with Image.open(io.BytesIO(r.content)) as im:
        assert im.size == (80, 60)
    with db.session_scope() as s:
        rows = s.execute(select(AuditEntry).where(AuditEntry.action == "report.evidence_view")).scalars().all()
    assert [row.actor for row in rows] == ["officer_jianbei"]


@pytest.mark.parametrize("username", ["officer_qingyuan", "staff_hb_sjz_0002", "supervisor", "finance_county"])
def test_everyone_else_is_refused(client, photo_url, username):
    login(client, username)
    assert client.get(photo_url).status_code == 403


def test_signed_out_unknown_and_malformed(client, photo_url):
    assert client.get(photo_url).status_code == 401
    login(client, "officer_jianbei")
    report_part, image_part = photo_url.rsplit("/evidence/", 1)
    assert client.get(f"{report_part}/evidence/{'0' * 64}.jpg").status_code == 403  # not this report's photo
    assert client.get(f"{report_part}/evidence/..%2F..%2Fsecret_key.jpg").status_code in (403, 404)
    assert client.get(f"/api/reports/999999/evidence/{image_part}").status_code == 403
    assert client.get(f"/api/reports/abc/evidence/{image_part}").status_code == 403
    for huge in ("2147483648", "9" * 30):  # past a PostgreSQL integer: refused, not a database error
        assert client.get(f"/api/reports/{huge}/evidence/{image_part}").status_code == 403


def test_a_conflicted_officer_is_refused(client, photo_url):
    report_id = int(photo_url.split("/")[3])
    with db.session_scope() as s:
        user = s.execute(select(User).where(User.username == "officer_jianbei")).scalar_one()
        svc.declare_conflict(s, auth.actor_for_user(s, user), report_id, "Relative of the subject")
    login(client, "officer_jianbei")
    assert client.get(photo_url).status_code == 403
