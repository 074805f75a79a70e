"""Radix Themes without the colours the portal never uses.

Reflex's plugin ships `@radix-ui/themes/styles.css` whole: every one of the 31 palettes, light and dark, sRGB and
P3. Radix documents the split imports (tokens/base.css, one file per palette, components.css, utilities.css); this
plugin ships those and only the palettes the pages name (`color_scheme=`, `accent_color`, `gray_color`). A page that
starts using another palette must add it here, or its components show without colour.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from reflex_components_radix.plugin import RadixThemesPlugin

PALETTES = ("gray", "slate", "red", "green", "amber", "blue", "purple", "orange")


@dataclasses.dataclass
class TrimmedRadixThemes(RadixThemesPlugin):
    def get_stylesheet_paths(self, **context: Any) -> tuple[str, ...]:
        if not self.enabled:
            return ()
        return ("@radix-ui/themes/tokens/base.css",
                *(f"@radix-ui/themes/tokens/colors/{name}.css" for name in PALETTES),
                "@radix-ui/themes/components.css", "@radix-ui/themes/utilities.css")
