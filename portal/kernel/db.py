"""Engine and sessions. Our own code opens sessions; Reflex's rx.session (sqlmodel) is not used."""

from __future__ import annotations

import functools
import itertools
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, Table, create_engine, event, insert, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.selectable import Join

from portal.kernel.settings import get_settings


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            # WAL lets readers run while one writer commits; several workers share the file.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


@functools.cache
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


@functools.cache
def _session_factory() -> sessionmaker[Session]:
    return sessionmaker(get_engine(), expire_on_commit=False)


@contextmanager
def session_scope() -> Iterator[Session]:
    """A unit of work: commit on success, roll back on error."""
    session = _session_factory()()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


_sqlite_writers = threading.Lock()


@contextmanager
def write_scope() -> Iterator[Session]:
    """`session_scope` for a short write on a hot path (a rating). On SQLite one writer at a time holds the file's
    lock; the threads of one process take turns here rather than in SQLite's busy handler, whose sleeps (up to
    100 ms each) would otherwise set the pace under load. Other processes still meet the busy handler."""
    if get_engine().dialect.name != "sqlite":
        with session_scope() as session:
            yield session
        return
    with _sqlite_writers, session_scope() as session:
        yield session


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Many rows into one table, in the session's transaction: COPY on PostgreSQL, executemany elsewhere. psycopg's
    executemany sends one INSERT per row (105,000 register rows: 8.9 s, against 2.0 s through COPY, bench/README.md),
    and SQLAlchemy's multi-row INSERT is slower still with psycopg, which parses each long statement anew. Every row names the same columns; the
    columns' own processing (UTC datetimes, enums) and Python-side defaults apply as with an INSERT."""
    if not rows:
        return
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        conn.execute(insert(table), list(rows))
        return
    names = list(rows[0])
    defaults = {c.name: c.default.arg(None) if c.default.is_callable else c.default.arg for c in table.columns
                if c.name not in names and c.default is not None and (c.default.is_scalar or c.default.is_callable)}
    columns = names + list(defaults)
    processors = [table.c[n].type.bind_processor(conn.dialect) for n in columns]
    fixed = [defaults[n] for n in defaults]
    quote = conn.dialect.identifier_preparer.quote
    sql = f"COPY {quote(table.name)} ({', '.join(quote(n) for n in columns)}) FROM STDIN"
    with conn.connection.driver_connection.cursor() as cur, cur.copy(sql) as copy:
        for row in rows:
            values = [row[n] for n in names] + fixed
            copy.write_row([p(v) if p else v for p, v in zip(processors, values)])


def analyze(session: Session, tables: Iterable[str]) -> bool:
    """Fresh planner statistics for tables a bulk load has just filled, on PostgreSQL (ANALYZE may run inside the
    caller's transaction; call it after the load committed, so the statistics describe committed rows). Until
    autovacuum notices the load, the planner takes a freshly filled table for an empty one and plans scans (a join
    on a freshly loaded register: 235 ms instead of 0.8 ms). On SQLite nothing is run: the portal's SQLite queries
    are shaped for the planner without statistics (portal/annual/services.py relies on it), and one ANALYZE would
    change the plans of every query on those tables. True when the statistics were refreshed."""
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        return False
    for table in tables:
        session.execute(text(f"ANALYZE {dialect.identifier_preparer.quote(table)}"))
    return True


def ping() -> None:
    with get_engine().connect() as conn:
        conn.execute(text("SELECT 1"))


class ordered_join(Join):  # noqa: N801 - used like sqlalchemy.join
    """An inner join whose left side SQLite reads first: written CROSS JOIN there, which SQLite's planner never
    reorders; a plain JOIN elsewhere. For a statement whose loop order SQLite, without statistics (the portal never
    runs ANALYZE), guesses wrong: it takes any equality on an indexed column as selective, however common the value."""

    inherit_cache = True

    def __init__(self, left, right, onclause) -> None:
        super().__init__(left, right, onclause)


@compiles(ordered_join, "sqlite")
def _ordered_join_sqlite(join, compiler, asfrom=False, from_linter=None, **kw) -> str:
    if from_linter:  # as compiler.visit_join does, so the joined tables are not taken for a cartesian product
        from_linter.edges.update(itertools.product(join.left._from_objects, join.right._from_objects))
    return (join.left._compiler_dispatch(compiler, asfrom=True, from_linter=from_linter, **kw) + " CROSS JOIN "
            + join.right._compiler_dispatch(compiler, asfrom=True, from_linter=from_linter, **kw) + " ON "
            + join.onclause._compiler_dispatch(compiler, from_linter=from_linter, **kw))
