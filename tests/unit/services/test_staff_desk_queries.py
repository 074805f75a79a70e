"""The window staff desk's read model (portal/ratings/queries.py `staff_desk`): the caller's own window, its figures
(comments only once k ratings make a breakdown), its follow-up cases as staff see them; refused to anyone else."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

import pytest

from portal.accounts.models import Role
from portal.kernel.permissions import PermissionDenied
from portal.ratings import queries
from portal.ratings import rules
from portal.ratings import services as wf
from tests import factories

T0 = datetime(2026, 3, 10, 2, 0, tzinfo=timezone.utc)  # Tuesday 10:00 in China
DAY = date(2026, 3, 10)


@pytest.fixture
def world(db_session, fast_passwords):
    s = db_session
    tree = factories.region_tree(s)
    township, sibling = tree.townships["130102"]
    win = factories.window(s, township, code="T-ONE-0001", name="低保受理窗口", office_name="Office A")
    far = factories.window(s, sibling, code="T-TWO-0001", name="救助窗口", office_name="Office B")
    staff = factories.actor_with(s, (Role.WINDOW_STAFF, township), window=win)
    no_window = factories.actor_with(s, (Role.WINDOW_STAFF, township))
    officer = factories.actor_with(s, (Role.OFFICER, township))
    s.commit()
    return s, win, far, staff, no_window, officer


def rate(session, window, level, comment="", phone=""):
    wf.submit_rating(session, wf.NewRating(window.code, level, (), comment, phone), device_id=uuid.uuid4().hex,
                     client=f"10.0.{uuid.uuid4().hex[:6]}", secret="unit-test-secret", now=T0)
    session.commit()


def test_the_desk_shows_the_own_window_with_figures_comments_and_scrubbed_cases(world):
    s, win, far, staff, _, _ = world
    for _ in range(rules.K_MIN - 1):
        rate(s, win, 5)
    rate(s, win, 2, comment="打了13912345678没人接", phone="13912345678")
    rate(s, far, 1, comment="another window")
    desk = queries.staff_desk(s, staff, DAY, DAY)
    assert (desk.window_name, desk.window_code, desk.office_name) == ("低保受理窗口", "T-ONE-0001", "Office A")
    assert desk.summary.count == rules.K_MIN and not desk.summary.suppressed
    assert [(d, lv) for d, lv, _ in desk.comments] == [(DAY, 2)]
    assert [c.window_code for c in desk.cases] == ["T-ONE-0001"]
    assert desk.cases[0].phone is None and "13912345678" not in (desk.cases[0].comment or "")


def test_fewer_than_k_ratings_show_no_comments(world):
    s, win, _, staff, _, _ = world
    rate(s, win, 2, comment="让我跑了三次")
    desk = queries.staff_desk(s, staff, DAY, DAY)
    assert desk.summary.suppressed and desk.comments == []
    assert len(desk.cases) == 1  # the case to answer is there all the same


def test_staff_without_a_window_get_none(world):
    s, _, _, _, no_window, _ = world
    assert queries.staff_desk(s, no_window, DAY, DAY) is None


def test_anyone_but_window_staff_is_refused(world):
    s, _, _, _, _, officer = world
    with pytest.raises(PermissionDenied):
        queries.staff_desk(s, officer, DAY, DAY)
