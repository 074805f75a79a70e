"""Demo evaluations (portal/evaluations/demo.py): idempotent, and showing what the feature is for — two
published notices with 青园街道's window flagged for a talk, and an open round waiting for the demo supervisor."""

from __future__ import annotations

from datetime import datetime, timezone

from portal.accounts import services as auth
from portal import demo
from portal.evaluations import demo as demo_evaluations
from portal.ratings import demo as demo_ratings
from portal.evaluations import services as ew
from portal.accounts.models import User
from sqlalchemy import select

NOW = datetime(2026, 6, 10, 2, 0, tzinfo=timezone.utc)


def test_demo_rounds_load_once_and_tell_a_story(db_session, fast_passwords):
    s = db_session
    demo.load(s, "demo-password-1")
    demo_ratings.load(s, "secret", now=NOW)
    assert demo_evaluations.load(s, "demo-password-1", now=NOW) == 3
    assert demo_evaluations.load(s, "demo-password-1", now=NOW) == 0
    published = ew.published_rounds(s)
    assert len(published) == 2
    latest = ew.notice(s, published[0].id)
    flagged = [r.label for r in latest.rows if r.talk_flag]
    assert len(flagged) == 1 and "HB-SJZ-0003" in flagged[0]
    assert all(r.rank is not None for r in latest.rows)
    supervisor = auth.actor_for_user(s, s.execute(select(User).where(User.username == "supervisor")).scalar_one())
    [open_round] = ew.my_open_rounds(s, supervisor)
    assert [t.status for t in open_round.targets] == ["assigned", "assigned"]
