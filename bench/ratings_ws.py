#!/usr/bin/env python3
"""Ratings over the websocket, the way a phone's browser sends them (issue 3), against a bare-event baseline.

Starts its own production server on loopback (tests/serve.py), once per backend:
  sqlite: SQLite file + disk state manager, 1 worker;  pg: PostgreSQL + Redis state manager, 2 workers.

Each simulated phone is one browser tab with its own token and its own device id. The device id is the `sd_device`
cookie: it goes in the Cookie header of the websocket handshake (as the browser sends it), and — because Reflex
0.10.1 fills rx.Cookie state vars ONLY from the values the frontend JS reads out of document.cookie — also in the
hydrate_and_load payload (`vars`) on connect and in update_vars_internal on every client-side navigation, exactly
like the compiled frontend does. Per rating, closed loop (3 round trips):
  1. navigate to /r/<next window>: update_vars_internal + on_load_internal  ->  RateState.load (reads the window)
  2. RateState.choose(level)                                                  ->  tags for that level
  3. RateState.submit({"comment": ..., "phone": ...})                         ->  receipt code (the acknowledgement)
Baseline, same run, same connections, before the ratings: RateState.choose(level) alone, closed loop (changes state,
touches no database). At the end every acknowledged receipt code must be in the database, stored from the phone's
own device id, or the run fails (exit 1).

Rules that would refuse the load: one rating per device per window per 24 h (each phone rates a different window
each time), and bursts (more than 30 ratings at one window in 10 minutes: held, not refused). The bench spreads the
ratings over enough windows; only when that cannot keep a window under the burst threshold does it raise
`rating.burst_threshold` in the bench database, and it says so.

    python bench/ratings_ws.py --backend both --clients 50 --ratings 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import resource
import secrets
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import websockets  # noqa: E402

from tests.serve import Server, running_portal  # noqa: E402

NS = "/_event"
ROOT_STATE = "reflex___state____state"
SUBPROTOCOL = "0.10.1"  # the Reflex version, sent like the browser does
M = "_rx_state_"  # Reflex's field marker in deltas and client-storage keys
HYDRATE = f"{ROOT_STATE}.hydrate_and_load"
# What the compiled frontend sends on a client-side navigation (reflex_base CompileVars, prefixed by the root state).
UPDATE_VARS = f"{ROOT_STATE}.reflex___state____update_vars_internal_state.update_vars_internal"
ON_LOAD = f"{ROOT_STATE}.reflex___state____on_load_internal_state.on_load_internal"
WINDOW_PREFIX = "BENCH-"
# 80 % good, 20 % 差评 (each opens a follow-up case; every other one leaves a phone for the callback).
LEVELS = (5, 4, 5, 5, 3, 4, 5, 2, 5, 1)
MAX_CLIENTS, MAX_RATINGS = 500, 1000


def rate_state_name() -> str:
    """RateState's full name as the wire spells it (importing the page needs rxconfig.py in the working dir)."""
    try:
        from portal.ratings.pages.rate import RateState

        return RateState.get_full_name()
    except Exception:  # noqa: BLE001 - the name is stable; the run itself proves it right or wrong
        return f"{ROOT_STATE}.portal___ratings___pages___rate____rate_state"


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] * 1000, 1) if xs else float("nan")


def lat_summary(xs: list[float]) -> dict[str, float]:
    return {"p50_ms": pct(xs, 50), "p95_ms": pct(xs, 95), "p99_ms": pct(xs, 99), "max_ms": pct(xs, 100)}


# ---------------------------------------------------------------------------------------------------------------
# One phone


