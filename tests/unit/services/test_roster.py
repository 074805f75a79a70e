"""The public roster service (portal/roster/services.py): 7-day batches, withdrawals with reasons, role + region,
masked page-by-page reads, exact-name search, the read budget and the proof that a batch stayed up 7 days."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import Role
from portal.applications import services as svc
from portal.kernel import money
from portal.kernel.audit_models import AuditEntry
from portal.roster.models import KIND_PUBLICITY, KIND_STANDING, RosterBatch, RosterEntry
from portal.roster import services as roster
from portal.kernel.permissions import PermissionDenied
from tests import factories

T0 = datetime(2026, 3, 9, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def world(db_session, fast_passwords, tmp_path):
    tree = factories.region_tree(db_session)
    township = tree["130102001"]
    sibling = tree["130102002"]
    officer = factories.actor_with(db_session, (Role.OFFICER, township))
    county_officer = factories.actor_with(db_session, (Role.OFFICER, tree["130102"]))
    sibling_officer = factories.actor_with(db_session, (Role.OFFICER, sibling))
    staff = factories.actor_with(db_session, (Role.WINDOW_STAFF, township))
    db_session.commit()
    return dataclasses.make_dataclass("World", ["session", "tree", "township", "sibling", "officer",
                                                "county_officer", "sibling_officer", "staff", "store"])(
        db_session, tree, township, sibling, officer, county_officer, sibling_officer, staff, tmp_path / "private")


def entry(name: str = "张小明", village: str = "130102001001", size: int = 3, yuan: int = 900,
          ref: str | None = None) -> roster.NewEntry:
    return roster.NewEntry(name, size, yuan * 100, village, source_ref=ref)


_households = iter(range(1, 1_000_000))


def standing(entries: list[roster.NewEntry]) -> list[roster.NewEntry]:
    """Standing entries come from register households: each carries its household's source_ref."""
    return [dataclasses.replace(e, source_ref=f"household:{next(_households)}") for e in entries]


TWO = [("张小明", "130102001001"), ("欧阳娜娜", "130102001002")]


def cases(w, people, at=T0) -> list:
    """Cases approved at 初审 by the township officer, ready to publish at `at`."""
    return factories.approved_cases(w.session, w.officer, people, now=at, store_dir=w.store)


def publish(w, people=TWO, at=T0, actor=None, region=None, apps=None) -> RosterBatch:
    """A publicity batch the only way there is: from approved cases, through `publish_cases`."""
    apps = apps if apps is not None else cases(w, people, at)
    batch_id = svc.publish_cases(w.session, actor or w.officer, (region or w.township).code,
                                 [a.number for a in apps], now=at)
    w.session.commit()
    return w.session.get(RosterBatch, batch_id)


# --- the 7-day window -------------------------------------------------------------------------------------------

def test_a_batch_runs_exactly_seven_calendar_days_from_publication(world):
    batch = publish(world)
    assert batch.starts_at == T0
    assert batch.ends_at - batch.starts_at == timedelta(days=7) == roster.PUBLICITY
    rows = world.session.execute(select(RosterEntry).where(RosterEntry.batch_id == batch.id)).scalars().all()
    assert {(r.kind, r.starts_at, r.ends_at) for r in rows} == {(KIND_PUBLICITY, T0, T0 + timedelta(days=7))}


def test_publication_time_is_stored_in_utc_whatever_zone_the_caller_used(world):
    china = timezone(timedelta(hours=8))
    batch = publish(world, at=T0.astimezone(china))
    world.session.expire_all()
    again = world.session.get(RosterBatch, batch.id)
    assert again.starts_at == T0 and again.ends_at == T0 + timedelta(days=7)
    assert roster.batch_proof(world.session, batch.id, now=T0).publish_recorded


@pytest.mark.parametrize("offset, listed", [
    (timedelta(seconds=-1), False),  # not before publication
    (timedelta(0), True),
    (timedelta(days=3), True),
    (timedelta(days=7) - timedelta(seconds=1), True),  # the whole 7th day
    (timedelta(days=7), False),  # over at exactly 7 × 24 h
    (timedelta(days=30), False),
])
def test_entries_are_public_exactly_inside_the_window(world, offset, listed):
    publish(world)
    now = T0 + offset
    page = roster.browse(world.session, world.township.path, KIND_PUBLICITY, now=now)
    assert (len(page.entries) == 2) is listed
    found = roster.search_name(world.session, world.township.path, "张小明", now=now)
    assert (len(found.entries) == 1) is listed
    batches = roster.current_batches(world.session, world.township, now=now)
    assert (len(batches) == 1) is listed


