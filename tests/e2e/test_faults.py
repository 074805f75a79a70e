"""Faults under a rating load, on PostgreSQL + Redis with 2 workers (the production server, `python -m portal serve`).

The phones rate through the HTML rating page (`/r/<code>`, form POSTs on a keep-alive connection each), retrying a
POST whose reply was lost with the same attempt key, as a browser's resubmission of the same form does.

- SIGKILL of one worker in the middle of the load: the other worker keeps its process and keeps serving, the dead one
  is replaced and the replacement accepts new connections on its own (checked with the survivor stopped), the
  phones whose connection died reconnect and finish, every acknowledged rating is in the database, and no retry was
  answered "already rated".
- Redis, then PostgreSQL, stopped and started again mid-run: /api/health answers 503 while one is down and 200 again
  by itself afterwards, the phones carry on, and every acknowledged rating is in the database.

The restarts use a private redis-server and a private PostgreSQL cluster started by this module on free ports (other
test runs share the machine's services), so the module is skipped where their binaries are missing. It runs in the
PostgreSQL part of `scripts/test` (E2E_BACKEND=pg); the SQLite part skips it. Marker: `fault`.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.serve import Server, free_port, running_portal

pytestmark = [pytest.mark.e2e, pytest.mark.fault]

if os.environ.get("E2E_BACKEND", "sqlite") != "pg":
    pytest.skip("fault tests run in the PostgreSQL + Redis part (E2E_BACKEND=pg)", allow_module_level=True)

WINDOWS = 60
PHONES = 8
RATINGS_EACH = 6  # bounded load: 48 ratings per phase
STEP = 90.0  # seconds one rating cycle may take, reconnects and lock expiry included


# ---------------------------------------------------------------------------------------------------------------
# Private Redis and PostgreSQL that this module may stop and start


class PrivateRedis:
    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.dir = root / "redis"
        self.dir.mkdir()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        # Append-only with fsync on every write: state written before a restart is there after it.
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir), "--save", "",
             "--appendonly", "yes", "--appendfsync", "always"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True,
                                          text=True).stdout.strip() == "PONG", 30, "redis did not start")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)


class PrivatePostgres:
    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.bin = Path(shutil.which("initdb")).resolve().parent
        self.dir = root / "pg"
        self.dir.mkdir()
        self.proc: subprocess.Popen | None = None
        # PostgreSQL refuses to run as root: run it as the `postgres` account then.
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            account = pwd.getpwnam(self.user)
            os.chown(root, account.pw_uid, account.pw_gid)
            os.chown(self.dir, account.pw_uid, account.pw_gid)
        subprocess.run(self._as([str(self.bin / "initdb"), "-D", str(self.dir / "data"), "-A", "trust", "-U",
                                 "postgres", "--no-sync", "-E", "UTF8"]), check=True, capture_output=True)

    def _as(self, cmd: list[str]) -> list[str]:
        return ["runuser", "-u", self.user, "--", *cmd] if self.user else cmd

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            self._as([str(self.bin / "postgres"), "-D", str(self.dir / "data"), "-p", str(self.port), "-k",
                      str(self.dir), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def up() -> bool:
            return subprocess.run([str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                                  capture_output=True).returncode == 0

        wait_until(up, 60, "postgres did not start")

    def stop(self) -> None:
        """Fast shutdown: every open connection is cut, as in a crash of the database host."""
        if self.proc is None or self.proc.poll() is not None:
            return
        # The postmaster itself (runuser does not pass signals on): its pid is the first line of postmaster.pid.
        postmaster = int((self.dir / "data" / "postmaster.pid").read_text().split()[0])
        os.kill(postmaster, signal.SIGINT)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            os.kill(postmaster, signal.SIGKILL)
            self.proc.wait(10)


def wait_until(check, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if check():
                return
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.3)
    raise AssertionError(what)


@pytest.fixture(scope="module")
def services() -> Iterator[tuple[PrivateRedis, PrivatePostgres]]:
    missing = [b for b in ("redis-server", "redis-cli", "initdb") if shutil.which(b) is None]
    if missing:
        pytest.skip(f"fault tests need {', '.join(missing)} for a private instance")
    root = Path(tempfile.mkdtemp(prefix="portal-faults-"))
    os.chmod(root, 0o755)
    redis, pg = PrivateRedis(root), PrivatePostgres(root)
    try:
        redis.start()
        pg.start()
        yield redis, pg
    finally:
        redis.stop()
        pg.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def portal(services, tmp_path_factory) -> Iterator[tuple[Server, list[str]]]:
    redis, pg = services
    codes: list[str] = []

    def prepare(server: Server) -> None:
        codes.extend(prepare_windows(server, WINDOWS))

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PG_URL", pg.url)
        mp.setenv("TEST_REDIS_URL", redis.url)
        with running_portal("pg", workers=2, data_dir=tmp_path_factory.mktemp("portal-faults"), label="faults",
                            prepare=prepare, host="127.0.0.1") as server:
            yield server, codes


def prepare_windows(server: Server, n: int) -> list[str]:
    """Windows of their own, so no window gets near the burst floor (each phone rates 6 of 60)."""
    from sqlalchemy.orm import Session

    from portal.kernel.db import make_engine
    from portal.regions import services as regions
    from portal.regions.models import RegionLevel, ServiceWindow

    engine = make_engine(server.database_url)
    codes = [f"FAULT-{i:04d}" for i in range(n)]
    try:
        with Session(engine) as session:
            region = regions.add_region(session, "99", "故障测试省", RegionLevel.PROVINCE, None)
            session.add_all(ServiceWindow(code=code, name=f"测试窗口 {i}", office_name="测试办事处",
                                          region_id=region.id, active=True) for i, code in enumerate(codes))
            session.commit()
    finally:
        engine.dispose()
    return codes


# ---------------------------------------------------------------------------------------------------------------
# Which process serves what


def workers(server: Server) -> set[int]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return {int(pid) for pid in children}


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def serving_pid(phone: "Phone", pids: set[int], server_port: int) -> int | None:
    """The worker holding the server side of this phone's connection (from /proc/net/tcp and the workers' fds)."""
    client_port = phone.local_port
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1], fields[2]
        if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == client_port:
            inode = fields[9]
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    return None


def health(server: Server, timeout: float = 10) -> int:
    try:
        return httpx.get(f"{server.base_url}/api/health", timeout=timeout).status_code
    except httpx.HTTPError:
        return 0


# ---------------------------------------------------------------------------------------------------------------
# Phones that reconnect and retry, as the browser does


class Phone:
    """One phone: its own cookie jar (the HttpOnly device cookie) and one keep-alive connection to the portal."""

    def __init__(self, base_url: str, index: int) -> None:
        self.index = index
        self.client = httpx.AsyncClient(base_url=base_url, timeout=STEP,
                                        limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))
        self.origin = base_url
        self.token = ""
        self.device_id = ""
        self.local_port = 0
        self.acked: list[tuple[str, int]] = []
        self.rejected: list[str] = []

    def _seen(self, response: httpx.Response) -> bool:
        """Note the connection's local port; True when it changed (the phone had to reconnect)."""
        stream = response.extensions.get("network_stream")
        port = stream.get_extra_info("client_addr")[1] if stream is not None else 0
        changed = bool(self.local_port) and port != self.local_port
        self.local_port = port
        return changed

    async def open(self, code: str) -> bool:
        page = await self.client.get(f"/r/{code}")
        page.raise_for_status()
        self.token = re.search(r'name="form_token" value="([0-9a-f]+)"', page.text).group(1)
        self.device_id = self.client.cookies.get("sd_device") or ""
        return self._seen(page)

    async def post(self, code: str, level: int, attempt: str) -> tuple[str, str, bool]:
        """(receipt, refusal, reconnected): one form POST; raises on a lost reply or a server error."""
        r = await self.client.post(f"/r/{code}", headers={"Origin": self.origin}, data={
            "form_token": self.token, "attempt": attempt, "level": str(level), "comment": f"故障测试 {self.index}"})
        reconnected = self._seen(r)
        if r.status_code >= 500:
            raise httpx.HTTPStatusError("server error", request=r.request, response=r)
        found = re.search(r"receipt=([A-Z0-9-]{9})", r.headers.get("location", "")) if r.status_code == 303 else None
        if found:
            return found.group(1), "", reconnected
        alert = re.search(r'id="rating-error">([^<]*)<', r.text)
        return "", f"{r.status_code} {alert.group(1) if alert else ''}", reconnected


