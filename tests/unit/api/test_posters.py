"""/api/windows/{code}/qr.png|poster.png|poster.pdf and /api/regions/{code}/posters.pdf: the QR codes decode to the
window's rating URL, the PDFs have one page per window, only staff of the region get them, every download is audited.

Demo data (portal/demo.py): 长安区 130102 holds HB-SJZ-0001 (county), HB-SJZ-0002 (建北街道 130102001) and
HB-SJZ-0003 (青园街道 130102002); officer_county is granted 130102, officer_jianbei 130102001, officer_qingyuan
130102002; staff_hb_sjz_000N is linked to window HB-SJZ-000N.
"""

from __future__ import annotations

import asyncio
import io
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select, update

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from portal.kernel import db
from portal.kernel import routes
from portal.ratings import api as posters
from portal.i18n import text
from portal.kernel.audit_models import AuditEntry
from portal.regions.models import ServiceWindow
from portal.kernel import audit
from portal.kernel import drawing as qr
from tests.unit.api.conftest import PASSWORD

pyzbar = pytest.importorskip("pyzbar.pyzbar", reason="needs pyzbar + libzbar0")

pytestmark = pytest.mark.usefixtures("fast_passwords")

BASE_URL = "http://dibao.test.example"  # http: an https base would also flip the cookie's Secure flag
WINDOW = "HB-SJZ-0002"  # 建北街道便民服务中心 低保受理窗口, region 130102001
COUNTY = "130102"  # 长安区: HB-SJZ-0001, -0002, -0003
KINDS = ["qr.png", "poster.png", "poster.pdf"]


@pytest.fixture(autouse=True)
def public_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    # Read when the settings cache is next filled, which the `client` fixture clears.
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE_URL + "/")


def login(client: TestClient, username: str) -> None:
    r = client.post("/api/auth/login", data={"username": username, "password": PASSWORD},
                    headers={"Accept": "application/json"})
    assert r.status_code == 200, r.text


WINDOW_ROUTES = {"qr.png": routes.API_WINDOW_QR_PNG, "poster.png": routes.API_WINDOW_POSTER_PNG,
                 "poster.pdf": routes.API_WINDOW_POSTER_PDF}


def window_url(code: str, kind: str) -> str:
    url = WINDOW_ROUTES[kind].format(code=code)
    assert url == f"/api/windows/{code}/{kind}"
    return url


def region_url(code: str) -> str:
    return routes.API_REGION_POSTERS_PDF.format(code=code)


def decode(png: bytes) -> list[str]:
    with Image.open(io.BytesIO(png)) as im:
        return [r.data.decode("utf-8") for r in pyzbar.decode(im.convert("L"))]


def pdf_page_count(pdf: bytes) -> int:
    # "/Type /Page" but not "/Type /Pages" (ReportLab writes a plain, non-incremental PDF).
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))


def page_texts(pdf: bytes, tmp_path: Path) -> list[str]:
    """What poppler's pdftotext reads on each page (pages end with a form feed)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("needs pdftotext (Debian package poppler-utils; scripts/test installs it)")
    src = tmp_path / "text.pdf"
    src.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(src), "-"], capture_output=True, text=True, check=True, timeout=120).stdout
    return out.split("\f")[:-1]


def rasterize(pdf: bytes, tmp_path: Path) -> list[bytes]:
    """Every page of the PDF as PNG, through poppler's pdftoppm (Pillow cannot read PDFs)."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("needs pdftoppm (Debian package poppler-utils; scripts/test installs it)")
    src = tmp_path / "in.pdf"
    src.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "100", str(src), str(tmp_path / "page")], check=True, timeout=120)
    return [p.read_bytes() for p in sorted(tmp_path.glob("page*.png"))]


def audit_rows() -> list[AuditEntry]:
    with db.session_scope() as session:
        return list(session.execute(
            select(AuditEntry).where(AuditEntry.action == posters.ACTION).order_by(AuditEntry.id)
        ).scalars())


# --- what is in the files ---------------------------------------------------------------------------------------

def test_qr_png_decodes_to_exactly_the_rating_url(client):
    login(client, "staff_hb_sjz_0002")
    r = client.get(window_url(WINDOW, "qr.png"))
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/png"
    assert r.content.startswith(b"\x89PNG")
    assert decode(r.content) == [f"{BASE_URL}/r/{WINDOW}"]


def test_poster_png_is_a4_and_its_qr_decodes(client):
    login(client, "officer_county")
    r = client.get(window_url(WINDOW, "poster.png"))
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(r.content)) as im:
        assert im.size == qr.A4_SIZE
    assert decode(r.content) == [f"{BASE_URL}/r/{WINDOW}"]