def test_publicity_finished_only_after_the_full_seven_days(world):
    published, waiting = cases(world, [("张小明", "130102001001"), ("欧阳娜娜", "130102001001")])
    publish(world, apps=[published])
    ref = svc.source_ref(published)
    assert not roster.publicity_finished(world.session, ref, now=T0 + timedelta(days=6, hours=23))
    assert roster.publicity_finished(world.session, ref, now=T0 + timedelta(days=7))
    assert not roster.publicity_finished(world.session, svc.source_ref(waiting), now=T0 + timedelta(days=30))


def test_nothing_can_shorten_move_or_end_a_batch():
    """The service has no operation that changes a batch's interval; only entries can be withdrawn."""
    public = {name for name, obj in vars(roster).items()
              if not name.startswith("_") and callable(obj) and getattr(obj, "__module__", "") == roster.__name__}
    assert {"publish_batch", "add_standing", "withdraw_entry"} <= public
    suspicious = {n for n in public if any(w in n for w in ("shorten", "end_batch", "close", "unpublish",
                                                               "delete", "reschedule", "extend", "cancel"))}
    assert not suspicious


def test_publish_is_audited_with_its_interval(world):
    batch = publish(world)
    row = world.session.get(AuditEntry, batch.publish_audit_id)
    assert (row.action, row.target_type, row.target_id) == (roster.ACTION_PUBLISH, "roster_batch", str(batch.id))
    assert row.at == batch.starts_at
    assert row.actor_id == world.officer.user_id
    assert row.region_code == world.township.code
    assert row.after["days"] == 7
    assert datetime.fromisoformat(row.after["ends_at"]) == batch.ends_at
    public_ids = set(world.session.execute(select(RosterEntry.public_id)
                                           .where(RosterEntry.batch_id == batch.id)).scalars())
    assert set(row.after["entries"]) == public_ids


# --- role and region ------------------------------------------------------------------------------------------

def test_only_officers_of_the_region_may_publish(world):
    with pytest.raises(PermissionDenied):
        publish(world, actor=world.sibling_officer)
    with pytest.raises(PermissionDenied):
        publish(world, actor=world.staff)
    world.session.rollback()
    publish(world, actor=world.county_officer)  # the county covers its townships


def test_entries_must_be_villages_inside_the_region(world):
    def add(village):
        roster.add_standing(world.session, world.officer, world.township, standing([entry(village=village)]), now=T0)

    with pytest.raises(roster.RosterError) as err:
        add("130102002001")  # a village of the sibling township
    assert err.value.key == "roster.err_village"
    with pytest.raises(roster.RosterError):
        add("130102001")  # a township, not a village
    with pytest.raises(roster.RosterError):
        add("999")


@pytest.mark.parametrize("bad, key", [
    (entry(name=""), "name.err_invalid"),
    (entry(name="   "), "name.err_invalid"),
    (entry(name="130102199001011234"), "name.err_invalid"),  # an ID number typed into the name box
    (entry(name="张三 13800138000"), "name.err_invalid"),
    (entry(name="张*明"), "name.err_invalid"),
    (entry(name="张" * 40), "name.err_invalid"),
    (entry(size=0), "roster.err_household"),
    (entry(size=21), "roster.err_household"),
    (entry(yuan=0), "roster.err_amount"),
    (entry(yuan=60_000), "roster.err_amount"),
    (entry(ref="x" * 65), "roster.err_source_ref"),
])
def test_bad_entries_are_refused(bad, key):
    """Every line (a case's or a register household's) passes `check_entry` before it is stored."""
    with pytest.raises(roster.RosterError) as err:
        roster.check_entry(bad)
    assert err.value.key == key


def test_an_empty_batch_is_refused(world):
    with pytest.raises(roster.RosterError) as err:
        roster.publish_batch(world.session, world.officer, world.township, [], now=T0)
    assert err.value.key == "roster.err_empty"


@pytest.mark.parametrize("ref", [None, "", "demo-case-0001", "household:3", "application:", "application:7x",
                                 "application:٣"])
