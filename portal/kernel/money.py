"""Money in fen (integers), the one way to parse and show it: '1,234.50' yuan."""

from __future__ import annotations


def yuan(fen: int) -> str:
    """Fen → '1,234.50' (negative amounts keep their sign)."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


def parse_yuan(text: str | None, *, empty: int | None = None) -> int | None:
    """'1200', '1,200.5', '-30' (yuan) → fen; None when it is not a number with at most two decimals and twelve
    whole digits; `empty` for blank input. Negative values come back negative, so a form can name them."""
    text = (text or "").strip().replace(",", "")
    if not text:
        return empty
    sign = -1 if text.startswith("-") else 1
    whole, dot, frac = text.lstrip("-+").partition(".")
    if not whole.isdigit() or len(whole) > 12 or (dot and (not frac.isdigit() or len(frac) > 2)):
        return None
    return sign * (int(whole) * 100 + (int(frac.ljust(2, "0")) if dot else 0))
