"""The unit of work for the UI: a page or the shell's action runner names a use case and its arguments, and `run`
calls it with a session inside one transaction (committed when it returns, rolled back when it raises). The caller
never holds the session, so pages and states stay off the database (tests/architecture): what a use case reads or
writes is the service's business."""

from __future__ import annotations

from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.orm import Session

from portal.kernel.db import session_scope

P = ParamSpec("P")
T = TypeVar("T")


def run(use_case: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`use_case(session, *args, **kwargs)` in one unit of work; its result is returned after the commit."""
    with session_scope() as session:
        return use_case(session, *args, **kwargs)


__all__ = ["run"]