class Retrying:
    def __init__(self, phone: Phone) -> None:
        self.phone = phone
        self.reconnects = 0
        self.retries = 0

    async def rate(self, code: str, level: int) -> None:
        """One rating, retried with the same attempt key until it is acknowledged or refused."""
        attempt = secrets.token_hex(16)
        end = time.perf_counter() + 4 * STEP
        while True:
            try:
                receipt, refusal, reconnected = await self.phone.post(code, level, attempt)
            except (httpx.HTTPError, OSError):  # a dropped connection, a lost reply, a 5xx: the same form again
                if time.perf_counter() > end:
                    raise
                self.retries += 1
                await asyncio.sleep(0.5)
                continue
            self.reconnects += reconnected
            if receipt:
                self.phone.acked.append((receipt, level))
            else:
                self.phone.rejected.append(refusal)
            return


async def connect_all(server: Server, codes: list[str], n: int) -> list[Retrying]:
    phones = [Phone(server.base_url, i) for i in range(n)]
    for p in phones:
        await p.open(codes[0])
    return [Retrying(p) for p in phones]


def codes_for(i: int, phase: int, codes: list[str]) -> list[str]:
    return [codes[(phase * 17 + i * RATINGS_EACH + j) % len(codes)] for j in range(RATINGS_EACH)]


