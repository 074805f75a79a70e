#!/usr/bin/env python3
"""First-load weight of the rating page /r/<window code>: every request a phone's browser makes, cold cache.

Starts its own production server (SQLite, demo data, loopback; tests/serve.py) unless --url is given (or
--app-only: one Granian worker serving the portal's Starlette app, which is what answers /r/<code>, on a fresh
database, without building the Reflex frontend), opens the page in Debian's Chromium at 390×844 until the network is
idle, and prints per resource type: requests, bytes on the wire (encoded body as served, plus response headers), raw
(decoded) body bytes, and the body gzipped (level 6, what a gzip-serving proxy would send), against the goal
(≤ 15 KB gzipped, ≤ 3 requests).

With --throttle, the same page again under emulated 3G (Chromium CDP Network.emulateNetworkConditions: 300 ms
latency, 400 kbit/s each way) and a 4× slower CPU (Emulation.setCPUThrottlingRate), timed from the start of the
navigation: first contentful paint, DOM interactive (the form works: it needs no script), the first working tap
(the later of the two; goal ≤ 1.0 s), and tap → thank-you page with the receipt (one POST, one redirect).

    python bench/page_weight.py --app-only --throttle
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


THREE_G = {"offline": False, "latency": 300, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}


def timed_on_3g(base_url: str, code: str, timeout_ms: int = 60_000) -> dict:
    """Cold load and one rating under emulated 3G and a 4× slower CPU, in a fresh context."""
    from playwright.sync_api import sync_playwright

    url = f"{base_url.rstrip('/')}/r/{code}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
            cdp.send("Network.emulateNetworkConditions", THREE_G)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
            page.goto(url, wait_until="load", timeout=timeout_ms)
            timing = page.evaluate("""() => {
                const nav = performance.getEntriesByType('navigation')[0];
                const fcp = performance.getEntriesByName('first-contentful-paint')[0];
                return {fcp: fcp ? fcp.startTime : null, interactive: nav.domInteractive, load: nav.loadEventEnd,
                        response_end: nav.responseEnd};
            }""")
            page.click("#level-5")
            page.click("#rating-submit")
            page.wait_for_selector("#receipt-code", timeout=timeout_ms)
            # The thank-you page is a new document whose clock starts with the POST's navigation (the same-origin
            # redirect belongs to it): now() is tap → receipt shown.
            thanks_ms = page.evaluate("performance.now()")
            context.close()
        finally:
            browser.close()
    first_tap = max(timing["fcp"] or 0, timing["interactive"])
    return {**{k: round(v) if v is not None else None for k, v in timing.items()}, "first_tap": round(first_tap),
            "tap_to_receipt": round(thanks_ms)}


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
    print(f"  goal: ≤ 15 KB gzipped and ≤ 3 requests → {kb(t['gzip'])}, {m['requests']} requests: "
          f"{'met' if t['gzip'] <= 15 * 1024 and m['requests'] <= 3 else 'NOT met'}")
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
    p.add_argument("--app-only", action="store_true", help="serve only the Starlette app (no Reflex build)")
    p.add_argument("--throttle", action="store_true", help="also time it under emulated 3G and a 4x slower CPU")
    a = p.parse_args(argv)
    timed = None
    if a.url:
        m = measure(a.url, a.code or "HB-SJZ-0002")
        timed = timed_on_3g(a.url, a.code or "HB-SJZ-0003") if a.throttle else None
    elif a.app_only:
        import tempfile

        from bench.ratings_http import prepare, start

        with tempfile.TemporaryDirectory(prefix="bench-page-weight-") as tmp:
            env, _url, codes = prepare(Path(tmp), 2)
            server = start("portal.api_app:api", env, Path(tmp) / "server.log")
            try:
                m = measure(server.url, codes[0])
                timed = timed_on_3g(server.url, codes[1]) if a.throttle else None
            finally:
                server.stop()
    else:
        from tests.serve import running_portal

        with running_portal("sqlite", label="pageweight", host="127.0.0.1") as server:
            m = measure(server.base_url, pick_window(server.database_url, a.code or "HB-SJZ-0002"))
            timed = timed_on_3g(server.base_url, pick_window(server.database_url, "HB-SJZ-0003")) \
                if a.throttle else None
    report(m, a.resources)
    if timed is not None:
        print(f"  emulated 3G (300 ms, 400 kbit/s) + 4x CPU: first contentful paint {timed['fcp']} ms, DOM "
              f"interactive {timed['interactive']} ms, load {timed['load']} ms → first working tap "
              f"{timed['first_tap']} ms (goal ≤ 1000); tap → receipt page {timed['tap_to_receipt']} ms")
        m["throttled"] = timed
    if a.json:
        print(json.dumps({k: v for k, v in m.items() if k != "resources"}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
