"""The client address every per-address limit counts by (sign-in, receipt and draft secrets, roster reads, ratings,
reports), for Reflex event handlers and /api/ routes alike.

X-Forwarded-For is written by whoever sends the request, so it is believed only when the direct peer is one of the
configured reverse proxies (`PORTAL_TRUSTED_PROXIES`); then the chain is read from the right, skipping our own
proxies, and the first address that is not one of them is the client. With no proxies configured the direct peer
is the client, whatever the header says.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN = "unknown"


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1:value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:5123"
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, proxies: Iterable[Network]) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def resolve(peer: str | None, forwarded_for: str | None, proxies: tuple[Network, ...]) -> str:
    """The client's address from the direct peer and the X-Forwarded-For value(s) (comma-joined)."""
    peer_ip = _ip(peer or "")
    if peer_ip is None:
        return (peer or UNKNOWN)[:64] or UNKNOWN
    if not proxies or not _trusted(peer_ip, proxies) or not forwarded_for:
        return str(peer_ip)
    for hop in reversed(forwarded_for.split(",")):
        hop_ip = _ip(hop)
        if hop_ip is None:
            # Garbage before our proxy's entry was written by the client: the last hop we can vouch for is the answer.
            return str(peer_ip)
        if not _trusted(hop_ip, proxies):
            return str(hop_ip)
        peer_ip = hop_ip
    return str(peer_ip)
