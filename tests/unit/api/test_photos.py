"""POST /api/photos/<purpose> (portal/photos_api.py): one photo through the image intake, answered with a token the
form sends; tokens name only pictures this server took in for that purpose (shell/photos.py reads them)."""

from __future__ import annotations

import io

from PIL import Image

from portal.kernel.images import PrivateImageStore, StoredImage, photo_token, read_photo_token
from portal.kernel.settings import get_settings
from portal.shell.photos import token_from_sink, tokens_from_form
from portal.applications import services as applications

ORIGIN = {"origin": "http://localhost:3000", "content-type": "image/jpeg"}  # PUBLIC_BASE_URL's


def jpeg_bytes(size=(800, 600), exif_gps: bool = False) -> bytes:
    buf = io.BytesIO()
    im = Image.new("RGB", size, (120, 160, 200))
    if exif_gps:
        exif = Image.Exif()
        exif[0x8825] = {1: "N", 2: (38.0, 3.0, 0.0)}  # GPSInfo
        im.save(buf, "JPEG", exif=exif)
    else:
        im.save(buf, "JPEG")
    return buf.getvalue()


def test_a_report_photo_is_taken_in_and_answered_with_a_signed_token(client):
    r = client.post("/api/photos/report", content=jpeg_bytes(exif_gps=True), headers=ORIGIN)
    assert r.status_code == 200, r.text
    body = r.json()
    stored = read_photo_token(body["token"], "report", get_settings().secret_key)
    assert stored == StoredImage(stored.image_id, 800, 600)
    data = PrivateImageStore(get_settings().private_upload_dir).open(stored.image_id)
    assert b"GPS" not in data and Image.open(io.BytesIO(data)).getexif().get(0x8825) is None
    # Signed for reports only.
    assert read_photo_token(body["token"], "evaluation", get_settings().secret_key) is None


def test_an_application_photo_goes_to_the_application_store(client):
    r = client.post("/api/photos/application", content=jpeg_bytes(), headers=ORIGIN)
    assert r.status_code == 200
    stored = read_photo_token(r.json()["token"], "application", get_settings().secret_key)
    assert applications.document_store().exists(stored.image_id)


def test_refusals_name_the_reason_in_the_callers_language(client):
    r = client.post("/api/photos/report", content=b"not a picture at all" * 10, headers=ORIGIN)
    assert r.status_code == 400 and r.json()["error"] == "image.not_image" and "不是一张照片" in r.json()["message"]
    client.cookies.set("sd_lang", "en")
    r = client.post("/api/photos/report", content=b"", headers=ORIGIN)
    assert r.json()["error"] == "image.empty" and r.json()["message"].startswith("The photo is empty")
    r = client.post("/api/photos/report", content=b"\xff\xd8" + b"\0" * (10 * 1024 * 1024), headers=ORIGIN)
    assert r.status_code == 413 and r.json()["error"] == "image.too_large"
    assert client.post("/api/photos/avatar", content=jpeg_bytes(), headers=ORIGIN).status_code == 404


def test_supervisor_photos_need_a_sign_in_and_foreign_pages_are_refused(client):
    r = client.post("/api/photos/evaluation", content=jpeg_bytes(), headers=ORIGIN)
    assert r.status_code == 401
    r = client.post("/api/photos/report", content=jpeg_bytes(),
                    headers={"origin": "http://evil.example", "content-type": "image/jpeg"})
    assert r.status_code == 403


def test_tokens_from_a_form_are_exactly_the_signed_ones_in_order():
    key = "k"
    a = photo_token(StoredImage("a" * 64, 1600, 1200), "report", key)
    b = photo_token(StoredImage("b" * 64, 900, 1600), "report", key)
    assert tokens_from_form(f"{a},{b}", "report", key, 5) == [StoredImage("a" * 64, 1600, 1200),
                                                              StoredImage("b" * 64, 900, 1600)]
    assert tokens_from_form(f"{a},{a}", "report", key, 5) == [StoredImage("a" * 64, 1600, 1200)]
    assert tokens_from_form("", "report", key, 5) == []
    assert tokens_from_form(None, "report", key, 5) == []
    assert tokens_from_form(f"{a},{b}", "report", key, 1) is None  # more than the form may hold
    forged = a[:-1] + ("0" if a[-1] != "0" else "1")
    assert tokens_from_form(f"{a},{forged}", "report", key, 5) is None  # one bad token refuses the lot
    bigger = a.replace(".1600.1200.", ".1601.1200.")
    assert tokens_from_form(bigger, "report", key, 5) is None
    assert tokens_from_form(a, "report", "another-key", 5) is None
    assert token_from_sink(a + "#7", "report", key) == StoredImage("a" * 64, 1600, 1200)
    assert token_from_sink(a + "#7", "application", key) is None
    assert token_from_sink(12, "report", key) is None
