"""A department on loopback for the connector tests: a real Starlette app served by uvicorn on 127.0.0.1 (port 0),
answering DCI-style searches from fixture records, with scripted faults per page (500, slow, malformed JSON, wrong
reference id) and a bearer token or a signing key it checks."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import threading
from collections import defaultdict
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


@dataclass
class Behaviour:
    records: dict[str, list[dict]] = field(default_factory=dict)  # id_hash → that person's records
    token: str = ""
    key: str = ""
    # page number → faults served in order before the page answers normally ("500", "slow", "malformed",
    # "wrong_ref", "wrong_page", "401"); "always:500" fails every time.
    faults: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    slow_s: float = 1.0
    seen: list[dict] = field(default_factory=list)  # every request's criteria, in order


def make_app(b: Behaviour) -> Starlette:
    async def search(request: Request) -> Response:
        body = await request.body()
        if b.token and request.headers.get("authorization") != f"Bearer {b.token}":
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        if b.key and request.headers.get("x-signature") != hmac.new(b.key.encode(), body, hashlib.sha256).hexdigest():
            return JSONResponse({"error": "bad signature"}, status_code=403)
        doc = json.loads(body)
        req = doc["message"]["search_request"][0]
        crit = req["search_criteria"]
        page, size = crit["pagination"]["page_number"], crit["pagination"]["page_size"]
        b.seen.append({"page": page, "people": list(crit["query"]["value"]), "reference_id": req["reference_id"]})
        queue = b.faults.get(page) or []
        fault = queue[0] if queue else ""
        if fault and not fault.startswith("always:"):
            queue.pop(0)
        fault = fault.removeprefix("always:")
        if fault == "500":
            return Response("boom", status_code=500)
        if fault == "401":
            return Response("no", status_code=401)
        if fault == "slow":
            await asyncio.sleep(b.slow_s)
        if fault == "malformed":
            return Response('{"message": {"transaction_id": ', media_type="application/json")
        everything = [r for h in crit["query"]["value"] for r in b.records.get(h, [])]
        chunk = everything[(page - 1) * size: page * size]
        ref = "someone-else" if fault == "wrong_ref" else req["reference_id"]
        return JSONResponse({
            "header": {"action": "on-search", "status": "succ"},
            "message": {"transaction_id": doc["message"]["transaction_id"], "search_response": [{
                "reference_id": ref, "status": "succ", "data": {"reg_records": chunk},
                "pagination": {"page_size": size, "page_number": page + (1 if fault == "wrong_page" else 0),
                               "total_count": len(everything)}}]}})

    return Starlette(routes=[Route("/registry/sync/search", search, methods=["POST"])])


class Server:
    def __init__(self, behaviour: Behaviour) -> None:
        self.server = uvicorn.Server(uvicorn.Config(make_app(behaviour), host="127.0.0.1", port=0,
                                                    log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("the loopback department did not start")
            threading.Event().wait(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/registry/sync/search"

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)
