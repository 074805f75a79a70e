"""Text typed by people, before it is stored or shown to anyone else.

`clean_text`: every free-text field (reports, replies, notes, reasons, rating comments and staff answers,
evaluation comments, application notes) drops control characters, zero-width characters and bidirectional
overrides/isolates, which would otherwise render verbatim in an officer's inbox or reorder what a reader sees
("‮txt.exe"). Line breaks survive where the field is multi-line.

`name_error`: the one rule for a person's name, used by the application and the roster (so a name an application
accepted can always be published): Chinese names (with the middle dot of minority names written in Chinese, e.g.
买买提·艾力), names in minority scripts (Uyghur, Tibetan, Mongolian, Yi: letters and their combining marks), and
Latin letters with spaces. Digits (an ID or phone number typed into the box), symbols such as <>*, control,
zero-width and bidi characters are refused with one message.
"""

from __future__ import annotations

import unicodedata

from portal.kernel.masking import NAME_SEPARATORS

NAME_KEY = "name.err_invalid"
MAX_NAME = 32
_LINE_BREAKS = {"\n", "\r", "\u2028", "\u2029", "\x85"}
# Between the parts of a name: the middle dots and spaces the roster masks around, and the Tibetan tsheg.
_NAME_SEPARATORS = NAME_SEPARATORS | {"\u0f0b", "\u0f0c"}


def _hidden(ch: str) -> bool:
    """Control (Cc), format (Cf: zero-width, bidi embeddings/overrides/isolates, BOM) and other invisible code
    points (unassigned, private use, surrogates)."""
    return unicodedata.category(ch) in ("Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp")


def clean_text(value: str | None, *, multiline: bool = True) -> str:
    """`value` without hidden characters, whitespace runs collapsed, trimmed; lines kept when `multiline`."""
    text = value.replace("\r\n", "\n") if isinstance(value, str) else ""
    lines: list[str] = []
    current: list[str] = []
    for ch in text:
        if ch in _LINE_BREAKS:
            lines.append("".join(current))
            current = []
        elif ch == "\t" or ch.isspace():
            current.append(" ")
        elif not _hidden(ch):
            current.append(ch)
    lines.append("".join(current))
    lines = [" ".join(line.split()) for line in lines]
    if not multiline:
        return " ".join(line for line in lines if line)
    return "\n".join(lines).strip()


def plain(value: object, max_len: int) -> str:
    """A code, number, username or secret as someone typed it: '' for anything that is not a string (a forged
    argument), hidden characters (lone surrogates included: no database driver can store them) dropped, trimmed, cut
    to `max_len`. Look-ups use it so hostile input finds nothing instead of failing in the driver."""
    return clean_text(value, multiline=False)[:max_len] if isinstance(value, str) else ""


def storable(value: str) -> bool:
    """False for text holding a lone surrogate (JSON can carry one; UTF-8 cannot encode it)."""
    return not any("\ud800" <= ch <= "\udfff" for ch in value)


def normalize_name(name: str | None) -> str:
    return " ".join((name or "").split()) if isinstance(name, str) else ""


def name_error(name: str | None) -> str | None:
    """None when `name` (already normalized) is a person's name by the rule above, else the catalog key."""
    if not isinstance(name, str) or not name or len(name) > MAX_NAME or name != normalize_name(name):
        return NAME_KEY
    letters = 0
    previous_separator = True  # a name may not start with a separator or a combining mark
    for ch in name:
        category = unicodedata.category(ch)
        if ch in _NAME_SEPARATORS:
            if previous_separator:
                return NAME_KEY
            previous_separator = True
        elif category.startswith("L"):
            letters += 1
            previous_separator = False
        elif category in ("Mn", "Mc") and not previous_separator:
            pass  # Tibetan vowel signs, Arabic-script harakat
        else:
            return NAME_KEY  # digits, symbols, punctuation, control, zero-width, bidi
    return None if letters and not previous_separator else NAME_KEY
