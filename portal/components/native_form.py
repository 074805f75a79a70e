"""A plain HTML form that really posts to its action.

`rx.el.form` always attaches a submit handler that calls preventDefault; sign-in and sign-out must be real
navigations so the server can set or clear the HttpOnly cookie and the websocket reconnects with it.
"""

from __future__ import annotations

import reflex as rx
from reflex_components_core.el.elements.base import BaseHTML


class NativeForm(BaseHTML):
    tag = "form"

    action: rx.Var[str]
    method: rx.Var[str]


native_form = NativeForm.create
