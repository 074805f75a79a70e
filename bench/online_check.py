"""The online check of one case at acceptance (issue 12: p95 ≤ 200 ms), against loopback departments, on a register of
realistic size.

    python bench/online_check.py                          # 100,000 register households, 200 cases, SQLite
    python bench/online_check.py --households 300000 --cases 300
    python bench/online_check.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test   # a fresh db next to it

What it builds (in a temporary directory, never `data/`): a region tree, the comparison rules in force for the
county (deposits, income, dead, duplicate), a recipient register of N active households (2–4 members each, real
GB 11643 ID numbers and the register's keyed hash, bulk-inserted), and C submitted cases with a grant and a pending
online check. Every tenth case lists a member already in a register household (the duplicate rule's index probes
find it), every fifth has a deposit over the limit. Two departments (deposits and income) answer DCI searches from
their records on loopback: real HTTP servers (uvicorn, in this process, each on its own thread), the same test double
the connector tests use.

What it measures, in the same run:
- baseline: the departments' round trip alone, both asked at once for a case's members
  (`connector.AsyncDepartment.records_of`, as the check asks them);
- the whole check: `verification.services.check_case_online` from the pending check to the stored findings: the
  circuit claims, both searches, validating the answers like a file, recording each search as a pull, the
  comparison over a one-case snapshot (DuckDB, with the register's duplicate probes), the findings and the audit rows.
Prints p50 / p95 / max of each, and exits 1 unless every check ended `done` with the planted findings.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ASSET_LIMIT_FEN = 20_000_00  # per member


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered))) - 1))]


class Statements:
    """Per-statement timing of the checks (SQLAlchemy's cursor events: from sending a statement to its result) and
    the connections they check out of the pool and open."""

    def __init__(self, engine) -> None:
        from sqlalchemy import event

        self.on = False
        self.by: dict[str, list[float]] = {}
        self.checkouts = self.connects = 0

        @event.listens_for(engine, "before_cursor_execute")
        def before(conn, cursor, statement, parameters, context, executemany):
            conn.info["bench_t"] = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def after(conn, cursor, statement, parameters, context, executemany):
            if self.on:
                key = " ".join(statement.split())[:110]
                self.by.setdefault(key, []).append((time.perf_counter() - conn.info.pop("bench_t")) * 1000)

        @event.listens_for(engine, "checkout")
        def checkout(*_a):
            self.checkouts += self.on

        @event.listens_for(engine, "connect")
        def connect(*_a):
            self.connects += self.on

    def report(self, checks: int, mean_ms: float) -> None:
        total = sum(sum(v) for v in self.by.values())
        print(f"per check: {sum(len(v) for v in self.by.values()) / checks:.1f} statements, "
              f"{total / checks:.1f} ms in them of {mean_ms:.1f} ms mean; {self.checkouts / checks:.1f} pool "
              f"checkouts, {self.connects} new connections in all")
        print(f"{'ms/check':>9} {'count':>6} {'mean':>7}  statement")
        for key, v in sorted(self.by.items(), key=lambda kv: -sum(kv[1]))[:15]:
            print(f"{sum(v) / checks:9.2f} {len(v):6d} {statistics.mean(v):7.2f}  {key}")


def probes(engine, cases: list[tuple[str, list[str]]]) -> None:
    """The duplicate rule's look-up of a case's members in the register, timed both ways on the same tables and
    cases: the one join it used to be (the baseline) and `CaseSnapshot.others` (members by the keyed-hash index, then
    their households by primary key)."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from portal.applications.models import Application
    from portal.register.models import STATUS_ACTIVE, Household, Member
    from portal.verification import contract

    joined, lookups = [], []
    with Session(engine) as s:
        for number, people in cases:
            t = time.perf_counter()
            a = s.execute(select(Household.code, Household.region_path, Member.id_hash)
                          .join(Member, Member.household_id == Household.id)
                          .where(Member.id_hash.in_(people), Household.status == STATUS_ACTIVE,
                                 Household.code != number)).all()
            joined.append((time.perf_counter() - t) * 1000)
            app = s.execute(select(Application).where(Application.number == number)).scalar_one()
            t = time.perf_counter()
            b = contract.CaseSnapshot(s, app, "").others(people)
            lookups.append((time.perf_counter() - t) * 1000)
            assert sorted(map(tuple, a)) == sorted(b), number
    for label, values in (("register probe: one join (baseline)", joined), ("register probe: two look-ups", lookups)):
        print(f"{label:34} {statistics.median(values):7.2f}ms {pct(values, 95):7.2f}ms {max(values):7.2f}ms")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=100_000)
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument("--database-url", default="", help="a PostgreSQL server: a fresh database is made next to it")
    ap.add_argument("--profile", action="store_true",
                    help="also print where a check's time goes: SQL statements (count, total, per check), connections")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-online-"))
    key = "bench-online-check-key"
    os.environ.update(PORTAL_DATA_DIR=str(work / "data"), PORTAL_SECRET_KEY=key, PORTAL_DEPT_RETRIES="0",
                      PORTAL_DEPT_TIMEOUT_S="5")
    drop = None
    if args.database_url:
        os.environ["PG_URL"] = args.database_url
        from tests.serve import pg_database

        url, drop = pg_database("sd_bench_online")
    else:
        url = f"sqlite:///{work / 'bench.db'}"
    try:
        return run(args, url, key)
    finally:
        if drop is not None:
            drop()


