"""The monitoring board at province scale: generate a year of a province's acts into SQLite (or PostgreSQL), then
time the board.

    .venv/bin/python bench/monitor_scale.py                 # full scale (see SCALE below), a few minutes to generate
    .venv/bin/python bench/monitor_scale.py --scale 0.1     # a tenth, for a quick look
    .venv/bin/python bench/monitor_scale.py --db /tmp/m.db --keep   # reuse a generated file on the next run
    .venv/bin/python bench/monitor_scale.py --pg --keep      # PostgreSQL (database sd_monitor_bench next to PG_URL's)

Volume at --scale 1 (Hebei, the province of the source article: 11 cities, ~170 counties, ~2,200 townships,
~49,000 villages, 2.91 million recipients): 300,000 applications in the year with 8 steps each (2.4 million
steps; 3 % of the year's last month still open, part of them overdue), 3.3 million audit rows spread over the year
(the acts those steps, reports, follow-ups and register changes write), 60,000 reports, 150,000 差评 follow-up
cases, 400 evaluation rounds with 12,000 assignments, 3,000 monitoring items. The register's 2.91 million
recipients are not generated: no board query reads the register (bench/roster_scale.py times that table).
Audit rows carry placeholder hashes: the board reads the rows, it never walks the chain.

What is timed (each query `--repeat` times, p50 / p95 / max, on a warm cache): the whole board (overdue by office,
open hits by rule, last 24 h of acts, 8 weeks of trend) for the province, one city and one county; the drill-down
behind the largest overdue number and behind the hits; the public power list's monthly figures for the province.
Baseline in the same run: one week of the province's acts counted with the power list's actions in the WHERE (the
board's statement before it kept them out: SQLite then walks the action index over the whole log), beside the same
week as the board counts it now. `--annual` also times the annual report's figures (annual.services.figures, one grouped pass) for a
county, a city and the province on the same year of cases, reports and follow-ups, each beside the per-county
statements it replaced (tests/unit/annual/reference.py; the figures must agree) (the register and payments half
of that report is bench/payments_scale.py's). Figures are recorded in bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, insert, inspect, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from portal.schema import Base  # noqa: E402
from portal.annual import rules as annual_rules  # noqa: E402
from portal.annual import services as annual  # noqa: E402
from portal.applications.models import Application, ApplicationStep  # noqa: E402
from portal.evaluations.models import EvaluationAssignment, EvaluationRound, EvaluationTarget  # noqa: E402
from portal.kernel.audit_models import AuditEntry  # noqa: E402
from portal.ratings.models import FollowupCase  # noqa: E402
from portal.regions.models import Region, ServiceWindow  # noqa: E402
from portal.reports.models import Report  # noqa: E402
from portal.supervision import queries, rules  # noqa: E402
from portal.supervision.models import MonitoringItem  # noqa: E402
from tests.unit.annual import reference  # noqa: E402

CITIES, COUNTIES_PER_CITY, TOWNSHIPS_PER_COUNTY, VILLAGES_PER_TOWNSHIP = 11, 16, 13, 22
APPLICATIONS, AUDIT_ROWS, REPORTS, FOLLOWUPS, ROUNDS, ITEMS = 300_000, 3_300_000, 60_000, 150_000, 400, 3_000
STEP_KINDS = ["accept", "home_survey", "cross_check", "preliminary", "publicity", "county_decision", "notice",
              "county_visit"]
CHUNK = 50_000
PG_DB = "sd_monitor_bench"


def regions(conn) -> dict[str, list[tuple[int, str, str]]]:
    """Insert the tree; returns level -> [(id, code, path)]."""
    out: dict[str, list] = {k: [] for k in ("province", "city", "county", "township", "village")}
    rows, next_id = [], [1]

    def add(code, level, parent_id, path):
        rid = next_id[0]
        next_id[0] += 1
        rows.append({"id": rid, "code": code, "name": f"{level}-{code}", "level": level.upper(),
                     "parent_id": parent_id, "path": path, "name_mask_style": "middle"})
        out[level].append((rid, code, path))
        return rid

    p = add("13", "province", None, "/13/")
    for c in range(1, CITIES + 1):
        cc = f"13{c:02d}"
        cid = add(cc, "city", p, f"/13/{cc}/")
        for k in range(1, COUNTIES_PER_CITY + 1):
            kc = f"{cc}{k:02d}"
            kid = add(kc, "county", cid, f"/13/{cc}/{kc}/")
            for t in range(1, TOWNSHIPS_PER_COUNTY + 1):
                tc = f"{kc}{t:03d}"
                tid = add(tc, "township", kid, f"/13/{cc}/{kc}/{tc}/")
                for v in range(1, VILLAGES_PER_TOWNSHIP + 1):
                    vc = f"{tc}{v:03d}"
                    add(vc, "village", tid, f"/13/{cc}/{kc}/{tc}/{vc}/")
    for i in range(0, len(rows), CHUNK):
        conn.execute(insert(Region), rows[i:i + CHUNK])
    return out


def generate(url: str, scale: float, now: datetime, seed: int = 20261205) -> None:
    rnd = random.Random(seed)
    engine = create_engine(url)  # no foreign-key pragma: follow-ups point at ratings this bench does not make
    Base.metadata.create_all(engine)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":  # the same: foreign-key triggers off for this transaction
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        tree = regions(conn)
        villages, townships, counties = tree["village"], tree["township"], tree["county"]
        by_code = {c: (i, p) for lvl in tree.values() for i, c, p in lvl}
        windows = [{"id": n + 1, "code": f"HB-{n:05d}", "name": "w", "office_name": f"office-{t[1]}",
                    "region_id": t[0], "active": True} for n, t in enumerate(townships)]
        conn.execute(insert(ServiceWindow), windows)
        n_apps = int(APPLICATIONS * scale)
        today = now.date()
        apps, steps = [], []
        step_id = 0
        for a in range(1, n_apps + 1):
            vid, vcode, vpath = villages[rnd.randrange(len(villages))]
            tcode = vcode[:9]
            kcode = vcode[:6]
            started = today - timedelta(days=rnd.randrange(365))
            open_case = started > today - timedelta(days=30) and rnd.random() < 0.3
            apps.append({"id": a, "number": f"B{a:09d}", "secret_hash": "x", "status": "investigating" if open_case
                         else "approved", "village_id": vid, "region_path": vpath, "applicant_name": "",
                         "answers": {}, "related_to_staff": False, "extended": False,
                         "created_at": now, "updated_at": now})
            for k, kind in enumerate(STEP_KINDS):
                step_id += 1
                day = started + timedelta(days=k * 3)
                due = day + timedelta(days=5)
                office = by_code[kcode if kind in ("county_decision", "notice", "county_visit") else tcode][0]
                is_open = open_case and k >= 3
                done = None if is_open else datetime.combine(day + timedelta(days=rnd.randrange(7)),
                                                             datetime.min.time(), tzinfo=timezone.utc)
                steps.append({"id": step_id, "application_id": a, "kind": kind, "state": "open" if is_open else "done",
                              "office_region_id": office, "started_on": day, "due_on": due, "started_at": now,
                              "done_at": done})
            if len(steps) >= CHUNK:
                conn.execute(insert(Application), apps)
                conn.execute(insert(ApplicationStep), steps)
                apps, steps = [], []
        if apps:
            conn.execute(insert(Application), apps)
            conn.execute(insert(ApplicationStep), steps)
        print(f"  applications {n_apps:,} and steps {step_id:,}: {time.perf_counter() - t0:.0f} s", flush=True)
        actions = list(rules.POWER_OF_ACTION)
        n_audit = int(AUDIT_ROWS * scale)
        rows = []
        # In the order the log is written (ids and times rising together), so a week's acts lie together on disk
        # as they do in a real log; drawn at random the week's rows spread over every page of the table.
        moments = sorted(now - timedelta(seconds=rnd.randrange(365 * 86400)) for _ in range(n_audit))
        for i, at in enumerate(moments, start=1):
            _, vcode, _ = villages[rnd.randrange(len(villages))]
            rows.append({"id": i, "at": at, "actor_id": rnd.randrange(1, 20_000), "actor": "bench",
                         "action": actions[rnd.randrange(len(actions))], "target_type": "application",
                         "target_id": f"B{rnd.randrange(1, n_apps + 1):09d}", "region_code": vcode,
                         "before": None, "after": None, "prev_hash": "0", "hash": f"{i:064d}"})
            if len(rows) >= CHUNK:
                conn.execute(insert(AuditEntry), rows)
                rows = []
        if rows:
            conn.execute(insert(AuditEntry), rows)
        print(f"  audit rows {n_audit:,}: {time.perf_counter() - t0:.0f} s", flush=True)
        reps = []
        for r in range(1, int(REPORTS * scale) + 1):
            vid, vcode, vpath = villages[rnd.randrange(len(villages))]
            kid, kpath = by_code[vcode[:6]]
            created = now - timedelta(days=rnd.randrange(365))
            concluded = rnd.random() < 0.9
            reps.append({"id": r, "receipt_code": f"{r:016d}", "secret_hash": "x", "category": "FRAUD",
                         "subject": "s", "subject_key": "s", "about_staff": False, "description": "d",
                         "region_id": vid, "handler_region_id": kid, "handler_path": kpath, "anonymous": True,
                         "status": "CONCLUDED" if concluded else "ACKNOWLEDGED",
                         "acknowledge_due": created.date() + timedelta(days=7),
                         "conclude_due": created.date() + timedelta(days=60),
                         "acknowledged_at": created + timedelta(days=2), "device_hash": "d", "client_hash": "c",
                         "created_at": created, "concluded_at": created + timedelta(days=30) if concluded else None})
        conn.execute(insert(Report), reps)
        cases = []
        for c in range(1, int(FOLLOWUPS * scale) + 1):
            opened = now - timedelta(days=rnd.randrange(365))
            closed = rnd.random() < 0.95
            cases.append({"id": c, "rating_id": c, "window_id": rnd.randrange(1, len(windows) + 1),
                          "status": "CLOSED" if closed else "OPEN", "opened_at": opened,
                          "resolve_due": opened.date() + timedelta(days=7),
                          "answered_at": opened + timedelta(days=3) if closed else None,
                          "closed_at": opened + timedelta(days=4) if closed else None})
            if len(cases) >= CHUNK:
                conn.execute(insert(FollowupCase), cases)
                cases = []
        if cases:
            conn.execute(insert(FollowupCase), cases)
        aid = 0
        for r in range(1, ROUNDS + 1):
            kid, _, kpath = counties[rnd.randrange(len(counties))]
            due = today - timedelta(days=rnd.randrange(-30, 200))
            conn.execute(insert(EvaluationRound), [{"id": r, "title": f"round {r}", "region_id": kid,
                                                    "period_start": due - timedelta(days=180), "period_end": due,
                                                    "due_on": due, "criteria": [], "status": "OPEN" if due >= today
                                                    - timedelta(days=20) else "CLOSED", "opened_at": now}])
            conn.execute(insert(EvaluationTarget), [{"id": r, "round_id": r, "kind": "office", "key": f"o:{r}",
                                                     "office_name": f"office {r}", "region_id": kid}])
            assigns = []
            for _ in range(30):
                aid += 1
                assigns.append({"id": aid, "round_id": r, "target_id": r, "supervisor_id": aid,
                                "status": "ASSIGNED" if rnd.random() < 0.2 else "SUBMITTED", "assigned_at": now,
                                "scores": {}, "comments": {}, "photos": [], "updated_at": now})
            conn.execute(insert(EvaluationAssignment), assigns)
        items = []
        for i in range(1, int(ITEMS * scale) + 1):
            kid, kcode, kpath = counties[rnd.randrange(len(counties))]
            opened = now - timedelta(days=rnd.randrange(120))
            items.append({"id": i, "rule": rules.RISK_RULES[rnd.randrange(len(rules.RISK_RULES))].key,
                          "subject": f"s{i}", "region_id": kid, "region_path": kpath,
                          "review_path": kpath.rsplit("/", 2)[0] + "/", "about_user_ids": [], "evidence": [i],
                          "facts": {}, "opened_at": opened, "due_on": opened.date() + timedelta(days=7),
                          "status": "open" if rnd.random() < 0.4 else "closed"})
        conn.execute(insert(MonitoringItem), items)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        # PostgreSQL: what autovacuum does after a bulk load (statistics, and the visibility map that lets the
        # board's counts be read from the indexes alone); SQLite: statistics.
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))
    engine.dispose()
    print(f"  generated in {time.perf_counter() - t0:.0f} s", flush=True)


def timed(fn, repeat: int) -> tuple[float, float, float]:
    fn()  # warm the cache
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return statistics.median(samples), p95, samples[-1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--db", default="/tmp/monitor_scale.db")
    ap.add_argument("--keep", action="store_true", help="reuse --db when it exists; keep it afterwards")
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--annual", action="store_true", help="also time the annual report's figures on the same data")
    ap.add_argument("--pg", action="store_true", help="generate into and time PostgreSQL instead of SQLite")
    ap.add_argument("--pg-url", default=os.environ.get("PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
                    help="a server's URL; the bench uses its own database on that server")
    args = ap.parse_args()
    now = datetime(2026, 12, 5, 4, 0, tzinfo=timezone.utc)
    if args.pg:
        admin = create_engine(args.pg_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": PG_DB}).first()
            fresh = not (args.keep and exists)
            if fresh:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
                conn.execute(text(f'CREATE DATABASE "{PG_DB}"'))
        url = make_url(args.pg_url).set(database=PG_DB).render_as_string(hide_password=False)
        where = f"PostgreSQL database {PG_DB}"
    else:
        path = Path(args.db)
        fresh = not (args.keep and path.exists())
        if fresh:
            path.unlink(missing_ok=True)
        url, where = f"sqlite:///{path}", str(path)
    if fresh:
        print(f"generating at scale {args.scale} into {where} …", flush=True)
        generate(url, args.scale, now)
    engine = create_engine(url)
    if args.keep:  # a kept database may predate the model's indexes: make the audit log's and the steps' match it
        for index in AuditEntry.__table__.indexes:
            index.drop(engine, checkfirst=True)
            index.create(engine)
        existing = {i["name"] for i in inspect(engine).get_indexes(ApplicationStep.__tablename__)}
        wanted = {index.name: index for index in ApplicationStep.__table__.indexes}
        with engine.begin() as conn:
            for name in existing - set(wanted):  # one the model no longer has (a kept database of an older run)
                conn.execute(text(f"DROP INDEX {name}"))
        for name, index in wanted.items():
            if name not in existing:
                index.create(engine)
    with engine.connect() as conn:
        size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one() if args.pg \
            else Path(args.db).stat().st_size
    print(f"{engine.dialect.name}: {where}, {size / 1e9:.2f} GB")
    results = []
    with Session(engine) as session:
        counts = {t: session.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in (
            "region", "application", "application_step", "audit_entry", "report", "followup_case",
            "evaluation_assignment", "supervision_item")}
        print("  " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        province = session.execute(select(Region).where(Region.code == "13")).scalar_one()
        city = session.execute(select(Region).where(Region.code == "1301")).scalar_one()
        county = session.execute(select(Region).where(Region.code == "130101")).scalar_one()
        for label, region in (("board, province", province), ("board, city", city), ("board, county", county)):
            results.append((label, *timed(lambda r=region: queries.board(session, r, now), args.repeat)))
        board = queries.board(session, province, now)
        biggest = board.overdue[0]
        results.append((f"drill, overdue {biggest.kind} of one office, province",
                        *timed(lambda: queries.drill(session, province, biggest.kind, str(biggest.office_id), now),
                               args.repeat)))
        rule = board.hits[0][0]
        results.append(("drill, open hits of one rule, province",
                        *timed(lambda: queries.drill(session, province, "rule", rule, now), args.repeat)))
        results.append(("drill, last 24 h of one power, province",
                        *timed(lambda: queries.drill(session, province, "power", "dibao.investigate", now),
                               args.repeat)))
        results.append(("power list figures, province, this month",
                        *timed(lambda: queries.power_figures(session, province.path, now.date()), max(3, args.repeat // 4))))
        results.append(("power list figures, one county, this month",
                        *timed(lambda: queries.power_figures(session, county.path, now.date()), args.repeat)))
    with Session(engine) as session:
        # The statement the board ran before its acts were counted per action with the list kept out of the WHERE.
        start = now - timedelta(days=7)
        before = select(AuditEntry.action, func.count()).where(
            AuditEntry.at >= start, AuditEntry.at < now, AuditEntry.region_code.is_not(None),
            AuditEntry.action.in_(tuple(rules.POWER_OF_ACTION))).group_by(AuditEntry.action)
        now_stmt = queries._acts_between(session, "/13/", start, now)
        results.append(("one week of acts, province (the board runs 9 such counts)",
                        *timed(lambda: session.execute(now_stmt).all(), args.repeat)))
        results.append(("BASELINE the same week, action list in the WHERE (before)",
                        *timed(lambda: session.execute(before).all(), 3)))
    if args.annual:
        with Session(engine) as session:
            for code, label, repeat in (("130101", "one county", args.repeat), ("1301", "one city (16 counties)", 3),
                                        ("13", "province, live (176 counties)", 2)):
                region = session.execute(select(Region).where(Region.code == code)).scalar_one()
                results.append((f"annual report figures {now.year}, {label}",
                                *timed(lambda r=region: annual.figures(session, r, now.year), repeat)))
                counties = annual.counties_of(session, region)
                months = annual_rules.period_months(now.year, 0)

                def per_county(cs=counties):
                    return annual_rules.total([reference.county_figures(session, c, now.year) for c in cs], months)

                if per_county() != annual.figures(session, region, now.year):
                    print(f"FAILED: {label}: the grouped figures differ from the per-county statements",
                          file=sys.stderr)
                    return 1
                results.append((f"BASELINE the same, per-county statements (before), {label}",
                                *timed(per_county, min(repeat, 2))))
    engine.dispose()
    print(f"\n{engine.dialect.name}, scale {args.scale}")
    print(f"{'query':<58} {'p50 ms':>9} {'p95 ms':>9} {'max ms':>9}")
    for label, p50, p95, worst in results:
        print(f"{label:<58} {p50 * 1000:>9.1f} {p95 * 1000:>9.1f} {worst * 1000:>9.1f}")
    if not args.keep:
        if args.pg:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        else:
            Path(args.db).unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
