"""Resident ID numbers (register/rules.py) at their boundaries, and the one ID masker (kernel/masking.py)."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.kernel.masking import mask_id_number
from portal.register import rules

TODAY = date(2026, 3, 9)


def test_the_standard_example_with_x_is_valid():
    parsed = rules.parse("11010519491231002X", TODAY)
    assert parsed == rules.IdNumber("11010519491231002X", date(1949, 12, 31), rules.SEX_FEMALE)


def test_lowercase_x_full_width_and_spaces_are_normalised():
    assert rules.parse("110105 19491231 002x", TODAY).number == "11010519491231002X"
    assert rules.parse("１１０１０５１９４９１２３１００２Ｘ", TODAY).number == "11010519491231002X"


def test_sex_comes_from_the_17th_digit():
    assert rules.parse("130102197403150011", TODAY).sex == rules.SEX_MALE
    assert rules.parse("130102197607200025", TODAY).sex == rules.SEX_FEMALE


@pytest.mark.parametrize("raw, key", [
    ("", rules.ERR_EMPTY),
    ("   ", rules.ERR_EMPTY),
    ("110105491231002", rules.ERR_OLD),  # 15-digit number from before 1999
    ("11010519491231002", rules.ERR_LENGTH),
    ("11010519491231002X1", rules.ERR_LENGTH),
    ("1101051949123100AX", rules.ERR_CHARS),
    ("11010519491231002Y", rules.ERR_CHARS),
    ("99010519491231002X", rules.ERR_REGION),
    ("110105194902300021", rules.ERR_DATE),  # 30 February
    ("110105188912310021", rules.ERR_DATE),  # before 1890
    ("110105194912310021", rules.ERR_CHECK),  # one wrong check character
    ("110105194912310029", rules.ERR_CHECK),
])
def test_bad_numbers_name_what_is_wrong(raw, key):
    with pytest.raises(rules.IdNumberError) as caught:
        rules.parse(raw, TODAY)
    assert caught.value.key == key
    assert rules.error_of(raw, TODAY) == key


def test_a_birth_date_after_today_is_refused_and_today_is_fine():
    tomorrow = rules.make_number("13010220260310001")
    born_today = rules.make_number("13010220260309001")
    assert rules.error_of(tomorrow, TODAY) == rules.ERR_FUTURE
    assert rules.parse(born_today, TODAY).birth_date == TODAY


def test_leap_day_births_are_valid_only_in_leap_years():
    assert rules.error_of(rules.make_number("13010220000229001"), TODAY) == ""
    assert rules.error_of(rules.make_number("13010219000229001"), TODAY) == rules.ERR_DATE


def test_every_check_character_value_is_reachable_and_verified():
    seen = set()
    for n in range(200):
        number = rules.make_number(f"13010219800101{n:03d}")
        seen.add(number[-1])
        assert rules.error_of(number, TODAY) == ""
    assert seen == set(rules.CHECK_CHARS)


def test_the_keyed_hash_depends_on_the_key_and_not_on_the_typing():
    a = rules.id_hash("key-1", "11010519491231002X")
    assert a == rules.id_hash("key-1", "11010519491231002x ")
    assert a != rules.id_hash("key-2", "11010519491231002X")
    assert len(a) == 64 and "11010519491231002X" not in a


def test_the_id_masker_keeps_region_and_last_four():
    assert mask_id_number("13010219700101123X") == "130102********123X"
    assert mask_id_number("") == ""
    assert mask_id_number("1234") == "****"
    assert mask_id_number("110105491231002") == "**************2"  # never the whole of a malformed value


# Characters people and spreadsheets put into ID numbers: digits and X (half- and full-width), separators, every
# kind of space, letters, and anything else.
_TYPED = st.text(st.one_of(st.sampled_from("0123456789xX０１２３４５６７８９ｘＸ -_\t\u3000\u00a0\u2009\n"),
                           st.characters()), max_size=24)


@settings(max_examples=400, deadline=None)
@given(_TYPED)
def test_normalize_is_nfkc_without_spaces_or_separators_and_upper_case(raw):
    expected = "".join(c for c in unicodedata.normalize("NFKC", raw) if not c.isspace() and c not in "-_").upper()
    assert rules.normalize(raw) == expected


@settings(max_examples=200, deadline=None)
@given(_TYPED, st.text(max_size=12))
def test_the_keyed_hash_is_hmac_sha256_of_the_context_and_the_normalised_number(raw, key):
    number = rules.normalize(raw).encode("ascii", "replace")
    assert rules.id_hash(key, raw) == hmac.new(key.encode(), rules.HASH_CONTEXT + number, hashlib.sha256).hexdigest()