def test_poster_pdf_is_one_page_whose_qr_decodes(client, tmp_path):
    login(client, "officer_county")
    r = client.get(window_url(WINDOW, "poster.pdf"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    assert pdf_page_count(r.content) == 1
    pages = rasterize(r.content, tmp_path)
    assert len(pages) == 1
    assert decode(pages[0]) == [f"{BASE_URL}/r/{WINDOW}"]
    [words] = page_texts(r.content, tmp_path)
    for needle in ("建北街道便民服务中心", "低保受理窗口", WINDOW, f"{BASE_URL}/r/{WINDOW}", text("poster.instruction", "zh")):
        assert needle in words, needle


def test_region_batch_has_one_page_per_window_in_code_order(client, tmp_path):
    login(client, "officer_county")
    r = client.get(region_url(COUNTY))
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    expected = ["HB-SJZ-0001", "HB-SJZ-0002", "HB-SJZ-0003"]
    assert pdf_page_count(r.content) == len(expected)
    pages = rasterize(r.content, tmp_path)
    assert [decode(p) for p in pages] == [[f"{BASE_URL}/r/{code}"] for code in expected]
    words = page_texts(r.content, tmp_path)
    assert len(words) == len(expected)
    for code, page in zip(expected, words, strict=True):
        assert code in page and f"{BASE_URL}/r/{code}" in page
        assert [c for c in expected if c in page] == [code]  # one window per page


def test_poster_text_is_chinese_from_the_catalog_whatever_the_ui_language(client, monkeypatch):
    seen: list[qr.PosterText] = []
    original = qr.poster_image

    def spy(url: str, poster_text: qr.PosterText):
        seen.append(poster_text)
        return original(url, poster_text)

    monkeypatch.setattr(qr, "poster_image", spy)
    login(client, "officer_county")
    client.cookies.set("sd_lang", "en")
    assert client.get(window_url(WINDOW, "poster.png")).status_code == 200
    assert seen == [qr.PosterText(
        window_name="低保受理窗口", window_code=WINDOW, office_name="建北街道便民服务中心",
        instruction=text("poster.instruction", "zh"), footer=text("poster.footer", "zh"),
    )]
    assert "12345" in seen[0].footer


def test_drawing_runs_off_the_event_loop(client, monkeypatch):
    """Poster layout and drawing in a worker thread (the heavy pool): no running loop where a page is laid out."""
    threads: list[bool] = []
    original = qr._poster_layout

    def spy(*args):
        try:
            asyncio.get_running_loop()
            threads.append(False)
        except RuntimeError:
            threads.append(True)
        return original(*args)

    monkeypatch.setattr(qr, "_poster_layout", spy)
    login(client, "officer_county")
    assert client.get(window_url(WINDOW, "poster.pdf")).status_code == 200
    assert client.get(region_url(COUNTY)).status_code == 200
    assert threads == [True] * 4


@pytest.mark.parametrize(("url", "filename"), [
    (window_url(WINDOW, "qr.png"), "qr-HB-SJZ-0002.png"),
    (window_url(WINDOW, "poster.png"), "poster-HB-SJZ-0002.png"),
    (window_url(WINDOW, "poster.pdf"), "poster-HB-SJZ-0002.pdf"),
    (window_url("hb-sjz-0002", "poster.pdf"), "poster-HB-SJZ-0002.pdf"),  # codes are case-insensitive
    (region_url(COUNTY), "posters-130102.pdf"),
])
def test_download_headers(client, url, filename):
    login(client, "admin")
    r = client.get(url)
    assert r.status_code == 200
    assert r.headers["content-disposition"] == f'attachment; filename="{filename}"'
    assert r.headers["cache-control"] == "private, no-store"
    assert r.headers["x-content-type-options"] == "nosniff"


# --- who may download -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("username", "status"), [
    (None, 401),  # anonymous
    ("staff_hb_sjz_0003", 403),  # window staff of another window (青园街道)
    ("staff_hb_sjz_0001", 403),  # window staff at the county, whose grant covers 建北街道, but not their window
    ("staff_hb_sjz_0002", 200),  # window staff of this window
    ("officer_qingyuan", 403),  # township officer of the sibling township
    ("officer_jianbei", 200),  # township officer of this township
    ("officer_county", 200),  # county officer above it
    ("officer_province", 200),
    ("admin", 200),
    ("supervisor", 403),  # supervisors evaluate windows; they do not print their posters
])
def test_window_permission_matrix(client, kind, username, status):
    if username:
        login(client, username)
    r = client.get(window_url(WINDOW, kind))
    assert r.status_code == status, r.text
    if status != 200:
        key = {401: "auth.sign_in_required", 403: "auth.forbidden"}[status]
        assert r.json() == {"error": key, "message": text(key, "zh")}