@dataclass
class Phone:
    base_ws: str
    rate_state: str
    index: int
    device_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    token: str = field(default_factory=lambda: str(uuid.uuid4()))
    ws: object = None
    path: str = "/"
    code: str = ""
    level: int = 0  # RateState.level as the server has it
    baseline: list[float] = field(default_factory=list)
    submit_lat: list[float] = field(default_factory=list)
    cycle_lat: list[float] = field(default_factory=list)
    load_lat: list[float] = field(default_factory=list)
    acked: list[tuple[str, int]] = field(default_factory=list)  # (receipt code, level)
    rejected: list[str] = field(default_factory=list)
    error: str | None = None
    frames: int = 0

    @property
    def device_key(self) -> str:
        return f"{self.rate_state}.device_id{M}"

    def router(self) -> dict:
        return {"pathname": self.path, "asPath": self.path, "query": {"code": self.code}}

    async def send(self, name: str, payload: dict) -> None:
        event = {"name": name, "payload": payload, "router_data": self.router()}
        await self.ws.send(f"42{NS}," + json.dumps(["event", event], ensure_ascii=False))

    async def wait_for(self, done, deadline: float) -> dict:
        """Merge state deltas until `done(rate_state_delta, root_delta)` holds; answers Engine.IO pings."""
        mine: dict = {}
        root: dict = {}
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError("no matching reply before the deadline")
            msg = await asyncio.wait_for(self.ws.recv(), left)
            self.frames += 1
            if msg == "2":
                await self.ws.send("3")
                continue
            if msg.startswith(f"44{NS}") or msg[:1] == "1":
                raise RuntimeError(f"refused/closed: {msg[:200]}")
            if not msg.startswith(f"42{NS},"):
                continue
            name, data = json.loads(msg[len(NS) + 3:])
            if name != "event":
                continue
            delta = data.get("delta", {})
            mine.update(delta.get(self.rate_state, {}))
            root.update(delta.get(ROOT_STATE, {}))
            if done(mine, root):
                return mine

    async def connect(self, first_code: str, deadline: float) -> None:
        self.code, self.path = first_code, f"/r/{first_code}"
        url = f"{self.base_ws}{NS}/?EIO=4&transport=websocket&token={self.token}"
        self.ws = await websockets.connect(
            url, subprotocols=[SUBPROTOCOL], additional_headers={"Cookie": f"sd_device={self.device_id}"},
            compression=None, max_size=None, ping_interval=None, open_timeout=60)
        opened = await self.ws.recv()
        assert opened[:1] == "0", opened
        boot = {"name": HYDRATE, "payload": {"vars": {self.device_key: self.device_id}}, "router_data": self.router()}
        await self.ws.send(f"40{NS}," + json.dumps({"event": boot}))
        await self.wait_for(lambda s, r: s.get(f"window_code{M}") == first_code and r.get(f"is_hydrated{M}") is True,
                            deadline)

    async def choose(self, level: int, deadline: float) -> None:
        await self.send(f"{self.rate_state}.choose", {"level": level})
        await self.wait_for(lambda s, r: s.get(f"level{M}") == level, deadline)
        self.level = level

    async def navigate(self, code: str, deadline: float) -> None:
        """Client-side navigation to /r/<code>: what the frontend sends when the route changes."""
        self.code, self.path = code, f"/r/{code}"
        await self.send(UPDATE_VARS, {"vars": {self.device_key: self.device_id}})
        await self.send(ON_LOAD, {})
        state = await self.wait_for(lambda s, r: s.get(f"window_code{M}") == code, deadline)
        self.level = 0  # load resets the form
        if state.get(f"missing{M}"):
            raise RuntimeError(f"window {code} not found by RateState.load")

    async def submit(self, form: dict, deadline: float) -> tuple[str, str]:
        await self.send(f"{self.rate_state}.submit", {"form": form})
        s = await self.wait_for(lambda s, r: bool(s.get(f"receipt_code{M}") or s.get(f"error_key{M}")), deadline)
        return s.get(f"receipt_code{M}", ""), s.get(f"error_key{M}", "")

    async def run_baseline(self, events: int, deadline: float) -> None:
        for _ in range(events):
            level = 5 if self.level == 4 else 4  # every event changes the state, so every event gets a reply
            t0 = time.perf_counter()
            await self.choose(level, deadline)
            self.baseline.append(time.perf_counter() - t0)

    async def run_ratings(self, codes: list[str], deadline: float) -> None:
        for j, code in enumerate(codes):
            level = LEVELS[(self.index + j) % len(LEVELS)]
            form = {"comment": f"压测评价 {self.index}-{j}" if j % 3 == 0 else "",
                    "phone": "139 1234 5678" if level <= 2 and j % 2 == 0 else ""}
            t0 = time.perf_counter()
            await self.navigate(code, deadline)
            self.load_lat.append(time.perf_counter() - t0)
            await self.choose(level, deadline)
            t1 = time.perf_counter()
            receipt, error = await self.submit(form, deadline)
            t2 = time.perf_counter()
            if receipt:
                self.acked.append((receipt, level))
                self.submit_lat.append(t2 - t1)
                self.cycle_lat.append(t2 - t0)
            else:
                self.rejected.append(error)


