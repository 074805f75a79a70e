"""Show a sensitive value once, without keeping it in the Reflex state.

Every var of every state of a tab is stored by the state manager (disk or Redis) and sent again, in full, in the
snapshot of every later page load of that tab, before any on_load can clear it: after signing out, to the next
person who signs in on the same tab, to anyone who reopens it. The reporter's name and phone, payout details and the
one-time receipt secret therefore never go into a state var. The event handler that read them (and wrote the audit
row) returns `show_once(...)`: the value travels in that one event, the browser writes it into an element the page
renders empty, and it is gone when that element unmounts or the page is left.
"""

from __future__ import annotations

import json

import reflex as rx

# Fill the element (waiting up to 5 s for the delta that mounts it to render), as text or as one attribute.
_SCRIPT = ("((a, n) => {{ const put = () => {{ const el = document.getElementById(a[0]); "
           "if (el) {{ if (a[1]) {{ el.setAttribute(a[1], a[2]); }} else {{ el.textContent = a[2]; }} }} "
           "else if (n-- > 0) {{ setTimeout(put, 50); }} }}; put(); }})({args}, 100)")


def show_once(element_id: str, value: str, attribute: str = "") -> rx.event.EventSpec:
    """Write `value` into the element with this id (its text, or `attribute` such as src/href) in the browser only.
    The element must be rendered without children (or without that attribute), so React never overwrites it."""
    return rx.call_script(_SCRIPT.format(args=json.dumps([element_id, attribute, value], ensure_ascii=False)))
