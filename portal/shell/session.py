"""Who is signed in, for Reflex event handlers.

The HttpOnly cookie reaches the server with the websocket handshake; every guarded handler resolves it again
through `accounts.queries.open_lookup`, then asks the one guard (`kernel.permissions.authorize`).

Reflex keeps a tab's state on the server and sends all of it again on the tab's next page load, before any on_load
runs. So the signed-in states remember which sign-in filled them (`_session_key`), and `SessionBinding` wipes the
whole signed-in tree when a tab comes back with another, an expired or no sign-in.
"""

from __future__ import annotations

from collections.abc import Iterable

import reflex as rx
from reflex.middleware import Middleware
from reflex_base.utils.format import format_event_handler

from portal.accounts import queries as accounts
from portal.accounts import services as auth
from portal.kernel import unit
from portal.kernel.errors import DomainError
from portal.kernel.permissions import Actor, NotSignedIn, PermissionDenied, Role, authorize
from portal.kernel.settings import get_settings


def lookup_actor(state: rx.State) -> auth.SessionLookup:
    return accounts.open_lookup(auth.token_from_cookie_header(state.router.headers.cookie))


def _binding(state: rx.State) -> str:
    return auth.tab_binding(auth.token_from_cookie_header(state.router.headers.cookie), get_settings().secret_key)


class SignedInState(rx.State):
    """Base for signed-in pages: loads the actor and exposes only display data to the browser."""

    display_name: str = ""
    username: str = ""
    role_keys: list[str] = []
    scope_names: list[str] = []
    # A message-catalog key when the page may not be shown ("" when allowed).
    denied_key: str = ""
    ready: bool = False
    # The sign-in this tab's signed-in states were filled for (`auth.tab_binding`); a backend var, never sent.
    _session_key: str = ""

    def _guard(self, roles: Role | Iterable[Role], region_path: str | None = None) -> Actor | None:
        """Resolve the caller and check role + region. On failure set `denied_key` and return None."""
        found = lookup_actor(self)
        try:
            authorize(found.actor, roles, region_path)
        except NotSignedIn:
            # Whoever was signed in on this tab before is gone: nothing they saw may stay in its state.
            self._wipe_page()
            self.display_name, self.username, self.role_keys, self.scope_names = "", "", [], []
            self._session_key = ""
            self.denied_key = "auth.expired" if found.status == "expired" else "auth.sign_in_required"
            return None
        except PermissionDenied:
            self.denied_key = "auth.forbidden"
            self._show(found.actor)
            return None
        self.denied_key = ""
        self._session_key = _binding(self)
        self._show(found.actor)
        return found.actor

    def _wipe_page(self) -> None:
        """Back to the page's defaults (its own vars; the shared name, roles and refusal are the guard's)."""
        if type(self) is not SignedInState:
            self.reset()

    def _refuse_page(self) -> None:
        """A refusal met while filling an opened page (a region the caller does not hold): only the refusal shows."""
        self._wipe_page()
        self.denied_key = "auth.forbidden"

    def _perform(self, roles: Role | Iterable[Role], fn, *args,
                 bad_input: tuple[type[Exception], ...] = (ValueError, TypeError)) -> tuple[Actor | None, str]:
        """One privileged action: the guard, then `fn(session, actor, *args)` in one unit of work (the service checks
        role + region again and writes the audit log). Returns the actor (None: refused before anything ran, see
        `denied_key`) and "" on success, else the catalog key to show: a domain error's own `key`
        (`kernel.errors.DomainError`, whichever domain raised it), or auth.forbidden for a refusal by the guard or
        input no form can send (`bad_input`; a page that names its own key for those passes ())."""
        actor = self._guard(roles)
        if actor is None:
            return None, "auth.forbidden"
        try:
            unit.run(fn, actor, *args)
        except DomainError as exc:
            return actor, exc.key
        except (PermissionDenied, *bad_input):
            return actor, "auth.forbidden"
        return actor, ""

    def _show(self, actor: Actor | None) -> None:
        if actor is None:
            return
        self.display_name = actor.display_name
        self.username = actor.username
        self.role_keys = sorted({f"role.{g.role.value}" for g in actor.grants})
        self.scope_names = [g.region_name for g in actor.grants]

    def _login_redirect(self):
        return rx.redirect(f"/login?error={self.denied_key}")

    def _open_page(self, roles: Role | Iterable[Role], region_path: str | None = None) -> Actor | None:
        """A page's on_load: check the caller, mark the page ready to render either its content or the refusal."""
        actor = self._guard(roles, region_path)
        if actor is None:
            self._wipe_page()  # a refused page shows the refusal, never what an earlier load left in it
        self.ready = True
        return actor

    def _refused(self):
        """What on_load returns when refused: the signed-out go to sign in; the signed-in see 'not allowed'."""
        return None if self.denied_key == "auth.forbidden" else self._login_redirect()


