#!/usr/bin/env python3
"""First-load weight of the rating page /r/<window code>: every request a phone's browser makes, cold cache.

Starts its own production server (SQLite, demo data, loopback; tests/serve.py) unless --url is given, opens the page
in Debian's Chromium at 390×844 until the state is hydrated and the network is idle, and prints per resource type:
requests, bytes on the wire (encoded body as served, plus response headers), raw (decoded) body bytes, and the body
gzipped (level 6, what a gzip-serving proxy would send), plus the websocket frames of the first load.

    python bench/page_weight.py                 # own server
    python bench/page_weight.py --url http://127.0.0.1:3000 --code HB-SJZ-0002
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def measure(base_url: str, code: str, timeout_ms: int = 60_000) -> dict:
    from playwright.sync_api import sync_playwright

    url = f"{base_url.rstrip('/')}/r/{code}"
    host = urlparse(base_url).netloc
    requests = []
    ws_frames = {"received": 0, "received_bytes": 0, "sent": 0, "sent_bytes": 0}

    def on_ws(ws) -> None:
        def add(kind: str, payload) -> None:
            ws_frames[kind] += 1
            ws_frames[f"{kind}_bytes"] += len(payload.encode() if isinstance(payload, str) else payload)

        ws.on("framereceived", lambda p: add("received", p))
        ws.on("framesent", lambda p: add("sent", p))

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                          device_scale_factor=1)
            page = context.new_page()
            page.on("requestfinished", lambda req: requests.append(req))
            page.on("websocket", on_ws)
            page.goto(url, wait_until="load", timeout=timeout_ms)
            page.wait_for_selector('#hydrated[data-hydrated="true"]', state="attached", timeout=timeout_ms)
            page.wait_for_selector("#window-name", timeout=timeout_ms)
            page.wait_for_load_state("networkidle", timeout=timeout_ms)
            page.wait_for_timeout(500)
            window_name = page.inner_text("#window-name")

            rows = []
            for req in requests:
                resp = req.response()
                if resp is None:
                    continue
                sizes = req.sizes()
                try:
                    body = resp.body()
                except Exception:  # noqa: BLE001 - e.g. a redirect has no body
                    body = b""
                rows.append({
                    "url": req.url, "type": req.resource_type, "status": resp.status,
                    "same_origin": urlparse(req.url).netloc == host,
                    "encoding": resp.headers.get("content-encoding", ""),
                    "wire": sizes["responseBodySize"] + sizes["responseHeadersSize"],
                    "body_encoded": sizes["responseBodySize"],
                    "raw": len(body), "gzip": len(gzip.compress(body, 6)) if body else 0,
                })
            context.close()
        finally:
            browser.close()

    by_type: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        for key in ("wire", "body_encoded", "raw", "gzip"):
            by_type[r["type"]][key] += r[key]
        by_type[r["type"]]["requests"] += 1
    total = {k: sum(r[k] for r in rows) for k in ("wire", "body_encoded", "raw", "gzip")}
    return {"url": url, "window_name": window_name, "requests": len(rows),
            "third_party_requests": sum(1 for r in rows if not r["same_origin"]),
            "served_encodings": sorted({r["encoding"] or "identity" for r in rows}),
            "total": total, "by_type": {k: dict(v) for k, v in sorted(by_type.items())},
            "websocket": ws_frames, "resources": rows}


def kb(n: int) -> str:
    return f"{n / 1024:,.1f} KB"


def report(m: dict, show_resources: bool) -> None:
    t = m["total"]
    print(f"\nFirst load of {m['url']} ({m['window_name']!r}), Chromium 390x844, cold cache")
    print(f"  {m['requests']} requests ({m['third_party_requests']} not same-origin); "
          f"served encodings: {', '.join(m['served_encodings'])}")
    print(f"  {'type':<12} {'reqs':>4} {'on the wire':>13} {'raw body':>12} {'gzipped':>12}")
    for kind, v in m["by_type"].items():
        print(f"  {kind:<12} {v['requests']:>4} {kb(v['wire']):>13} {kb(v['raw']):>12} {kb(v['gzip']):>12}")
    print(f"  {'total':<12} {m['requests']:>4} {kb(t['wire']):>13} {kb(t['raw']):>12} {kb(t['gzip']):>12}")
    ws = m["websocket"]
    print(f"  websocket (first load): {ws['received']} frames received, {kb(ws['received_bytes'])}; "
          f"{ws['sent']} sent, {kb(ws['sent_bytes'])} (payloads, uncompressed)")
    if show_resources:
        for r in sorted(m["resources"], key=lambda r: -r["raw"]):
            print(f"    {r['type']:<10} {kb(r['wire']):>11} {kb(r['raw']):>11} {kb(r['gzip']):>11}  "
                  f"{r['encoding'] or '-':<5} {r['url'][-70:]}")


def pick_window(database_url: str, preferred: str) -> str:
    """`preferred` when it is an active window, else the first active window by code."""
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from portal.regions.models import ServiceWindow

    engine = create_engine(database_url)
    try:
        with Session(engine) as s:
            codes = list(s.execute(select(ServiceWindow.code).where(ServiceWindow.active.is_(True))
                                   .order_by(ServiceWindow.code)).scalars())
    finally:
        engine.dispose()
    if not codes:
        raise SystemExit("no active window in the database")
    return preferred if preferred in codes else codes[0]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--url", help="an already running portal (default: start one on loopback)")
    p.add_argument("--code", help="window code (default: HB-SJZ-0002 from the demo data, or the first window)")
    p.add_argument("--resources", action="store_true", help="list every resource")
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    if a.url:
        m = measure(a.url, a.code or "HB-SJZ-0002")
    else:
        from tests.serve import running_portal

        with running_portal("sqlite", label="pageweight", host="127.0.0.1") as server:
            m = measure(server.base_url, pick_window(server.database_url, a.code or "HB-SJZ-0002"))
    report(m, a.resources)
    if a.json:
        print(json.dumps({k: v for k, v in m.items() if k != "resources"}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
