#!/usr/bin/env python3
"""A resident's Reflex page on a weak signal: first paint, first words, hydration and the repeat visit.

Opens a page in Debian's Chromium at 390×844 with DevTools throttling (3G: 300 ms, 400 kbit/s down, 400 kbit/s up;
`--cpu 4` slows the CPU 4× as a cheap phone) and prints, per page:
- cold: requests, bytes on the wire, first contentful paint (what the HTML alone shows: title, heading, the Chinese
  loading state), and the time until the page's state has arrived (hydrated);
- repeat visit (a new tab, same browser cache): requests that still went to the network, with the server's
  `Cache-Control: immutable` on hashed assets and, as the baseline in the same run, with that header stripped (as
  the portal served them before).

    python bench/slow_phone.py                          # own server (SQLite, demo data)
    python bench/slow_phone.py --url http://127.0.0.1:3000 --pages /report /apply
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
THREE_G = {"offline": False, "latency": 300, "downloadThroughput": 400_000 // 8, "uploadThroughput": 400_000 // 8}


def _throttle(page, cpu: float) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", THREE_G)
    if cpu > 1:
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": cpu})
    page._cdp = cdp


def _strip_cache_header(page) -> None:
    """The baseline: /assets/ responses lose Cache-Control inside the browser's own network stack (CDP Fetch at the
    response stage), so throttling and the HTTP cache behave as they would for a server that never sent it."""
    cdp = page._cdp

    def paused(event) -> None:
        headers = [h for h in event.get("responseHeaders", []) if h["name"].lower() != "cache-control"]
        cdp.send("Fetch.continueResponse", {"requestId": event["requestId"],
                                            "responseCode": event.get("responseStatusCode", 200),
                                            "responseHeaders": headers})

    cdp.on("Fetch.requestPaused", paused)
    cdp.send("Fetch.enable", {"patterns": [{"urlPattern": "*/assets/*", "requestStage": "Response"}]})


def _visit(context, url: str, cpu: float, strip: bool = False) -> dict:
    page = context.new_page()
    _throttle(page, cpu)
    if strip:
        _strip_cache_header(page)
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url))
    wire = {"bytes": 0}

    def on_finished(req) -> None:
        try:
            sizes = req.sizes()
            wire["bytes"] += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        except Exception:  # a request served from the memory cache has no sizes
            pass

    page.on("requestfinished", on_finished)
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_selector("#hydrated[data-hydrated='true']", state="attached", timeout=300_000)
    hydrated = time.perf_counter() - t0
    fcp = page.evaluate("(performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || 0")
    loading_in_html = page.evaluate("document.title")
    page.wait_for_load_state("networkidle")
    # Requests that reached the network (a memory/disk cache hit reports fromServiceWorker=false and no timing).
    network = page.evaluate("performance.getEntriesByType('resource').filter(e => e.transferSize > 0).length")
    page.close()
    return {"requests": len(sent), "network_requests": network + 1, "bytes": wire["bytes"], "fcp_ms": fcp,
            "hydrated_s": hydrated, "title": loading_in_html}


def run(base_url: str, pages: list[str], cpu: float) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        print(f"3G (300 ms, 400 kbit/s), CPU ×{cpu:g}, 390×844, Chromium")
        print(f"{'page':<16}{'visit':<28}{'requests':>9}{'to network':>11}{'KB wire':>9}{'FCP ms':>8}{'hydrated s':>11}")
        for path in pages:
            url = base_url.rstrip("/") + path
            for label, strip in (("as served (immutable)", False), ("baseline: header stripped", True)):
                context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
                cold = _visit(context, url, cpu, strip)
                warm = _visit(context, url, cpu, strip)
                for visit, r in (("cold, " + label, cold), ("repeat, " + label, warm)):
                    print(f"{path:<16}{visit[:27]:<28}{r['requests']:>9}{r['network_requests']:>11}"
                          f"{r['bytes'] / 1024:>9.0f}{r['fcp_ms']:>8.0f}{r['hydrated_s']:>11.1f}")
                context.close()
            print(f"{'':<16}title: {cold['title']}")
        browser.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url")
    ap.add_argument("--pages", nargs="+", default=["/report", "/eligibility"])
    ap.add_argument("--cpu", type=float, default=1)
    args = ap.parse_args()
    if args.url:
        run(args.url, args.pages, args.cpu)
        return
    from tests.serve import running_portal

    with running_portal("sqlite", label="bench", host="127.0.0.1") as server:
        run(server.base_url, args.pages, args.cpu)


if __name__ == "__main__":
    main()
