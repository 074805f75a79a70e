"""Only the portal's own origin may use the sign-in cookie across origins: the websocket handshake (and Socket.IO's
polling, Reflex's upload) is refused for a foreign Origin, and CORS grants nothing to one (portal/shell/origin.py,
rxconfig.py)."""

from __future__ import annotations

import importlib
import warnings

import pytest

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from portal.shell.origin import OriginGuard

OWN = "http://portal.test:3000"
FOREIGN = ["http://portal.test:8080", "http://evil.test", "null", "https://portal.test:3000",
           "http://portal.test:3000.evil.test"]


async def _echo(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("hello")
    await websocket.close()


async def _ok(request):
    return PlainTextResponse("ok")


@pytest.fixture
def client(portal_env, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", OWN + "/")
    portal_env()
    inner = Starlette(middleware=[Middleware(OriginGuard)], routes=[
        WebSocketRoute("/_event/", _echo), Route("/_event/", _ok), Route("/_upload", _ok, methods=["POST"]),
        Route("/api/health", _ok)])
    with TestClient(inner) as c:
        yield c


@pytest.mark.parametrize("origin", FOREIGN)
def test_foreign_origin_websocket_handshake_is_refused(client, origin):
    with pytest.raises(WebSocketDisconnect) as exc:
        with client.websocket_connect("/_event/?EIO=4&transport=websocket", headers={"Origin": origin}):
            pass
    assert exc.value.code == 1008


@pytest.mark.parametrize("headers", [{"Origin": OWN}, {"Origin": OWN.upper().replace("HTTP", "http")}, {}])
def test_own_origin_and_no_browser_handshakes_work(client, headers):
    with client.websocket_connect("/_event/?EIO=4&transport=websocket", headers=headers) as ws:
        assert ws.receive_text() == "hello"


@pytest.mark.parametrize("origin", FOREIGN)
def test_foreign_origin_polling_and_upload_are_refused(client, origin):
    assert client.get("/_event/?EIO=4&transport=polling", headers={"Origin": origin}).status_code == 403
    assert client.post("/_upload", headers={"Origin": origin}).status_code == 403
    assert client.get("/_event/", headers={"Origin": OWN}).status_code == 200
    assert client.get("/api/health", headers={"Origin": origin}).status_code == 200  # CORS decides what it may read


def test_the_portal_mounts_the_guard_in_front_of_everything():
    from portal.api_app import api

    assert any(m.cls is OriginGuard for m in api.user_middleware)


def test_cors_allows_only_the_public_origin(monkeypatch):
    """rxconfig's cors_allowed_origins is what Reflex gives its CORS middleware (three layers) and its Socket.IO
    server: never "*", which Starlette answers by echoing any caller's origin with credentials."""
    from starlette.middleware.cors import CORSMiddleware

    import rxconfig

    monkeypatch.setenv("PUBLIC_BASE_URL", "https://dibao.example.cn/")
    config = importlib.reload(rxconfig).config
    assert list(config.cors_allowed_origins) == ["https://dibao.example.cn"]

    app = Starlette(routes=[Route("/api/auth/me", _ok)])
    app.add_middleware(CORSMiddleware, allow_credentials=True, allow_methods=["*"], allow_headers=["*"],
                       allow_origins=config.cors_allowed_origins)  # as reflex.app.App._add_cors does
    with TestClient(app) as c:
        foreign = c.get("/api/auth/me", headers={"Origin": "https://dibao.example.cn:8443", "Cookie": "sd_session=x"})
        assert "access-control-allow-origin" not in foreign.headers
        preflight = c.options("/api/auth/me", headers={"Origin": "http://evil.test",
                                                       "Access-Control-Request-Method": "GET"})
        assert "access-control-allow-origin" not in preflight.headers
        own = c.get("/api/auth/me", headers={"Origin": "https://dibao.example.cn"})
        assert own.headers["access-control-allow-origin"] == "https://dibao.example.cn"
    monkeypatch.delenv("PUBLIC_BASE_URL")
    importlib.reload(rxconfig)
