"""The DuckDB connections the verification engine opens: memory bounded by PORTAL_VERIFY_MEMORY (past it DuckDB
spills to `temp`), two threads (the machine's cores are shared with the database and the web workers).

`connect` opens a database of its own (a run's or a file load's file). `workspace` is for the small work of one
case (validating a department's answer, comparing one household): opening a database costs about 20 ms, more than
that work itself, so each worker process keeps one in-memory database and every caller gets a cursor of it with a
schema of its own as the default, dropped on leaving. Tables and views the caller makes by unqualified name land in
that schema; temporary tables and registered Arrow tables are the cursor's own; so callers in several threads never
see each other's."""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)

MEMORY = os.environ.get("PORTAL_VERIFY_MEMORY", "2GB")


def connect(path: str = ":memory:", temp: Path | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(path)
    con.execute(f"SET memory_limit = '{MEMORY}'")
    con.execute("SET threads = 2")
    if temp is not None:
        con.execute(f"SET temp_directory = '{temp}'")
    return con


_shared: tuple[int, duckdb.DuckDBPyConnection] | None = None
_lock = threading.Lock()


def _process_database() -> duckdb.DuckDBPyConnection:
    """This process's in-memory database (made again in a forked child: a DuckDB instance does not survive fork)."""
    global _shared
    if _shared is None or _shared[0] != os.getpid():
        # A private directory for anything it spills, never the working directory; removed when the process ends.
        spill = tempfile.mkdtemp(prefix="portal-duckdb-")
        atexit.register(shutil.rmtree, spill, True)
        _shared = (os.getpid(), connect(":memory:", Path(spill)))
    return _shared[1]


@contextmanager
def workspace() -> Iterator[duckdb.DuckDBPyConnection]:
    with _lock:
        cur = _process_database().cursor()
    schema = "w_" + uuid.uuid4().hex
    try:
        cur.execute(f"CREATE SCHEMA {schema}")
        cur.execute(f"USE {schema}")
        yield cur
    finally:
        cur.close()
        # Dropped through a cursor of its own: the caller's may be left in a failed transaction, and the schema holds
        # a case's staged data, which must not outlive the call in a database every caller of this process shares.
        try:
            with _lock:
                cleaner = _process_database().cursor()
            try:
                cleaner.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            finally:
                cleaner.close()
        except duckdb.Error:
            log.exception("dropping a verification workspace failed; the worker's in-memory database is reset")
            _reset()


def _reset() -> None:
    """Forget this process's database (a fatal error, or a workspace that could not be dropped): the next caller gets
    a new one, and the old one goes with its last cursor."""
    global _shared
    with _lock:
        _shared = None
