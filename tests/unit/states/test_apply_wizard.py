"""The wizard's state (applications/pages/apply.ApplyState) on the application its tab holds
(applications/components.DraftHold, which the tracking page reads too): each handler reaches the draft only with the
tab's backend-held number and secret, within the browser session that opened it and while the tab is in use, and
moves through the pages as the draft's answers allow."""

from __future__ import annotations

import time
from datetime import date

import pytest
import reflex as rx
from sqlalchemy.orm import Session

import portal.portal  # noqa: F401 (registers every page's state)
from portal.applications import services as svc
from portal.applications.components import DraftHold
from portal.applications.eligibility import rules as el
from portal.applications.eligibility import services as ep
from portal.applications.pages.apply import ApplyState
from portal.applications.pages.track import TrackState
from portal.kernel import unit
from portal.kernel.db import make_engine
from portal.kernel.images import StoredImage
from portal.schema import Base
from tests import factories
from tests.asyncrun import run_async


@pytest.fixture
def tab(portal_env, tmp_path):
    """A fresh tab (the root state with the hold, the wizard and the tracking page) on a database with one county's
    regions; returns (root, the village's code, its township's code)."""
    url = f"sqlite:///{tmp_path / 'wizard.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine, expire_on_commit=False) as session:
        tree = factories.region_tree(session)
        ep.seed(session, tree.city, {
            el.STANDARD_URBAN: 900_00, el.STANDARD_RURAL: 700_00, el.DEPOSIT_PER_MEMBER: 20_000_00,
            el.MAX_VEHICLES: 0, el.MAX_HOUSES: 1, el.AREA_PER_MEMBER: 40, el.MAX_BUSINESSES: 0,
            el.EXCLUDED_KINDS: [], el.WAGE_DEDUCTION: 0, el.NEAR_POOR_PERMILLE: 1500, el.TIERS: [],
            el.ROUND_TO_YUAN: False}, date(2025, 1, 1), "DOC-1")
        township = tree.townships[tree.counties[0].code][0]
        village = tree.villages[township.code][0]
        session.commit()
    engine.dispose()
    portal_env(database_url=url)
    return rx.State(_reflex_internal_init=True), village.code, township.code


def _states(root):
    hold = root.substates[DraftHold.get_name()]
    return hold, hold.substates[ApplyState.get_name()], root.substates[TrackState.get_name()]


def _call(state, name: str, *args):
    out = type(state).event_handlers[name].fn(state, *args)
    return run_async(out) if hasattr(out, "__await__") else out


def _started(root) -> tuple[str, str]:
    """A draft made the way `start` makes it, held by this tab."""
    number, secret = unit.run(svc.new_draft, client="203.0.113.7")
    _states(root)[1]._bind(number, secret)
    return number, secret


def test_every_page_through_its_handler(tab):
    root, village, township = tab
    _hold, wizard, _track = _states(root)
    number, _secret = _started(root)
    _call(wizard, "begin")
    assert wizard.screen == "village" and wizard.form == {"village": ""}
    _call(wizard, "pick_township", township)
    assert [v["code"] for v in wizard.villages][:1] == [village]
    _call(wizard, "save_village", {"village": "nowhere"})
    assert wizard.screen == "village" and wizard.errors == [{"field": "village", "key": "apply.err_village"}]
    _call(wizard, "save_village", {"village": village})
    assert wizard.screen == "residence" and wizard.errors == []
    _call(wizard, "save_residence", "urban")
    _call(wizard, "save_applicant", {"name": " 张建国 ", "phone": "13800138000"})
    assert wizard.screen == "size"
    _call(wizard, "save_size", {"size": "abc"})
    assert wizard.form == {"size": "abc"} and wizard.errors == [{"field": "size", "key": "elig.err_number"}]
    _call(wizard, "save_size", {"size": "1"})
    assert wizard.screen == "member-0" and wizard.form["name"] == "张建国" and wizard.progress > 0
    _call(wizard, "save_member", {"name": "张建国", "relationship": "applicant", "id_number": "130102197403150011",
                                  "age": "fifty"})
    # Named on the page with the member's prefix taken off (the inputs' ids), and what was typed stays.
    assert wizard.screen == "member-0" and {"field": "age", "key": "elig.err_number"} in wizard.errors
    assert wizard.form["age"] == "fifty"
    _call(wizard, "save_member", {"name": "张建国", "relationship": "applicant", "id_number": "130102197403150011",
                                  "age": "52"})
    assert wizard.screen == "income-0" and wizard.member_name == "张建国"
    _call(wizard, "save_income", {"wage": "600"})
    _call(wizard, "save_assets", {"deposits": "5000", "houses": "1", "housing_area": "40"})
    _call(wizard, "save_related", {"any": "no"})
    assert wizard.screen == "consent" and wizard.adults == [{"index": 0, "name": "张建国", "consented": False}]
    _call(wizard, "save_consent")
    assert wizard.errors == [{"field": "consent-0", "key": "apply.err_consent"}]
    _call(wizard, "toggle_consent", 0)
    _call(wizard, "save_consent")
    assert wizard.screen == "documents"
    _call(wizard, "documents_done")
    assert wizard.errors == [{"field": "documents", "key": "apply.err_id_photo"}]
    unit.run(svc.attach_photo, *wizard._held(), "id_card", StoredImage("0" * 32, 10, 10))
    _call(wizard, "documents_done")
    assert wizard.screen == "check" and len(wizard.check_rows) == 10
    # A change link comes back to the check page; the back link follows the draft's household.
    _call(wizard, "goto", "residence")
    assert wizard.screen == "residence" and wizard.return_to_check
    _call(wizard, "save_residence", "rural")
    assert wizard.screen == "check"
    _call(wizard, "goto", "member-7")  # a page this household does not have: nothing happens
    assert wizard.screen == "check"
    _call(wizard, "back")
    assert wizard.screen == "documents"
    _call(wizard, "goto", "check")
    _call(wizard, "submit")
    assert wizard.screen == "done" and wizard.number == number and wizard.next_step_key == "apply.step.accept"
    assert wizard.form == {} and wizard.check_rows == [] and wizard.adults == []  # nothing typed stays
    _call(wizard, "load")  # /apply again: the receipt
    assert wizard.screen == "done" and wizard.next_step_key == "apply.step.accept" and wizard.form == {}
    # The tracking page of the same tab shows the case without asking for the number and secret.
    _call(_states(root)[2], "load")
    assert _states(root)[2].found and _states(root)[2].number == number


