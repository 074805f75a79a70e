"""Display formatting shared by pages (numbers only; words come from the message catalog)."""

from __future__ import annotations

DASH = "—"


def percent(value: float | None) -> str:
    """0.9234 → '92.3%'; None (not enough data to show) → '—'."""
    return DASH if value is None else f"{value * 100:.1f}%"


def rank_text(rank: int | None) -> str:
    return str(rank) if rank else DASH
