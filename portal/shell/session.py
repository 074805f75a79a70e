"""Who is signed in, for Reflex event handlers.

The HttpOnly cookie reaches the server with the websocket handshake; every guarded handler resolves it again
through `services.auth.lookup`, then asks the one guard (`services.permissions.authorize`).
"""

from __future__ import annotations

from collections.abc import Iterable

import reflex as rx

from portal.kernel.db import session_scope
from portal.accounts.models import Role
from portal.accounts import services as auth
from portal.kernel.permissions import Actor, NotSignedIn, PermissionDenied, authorize


def lookup_actor(state: rx.State) -> auth.SessionLookup:
    token = auth.token_from_cookie_header(state.router.headers.cookie)
    with session_scope() as session:
        return auth.lookup(session, token)


class SignedInState(rx.State):
    """Base for signed-in pages: loads the actor and exposes only display data to the browser."""

    display_name: str = ""
    username: str = ""
    role_keys: list[str] = []
    scope_names: list[str] = []
    # A message-catalog key when the page may not be shown ("" when allowed).
    denied_key: str = ""
    ready: bool = False

    def _guard(self, roles: Role | Iterable[Role], region_path: str | None = None) -> Actor | None:
        """Resolve the caller and check role + region. On failure set `denied_key` and return None."""
        found = lookup_actor(self)
        try:
            authorize(found.actor, roles, region_path)
        except NotSignedIn:
            self.denied_key = "auth.expired" if found.status == "expired" else "auth.sign_in_required"
            # Whoever was signed in on this tab before is gone: their name and roles must not stay in its state.
            self.display_name, self.username, self.role_keys, self.scope_names = "", "", [], []
            return None
        except PermissionDenied:
            self.denied_key = "auth.forbidden"
            self._show(found.actor)
            return None
        self.denied_key = ""
        self._show(found.actor)
        return found.actor

    def _perform(self, roles: Role | Iterable[Role], fn, *args, domain_errors: tuple[type[Exception], ...] = (),
                 bad_input: tuple[type[Exception], ...] = (ValueError, TypeError)) -> tuple[Actor | None, str]:
        """One privileged action: the guard, then `fn(session, actor, *args)` in one unit of work (the service checks
        role + region again and writes the audit log). Returns the actor (None: refused before anything ran, see
        `denied_key`) and "" on success, else the catalog key to show: a domain error's own `key`, or auth.forbidden
        for a refusal or input no form can send."""
        actor = self._guard(roles)
        if actor is None:
            return None, "auth.forbidden"
        try:
            with session_scope() as session:
                fn(session, actor, *args)
        except domain_errors as exc:
            return actor, exc.key  # type: ignore[attr-defined]
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
        self.ready = True
        return actor

    def _refused(self):
        """What on_load returns when refused: the signed-out go to sign in; the signed-in see 'not allowed'."""
        return None if self.denied_key == "auth.forbidden" else self._login_redirect()
