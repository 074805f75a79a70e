"""Tables for volunteer supervisors' evaluation rounds and notices (issue 7)."""

from portal.models.base import Base  # noqa: F401
