"""Engine and sessions. Our own code opens sessions; Reflex's rx.session (sqlmodel) is not used."""

from __future__ import annotations

import functools
import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event, text
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
