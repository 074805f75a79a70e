"""Hashed build files are cached for a year; pages, unhashed files and refusals are not (shell/static_cache.py)."""

from __future__ import annotations

import warnings

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

from portal.shell.static_cache import ImmutableAssets


async def _file(request):
    return PlainTextResponse("console.log(1)", headers={"cache-control": "no-cache"})


async def _missing(request):
    return Response(status_code=404)


def client() -> TestClient:
    app = Starlette(routes=[Route("/assets/root-ByXCU4ni.js", _file), Route("/assets/gone-1234.js", _missing),
                            Route("/report", _file), Route("/photos.js", _file)])
    app.add_middleware(ImmutableAssets)
    return TestClient(app)


def test_hashed_assets_are_immutable_for_a_year():
    r = client().get("/assets/root-ByXCU4ni.js")
    assert r.headers.get_list("cache-control") == ["public, max-age=31536000, immutable"]
    assert client().head("/assets/root-ByXCU4ni.js").headers["cache-control"].endswith("immutable")


def test_pages_unhashed_files_and_errors_keep_their_own_header():
    c = client()
    assert c.get("/report").headers["cache-control"] == "no-cache"
    assert c.get("/photos.js").headers["cache-control"] == "no-cache"
    assert "cache-control" not in c.get("/assets/gone-1234.js").headers