def test_a_publicity_line_without_its_case_is_refused(world, ref):
    with pytest.raises(roster.RosterError) as err:
        roster.publish_batch(world.session, world.officer, world.township, [entry(ref=ref)], now=T0)
    assert err.value.key == "roster.err_case_ref"
    assert world.session.execute(select(RosterBatch)).first() is None


def test_the_table_refuses_a_publicity_line_without_its_case(world):
    """Below the service, the CHECK constraint holds too (a write that skipped the service is refused)."""
    batch = publish(world)
    line = world.session.execute(select(RosterEntry).where(RosterEntry.batch_id == batch.id)).scalars().first()
    line.source_ref = None
    with pytest.raises(IntegrityError):
        world.session.flush()
    world.session.rollback()
    line = world.session.execute(select(RosterEntry).where(RosterEntry.batch_id == batch.id)).scalars().first()
    line.source_ref = "household:1"
    with pytest.raises(IntegrityError):
        world.session.flush()


# --- withdrawal -----------------------------------------------------------------------------------------------

def _ids(w, batch) -> list[str]:
    return list(w.session.execute(select(RosterEntry.public_id).where(RosterEntry.batch_id == batch.id)
                                  .order_by(RosterEntry.id)).scalars())


@pytest.mark.parametrize("reason", ["", "   ", "错", "ab", "\n\t"])
def test_withdrawal_needs_a_written_reason(world, reason):
    batch = publish(world)
    with pytest.raises(roster.RosterError) as err:
        roster.withdraw_entry(world.session, world.officer, _ids(world, batch)[0], reason, now=T0)
    assert err.value.key == "roster.err_reason"


def test_withdrawal_is_audited_and_the_batch_keeps_running(world):
    batch = publish(world)
    first, second = _ids(world, batch)
    later = T0 + timedelta(days=2)
    roster.withdraw_entry(world.session, world.officer, first, "经入户核查，家庭收入超过保障标准", now=later)
    world.session.commit()
    row = world.session.execute(select(AuditEntry).where(AuditEntry.action == roster.ACTION_WITHDRAW)).scalar_one()
    assert row.target_id == first and row.at == later
    assert row.after == {"status": "withdrawn", "reason": "经入户核查，家庭收入超过保障标准"}
    assert row.before["batch_id"] == batch.id
    page = roster.browse(world.session, world.township.path, KIND_PUBLICITY, now=later)
    assert [e.public_id for e in page.entries] == [second]
    world.session.refresh(batch)
    assert batch.ends_at == T0 + timedelta(days=7)  # untouched
    proof = roster.batch_proof(world.session, batch.id, now=later)
    assert [r.action for r in proof.rows] == [roster.ACTION_PUBLISH, roster.ACTION_WITHDRAW]
    assert proof.rows[1].reason == "经入户核查，家庭收入超过保障标准"
    assert proof.batch.withdrawn_count == 1
    with pytest.raises(roster.RosterError) as err:
        roster.withdraw_entry(world.session, world.officer, first, "再撤回一次试试", now=later)
    assert err.value.key == "roster.err_already_withdrawn"


def test_withdrawal_is_checked_against_the_entrys_region(world):
    batch = publish(world)
    with pytest.raises(PermissionDenied):
        roster.withdraw_entry(world.session, world.sibling_officer, _ids(world, batch)[0], "不是我的辖区", now=T0)
    with pytest.raises(PermissionDenied):
        roster.withdraw_entry(world.session, world.officer, "nosuchentry", "不存在的条目", now=T0)


# --- reading: masked, paginated, scoped -------------------------------------------------------------------------

def test_public_entries_carry_publishable_fields_only(world):
    assert {f.name for f in dataclasses.fields(roster.PublicEntry)} == {
        "public_id", "masked_name", "household_size", "monthly_amount_fen", "village_name", "kind", "starts_at",
        "ends_at"}
    publish(world, [("张小明", "130102001001")])
    (e,) = roster.browse(world.session, world.township.path, KIND_PUBLICITY, now=T0).entries
    assert e.masked_name == "张*明"
    assert "application" not in repr(e) and "张小明" not in repr(e)


def test_masking_follows_the_villages_setting(world):
    world.tree["130102001002"].name_mask_style = "surname"
    publish(world, TWO)
    names = [e.masked_name for e in roster.browse(world.session, world.township.path, KIND_PUBLICITY, now=T0).entries]
    assert names == ["张*明", "欧阳**"]


