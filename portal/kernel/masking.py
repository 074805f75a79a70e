"""Masking for public and shared views: THE name masker (`mask_name`, the public roster 公示) and THE ID-number
masker (`mask_id_number`, everywhere an ID is not shown in full).

The style is a per-region setting (`Region.name_mask_style`); every public page masks through `mask_name`.

Styles (one `*` per hidden character, so the length of the name is kept, as on paper notices):

* ``middle`` (default): keep the surname and the last character of the given name.
  张三 → 张*, 张小明 → 张*明, 欧阳修 → 欧阳*, 欧阳娜娜 → 欧阳*娜, 司马相如 → 司马*如.
* ``surname``: keep the surname only. 张小明 → 张**, 欧阳娜娜 → 欧阳**.
* ``full``: publish the name as it is (some regions publish full names by policy).

Names written in parts (transliterated minority names such as 买买提·艾力, or Latin names with spaces) keep their
separators; the first character of the first part plays the surname, and ``middle`` keeps the very last character:
买买提·艾力 → 买**·*力 (``middle``), 买**·** (``surname``).

An unknown style fails closed: it masks like ``surname``, the strictest style. A name is never published unmasked
by accident.
"""

from __future__ import annotations

import re
import unicodedata

MIDDLE = "middle"
SURNAME = "surname"
FULL = "full"
STYLES = (MIDDLE, SURNAME, FULL)
DEFAULT_STYLE = MIDDLE
MASK = "*"

# Two-character surnames (复姓): with them the surname is two characters, so 欧阳娜娜 is 欧阳 + 娜娜.
COMPOUND_SURNAMES = frozenset({
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "司空",
    "夏侯", "轩辕", "令狐", "钟离", "端木", "南宫", "西门", "独孤", "百里", "呼延", "澹台", "公冶", "太史",
    "申屠", "闻人", "万俟", "拓跋", "赫连", "东郭", "左丘", "梁丘", "第五", "濮阳", "淳于", "单于", "仲孙",
    "宗政", "公羊", "谷梁", "亓官", "壤驷", "漆雕", "乐正", "宰父", "羊舌", "微生", "段干", "巫马", "公良",
})

# Separators between the parts of a name: middle dots in their many encodings (·, •, ‧, ・, ･, ．, ﹒, ●) and spaces.
NAME_SEPARATORS = frozenset(map(chr, (0x00B7, 0x2022, 0x2027, 0x30FB, 0xFF65, 0xFF0E, 0xFE52, 0x25CF, 0x0387,
                                      0x0020, 0x3000)))


def _surname_length(letters: str) -> int:
    """1 or 2: a compound surname only counts when something is left for the given name."""
    return 2 if len(letters) > 2 and letters[:2] in COMPOUND_SURNAMES else 1


def mask_name(name: str, style: str | None = DEFAULT_STYLE) -> str:
    """The published form of `name` under a region's masking `style` (see the module docstring)."""
    name = " ".join((name or "").split())  # trim and collapse runs of whitespace
    if not name:
        return ""
    if style == FULL:
        return name
    if style not in STYLES:
        style = SURNAME  # fail closed
    chars = list(name)
    letters = [i for i, c in enumerate(chars) if c not in NAME_SEPARATORS]
    if not letters:
        return MASK
    parted = len(letters) != len(chars)
    if parted:
        keep = {letters[0]}
    else:
        keep = set(letters[:_surname_length(name)])
    if style == MIDDLE and len(letters) - len(keep) >= 2:
        keep.add(letters[-1])  # the last character, only when something before it stays hidden
    if len(keep) >= len(letters):  # a one-character name: hide it all rather than publish it
        keep = set()
    return "".join(c if i in keep or c in NAME_SEPARATORS else MASK for i, c in enumerate(chars))


# --- numbers in free text ---------------------------------------------------------------------------------------

# A run of digits with at most one space, dash or ideographic space between them (how people type 138 1234 5678 or
# 6222-0000-1111-2222), optionally ending in the X of an ID number. \d covers full-width digits too.
_X = "Xx" + chr(0xFF38) + chr(0xFF58)  # the ID check character, half- and full-width
_NUMBER_RUN = re.compile(r"\d(?:[ \-\u3000]?\d)*(?:[ \-\u3000]?[" + _X + "])?")
_MOBILE = re.compile(r"(?:86)?1[3-9]\d{9}")


def _sensitive(digits: str, ends_with_x: bool) -> bool:
    if ends_with_x:
        return len(digits) == 17  # an ID number (身份证号) whose check character is X
    return 13 <= len(digits) <= 19 or bool(_MOBILE.fullmatch(digits))  # bank cards and IDs; mobile numbers


def scrub_numbers(text: str | None) -> str:
    """Free text with ID numbers (18 characters, X included), mainland mobile numbers and bank-card numbers (13–19
    digits, spaced or not) replaced by * per character, for readers who must not see them (window staff reading
    raters' comments). The stored text is not changed: officers read the original."""
    if not text:
        return text or ""

    def mask(match: re.Match[str]) -> str:
        run = match.group(0)
        ends_with_x = run[-1] in _X
        digits = "".join(str(unicodedata.decimal(ch)) for ch in run if ch.isdecimal())  # full-width → ASCII
        if not _sensitive(digits, ends_with_x):
            return run
        return "".join("*" if ch.isdecimal() or ch in _X else ch for ch in run)

    return _NUMBER_RUN.sub(mask, text)


def account_numbers(text: str | None) -> list[str]:
    """The account numbers a free text names (the runs `scrub_numbers` hides: ID numbers, mobile numbers, bank
    cards), each as plain ASCII digits (an ID's check character as X, a mobile without its 86 prefix), so the same
    number typed as 6222 0000 1111 2222 or ６２２２-0000-1111-2222 reads alike.

    >>> account_numbers("卡号 6222-0000-1111-2222，电话8613812345678，身份证13010219800101123x")
    ['6222000011112222', '13812345678', '13010219800101123X']
    """
    out = []
    for match in _NUMBER_RUN.finditer(text or ""):
        run = match.group(0)
        ends_with_x = run[-1] in _X
        digits = "".join(str(unicodedata.decimal(ch)) for ch in run if ch.isdecimal())
        if not _sensitive(digits, ends_with_x):
            continue
        if ends_with_x:
            digits += "X"
        elif _MOBILE.fullmatch(digits) and len(digits) == 13:
            digits = digits[2:]
        if digits not in out:
            out.append(digits)
    return out


ID_KEEP_HEAD = 6  # the issuing region: public knowledge for anyone who knows the village
ID_KEEP_TAIL = 4


def mask_id_number(number: str | None) -> str:
    """THE masked form of a resident ID number wherever it is not shown in full: 130102********123X (region code
    and the last four kept, the birth date and sequence hidden). Anything that is not 18 characters is hidden
    entirely except its last character, so a malformed value cannot leak either."""
    value = "".join((number or "").split())
    if not value:
        return ""
    if len(value) != 18:
        return MASK * max(len(value) - 1, 1) + value[-1:] if len(value) > 4 else MASK * len(value)
    return value[:ID_KEEP_HEAD] + MASK * (18 - ID_KEEP_HEAD - ID_KEEP_TAIL) + value[-ID_KEEP_TAIL:]
