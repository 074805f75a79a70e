"""Tables for eligibility screener, applications and the officer workflow (issue 4)."""

from portal.models.base import Base  # noqa: F401
