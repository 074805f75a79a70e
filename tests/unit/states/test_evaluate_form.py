"""The supervisor's evaluation form (evaluations/pages/evaluate.EvaluateState) changes its evaluation through the one
action runner (`_perform`): a rule's refusal shows its own key beside the form as stored, another supervisor's
evaluation empties the page, and a value no form can send shows auth.forbidden."""

from __future__ import annotations

from datetime import date

import pytest
import reflex as rx
from sqlalchemy.orm import Session

import portal.portal  # noqa: F401 (registers every page's state)
from portal.accounts import services as accounts
from portal.evaluations import services as ew
from portal.evaluations.pages.evaluate import EvaluateState
from portal.kernel.db import make_engine
from portal.kernel.permissions import Role
from portal.schema import Base
from portal.shell import session as shell_session
from portal.shell.session import SignedInState
from tests import factories


@pytest.fixture
def form(portal_env, tmp_path, monkeypatch, fast_passwords):
    """Two supervisors of one county, one assigned a window of an open round; returns (the form's state, the
    supervisors by name, the assignment's id)."""
    url = f"sqlite:///{tmp_path / 'evaluate.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as s:
        tree = factories.region_tree(s)
        county = tree.counties[0]
        window = factories.window(s, tree.townships[county.code][0], code="T-A-0001", office_name="Office A")
        admin = factories.actor_with(s, (Role.ADMIN, tree.province))
        sups = {}
        for name in ("sup1", "sup2"):
            user = factories.user(s, [], username=name)
            ew.appoint_supervisor(s, admin, name, county.code, date(2026, 1, 1), date(2027, 12, 31))
            sups[name] = accounts.actor_for_user(s, user)
        rnd = ew.open_round(s, admin, title="2026 first round", region_code=county.code,
                            period_start=date(2026, 5, 1), period_end=date(2026, 5, 31), due_on=date(2099, 1, 1),
                            criteria=[("attitude", 50), ("integrity", 50)])
        target = ew.add_window_target(s, admin, rnd.id, window.code)
        assignment = ew.assign(s, admin, target.id, "sup1").id
        s.commit()
    engine.dispose()
    portal_env(database_url=url)
    signed_in = {"actor": sups["sup1"]}
    monkeypatch.setattr(shell_session, "lookup_actor",
                        lambda state: accounts.SessionLookup(signed_in["actor"], "ok"))
    root = rx.State(_reflex_internal_init=True)
    state = root.substates[SignedInState.get_name()].substates[EvaluateState.get_name()]
    state.assignment_id = assignment
    state._reload(sups["sup1"])
    return state, signed_in, sups


def _call(state, name: str, *args):
    return type(state).event_handlers[name].fn(state, *args)


def test_a_saved_score_and_a_refused_one(form):
    state, _signed_in, _sups = form
    _call(state, "set_score", "attitude", 4)
    assert (state.error_key, state.saved) == ("", True)
    assert [c["score"] for c in state.criteria] == [4, 0]
    _call(state, "set_score", "attitude", 9)  # the workflow's rule: 1 to 5
    assert (state.error_key, state.saved) == ("eval.err.score", False)
    assert state.found and [c["score"] for c in state.criteria] == [4, 0]  # the form as stored
    _call(state, "submit", {})
    assert state.error_key == "eval.err.incomplete" and state.found


def test_another_supervisors_evaluation_empties_the_page(form):
    state, signed_in, sups = form
    signed_in["actor"] = sups["sup2"]  # the same tab, now signed in as the other supervisor
    _call(state, "set_score", "attitude", 4)
    assert state.error_key == "auth.forbidden" and not state.found and state.criteria == []


def test_a_value_no_form_can_send(form):
    state, _signed_in, _sups = form

    def forged(session, actor, assignment_id):
        return int("not a number")  # what parsing a forged argument raises inside the workflow

    assert state._act(forged) is False
    assert (state.error_key, state.saved) == ("auth.forbidden", False) and state.found  # the form stays
