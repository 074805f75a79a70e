"""/api/evaluations/rounds/{id}/notice.pdf (public once closed) and /api/evaluations/{assignment}/photos/{image}.jpg
(the supervisor who took it, or an admin over the region; 404 for everybody else; admin views audited).

Demo data: portal/demo.py plus demo_evaluations (two closed rounds and one open round for 长安区)."""

from __future__ import annotations

import io
import warnings

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from portal.kernel import routes
from portal.kernel.db import make_engine
from portal.accounts.models import User
from portal.kernel.audit_models import AuditEntry
from portal.evaluations.models import EvaluationAssignment, EvaluationRound, RoundStatus
from portal.accounts import services as auth
from portal.evaluations import demo as demo_evaluations
from portal.evaluations import services as ew
from portal.kernel.images import PrivateImageStore, intake_image
from portal.kernel.settings import get_settings
from tests.unit.api.conftest import PASSWORD

pytestmark = pytest.mark.usefixtures("fast_passwords")


@pytest.fixture
def evaluations(db_file) -> dict:
    engine = make_engine(f"sqlite:///{db_file}")
    with Session(engine) as s:
        demo_evaluations.load(s, PASSWORD)
        s.commit()
        closed = s.execute(select(EvaluationRound.id).where(EvaluationRound.status == RoundStatus.CLOSED)).scalars()
        open_ = s.execute(select(EvaluationRound.id).where(EvaluationRound.status == RoundStatus.OPEN)).scalar_one()
        mine = s.execute(select(EvaluationAssignment.id).join(User, User.id == EvaluationAssignment.supervisor_id)
                         .where(User.username == "supervisor", EvaluationAssignment.round_id == open_)).scalars()
        ids = {"closed": list(closed), "open": open_, "mine": list(mine)}
    engine.dispose()
    return ids


def login(client: TestClient, username: str) -> None:
    r = client.post("/api/auth/login", data={"username": username, "password": PASSWORD},
                    headers={"Accept": "application/json"})
    assert r.status_code == 200, r.text


def test_the_notice_pdf_is_public_once_the_round_is_closed(client: TestClient, evaluations):
    r = client.get(routes.evaluation_notice_pdf(evaluations["closed"][0]))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    assert routes.API_EVALUATION_NOTICE_PDF.startswith("/api/evaluations/rounds/")
    assert client.get(routes.evaluation_notice_pdf(evaluations["open"])).status_code == 404
    assert client.get(routes.evaluation_notice_pdf(99999)).status_code == 404


def _photo(client_db_file, assignment_id: int) -> str:
    engine = make_engine(f"sqlite:///{client_db_file}")
    clean = intake_image(_png())
    image_id = PrivateImageStore(get_settings().private_upload_dir).save(clean)
    with Session(engine) as s:
        actor = auth.actor_for_user(s, s.execute(select(User).where(User.username == "supervisor")).scalar_one())
        ew.add_photo(s, actor, assignment_id, image_id)
        s.commit()
    engine.dispose()
    return image_id


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buf, format="PNG")
    return buf.getvalue()


def test_photos_are_for_their_supervisor_and_admins_only(client: TestClient, evaluations, db_file):
    aid = evaluations["mine"][0]
    image_id = _photo(db_file, aid)
    url = routes.evaluation_photo(aid, image_id)
    assert client.get(url).status_code == 401
    login(client, "supervisor_zhang")  # another supervisor of the same round
    assert client.get(url).status_code == 404
    login(client, "supervisor")
    r = client.get(url)
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    assert client.get(routes.evaluation_photo(aid, "0" * 64)).status_code == 404
    assert client.get(routes.evaluation_photo(aid + 1000, image_id)).status_code == 404
    login(client, "admin")
    assert client.get(url).status_code == 200
    engine = make_engine(f"sqlite:///{db_file}")
    with Session(engine) as s:
        views = s.execute(select(AuditEntry).where(AuditEntry.action == "evaluation.photo_view")).scalars().all()
    engine.dispose()
    assert [v.actor for v in views] == ["admin"]


def test_a_closed_notice_is_drawn_once_per_language(client: TestClient, evaluations, monkeypatch):
    from portal.evaluations import api
    from portal.evaluations import notice_pdf

    drawn = []
    real = notice_pdf.notice_pdf
    monkeypatch.setattr(notice_pdf, "notice_pdf", lambda *a: drawn.append(1) or real(*a))
    monkeypatch.setattr(api, "_pdf_cache", type(api._pdf_cache)())
    url = routes.evaluation_notice_pdf(evaluations["closed"][0])
    bodies = [client.get(url).content for _ in range(3)]
    assert len(drawn) == 1 and bodies[0] == bodies[1] == bodies[2] and bodies[0].startswith(b"%PDF")
    client.cookies.set("sd_lang", "en")
    assert client.get(url).status_code == 200 and len(drawn) == 2
    assert client.get(routes.evaluation_notice_pdf(evaluations["open"])).status_code == 404  # never cached


def test_ids_no_row_can_have_are_404_not_a_server_error(client: TestClient, evaluations):
    huge = 10**23
    assert client.get(routes.evaluation_notice_pdf(huge)).status_code == 404
    assert client.get(routes.evaluation_notice_pdf(0)).status_code == 404
    login(client, "supervisor")
    assert client.get(routes.evaluation_photo(huge, "a" * 64)).status_code == 404


def test_a_closed_rounds_results_download_as_a_typed_workbook_matching_the_notice(client: TestClient, evaluations,
                                                                                   db_file):
    import openpyxl

    round_id = evaluations["closed"][0]
    r = client.get(routes.evaluation_results_xlsx(round_id))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in r.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("名次", "评议对象", "所属机构")
    engine = make_engine(f"sqlite:///{db_file}")
    with Session(engine) as s:
        n = ew.notice(s, round_id)
    engine.dispose()
    assert len(rows) == len(n.rows) + 1
    for got, want in zip(rows[1:], n.rows):
        assert (got[0], got[1], got[2], got[3]) == (want.rank, want.label, want.office_name, want.submitted)
        for cell, value in ((got[4], want.supervisor_score), (got[7], want.combined)):
            assert cell is None if value is None else abs(cell - value) < 1e-9  # numbers, not text
    assert sheet.cell(row=2, column=5).number_format == "0.00"
    client.cookies.set("sd_lang", "en")  # the reader's language, as the page's toggle sets it
    english = openpyxl.load_workbook(io.BytesIO(client.get(routes.evaluation_results_xlsx(round_id)).content)).active
    assert [c.value for c in english[1]][:3] == ["Rank", "Target", "Office"]
    assert client.get(routes.evaluation_results_xlsx(evaluations["open"])).status_code == 404
    assert client.get(routes.evaluation_results_xlsx(99999)).status_code == 404
