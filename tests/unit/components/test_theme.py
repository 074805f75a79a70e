"""The trimmed Radix Themes stylesheet (shell/theme.py) carries every palette a page names."""

from __future__ import annotations

import re
from pathlib import Path

from portal.shell.theme import PALETTES, TrimmedRadixThemes

PORTAL = Path(__file__).resolve().parents[3] / "portal"
NAMED = re.compile(r"""(?:color_scheme|accent_color|gray_color)\s*=\s*(?:rx\.cond\([^)]*?,\s*)?["']([a-z]+)["']"""
                   r"""|rx\.color\(\s*["']([a-z]+)["']""")


def palettes_in_source() -> set[str]:
    found: set[str] = set()
    for path in [*PORTAL.rglob("*.py"), PORTAL.parent / "rxconfig.py"]:
        text = path.read_text(encoding="utf-8")
        for m in NAMED.finditer(text):
            found.add(m.group(1) or m.group(2))
        # rx.cond(..., "green", "amber") as a colour scheme: both branches.
        for m in re.finditer(r"color_scheme=rx\.cond\([^,]+,\s*\"([a-z]+)\",\s*\"([a-z]+)\"\)", text):
            found |= {m.group(1), m.group(2)}
    return found


def test_every_palette_a_page_names_is_shipped():
    assert palettes_in_source() - set(PALETTES) == set()


def test_the_split_imports_replace_the_whole_stylesheet():
    paths = TrimmedRadixThemes().get_stylesheet_paths()
    assert "@radix-ui/themes/styles.css" not in paths
    assert paths[0] == "@radix-ui/themes/tokens/base.css"
    assert paths[-2:] == ("@radix-ui/themes/components.css", "@radix-ui/themes/utilities.css")
    assert TrimmedRadixThemes(enabled=False).get_stylesheet_paths() == ()
