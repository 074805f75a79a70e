"""The admin home's read model and its one action (portal/accounts): the system's counts, and the audit-chain check
that writes itself to the log; both for admins only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts import queries, services
from portal.accounts.models import Role
from portal.kernel.audit_models import AuditEntry
from portal.kernel.permissions import NotSignedIn, PermissionDenied
from tests import factories


@pytest.fixture
def tree(db_session, fast_passwords):
    return factories.region_tree(db_session)


def test_counts_cover_the_whole_system_for_any_admin(db_session, tree):
    factories.windows_for(db_session, tree)
    county_admin = factories.actor_with(db_session, (Role.ADMIN, tree["130102"]))
    factories.user(db_session, [(Role.OFFICER, tree["130104"])])
    got = queries.system_counts(db_session, county_admin)
    assert got == queries.SystemCounts(regions=len(tree.by_code), windows=2 + 4, users=2)


def test_counts_are_for_admins_only(db_session, tree):
    officer = factories.actor_with(db_session, (Role.OFFICER, tree.province))
    with pytest.raises(PermissionDenied):
        queries.system_counts(db_session, officer)
    with pytest.raises(NotSignedIn):
        queries.system_counts(db_session, None)


def test_verifying_the_chain_is_audited_under_the_admins_name(db_session, tree):
    admin = factories.actor_with(db_session, (Role.ADMIN, tree.province), username="root-admin")
    db_session.commit()
    report = services.verify_audit_chain(db_session, admin)
    assert report.ok and report.rows >= 1
    row = db_session.execute(select(AuditEntry).where(AuditEntry.action == "audit.verify")).scalar_one()
    assert (row.actor, row.actor_id, row.target_type, row.target_id) == ("root-admin", None, "audit_log", "chain")
    assert row.after == {"ok": True, "rows": report.rows, "first_broken_id": None}


def test_verifying_the_chain_is_for_admins_only(db_session, tree):
    officer = factories.actor_with(db_session, (Role.OFFICER, tree.province))
    with pytest.raises(PermissionDenied):
        services.verify_audit_chain(db_session, officer)
    assert db_session.execute(select(AuditEntry).where(AuditEntry.action == "audit.verify")).first() is None
