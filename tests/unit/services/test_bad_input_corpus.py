"""The bad-input corpus against every public form's service (issue 16): hostile strings in every field a resident or
a stranger can type — sign-in, rating and 追评, report filing, receipt look-up, adding information, the application
draft, resume and submit check. Each is either refused with a catalog message (and nothing is stored) or stored
clean: no control, zero-width, bidi or surrogate character, within the field's length. Hostile files against the one
image intake are in test_images.py; the same corpus over HTTP, with the server's health timed, is in
tests/e2e/test_bad_input.py."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts import services as auth
from portal.accounts.models import Role
from portal.applications import services as apply_svc
from portal.applications.models import Application
from portal.i18n.catalog import MESSAGES
from portal.kernel.audit_models import AuditEntry
from portal.ratings import services as ratings
from portal.ratings.models import Rating
from portal.reports import services as reports
from portal.reports.models import Report, ReportEvent
from tests import factories

UTC = timezone.utc
T0 = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
KEY = "unit-test-secret"

HOSTILE = {
    "huge": "举报" * 60_000,
    "control": "abc\x00\x07\x1b[31mdef\x7f",
    "bidi": "\u202eexe.txt\u202c \u2066x\u2069",
    "zero_width": "张\u200b三\u200d\ufeff",
    "html": "<script>alert(1)</script><img src=x onerror=alert(1)>",
    "sql": "'; DROP TABLE reports; -- \" OR 1=1",
    "emoji": "👍🏽🇨🇳 好评 🤖",
    "mojibake": "鍏充簬浣忔埧鐨勪妇鎶ワ紝璇锋牳瀹",  # "关于住房的举报，请核实" read as GBK
    "surrogate": "ab\ud800cd\udfffef",
    "crlf": "a\r\nSet-Cookie: x=1\r\n\r\nb",
    "blank": " \t\u3000 ",
    "not_a_string": 10**30,
}
IDS = list(HOSTILE)


def _hidden(text: str) -> list[str]:
    return [hex(ord(c)) for c in text if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") and c != "\n"]


def _known_key(key: str) -> bool:
    return key in MESSAGES


def _count(session: Session, model) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


@pytest.fixture
def world(db_session: Session, fast_passwords):
    s = db_session
    tree = factories.region_tree(s)
    township = tree.townships["130102"][0]
    window = factories.window(s, township)
    factories.user(s, [(Role.OFFICER, township)], username="officer")
    s.commit()
    return s, township, window


def _stored_clean(text: str | None, max_len: int) -> None:
    if text is None:
        return
    assert not _hidden(text), f"hidden characters stored: {_hidden(text)}"
    assert len(text) <= max_len
    text.encode("utf-8")  # storable by every database driver


@pytest.mark.parametrize("kind", IDS)
def test_sign_in_with_hostile_credentials_is_a_clear_refusal(world, kind):
    s, _, _ = world
    value = HOSTILE[kind]
    for username, password in ((value, "x"), ("officer", value)):
        result = auth.sign_in(s, username, password, "10.0.0.1", auth.Policy(), now=T0)
        s.commit()
        assert result.token is None and _known_key(result.error), (username, result.error)
    for row in s.execute(select(AuditEntry)).scalars():
        assert not _hidden(str(row.target_id)), "an audit row keeps what the stranger typed verbatim"


@pytest.mark.parametrize("field", ["comment", "phone", "window_code"])
@pytest.mark.parametrize("kind", IDS)
def test_rating_fields(world, field, kind):
    s, _, window = world
    fields = dict(window_code=window.code, level=5, tags=(), comment="", phone="")
    fields[field] = HOSTILE[kind]
    before = _count(s, Rating)
    try:
        ratings.submit_rating(s, ratings.NewRating(**fields), device_id="dev-1", client="10.0.0.1", secret=KEY,
                              now=T0)
        s.commit()
    except ratings.RatingError as exc:
        s.rollback()
        assert _known_key(exc.key)
        assert _count(s, Rating) == before
        return
    row = s.execute(select(Rating)).scalars().one()
    _stored_clean(row.comment, 500)
    assert row.phone is None or (row.phone.isdigit() and len(row.phone) == 11)


@pytest.mark.parametrize("kind", IDS)
def test_followup_rating_comment(world, kind):
    s, _, window = world
    done = ratings.submit_rating(s, ratings.NewRating(window_code=window.code, level=2, tags=(), comment="", phone=""),
                                 device_id="dev-1", client="10.0.0.1", secret=KEY, now=T0)
    s.commit()
    try:
        ratings.add_followup_rating(s, done.receipt_code, 4, HOSTILE[kind], now=T0)
        s.commit()
    except ratings.RatingError as exc:
        s.rollback()
        assert _known_key(exc.key)
        return
    for row in s.execute(select(Rating)).scalars():
        _stored_clean(row.comment, 500)


@pytest.mark.parametrize("field", ["subject", "description", "name", "phone", "region_code", "roster_entry",
                                   "category"])
@pytest.mark.parametrize("kind", IDS)
def test_report_fields(world, field, kind):
    s, township, _ = world
    fields = dict(category="fraud", subject="张三，12号院", description="家里有两辆车，还开着一家店铺。",
                  region_code=township.code, anonymous=field not in ("name", "phone"), name="李四",
                  phone="13800138000")
    fields[field] = HOSTILE[kind]
    try:
        reports.file_report(s, reports.NewReport(**fields), device_id="dev-1", client="10.0.0.1", key=KEY, now=T0)
        s.commit()
    except reports.ReportError as exc:
        s.rollback()
        assert _known_key(exc.key), exc.key
        assert _count(s, Report) == 0
        return
    row = s.execute(select(Report)).scalars().one()
    _stored_clean(row.subject, reports.MAX_SUBJECT)
    _stored_clean(row.description, reports.MAX_DESCRIPTION)
    _stored_clean(row.reporter_name, reports.MAX_NAME)
    assert row.reporter_phone is None or row.reporter_phone.isdigit()


@pytest.mark.parametrize("kind", IDS)
def test_report_receipt_lookup_and_added_information(world, kind):
    s, township, _ = world
    filed = reports.file_report(s, reports.NewReport(category="fraud", subject="张三", description="家里有两辆车和店铺。",
                                                     region_code=township.code),
                                device_id="dev-1", client="10.0.0.1", key=KEY, now=T0)
    s.commit()
    value = HOSTILE[kind]
    for receipt, secret in ((value, filed.secret), (filed.receipt_code, value)):
        try:
            assert reports.open_receipt(s, receipt, secret, client="10.0.0.2", key=KEY, now=T0) is None
            s.commit()
        except reports.ReportError as exc:
            s.rollback()
            assert _known_key(exc.key)
    report = reports.open_receipt(s, filed.receipt_code, filed.secret, client="10.0.0.3", key=KEY, now=T0)
    assert report is not None
    try:
        reports.add_information(s, report, value, now=T0)
        s.commit()
    except reports.ReportError as exc:
        s.rollback()
        assert _known_key(exc.key)
        return
    for text in s.execute(select(ReportEvent.note)).scalars():
        _stored_clean(text, reports.MAX_DESCRIPTION)


@pytest.mark.parametrize("kind", IDS)
def test_application_resume_with_hostile_number_or_secret(world, kind):
    s, _, _ = world
    app, secret = apply_svc.create_draft(s, client="10.0.0.1", now=T0)
    s.commit()
    value = HOSTILE[kind]
    for number, typed in ((value, secret), (app.number, value)):
        try:
            assert apply_svc.open_for_resident(s, number, typed, client="10.0.0.2", now=T0) is None
            s.commit()
        except apply_svc.ApplicationError as exc:
            s.rollback()
            assert _known_key(exc.key)


@pytest.mark.parametrize("section,shape", [
    ("applicant", lambda v: {"name": v, "phone": v}),
    ("members", lambda v: [{"name": v, "relationship": v, "age": v, "id_number": v, "incomes": {"wage": v}}]),
    ("assets", lambda v: {"deposits": v, "vehicles": v}),
    ("residence", lambda v: v),
    ("village", lambda v: v),
    ("hardship", lambda v: v),
    ("related", lambda v: {"any": True, "detail": v}),
    ("consent", lambda v: [v]),
])
@pytest.mark.parametrize("kind", IDS)
def test_application_draft_sections_keep_what_was_typed_and_submit_check_answers_with_messages(world, section,
                                                                                              shape, kind):
    """A draft keeps what was typed (nothing lost), is storable, and the submit check names each bad field with a
    catalog message instead of raising."""
    s, _, _ = world
    app, _ = apply_svc.create_draft(s, client="10.0.0.1", now=T0)
    apply_svc.save_section(s, app, section, shape(HOSTILE[kind]), now=T0)
    s.commit()
    s.expire_all()
    stored = s.get(Application, app.id)
    _stored_clean(stored.applicant_name, apply_svc.MAX_NAME)
    errors = apply_svc.check_for_submit(s, stored)
    assert errors and all(_known_key(e.key) for e in errors), errors
