"""The hash-chained audit log (portal/kernel/audit.py) and `python -m portal verify-audit`."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from portal import cli
from portal.kernel.audit_models import AuditEntry, AuditHead
from portal.accounts.models import Role
from portal.kernel import audit
from tests import factories

T0 = datetime(2026, 3, 9, 2, 0, tzinfo=timezone.utc)


def write_rows(session, n: int = 6) -> list[AuditEntry]:
    """n rows with a mix of actors, regions and before/after payloads (incl. non-ASCII and nesting)."""
    rows = []
    for i in range(n):
        rows.append(audit.record(
            session, "system" if i % 2 else f"client:10.0.0.{i}", f"test.action_{i % 3}", "thing", i,
            region_code="130102" if i % 3 == 0 else None,
            before=None if i == 0 else {"n": i - 1, "name": "张三"},
            after={"n": i, "name": "张*明", "tags": ["a", "b"], "nested": {"ok": True, "amount": 1.5}},
            at=T0 + timedelta(seconds=i),
        ))
    session.commit()
    return rows


def test_chain_of_several_rows_verifies(db_session):
    rows = write_rows(db_session, 6)
    report = audit.verify_chain(db_session)
    assert report == audit.ChainReport(ok=True, rows=6)
    assert rows[0].prev_hash == audit.GENESIS
    assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
    head = db_session.get(AuditHead, 1)
    assert (head.last_hash, head.last_id) == (rows[-1].hash, rows[-1].id)


def test_empty_log_verifies(db_session):
    assert audit.verify_chain(db_session) == audit.ChainReport(ok=True, rows=0)


def test_actor_object_is_recorded_by_id_and_name(db_session):
    tree = factories.region_tree(db_session)
    actor = factories.actor_with(db_session, (Role.ADMIN, tree.province), username="boss")
    entry = audit.record(db_session, actor, "region.rename", "region", "13", before={"name": "a"},
                         after={"name": "b"})
    db_session.commit()
    assert (entry.actor_id, entry.actor) == (actor.user_id, "boss")
    assert audit.verify_chain(db_session).ok


def test_verification_walks_in_batches(db_session):
    write_rows(db_session, 7)
    assert audit.verify_chain(db_session, batch=2) == audit.ChainReport(ok=True, rows=7)


def test_values_round_trip_through_storage(db_session):
    """What is hashed at write time is what the database gives back (tuples, dates, sets of keys)."""
    entry = audit.record(db_session, "system", "x", "t", 1, after={"when": T0, "pair": (1, 2), "b": 1, "a": 2},
                         at=T0)
    db_session.commit()
    db_session.expire_all()
    assert db_session.get(AuditEntry, entry.id).after == {"when": str(T0), "pair": [1, 2], "a": 2, "b": 1}
    assert audit.verify_chain(db_session).ok


@pytest.mark.parametrize(("column", "sql_value"), [
    ("after", """'{"n": 999}'"""),
    ("before", "NULL"),
    ("actor", "'someone else'"),
    ("action", "'test.harmless'"),
    ("target_id", "'42'"),
    ("region_code", "'130104'"),
    ("at", "'2020-01-01 00:00:00.000000'"),
])
def test_tampering_one_row_is_detected(db_session, column, sql_value):
    rows = write_rows(db_session, 6)
    victim = rows[2]
    db_session.execute(text(f"UPDATE audit_entry SET {column} = {sql_value} WHERE id = :id"), {"id": victim.id})
    db_session.commit()
    db_session.expire_all()
    report = audit.verify_chain(db_session)
    assert not report.ok
    assert report.first_broken_id == victim.id
    assert report.rows == 2  # rows intact before it
    assert "hash" in report.problem


def test_rehashing_a_tampered_row_still_breaks_the_next_one(db_session):
    """Recomputing the edited row's own hash (without rewriting everything after it) is caught one row later."""
    rows = write_rows(db_session, 5)
    victim = rows[1]
    forged = audit._entry_hash(victim.prev_hash, victim.at, victim.actor_id, victim.actor, victim.action,
                               victim.target_type, victim.target_id, victim.region_code, victim.before, {"n": 0})
    db_session.execute(text("UPDATE audit_entry SET after = :after, hash = :hash WHERE id = :id"),
                       {"after": '{"n": 0}', "hash": forged, "id": victim.id})
    db_session.commit()
    db_session.expire_all()
    report = audit.verify_chain(db_session)
    assert (report.ok, report.first_broken_id, report.rows) == (False, rows[2].id, 2)
    assert "prev_hash" in report.problem


