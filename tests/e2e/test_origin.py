"""A page on another origin of the same host cannot act as the signed-in officer (portal/shell/origin.py, rxconfig
cors_allowed_origins, SameSite=Strict): in Chromium, a page served from another port of 127.0.0.1 (same site, so
the cookie still travels) fails to read /api/auth/me and to open the websocket, while the portal's own page does
both; and at the HTTP level a foreign Origin gets no CORS grant and no handshake."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import websockets

from tests.e2e.conftest import sign_in
from tests.rxclient import SUBPROTOCOL
from tests.serve import free_port

pytestmark = pytest.mark.e2e

PROBE = """async ([base, ws_base]) => {
  const out = {};
  try {
    const r = await fetch(base + '/api/auth/me', {credentials: 'include'});
    out.fetch = 'read:' + (await r.text());
  } catch (e) { out.fetch = 'blocked'; }
  out.ws = await new Promise((resolve) => {
    const ws = new WebSocket(ws_base + '/_event/?EIO=4&transport=websocket&token=probe', [%r]);
    ws.onmessage = (m) => { resolve('open:' + String(m.data).slice(0, 1)); ws.close(); };
    ws.onerror = () => resolve('refused');
    setTimeout(() => resolve('timeout'), 15000);
  });
  return out;
}""" % SUBPROTOCOL


@pytest.fixture
def foreign_site():
    """Another origin on the same host: a blank page on a free port of 127.0.0.1."""
    class Page(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = b"<!doctype html><title>elsewhere</title><p>elsewhere</p>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Page)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_page_on_another_port_cannot_use_the_officers_session(page, server, foreign_site):
    sign_in(page, server, "officer_county")
    page.wait_for_url("**/officer/**")
    ws_base = server.base_url.replace("http://", "ws://")

    # The control: the portal's own page reads who is signed in and opens the socket with the same script.
    own = page.evaluate(PROBE, [server.base_url, ws_base])
    assert own["fetch"].startswith("read:") and "officer_county" in own["fetch"], own
    assert own["ws"] == "open:0", own

    page.goto(foreign_site + "/")
    foreign = page.evaluate(PROBE, [server.base_url, ws_base])
    assert foreign == {"fetch": "blocked", "ws": "refused"}, foreign


def test_foreign_origin_gets_no_cors_grant_and_no_handshake(server):
    port = int(server.base_url.rsplit(":", 1)[1])
    foreign = f"http://127.0.0.1:{port + 1}"
    with httpx.Client(base_url=server.base_url, timeout=20) as http:
        r = http.get("/api/auth/me", headers={"Origin": foreign})
        assert "access-control-allow-origin" not in r.headers
        pre = http.options("/api/auth/me", headers={"Origin": foreign, "Access-Control-Request-Method": "GET"})
        assert "access-control-allow-origin" not in pre.headers
        own = http.get("/api/auth/me", headers={"Origin": server.base_url})
        assert own.headers.get("access-control-allow-origin") == server.base_url
        assert http.get("/_event/?EIO=4&transport=polling", headers={"Origin": foreign}).status_code == 403

    async def handshake(origin: str) -> str:
        url = server.base_url.replace("http://", "ws://") + "/_event/?EIO=4&transport=websocket&token=probe"
        try:
            async with websockets.connect(url, subprotocols=[SUBPROTOCOL], origin=origin, open_timeout=20) as ws:
                return "open:" + (await asyncio.wait_for(ws.recv(), 20))[:1]
        except websockets.exceptions.InvalidStatus as exc:
            return f"refused:{exc.response.status_code}"

    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API may hold this thread's event loop
        assert pool.submit(asyncio.run, handshake(foreign)).result() == "refused:403"
        assert pool.submit(asyncio.run, handshake(server.base_url)).result() == "open:0"
