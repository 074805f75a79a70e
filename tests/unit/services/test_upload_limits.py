"""Disk floods: stored photos within a byte budget, per-address quotas on anonymous photos and new drafts, a full
disk refused plainly with nothing half-stored, and the sweep of photos of forms never sent."""

from __future__ import annotations

import errno
import io
import os
import random
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from portal.i18n import MESSAGES
from portal.applications.models import Application, ApplicationDocument
from portal.kernel.audit_models import AuditEntry
from portal.kernel.base import utcnow
from portal.reports.models import ReportEvidence
from portal.applications import services as apps
from portal.kernel import images
from portal.kernel import throttle as lookup_throttle
from portal.kernel import policy
from portal import sweep
from portal.reports import services as reports_svc
from portal.kernel.images import ImageRejected, IntakePolicy, PrivateImageStore, intake_image
from tests import factories


def tiled_png(tile: int = 8, side: int = 2000) -> bytes:
    """A PNG that compresses well (one random tile, repeated) but that JPEG cannot: a small upload that naive
    re-encoding turns into megabytes."""
    rnd = random.Random(7)
    t = Image.frombytes("RGB", (tile, tile), rnd.randbytes(tile * tile * 3))
    im = Image.new("RGB", (side, side))
    for x in range(0, side, tile):
        for y in range(0, side, tile):
            im.paste(t, (x, y))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def jpeg(size=(40, 30), colour=(200, 180, 160)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "JPEG")
    return buf.getvalue()


# --- stored size ---------------------------------------------------------------------------------------------------

def test_a_small_png_never_becomes_a_large_jpeg():
    data = tiled_png()
    assert len(data) < 150_000
    unbounded = intake_image(data, IntakePolicy(max_out_bytes=10**9, max_growth=10**6))
    assert len(unbounded.data) > 10 * len(data)  # what the intake would store without a budget
    clean = intake_image(data)
    policy = IntakePolicy()
    assert len(clean.data) <= policy.budget(len(data)) <= policy.max_growth * len(data)
    assert max(clean.width, clean.height) <= 2048
    assert Image.open(io.BytesIO(clean.data)).format == "JPEG"


def test_a_big_photo_is_stored_at_most_2048_pixels_and_the_byte_cap():
    im = Image.new("RGB", (4000, 3000), (90, 120, 150))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=95)
    clean = intake_image(buf.getvalue())
    assert (clean.width, clean.height) == (2048, 1536)
    assert len(clean.data) <= IntakePolicy().max_out_bytes


# --- a full disk ------------------------------------------------------------------------------------------------------

def _full_disk(monkeypatch):
    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(images.os, "fsync", no_space)  # the temp file exists and is part-written when it fails


def test_a_full_disk_refuses_the_photo_plainly_and_leaves_no_file(tmp_path, monkeypatch):
    _full_disk(monkeypatch)
    store = PrivateImageStore(tmp_path)
    with pytest.raises(ImageRejected) as refused:
        images.accept(jpeg(), store)
    assert refused.value.reason == "image.disk_full" and "image.disk_full" in MESSAGES
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_full_disk_leaves_no_half_written_document_row(db_session, tmp_path, monkeypatch):
    app, _ = apps.create_draft(db_session)
    _full_disk(monkeypatch)
    with pytest.raises(ImageRejected) as refused:
        apps.add_document(db_session, app, "id_card", jpeg(), PrivateImageStore(tmp_path / "store"))
    assert refused.value.reason == "image.disk_full"
    assert db_session.execute(select(ApplicationDocument)).first() is None
    assert [p for p in (tmp_path / "store").rglob("*") if p.is_file()] == []


def test_other_write_errors_are_not_disguised_as_a_full_disk(tmp_path, monkeypatch):
    def broken(fd):
        raise OSError(errno.EIO, "I/O error")

    monkeypatch.setattr(images.os, "fsync", broken)
    with pytest.raises(OSError) as failed:
        images.accept(jpeg(), PrivateImageStore(tmp_path))
    assert not isinstance(failed.value, ImageRejected) and failed.value.errno == errno.EIO


# --- quotas per client address ---------------------------------------------------------------------------------------

def test_new_drafts_per_address_are_limited_and_other_addresses_are_not(db_session):
    assert policy.get_int(db_session, "apply.max_drafts_per_client_day") >= 20  # a hall's shared Wi-Fi fits
    limit = policy.get_int(db_session, "apply.max_drafts_per_client_day")
    for _ in range(limit):
        apps.create_draft(db_session, client="10.0.0.9")
    with pytest.raises(apps.ApplicationError) as refused:
        apps.create_draft(db_session, client="10.0.0.9")
    assert refused.value.key == "apply.err_draft_quota" and refused.value.key in MESSAGES
    apps.create_draft(db_session, client="10.0.0.10")
    # A day later the address may start drafts again.
    later = utcnow() + timedelta(days=1, minutes=1)
    apps.create_draft(db_session, client="10.0.0.9", now=later)


def test_photos_per_address_are_limited(db_session):
    limit = policy.get_int(db_session, "upload.max_per_client_hour")
    assert limit >= 100
    now = utcnow()
    lookup_throttle.take_uploads(db_session, "10.0.0.9", limit - 1, now)
    lookup_throttle.take_uploads(db_session, "10.0.0.9", 1, now)
    with pytest.raises(ImageRejected) as refused:
        lookup_throttle.take_uploads(db_session, "10.0.0.9", 1, now)
    assert refused.value.reason == "image.quota" and "image.quota" in MESSAGES
    lookup_throttle.take_uploads(db_session, "10.0.0.10", 5, now)  # another address has its own count
    lookup_throttle.take_uploads(db_session, "10.0.0.9", 1, now + timedelta(minutes=61))