def test_deleting_a_middle_row_is_detected(db_session):
    rows = write_rows(db_session, 6)
    db_session.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": rows[3].id})
    db_session.commit()
    db_session.expire_all()
    report = audit.verify_chain(db_session)
    assert not report.ok
    # The row after the gap no longer links to the row before it.
    assert report.first_broken_id == rows[4].id
    assert report.rows == 3


def test_deleting_the_first_row_is_detected(db_session):
    rows = write_rows(db_session, 3)
    db_session.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": rows[0].id})
    db_session.commit()
    report = audit.verify_chain(db_session)
    assert (report.ok, report.first_broken_id, report.rows) == (False, rows[1].id, 0)


@pytest.mark.parametrize("how_many", [1, 2])
def test_deleting_the_last_rows_is_detected_by_the_head(db_session, how_many):
    rows = write_rows(db_session, 6)
    db_session.execute(text("DELETE FROM audit_entry WHERE id > :id"), {"id": rows[-1 - how_many].id})
    db_session.commit()
    db_session.expire_all()
    report = audit.verify_chain(db_session)
    assert not report.ok
    assert report.first_broken_id is None
    assert report.rows == 6 - how_many
    assert "head" in report.problem


def test_rolled_back_write_leaves_the_chain_intact(db_session):
    write_rows(db_session, 3)
    audit.record(db_session, "system", "test.discarded", "thing", 1)
    db_session.rollback()
    write_rows(db_session, 2)
    report = audit.verify_chain(db_session)
    assert report == audit.ChainReport(ok=True, rows=5)
    assert "test.discarded" not in db_session.execute(select(AuditEntry.action)).scalars().all()


def test_head_is_created_on_first_write(db_session):
    assert db_session.execute(select(func.count()).select_from(AuditHead)).scalar_one() == 0
    entry = audit.record(db_session, "system", "x", "t", 1)
    head = db_session.execute(select(AuditHead)).scalar_one()
    assert (head.id, head.last_hash, head.last_id) == (1, entry.hash, entry.id)


def test_times_in_another_zone_are_hashed_in_utc(db_session):
    china = timezone(timedelta(hours=8))
    entry = audit.record(db_session, "system", "tz", "thing", 1, at=datetime(2026, 3, 9, 10, 0, tzinfo=china))
    db_session.commit()
    db_session.expire_all()
    assert db_session.get(AuditEntry, entry.id).at == datetime(2026, 3, 9, 2, 0, tzinfo=timezone.utc)
    assert audit.verify_chain(db_session).ok


def test_naive_times_are_refused(db_session):
    with pytest.raises(ValueError):
        audit.record(db_session, "system", "tz", "thing", 1, at=datetime(2026, 3, 9, 10, 0))


def test_a_head_loaded_earlier_in_the_session_is_not_trusted(db_session):
    """Session A holds the head object (say, to show it), B appends, then A appends: A must chain onto B's row,
    not onto the stale hash in its identity map."""
    write_rows(db_session, 2)
    other = Session(db_session.get_bind(), expire_on_commit=False)  # the portal's sessionmaker setting
    try:
        held = db_session.get(AuditHead, 1)
        db_session.commit()
        audit.record(other, "system", "from.b", "thing", "b")
        other.commit()
        mine = audit.record(db_session, "system", "from.a", "thing", "a")
        db_session.commit()
        b_row = other.execute(select(AuditEntry).where(AuditEntry.action == "from.b")).scalar_one()
        assert mine.prev_hash == b_row.hash
        assert held.last_hash == mine.hash
        assert audit.verify_chain(db_session) == audit.ChainReport(ok=True, rows=4)
    finally:
        other.close()


def test_several_writes_in_one_transaction_without_autoflush(db_session):
    with db_session.no_autoflush:
        for i in range(3):
            audit.record(db_session, "system", "batch", "thing", i)
    db_session.commit()
    assert audit.verify_chain(db_session) == audit.ChainReport(ok=True, rows=3)


# --- the CLI ----------------------------------------------------------------------------------------------------

