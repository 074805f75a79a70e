"""Render catalog messages in the visitor's language, switching in the browser without a round trip."""

from __future__ import annotations

import reflex as rx
from reflex.vars.sequence import StringVar

from portal.i18n import MESSAGES
from portal.shell.ui import UIState

_ZH = {k: v[0] for k, v in MESSAGES.items()}
_EN = {k: v[1] for k, v in MESSAGES.items()}


def t(key: str) -> rx.Var:
    """A fixed message: both languages are compiled in, the cookie-backed lang picks one."""
    zh, en = MESSAGES[key]
    return rx.cond(UIState.lang == "en", en, zh)


def t_var(key: rx.Var, keys: list[str], **params: rx.Var) -> rx.Var:
    """A message chosen at run time (e.g. an error key from the server), limited to `keys` to keep pages small.
    `params` fill {placeholders} of whichever message is picked (e.g. time= for "try again at {time}")."""
    zh = rx.Var.create({k: _ZH[k] for k in keys})
    en = rx.Var.create({k: _EN[k] for k in keys})
    out = rx.cond(UIState.lang == "en", en.to(dict)[key], zh.to(dict)[key])
    for name, value in params.items():
        out = out.to(str).replace("{" + name + "}", value)
    return out


def _fill(template: str, params: dict[str, rx.Var]) -> rx.Var:
    """'共 {n} 条' with n=var → '共 ' + str(var) + ' 条', as one string var."""
    parts: list = []
    rest = template
    while "{" in rest:
        before, _, after = rest.partition("{")
        name, _, rest = after.partition("}")
        if before:  # an empty literal would compile to "()" when the template starts with a placeholder
            parts.append(before)
        value = params[name]
        # A string var goes in as it is; to_string() would JSON-quote it ("abc" → "\"abc\"").
        parts.append(value if isinstance(value, StringVar) else value.to_string())
    if rest:
        parts.append(rest)
    out: rx.Var = rx.Var.create(parts[0]) if parts else rx.Var.create("")
    for part in parts[1:]:
        out = out + part
    return out


def t_fmt(key: str, **params: rx.Var) -> rx.Var:
    """A fixed message with {placeholders} filled from vars."""
    zh, en = MESSAGES[key]
    return rx.cond(UIState.lang == "en", _fill(en, params), _fill(zh, params))
