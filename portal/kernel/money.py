"""Money in fen (integers), the one way to parse and show it: '1,234.50' yuan."""

from __future__ import annotations


def yuan(fen: int, per: int = 1, places: int = 2, *, trim: bool = False) -> str:
    """Fen → '1,234.50'.

    `per` divides first (a per-capita figure is `yuan(total, size)`) and `places` asks for more decimals; figures
    are cut, never rounded up, so a shown figure is never above the exact one. Extra decimals are dropped again when
    the value is exact to the fen. `trim` drops '.00' from a whole number of yuan ('1,015'), for residents' pages
    where an estimate's decimals would claim a precision it does not have."""
    if trim:
        return trimmed(yuan(fen, per, places))
    sign = "-" if fen * per < 0 else ""
    fen, per = abs(fen), abs(per)
    places = max(2, places)
    scale = 10 ** (places - 2)
    if fen % per == 0 or places == 2:
        cut = fen // per
        return f"{sign}{cut // 100:,}.{cut % 100:02d}"
    cut = fen * scale // per  # in units of 1/(100·scale) yuan
    whole, frac = divmod(cut, 100 * scale)
    digits = f"{frac:0{places}d}"
    if cut * per == fen * scale:  # exact: no trailing zeros past the fen
        digits = digits[:2] + digits[2:].rstrip("0")
    return f"{sign}{whole:,}.{digits}"


def trimmed(shown: object) -> str:
    """A figure shown by `yuan` ('1,015.00') without the decimals a whole number of yuan does not need ('1,015')."""
    text = str(shown)
    return text[:-3] if text.endswith(".00") else text


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
