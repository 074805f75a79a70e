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


# A form whose input must survive a refusal does not use reset_on_submit (which clears it before the server has
# answered); it carries this class, and the handler returns `clear_done_forms()` only once the action succeeded.
CLEAR_ON_SUCCESS = "clear-on-success"


def clear_done_forms():
    """Clear the forms marked CLEAR_ON_SUCCESS (after a successful action; a refusal keeps what was typed)."""
    return rx.call_script(f"document.querySelectorAll('form.{CLEAR_ON_SUCCESS}').forEach((f) => f.reset())")
