"""Message catalog: every user-visible string, in Chinese (default) and English."""

from portal.i18n.catalog import LANGS, MESSAGES, text

__all__ = ["LANGS", "MESSAGES", "text"]