def _signed_in_tree(cls: type[rx.State] = SignedInState) -> list[type[rx.State]]:
    out = [cls]
    for sub in cls.get_substates():
        out.extend(_signed_in_tree(sub))
    return out


async def wipe_signed_in_states(root: rx.State) -> SignedInState:
    """Every signed-in state of this tab back to its defaults (loading each first: Redis loads lazily)."""
    signed = await root.get_state(SignedInState)
    for cls in _signed_in_tree()[1:]:
        await root.get_state(cls)
    signed.reset()  # recursive: the page states are its substates
    return signed


_HYDRATE_HOOKS: list[type[rx.State]] = []


def on_hydrate(cls):
    """Register a public state whose `_on_hydrate(session, storage)` drops what a tab may no longer hold, before the
    tab's snapshot is sent (e.g. an idle tab's application draft). `storage`: the cookie and local-storage values the
    browser sent with the hydrate, by full var name."""
    _HYDRATE_HOOKS.append(cls)
    return cls


class SessionBinding(Middleware):
    """Before a tab's state is sent or used: a tab whose sign-in changed, ended or expired loses every signed-in
    state, so the snapshot of its next page load carries nothing the previous person saw.

    Runs on the hydrate events (the full snapshot; the sign-in is checked against the database there) and on every
    event of a signed-in state (the cookie is compared only: each of those handlers runs the guard anyway).
    """

    async def preprocess(self, app, state, event):
        hydrate = event.name in _hydrate_events()
        if not hydrate and not event.name.startswith(SignedInState.get_full_name() + "."):
            return None
        root = state._get_root_state()
        if hydrate and _HYDRATE_HOOKS:
            storage = (event.payload or {}).get("vars") or {}
            hooked = [await root.get_state(cls) for cls in _HYDRATE_HOOKS]
            unit.run(_run_hydrate_hooks, hooked, storage if isinstance(storage, dict) else {})
        signed = await root.get_state(SignedInState)
        stored = signed._session_key
        token = auth.token_from_cookie_header(root.router.headers.cookie)
        current = auth.tab_binding(token, get_settings().secret_key)
        if hydrate and current and accounts.open_lookup(token).status != "ok":
            current = ""
        if stored == current or (not hydrate and not stored):
            return None
        signed = await wipe_signed_in_states(root)
        # A hydrate has checked the sign-in; any other event leaves the binding to the guard it runs.
        signed._session_key = current if hydrate else ""
        return None


def _run_hydrate_hooks(session, states: list, storage: dict) -> None:
    for hooked in states:
        hooked._on_hydrate(session, storage)


def _hydrate_events() -> frozenset[str]:
    return frozenset(format_event_handler(rx.State.event_handlers[name]) for name in ("hydrate", "hydrate_and_load"))


def sent_cookie(state: rx.State, var: str, storage: dict) -> str:
    """The value of `state`'s cookie var `var` that the browser sent with its hydrate ('' when none)."""
    prefix = f"{state.get_full_name()}."
    return next((str(v) for k, v in storage.items() if k.startswith(prefix)
                 and k[len(prefix):].removesuffix("_rx_state_") == var), "")


def held_elsewhere(state: rx.State, var: str, key: str, last_used: float, storage: dict, idle_minutes: int) -> bool:
    """True when a public tab's personal data (what a resident typed, a report opened with its secret) may no longer
    be shown: its browser session's cookie `var` does not match `key` (another browser, or the browser was closed),
    or the tab sat unused longer than `idle_minutes` (a shared phone or kiosk: the next person needs the secret)."""
    import time

    return not key or sent_cookie(state, var, storage) != key or time.time() - last_used > 60 * idle_minutes
