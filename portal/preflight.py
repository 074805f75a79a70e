"""`python -m portal preflight`: what stops a real site from serving residents. With PORTAL_PRODUCTION=1,
`python -m portal serve` (and so `scripts/start`) runs it and does not start the portal until every check passes;
each failure names the fix."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.models import Role, RoleGrant, User
from portal.kernel.settings import Settings, is_private_address
from portal.regions.models import Region, RegionLevel, ServiceWindow


def problems(session: Session, settings: Settings) -> list[tuple[str, dict[str, object]]]:
    """(message key, values) for every check that fails; [] when the site may serve."""
    from portal.demo import ACCOUNTS, WINDOWS
    from portal.register.models import Household

    found: list[tuple[str, dict[str, object]]] = []
    url = settings.public_base_url
    if urlsplit(url).scheme != "https":
        found.append(("preflight.base_url_https", {"url": url}))
    if is_private_address(url):
        found.append(("preflight.base_url_private", {"url": url}))
    if settings.allow_local_poster_url:
        found.append(("preflight.local_posters", {}))
    demo_names = sorted(session.execute(select(User.username).where(
        User.username.in_([a.username for a in ACCOUNTS]), User.active.is_(True))).scalars())
    if demo_names:
        shown = ", ".join(demo_names[:5]) + (" …" if len(demo_names) > 5 else "")
        found.append(("preflight.demo_accounts", {"names": shown}))
    if session.execute(select(Region.id).limit(1)).first() is None:
        found.append(("preflight.no_regions", {}))
    # Demo data left behind (its windows' invented numbers would be shown to residents as real).
    demo_windows = [code for code, *_ in WINDOWS]
    if session.execute(select(ServiceWindow.id).where(ServiceWindow.code.in_(demo_windows)).limit(1)).first() or \
            session.execute(select(Household.id).where(Household.code.like("DEMO-%")).limit(1)).first():
        found.append(("preflight.demo_data", {}))
    # The portal itself speaks plain HTTP: an https address means a reverse proxy in front, whose address must be
    # trusted, or every resident shares the proxy's address for every per-address limit.
    if urlsplit(url).scheme == "https" and not settings.trusted_proxies:
        found.append(("preflight.no_trusted_proxies", {}))
    admin = session.execute(
        select(User.id).join(RoleGrant, RoleGrant.user_id == User.id).join(Region, Region.id == RoleGrant.region_id)
        .where(User.active.is_(True), RoleGrant.role == Role.ADMIN, Region.level == RegionLevel.PROVINCE).limit(1)
    ).first()
    if admin is None:
        found.append(("preflight.no_admin", {}))
    return found
