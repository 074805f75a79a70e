"""Name masking for the public roster (portal/kernel/masking.py): the one function every public page uses."""

from __future__ import annotations

import pytest

from portal.kernel.masking import COMPOUND_SURNAMES, DEFAULT_STYLE, FULL, MIDDLE, STYLES, SURNAME, mask_name


@pytest.mark.parametrize("name, expected", [
    # two characters: the given name is one character, hidden
    ("张三", "张*"),
    ("王芳", "王*"),
    # three characters: the example on every notice board
    ("张小明", "张*明"),
    ("周建华", "周*华"),
    # four characters without a compound surname: everything between first and last hidden
    ("朱红梅子", "朱**子"),
    # compound surnames (复姓) stay whole
    ("欧阳修", "欧阳*"),
    ("欧阳娜娜", "欧阳*娜"),
    ("司马相如", "司马*如"),
    ("司马青", "司马*"),
    ("诸葛明远", "诸葛*远"),
    ("上官云", "上官*"),
    # a two-character name that starts like a compound surname is surname + given name
    ("欧阳", "欧*"),
    # names with a middle dot keep the dot; first and last characters shown
    ("买买提·艾力", "买**·*力"),
    ("阿依古丽·买买提", "阿***·**提"),
    ("艾力·买买提·托乎提", "艾*·***·**提"),
    # other dot encodings seen in registers: bullet, katakana middle dot, full-width full stop
    ("买买提•艾力", "买**•*力"),
    ("买买提・艾力", "买**・*力"),
    ("买买提．艾力", "买**．*力"),
    # one character: nothing is published unmasked
    ("张", "*"),
    # Latin letters work the same way
    ("John Smith", "J*** ****h"),
])
def test_middle_style(name, expected):
    assert mask_name(name, MIDDLE) == expected


@pytest.mark.parametrize("name, expected", [
    ("张三", "张*"),
    ("张小明", "张**"),
    ("欧阳娜娜", "欧阳**"),
    ("司马相如", "司马**"),
    ("买买提·艾力", "买**·**"),
    ("张", "*"),
])
def test_surname_style(name, expected):
    assert mask_name(name, SURNAME) == expected


def test_full_style_publishes_the_name_as_is():
    assert mask_name("张小明", FULL) == "张小明"
    assert mask_name("买买提·艾力", FULL) == "买买提·艾力"


def test_default_style_is_middle_and_is_the_region_default():
    from portal.regions.models import Region

    assert DEFAULT_STYLE == MIDDLE
    assert mask_name("张小明") == "张*明"
    assert Region.__table__.c.name_mask_style.default.arg == MIDDLE


@pytest.mark.parametrize("style", [None, "", "nonsense", "FULL", "Middle"])
def test_unknown_style_fails_closed(style):
    """A typo in a region's setting must never publish a name: it masks like the strictest style."""
    assert mask_name("张小明", style) == "张**"
    assert mask_name("欧阳娜娜", style) == "欧阳**"


def test_whitespace_is_trimmed_and_collapsed():
    assert mask_name("  张小明 ", MIDDLE) == "张*明"
    assert mask_name("", MIDDLE) == ""
    assert mask_name("   ", MIDDLE) == ""
    assert mask_name("John   Smith", MIDDLE) == "J*** ****h"


@pytest.mark.parametrize("name", ["张三", "张小明", "欧阳娜娜", "司马相如", "买买提·艾力", "阿依古丽·买买提", "张"])
@pytest.mark.parametrize("style", [MIDDLE, SURNAME])
def test_masked_names_keep_length_and_hide_something(name, style):
    masked = mask_name(name, style)
    assert len(masked) == len(name)
    assert "*" in masked
    assert masked != name


def test_styles_and_surname_table():
    assert set(STYLES) == {MIDDLE, SURNAME, FULL}
    assert {"欧阳", "司马", "诸葛", "上官", "司徒", "慕容"} <= COMPOUND_SURNAMES
    assert all(len(s) == 2 for s in COMPOUND_SURNAMES)


# --- numbers scrubbed from raters' comments before window staff read them ---------------------------------------

from portal.kernel.masking import scrub_numbers  # noqa: E402


@pytest.mark.parametrize(("text", "expected"), [
    ("我的身份证号130102199001011234请回电", "我的身份证号******************请回电"),
    ("身份证 13010219900101123X", "身份证 ******************"),
    ("身份证13010219900101123x。", "身份证******************。"),
    ("电话13812345678", "电话***********"),
    ("电话 138 1234 5678 谢谢", "电话 *** **** **** 谢谢"),
    ("电话138-1234-5678", "电话***-****-****"),
    ("+86 13812345678", "+** ***********"),
    ("卡号6222 0000 1111 2222 333", "卡号**** **** **** **** ***"),
    ("卡号6222000011112222", "卡号****************"),
    ("全角１３８１２３４５６７８", "全角***********"),
    # Not personal numbers: dates, counts, window numbers, landlines, short codes, 12 digits.
    ("等了 40 分钟，3 号窗口", "等了 40 分钟，3 号窗口"),
    ("2026年3月9日", "2026年3月9日"),
    ("座机 0311-8765432", "座机 0311-8765432"),
    ("受理号 123456789012", "受理号 123456789012"),
    ("12345678901", "12345678901"),  # 11 digits but not a mobile number (12…)
    ("", ""),
    (None, ""),
])
def test_scrub_numbers(text, expected):
    assert scrub_numbers(text) == expected
