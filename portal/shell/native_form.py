"""A plain HTML form that really posts to its action.

`rx.el.form` always attaches a submit handler that calls preventDefault; sign-in and sign-out must be real
navigations so the server can set or clear the HttpOnly cookie and the websocket reconnects with it.

Submitting also drops the tab's Reflex token (sessionStorage "token"), so the page after signing in or out starts a
fresh state: the state of a tab (an officer's open case, a reporter's form) is otherwise sent again, in full, on every
page load of that tab, to whoever signs in next on it or keeps using it signed out.
"""

from __future__ import annotations

import reflex as rx
from reflex_base.vars.base import Var
from reflex_components_core.el.elements.base import BaseHTML


class NativeForm(BaseHTML):
    tag = "form"

    action: rx.Var[str]
    method: rx.Var[str]


    @classmethod
    def create(cls, *children, **props):
        props.setdefault("custom_attrs", {})["onSubmit"] = Var(_js_expr=_FRESH_STATE)
        return super().create(*children, **props)


_FRESH_STATE = '(() => { window.sessionStorage.removeItem("token"); })'

native_form = NativeForm.create
