"""One name rule and one text cleaner (kernel/text_rules.py), with hostile strings."""

from __future__ import annotations

import pytest

from portal.roster import services as roster
from portal.kernel import text_rules
from portal.kernel.text_rules import NAME_KEY, clean_text, name_error

RLO, LRI, PDI, ZWSP, ZWJ, BOM = "\u202e", "\u2066", "\u2069", "\u200b", "\u200d", "\ufeff"


@pytest.mark.parametrize("name", [
    "张三", "欧阳娜娜", "买买提·艾力", "阿依古丽•吐尔逊", "扎西 顿珠", "Tom Smith", "Li Xiaoming",
    "ئەخمەت", "བཀྲ་ཤིས", "ᠪᠠᠲᠤ", "ꆈꌠ", "张" * 32,
])
def test_names_that_are_accepted(name):
    assert name_error(name) is None, name


@pytest.mark.parametrize("name", [
    "", " ", "张三1", "130102199001011234", "张三 13800138000", "张*明", "<script>", "张<b>三", "张三>",
    "张" * 33, f"张{RLO}三", f"张{ZWSP}三", f"{LRI}张三{PDI}", f"张{ZWJ}三", f"{BOM}张三", "张\x00三", "张\n三",
    "张\t三", "·张三", "张三·", "张··三", "张  三", " 张三", "张三!", "张三😀", "Robert'); DROP TABLE--", "１２３",
    "\u0301张",
])
def test_names_that_are_refused(name):
    assert name_error(name) == NAME_KEY, repr(name)


def test_the_roster_uses_the_same_rule():
    for bad in ("张三1", f"张{RLO}三", f"张{ZWSP}三", "张*明"):
        with pytest.raises(roster.RosterError) as exc:
            roster.check_entry(roster.NewEntry(bad, 1, 100, "130102001001"))
        assert exc.value.key == NAME_KEY
    assert roster.check_entry(roster.NewEntry(" 买买提·艾力 ", 1, 100, "130102001001")).name == "买买提·艾力"


@pytest.mark.parametrize(("raw", "multi", "single"), [
    ("窗口 无人", "窗口 无人", "窗口 无人"),
    (f"正常{RLO}txt.exe", "正常txt.exe", "正常txt.exe"),
    (f"a{ZWSP}b{ZWJ}c{BOM}d{LRI}e{PDI}", "abcde", "abcde"),
    ("第一行\r\n第二行\n\n  第三行  ", "第一行\n第二行\n\n第三行", "第一行 第二行 第三行"),
    ("tab\tand\x00nul\x1b[31mred\x7f", "tab andnul[31mred", "tab andnul[31mred"),
    ("  \u3000 全角空格 \u3000 ", "全角空格", "全角空格"),
    ("line\u2028sep\u2029para", "line\nsep\npara", "line sep para"),
    ("<script>alert(1)</script>", "<script>alert(1)</script>", "<script>alert(1)</script>"),  # escaped on render
    ("'; DROP TABLE report; --", "'; DROP TABLE report; --", "'; DROP TABLE report; --"),
    ("emoji 😀 ok", "emoji 😀 ok", "emoji 😀 ok"),
    ("é", "é", "é"),
    (None, "", ""),
    (12345, "", ""),
])
def test_clean_text(raw, multi, single):
    assert clean_text(raw) == multi
    assert clean_text(raw, multiline=False) == single


def test_every_free_text_writer_cleans():
    """Reports, replies and notes; rating comments and staff answers; evaluation comments; application notes;
    roster reasons: all go through clean_text."""
    from portal.applications import services as applications
    from portal.evaluations import services as evaluation_workflow
    from portal.ratings import services as rating_workflow
    from portal.reports import services as reports

    assert reports._clean_text(f"举报{RLO}内容", 100) == "举报内容"
    assert applications._clean_text(f"说明{ZWSP}理由") == "说明理由"
    assert rating_workflow._text(f"已{LRI}处理{PDI}", "followup.answer_required") == "已处理"
    assert evaluation_workflow._text(f"良好{BOM}", 100) == "良好"
    assert text_rules.clean_text(f"撤销{RLO}原因", multiline=False) == "撤销原因"
