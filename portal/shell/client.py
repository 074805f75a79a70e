"""The caller's address for Reflex event handlers: the one rule of `services.client_address`."""

from __future__ import annotations

import reflex as rx

from portal.kernel.client_address import resolve
from portal.kernel.settings import get_settings


def client_address(state: rx.State) -> str:
    # Reflex's own trusted_proxy_hops stays 0, so client_ip is the direct peer of the websocket.
    return resolve(state.router.session.client_ip, state.router.headers.raw_headers.get("x-forwarded-for"),
                   get_settings().trusted_proxies)
