"""The DuckDB connections the verification engine opens: memory bounded by PORTAL_VERIFY_MEMORY (past it DuckDB
spills to `temp`), two threads (the machine's cores are shared with the database and the web workers)."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

MEMORY = os.environ.get("PORTAL_VERIFY_MEMORY", "2GB")


def connect(path: str = ":memory:", temp: Path | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(path)
    con.execute(f"SET memory_limit = '{MEMORY}'")
    con.execute("SET threads = 2")
    if temp is not None:
        con.execute(f"SET temp_directory = '{temp}'")
    return con
