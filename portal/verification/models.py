"""Verification tables: loaded department batches, dated comparison rules, runs and their findings.

Department records themselves are not rows here: a batch's records live in one Parquet file under the private
data directory (`SourceBatch.path`), read by DuckDB at run time, so 21 million records never pass through the ORM.
`VerificationRule` rows are append-only like the eligibility parameters: a change is a new dated row with its
document number. A `Finding` is keyed by its fingerprint (household, member, rule, found value, records), so a
re-run over unchanged data finds the same rows again instead of adding new ones.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.kernel.base import Base, utcnow
from portal.roster.models import PathString

FINDING_NEW = "new"  # first found by the run that wrote it
FINDING_OPEN = "open"  # found again by a later run
FINDING_RESOLVED = "resolved"  # no longer found by a later run over the same township
FINDING_STATUSES = (FINDING_NEW, FINDING_OPEN, FINDING_RESOLVED)

# Where a finding came from: a re-verification of the register, or the check of one application (受理).
SCOPE_REGISTER = "register"
SCOPE_CASE = "case"

# How an officer settled a finding. On a case, before 初审: the applicant explained it, corrected the declaration,
# or the finding stands and the case is refused on it. On the register: keep the household, review its case, suspend.
# "disputed": the office contests the department's record with the department (a wrong record, another person's
# data); the finding counts as settled for 初审 and the county decision page shows it first (docs/verification.md).
CASE_RESOLUTIONS = ("explained", "corrected", "disputed", "refused")
REGISTER_RESOLUTIONS = ("keep", "review", "suspend")

PULL_RUNNING = "running"
PULL_PARTIAL = "partial"  # some pages failed after their retries: the next pull retries those only
PULL_DONE = "done"
PULL_REFUSED = "refused"  # the department refused our credentials: nothing retried until the configuration changes

RUN_RUNNING = "running"
RUN_INTERRUPTED = "interrupted"
RUN_DONE = "done"
RUN_ABANDONED = "abandoned"  # the batches changed before it could be resumed


class SourceBatch(Base):
    """One loaded department file: its kind, the date its data describes, who loaded it and its content hash."""

    __tablename__ = "verification_source_batch"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    as_of: Mapped[date] = mapped_column(Date)
    content_hash: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(255))
    path: Mapped[str] = mapped_column(String(500))  # the Parquet file, relative to the data directory
    row_count: Mapped[int] = mapped_column(Integer)
    loaded_by: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_verification_source_batch_kind_hash", "kind", "content_hash", unique=True),
                      Index("ix_verification_source_batch_kind_as_of", "kind", "as_of"))


class VerificationRule(Base):
    """The parameters of one comparison rule for a province, city or county from `effective_from` on."""

    __tablename__ = "verification_rule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    region_path: Mapped[str] = mapped_column(PathString)
    rule: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict] = mapped_column(JSON)
    effective_from: Mapped[date] = mapped_column(Date)
    document_no: Mapped[str] = mapped_column(String(80))
    created_by: Mapped[str] = mapped_column(String(64), default="system")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_verification_rule_lookup", "rule", "region_path", "effective_from"),)


class VerificationRun(Base):
    """One re-verification of the register (or of a region of it), resumable from its checkpoint."""

    __tablename__ = "verification_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region_path: Mapped[str] = mapped_column(PathString, default="/")
    status: Mapped[str] = mapped_column(String(12), default=RUN_RUNNING)
    # The batch ids compared against ({kind: id}); a resume is only valid against the same batches.
    batches: Mapped[dict] = mapped_column(JSON, default=dict)
    started_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    # {"phase": ..., "rules_done": [...], "townships_done": [...], "townships_total": n}
    checkpoint: Mapped[dict] = mapped_column(JSON, default=dict)
    progress_permille: Mapped[int] = mapped_column(Integer, default=0)
    found_new: Mapped[int] = mapped_column(Integer, default=0)
    found_open: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)


class Finding(Base):
    """A difference between what a household declared and what a department record shows."""

    __tablename__ = "verification_finding"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    household_id: Mapped[str] = mapped_column(String(40))
    member_id_hash: Mapped[str | None] = mapped_column(String(64))  # None: a household-level finding
    rule: Mapped[str] = mapped_column(String(32))
    rule_row_id: Mapped[int | None] = mapped_column(ForeignKey("verification_rule.id"))
    document_no: Mapped[str] = mapped_column(String(80), default="")
    declared_value: Mapped[str] = mapped_column(String(200), default="")
    found_value: Mapped[str] = mapped_column(String(200))
    source_batch_id: Mapped[int | None] = mapped_column(ForeignKey("verification_source_batch.id"))
    record_refs: Mapped[list] = mapped_column(JSON, default=list)
    as_of: Mapped[date | None] = mapped_column(Date)
    severity: Mapped[str] = mapped_column(String(8))
    routed_to: Mapped[str] = mapped_column(String(8), default="township")  # township | county (关系保)
    township_code: Mapped[str] = mapped_column(String(12))
    county_code: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(10), default=FINDING_NEW)
    first_run_id: Mapped[int] = mapped_column(ForeignKey("verification_run.id"))
    last_run_id: Mapped[int] = mapped_column(ForeignKey("verification_run.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    scope: Mapped[str] = mapped_column(String(8), default=SCOPE_REGISTER, server_default=SCOPE_REGISTER)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"))  # scope == case
    resolution: Mapped[str | None] = mapped_column(String(12))  # None: unresolved
    resolution_note: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None]
    # The applicant's answer from the tracking page (a case finding only), kept beside the officer's resolution.
    applicant_answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    # The last working day the applicant may answer before the case is refused on this finding (a case finding).
    answer_due_on: Mapped[date | None] = mapped_column(Date)
    # The online search that found it (a case checked through a department's API); else source_batch_id.
    pull_id: Mapped[int | None] = mapped_column(ForeignKey("verification_pull.id"))

    __table_args__ = (Index("ix_verification_finding_queue", "township_code", "status", "rule"),
                      Index("ix_verification_finding_household", "household_id"),
                      Index("ix_verification_finding_application", "application_id"))


class ConsentGrant(Base):
    """The household's authorization to query departments about it (授权书): every adult's consent on the
    application, dated. No department is asked about a household without one."""

    __tablename__ = "verification_grant"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    household_code: Mapped[str] = mapped_column(String(32), unique=True)  # the application number = register code
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"))
    granted_on: Mapped[date] = mapped_column(Date)
    adults: Mapped[int] = mapped_column(Integer)  # adults who consented (all of them, or there is no grant)
    recorded_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Pull(Base):
    """One pull of a department's records over its search API: the audit row of the exchange and its checkpoint.
    Pages land in the pull's staging directory; only a pull with every page in becomes a `SourceBatch`."""

    __tablename__ = "verification_pull"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(24))
    transaction_id: Mapped[str] = mapped_column(String(64), unique=True)  # the DCI transaction / reference id
    endpoint: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(10), default=PULL_RUNNING)
    persons: Mapped[int] = mapped_column(Integer, default=0)  # id hashes asked about (households with a grant)
    requests: Mapped[int] = mapped_column(Integer, default=0)  # HTTP requests sent, retries included
    records: Mapped[int] = mapped_column(Integer, default=0)
    # {"pages_done": ["chunk:page", ...], "failed": {"chunk:page": "reason"}, "chunks": n}
    checkpoint: Mapped[dict] = mapped_column(JSON, default=dict)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("verification_source_batch.id"))
    error: Mapped[str | None] = mapped_column(String(300))
    started_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_verification_pull_source", "source", "status"),)


