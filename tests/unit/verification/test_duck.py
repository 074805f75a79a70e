"""The DuckDB workspace a case's check and a department's answer are staged in: one database per worker process,
a schema of its own per caller, so callers in several threads use the same table names without meeting."""

from __future__ import annotations

import threading

import pyarrow as pa

from portal.verification import duck


def test_workspaces_in_several_threads_keep_their_tables_apart_and_leave_nothing_behind():
    start = threading.Barrier(4)
    seen: dict[int, list] = {}
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            with duck.workspace() as con:
                start.wait()
                con.execute(f"CREATE TABLE raw AS SELECT {i} AS x")
                con.execute("CREATE TEMP TABLE problems AS SELECT x FROM raw")
                con.register("p_arrow", pa.table({"k": [i]}))
                con.execute("CREATE OR REPLACE VIEW v AS SELECT x, k FROM raw, p_arrow")
                start.wait()  # everyone has made theirs before anyone reads
                seen[i] = con.execute("SELECT x, k FROM v UNION ALL SELECT x, x FROM problems").fetchall()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert seen == {i: [(i, i), (i, i)] for i in range(4)}
    with duck.workspace() as con:
        left = con.execute("SELECT schema_name FROM information_schema.schemata "
                           "WHERE schema_name LIKE 'w\\_%' ESCAPE '\\'").fetchall()
        assert len(left) == 1  # only this one
        assert con.execute("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'raw'").fetchone() == (0,)


def test_a_workspace_left_in_a_failed_transaction_is_still_dropped_and_its_error_shown():
    """The caller's cursor may end in an aborted transaction; the case's staged rows must not stay behind."""
    import pytest

    with pytest.raises(Exception, match="no_such_table"):
        with duck.workspace() as con:
            con.execute("BEGIN")
            con.execute("CREATE TABLE staged AS SELECT 'case data' AS v")
            con.execute("SELECT * FROM no_such_table")
    with duck.workspace() as con:
        left = con.execute("SELECT schema_name FROM information_schema.schemata "
                           "WHERE schema_name LIKE 'w\\_%' ESCAPE '\\'").fetchall()
        assert [name for (name,) in left if name != con.execute("SELECT current_schema()").fetchone()[0]] == []
