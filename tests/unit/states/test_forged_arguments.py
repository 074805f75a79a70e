"""Forged event arguments (portal/shell/args.py): any client can send any JSON as a handler's arguments. Every
handler that takes arguments answers a bad one with a message (the page's error_key, or a toast) and never raises:
`open_report(10**30)`, `callback("abc")`, `select_round("abc")`, a string for a form..."""

from __future__ import annotations

import inspect

import pytest
import reflex as rx

import portal.portal  # noqa: F401 (registers every page's state)
from tests.asyncrun import run_async
from portal.schema import Base
from portal.shell import args

HOSTILE = {
    "int": ["abc", 10**30, -(10**30), 1.5, None, True, [1], {"a": 1}, "9" * 40],
    "str": [10**30, None, {"a": 1}, ["x"], True, "x" * 100_000],
    "dict": ["abc", None, 7, ["a"], True],
    "bool": ["abc", 1, None, {}],
}


def _handlers():
    seen = set()
    stack = [rx.State]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if not cls.__module__.startswith("portal."):
            continue
        for name, handler in cls.event_handlers.items():
            fn = handler.fn
            if getattr(fn, "__wrapped__", None) is None or (cls, name) in seen:
                continue
            seen.add((cls, name))
            yield cls, name, fn


HANDLERS = sorted(_handlers(), key=lambda h: (h[0].__name__, h[1]))


def _run(fn, state, *a):
    out = fn(state, *a)
    if inspect.isgenerator(out):
        return list(out)
    if inspect.isasyncgen(out):
        async def drain():
            return [item async for item in out]
        return run_async(drain())
    if inspect.iscoroutine(out):
        return run_async(out)
    return out


def _answered(state, result) -> bool:
    if getattr(state, "error_key", None) == args.KEY or getattr(state, "denied_key", ""):
        return True
    items = result if isinstance(result, list) else [result]
    return any("toast" in str(i) for i in items if i is not None)  # rx.toast.error(<the catalog message>)


@pytest.fixture
def portal_db(portal_env, tmp_path):
    from portal.kernel.db import make_engine

    url = f"sqlite:///{tmp_path / 'states.db'}"
    Base.metadata.create_all(make_engine(url))
    portal_env(database_url=url)


def test_every_handler_with_arguments_is_checked():
    """97 and counting; a new handler with arguments must be wrapped too (upload handlers take files from Reflex)."""
    unchecked = []
    stack = [rx.State]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if not cls.__module__.startswith("portal."):
            continue
        for name, handler in cls.event_handlers.items():
            if not handler.fn.__module__.startswith("portal."):
                continue  # Reflex's own setvar
            params = list(inspect.signature(handler.fn).parameters)[1:]
            if params and params != ["files"] and getattr(handler.fn, "__wrapped__", None) is None:
                unchecked.append(f"{cls.__name__}.{name}")
    assert unchecked == []
    assert len(HANDLERS) >= 90


@pytest.mark.parametrize(("cls", "name", "fn"), HANDLERS, ids=[f"{c.__name__}.{n}" for c, n, _ in HANDLERS])
def test_forged_arguments_get_a_message_not_an_exception(portal_db, cls, name, fn):
    hints = fn.__annotations__
    params = [p for p in inspect.signature(fn).parameters.values()][1:]
    good = {"int": 1, "str": "x", "dict": {}, "bool": False}
    for i, param in enumerate(params):
        kind = str(hints.get(param.name, "")).replace("<class '", "").replace("'>", "")
        for bad in HOSTILE.get(kind, []):
            state = cls(_reflex_internal_init=True)
            call = [good.get(str(hints.get(p.name, "")).replace("<class '", "").replace("'>", ""), "x")
                    for p in params]
            call[i] = bad
            result = _run(fn, state, *call)
            assert _answered(state, result), (name, param.name, bad, result)


@pytest.mark.parametrize(("state_path", "handler", "arg"), [
    ("portal.reports.pages.officer:OfficerReportsState", "open_report", 10**30),
    ("portal.reports.pages.officer:OfficerReportsState", "open_report", -5),
    ("portal.reports.pages.officer:OfficerReportsState", "show_payout", 0),
    ("portal.ratings.pages.officer:OfficerRatingsState", "callback", "abc"),
    ("portal.evaluations.pages.admin:AdminEvaluationsState", "select_round", "abc"),
    ("portal.evaluations.pages.admin:AdminEvaluationsState", "select_round", 0),
])
def test_the_reported_cases(portal_db, state_path, handler, arg):
    import importlib

    module, _, name = state_path.partition(":")
    cls = getattr(importlib.import_module(module), name)
    state = cls(_reflex_internal_init=True)
    result = _run(cls.event_handlers[handler].fn, state, arg)
    assert _answered(state, result), result


def test_set_year_is_guarded(portal_db):
    from portal.shell.admin_calendar import AdminCalendarState

    state = AdminCalendarState(_reflex_internal_init=True)
    state.years = ["2026"]
    _run(AdminCalendarState.event_handlers["set_year"].fn, state, "2026")
    # Not signed in: refused by the role guard before anything is read.
    assert state.denied_key == "auth.sign_in_required" and state.days == []
    for bad in ("1900", "abc", 2026):
        state = AdminCalendarState(_reflex_internal_init=True)
        result = _run(AdminCalendarState.event_handlers["set_year"].fn, state, bad)
        assert _answered(state, result)


def test_parsers():
    assert args.row_id(5) == 5 and args.row_id("42") == 42
    for bad in (0, -1, 2**31, 10**30, "abc", "", True, None, 1.0, "1e3"):
        with pytest.raises(args.BadArgument):
            args.row_id(bad)
    assert args.int_in("3", 1, 5) == 3
    with pytest.raises(args.BadArgument):
        args.int_in(6, 1, 5)
    assert args.one_of("a", ("a", "b")) == "a"
    with pytest.raises(args.BadArgument):
        args.one_of(["a"], ("a", "b"))
    with pytest.raises(args.BadArgument):
        args.short_text("x" * 201)