def test_errors_on_the_check_page_link_to_their_rows(tab):
    root, _village, _township = tab
    _hold, wizard, _track = _states(root)
    _started(root)
    _call(wizard, "begin")
    _call(wizard, "goto", "check")
    _call(wizard, "submit")
    fields = [e["field"] for e in wizard.errors]
    assert wizard.screen == "check" and {"village", "applicant", "size", "documents"} <= set(fields)
    assert set(fields) <= {r["anchor"] for r in wizard.check_rows}  # each error links to a row of the page


def test_a_tab_that_holds_no_draft_is_sent_to_the_start(tab):
    root, _village, _township = tab
    _hold, wizard, _track = _states(root)
    wizard.screen = "residence"
    _call(wizard, "save_residence", "urban")
    assert (wizard.screen, wizard.flash_key) == ("start", "apply.err_not_found")
    # Submitted from another tab: this one says so and stores nothing.
    number, secret = _started(root)
    unit.run(lambda session: setattr(svc.open_draft(session, number, secret), "status", svc.SUBMITTED))
    wizard.screen, wizard.flash_key = "residence", ""
    _call(wizard, "save_residence", "urban")
    assert wizard.screen == "residence" and wizard.errors == [{"field": "submit", "key": "apply.err_not_draft"}]
    assert unit.run(lambda session: svc.resume(session, number, secret).answers) == {}


def test_the_hold_ends_with_the_browser_session_or_when_idle(tab):
    root, _village, _township = tab
    hold, wizard, track = _states(root)
    number, secret = _started(root)
    assert hold._held() == (number, secret) and wizard.number == number
    hold.browser_key = "another-browser-session"  # the cookie a new browser session sends
    assert hold._held() == ("", "") and hold.number == "" and hold._secret == ""
    _started(root)
    hold._last_used = time.time() - 16 * 60  # the policy's 15 minutes
    assert wizard._held() == ("", "") and wizard.screen == "start"
    # On a hydrate: a tab whose hold went (here through the tracking page) shows nothing of the draft either.
    _started(root)
    wizard.screen, wizard.next_office = "done", "建北街道便民服务中心"
    hold._let_go()
    unit.run(lambda session: wizard._on_hydrate(session, {}))
    assert (wizard.screen, wizard.next_office) == ("start", "")
    # Held by this browser session: kept; sent without its cookie (another browser): let go.
    number, _ = _started(root)
    wizard.screen = "village"
    sent = {f"{DraftHold.get_full_name()}.browser_key_rx_state_": hold._browser_key}
    unit.run(lambda session: wizard._on_hydrate(session, sent))
    assert wizard.screen == "village" and hold.number == number
    unit.run(lambda session: wizard._on_hydrate(session, {}))
    assert wizard.screen == "start" and hold.number == "" and hold._number == ""


def test_opening_another_application_in_the_tab_starts_the_wizard_on_it_afresh(tab):
    """The tracking page can hand the tab another application (DraftHold._bind): the wizard must not keep showing,
    or save into it, the page it held of the first one."""
    root, village, township = tab
    hold, wizard, _track = _states(root)
    _started(root)
    _call(wizard, "begin")
    _call(wizard, "pick_township", township)
    _call(wizard, "save_village", {"village": village})
    _call(wizard, "save_residence", "urban")
    _call(wizard, "save_applicant", {"name": "张建国", "phone": "13800138000"})
    assert wizard.screen == "size" and wizard.form
    other, other_secret = unit.run(svc.new_draft, client="203.0.113.8")
    hold._bind(other, other_secret)  # as /apply/track does when the resident opens another application
    _call(wizard, "load")
    assert wizard.screen == "village" and wizard.form == {"village": ""}
    assert unit.run(lambda session: svc.resume(session, other, other_secret).answers) == {}
