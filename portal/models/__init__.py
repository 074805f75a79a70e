"""All tables, imported here so Alembic and create_all see every domain module."""

from portal.models.accounts import Role, RoleGrant, SignInFailure, SignInSession, User
from portal.models.audit import AuditEntry, AuditHead
from portal.models.base import Base
from portal.models.regions import Region, RegionLevel, ServiceWindow

__all__ = [
    "AuditEntry", "AuditHead", "Base", "Region", "RegionLevel", "Role", "RoleGrant",
    "ServiceWindow", "SignInFailure", "SignInSession", "User",
]
