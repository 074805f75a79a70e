"""Cases brought to the step a test needs through the application services (as the officers' earlier steps would),
straight into the served database; shared by the end-to-end tests that start from a case (workbench, roster)."""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

CHINA = timezone(timedelta(hours=8))
SURVEY_NOTE = "入户查看：两间平房，男主人长期卧床"
CHECK_NOTE = "银行存款比申报多 800 元，申请人说明为亲友借款"
PRELIM_NOTE = "存款超过当地标准，建议不予批准"


def _answers(village: str, name: str) -> dict:
    return {
        "village": village, "residence": "rural",
        "applicant": {"name": name, "phone": "13800138000"},
        "members": [{"name": name, "relationship": "applicant", "age": 52, "incomes": {"wage": 300_00},
                     "id_number": "130102197403150011"},
                    {"name": "李秀兰", "relationship": "spouse", "age": 50, "incomes": {},
                     "id_number": "130102197607200025"}],
        "assets": {"deposits": 1_000_00, "vehicles": 0, "houses": 1, "housing_area": 40, "businesses": 0},
        "hardship": False, "related": {"any": False, "detail": ""}, "consent": [0, 1],
    }


@contextmanager
def as_the_server(server):
    """Services called in this process read the server's settings (its data dir: the secret key, the department
    batches the check at acceptance reads), and the test process's own settings come back afterwards."""
    from portal.kernel import settings

    saved = os.environ.get("PORTAL_DATA_DIR")
    os.environ["PORTAL_DATA_DIR"] = str(server.data_dir)
    settings.get_settings.cache_clear()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("PORTAL_DATA_DIR", None)
        else:
            os.environ["PORTAL_DATA_DIR"] = saved
        settings.get_settings.cache_clear()


def _make_case(server, village: str, name: str, *, until: str = "submitted", officer: str = "",
              submitted_days_ago: int = 0) -> str:
    """A case submitted in `village` and taken by `officer` up to `until` (submitted | preliminary | refused_at_
    preliminary | to_publish); returns its number."""
    from portal.accounts.models import User
    from portal.accounts.services import actor_for_user
    from portal.applications import services as svc
    from portal.applications.models import ApplicationDocument

    now = datetime.now(CHINA) - timedelta(days=submitted_days_ago)
    with Session(create_engine(server.database_url)) as s:
        app, _secret = svc.create_draft(s, now=now)
        answers = _answers(village, name)
        for section in svc.SECTIONS:
            if section in answers:
                svc.save_section(s, app, section, answers[section], now=now)
        # A document row (the photo itself is not needed here: the page shows a missing image as broken).
        s.add(ApplicationDocument(application_id=app.id, kind="id_card", image_id="0" * 64, width=10, height=10,
                                  uploaded_at=now))
        s.flush()
        svc.submit(s, app, now=now)
        number = app.number
        if until != "submitted":
            actor = actor_for_user(s, s.execute(select(User).where(User.username == officer)).scalar_one())
            svc.accept(s, actor, number)
            svc.record_home_survey(s, actor, number, SURVEY_NOTE)
            svc.record_cross_check(s, actor, number, "explained", CHECK_NOTE)
            if until == "refused_at_preliminary":
                svc.preliminary_decision(s, actor, number, False, PRELIM_NOTE)
            elif until == "to_publish":
                svc.preliminary_decision(s, actor, number, True, "收入和财产均在标准以内，同意")
        s.commit()
    return number


def make_case(server, village: str, name: str, **kw) -> str:
    with as_the_server(server):
        return _make_case(server, village, name, **kw)