@pytest.mark.parametrize(("username", "status"), [
    (None, 401),
    ("staff_hb_sjz_0001", 403),  # window staff never get a batch: it holds other people's windows
    ("officer_jianbei", 403),  # township officer asking for the whole county
    ("officer_county", 200),
    ("admin", 200),
    ("supervisor", 403),
])
def test_region_permission_matrix(client, username, status):
    if username:
        login(client, username)
    r = client.get(region_url(COUNTY))
    assert r.status_code == status, r.text


def test_township_officer_gets_the_batch_of_their_own_township(client, tmp_path):
    login(client, "officer_jianbei")
    r = client.get(region_url("130102001"))
    assert r.status_code == 200
    assert [decode(p) for p in rasterize(r.content, tmp_path)] == [[f"{BASE_URL}/r/{WINDOW}"]]


@pytest.mark.parametrize("url", [
    window_url("HB-XXX-9999", "qr.png"), window_url("HB-XXX-9999", "poster.pdf"), window_url("x" * 200, "poster.png"),
    region_url("999999"), region_url(WINDOW),
])
def test_unknown_codes_are_401_when_not_signed_in(client, url):
    """Nobody outside can tell an unknown code from a forbidden one."""
    r = client.get(url)
    assert r.status_code == 401 and r.json()["error"] == "auth.sign_in_required"


@pytest.mark.parametrize(("url", "key"), [
    (window_url("HB-XXX-9999", "qr.png"), "poster.window_missing"),
    (window_url("HB-XXX-9999", "poster.png"), "poster.window_missing"),
    (window_url("HB-XXX-9999", "poster.pdf"), "poster.window_missing"),
    (window_url("x" * 200, "poster.pdf"), "poster.window_missing"),
    (region_url("999999"), "poster.region_missing"),
])
def test_unknown_code_for_a_signed_in_officer_is_404(client, url, key):
    login(client, "officer_county")
    r = client.get(url)
    assert r.status_code == 404
    assert r.json() == {"error": key, "message": text(key, "zh")}


def test_errors_follow_the_ui_language(client):
    login(client, "officer_county")
    client.cookies.set("sd_lang", "en")
    r = client.get(window_url("HB-XXX-9999", "qr.png"))
    assert r.json()["message"] == text("poster.window_missing", "en")


def test_inactive_window_has_no_poster_and_leaves_the_batch(client, tmp_path):
    with db.session_scope() as session:
        session.execute(update(ServiceWindow).where(ServiceWindow.code == "HB-SJZ-0003").values(active=False))
    login(client, "officer_county")
    r = client.get(window_url("HB-SJZ-0003", "poster.pdf"))
    assert r.status_code == 404 and r.json()["error"] == "poster.window_missing"
    r = client.get(region_url(COUNTY))
    assert r.status_code == 200 and pdf_page_count(r.content) == 2


def test_region_without_windows_is_404(client):
    login(client, "officer_county")
    r = client.get(region_url("130102001001"))  # 建北社区: no window of its own
    assert r.status_code == 404 and r.json()["error"] == "poster.no_windows"


def test_batch_is_capped_and_says_to_choose_a_smaller_region(client, monkeypatch):
    monkeypatch.setattr(posters, "MAX_BATCH", 2)
    drawn: list[int] = []
    monkeypatch.setattr(qr, "posters_pdf", lambda items: drawn.append(len(items)) or b"%PDF")
    login(client, "officer_county")
    r = client.get(region_url(COUNTY))  # 3 windows
    assert r.status_code == 413
    assert r.json() == {"error": "poster.too_many", "message": text("poster.too_many", "zh", n=3, max=2)}
    assert "3" in r.json()["message"] and "2" in r.json()["message"]
    client.cookies.set("sd_lang", "en")
    assert "smaller region" in client.get(region_url(COUNTY)).json()["message"]
    assert drawn == []  # refused before drawing anything
    assert client.get(region_url("130102001")).status_code == 200  # one township is within the cap
    assert drawn == [1]
    assert not [row for row in audit_rows() if row.target_type == "region" and row.target_id == COUNTY]


def test_default_cap_is_sixty():
    assert posters.MAX_BATCH == 60


# --- audit --------------------------------------------------------------------------------------------------------

def test_every_download_is_audited(client):
    login(client, "staff_hb_sjz_0002")
    for kind in KINDS:
        assert client.get(window_url(WINDOW, kind)).status_code == 200
    client.post("/api/auth/logout", headers={"Accept": "application/json"})
    login(client, "officer_county")
    assert client.get(region_url(COUNTY)).status_code == 200
    rows = audit_rows()
    assert [(r.actor, r.target_type, r.target_id, r.region_code, r.after) for r in rows] == [
        ("staff_hb_sjz_0002", "service_window", WINDOW, "130102001", {"file": "qr.png"}),
        ("staff_hb_sjz_0002", "service_window", WINDOW, "130102001", {"file": "poster.png"}),
        ("staff_hb_sjz_0002", "service_window", WINDOW, "130102001", {"file": "poster.pdf"}),
        ("officer_county", "region", COUNTY, COUNTY,
         {"file": "posters.pdf", "windows": ["HB-SJZ-0001", "HB-SJZ-0002", "HB-SJZ-0003"]}),
    ]
    assert all(r.actor_id is not None for r in rows)
    with db.session_scope() as session:
        assert audit.verify_chain(session).ok