# ---------------------------------------------------------------------------------------------------------------
# Database side: windows and policy before the server starts, the count check after


def prepare_database(server: Server, windows: int, expected_per_window: int) -> list[str]:
    from sqlalchemy.orm import Session

    from portal.kernel.db import make_engine
    from portal.regions.models import RegionLevel, ServiceWindow
    from portal.kernel import policy
    from portal.regions import services as regions

    engine = make_engine(server.database_url)
    notes = []
    try:
        with Session(engine) as session:
            region = regions.add_region(session, "99", "压测省", RegionLevel.PROVINCE, None)
            for i in range(windows):
                session.add(ServiceWindow(code=f"{WINDOW_PREFIX}{i:04d}", name=f"压测窗口 {i}",
                                          office_name=f"压测办事处 {i % 5}", region_id=region.id, active=True))
            threshold = policy.get_int(session, "rating.burst_threshold")
            if expected_per_window > threshold:
                bench_actor = SimpleNamespace(user_id=None, username="bench")
                policy.set_value(session, bench_actor, "rating.burst_threshold", expected_per_window)
                notes.append(f"policy rating.burst_threshold raised {threshold} -> {expected_per_window} "
                             "in the bench database (audited as 'bench')")
            else:
                notes.append(f"policy unchanged (cool-down {policy.get_int(session, 'rating.cooldown_hours')} h, "
                             f"burst threshold {threshold}/{policy.get_int(session, 'rating.burst_window_minutes')} "
                             f"min): each phone rates distinct windows, <= {expected_per_window} ratings per window")
            session.commit()
    finally:
        engine.dispose()
    return notes