@pytest.fixture
def cli_db(db_session, db_url, portal_env):
    """The CLI reads DATABASE_URL through the cached settings/engine: point them at the test's file."""
    portal_env(database_url=db_url)
    return db_session


def test_cli_verify_audit_ok(cli_db, capsys):
    write_rows(cli_db, 4)
    assert cli.main(["verify-audit"]) == 0
    assert "intact: 4 rows" in capsys.readouterr().out


def test_cli_verify_audit_names_the_broken_row(cli_db, capsys):
    rows = write_rows(cli_db, 5)
    cli_db.execute(text("UPDATE audit_entry SET after = :v WHERE id = :id"), {"v": '{"n": -1}', "id": rows[3].id})
    cli_db.commit()
    assert cli.main(["verify-audit"]) == 1
    out = capsys.readouterr().out
    assert f"BROKEN at row {rows[3].id}" in out
    assert "3 rows intact" in out


def test_cli_verify_audit_reports_a_truncated_log(cli_db, capsys):
    rows = write_rows(cli_db, 4)
    cli_db.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": rows[-1].id})
    cli_db.commit()
    assert cli.main(["verify-audit"]) == 1
    assert "BROKEN at the end of the log" in capsys.readouterr().out


# --- the checkpointed check used by public proof pages ---------------------------------------------------------

def _checkpoint(session):
    from portal.kernel.audit_models import AuditCheckpoint

    point = session.get(AuditCheckpoint, 1)
    return None if point is None else (point.verified_id, point.verified_rows)


def test_checkpoint_moves_forward_and_later_checks_walk_only_new_rows(db_session, monkeypatch):
    rows = write_rows(db_session, 4)
    assert audit.verify_since_checkpoint(db_session) == audit.ChainReport(ok=True, rows=4)
    db_session.commit()
    assert _checkpoint(db_session) == (rows[-1].id, 4)

    more = write_rows(db_session, 3)
    walked = []
    real_walk = audit._walk
    monkeypatch.setattr(audit, "_walk", lambda s, last_id, *a: walked.append(last_id) or real_walk(s, last_id, *a))
    assert audit.verify_since_checkpoint(db_session) == audit.ChainReport(ok=True, rows=7)
    assert walked == [rows[-1].id]  # started after the checkpoint, not from the genesis
    db_session.commit()
    assert _checkpoint(db_session) == (more[-1].id, 7)


def test_a_tampered_row_after_the_checkpoint_is_found_and_the_checkpoint_stays(db_session):
    rows = write_rows(db_session, 3)
    audit.verify_since_checkpoint(db_session)
    db_session.commit()
    later = write_rows(db_session, 3)
    db_session.execute(text("UPDATE audit_entry SET actor = 'mallory' WHERE id = :id"), {"id": later[1].id})
    db_session.commit()
    db_session.expire_all()
    report = audit.verify_since_checkpoint(db_session)
    assert (report.ok, report.first_broken_id) == (False, later[1].id)
    assert _checkpoint(db_session) == (rows[-1].id, 3)


@pytest.mark.parametrize("victim_index", [1, 2])  # the proof row itself, and the row it links to
def test_a_tampered_proof_row_below_the_checkpoint_is_still_found(db_session, victim_index):
    rows = write_rows(db_session, 5)
    audit.verify_since_checkpoint(db_session)
    db_session.commit()
    victim = rows[victim_index]
    db_session.execute(text("UPDATE audit_entry SET action = 'forged' WHERE id = :id"), {"id": victim.id})
    db_session.commit()
    db_session.expire_all()
    proof_row = db_session.get(AuditEntry, rows[2].id)
    report = audit.verify_since_checkpoint(db_session, [proof_row])
    assert (report.ok, report.first_broken_id) == (False, victim.id)
    assert "hash" in report.problem


def test_a_proof_row_whose_predecessor_was_deleted_is_found(db_session):
    rows = write_rows(db_session, 4)
    audit.verify_since_checkpoint(db_session)
    db_session.commit()
    db_session.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": rows[1].id})
    db_session.commit()
    report = audit.verify_since_checkpoint(db_session, [db_session.get(AuditEntry, rows[2].id)])
    assert (report.ok, report.first_broken_id) == (False, rows[2].id)
    assert "prev_hash" in report.problem