async def run_load(clients: list[Retrying], phase: int, codes: list[str], on_half) -> None:
    done = 0
    half = asyncio.Event()

    async def one(c: Retrying) -> None:
        nonlocal done
        for j, code in enumerate(codes_for(c.phone.index, phase, codes)):
            await c.rate(code, (5, 4, 2, 5, 1, 3)[j % 6])
            done += 1
            if done >= len(clients) * RATINGS_EACH // 2:
                half.set()

    async def trigger() -> None:
        await half.wait()
        await asyncio.to_thread(on_half)

    await asyncio.gather(*(one(c) for c in clients), trigger())


def assert_nothing_lost(server: Server, clients: list[Retrying], *, retries_may_be_refused: bool) -> None:
    """Every acknowledged receipt is stored, from that phone's device, with its level; each rating stored once."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from portal.kernel.db import make_engine
    from portal.ratings.models import Rating
    from portal.kernel.hashing import keyed_hash

    secret = (server.data_dir / "secret_key").read_text().strip()
    engine = make_engine(server.database_url)
    try:
        with Session(engine) as session:
            stored = {r.receipt_code: r for r in session.execute(
                select(Rating.receipt_code, Rating.device_hash, Rating.level)).all()}
            per_device = {}
            for r in stored.values():
                per_device.setdefault(r.device_hash, []).append(r.receipt_code)
    finally:
        engine.dispose()
    acked = [(c.phone, code, level) for c in clients for code, level in c.phone.acked]
    assert acked
    assert [code for _, code, _ in acked if code not in stored] == []
    assert [code for phone, code, level in acked
            if (stored[code].device_hash, stored[code].level) != (keyed_hash(secret, f"device:{phone.device_id}"), level)
            ] == []
    if not retries_may_be_refused:
        assert [c.phone.rejected for c in clients if c.phone.rejected] == []
        # No retry stored a second rating: each phone has exactly the ratings it was told about.
        for c in clients:
            mine = sorted(per_device.get(keyed_hash(secret, f"device:{c.phone.device_id}"), []))
            assert mine == sorted(code for code, _ in c.phone.acked)


# ---------------------------------------------------------------------------------------------------------------


def test_a_killed_worker_is_replaced_and_nothing_acknowledged_is_lost(portal):
    server, codes = portal
    port = int(server.base_url.rsplit(":", 1)[1])
    before = workers(server)
    assert len(before) == 2
    state: dict = {}

    async def main() -> list[Retrying]:
        clients = await connect_all(server, codes, PHONES)
        by_worker: dict[int, list[int]] = {}
        for c in clients:
            by_worker.setdefault(serving_pid(c.phone, before, port), []).append(c.phone.index)
        # Kill the worker that serves the most phones, so some phones certainly lose their connection.
        victim = max((pid for pid in by_worker if pid), key=lambda pid: len(by_worker[pid]))
        state.update(victim=victim, survivor=(before - {victim}).pop(), victims=set(by_worker[victim]))

        def kill() -> None:
            os.kill(victim, signal.SIGKILL)
            state["survivor_alive_after_kill"] = alive(state["survivor"])

        await run_load(clients, 0, codes, kill)
        return clients

    clients = asyncio.run(main())
    survivor, victim = state["survivor"], state["victim"]
    assert state["victims"], "no phone was connected to the killed worker"
    # The surviving worker never stopped: the same process, alive right after the kill and now.
    assert state["survivor_alive_after_kill"] and alive(survivor)
    # The dead worker was replaced by a new process under the same supervisor.
    wait_until(lambda: len(workers(server)) == 2 and victim not in workers(server), 60, "no replacement worker")
    replacement = (workers(server) - {survivor}).pop()
    assert replacement != victim and survivor in workers(server)
    # The phones of the dead worker reconnected and carried on to the end; every acknowledged rating is stored, and no
    # retry was refused as "already rated".
    assert all(c.reconnects >= 1 for c in clients if c.phone.index in state["victims"])
    assert all(len(c.phone.acked) == RATINGS_EACH for c in clients)
    assert_nothing_lost(server, clients, retries_may_be_refused=False)

    # New connections reach the replacement: with the survivor stopped, only the replacement can answer.
    os.kill(survivor, signal.SIGSTOP)
    try:
        assert health(server, timeout=120) == 200

        async def fresh() -> list[Retrying]:
            more = await connect_all(server, codes, 2)
            for c in more:
                c.phone.index += 100
                assert serving_pid(c.phone, {replacement}, port) == replacement
                await c.rate(codes[-1 - c.phone.index % 7], 4)
            return more

        more = asyncio.run(fresh())
    finally:
        os.kill(survivor, signal.SIGCONT)
    assert all(len(c.phone.acked) == 1 for c in more)
    assert_nothing_lost(server, clients + more, retries_may_be_refused=False)
    print(f"\nkill: {sum(len(c.phone.acked) for c in clients)} ratings acknowledged, phones on the killed worker "
          f"{sorted(state['victims'])}, reconnects {[c.reconnects for c in clients]}, retries "
          f"{[c.retries for c in clients]}")


def test_redis_and_postgres_restarts_are_reported_and_recovered_from(portal, services):
    server, codes = portal
    redis, pg = services
    seen: dict[str, list[int]] = {}

    def restart(name: str, service) -> None:
        service.stop()
        codes_seen = []
        wait_until(lambda: codes_seen.append(health(server)) or codes_seen[-1] == 503, 60,
                   f"/api/health did not report {name} down")
        time.sleep(2)  # a moment with the service down while the phones keep trying
        service.start()
        wait_until(lambda: codes_seen.append(health(server)) or codes_seen[-1] == 200, 120,
                   f"/api/health did not recover after {name} came back")
        seen[name] = codes_seen

    def restarts() -> None:
        restart("redis", redis)
        restart("postgres", pg)

    async def main() -> list[Retrying]:
        clients = await connect_all(server, codes, PHONES)
        await run_load(clients, 1, codes, restarts)
        return clients

    clients = asyncio.run(main())
    assert 503 in seen["redis"] and seen["redis"][-1] == 200
    assert 503 in seen["postgres"] and seen["postgres"][-1] == 200
    assert all(len(c.phone.acked) + len(c.phone.rejected) == RATINGS_EACH for c in clients)
    # A submit whose reply was lost while Redis was down may meet a tab state from before it, with a fresh attempt
    # key: its retry can be refused by the cool-down, but what was acknowledged is all stored.
    assert_nothing_lost(server, clients, retries_may_be_refused=True)
    assert health(server) == 200
    print(f"\nrestarts: health seen {seen}, acknowledged {sum(len(c.phone.acked) for c in clients)}, refused "
          f"{[c.phone.rejected for c in clients if c.phone.rejected]}, reconnects {[c.reconnects for c in clients]}")
