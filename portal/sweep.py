"""The upload sweep: photos of forms never sent do not stay on disk.

A report's photos are stored when they are picked, before the report is filed; a draft application keeps its
document photos while the resident fills it in. Two steps, each in its own unit of work:

1. `sweep_drafts`: drafts not touched for `draft_days` days are removed with their document rows (a draft has no
   steps, no decisions, nothing an officer has seen).
2. `sweep_files`: a stored file that no row refers to (report evidence, application documents, evaluation photos)
   and that is older than `unfiled_hours` is removed, and so are temp files a crash left behind. Saving the same
   picture again refreshes its time (`PrivateImageStore.save`), so a photo just picked is never swept.

3. `verification.services.purge`: department batches and settled findings older than the verification retention
   (`PORTAL_VERIFY_RETENTION_DAYS`).
4. `retry_checks`: the household checks at acceptance that wait on a department's API are asked again once the
   department's circuit breaker lets a probe through: by `python -m portal sweep`, and by the app every time a
   circuit may have half-opened (`checks_loop`, on the event loop: departments are awaited, not waited for in a
   thread). Every worker process runs the loop, but a round is taken under a lease (`kernel.lease`) for one
   interval, so only one worker asks the departments per interval; a worker that dies holds it no longer.

Filed evidence is never touched: a file is removed only when nothing refers to it. Each run that removes anything
is written to the audit log. Run by `python -m portal sweep` and, hourly, by the app itself (`portal/portal.py`):
by one worker an hour, the one that takes the hour's lease.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, ContextManager, Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.applications.models import Application, ApplicationDocument
from portal.kernel.base import utcnow
from portal.evaluations.models import EvaluationAssignment
from portal.reports.models import ReportEvidence
from portal.kernel import audit

log = logging.getLogger(__name__)

ACTOR = "system:sweep"


@dataclass(frozen=True)
class SweepResult:
    drafts: int = 0
    files: int = 0
    bytes: int = 0
    batches: int = 0  # department batches past the verification retention
    findings: int = 0


def sweep_drafts(session: Session, draft_days: int, *, now: datetime | None = None) -> int:
    """Remove drafts idle for `draft_days` days and their document rows; how many were removed."""
    cutoff = (now or utcnow()) - timedelta(days=draft_days)
    ids = list(session.execute(select(Application.id).where(Application.status == "draft",
                                                            Application.updated_at < cutoff)).scalars())
    if not ids:
        return 0
    session.execute(delete(ApplicationDocument).where(ApplicationDocument.application_id.in_(ids)))
    session.execute(delete(Application).where(Application.id.in_(ids)))
    audit.record(session, ACTOR, "application.drafts_swept", "application", "-",
                 after={"drafts": len(ids), "idle_days": draft_days})
    return len(ids)


def referenced(session: Session) -> tuple[set[str], set[str]]:
    """Image ids rows refer to: (the shared store: reports and evaluations, the applications store)."""
    shared = set(session.execute(select(ReportEvidence.image_id)).scalars())
    for photos in session.execute(select(EvaluationAssignment.photos)).scalars():
        shared.update(p for p in (photos or []) if isinstance(p, str))
    documents = set(session.execute(select(ApplicationDocument.image_id)).scalars())
    return shared, documents


def _old_unreferenced(root: Path, keep: set[str], older_than: float) -> Iterable[Path]:
    if not root.is_dir():
        return
    # The store's layout is root/ab/cd/<id>.jpg; other folders under root (another store) are not matched.
    for path in root.glob("??/??/*.jpg"):
        name = path.name
        is_tmp = name.startswith(".tmp-")
        if not is_tmp and path.stem in keep:
            continue
        try:
            if path.stat().st_mtime < older_than:
                yield path
        except FileNotFoundError:
            continue


def sweep_files(session: Session, shared_root: Path, documents_root: Path, unfiled_hours: int, *,
                now: float | None = None) -> tuple[int, int]:
    """Remove unreferenced files older than `unfiled_hours` from both stores: (files, bytes) removed."""
    older_than = (now if now is not None else time.time()) - unfiled_hours * 3600
    shared, documents = referenced(session)
    files = freed = 0
    for root, keep in ((shared_root, shared), (documents_root, documents)):
        for path in list(_old_unreferenced(root, keep, older_than)):
            try:
                size = path.stat().st_size
                os.unlink(path)
            except FileNotFoundError:
                continue
            files, freed = files + 1, freed + size
    if files:
        audit.record(session, ACTOR, "uploads.swept", "private_store", "-",
                     after={"files": files, "bytes": freed, "older_than_hours": unfiled_hours})
    return files, freed


def run(session_scope: Callable[[], ContextManager[Session]], shared_root: Path, documents_root: Path, *,
        unfiled_hours: int, draft_days: int) -> SweepResult:
    """Both steps, drafts first (their photos then count as unreferenced), each committed on its own."""
    with session_scope() as session:
        drafts = sweep_drafts(session, draft_days)
    with session_scope() as session:
        files, freed = sweep_files(session, shared_root, documents_root, unfiled_hours)
    from portal.verification import services as verification

    with session_scope() as session:
        purged = verification.purge(session)
    result = SweepResult(drafts, files, freed, purged.batches, purged.findings)
    log.info("upload sweep: %d drafts, %d files, %d bytes removed", drafts, files, freed)
    return result


def run_configured() -> SweepResult:
    """`run` on the configured database and stores, with the ages from settings (CLI and the app's hourly task)."""
    from portal.kernel.db import session_scope
    from portal.applications.services import document_store
    from portal.kernel.settings import get_settings

    s = get_settings()
    return run(session_scope, s.private_upload_dir, document_store().root,
               unfiled_hours=s.sweep_unfiled_hours, draft_days=s.sweep_draft_days)


CHECKS_LEASE = "sweep.retry_checks"


def checks_interval() -> float:
    """Seconds between rounds: as often as a department's circuit can half-open, at least a minute apart."""
    from portal.verification.connector import BreakerConfig

    return max(60.0, BreakerConfig.from_env().open_s)


async def retry_checks(*, session_factory: Callable[[], ContextManager[Session]] | None = None,
                       holder: str | None = None, now: datetime | None = None, **kw) -> dict[str, int] | None:
    """Cases waiting on a department, asked again where its circuit is closed or half-open (verification services).
    None when another worker holds this round's lease: it asks them, this one does not. The lease lasts one interval
    and is renewed before each case, so a long round is not taken over halfway."""
    from portal.kernel import lease
    from portal.kernel.db import session_scope
    from portal.verification import services as verification

    sf = session_factory or session_scope
    me = holder or lease.HOLDER
    seconds = checks_interval()
    with sf() as session:
        if not lease.take(session, CHECKS_LEASE, seconds, holder=me, now=now):
            return None

    def keep() -> bool:
        with sf() as session:
            return lease.renew(session, CHECKS_LEASE, seconds, holder=me, now=now)

    return await verification.retry_waiting(session_factory=sf, now=now, keep=keep, **kw)


def run_supervision() -> tuple[int, int]:
    """The risk rules over audit rows no listener saw (written by another process, or before an upgrade)."""
    from portal.kernel.db import session_scope
    from portal.supervision import services as supervision

    with session_scope() as session:
        return supervision.sweep(session)


INTERVAL_SECONDS = 3600
HOURLY_LEASE = "sweep.hourly"
# Held a little less than the interval, so the next hour's round finds it free even if its holder's clock drifts.
HOURLY_LEASE_SECONDS = INTERVAL_SECONDS - 300


def take_hourly(*, session_factory: Callable[[], ContextManager[Session]] | None = None,
                holder: str | None = None, now: datetime | None = None) -> bool:
    """Whether this worker runs this hour's sweep: one worker per hour across the app's processes (`kernel.lease`)."""
    from portal.kernel import lease
    from portal.kernel.db import session_scope

    with (session_factory or session_scope)() as session:
        return lease.take(session, HOURLY_LEASE, HOURLY_LEASE_SECONDS, holder=holder or lease.HOLDER, now=now)


async def every_hour() -> None:
    """The app's lifespan task: a sweep shortly after start, then every hour, in the heavy pool (file walks and
    deletes stay off the event loop), by whichever worker takes the hour's lease. A failed run is logged and retried
    at the next hour."""
    import asyncio

    from portal.kernel import heavy

    await asyncio.sleep(60)
    while True:
        try:
            mine = await asyncio.to_thread(take_hourly)
        except Exception:
            log.exception("taking the hourly sweep's lease failed")
            mine = False
        if mine:
            try:
                await heavy.run_waiting(run_configured)
            except Exception:  # the next run tries again; serving must not stop for it
                log.exception("upload sweep failed")
            try:
                await heavy.run_waiting(run_supervision)
            except Exception:
                log.exception("supervision sweep failed")

        await asyncio.sleep(INTERVAL_SECONDS)


async def checks_loop() -> None:
    """The app's lifespan task for household checks waiting on a department: asked again as often as a department's
    circuit can half-open (PORTAL_DEPT_BREAKER_OPEN_S, at least a minute apart), so a case waits about as long as
    the department is down. A failed round is logged and tried again next time."""
    import asyncio

    while True:
        await asyncio.sleep(checks_interval())
        try:
            await retry_checks()
        except Exception:  # serving must not stop for it
            log.exception("retrying the household checks waiting on a department failed")
