"""Language and text size: shared by every page, persisted in cookies so the choice survives a reload."""

import reflex as rx

ONE_YEAR = 365 * 24 * 3600


class UIState(rx.State):
    lang: str = rx.Cookie("zh", name="sd_lang", max_age=ONE_YEAR, same_site="lax")
    large_text: str = rx.Cookie("0", name="sd_large", max_age=ONE_YEAR, same_site="lax")

    @rx.event
    def toggle_lang(self):
        self.lang = "zh" if self.lang == "en" else "en"

    @rx.event
    def toggle_large_text(self):
        self.large_text = "0" if self.large_text == "1" else "1"