def run(args, url: str, key: str) -> int:
    from sqlalchemy import func, insert, select
    from sqlalchemy.orm import Session

    from portal.applications.models import Application
    from portal.kernel.db import make_engine
    from portal.register import rules as id_rules
    from portal.register.models import Household, Member
    from portal.schema import Base
    from portal.verification import connector as dc
    from portal.verification import services as vs
    from portal.verification.models import Finding, OnlineCheck
    from tests import factories
    from tests.unit.verification.department import Behaviour, Server
    from tests.unit.verification.world import session_factory

    engine = make_engine(url)
    Base.metadata.create_all(engine)
    stats = Statements(engine) if args.profile else None
    sf = session_factory(engine)
    rnd = random.Random(12)
    serial = iter(range(1, 10**9))

    def person() -> tuple[str, str]:
        n = next(serial)
        born = date(1940, 1, 1).toordinal() + n // 1000  # with the serial below: every number distinct
        d = date.fromordinal(born)
        number = id_rules.make_number(f"130102{d:%Y%m%d}{n % 1000:03d}")
        return number, id_rules.id_hash(key, number)

    t0 = time.perf_counter()
    with sf() as s:
        tree = factories.region_tree(s)
        county = tree.counties[0]
        villages = [v for t in tree.townships[county.code] for v in tree.villages[t.code]]
        for rule, params in (("deposits", {"asset_limit_per_member_fen": ASSET_LIMIT_FEN}),
                             ("income", {"tolerance_fen": 100_00}), ("dead", {}), ("duplicate", {})):
            vs.add_rule(s, "bench", county.path, county.id, rule, params, date(2026, 1, 1), "冀民〔2026〕7号")
    # The register: households and members in bulk (Core inserts, 20,000 rows a statement).
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    register_people: list[str] = []
    hh_rows, mem_rows = [], []
    for i in range(args.households):
        v = villages[i % len(villages)]
        hh_rows.append({"id": i + 1, "code": f"R{i + 1:09d}", "village_id": v.id, "region_path": v.path,
                        "head_name": "户主", "monthly_amount_fen": 600_00, "started_on": date(2025, 1, 1),
                        "status": "active", "created_at": now, "updated_at": now})
        for j in range(2 + i % 3):
            number, h = person()
            if j == 0 and len(register_people) < args.cases:
                register_people.append(number)
            mem_rows.append({"household_id": i + 1, "name": "成员", "relation": "head" if j == 0 else "child",
                             "id_number": number, "id_hash": h, "birth_date": date(1980, 1, 1), "sex": "M",
                             "created_at": now})
    with engine.begin() as conn:
        for table, rows in ((Household.__table__, hh_rows), (Member.__table__, mem_rows)):
            for k in range(0, len(rows), 20_000):
                conn.execute(insert(table), rows[k:k + 20_000])
    members_total = len(mem_rows)
    del hh_rows, mem_rows
    t_register = time.perf_counter() - t0

    # Departments on loopback, with the cases' records.
    deposits, income = Behaviour(), Behaviour()
    cases: list[tuple[str, list[str]]] = []
    planted = {"deposits": 0, "duplicate": 0}
    with sf() as s:
        for c in range(args.cases):
            members = [person() for _ in range(2 + c % 3)]
            if c % 10 == 0:  # a member already in a register household
                number = register_people[c]
                members[-1] = (number, id_rules.id_hash(key, number))
                planted["duplicate"] += 1
            answers = {"residence": "urban", "members": [
                {"name": f"成员{j}", "relationship": "applicant" if j == 0 else "child", "age": 40 if j == 0 else 10,
                 "incomes": {"wage": 800_00} if j == 0 else {}, "id_number": n} for j, (n, _h) in enumerate(members)],
                "assets": {"deposits": 1_000_00, "vehicles": 0, "houses": 1}}
            v = villages[c % len(villages)]
            app = Application(number=f"B{c:011d}", secret_hash="x" * 64, status="investigating", village_id=v.id,
                              region_path=v.path, applicant_name="申请人", answers=answers,
                              submitted_at=now, assessed_on=date(2026, 3, 2))
            s.add(app)
            s.flush()
            vs.record_grant(s, "bench", app.number, app.id, date(2026, 3, 2), 1)
            s.add(OnlineCheck(application_id=app.id, status="pending", online=["deposits", "income"], waiting_on={},
                              attempts=0))
            head = members[0][1]
            over = c % 5 == 0
            if over:
                planted["deposits"] += 1
            deposits.records[head] = [{"id_hash": head, "account_ref": f"ACC-{c}", "asset_type": "deposit",
                                       "balance_yuan": str((ASSET_LIMIT_FEN * len(members) // 100) + 1 if over
                                                           else 3000)}]
            income.records[head] = [{"id_hash": head, "payer_ref": f"TAX-{c}", "income_kind": "wage",
                                     "monthly_yuan": "800"}]
            cases.append((app.number, [h for _n, h in members]))
    t_cases = time.perf_counter() - t0 - t_register

    breaker = dc.BreakerConfig(failures=1000, open_s=300)
    with Server(deposits) as deposits_url, Server(income) as income_url:
        configs = {"deposits": dc.DepartmentConfig.from_env("deposits", {**os.environ,
                                                                         "PORTAL_DEPT_DEPOSITS_URL": deposits_url}),
                   "income": dc.DepartmentConfig.from_env("income", {**os.environ,
                                                                     "PORTAL_DEPT_INCOME_URL": income_url})}

        async def round_trip(people: list[str]) -> None:
            async def one(cfg):
                dept = dc.AsyncDepartment(cfg)
                try:
                    await dept.records_of(uuid.uuid4().hex, people)
                finally:
                    await dept.aclose()
            await asyncio.gather(*(one(cfg) for cfg in configs.values()))

        async def measure() -> tuple[list[float], list[float], list[str]]:
            base, whole, statuses = [], [], []
            for _ in range(5):  # warm-up: imports, the first connection, DuckDB's first load
                await round_trip(cases[0][1])
            for number, people in cases:
                t = time.perf_counter()
                await round_trip(people)
                base.append((time.perf_counter() - t) * 1000)
                if stats is not None:
                    stats.on = True
                t = time.perf_counter()
                statuses.append(await vs.check_case_online(number, "bench", configs=configs, breaker=breaker,
                                                           session_factory=sf, on=date(2026, 3, 3)))
                whole.append((time.perf_counter() - t) * 1000)
                if stats is not None:
                    stats.on = False
            return base, whole, statuses

        base, whole, statuses = asyncio.run(measure())

    with Session(engine) as s:
        found = dict(s.execute(select(Finding.rule, func.count()).where(Finding.scope == "case")
                               .group_by(Finding.rule)).all())
        households = s.scalar(select(func.count()).select_from(Household))
    engine.dispose()
    print(f"backend {engine.dialect.name} · register {households:,} households, {members_total:,} members "
          f"(built in {t_register:.1f} s) · {len(cases)} cases (set up in {t_cases:.1f} s)")
    print(f"{'':34} {'p50':>8} {'p95':>8} {'max':>8}")
    for label, values in (("department round trip (baseline)", base), ("whole online check", whole)):
        print(f"{label:34} {statistics.median(values):7.1f}ms {pct(values, 95):7.1f}ms {max(values):7.1f}ms")
    print(f"goal: p95 ≤ 200 ms → {'met' if pct(whole, 95) <= 200 else 'NOT met'}")
    print(f"findings {found} · planted {planted}")
    if stats is not None:
        stats.report(len(cases), statistics.mean(whole))
        probes(engine, cases)
    ok = (statuses.count("done") == len(cases) and found.get("deposits", 0) == planted["deposits"]
          and found.get("duplicate", 0) == planted["duplicate"])
    if not ok:
        print(f"FAILED: statuses {set(statuses)}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