def test_upload_quota_does_not_count_as_sign_in_failures(db_session):
    """The quota shares the failure table in its own bucket: staff behind the same address can still sign in."""
    from portal.accounts.models import SignInFailure

    lookup_throttle.take_uploads(db_session, "10.0.0.9", 3, utcnow())
    rows = db_session.execute(select(SignInFailure)).scalars().all()
    assert {r.client for r in rows} == {"upload:10.0.0.9"} and {r.username for r in rows} == {"upload:quota"}


# --- the sweep --------------------------------------------------------------------------------------------------------

def _age(store: PrivateImageStore, image_id: str, hours: float) -> None:
    path = store._path(image_id)
    old = time.time() - hours * 3600
    os.utime(path, (old, old))


@pytest.fixture
def stores(tmp_path):
    shared = PrivateImageStore(tmp_path / "private")
    return shared, PrivateImageStore(tmp_path / "private" / "applications")


def test_sweep_removes_old_unfiled_photos_and_keeps_filed_evidence(db_session, stores, fast_passwords):
    shared, documents = stores
    tree = factories.region_tree(db_session)
    village = tree.villages[tree.townships[tree.counties[0].code][0].code][0]
    filed = reports_svc.accept_photo(jpeg(colour=(10, 10, 10)), shared)
    orphan = reports_svc.accept_photo(jpeg(colour=(20, 20, 20)), shared)
    fresh = reports_svc.accept_photo(jpeg(colour=(30, 30, 30)), shared)  # picked a minute ago, not yet filed
    reports_svc.file_report(db_session, reports_svc.NewReport(
        category="fraud", subject="某村某户", description="隐瞒收入，家里有两辆车还在领低保。", region_code=village.code,
        photos=(filed,)), device_id="d1", client="10.0.0.1", key="k")
    submitted, _ = apps.create_draft(db_session)
    kept_doc = apps.add_document(db_session, submitted, "id_card", jpeg(colour=(40, 40, 40)), documents)
    submitted.status = apps.SUBMITTED
    db_session.flush()
    stray_doc = documents.save(intake_image(jpeg(colour=(50, 50, 50))))
    for store, image_id in ((shared, filed.image_id), (shared, orphan.image_id), (documents, kept_doc.image_id),
                            (documents, stray_doc)):
        _age(store, image_id, 48)
    tmp = shared.root / "ab" / "cd" / ".tmp-crashed.jpg"
    tmp.parent.mkdir(parents=True, exist_ok=True)
    tmp.write_bytes(b"half")
    os.utime(tmp, (time.time() - 48 * 3600,) * 2)

    files, freed = sweep.sweep_files(db_session, shared.root, documents.root, 24)

    assert files == 3 and freed > 0
    assert shared.exists(filed.image_id) and documents.exists(kept_doc.image_id)  # evidence is never touched
    assert shared.exists(fresh.image_id)  # younger than the limit
    assert not shared.exists(orphan.image_id) and not documents.exists(stray_doc) and not tmp.exists()
    row = db_session.execute(select(AuditEntry).where(AuditEntry.action == "uploads.swept")).scalar_one()
    assert row.after["files"] == 3


def test_sweep_removes_abandoned_drafts_with_their_photos_but_not_recent_or_sent_ones(db_session, stores):
    shared, documents = stores
    now = utcnow()
    old_draft, _ = apps.create_draft(db_session, now=now - timedelta(days=40))
    doc = apps.add_document(db_session, old_draft, "id_card", jpeg(colour=(60, 60, 60)), documents,
                            now=now - timedelta(days=40))
    recent, _ = apps.create_draft(db_session, now=now - timedelta(days=3))
    sent, _ = apps.create_draft(db_session, now=now - timedelta(days=40))
    sent.status = apps.SUBMITTED
    db_session.flush()
    _age(documents, doc.image_id, 40 * 24)

    assert sweep.sweep_drafts(db_session, 30, now=now) == 1
    left = set(db_session.execute(select(Application.number)).scalars())
    assert left == {recent.number, sent.number}
    assert db_session.execute(select(ApplicationDocument)).first() is None
    files, _ = sweep.sweep_files(db_session, shared.root, documents.root, 24)
    assert files == 1 and not documents.exists(doc.image_id)
    assert db_session.execute(select(AuditEntry).where(AuditEntry.action == "application.drafts_swept")).first()


def test_picking_the_same_photo_again_keeps_it_from_the_sweep(db_session, stores):
    shared, documents = stores
    photo = reports_svc.accept_photo(jpeg(colour=(70, 70, 70)), shared)
    _age(shared, photo.image_id, 48)
    reports_svc.accept_photo(jpeg(colour=(70, 70, 70)), shared)  # the same picture picked for a new report
    assert sweep.sweep_files(db_session, shared.root, documents.root, 24) == (0, 0)
    assert shared.exists(photo.image_id)


def test_sweep_command(portal_env, capsys):
    portal_env()
    from portal import cli
    from portal.kernel import db
    from portal.schema import Base

    Base.metadata.create_all(db.get_engine())
    store = PrivateImageStore(cli.get_settings().private_upload_dir)
    photo = reports_svc.accept_photo(jpeg(colour=(80, 80, 80)), store)
    _age(store, photo.image_id, 48)
    # The command starts its own event loop (asyncio.run); a thread of its own has none running, whatever the
    # main thread is doing when the end-to-end tests share this session.
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(cli.main, ["sweep"]).result() == 0
    assert "1 unfiled photos" in capsys.readouterr().out
    assert not store.exists(photo.image_id)


def test_the_app_sweeps_on_its_own():
    """`scripts/start` serves portal.portal:app, which starts the hourly sweep with the server."""
    from portal.portal import app

    assert sweep.every_hour in app._lifespan_tasks
