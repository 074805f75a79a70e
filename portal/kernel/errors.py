"""Domain errors: a request refused by a rule of the domain, with the message-catalog key that says why.

Every domain's error class derives from `DomainError`, and nothing else does. So the shell's action runner
(`shell/session._perform`) shows any of them with its own key, and keeps "not allowed" (auth.forbidden) for what
really is one: a refusal by the guard (`permissions.PermissionDenied`) or input no form can send (a `ValueError` or
`TypeError` from parsing). A `DomainError` is not a `ValueError`, so an `except ValueError` around a parse never
swallows a rule's refusal, nor the other way round."""

from __future__ import annotations


class DomainError(Exception):
    """`key`: the catalog key to show; `message`: the text for logs and tracebacks (the key when not given)."""

    def __init__(self, key: str, message: str | None = None) -> None:
        super().__init__(message if message is not None else key)
        self.key = key
