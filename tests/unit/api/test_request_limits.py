"""The request-size limit in front of every HTTP path (portal/shell/limits.py), Reflex's /_upload included: refused
with 413 and the catalog's message by Content-Length, and by counting a streamed body, before the app spools it."""

from __future__ import annotations

import warnings

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from portal.shell.limits import RequestSizeLimit
from portal.i18n import text

MB = 1024 * 1024


@pytest.fixture
def limited(portal_env, monkeypatch):
    """A stand-in for Reflex's upload endpoint (it parses the multipart body, spooling files) behind the limit."""
    monkeypatch.setenv("PORTAL_MAX_UPLOAD_MB", "1")
    monkeypatch.setenv("PORTAL_MAX_BODY_KB", "16")
    portal_env()
    received = {"bytes": 0, "calls": 0}

    async def upload(request: Request):
        received["calls"] += 1
        async for chunk in request.stream():
            received["bytes"] += len(chunk)
        return JSONResponse({"ok": True})

    app = Starlette(routes=[Route("/_upload", upload, methods=["POST"]),
                            Route("/api/other", upload, methods=["POST"])])
    app.add_middleware(RequestSizeLimit)
    with TestClient(app) as client:
        yield client, received


def _chunks(total: int, size: int = 64 * 1024):
    sent = 0
    while sent < total:
        n = min(size, total - sent)
        sent += n
        yield b"x" * n


def test_an_upload_within_the_limit_passes(limited):
    client, received = limited
    r = client.post("/_upload", content=b"x" * (MB // 2))
    assert r.status_code == 200 and received["bytes"] == MB // 2


def test_an_upload_declared_too_large_is_refused_before_the_app_sees_it(limited):
    client, received = limited
    r = client.post("/_upload", content=b"x" * (MB + 1))
    assert r.status_code == 413
    assert r.json() == {"error": "request.too_large", "message": text("request.too_large", "zh")}
    assert received["calls"] == 0


def test_a_streamed_upload_is_cut_off_at_the_limit(limited):
    client, received = limited
    r = client.post("/_upload", content=_chunks(5 * MB), headers={"cookie": "sd_lang=en"})  # chunked: no length
    assert r.status_code == 413
    assert r.json()["message"] == text("request.too_large", "en")
    assert received["bytes"] <= MB  # nothing past the limit reached the app (or a temp file)


def test_other_paths_get_the_small_limit(limited):
    client, received = limited
    assert client.post("/api/other", content=b"x" * 1000).status_code == 200
    assert client.post("/api/other", content=b"x" * (17 * 1024)).status_code == 413
    assert client.post("/api/other", content=_chunks(40 * 1024, 4096)).status_code == 413


def test_the_portal_api_has_the_limit_in_front(client):
    """The Starlette app Reflex mounts itself under (so /_upload too) carries the middleware."""
    r = client.post("/api/auth/login", content=b"x" * (2 * MB), headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"] == "request.too_large"
    assert client.get("/api/health").status_code in (200, 503)
