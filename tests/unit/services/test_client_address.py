"""The one client-address rule (kernel/client_address.py): X-Forwarded-For only from configured proxies."""

from __future__ import annotations

import pytest

from portal.kernel.client_address import resolve
from portal.kernel.settings import parse_networks

PROXIES = parse_networks("10.0.0.1, 172.16.0.0/12, ::1")


@pytest.mark.parametrize(("peer", "forwarded", "proxies", "expected"), [
    # No proxies configured: the header is whatever the client wrote, so it is ignored.
    ("203.0.113.7", "1.2.3.4", (), "203.0.113.7"),
    ("203.0.113.7", None, PROXIES, "203.0.113.7"),
    # A peer that is not one of our proxies cannot speak for anyone else.
    ("203.0.113.7", "1.2.3.4", PROXIES, "203.0.113.7"),
    # Behind our proxy: the address it saw (the rightmost entry).
    ("10.0.0.1", "198.51.100.20", PROXIES, "198.51.100.20"),
    # The client prepended a forged entry: only the rightmost untrusted hop counts.
    ("10.0.0.1", "6.6.6.6, 198.51.100.20", PROXIES, "198.51.100.20"),
    # Two of our proxies in a row (CIDR entry): skipped from the right.
    ("10.0.0.1", "198.51.100.20, 172.16.5.5", PROXIES, "198.51.100.20"),
    # Every hop is ours: the leftmost one we can vouch for.
    ("10.0.0.1", "172.16.5.5", PROXIES, "172.16.5.5"),
    # Garbage in the header: the last hop we can vouch for, never the garbage.
    ("10.0.0.1", "<script>, 172.16.5.5", PROXIES, "172.16.5.5"),
    ("10.0.0.1", "not-an-ip", PROXIES, "10.0.0.1"),
    ("10.0.0.1", "", PROXIES, "10.0.0.1"),
    # Ports and IPv6 forms.
    ("10.0.0.1", "198.51.100.20:5123", PROXIES, "198.51.100.20"),
    ("::1", "[2001:db8::7]:443", PROXIES, "2001:db8::7"),
    ("::1", "2001:db8::7", PROXIES, "2001:db8::7"),
    # No usable peer (test clients, unix sockets).
    (None, "1.2.3.4", PROXIES, "unknown"),
    ("testclient", "1.2.3.4", PROXIES, "testclient"),
])
def test_resolve(peer, forwarded, proxies, expected):
    assert resolve(peer, forwarded, proxies) == expected


def test_proxy_setting_is_parsed_strictly():
    assert parse_networks("") == ()
    assert [str(n) for n in parse_networks(" 10.0.0.1 ,172.16.0.0/12,")] == ["10.0.0.1/32", "172.16.0.0/12"]
    with pytest.raises(ValueError):
        parse_networks("10.0.0.300")


def test_api_routes_and_event_handlers_use_the_rule(portal_env, monkeypatch):
    from types import SimpleNamespace

    from starlette.requests import Request

    from portal.shell.http import client_address as api_client_address
    from portal.shell.client import client_address as state_client_address

    monkeypatch.setenv("PORTAL_TRUSTED_PROXIES", "10.0.0.1")
    portal_env()

    def request(peer, *forwarded):
        headers = [(b"x-forwarded-for", f.encode()) for f in forwarded]
        return Request({"type": "http", "client": (peer, 1234), "headers": headers, "method": "GET", "path": "/"})

    assert api_client_address(request("10.0.0.1", "198.51.100.20")) == "198.51.100.20"
    assert api_client_address(request("10.0.0.1", "6.6.6.6", "198.51.100.20")) == "198.51.100.20"
    assert api_client_address(request("203.0.113.7", "198.51.100.20")) == "203.0.113.7"

    def state(peer, forwarded):
        headers = SimpleNamespace(raw_headers={"x-forwarded-for": forwarded} if forwarded else {})
        return SimpleNamespace(router=SimpleNamespace(session=SimpleNamespace(client_ip=peer), headers=headers))

    assert state_client_address(state("10.0.0.1", "198.51.100.20")) == "198.51.100.20"
    assert state_client_address(state("203.0.113.7", "198.51.100.20")) == "203.0.113.7"


def test_every_per_address_limit_uses_the_one_helper():
    """No page or route reads the peer address itself (it would count a whole proxy as one client)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[3] / "portal"
    allowed = {root / "shell" / "client.py", root / "shell" / "http.py"}
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py") if p not in allowed
                 and any(s in p.read_text() for s in ("client_ip", "request.client", "x-forwarded-for"))]
    assert offenders == []
