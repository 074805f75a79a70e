#!/usr/bin/env python3
"""Ratings per second through the HTML rating page's form POST, as phones send them, next to a bare insert route.

Starts, on loopback, one Granian worker serving the portal's Starlette app (`portal.api_app:api`, the app that
answers `/r/<code>` in front of Reflex: the same routes, middleware and services as `python -m portal serve`, without
building the Reflex frontend that this path never touches) on a fresh SQLite database, and, in the same run, one
Granian worker serving a bare Starlette route that inserts one row into the same database file (the baseline), and
a route that only reads the form and redirects (what this machine's HTTP stack and load generator allow at all).

Phones: `--phones` (100) at once, closed loop. Each phone has its own cookie jar: it opens one rating page (the
server sets its HttpOnly device cookie and the form token), then POSTs `--ratings` ratings, each to a different
window, each with a fresh attempt key, the Origin a browser sends, and its own address in `X-Forwarded-For` (the
bench server trusts loopback as a proxy, as a portal behind nginx does); 80 % good, 20 % 差评 (half with a phone
number). A rating counts as acknowledged when the POST answers 303 to the thank-you page with a receipt.
Windows: `ceil(phones × ratings / --per-window)` of them, each phone rating windows i·R … i·R+R−1 (mod W), so no
window gets more than `--per-window` (default 8, the burst floor) ratings and the burst rule holds none of them; the
number held is read back and printed anyway.

At the end every acknowledged receipt must be in the database under that phone's device; otherwise exit 1.

    python bench/ratings_http.py                       # 100 phones × 30 ratings
    python bench/ratings_http.py --phones 50 --ratings 20 --json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import re
import resource
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

WINDOW_PREFIX = "BENCH-"
ORIGIN_HOST = "127.0.0.1"
RECEIPT_RE = re.compile(r"receipt=([A-Z0-9-]{9})")
TOKEN_RE = re.compile(r'name="form_token" value="([0-9a-f]+)"')


# --- the baseline: a bare Starlette route that inserts one row -----------------------------------------------


def baseline_app():
    """`python -m granian --interface asgi bench.ratings_http:baseline` with BENCH_DATABASE_URL set."""
    import threading

    from sqlalchemy import Column, Integer, MetaData, String, Table, insert
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import RedirectResponse
    from starlette.routing import Route

    from portal.kernel.db import make_engine

    engine = make_engine(os.environ["BENCH_DATABASE_URL"])
    table = Table("bench_baseline", MetaData(), Column("id", Integer, primary_key=True),
                  Column("device", String(64)), Column("level", Integer))
    # The same one-writer-at-a-time rule the portal's write_scope applies on SQLite; PostgreSQL needs none.
    lock = threading.Lock() if engine.dialect.name == "sqlite" else contextlib.nullcontext()

    def store(device: str, level: int) -> int:
        with lock, engine.begin() as conn:
            return conn.execute(insert(table).values(device=device, level=level)).inserted_primary_key[0]

    async def post(request):
        form = await request.form()
        row = await run_in_threadpool(store, request.cookies.get("sd_device", "")[:64], int(form.get("level", 0)))
        return RedirectResponse(f"/done?row={row}", status_code=303)

    async def noop(request):
        await request.form()
        return RedirectResponse("/done", status_code=303)

    return Starlette(routes=[Route("/r/{code}", post, methods=["POST"]),
                             Route("/noop/r/{code}", noop, methods=["POST"])])


if os.environ.get("BENCH_DATABASE_URL"):
    baseline = baseline_app()


# --- servers -------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    url: str
    proc: subprocess.Popen
    log: Path

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def start(target: str, env: dict[str, str], log: Path, workers: int = 1) -> Served:
    """Granian workers; the server's own address is the public origin (the portal refuses POSTs from elsewhere)."""
    port = free_port()
    env = {**env, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "granian", "--interface", "asgi", "--workers", str(workers), "--host", "127.0.0.1",
         "--port", str(port), "--no-ws", target],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/r/none", timeout=2)
            return Served(f"http://127.0.0.1:{port}", proc, log)
        except httpx.HTTPError:
            if proc.poll() is not None:
                raise SystemExit(f"server exited; log: {log}")
            time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"server did not start; log: {log}")


