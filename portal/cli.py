"""python -m portal <command>: migrate, demo, create-user, verify-audit, sweep, serve, backup, restore,
register import, crosscheck (load | run)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import secrets
import sys

from portal.kernel.settings import PROJECT_ROOT, get_settings
from portal.kernel.workdays import china_today


def migrate() -> None:
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(PROJECT_ROOT / "alembic.ini"))
    command.upgrade(cfg, "head")
    print(f"database migrated: {_safe_url()}")


def _safe_url() -> str:
    from sqlalchemy.engine import make_url

    return make_url(get_settings().database_url).render_as_string(hide_password=True)


def _demo_password() -> str:
    """PORTAL_DEMO_PASSWORD, or one generated per install and kept under data/ (never in the README)."""
    if pw := os.environ.get("PORTAL_DEMO_PASSWORD"):
        return pw
    path = get_settings().data_dir / "demo_password"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(9))
        path.chmod(0o600)
    return path.read_text().strip()


def demo() -> int:
    from portal.kernel.db import session_scope
    from portal import demo as demo_data

    if get_settings().production:
        print("error: PORTAL_PRODUCTION is set: demo accounts and data are never loaded into a real site",
              file=sys.stderr)
        return 2

    password = _demo_password()
    from portal.ratings import demo as demo_ratings

    with session_scope() as session:
        accounts = demo_data.load(session, password)
    with session_scope() as session:
        ratings = demo_ratings.load(session, get_settings().secret_key)
    from portal.applications import demo as demo_applications
    from portal.verification import demo as demo_verification

    with session_scope() as session:
        demo_verification.load_sources(session)
    with session_scope() as session:
        applications_added = demo_applications.load(session)
    with session_scope() as session:
        demo_verification.load_case_states(session)
    demo_findings = demo_verification.run_register()
    print("demo data loaded. Demo sign-ins (password for all: %s):" % password)
    staff = [a for a in accounts if a.window_code]
    for acct in [a for a in accounts if not a.window_code] + staff[:2]:
        print(f"  {acct.username:<28} {acct.role.value:<13} {acct.display_name}")
    print(f"  ... and {len(staff) - 2} more window staff (staff_<window code, lower case>)")
    if ratings:
        print(f"demo ratings: {ratings} over the last 90 days")
    if demo_findings:
        print(f"demo verification: {demo_findings} findings on the register (/officer/findings)")
    from portal.reports import demo as demo_reports

    with session_scope() as session:
        filed = demo_reports.load(session, password, get_settings().secret_key)
    for acct in demo_reports.ACCOUNTS:
        print(f"  {acct.username:<28} {'+'.join(r.value for r, _ in acct.grants):<13} {acct.display_name}")
    if filed:
        print(f"demo reports: {filed}")
    from portal.evaluations import demo as demo_evaluations

    with session_scope() as session:
        rounds = demo_evaluations.load(session, password)
    if applications_added:
        print(f"demo eligibility parameters and applications: {applications_added} rows added")
    if rounds:
        print(f"demo evaluation rounds: {rounds} (supervisors: supervisor, {demo_evaluations.SECOND_SUPERVISOR[0]})")
    from portal.supervision import demo as demo_supervision

    with session_scope() as session:
        cases = demo_supervision.load(session, password, get_settings().secret_key)
    for username, name, code in demo_supervision.INSPECTORS:
        print(f"  {username:<22} inspector @ {code}  ({name})")
    if cases:
        print("demo supervision: one case surveyed and decided by the same officer (an A/B risk hit for the city)")
    from portal.annual import demo as demo_annual

    with session_scope() as session:  # last: its figures read everything above
        for username, name, code in demo_annual.load_accounts(session, password):
            print(f"  {username:<22} officer @ {code}  ({name})")
        if demo_annual.load(session):
            print("demo annual reports: county 130102's report submitted to city 1301 (officer_city), the city's draft")
        if demo_annual.load_province(session):
            print("demo annual reports: last year's city reports accepted, the province's report issued")


def create_user(args: argparse.Namespace) -> int:
    from portal.kernel.db import session_scope
    from portal.accounts.models import Role
    from portal.accounts import services as auth
    from portal.regions import services as regions

    password = args.password or os.environ.get("PORTAL_NEW_PASSWORD") or getpass.getpass("password: ")
    if len(password) < 10:
        print("error: the password must have at least 10 characters", file=sys.stderr)
        return 2
    with session_scope() as session:
        region = regions.by_code(session, args.region)
        if region is None:
            print(f"error: no region with code {args.region}", file=sys.stderr)
            return 2
        window_id = None
        if args.window:
            from sqlalchemy import select

            from portal.regions.models import ServiceWindow

            window = session.execute(select(ServiceWindow).where(ServiceWindow.code == args.window)).scalar_one_or_none()
            if window is None:
                print(f"error: no window with code {args.window}", file=sys.stderr)
                return 2
            window_id = window.id
        auth.create_user(session, args.username, args.name or args.username, password, [(Role(args.role), region)],
                         window_id=window_id, created_by="cli")
    print(f"created {args.username} ({args.role} @ {args.region})")
    return 0


def verify_audit() -> int:
    from portal.kernel.db import session_scope
    from portal.kernel import audit

    with session_scope() as session:
        report = audit.verify_chain(session)
    if report.ok:
        print(f"audit chain intact: {report.rows} rows")
        return 0
    where = f"row {report.first_broken_id}" if report.first_broken_id else "the end of the log"
    print(f"audit chain BROKEN at {where}: {report.problem} ({report.rows} rows intact before it)")
    return 1


def sweep() -> int:
    from portal import sweep as sweeper

    result = sweeper.run_configured()
    print(f"upload sweep: {result.drafts} abandoned drafts, {result.files} unfiled photos "
          f"({result.bytes / 1024 / 1024:.1f} MB) removed; verification retention: {result.batches} department "
          f"batches, {result.findings} settled findings purged")
    checks = asyncio.run(sweeper.retry_checks())
    if checks is None:
        print("household checks waiting on a department: a portal worker is retrying them (its round's lease is held)")
    else:
        print(f"household checks waiting on a department: {checks['done']} done, {checks['waiting']} still waiting")
    return 0


def backup_or_restore(args: argparse.Namespace) -> int:
    from pathlib import Path

    from portal import backup

    try:
        if args.command == "backup":
            written = backup.backup(Path(args.target))
            print(f"backup written: {written} (database {_safe_url()}, private photos, key)")
            return 0
        manifest = backup.restore(Path(args.source), force=args.force)
    except backup.BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"restored the backup of {manifest['created_at']} ({manifest['photos']} private photos) "
          f"into {_safe_url()}")
    return verify_audit()


def register_import(args: argparse.Namespace) -> int:
    """Check both files, report every bad line, write nothing on errors unless --skip-bad; one transaction."""
    from pathlib import Path

    from portal.i18n import text
    from portal.kernel.db import session_scope
    from portal.register import importer

    for path in (args.households, args.members):
        if not Path(path).is_file():
            print(f"error: no such file: {path}", file=sys.stderr)
            return 2

    def progress(name: str, n: int) -> None:
        print(f"  {name}: {n:,} lines checked", flush=True)

    from portal.kernel.db import analyze
    from portal.kernel.workdays import china_today
    from portal.verification import services as verification
    from portal.verification.models import ConsentGrant

    actor = "cli:register-import"
    with session_scope() as session:
        granted = 0

        def consents(rows) -> None:
            nonlocal granted
            granted += verification.record_imported_grants(session, actor, rows)

        report = importer.run(session, Path(args.households), Path(args.members), skip_bad=args.skip_bad,
                              progress=progress, actor=actor, on_consents=consents)
        if report.written:
            verification.count_grant_adults(session, actor, china_today(), granted)
        else:
            session.rollback()
    if report.written and (report.households_added or report.members_added):
        # After the commit: statistics describe the committed rows (PostgreSQL only; see kernel.db.analyze).
        with session_scope() as session:
            analyze(session, importer.WRITTEN_TABLES + (ConsentGrant.__tablename__,))
    for p in report.problems:
        column = f" [{p.column}]" if p.column else ""
        print(f"{p.file}:{p.line}:{column} {text(p.key, args.lang, value=p.value)}")
    print(f"read: {report.households_read:,} households, {report.members_read:,} members; "
          f"{len(report.problems):,} problems")
    if not report.written:
        print("nothing imported" + ("" if args.skip_bad else " (fix the lines above, or use --skip-bad to import "
                                                               "everything except them)"))
        return 1
    print(f"households: {report.households_added:,} added, {report.households_unchanged:,} already in the register; "
          f"members: {report.members_added:,} added, {report.members_unchanged:,} already listed")
    if report.consents_added:
        print(f"grants: {granted:,} recorded from the households' consent dates")
    if report.people_in_two_households:
        print(f"flag: {report.people_in_two_households:,} people are listed in more than one active household")
    return 0


def regions_import(args: argparse.Namespace) -> int:
    """A real province's region tree and windows (portal/regions/importer.py): all or nothing, idempotent."""
    from pathlib import Path

    from portal.i18n import text
    from portal.kernel.db import session_scope
    from portal.regions import importer

    files = [Path(args.regions)] + ([Path(args.windows)] if args.windows else [])
    for path in files:
        if not path.is_file():
            print(f"error: no such file: {path}", file=sys.stderr)
            return 2
    with session_scope() as session:
        report = importer.run(session, files[0], files[1] if args.windows else None, actor=f"cli:{args.by}")
        if not report.written:
            session.rollback()
    for p in report.problems:
        column = f" [{p.column}]" if p.column else ""
        print(f"{p.file}:{p.line}:{column} {text(p.key, args.lang, value=p.value)}")
    if not report.written:
        print(text("regions.import_nothing", args.lang))
        return 1
    print(text("regions.import_done", args.lang, regions_added=report.regions_added,
               regions_unchanged=report.regions_unchanged, windows_added=report.windows_added,
               windows_updated=report.windows_updated, windows_unchanged=report.windows_unchanged))
    return 0


