"""Keyed hashes (HMAC-SHA256 under the portal's secret key): the one way a stored value is made unguessable.

A plain hash of a short or structured value (a receipt secret, a device id, a phone number) can be tested against a
stolen database by trying every candidate; keyed with `PORTAL_SECRET_KEY` it cannot, without the key as well.
Callers put a context in `value` ("report-secret:<receipt>:<secret>") so equal inputs never hash alike across uses.
"""

from __future__ import annotations

import hashlib
import hmac


def keyed_hash(secret: str, value: str) -> str:
    """64 lower-case hex digits."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def same(expected: str, given: str) -> bool:
    """Constant-time comparison of two hashes."""
    return hmac.compare_digest(expected.encode(), given.encode())
