"""The one permission guard: a role AND a region, checked on the server for every privileged action.

A grant at a region covers that region and everything below it (region paths are prefixes of each
other). Event handlers and API routes both call `authorize`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass


class Role(str, enum.Enum):
    """Roles that sign in. Residents never need an account."""

    WINDOW_STAFF = "window_staff"  # 窗口工作人员
    SUPERVISOR = "supervisor"  # 义务监督员
    OFFICER = "officer"  # 民政经办人员 (township / county)
    ADMIN = "admin"  # 省/市管理员
    # The designated reader of reporters' identities, and the finance role paying rewards.
    IDENTITY_VIEWER = "identity_viewer"  # 举报人信息查阅 (every view is audited)
    FINANCE = "finance"  # 财务: pays rewards, sees payout details
    INSPECTOR = "inspector"  # 督察/纪检: the monitoring board, risk hits and inspections of a region


# Where each role lands after sign-in; also the order in which a person with several roles is routed.
ROLE_HOMES: dict[Role, str] = {
    Role.ADMIN: "/admin",
    Role.OFFICER: "/officer",
    Role.INSPECTOR: "/monitor",
    Role.SUPERVISOR: "/supervisor",
    Role.WINDOW_STAFF: "/staff",
    Role.IDENTITY_VIEWER: "/officer/reports",
    Role.FINANCE: "/officer/reports",
}


@dataclass(frozen=True)
class Grant:
    role: Role
    region_code: str
    region_path: str
    region_name: str

    def covers(self, region_path: str) -> bool:
        return region_path.startswith(self.region_path)


@dataclass(frozen=True)
class Actor:
    """Who is acting, as the guard sees it: plain data, safe to keep beside a request."""

    user_id: int
    username: str
    display_name: str
    grants: tuple[Grant, ...]
    window_id: int | None = None

    def has_role(self, *roles: Role) -> bool:
        return any(g.role in roles for g in self.grants)

    @property
    def home(self) -> str:
        for role, path in ROLE_HOMES.items():
            if self.has_role(role):
                return path
        return "/"


class NotSignedIn(Exception):
    reason = "auth.sign_in_required"


class PermissionDenied(Exception):
    reason = "auth.forbidden"


def authorize(actor: Actor | None, roles: Role | Iterable[Role], region_path: str | None = None) -> Grant:
    """Return the grant that allows this, or raise.

    `region_path` None means the action is not tied to one region (a role's own home page); every action on a
    region's data must pass that region's path.
    """
    if actor is None:
        raise NotSignedIn()
    wanted = {roles} if isinstance(roles, Role) else set(roles)
    for grant in actor.grants:
        if grant.role in wanted and (region_path is None or grant.covers(region_path)):
            return grant
    raise PermissionDenied()


def is_province_path(region_path: str) -> bool:
    """A top-level region ("/13/"): the province, whose settings hold for every region under it."""
    return region_path.count("/") == 2 and region_path.startswith("/")


def authorize_province(actor: Actor | None, roles: Role | Iterable[Role]) -> Grant:
    """The guard for what holds province-wide (policy settings, the working-day calendar): a grant at the province
    itself. A city or county admin is refused: their grant covers their own regions, not everyone's rules."""
    if actor is None:
        raise NotSignedIn()
    wanted = {roles} if isinstance(roles, Role) else set(roles)
    for grant in actor.grants:
        if grant.role in wanted and is_province_path(grant.region_path):
            return grant
    raise PermissionDenied()


def region_paths_in_scope(actor: Actor, role: Role) -> list[str]:
    """The top-most region paths where the actor holds `role` (for scoping queries with LIKE 'path%')."""
    paths = sorted({g.region_path for g in actor.grants if g.role == role})
    return [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
