"""All tables, imported here so Alembic and create_all see every domain module."""

from portal.models.accounts import Role, RoleGrant, SignInFailure, SignInSession, User
from portal.models.audit import AuditCheckpoint, AuditEntry, AuditHead
from portal.models.base import Base
from portal.models.calendar import CalendarDayRow
from portal.models.ratings import BurstFlag, CaseStatus, FollowupCase, Rating, RatingStatus
from portal.models.regions import Region, RegionLevel, ServiceWindow
from portal.models.roster import RosterBatch, RosterEntry, RosterReadCount
from portal.models.settings import PolicySetting

# Domain tables added by later features; each module registers its classes on Base when imported.
import portal.models.applications  # noqa: E402,F401
import portal.models.reports  # noqa: E402,F401
import portal.models.evaluations  # noqa: E402,F401

__all__ = [
    "AuditCheckpoint", "AuditEntry", "AuditHead", "Base", "BurstFlag", "CalendarDayRow", "CaseStatus", "FollowupCase",
    "PolicySetting", "Rating", "RatingStatus", "Region", "RegionLevel", "Role", "RoleGrant",
    "ServiceWindow", "SignInFailure", "SignInSession", "User",
    "RosterBatch", "RosterEntry", "RosterReadCount",
]