def prepare(data_dir: Path, windows: int, database_url: str | None = None) -> tuple[dict[str, str], str, list[str]]:
    """Migrate a fresh database (a SQLite file in `data_dir`, or the PostgreSQL database given) and add windows."""
    env = {**os.environ, "PORTAL_DATA_DIR": str(data_dir), "PORTAL_SECRET_KEY": secrets.token_urlsafe(32),
           "PORTAL_TRUSTED_PROXIES": "127.0.0.1", "PYTHONPATH": str(ROOT)}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)  # the rating page's path never touches Reflex's state store
    if database_url:
        env["DATABASE_URL"] = database_url
    subprocess.run([sys.executable, "-m", "portal", "migrate"], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    database_url = database_url or f"sqlite:///{data_dir / 'portal.db'}"
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from portal.kernel.db import make_engine
    from portal.regions import services as regions
    from portal.regions.models import RegionLevel, ServiceWindow

    engine = make_engine(database_url)
    codes = [f"{WINDOW_PREFIX}{i:05d}" for i in range(windows)]
    with Session(engine) as session:
        region = regions.add_region(session, "99", "压测省", RegionLevel.PROVINCE, None)
        session.add_all(ServiceWindow(code=code, name=f"压测窗口 {i}", office_name=f"压测办事处 {i % 5}",
                                      region_id=region.id, active=True) for i, code in enumerate(codes))
        key = "INTEGER PRIMARY KEY" if engine.dialect.name == "sqlite" else "SERIAL PRIMARY KEY"
        session.execute(text(f"CREATE TABLE bench_baseline (id {key}, device VARCHAR(64), level INTEGER)"))
        session.commit()
    engine.dispose()
    return env, database_url, codes


# --- phones --------------------------------------------------------------------------------------------------


@dataclass
class Phone:
    index: int
    address: str
    acked: list[tuple[str, int]] = field(default_factory=list)  # (receipt, level)
    latencies: list[float] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    device: str = ""


def plan(phone: int, j: int, ratings: int, codes: list[str]) -> str:
    """Phone i rates windows i·R … i·R+R−1 (mod W): R different windows each, every window ≤ ⌈P·R/W⌉ ratings."""
    return codes[(phone * ratings + j) % len(codes)]


async def run_phones(base: str, codes: list[str], phones: int, ratings: int, *, portal: bool, seed: int,
                     prefix: str = "") -> dict:
    import httpx

    rng = random.Random(seed)
    crowd = [Phone(i, f"10.{i // 250}.{i % 250}.{rng.randint(1, 250)}") for i in range(phones)]
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    origin = base  # the page's own origin, as a browser sends it

    async def one(phone: Phone) -> None:
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60,
                                     headers={"X-Forwarded-For": phone.address}) as client:
            token = ""
            if portal:
                page = await client.get(f"/r/{plan(phone.index, 0, ratings, codes)}")
                token = TOKEN_RE.search(page.text).group(1)
                phone.device = client.cookies.get("sd_device") or ""
            else:
                phone.device = secrets.token_hex(16)
                client.cookies.set("sd_device", phone.device)
            await ready.wait()
            for j in range(ratings):
                code = plan(phone.index, j, ratings, codes)
                bad = rng.random() < 0.2
                level = rng.choice((1, 2)) if bad else rng.choice((3, 4, 5))
                data = {"form_token": token, "attempt": secrets.token_hex(16), "level": str(level),
                        "comment": "排队太久" if bad else ""}
                if bad and rng.random() < 0.5:
                    data["phone"] = f"139{rng.randint(0, 99_999_999):08d}"
                started = time.perf_counter()
                r = await client.post(f"{prefix}/r/{code}", data=data, headers={"Origin": origin})
                phone.latencies.append(time.perf_counter() - started)
                match = RECEIPT_RE.search(r.headers.get("location", "")) if r.status_code == 303 else None
                if portal and match is None:
                    phone.refused.append(f"{r.status_code} {code}")
                elif portal:
                    phone.acked.append((match.group(1), level))
                elif r.status_code == 303:
                    phone.acked.append((r.headers["location"], level))
                else:
                    phone.refused.append(str(r.status_code))

    ready = asyncio.Event()
    tasks = [asyncio.create_task(one(p)) for p in crowd]
    await asyncio.sleep(0)
    while any(not p.device for p in crowd) and not any(t.done() for t in tasks):
        await asyncio.sleep(0.05)
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    ready.set()
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    lat = sorted(x for p in crowd for x in p.latencies)
    acked = sum(len(p.acked) for p in crowd)
    return {
        "phones": crowd, "acked": acked, "refused": sum(len(p.refused) for p in crowd),
        "refusals": [r for p in crowd for r in p.refused][:5], "seconds": elapsed, "per_second": acked / elapsed,
        "p50_ms": 1000 * lat[len(lat) // 2] if lat else 0, "p95_ms": 1000 * lat[int(len(lat) * 0.95)] if lat else 0,
        "p99_ms": 1000 * lat[int(len(lat) * 0.99)] if lat else 0,
        "generator_cpu": (cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime) / elapsed,
    }


def verify(database_url: str, secret: str, phones: list[Phone]) -> dict:
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from portal.kernel.db import make_engine
    from portal.ratings.models import FollowupCase, Rating, RatingStatus
    from portal.ratings.services import keyed_hash

    engine = make_engine(database_url)
    with Session(engine) as s:
        rows = {r.receipt_code: r for r in s.execute(select(Rating.receipt_code, Rating.device_hash, Rating.level))}
        held = s.execute(select(func.count()).select_from(Rating).where(Rating.status == RatingStatus.HELD)).scalar_one()
        cases = s.execute(select(func.count()).select_from(FollowupCase)).scalar_one()
        busiest = s.execute(select(func.count()).select_from(Rating).group_by(Rating.window_id)
                            .order_by(func.count().desc()).limit(1)).scalar() or 0
    engine.dispose()
    missing, wrong = 0, 0
    for phone in phones:
        device = keyed_hash(secret, f"device:{phone.device}")
        for receipt, level in phone.acked:
            row = rows.get(receipt)
            if row is None:
                missing += 1
            elif row.device_hash != device or row.level != level:
                wrong += 1
    bad_acked = sum(1 for p in phones for _r, level in p.acked if level <= 2)
    return {"stored": len(rows), "missing": missing, "wrong": wrong, "held": held, "cases": cases,
            "bad_acked": bad_acked, "busiest_window": busiest}


def baseline_rows(database_url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM bench_baseline")).scalar_one()
    engine.dispose()
    return n


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--phones", type=int, default=100)
    p.add_argument("--ratings", type=int, default=30, help="ratings per phone")
    p.add_argument("--per-window", type=int, default=8, help="most ratings any window gets (burst floor: 8)")
    p.add_argument("--seed", type=int, default=17)
    p.add_argument("--backend", choices=("sqlite", "pg"), default="sqlite",
                   help="pg: a fresh database next to PG_URL (default postgres@127.0.0.1:5432/test), dropped after")
    p.add_argument("--workers", type=int, default=None, help="Granian workers per server (SQLite: 1; pg: 2)")
    p.add_argument("--json", action="store_true")
    a = p.parse_args(argv)
    workers = a.workers or (2 if a.backend == "pg" else 1)
    if a.backend == "sqlite" and workers != 1:
        raise SystemExit("SQLite: one worker (one writer at a time)")
    if not (1 <= a.phones <= 500 and 1 <= a.ratings <= 1000):
        raise SystemExit("--phones 1..500, --ratings 1..1000")
    windows = max(a.ratings, math.ceil(a.phones * a.ratings / a.per_window))
    with tempfile.TemporaryDirectory(prefix="bench-ratings-http-") as tmp, contextlib.ExitStack() as cleanup:
        data_dir = Path(tmp)
        pg_url = None
        if a.backend == "pg":
            from tests.serve import pg_database

            pg_url, drop = pg_database("sd_bench_ratings")
            cleanup.callback(drop)
        env, database_url, codes = prepare(data_dir, windows, pg_url)
        results = {}
        for name, target, portal, prefix in (("http", "bench.ratings_http:baseline", False, "/noop"),
                                             ("baseline", "bench.ratings_http:baseline", False, ""),
                                             ("portal", "portal.api_app:api", True, "")):
            run_env = {**env, "BENCH_DATABASE_URL": database_url}
            server = start(target, run_env, data_dir / f"{name}.log", workers)
            try:
                results[name] = asyncio.run(run_phones(server.url, codes, a.phones, a.ratings, portal=portal,
                                                       seed=a.seed, prefix=prefix))
            finally:
                server.stop()
        check = verify(database_url, env["PORTAL_SECRET_KEY"], results["portal"]["phones"])
        base_stored = baseline_rows(database_url)
    port, base, bare = results["portal"], results["baseline"], results["http"]
    ratio = port["per_second"] / base["per_second"] if base["per_second"] else 0
    out = {
        "phones": a.phones, "ratings_per_phone": a.ratings, "windows": windows, "backend": a.backend,
        "workers": workers,
        "portal": {k: v for k, v in port.items() if k != "phones"},
        "baseline": {k: v for k, v in base.items() if k != "phones"}, "baseline_rows": base_stored,
        "http_only": {k: v for k, v in bare.items() if k != "phones"},
        "ratio": ratio, "check": check, "load_average": os.getloadavg(),
    }
    print(f"\n{a.phones} phones × {a.ratings} ratings, closed loop, over {windows} windows "
          f"(≤ {a.per_window} each); {workers} Granian worker(s) per server, "
          f"{'SQLite (WAL)' if a.backend == 'sqlite' else 'PostgreSQL'}")
    for name, r in (("portal /r/<code> POST", port), ("baseline: bare insert", base),
                    ("HTTP only (no database)", bare)):
        print(f"  {name:<24} {r['per_second']:8.0f}/s   p50 {r['p50_ms']:6.1f} ms   p95 {r['p95_ms']:6.1f} ms   "
              f"p99 {r['p99_ms']:6.1f} ms   acknowledged {r['acked']}, refused {r['refused']} {r['refusals']}")
    print(f"  ratio portal / baseline: {ratio:.2f}   (goal ≥ 0.5; target ≥ 1,000 ratings/s, p95 ≤ 50 ms)")
    print(f"  database: {check['stored']} ratings stored, acknowledged but missing {check['missing']}, "
          f"wrong device/level {check['wrong']}; held {check['held']}; follow-up cases {check['cases']} for "
          f"{check['bad_acked']} acknowledged 差评; busiest window {check['busiest_window']} ratings; "
          f"baseline rows {base_stored}")
    print(f"  load generator CPU: portal phase {port['generator_cpu']:.2f} cores, baseline phase "
          f"{base['generator_cpu']:.2f}; load average {os.getloadavg()[0]:.2f} (2 shared cores: compare the ratio)")
    if a.json:
        print(json.dumps(out, ensure_ascii=False))
    failed = (check["missing"] or check["wrong"] or port["refused"] or base["refused"] or bare["refused"]
              or check["cases"] != check["bad_acked"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
