"""Tables for reports, receipts and reward-for-reporting (issue 6)."""

from portal.models.base import Base  # noqa: F401
