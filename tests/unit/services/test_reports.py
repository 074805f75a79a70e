"""Reports and reward-for-reporting against the database (portal/reports/services.py): filing and its checks,
receipts and throttled secrets, first-responsibility handling, deadlines, conflicts of interest, grouping, identity
protection, the reward's two-person rule and payment, and the audit trail.

Every call passes an explicit UTC `now=`, so nothing depends on the wall clock.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.accounts.models import Role
from portal.kernel.audit_models import AuditEntry
from portal.regions.models import Region
from portal.reports.models import Report, ReportEvidence, ReportStatus, RewardStatus
from portal.kernel import audit
from portal.kernel import policy
from portal.roster import services as roster
from portal.reports import services as svc
from portal.kernel.images import ImageRejected, PrivateImageStore
from portal.kernel.permissions import Actor, NotSignedIn, PermissionDenied
from tests import factories

KEY = "unit-test-secret"
UTC = timezone.utc
T0 = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # Tuesday 10:00 in China, no holidays near


@dataclass
class World:
    session: Session
    township: Region  # 130102001
    village: Region  # 130102001001
    sibling: Region  # 130102002
    county: Region  # 130102
    officer: Actor  # over `township`
    officer2: Actor  # also over `township`
    sibling_officer: Actor  # over `sibling`
    county_officer: Actor  # over the county
    staff: Actor  # window staff in `township`
    supervisor: Actor  # supervisor over the county
    viewer: Actor  # identity viewer over the county
    finance: Actor  # finance over the county


@pytest.fixture
def w(db_session: Session, fast_passwords) -> World:
    s = db_session
    tree = factories.region_tree(s)
    township, sibling = tree.townships["130102"]
    county = tree["130102"]
    win = factories.window(s, township)
    return World(
        s, township, tree.villages[township.code][0], sibling, county,
        factories.actor_with(s, (Role.OFFICER, township), username="officer"),
        factories.actor_with(s, (Role.OFFICER, township), username="officer2"),
        factories.actor_with(s, (Role.OFFICER, sibling), username="sibling"),
        factories.actor_with(s, (Role.OFFICER, county), username="county"),
        factories.actor_with(s, (Role.WINDOW_STAFF, township), username="staff", window=win),
        factories.actor_with(s, (Role.SUPERVISOR, county), username="supervisor"),
        factories.actor_with(s, (Role.IDENTITY_VIEWER, county), username="viewer"),
        factories.actor_with(s, (Role.FINANCE, county), username="finance"),
    )


def new(region: Region, **kw) -> svc.NewReport:
    base = dict(category="fraud", subject="Zhang San, house 12", description="Owns two cars and a shop in town.",
                region_code=region.code)
    base.update(kw)
    return svc.NewReport(**base)


def file(w: World, device: str = "dev-1", client: str = "10.0.0.1", now: datetime = T0, **kw) -> tuple[Report, str]:
    filed = svc.file_report(w.session, new(kw.pop("region", w.village), **kw), device_id=device, client=client,
                            key=KEY, now=now)
    report = w.session.execute(select(Report).where(Report.receipt_code == filed.receipt_code)).scalar_one()
    return report, filed.secret


def png_bytes(color=(200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buf, format="PNG")
    return buf.getvalue()


# --- receipts -----------------------------------------------------------------------------------------------------

def test_receipt_codes_are_16_digits_and_read_in_groups():
    codes = {svc.new_receipt_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == 16 and c.isdigit() and c[0] != "0" for c in codes)
    assert svc.format_receipt("1234567890123456") == "1234 5678 9012 3456"
    assert svc.normalize_receipt(" 1234-5678 9012 3456 ") == "1234567890123456"
    assert svc.normalize_receipt("１２３４５６７８９０１２３４５６") == "1234567890123456"  # full-width digits
    assert svc.normalize_receipt("123") == ""
    assert svc.normalize_secret("abcd efgh") == "ABCD-EFGH" and svc.normalize_secret("abc") == ""


# --- filing -------------------------------------------------------------------------------------------------------

def test_file_anonymous_report_stores_only_a_hash_of_the_secret(w):
    report, secret = file(w)
    assert report.anonymous and report.reporter_name is None and report.reporter_phone is None
    assert secret not in report.secret_hash and len(report.secret_hash) == 64
    assert report.status == ReportStatus.NEW
    # Village → its township handles it; acknowledge within 7 days.
    assert report.handler_region_id == w.township.id
    assert report.acknowledge_due == date(2026, 3, 17)
    assert report.conclude_due > report.acknowledge_due
    assert "dev-1" not in report.device_hash and "10.0.0.1" not in report.client_hash
    row = w.session.execute(select(AuditEntry).where(AuditEntry.action == "report.file")).scalar_one()
    assert row.actor == "resident" and row.region_code == w.township.code


def test_report_about_staff_goes_to_the_level_above(w):
    report, _ = file(w, category="staff_misconduct")
    assert report.about_staff and report.handler_region_id == w.county.id
    other, _ = file(w, device="dev-2", category="connections", about_staff=True, region=w.township)
    assert other.handler_region_id == w.county.id
    # The township officer does not see them; the county officer does.
    assert [r.id for r in svc.inbox(w.session, w.officer, now=T0)] == []
    assert {r.id for r in svc.inbox(w.session, w.county_officer, now=T0)} == {report.id, other.id}


@pytest.mark.parametrize("kw, key", [
    (dict(description=""), "report.err.description_short"),
    (dict(description="   \n  "), "report.err.description_short"),
    (dict(description="x" * (svc.MAX_DESCRIPTION + 1)), "report.err.description_long"),
    (dict(category="gossip"), "report.err.category"),
    (dict(subject=" "), "report.err.subject"),
    (dict(region_code="99"), "report.err.region"),
    (dict(region_code="13"), "report.err.region"),  # a province is too vague to handle
    (dict(anonymous=False, name="", phone="13800138000"), "report.err.name"),
    (dict(anonymous=False, name="Li Si", phone="12345"), "report.err.phone"),
    (dict(roster_entry="nosuchentry"), "report.err.roster_entry"),
])
def test_bad_input_is_refused(w, kw, key):
    with pytest.raises(svc.ReportError) as exc:
        svc.file_report(w.session, new(w.village, **kw), device_id="d", client="c", key=KEY, now=T0)
    assert exc.value.key == key
    assert w.session.execute(select(func.count()).select_from(Report)).scalar_one() == 0


def test_six_photos_are_refused_five_accepted(w, tmp_path):
    store = PrivateImageStore(tmp_path)
    photos = tuple(svc.accept_photo(png_bytes((i * 40, 10, 10)), store) for i in range(6))
    with pytest.raises(svc.ReportError) as exc:
        svc.file_report(w.session, new(w.village, photos=photos), device_id="d", client="c", key=KEY, now=T0)
    assert exc.value.key == "report.err.too_many_photos"
    report, _ = file(w, photos=photos[:5])
    assert w.session.execute(select(func.count()).select_from(ReportEvidence)
                             .where(ReportEvidence.report_id == report.id)).scalar_one() == 5
    assert all(store.exists(p.image_id) for p in photos[:5])


def test_a_pdf_renamed_png_is_not_a_photo(tmp_path):
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    with pytest.raises(ImageRejected) as exc:
        svc.accept_photo(pdf, PrivateImageStore(tmp_path))
    assert exc.value.reason == "image.not_image"


def test_real_name_report_keeps_name_and_phone(w):
    report, _ = file(w, anonymous=False, name=" Li  Si ", phone="138 0013 8000")
    assert (report.reporter_name, report.reporter_phone) == ("Li Si", "13800138000")


def test_rate_limit_per_device_and_per_address(w):
    for i in range(3):
        file(w, device="same", client=f"10.0.0.{i}", now=T0 + timedelta(minutes=i))
    with pytest.raises(svc.ReportError) as exc:
        file(w, device="same", client="10.0.0.9", now=T0 + timedelta(minutes=5))
    assert exc.value.key == "report.err.rate_limited"
    file(w, device="same", client="10.0.0.9", now=T0 + timedelta(days=1, minutes=1))  # a day later: fine again
    province = w.session.get(Region, w.county.parent_id)
    province = w.session.get(Region, province.parent_id)
    policy.set_value(w.session, factories.actor_with(w.session, (Role.ADMIN, province), username="admin"),
                     "report.max_per_client_day", 2)
    file(w, device="a", client="1.2.3.4")
    file(w, device="b", client="1.2.3.4")
    with pytest.raises(svc.ReportError):
        file(w, device="c", client="1.2.3.4")


def test_objection_from_the_roster_is_prefilled_masked_and_grouped(w):
    s = w.session
    roster.add_standing(s, w.officer, w.village, [roster.NewEntry("张小明", 3, 135000, w.village.code,
                                                                   source_ref="household:77")])
    entry = roster.browse(s, w.village.path, "standing").entries[0]
    first, _ = file(w, roster_entry=entry.public_id, subject="ignored", region_code="")
    assert first.subject.startswith("张*明") and "张小明" not in first.subject
    assert first.subject_key == "household:77" and first.roster_entry_id is not None
    assert first.region_id == w.village.id and first.handler_region_id == w.township.id
    second, _ = file(w, device="dev-2", roster_entry=entry.public_id)
    rows = {r.id: r for r in svc.inbox(s, w.officer, now=T0)}
    assert rows[first.id].group_size == rows[second.id].group_size == 2
    d = svc.detail(s, w.officer, first.id, now=T0)
    assert [g.id for g in d.group] == [second.id] and d.from_roster


def test_free_text_reports_about_the_same_person_are_grouped():
    assert svc.subject_key("Zhang San ") == svc.subject_key("zhang  san") == svc.subject_key("ZHANG-SAN")
    assert svc.subject_key("张三") != svc.subject_key("张四")


# --- tracking -----------------------------------------------------------------------------------------------------

def test_track_with_receipt_and_secret(w):
    report, secret = file(w)
    got = svc.open_receipt(w.session, svc.format_receipt(report.receipt_code), secret.lower(), client="c", key=KEY,
                           now=T0)
    assert got.id == report.id
    view = svc.track_view(w.session, got)
    assert view.status == "new" and [h.kind for h in view.history] == ["submitted"]


def test_wrong_secret_ten_times_is_throttled_even_for_the_right_one(w):
    report, secret = file(w)
    keys = []
    for i in range(10):
        with pytest.raises(svc.ReportError) as exc:
            svc.open_receipt(w.session, report.receipt_code, "WRON-GGGG", client="9.9.9.9", key=KEY,
                             now=T0 + timedelta(seconds=i))
        keys.append(exc.value.key)
    assert keys[:5] == ["report.err.track_wrong"] * 5
    assert keys[5:] == ["report.err.track_throttled"] * 5
    with pytest.raises(svc.ReportError) as exc:  # even the right secret, from the guessing address
        svc.open_receipt(w.session, report.receipt_code, secret, client="9.9.9.9", key=KEY, now=T0 + timedelta(minutes=1))
    assert exc.value.key == "report.err.track_throttled"
    assert exc.value.retry_at == "10:15"  # the first counted failure (10:00 Beijing) + the 15-minute window
    later = T0 + timedelta(minutes=30)
    assert svc.open_receipt(w.session, report.receipt_code, secret, client="9.9.9.9", key=KEY, now=later).id == report.id
    assert w.session.execute(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "report.track_failed")).scalar_one() == 5


def test_wrong_secrets_from_one_address_do_not_lock_the_right_secret_from_another(w):
    report, secret = file(w)
    for i in range(5):
        with pytest.raises(svc.ReportError):
            svc.open_receipt(w.session, report.receipt_code, "WRON-GGGG", client="9.9.9.9", key=KEY,
                             now=T0 + timedelta(seconds=i))
    # The holder from another address: a short wait after the last failure (and told when), then it opens.
    with pytest.raises(svc.ReportError) as exc:
        svc.open_receipt(w.session, report.receipt_code, secret, client="8.8.8.8", key=KEY,
                         now=T0 + timedelta(seconds=10))
    assert exc.value.key == "report.err.track_throttled" and exc.value.retry_at
    assert svc.open_receipt(w.session, report.receipt_code, secret, client="8.8.8.8", key=KEY,
                            now=T0 + timedelta(seconds=40)).id == report.id
    with pytest.raises(svc.ReportError) as exc:
        svc.open_receipt(w.session, report.receipt_code, secret, client="9.9.9.9", key=KEY,
                         now=T0 + timedelta(seconds=40))
    assert exc.value.key == "report.err.track_throttled"


def test_unknown_receipts_count_against_the_client_address(w):
    for i in range(20):
        with pytest.raises(svc.ReportError):
            svc.open_receipt(w.session, f"{1000000000000000 + i}", "ABCD-EFGH", client="7.7.7.7", key=KEY, now=T0)
    report, secret = file(w)
    with pytest.raises(svc.ReportError) as exc:
        svc.open_receipt(w.session, report.receipt_code, secret, client="7.7.7.7", key=KEY, now=T0)
    assert exc.value.key == "report.err.track_throttled"


def test_receipt_failures_and_staff_sign_in_failures_do_not_throttle_each_other(w):
    """Same table, separate buckets: wrong receipt secrets from a service centre's shared address must not lock the
    staff behind that address out of signing in (nor staff typos use up residents' look-ups)."""
    from portal.accounts import services as auth

    report, secret = file(w)
    for i in range(25):
        with pytest.raises(svc.ReportError):
            svc.open_receipt(w.session, f"{2000000000000000 + i}", "ABCD-EFGH", client="7.7.7.7", key=KEY, now=T0)
    signed = auth.sign_in(w.session, "officer", factories.DEFAULT_PASSWORD, "7.7.7.7", auth.Policy(), now=T0)
    assert signed.error is None and signed.actor is not None
    for i in range(25):
        assert auth.sign_in(w.session, f"nobody{i}", "wrong", "8.8.8.8", auth.Policy(), now=T0).error
    assert svc.open_receipt(w.session, report.receipt_code, secret, client="8.8.8.8", key=KEY, now=T0).id == report.id


def test_reporter_adds_information_until_concluded(w, tmp_path):
    report, _ = file(w)
    photo = svc.accept_photo(png_bytes(), PrivateImageStore(tmp_path))
    svc.add_information(w.session, report, "He also rents out a flat.", [photo], now=T0)
    with pytest.raises(svc.ReportError) as exc:
        svc.add_information(w.session, report, "  ", [], now=T0)
    assert exc.value.key == "report.err.note_required"
    assert [h.kind for h in svc.track_view(w.session, report).history] == ["submitted", "info_added"]


def test_additions_are_limited_per_report(w):
    report, _ = file(w)
    for i in range(svc.MAX_ADDITIONS):
        svc.add_information(w.session, report, f"More detail, number {i}.", now=T0)
    with pytest.raises(svc.ReportError) as exc:
        svc.add_information(w.session, report, "One more.", now=T0)
    assert exc.value.key == "report.err.too_many_additions"


# --- officers: scope, first responsibility, deadlines -------------------------------------------------------------

def test_scope_other_township_staff_and_supervisors_see_nothing(w):
    report, _ = file(w)
    s = w.session
    for outsider in (w.sibling_officer, w.staff, w.supervisor, w.viewer, w.finance):
        with pytest.raises(PermissionDenied):
            svc.detail(s, outsider, report.id)
        with pytest.raises(PermissionDenied):
            svc.take(s, outsider, report.id)
    assert svc.inbox(s, w.sibling_officer, now=T0) == []
    for outsider in (w.staff, w.supervisor):
        with pytest.raises(PermissionDenied):
            svc.inbox(s, outsider)
    with pytest.raises(NotSignedIn):
        svc.detail(s, None, report.id)
    with pytest.raises(PermissionDenied):  # unknown ids are refused like forbidden ones
        svc.detail(s, w.officer, 987654)


def test_first_officer_owns_the_report_until_a_reasoned_transfer(w):
    report, _ = file(w)
    s = w.session
    svc.take(s, w.officer, report.id, now=T0)
    with pytest.raises(svc.ReportError) as exc:
        svc.take(s, w.officer2, report.id, now=T0)
    assert exc.value.key == "report.err.already_owned"
    with pytest.raises(svc.ReportError) as exc:
        svc.acknowledge(s, w.officer2, report.id, "Received.", now=T0)
    assert exc.value.key == "report.err.not_owner"
    with pytest.raises(svc.ReportError) as exc:
        svc.transfer(s, w.officer, report.id, "officer2", " ", now=T0)
    assert exc.value.key == "report.err.reason_required"
    with pytest.raises(svc.ReportError):
        svc.transfer(s, w.officer, report.id, "sibling", "They know the family", now=T0)  # not a possible handler
    assert "officer2" in [u for u, _ in svc.detail(s, w.officer, report.id).transfer_to]
    svc.transfer(s, w.officer, report.id, "officer2", "On leave next week", now=T0)
    assert report.owner_id == w.officer2.user_id
    svc.acknowledge(s, w.officer2, report.id, "Received, we are checking.", now=T0)
    assert report.status == ReportStatus.ACKNOWLEDGED
    actions = list(s.execute(select(AuditEntry.action).where(AuditEntry.target_type == "report")
                             .order_by(AuditEntry.id)).scalars())
    assert actions == ["report.file", "report.take", "report.transfer", "report.acknowledge"]


def test_overdue_when_not_acknowledged_within_7_days(w):
    report, _ = file(w)
    assert not svc.inbox(w.session, w.officer, now=T0 + timedelta(days=7))[0].overdue
    later = T0 + timedelta(days=8)
    row = svc.inbox(w.session, w.officer, now=later)[0]
    assert row.overdue
    assert [r.id for r in svc.inbox(w.session, w.officer, svc.InboxFilter(overdue_only=True), now=later)] == [report.id]
    assert svc.inbox(w.session, w.officer, svc.InboxFilter(overdue_only=True), now=T0) == []


def test_inbox_filters(w):
    fraud, _ = file(w)
    missed, _ = file(w, device="d2", category="missed")
    svc.take(w.session, w.officer, missed.id, now=T0)
    s = w.session
    assert [r.id for r in svc.inbox(s, w.officer, svc.InboxFilter(category="missed"), now=T0)] == [missed.id]
    assert [r.id for r in svc.inbox(s, w.officer, svc.InboxFilter(status="new"), now=T0)] == [fraud.id]
    assert [r.id for r in svc.inbox(s, w.officer, svc.InboxFilter(mine_only=True), now=T0)] == [missed.id]
    assert svc.inbox(s, w.officer, svc.InboxFilter(status="bogus"), now=T0) == []


def test_conflict_of_interest_hides_the_report_and_releases_it(w):
    report, _ = file(w)
    s = w.session
    svc.take(s, w.officer, report.id, now=T0)
    svc.declare_conflict(s, w.officer, report.id, "The subject is my cousin", now=T0)
    assert report.owner_id is None and report.status == ReportStatus.NEW
    assert svc.inbox(s, w.officer, now=T0) == []
    for fn in (svc.detail, svc.take):
        with pytest.raises(PermissionDenied):
            fn(s, w.officer, report.id)
    svc.take(s, w.officer2, report.id, now=T0)
    assert "officer" not in [u for u, _ in svc.detail(s, w.officer2, report.id).transfer_to]


def test_real_name_report_needs_a_written_reply_before_conclusion(w):
    report, _ = file(w, anonymous=False, name="Li Si", phone="13800138000")
    s = w.session
    svc.take(s, w.officer, report.id, now=T0)
    svc.acknowledge(s, w.officer, report.id, "Received.", now=T0)
    assert svc.inbox(s, w.officer, now=T0)[0].reply_owed
    with pytest.raises(svc.ReportError) as exc:
        svc.conclude(s, w.officer, report.id, "unfounded", "No evidence found at the visit.", now=T0)
    assert exc.value.key == "report.err.reply_owed"
    svc.reply(s, w.officer, report.id, "We visited on 12 March; details follow.", now=T0)
    svc.conclude(s, w.officer, report.id, "unfounded", "No evidence found at the visit.", now=T0)
    assert report.status == ReportStatus.CONCLUDED


def test_identity_only_for_the_identity_viewer_and_every_view_is_logged(w):
    report, _ = file(w, anonymous=False, name="Li Si", phone="13800138000")
    s = w.session
    for someone in (w.officer, w.county_officer, w.finance, w.sibling_officer, w.staff, w.supervisor):
        with pytest.raises(PermissionDenied):
            svc.reveal_identity(s, someone, report.id)
    d = svc.detail(s, w.county_officer, report.id)
    assert "Li Si" not in repr(d) and "13800138000" not in repr(d)
    who = svc.reveal_identity(s, w.viewer, report.id, now=T0)
    assert (who.name, who.phone) == ("Li Si", "13800138000")
    svc.reveal_identity(s, w.viewer, report.id, now=T0)
    views = s.execute(select(AuditEntry).where(AuditEntry.action == "report.identity_view")).scalars().all()
    assert len(views) == 2 and all(v.actor == "viewer" for v in views)
    assert "Li Si" not in repr([v.after for v in views])


# --- rewards ------------------------------------------------------------------------------------------------------

def test_reward_amount_share_floor_cap():
    rule = svc.RewardRule(share_percent=10, floor_fen=20000, cap_fen=500000)
    assert svc.reward_amount(1_200_000, rule)[0] == 120_000  # 10% of 12,000 yuan
    assert svc.reward_amount(50_000, rule)[0] == 20_000  # floor
    assert svc.reward_amount(90_000_000, rule)[0] == 500_000  # cap
    amount, basis = svc.reward_amount(1_200_000, rule)
    assert "10%" in basis and "12,000.00" in basis and "1,200.00" in basis


def _concluded(w, outcome="substantiated", recovered=1_200_000) -> Report:
    report, _ = file(w)
    s = w.session
    svc.take(s, w.officer, report.id, now=T0)
    svc.acknowledge(s, w.officer, report.id, "Received.", now=T0)
    svc.conclude(s, w.officer, report.id, outcome, "Two cars registered in his name.", recovered, now=T0)
    return report


def test_reward_two_person_rule_then_payment_and_claim(w):
    s = w.session
    report = _concluded(w)
    reward = svc.decide_reward(s, w.officer, report.id, now=T0)
    assert reward.amount_fen == 120_000 and reward.status == RewardStatus.DECIDED
    with pytest.raises(svc.ReportError) as exc:
        svc.approve_reward(s, w.officer, report.id, True, now=T0)
    assert exc.value.key == "report.err.same_officer"
    with pytest.raises(svc.ReportError):  # not yet approved: nothing to claim, nothing to pay
        svc.claim_reward(s, report, "Alipay 138****", now=T0)
    with pytest.raises(PermissionDenied):
        svc.mark_paid(s, w.officer2, report.id, date(2026, 3, 10), "PAY-1", now=T0)
    svc.approve_reward(s, w.officer2, report.id, True, now=T0)
    svc.claim_reward(s, report, "Bank of Hebei 6222 0000 1111", now=T0)
    view = svc.track_view(s, report)
    assert view.reward.status == "approved" and view.reward.claimed and not view.can_claim
    with pytest.raises(PermissionDenied):
        svc.payout_details(s, w.officer, report.id)
    assert svc.payout_details(s, w.finance, report.id, now=T0) == "Bank of Hebei 6222 0000 1111"
    with pytest.raises(svc.ReportError) as exc:
        svc.mark_paid(s, w.finance, report.id, date(2026, 3, 10), " ", now=T0)
    assert exc.value.key == "report.err.payment_ref"
    svc.mark_paid(s, w.finance, report.id, date(2026, 3, 10), "PAY-2026-031", now=T0)
    assert svc.track_view(s, report).reward.status == "paid"
    kinds = [h.kind for h in svc.track_view(s, report).history]
    assert kinds == ["submitted", "acknowledged", "concluded", "reward_decided", "reward_approved", "reward_claimed",
                     "reward_paid"]
    assert svc.public_reward_totals(s) == (1, 120_000)
    register = svc.reward_register(s, w.county_officer, "2026-03")
    assert [(r.report_id, r.status, r.payment_ref) for r in register] == [(report.id, "paid", "PAY-2026-031")]
    assert svc.reward_register(s, w.sibling_officer, "2026-03") == []
    assert svc.reward_register(s, w.county_officer, "2026-02") == []
    assert audit.verify_chain(s).ok


def test_the_officer_who_set_the_recovered_amount_cannot_approve_the_reward(w):
    """The amount follows from the money recovered, entered by the concluding officer: a colleague's one-click
    decision does not make that officer a second person."""
    s = w.session
    report = _concluded(w)  # concluded by w.officer, 12,000.00 recovered
    svc.decide_reward(s, w.officer2, report.id, now=T0)
    assert not svc.detail(s, w.officer, report.id, now=T0).reward.may_approve
    with pytest.raises(svc.ReportError) as exc:
        svc.approve_reward(s, w.officer, report.id, True, now=T0)
    assert exc.value.key == "report.err.same_officer"
    assert svc.detail(s, w.county_officer, report.id, now=T0).reward.may_approve
    svc.approve_reward(s, w.county_officer, report.id, True, now=T0)


def test_finance_pays_only_a_claimed_reward_and_never_its_own_decision(w):
    """No payment before the reporter said where the money goes; claiming comes before paying, never after; whoever
    decided or approved the reward does not also record its payment (separation of duties)."""
    s = w.session
    report = _concluded(w)
    svc.decide_reward(s, w.officer, report.id, now=T0)
    svc.approve_reward(s, w.county_officer, report.id, True, now=T0)
    with pytest.raises(svc.ReportError) as exc:
        svc.mark_paid(s, w.finance, report.id, date(2026, 3, 10), "PAY-1", now=T0)
    assert exc.value.key == "report.err.not_claimed"
    # A county officer who also holds the finance grant and approved it cannot record the payment.
    both = factories.actor_with(s, (Role.OFFICER, w.county), (Role.FINANCE, w.county), username="both")
    second = _concluded(w)
    svc.decide_reward(s, w.officer, second.id, now=T0)
    svc.approve_reward(s, both, second.id, True, now=T0)
    svc.claim_reward(s, second, "Bank of Hebei 6222 0000 2222", now=T0 + timedelta(days=1))
    with pytest.raises(svc.ReportError) as exc:
        svc.mark_paid(s, both, second.id, date(2026, 3, 11), "PAY-2", now=T0 + timedelta(days=1))
    assert exc.value.key == "report.err.payer_decided"
    with pytest.raises(svc.ReportError) as exc:  # paid the day before the reporter said where to
        svc.mark_paid(s, w.finance, second.id, date(2026, 3, 10), "PAY-2", now=T0 + timedelta(days=1))
    assert exc.value.key == "report.err.paid_on"
    svc.mark_paid(s, w.finance, second.id, date(2026, 3, 11), "PAY-2", now=T0 + timedelta(days=1))
    assert svc.track_view(s, second).reward.status == "paid"
    # Claims come before payment: once paid there is nothing left to claim (or to redirect).
    assert not svc.track_view(s, second).can_claim
    with pytest.raises(svc.ReportError):
        svc.claim_reward(s, second, "someone else's card", now=T0)


def test_the_same_photo_added_again_is_kept_once(w, tmp_path):
    photo = svc.accept_photo(png_bytes(), PrivateImageStore(tmp_path))
    report, _ = file(w, photos=(photo,))
    svc.add_information(w.session, report, "The same picture again, and more words.", [photo], now=T0)
    w.session.flush()
    assert w.session.execute(select(func.count()).select_from(ReportEvidence)
                             .where(ReportEvidence.report_id == report.id)).scalar_one() == 1


def test_rejected_reward_can_be_decided_again_and_unfounded_gets_none(w):
    s = w.session
    report = _concluded(w)
    svc.decide_reward(s, w.officer, report.id, now=T0)
    with pytest.raises(svc.ReportError):
        svc.approve_reward(s, w.officer2, report.id, False, "", now=T0)
    svc.approve_reward(s, w.officer2, report.id, False, "Recovered amount not confirmed yet", now=T0)
    assert svc.track_view(s, report).reward is None
    svc.decide_reward(s, w.officer2, report.id, "Confirmed by the bank", now=T0)
    svc.approve_reward(s, w.county_officer, report.id, True, now=T0)
    unfounded = _concluded(w, "unfounded")
    with pytest.raises(svc.ReportError) as exc:
        svc.decide_reward(s, w.officer, unfounded.id, now=T0)
    assert exc.value.key == "report.err.not_rewardable"


def test_receipt_card_is_a_png_holding_both_codes():
    png = svc.receipt_card_png("1234567890123456", "ABCD-EFGH", svc.ReceiptCardText(
        "举报回执", "受理码", "查询密码", "请保存此图片。凭受理码和密码查询办理进度，密码只显示这一次。", "2026-03-10 10:00"))
    im = Image.open(io.BytesIO(png))
    assert im.format == "PNG" and im.width == 720 and im.height > 400


def test_inbox_pages_through_every_report_once(w):
    """An inbox is read a page at a time (oldest deadline first): every report appears on exactly one page."""
    filed = [file(w, device=f"d{i}", client=f"10.0.1.{i}", now=T0 + timedelta(days=i))[0].id for i in range(7)]
    pages = [[r.id for r in svc.inbox(w.session, w.officer, now=T0, limit=3, offset=o)] for o in (0, 3, 6, 9)]
    assert pages == [filed[0:3], filed[3:6], filed[6:7], []]