def test_browse_pages_through_a_region_in_order_without_overlap(world):
    villages = ["130102001001", "130102001002"]
    roster.add_standing(world.session, world.officer, world.township, standing([entry(f"李{chr(0x4e00 + i)}{chr(0x4e00 + i)}", villages[i % 2])
                                  for i in range(45)]), now=T0)
    roster.add_standing(world.session, world.sibling_officer, world.sibling, standing([entry("外乡人", "130102002001")]),
                        now=T0)
    world.session.commit()
    seen, cursor, pages = [], None, 0
    while True:
        page = roster.browse(world.session, world.township.path, KIND_STANDING, cursor=cursor, now=T0)
        assert len(page.entries) <= roster.PAGE_SIZE
        seen += [e.public_id for e in page.entries]
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert pages == 3 and len(seen) == len(set(seen)) == 45
    villages_seen = [e.village_name for e in roster.browse(world.session, world.township.path, KIND_STANDING,
                                                           now=T0).entries]
    assert villages_seen == sorted(villages_seen)  # grouped by village
    assert roster.count_capped(world.session, world.township.path, KIND_STANDING, now=T0) == (45, False)
    # the village level and the sibling township see only their own
    village = world.tree["130102001001"]
    assert roster.count_capped(world.session, village.path, KIND_STANDING, now=T0) == (23, False)
    assert roster.count_capped(world.session, world.sibling.path, KIND_STANDING, now=T0) == (1, False)


def test_count_is_capped(world, monkeypatch):
    monkeypatch.setattr(roster, "COUNT_CAP", 3)
    roster.add_standing(world.session, world.officer, world.township, standing([entry(f"王{chr(0x4e00 + i)}") for i in range(5)]),
                        now=T0)
    assert roster.count_capped(world.session, world.township.path, KIND_STANDING, now=T0) == (3, True)


def test_search_is_exact_and_inside_the_region(world):
    roster.add_standing(world.session, world.officer, world.township, standing([entry("张小明", "130102001001"), entry("张小明", "130102001002"),
                                  entry("张小")]), now=T0)
    roster.add_standing(world.session, world.sibling_officer, world.sibling, standing([entry("张小明", "130102002001")]),
                        now=T0)
    publish(world, [("张小明", "130102001001")], at=T0)
    now = T0 + timedelta(days=1)
    found = roster.search_name(world.session, world.township.path, " 张小明 ", now=now)
    assert len(found.entries) == 3  # two standing + one in publicity, not the sibling township's
    assert {e.kind for e in found.entries} == {KIND_STANDING, KIND_PUBLICITY}
    assert len(roster.search_name(world.session, world.tree["130102001001"].path, "张小明", now=now).entries) == 2
    assert len(roster.search_name(world.session, world.township.path, "张", now=now).entries) == 0
    assert len(roster.search_name(world.session, world.township.path, "", now=now).entries) == 0
    # after the publicity ended, only the standing roster answers
    later = T0 + timedelta(days=8)
    assert {e.kind for e in roster.search_name(world.session, world.township.path, "张小明", now=later).entries} \
        == {KIND_STANDING}


def test_standing_entries_must_come_from_a_register_household(world):
    for ref in (None, "application:7", "demo-case-0001"):
        with pytest.raises(roster.RosterError) as caught:
            roster.add_standing(world.session, world.officer, world.township, [entry(ref=ref)], now=T0)
        assert caught.value.key == "roster.err_source_ref"


def test_withdraw_standing_takes_a_household_off(world):
    (row,) = roster.add_standing(world.session, world.officer, world.township, [entry(ref="household:9")], now=T0)
    assert [r.public_id for r in roster.withdraw_standing(world.session, world.officer, "household:9",
                                                          "停止保障：收入超过标准", now=T0)] == [row.public_id]
    assert roster.browse(world.session, world.township.path, KIND_STANDING, now=T0).entries == []
    assert roster.withdraw_standing(world.session, world.officer, "household:9", "再次停止", now=T0) == []


def test_withdrawn_standing_entries_are_not_listed(world):
    (row,) = roster.add_standing(world.session, world.officer, world.township, standing([entry()]), now=T0)
    roster.withdraw_entry(world.session, world.officer, row.public_id, "户籍迁出本市，停止保障", now=T0)
    assert roster.browse(world.session, world.township.path, KIND_STANDING, now=T0).entries == []
    assert roster.search_name(world.session, world.township.path, "张小明", now=T0).entries == []