CHECK_PENDING = "pending"  # accepted; the online check has not answered yet
CHECK_WAITING = "waiting"  # a department was unavailable: nothing stored, retried by the officer or the sweep
CHECK_DONE = "done"



class OnlineCheck(Base):
    """The check at acceptance of one application through departments' search APIs (the online check). Findings are
    written only once every department asked has answered, in one transaction; until then the case waits here."""

    __tablename__ = "verification_case_check"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), unique=True)
    status: Mapped[str] = mapped_column(String(8), default=CHECK_PENDING)
    online: Mapped[list] = mapped_column(JSON, default=list)  # the sources asked through their API
    waiting_on: Mapped[dict] = mapped_column(JSON, default=dict)  # source → why it is unavailable
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_try_at: Mapped[datetime | None]
    next_try_at: Mapped[datetime | None]  # when the sweep may ask again (the earliest circuit's half-open time)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_verification_case_check_status", "status", "next_try_at"),)


class DepartmentCircuit(Base):
    """The circuit breaker of one department's API, shared by every worker: after `failures` consecutive failed
    searches it opens until `open_until`; then one caller claims the half-open probe (an UPDATE that only one wins)
    and its outcome closes or reopens it."""

    __tablename__ = "verification_circuit"

    source: Mapped[str] = mapped_column(String(24), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # consecutive failed searches
    open_until: Mapped[datetime | None]  # None: closed
    last_error: Mapped[str] = mapped_column(String(200), default="")
    last_failure_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
