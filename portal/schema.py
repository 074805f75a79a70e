"""All tables, imported here so Alembic and create_all see every domain module."""

from portal.accounts.models import (Role, RoleGrant, SignInFailure, SignInSession, StaffAccountChange,
                                     StaffAccountMark, User)
from portal.kernel.audit_models import AuditCheckpoint, AuditEntry, AuditHead
from portal.kernel.base import Base
from portal.kernel.calendar_models import CalendarDayRow
from portal.kernel.lease_models import Lease
from portal.ratings.models import BurstFlag, CaseStatus, FollowupCase, Rating, RatingStatus
from portal.regions.models import Region, RegionLevel, ServiceWindow
from portal.roster.models import RosterBatch, RosterEntry, RosterReadCount
from portal.kernel.policy_models import PolicySetting
from portal.kernel.version_models import SettingsVersion

# Domain tables added by later features; each module registers its classes on Base when imported.
import portal.applications.models  # noqa: E402,F401
import portal.reports.models  # noqa: E402,F401
import portal.evaluations.models  # noqa: E402,F401
import portal.register.models  # noqa: E402,F401
import portal.verification.models  # noqa: E402,F401
import portal.payments.models  # noqa: E402,F401
import portal.reporting.models  # noqa: E402,F401
import portal.supervision.models  # noqa: E402,F401
import portal.annual.models  # noqa: E402,F401

__all__ = [
    "AuditCheckpoint", "AuditEntry", "AuditHead", "Base", "BurstFlag", "CalendarDayRow", "CaseStatus", "FollowupCase",
    "Lease", "PolicySetting", "Rating", "RatingStatus", "Region", "RegionLevel", "Role", "RoleGrant",
    "ServiceWindow", "SettingsVersion", "SignInFailure", "SignInSession", "StaffAccountChange",
    "StaffAccountMark", "User",
    "RosterBatch", "RosterEntry", "RosterReadCount",
]