def test_current_batches_concern_the_region_above_and_below(world):
    publish(world)  # for the township
    village = world.tree["130102001001"]
    assert [b.region_code for b in roster.current_batches(world.session, village, now=T0)] == [world.township.code]
    assert len(roster.current_batches(world.session, world.tree["130102"], now=T0)) == 1
    assert roster.current_batches(world.session, world.sibling, now=T0) == []


def test_the_reports_seam_resolves_a_public_id(world):
    apps = cases(world, [("张小明", "130102001001")])
    batch = publish(world, apps=apps)
    (pid,) = _ids(world, batch)
    found = roster.public_entry(world.session, pid.upper())
    assert found is not None and found.masked_name == "张*明" and found.public_id == pid
    assert roster.case_link(world.session, pid)[1] == f"application:{apps[0].id}"
    assert roster.public_entry(world.session, "nosuchentry") is None
    assert roster.public_entry(world.session, "") is None
    roster.withdraw_entry(world.session, world.officer, pid, "申请人主动撤回", now=T0)
    assert roster.public_entry(world.session, pid) is None


# --- the proof page -------------------------------------------------------------------------------------------

def test_proof_shows_the_interval_and_a_verified_chain(world):
    batch = publish(world)
    running = roster.batch_proof(world.session, batch.id, now=T0 + timedelta(days=2, hours=5))
    assert running.publish_recorded and running.exactly_seven_days and running.chain_ok
    assert not running.completed and running.remaining == timedelta(days=4, hours=19)
    done = roster.batch_proof(world.session, batch.id, now=T0 + timedelta(days=7))
    assert done.completed and done.remaining == timedelta(0)
    assert roster.batch_proof(world.session, 999) is None


def test_proof_exposes_tampering(world):
    batch = publish(world)
    # Someone edits the stored end date, or the publish row in the log: the proof page says so.
    world.session.execute(update(RosterBatch).where(RosterBatch.id == batch.id)
                          .values(ends_at=T0 + timedelta(days=3)))
    world.session.commit()
    world.session.expire_all()
    proof = roster.batch_proof(world.session, batch.id, now=T0)
    assert not proof.exactly_seven_days and not proof.publish_recorded
    world.session.execute(update(AuditEntry).where(AuditEntry.id == batch.publish_audit_id)
                          .values(after={"days": 3}))
    world.session.commit()
    world.session.expire_all()
    assert not roster.batch_proof(world.session, batch.id, now=T0).chain_ok


# --- the read budget ------------------------------------------------------------------------------------------

def test_reads_are_metered_per_client(world):
    policy = roster.ReadPolicy(per_minute=3, per_hour=5)
    s = world.session
    assert [roster.take_read(s, "10.0.0.1", policy, now=T0 + timedelta(seconds=i)) for i in range(4)] == \
        [True, True, True, False]
    assert roster.take_read(s, "10.0.0.2", policy, now=T0)  # another client has its own budget
    assert roster.take_read(s, "10.0.0.1", policy, now=T0 + timedelta(minutes=1))  # a new minute
    assert not roster.take_read(s, "10.0.0.1", policy, now=T0 + timedelta(minutes=2))  # but the hour is spent
    assert roster.take_read(s, "10.0.0.1", policy, now=T0 + timedelta(hours=1))


def test_a_province_cannot_be_pulled_in_minutes_with_the_default_budget():
    policy = roster.ReadPolicy()
    rows_per_hour = policy.per_hour * roster.PAGE_SIZE
    assert 2_910_000 / rows_per_hour > 24 * 7  # more than a week of reading from one address
    assert policy.per_minute * roster.PAGE_SIZE <= 1000


# --- small helpers --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, fen", [("856", 85600), ("856.5", 85650), ("856.05", 85605), ("1,280.00", 128000),
                                       ("", None), ("-5", None), ("1.234", None), ("abc", None), ("1e3", None)])
def test_parse_amount(text, fen):
    assert roster.parse_amount_fen(text) == fen


def test_formatting():
    assert money.yuan(128050) == "1,280.50"
    assert roster.fmt_time(T0) == "2026-03-09 10:00"  # China time
    assert len(roster.new_public_id()) == 16 and roster.new_public_id() != roster.new_public_id()
