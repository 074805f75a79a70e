"""Short codes people read aloud, copy by hand and type on a phone: the one alphabet (no 0/O, 1/I/L) and the one
grouped secret form, `ABCD-EFGH`, that follows a report (its receipt secret) and an application (its resume secret).

Typed secrets are normalised the same way everywhere: case, spaces, full stops and a missing or extra dash do not
matter. Pure Python: no database, no Reflex, no domain.
"""

from __future__ import annotations

import re
import secrets

from portal.kernel import text_rules

__all__ = ["ALPHABET", "SECRET_LENGTH", "new_secret", "normalize_secret"]

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud and typed on phones
SECRET_LENGTH = 8  # 31^8 ≈ 8.5 × 10^11, behind a throttle of a few wrong tries per window


def new_secret() -> str:
    """A fresh secret in the grouped form, e.g. 'K7QM-3XWD'."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(SECRET_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalize_secret(text: str) -> str:
    """A typed secret in the grouped form ('k7qm 3xwd', 'K7QM3XWD' → 'K7QM-3XWD'); '' unless exactly
    SECRET_LENGTH letters and digits remain."""
    raw = re.sub(r"[^0-9A-Za-z]", "", text_rules.plain(text, 64)).upper()[:SECRET_LENGTH + 4]
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == SECRET_LENGTH else ""
