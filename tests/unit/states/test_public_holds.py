"""What a resident typed or opened in a public tab (a report form refused with their name and phone still in it, a
report opened with its secret) is kept only for the same browser session and while the tab is in use
(shell/session.held_elsewhere, used by the report pages' hydrate hooks)."""

from __future__ import annotations

import time

import portal.portal  # noqa: F401 (registers every page's state)
from portal.applications.eligibility.pages.resident import EligibilityState
from portal.reports.pages.resident import ReportState, ReportTrackState
from portal.shell.session import _HYDRATE_HOOKS, held_elsewhere


def _storage(cls, value: str) -> dict:
    return {f"{cls.get_full_name()}.hold_key_rx_state_": value}


def test_the_report_pages_are_wiped_on_hydrate_when_not_held():
    assert {ReportState, ReportTrackState, EligibilityState} <= set(_HYDRATE_HOOKS)


def test_held_only_by_the_same_browser_session_while_in_use():
    now = time.time()
    for cls in (ReportState, ReportTrackState, EligibilityState):
        assert not held_elsewhere(cls, "hold_key", "k1", now, _storage(cls, "k1"), 15)
        assert held_elsewhere(cls, "hold_key", "k1", now, _storage(cls, "k2"), 15)  # another browser session
        assert held_elsewhere(cls, "hold_key", "k1", now, {}, 15)  # the browser was closed: no cookie
        assert held_elsewhere(cls, "hold_key", "k1", now - 16 * 60, _storage(cls, "k1"), 15)  # idle
        assert held_elsewhere(cls, "hold_key", "", now, _storage(cls, ""), 15)  # never bound
