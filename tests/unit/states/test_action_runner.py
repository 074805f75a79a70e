"""The one action runner (`SignedInState._perform`): a service's domain error shows that error's own message key,
whichever domain raised it and without the page naming it; only the guard's refusal and input no form can send show
auth.forbidden."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from portal.accounts import services as accounts
from portal.evaluations import services as evaluations
from portal.kernel.db import make_engine
from portal.kernel.errors import DomainError
from portal.kernel.permissions import Role
from portal.schema import Base
from portal.shell import session as shell_session
from portal.shell.session import SignedInState
from tests import factories


@pytest.fixture
def signed_in(portal_env, tmp_path, monkeypatch, fast_passwords):
    """An admin of one county signed in on a fresh database; returns (state, county code, another county's code)."""
    url = f"sqlite:///{tmp_path / 'runner.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        tree = factories.region_tree(session)
        county, other = tree.counties
        admin = factories.actor_with(session, (Role.ADMIN, county))
        session.commit()
    engine.dispose()
    portal_env(database_url=url)
    monkeypatch.setattr(shell_session, "lookup_actor", lambda state: accounts.SessionLookup(admin, "ok"))
    return SignedInState(_reflex_internal_init=True), county.code, other.code


def _round(session, actor, region_code: str, title: str):
    return evaluations.open_round(session, actor, title=title, region_code=region_code, period_start=date(2026, 1, 1),
                                  period_end=date(2026, 3, 31), due_on=date(2099, 1, 1),
                                  criteria=list(evaluations.rules.DEFAULT_CRITERIA))


def test_a_rule_violation_shows_its_own_key(signed_in):
    state, county, _other = signed_in
    # An EvaluationRuleError (a ValueError before, shown as "not allowed").
    actor, key = state._perform(Role.ADMIN, _round, county, "   ")
    assert actor is not None and key == "eval.err.title"
    # An AccountError (neither: it escaped the runner).
    actor, key = state._perform(Role.ADMIN, accounts.admin_create_user, "No Such Name!", "Zhang San", "officer",
                                county)
    assert actor is not None and key == "accounts.err.username"


def test_only_a_refusal_or_a_forged_input_is_forbidden(signed_in):
    state, county, other = signed_in
    assert state._perform(Role.ADMIN, _round, other, "Q1 evaluation")[1] == "auth.forbidden"  # not the admin's county

    def parse_then_act(session, actor):
        int("not a number")  # what a forged form field does to the page's parsing

    assert state._perform(Role.ADMIN, parse_then_act)[1] == "auth.forbidden"
    assert state._perform(Role.ADMIN, _round, county, "Q1 evaluation") == (state._guard(Role.ADMIN), "")


def test_domain_errors_are_not_value_errors():
    """So an `except ValueError` around parsing never takes a rule's refusal for bad input."""
    import portal.portal  # noqa: F401 (imports every domain)

    def all_subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from all_subclasses(sub)

    found = {c.__name__ for c in all_subclasses(DomainError)}
    assert {"AccountError", "ApplicationError", "EvaluationRuleError", "ReportError", "RatingError", "RosterError",
            "SupervisionError", "PaymentError", "RegisterError"} <= found
    assert [c.__name__ for c in all_subclasses(DomainError) if issubclass(c, ValueError)] == []
