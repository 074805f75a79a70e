"""A minimal Reflex 0.10 websocket client (Engine.IO v4 / Socket.IO v5), as a browser tab speaks it.

Used by tests that call event handlers directly (as any client can) and by the benchmarks in bench/.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import websockets

NS = "/_event"
ROOT = "reflex___state____state"
SUBPROTOCOL = "0.10.1"


def state_name(state_cls) -> str:
    """Full dotted event path of a state class, e.g. 'reflex___state____state.portal___...'."""
    return state_cls.get_full_name()


class RxClient:
    def __init__(self, base_url: str, cookie: str | None = None) -> None:
        self.ws_url = base_url.replace("http://", "ws://").replace("https://", "wss://").rstrip("/")
        self.cookie = cookie
        self.token = str(uuid.uuid4())
        self.ws = None
        self.messages: list[str] = []  # every raw frame received, for tests that inspect what was sent

    async def __aenter__(self) -> RxClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def connect(self, path: str = "/", timeout: float = 30, storage: dict | None = None) -> None:
        """`storage`: the browser's cookie / local-storage vars (full var name → value), sent with the hydrate as a
        browser does."""
        headers = {"Cookie": self.cookie} if self.cookie else {}
        url = f"{self.ws_url}{NS}/?EIO=4&transport=websocket&token={self.token}"
        self.ws = await websockets.connect(url, subprotocols=[SUBPROTOCOL], additional_headers=headers,
                                           max_size=None, ping_interval=None, open_timeout=timeout)
        opened = await self.ws.recv()
        assert opened[0] == "0", opened
        auth = {"event": self._event(f"{ROOT}.hydrate_and_load", {"vars": storage} if storage else {}, path)}
        await self.ws.send(f"40{NS}," + json.dumps(auth))
        end = time.monotonic() + timeout
        while True:
            update = await self.next_update(end - time.monotonic())
            if update.get("delta", {}).get(ROOT, {}).get("is_hydrated_rx_state_"):
                return

    @staticmethod
    def _event(name: str, payload: dict, path: str, query: dict | None = None, route: str | None = None) -> dict:
        as_path = path
        return {"name": name, "payload": payload,
                "router_data": {"pathname": route or path, "asPath": as_path, "query": query or {}}}

    async def next_update(self, timeout: float) -> dict[str, Any]:
        end = time.monotonic() + timeout
        while True:
            msg = await asyncio.wait_for(self.ws.recv(), max(0.01, end - time.monotonic()))
            self.messages.append(msg)
            if msg == "2":
                await self.ws.send("3")
            elif msg.startswith(f"42{NS},"):
                name, data = json.loads(msg[len(NS) + 3:])
                if name == "event":
                    return data
            elif msg.startswith(f"44{NS}") or msg[0] == "1":
                raise RuntimeError(f"refused/closed: {msg[:200]}")

    async def call(self, name: str, payload: dict | None = None, *, path: str = "/", query: dict | None = None,
                   route: str | None = None, timeout: float = 30, settle: float = 0.4) -> dict[str, Any]:
        """Send one event and merge every delta it causes.

        Reflex 0.10 no longer marks a handler's last update (`StateUpdate.final` is deprecated and never sent), so
        after the first update this keeps reading until the socket has been quiet for `settle` seconds: a
        generator handler's later yields, and events it chains, are merged too.
        """
        await self.ws.send(f"42{NS}," + json.dumps(["event", self._event(name, payload or {}, path, query, route)]))
        merged: dict[str, Any] = {}
        end = time.monotonic() + timeout
        wait = timeout
        while True:
            try:
                update = await self.next_update(min(wait, max(0.01, end - time.monotonic())))
            except asyncio.TimeoutError:
                if merged or wait == settle:
                    return merged
                raise
            for state, delta in update.get("delta", {}).items():
                merged.setdefault(state, {}).update(delta)
            wait = settle
