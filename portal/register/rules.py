"""Resident ID numbers (公民身份号码, GB 11643-1999): normalisation, validation with the ISO 7064 MOD 11-2 check
character, the birth date and sex they carry, and the keyed hash the register is searched by.

Pure: no database, no settings. Errors are message-catalog keys (`IdNumberError.key`), so the wizard, the officer
pages and the import report the same reason in the same words.

Layout of the 18 characters: 6 digits of the issuing region, 8 of the birth date (YYYYMMDD), 3 of the sequence
(odd for men, even for women), 1 check character (0-9 or X). The 15-digit numbers issued before 1999 are refused:
they carry no check character and every holder has had an 18-character number for decades.
"""

from __future__ import annotations

import hmac
import unicodedata
from operator import mul
from dataclasses import dataclass
from datetime import date

from portal.kernel.errors import DomainError

LENGTH = 18
OLD_LENGTH = 15
WEIGHTS = tuple(pow(2, LENGTH - 1 - i, 11) for i in range(LENGTH - 1))  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
CHECK_CHARS = "10X98765432"  # index: weighted sum mod 11
EARLIEST_BIRTH = date(1890, 1, 1)
# Province-level codes (GB/T 2260): the first two digits of every number issued on the mainland, plus 71/81/82.
PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43",
    "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82",
})
SEX_MALE = "M"
SEX_FEMALE = "F"
HASH_CONTEXT = b"register.id_number\x00"  # keeps these hashes apart from other keyed hashes under the same secret

# Catalog keys, in the order the checks run.
ERR_EMPTY = "register.err_id_empty"
ERR_OLD = "register.err_id_old15"
ERR_LENGTH = "register.err_id_length"
ERR_CHARS = "register.err_id_chars"
ERR_REGION = "register.err_id_region"
ERR_DATE = "register.err_id_date"
ERR_FUTURE = "register.err_id_future"
ERR_CHECK = "register.err_id_check"
ERRORS = (ERR_EMPTY, ERR_OLD, ERR_LENGTH, ERR_CHARS, ERR_REGION, ERR_DATE, ERR_FUTURE, ERR_CHECK)


class IdNumberError(DomainError):
    """A malformed ID number; `key` names the first thing wrong with it."""


@dataclass(frozen=True)
class IdNumber:
    number: str  # normalised: 17 digits and a digit or X
    birth_date: date
    sex: str  # SEX_MALE | SEX_FEMALE


_SEPARATORS = str.maketrans("", "", "-_")


def normalize(raw: str | None) -> str:
    """Full-width digits and letters to half-width (NFKC), spaces and separators people type dropped, x → X."""
    raw = raw or ""
    if raw.isascii() and raw.isalnum():
        # What the register and the department files hold: NFKC leaves ASCII as it is and there is nothing to drop.
        # Hashing a province's register calls this millions of times.
        return raw.upper()
    return "".join(unicodedata.normalize("NFKC", raw).split()).translate(_SEPARATORS).upper()


def check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 17 digits."""
    return CHECK_CHARS[sum(map(mul, map(int, first17), WEIGHTS)) % 11]


def parse(raw: str | None, today: date) -> IdNumber:
    """The number, its birth date and sex; IdNumberError(key) naming the first thing wrong with it."""
    number = normalize(raw)
    if not number:
        raise IdNumberError(ERR_EMPTY)
    if len(number) == OLD_LENGTH and number.isdigit():
        raise IdNumberError(ERR_OLD)
    if len(number) != LENGTH:
        raise IdNumberError(ERR_LENGTH)
    if not (number[:17].isascii() and number[:17].isdigit() and (number[17].isdigit() or number[17] == "X")):
        raise IdNumberError(ERR_CHARS)
    if number[:2] not in PROVINCES:
        raise IdNumberError(ERR_REGION)
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdNumberError(ERR_DATE) from None
    if born < EARLIEST_BIRTH:
        raise IdNumberError(ERR_DATE)
    if born > today:
        raise IdNumberError(ERR_FUTURE)
    if check_char(number[:17]) != number[17]:
        raise IdNumberError(ERR_CHECK)
    return IdNumber(number, born, SEX_MALE if int(number[16]) % 2 else SEX_FEMALE)


def error_of(raw: str | None, today: date) -> str:
    """'' when the number is valid, else the catalog key of what is wrong (for forms that show one message)."""
    try:
        parse(raw, today)
    except IdNumberError as exc:
        return exc.key
    return ""


def id_hash(secret: str, number: str) -> str:
    """The keyed hash (HMAC-SHA256 under the portal's secret key) of a normalised number: the register's look-up
    index. Without the key nobody can test guessed numbers against it (the number space is small enough to walk)."""
    return hmac.digest(secret.encode("utf-8"), HASH_CONTEXT + normalize(number).encode("ascii", "replace"),
                       "sha256").hex()


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def born_by(age: int, day: date) -> date:
    """The latest birth date of someone `age` or older on `day` (`age_on(b, day) >= age` ⇔ `b <= born_by(age, day)`),
    for a query that compares birth dates; 29 February falls back to the 28th in a year without it."""
    return date(day.year - age, day.month, 28 if (day.month, day.day) == (2, 29) else day.day)


def make_number(first17: str) -> str:
    """A well-formed number from 17 digits (demo data and tests): the check character appended."""
    return first17 + check_char(first17)


# Relation of a member to the head of the household (the application wizard's "applicant" becomes the head).
RELATIONS = ("head", "spouse", "child", "parent", "grandchild", "sibling", "other")