def preflight(args: argparse.Namespace) -> int:
    """Exit 1 and name every fix while this database and these settings are not fit to serve residents."""
    from portal.i18n import text
    from portal.kernel.db import session_scope
    from portal.preflight import problems

    with session_scope() as session:
        found = problems(session, get_settings())
    for key, values in found:
        print(f"  ✗ {text(key, args.lang, **values)}", file=sys.stderr)
    if found:
        print(text("preflight.failed", args.lang, n=len(found)), file=sys.stderr)
        return 1
    print(text("preflight.ok", args.lang))
    return 0


def crosscheck(args: argparse.Namespace) -> int:
    """Load a department file, or re-verify the register (resumes an interrupted run over the same batches)."""
    from datetime import date

    from portal.i18n.catalog import text
    from portal.kernel.db import session_scope
    from portal.verification import services as verification

    lang = args.lang
    if args.action == "load":
        try:
            with session_scope() as session:
                result = verification.load_source(session, args.source, args.file,
                                                  as_of=date.fromisoformat(args.as_of) if args.as_of else china_today(),
                                                  loaded_by=args.by)
        except verification.LoadError as exc:
            print(text("verify.cli_rejected", lang, n=exc.total), file=sys.stderr)
            for p in exc.problems:
                where = f"{p.file}:{p.line}" if p.line else p.file
                column = f" [{p.column}]" if p.column else ""
                detail = f" ({p.detail})" if p.detail else ""
                print(f"  {where}{column} {text(p.reason, lang)}{detail}", file=sys.stderr)
            if exc.total > len(exc.problems):
                print("  " + text("verify.cli_more", lang, n=exc.total - len(exc.problems)), file=sys.stderr)
            return 1
        key = "verify.cli_already" if result.already_loaded else "verify.cli_loaded"
        print(text(key, lang, rows=result.rows, batch=result.batch_id))
        return 0

    if args.action == "purge":
        with session_scope() as session:
            res = verification.purge(session, args.by, days=args.days)
        print(text("verify.cli_purged", lang, batches=res.batches, findings=res.findings))
        return 0

    if args.action == "pull":
        try:
            res = verification.pull(args.source, args.by, args.region)
        except verification.RuleError as exc:
            print(text(str(exc), lang), file=sys.stderr)
            return 2
        if res.status == "done":
            print(text("verify.cli_pull_done", lang, records=res.records, persons=res.persons, batch=res.batch_id))
            return 0
        if res.status == "partial":
            print(text("verify.cli_pull_partial", lang, n=len(res.failed)), file=sys.stderr)
            for where, why in sorted(res.failed.items()):
                print(f"  {where} {why}", file=sys.stderr)
            return 1
        if res.status == "refused":
            with session_scope() as session:
                reason = verification.pull_error(session, res.pull_id)
            print(text("verify.cli_pull_refused", lang, reason=reason), file=sys.stderr)
            return 1
        print(text("verify.cli_pull_invalid", lang, pull=res.pull_id), file=sys.stderr)
        return 1

    def progress(phase: str, done: int, total: int) -> None:
        print(f"\r{phase}: {done}/{total}", end="", file=sys.stderr, flush=True)
        if done == total:
            print(file=sys.stderr)

    try:
        summary = verification.run(args.by, args.region, progress=progress)
    except KeyboardInterrupt:
        print("\n" + text("verify.cli_interrupted", lang), file=sys.stderr)
        return 130
    except verification.RuleError as exc:
        print(text(str(exc), lang), file=sys.stderr)
        return 2
    if summary.resumed:
        print(text("verify.cli_resumed", lang, run=summary.run_id))
    for rule, why in summary.skipped_rules.items():
        print(text("verify.cli_skipped", lang, rule=rule, why=why))
    print(text("verify.cli_run_done", lang, households=summary.households, townships=summary.townships,
               new=summary.found_new, open=summary.found_open, resolved=summary.resolved))
    return 0