def test_refused_and_missing_downloads_leave_no_download_row(client):
    client.get(window_url(WINDOW, "poster.pdf"))  # 401
    login(client, "officer_qingyuan")
    client.get(window_url(WINDOW, "poster.pdf"))  # 403
    client.get(window_url("HB-XXX-9999", "poster.pdf"))  # 404
    client.get(region_url(COUNTY))  # 403
    assert audit_rows() == []


# --- the links pages place ----------------------------------------------------------------------------------------

def test_links_point_at_these_routes_and_are_real_navigations():
    import reflex as rx
    from reflex.vars.base import VarData

    from portal.ratings.poster_links import _api_href, region_poster_link, window_poster_links

    # A var as a page passes it (a state field): its var data must survive, or the page would not read that state.
    code = rx.Var("my_state.code", _var_type=str, _var_data=VarData(hooks={"const my_state = useMyState()": None}))
    assert _api_href(routes.API_WINDOW_QR_PNG, code)._get_all_var_data() == code._get_all_var_data()
    window_js = str(window_poster_links(code))
    assert '("/api/windows/"+encodeURIComponent(my_state.code))+"/poster.pdf"' in window_js
    for kind in KINDS:
        assert f'+"/{kind}")' in window_js
    assert window_js.count('("/api/windows/"+encodeURIComponent(') == 3
    assert window_js.count("reloadDocument:true") == 3  # not client-side routing into the SPA's 404 page
    assert window_js.count('["minHeight"] : "44px"') == 3  # tap targets
    assert "download:" not in window_js  # a refusal shows its message instead of saving a broken file
    region_js = str(region_poster_link("130102"))
    assert '("/api/regions/"+encodeURIComponent("130102"))+"/posters.pdf"' in region_js
    assert "reloadDocument:true" in region_js and '["minHeight"] : "44px"' in region_js


# --- a poster must lead somewhere a resident's phone can open ----------------------------------------------------

@pytest.mark.parametrize("base", ["http://localhost:3000", "http://127.0.0.1:8000", "http://192.168.1.20",
                                  "http://[::1]:3000", "http://intranet"])
def test_posters_for_a_loopback_or_private_address_are_refused_with_a_clear_message(client, monkeypatch, base):
    from tests.conftest import clear_portal_caches

    login(client, "officer_county")
    monkeypatch.setenv("PUBLIC_BASE_URL", base)
    monkeypatch.delenv("PORTAL_ALLOW_LOCAL_POSTER_URL", raising=False)
    clear_portal_caches()
    before = len(audit_rows())
    for url in [window_url(WINDOW, kind) for kind in KINDS] + [region_url(COUNTY)]:
        r = client.get(url, headers={"Accept-Language": "zh-CN"})
        assert r.status_code == 409, url
        assert r.json()["error"] == "poster.local_url" and base in r.json()["message"]
        assert "PUBLIC_BASE_URL" in r.json()["message"]
    assert len(audit_rows()) == before  # nothing drawn, nothing handed out


def test_the_setting_allows_local_posters_for_a_demo_or_a_test(client, monkeypatch):
    from tests.conftest import clear_portal_caches

    login(client, "staff_hb_sjz_0002")
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://127.0.0.1:3000")
    monkeypatch.setenv("PORTAL_ALLOW_LOCAL_POSTER_URL", "1")
    clear_portal_caches()
    r = client.get(window_url(WINDOW, "qr.png"))
    assert r.status_code == 200
    assert decode(r.content) == [f"http://127.0.0.1:3000/r/{WINDOW}"]


def test_the_poster_prints_the_address_its_code_encodes(monkeypatch):
    """The same QR drawn for two addresses: the posters differ (the address line under the code), and only in the
    band below the window code box."""
    fixed = qr._qr_matrix("https://x.example/r/A")
    monkeypatch.setattr(qr, "_qr_matrix", lambda url: fixed)
    text = qr.PosterText(window_name="低保受理窗口", window_code=WINDOW, office_name="建北街道便民服务中心",
                         instruction="扫码评价", footer="阳光低保")
    one = qr.poster_image("https://dibao.example.cn/r/HB-SJZ-0002", text)
    two = qr.poster_image("https://another-city.example.cn/r/HB-SJZ-0002", text)
    from PIL import ImageChops
    box = ImageChops.difference(one, two).getbbox()
    assert box is not None, "the address is not printed on the poster"
    assert box[1] > qr.A4_SIZE[1] // 2  # below the QR code, near the window code