def check_database(server: Server, phones: list[Phone], secret: str) -> dict:
    """Every acknowledged rating must be stored, from that phone's device, with a case for each 差评."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from portal.kernel.db import make_engine
    from portal.ratings.models import FollowupCase, Rating, RatingStatus
    from portal.regions.models import ServiceWindow
    from portal.ratings.services import keyed_hash

    engine = make_engine(server.database_url)
    try:
        with Session(engine) as session:
            rows = session.execute(
                select(Rating.receipt_code, Rating.device_hash, Rating.level, Rating.status)
                .join(ServiceWindow, ServiceWindow.id == Rating.window_id)
                .where(ServiceWindow.code.like(f"{WINDOW_PREFIX}%"))).all()
            cases = session.execute(select(func.count()).select_from(FollowupCase).join(Rating)
                                    .join(ServiceWindow, ServiceWindow.id == Rating.window_id)
                                    .where(ServiceWindow.code.like(f"{WINDOW_PREFIX}%"))).scalar_one()
    finally:
        engine.dispose()
    stored = {r.receipt_code: r for r in rows}
    problems = []
    acked = [(p, code, level) for p in phones for code, level in p.acked]
    missing = [code for _, code, _ in acked if code not in stored]
    if missing:
        problems.append(f"{len(missing)} acknowledged ratings are NOT in the database, e.g. {missing[:5]}")
    wrong_device = [code for p, code, _ in acked if code in stored
                    and stored[code].device_hash != keyed_hash(secret, f"device:{p.device_id}")]
    if wrong_device:
        problems.append(f"{len(wrong_device)} ratings stored under another device than the phone's cookie, "
                        f"e.g. {wrong_device[:5]}")
    wrong_level = [code for _, code, level in acked if code in stored and stored[code].level != level]
    if wrong_level:
        problems.append(f"{len(wrong_level)} ratings stored with another level, e.g. {wrong_level[:5]}")
    bad = sum(1 for _, _, level in acked if level <= 2)
    if cases != bad:
        problems.append(f"{bad} acknowledged bad reviews but {cases} follow-up cases")
    held = sum(1 for r in rows if r.status != RatingStatus.COUNTED)
    unacknowledged = len(set(stored) - {code for _, code, _ in acked})  # e.g. a reply lost to a timeout
    return {"acknowledged": len(acked), "stored": len(rows), "stored_not_acknowledged": unacknowledged,
            "followup_cases": cases, "not_counted": held, "problems": problems}


# ---------------------------------------------------------------------------------------------------------------
# One run against one backend


async def drive(server: Server, a, rate_state: str, codes: list[str]) -> dict:
    base_ws = server.base_url.replace("http://", "ws://")
    phones = [Phone(base_ws, rate_state, i) for i in range(a.clients)]
    deadline = time.perf_counter() + a.max_seconds
    sem = asyncio.Semaphore(a.connect_concurrency)
    w = len(codes)

    async def guarded(phone: Phone, coro) -> None:
        if phone.error:
            return
        try:
            await coro
        except Exception as exc:  # noqa: BLE001 - recorded per phone and reported
            phone.error = f"{type(exc).__name__}: {exc}"[:200]

    async def connect(phone: Phone) -> None:
        async with sem:
            await guarded(phone, phone.connect(codes[phone.index % w], deadline))

    t = time.perf_counter()
    await asyncio.gather(*(connect(p) for p in phones))
    connect_s = time.perf_counter() - t
    # Warm-up (not measured): a few events per tab, so imports, pools and caches are hot on every worker.
    await asyncio.gather(*(guarded(p, p.run_baseline(2, deadline)) for p in phones))
    for p in phones:
        p.baseline.clear()

    async def baseline() -> tuple[float, float, int]:
        """One baseline phase: (wall s, load generator CPU s, events)."""
        before = sum(len(p.baseline) for p in phones)
        r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        await asyncio.gather(*(guarded(p, p.run_baseline(a.baseline_events, deadline)) for p in phones))
        r1 = resource.getrusage(resource.RUSAGE_SELF)
        return (time.perf_counter() - t0, (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime),
                sum(len(p.baseline) for p in phones) - before)

    # Baseline before and after the ratings (a shared machine drifts): the ratio uses both together.
    b1 = await baseline()
    ru1, t = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    # Phone i rates windows i+1 … i+M (mod W): never the same window twice, never the one it is on.
    await asyncio.gather(*(guarded(p, p.run_ratings([codes[(p.index + 1 + j) % w] for j in range(a.ratings)],
                                                    deadline)) for p in phones))
    rate_wall = time.perf_counter() - t
    ru2 = resource.getrusage(resource.RUSAGE_SELF)
    b2 = await baseline()
    base_wall = b1[0] + b2[0]
    await asyncio.gather(*(p.ws.close() for p in phones if p.ws is not None), return_exceptions=True)

    def cpu(r0, r1, wall):
        return round(100 * ((r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)) / wall, 1) if wall else 0

    base_lat = [x for p in phones for x in p.baseline]
    submit_lat = [x for p in phones for x in p.submit_lat]
    cycle_lat = [x for p in phones for x in p.cycle_lat]
    load_lat = [x for p in phones for x in p.load_lat]
    acked = sum(len(p.acked) for p in phones)
    errors = [p.error for p in phones if p.error]
    rejected = [e for p in phones for e in p.rejected]
    base_eps = len(base_lat) / base_wall if base_wall and base_lat else 0.0
    rps = acked / rate_wall if rate_wall and acked else 0.0
    return {
        "phones": phones,
        "connected": sum(1 for p in phones if p.ws is not None and not (p.error or "").startswith("connect")),
        "connect_wall_s": round(connect_s, 2),
        "baseline": {"handler": "RateState.choose", "events": len(base_lat), "wall_s": round(base_wall, 2),
                     "events_per_s": round(base_eps, 1), **lat_summary(base_lat),
                     "before_events_per_s": round(b1[2] / b1[0], 1) if b1[0] else 0,
                     "after_events_per_s": round(b2[2] / b2[0], 1) if b2[0] else 0,
                     "client_cpu_pct": round(100 * (b1[1] + b2[1]) / base_wall, 1) if base_wall else 0},
        "ratings": {"acknowledged": acked, "rejected": len(rejected), "rejected_keys": sorted(set(rejected)),
                    "wall_s": round(rate_wall, 2), "ratings_per_s": round(rps, 1),
                    "round_trips_per_s": round(3 * rps, 1),
                    "submit": lat_summary(submit_lat), "load": lat_summary(load_lat), "cycle": lat_summary(cycle_lat),
                    "client_cpu_pct": cpu(ru1, ru2, rate_wall)},
        "ratio": {"ratings_per_s_vs_baseline_events_per_s": round(rps / base_eps, 3) if base_eps else None,
                  "round_trips_per_s_vs_baseline": round(3 * rps / base_eps, 3) if base_eps else None,
                  "submit_p50_vs_baseline_p50": round(pct(submit_lat, 50) / pct(base_lat, 50), 2)
                  if base_lat and submit_lat else None},
        "errors": len(errors), "first_error": errors[0] if errors else None,
        "machine_load_1min": round(os.getloadavg()[0], 2),  # others' work on a shared machine skews figures
    }


def problems_of(r: dict, a) -> list[str]:
    problems = list(r["database"]["problems"])
    if r["errors"]:
        problems.append(f"{r['errors']} phones failed: {r['first_error']}")
    if r["ratings"]["rejected"]:
        problems.append(f"{r['ratings']['rejected']} ratings rejected: {r['ratings']['rejected_keys']}")
    if r["ratings"]["acknowledged"] != a.clients * a.ratings:
        problems.append(f"only {r['ratings']['acknowledged']} of {a.clients * a.ratings} ratings acknowledged")
    return problems


def run_backend(backend: str, a, rate_state: str) -> dict:
    workers = 1 if backend == "sqlite" else a.pg_workers
    windows = a.windows or max(a.clients, a.ratings + 1)
    if windows < a.ratings + 1:
        raise SystemExit(f"--windows must be at least --ratings + 1 ({a.ratings + 1}) for the cool-down")
    per_window = math.ceil(a.clients * a.ratings / windows) + 1
    codes = [f"{WINDOW_PREFIX}{i:04d}" for i in range(windows)]
    secret = secrets.token_urlsafe(32)
    notes: list[str] = []
    data_dir = Path(tempfile.mkdtemp(prefix=f"portal-bench-{backend}-"))
    t0 = time.perf_counter()
    print(f"[{backend}] migrating, building and starting the production server ({workers} worker(s)) …",
          flush=True)

    def prepare(server: Server) -> None:
        notes.extend(prepare_database(server, windows, per_window))

    result: dict = {"problems": ["did not finish"]}
    try:
        with running_portal(backend, workers, data_dir=data_dir, label="bench", demo=False, prepare=prepare,
                            host="127.0.0.1", extra_env={"PORTAL_SECRET_KEY": secret}) as server:
            assert server.base_url.startswith("http://127.0.0.1:"), "loopback only"
            print(f"[{backend}] up at {server.base_url} after {time.perf_counter() - t0:.0f} s; "
                  f"{a.clients} phones x {a.ratings} ratings over {windows} windows", flush=True)
            for n in notes:
                print(f"[{backend}] {n}", flush=True)
            result = asyncio.run(drive(server, a, rate_state, codes))
            phones = result.pop("phones")
            result["database"] = check_database(server, phones, secret)
            result.update(backend=backend, workers=workers, clients=a.clients, ratings_per_client=a.ratings,
                          windows=windows, notes=notes)
            result["problems"] = problems_of(result, a)
    finally:
        if result["problems"]:
            print(f"[{backend}] server log and data kept in {data_dir}", file=sys.stderr, flush=True)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    return result


def report(r: dict) -> None:
    b, rt, ra, db = r["baseline"], r["ratings"], r["ratio"], r["database"]
    print(f"\n== {r['backend']} ({r['workers']} worker(s)), {r['clients']} phones x {r['ratings_per_client']} ratings,"
          f" {r['windows']} windows; connected {r['connected']} in {r['connect_wall_s']} s;"
          f" machine load average {r['machine_load_1min']} ({os.cpu_count()} CPUs)")
    print(f"  baseline choose(level): {b['events_per_s']:>8} events/s   p50 {b['p50_ms']} ms  p95 {b['p95_ms']} ms  "
          f"p99 {b['p99_ms']} ms   ({b['events']} events, {b['wall_s']} s; before {b['before_events_per_s']}, "
          f"after {b['after_events_per_s']} events/s; load generator CPU {b['client_cpu_pct']} %)")
    print(f"  ratings (load+choose+submit): {rt['ratings_per_s']:>8} ratings/s  ({rt['round_trips_per_s']} round trips/s,"
          f" {rt['acknowledged']} acknowledged, {rt['rejected']} rejected {rt['rejected_keys'] or ''}, {rt['wall_s']} s,"
          f" load generator CPU {rt['client_cpu_pct']} %)")
    print(f"     submit latency  p50 {rt['submit']['p50_ms']} ms  p95 {rt['submit']['p95_ms']} ms  "
          f"p99 {rt['submit']['p99_ms']} ms  max {rt['submit']['max_ms']} ms")
    print(f"     page load       p50 {rt['load']['p50_ms']} ms  p95 {rt['load']['p95_ms']} ms  "
          f"p99 {rt['load']['p99_ms']} ms   (navigation -> RateState.load)")
    print(f"     whole rating    p50 {rt['cycle']['p50_ms']} ms  p95 {rt['cycle']['p95_ms']} ms  "
          f"p99 {rt['cycle']['p99_ms']} ms")
    print(f"  ratio: ratings/s ÷ baseline events/s = {ra['ratings_per_s_vs_baseline_events_per_s']}; "
          f"round trips/s ÷ baseline = {ra['round_trips_per_s_vs_baseline']}; "
          f"submit p50 ÷ choose p50 = {ra['submit_p50_vs_baseline_p50']}")
    print(f"  database: {db['stored']} stored for {db['acknowledged']} acknowledged, {db['followup_cases']} follow-up"
          f" cases, {db['not_counted']} held/excluded; errors: {r['errors']} {r['first_error'] or ''}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--backend", choices=["sqlite", "pg", "both"], default="both")
    p.add_argument("--clients", "-n", type=int, default=50, help="concurrent phones (tabs), each its own device")
    p.add_argument("--ratings", "-m", type=int, default=20, help="ratings per phone")
    p.add_argument("--baseline-events", type=int, default=None, help="choose() events per phone (default: --ratings)")
    p.add_argument("--windows", type=int, default=0, help="bench windows (default: max(clients, ratings + 1))")
    p.add_argument("--pg-workers", type=int, default=2)
    p.add_argument("--connect-concurrency", type=int, default=25)
    p.add_argument("--max-seconds", type=float, default=300, help="hard bound for the load of one backend")
    p.add_argument("--json", action="store_true", help="also print each result as one JSON line")
    a = p.parse_args(argv)
    if not (1 <= a.clients <= MAX_CLIENTS and 1 <= a.ratings <= MAX_RATINGS):
        p.error(f"--clients 1..{MAX_CLIENTS}, --ratings 1..{MAX_RATINGS}")
    a.baseline_events = a.baseline_events or a.ratings
    rate_state = rate_state_name()
    results = [run_backend(b, a, rate_state) for b in (["sqlite", "pg"] if a.backend == "both" else [a.backend])]
    failed = False
    for r in results:
        report(r)
        if a.json:
            print(json.dumps(r, ensure_ascii=False))
        if r["problems"]:
            failed = True
            print(f"\n!!! {r['backend']}: FAILED\n" + "\n".join(f"!!!   {x}" for x in r["problems"]), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
