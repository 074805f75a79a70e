"""Render catalog messages in the visitor's language, switching in the browser without a round trip."""

from __future__ import annotations

import reflex as rx

from portal.i18n import MESSAGES
from portal.states.ui import UIState

_ZH = {k: v[0] for k, v in MESSAGES.items()}
_EN = {k: v[1] for k, v in MESSAGES.items()}


def t(key: str) -> rx.Var:
    """A fixed message: both languages are compiled in, the cookie-backed lang picks one."""
    zh, en = MESSAGES[key]
    return rx.cond(UIState.lang == "en", en, zh)


def t_var(key: rx.Var, keys: list[str]) -> rx.Var:
    """A message chosen at run time (e.g. an error key from the server), limited to `keys` to keep pages small."""
    zh = rx.Var.create({k: _ZH[k] for k in keys})
    en = rx.Var.create({k: _EN[k] for k in keys})
    return rx.cond(UIState.lang == "en", en.to(dict)[key], zh.to(dict)[key])


def _fill(template: str, params: dict[str, rx.Var]) -> rx.Var:
    """'共 {n} 条' with n=var → '共 ' + str(var) + ' 条', as one string var."""
    out: rx.Var = rx.Var.create("")
    rest = template
    while "{" in rest:
        before, _, after = rest.partition("{")
        name, _, rest = after.partition("}")
        out = out + before + params[name].to_string()
    return out + rest


def t_fmt(key: str, **params: rx.Var) -> rx.Var:
    """A fixed message with {placeholders} filled from vars."""
    zh, en = MESSAGES[key]
    return rx.cond(UIState.lang == "en", _fill(en, params), _fill(zh, params))