def supervision_sweep() -> int:
    from portal.kernel.db import session_scope
    from portal.supervision import services as supervision

    with session_scope() as session:
        looked, opened = supervision.sweep(session)
    print(f"supervision sweep: {looked} watched acts checked, {opened} monitoring items opened")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portal", description="Sunshine Dibao administration")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="create or upgrade the database schema")
    sub.add_parser("demo", help="load demo regions, windows and accounts (idempotent)")
    cu = sub.add_parser("create-user", help="create a user with a role over a region")
    cu.add_argument("--username", required=True)
    cu.add_argument("--name", help="display name")
    cu.add_argument("--role", required=True, choices=["window_staff", "supervisor", "officer", "admin", "inspector"])
    cu.add_argument("--region", required=True, help="region code, e.g. 130102")
    cu.add_argument("--window", help="window code, for window staff")
    cu.add_argument("--password", help="or PORTAL_NEW_PASSWORD, or asked for")
    sub.add_parser("verify-audit", help="check the audit hash chain; exit 1 and name the first broken row")
    sub.add_parser("sweep", help="remove photos of forms never sent and drafts left idle (PORTAL_SWEEP_*)")
    sv = sub.add_parser("serve", help="build and serve the production app on one port; dead workers are replaced")
    sv.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    sv.add_argument("--host", help="listen on this address only (default: every interface)")
    bk = sub.add_parser("backup", help="back up the database, the private photos and the secret key")
    bk.add_argument("target", help="a new directory, or a file name ending in .tar.gz")
    rs = sub.add_parser("restore", help="restore a backup into DATABASE_URL / PORTAL_DATA_DIR, then verify the audit")
    rs.add_argument("source", help="a backup directory or .tar.gz")
    rs.add_argument("--force", action="store_true", help="replace a database that already holds data")
    reg = sub.add_parser("register", help="the recipient register").add_subparsers(dest="register_command",
                                                                                 required=True)
    imp = reg.add_parser("import", help="import households and members from CSV files (docs/register.md)")
    imp.add_argument("households", help="households CSV (UTF-8 or GBK)")
    imp.add_argument("members", help="members CSV (UTF-8 or GBK)")
    imp.add_argument("--skip-bad", action="store_true", help="import everything except the reported lines")
    imp.add_argument("--lang", choices=["zh", "en"], default="zh", help="language of the problem report")
    cc = sub.add_parser("crosscheck", help="department records: load a file, or re-verify the register")
    cc_sub = cc.add_subparsers(dest="action", required=True)
    load = cc_sub.add_parser("load", help="load one department file (CSV UTF-8/GBK or Parquet; docs/verification.md)")
    load.add_argument("source", help="deposits, real_estate, vehicles, business, hukou, income, public_staff")
    load.add_argument("file")
    load.add_argument("--as-of", help="the date the records describe, YYYY-MM-DD (default: today)")
    run = cc_sub.add_parser("run", help="compare every active household with the latest batches (resumable)")
    run.add_argument("--region", help="only households of this region code")
    pl = cc_sub.add_parser("pull", help="ask a department's search API for the records of households with a grant")
    pl.add_argument("--source", required=True, help="a source with PORTAL_DEPT_<SOURCE>_URL set (docs/verification.md)")
    pl.add_argument("--region", help="only households of this region code")
    pg = cc_sub.add_parser("purge", help="remove department batches and settled findings past the retention")
    pg.add_argument("--days", type=int, help="retention in days (default PORTAL_VERIFY_RETENTION_DAYS, 730)")
    for p in (load, run, pl, pg):
        p.add_argument("--by", default=os.environ.get("USER", "cli"), help="who is loading or running (audited)")
        p.add_argument("--lang", default="zh", choices=["zh", "en"])
    rg = sub.add_parser("regions", help="the region tree and service windows").add_subparsers(
        dest="regions_command", required=True)
    rimp = rg.add_parser("import", help="import regions (and windows) from CSV files (docs/regions.md)")
    rimp.add_argument("regions", help="regions.csv: code, name, level, parent_code")
    rimp.add_argument("windows", nargs="?",
                      help="windows.csv: code, name, office_name, region_code[, address, phone, hours]")
    rimp.add_argument("--by", default=os.environ.get("USER", "cli"), help="who is importing (audited)")
    rimp.add_argument("--lang", default="zh", choices=["zh", "en"])
    pf = sub.add_parser("preflight", help="refuse a real site that still has demo accounts, no admin or a local URL")
    pf.add_argument("--lang", default="zh", choices=["zh", "en"])
    sup = sub.add_parser("supervision", help="risk rules over the audit log").add_subparsers(
        dest="supervision_command", required=True)
    sup.add_parser("sweep", help="check every watched act written since the last sweep; open monitoring items")
    args = parser.parse_args(argv)
    # Acts done from the command line (demo, imports) are watched as they happen, like the app's.
    from portal.supervision import services as supervision

    supervision.install()
    if args.command == "supervision":
        return supervision_sweep()
    if args.command == "crosscheck":
        return crosscheck(args)
    if args.command == "migrate":
        migrate()
        return 0
    if args.command == "demo":
        return demo() or 0
    if args.command == "create-user":
        return create_user(args)
    if args.command == "sweep":
        return sweep()
    if args.command in ("backup", "restore"):
        return backup_or_restore(args)
    if args.command == "serve":
        from portal.serve import serve

        if get_settings().production and preflight(argparse.Namespace(lang="zh")) != 0:
            return 1  # a real site serves only once preflight passes, however it is started
        return serve(args.port, args.host)
    if args.command == "register":
        return register_import(args)
    if args.command == "regions":
        return regions_import(args)
    if args.command == "preflight":
        return preflight(args)
    return verify_audit()
