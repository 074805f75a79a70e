"""Event arguments come from the browser, so anyone can send any JSON in their place (`open_report(10**30)`,
`callback("abc")`, a string where a form was expected). Every handler that takes arguments is wrapped in `checked`:
it checks each annotated argument's type and size before the handler runs, and the parsers below check ranges and
choices inside it; a bad argument is answered with a message (the page's `error_key`, or a toast where the page has
none) instead of an exception, and changes nothing.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Collection
from typing import Any, TypeVar

import reflex as rx
from starlette.requests import cookie_parser

from portal.i18n import text as catalog_text

MAX_ROW_ID = 2**31 - 1  # the largest id every supported database stores (PostgreSQL integer)
MAX_INT = 2**31 - 1
MAX_TEXT = 200  # a plain string argument (a code, a month, a choice); free text comes inside forms
KEY = "common.bad_argument"

T = TypeVar("T")


class BadArgument(ValueError):
    pass


def whole(value: Any) -> int:
    """An int sent as a number or as decimal digits (Reflex passes the raw value on when it cannot convert)."""
    if isinstance(value, bool):
        raise BadArgument(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value.strip()) <= 11:
        value = int(value.strip())
    if not isinstance(value, int) or not -MAX_INT <= value <= MAX_INT:
        raise BadArgument(repr(value)[:40])
    return value


def row_id(value: Any) -> int:
    value = whole(value)
    if not 0 < value <= MAX_ROW_ID:
        raise BadArgument(value)
    return value


def int_in(value: Any, low: int, high: int) -> int:
    value = whole(value)
    if not low <= value <= high:
        raise BadArgument(value)
    return value


def one_of(value: Any, allowed: Collection[T]) -> T:
    if isinstance(value, bool) or value not in allowed:
        raise BadArgument(repr(value)[:40])
    return value


def short_text(value: Any, max_len: int = MAX_TEXT) -> str:
    if not isinstance(value, str) or len(value) > max_len:
        raise BadArgument(repr(value)[:40])
    return value


def _check_annotated(fn: Callable, args: tuple, kwargs: dict) -> None:
    bound = inspect.signature(fn).bind(None, *args, **kwargs)
    hints = fn.__annotations__
    for name, value in list(bound.arguments.items())[1:]:
        hint = hints.get(name)
        if hint in (int, "int"):
            whole(value)
        elif hint in (str, "str"):
            short_text(value)
        elif hint in (bool, "bool"):
            if not isinstance(value, bool):
                raise BadArgument(repr(value)[:40])
        elif hint in (dict, "dict"):
            if not isinstance(value, dict):
                raise BadArgument(type(value).__name__)


def _answer(state: rx.State):
    if "error_key" in state.get_fields():
        state.error_key = KEY  # type: ignore[attr-defined]
        return None
    lang = "en" if cookie_parser(state.router.headers.cookie or "").get("sd_lang") == "en" else "zh"
    return rx.toast.error(catalog_text(KEY, lang))


def checked(fn):
    """Wrap an event handler (place it under @rx.event): bad arguments get a message, never an exception."""
    def refused(self, args, kwargs):
        try:
            _check_annotated(fn, args, kwargs)
        except (BadArgument, TypeError):
            return True, _answer(self)
        return False, None

    if inspect.isasyncgenfunction(fn):
        @functools.wraps(fn)
        async def agen(self, *args, **kwargs):
            bad, answer = refused(self, args, kwargs)
            if bad:
                yield answer
                return
            try:
                async for item in fn(self, *args, **kwargs):
                    yield item
            except BadArgument:
                yield _answer(self)
        return agen
    if inspect.iscoroutinefunction(fn):
        @functools.wraps(fn)
        async def coro(self, *args, **kwargs):
            bad, answer = refused(self, args, kwargs)
            if bad:
                return answer
            try:
                return await fn(self, *args, **kwargs)
            except BadArgument:
                return _answer(self)
        return coro
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def gen(self, *args, **kwargs):
            bad, answer = refused(self, args, kwargs)
            if bad:
                yield answer
                return
            try:
                yield from fn(self, *args, **kwargs)
            except BadArgument:
                yield _answer(self)
        return gen

    @functools.wraps(fn)
    def plain(self, *args, **kwargs):
        bad, answer = refused(self, args, kwargs)
        if bad:
            return answer
        try:
            return fn(self, *args, **kwargs)
        except BadArgument:
            return _answer(self)
    return plain
