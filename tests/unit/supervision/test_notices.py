"""The inspection report for the level above and the notices of praise and criticism (issue 14 §4–5): who may read
and draft, the second person's approval (never the drafter), publication with every individual masked, and the
PDFs as drawn (their text read back with pdftotext)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from portal.accounts.models import Role
from portal.kernel.audit_models import AuditEntry
from portal.kernel.permissions import PermissionDenied
from portal.register import services as register
from portal.supervision import api as sup_api, documents, queries, rules, services as sup
from portal.supervision.models import InspectionCase, Notice
from tests import factories

T0 = datetime(2026, 3, 9, 2, 0, tzinfo=timezone.utc)
COUNTY, TOWNSHIP = "130102", "130102001"
NAMES = ["赵建国", "钱建国", "孙建国", "李建国"]


@pytest.fixture(autouse=True)
def quiet(quiet_audit):
    """A fixed secret key and no audit listeners (tests/conftest.py)."""


def _check(body: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * wt for c, wt in zip(body, weights)) % 11]


@pytest.fixture
def w(db_session, fast_passwords):
    tree = factories.region_tree(db_session)
    officer = factories.actor_with(db_session, (Role.OFFICER, tree[COUNTY]))
    for i, name in enumerate(NAMES):
        number = f"1301021974031500{i:02d}"
        number = number[:17] + _check(number[:17])
        register.admit(db_session, officer, register.Admission(
            f"H-{i:02d}", None, f"{TOWNSHIP}00{1 + i % 2}", name, 500_00, date(2026, 1, 1),
            (register.NewMember(name, "head", number),)), now=T0)
    inspector = factories.actor_with(db_session, (Role.INSPECTOR, tree[COUNTY]))
    second = factories.actor_with(db_session, (Role.OFFICER, tree[COUNTY]))
    city = factories.actor_with(db_session, (Role.OFFICER, tree["1301"]))
    other = factories.actor_with(db_session, (Role.INSPECTOR, tree["130104"]))
    township_officer = factories.actor_with(db_session, (Role.OFFICER, tree[TOWNSHIP]))
    db_session.commit()
    return type("W", (), dict(s=db_session, tree=tree, inspector=inspector, second=second, city=city, other=other,
                              officer=township_officer))


def _inspection(w):
    """All four households drawn; a problem found in one whose head's name the inspector wrote into the finding."""
    ins = sup.open_inspection(w.s, w.inspector, COUNTY, "funds", size=4, seed=7, now=T0)
    cases = w.s.execute(select(InspectionCase).where(InspectionCase.inspection_id == ins.id)
                        .order_by(InspectionCase.position)).scalars().all()
    by_ref = {c.ref: c for c in cases}
    bad = by_ref["H-00"]
    sup.record_finding(w.s, w.inspector, bad.id, "problem", "赵建国家有车辆未申报，电话 13812345678 无人接听。", now=T0)
    for c in cases:
        if c is not bad:
            sup.record_finding(w.s, w.inspector, c.id, "ok", "材料齐全，金额正确。", now=T0)
    rect = sup.set_rectification(w.s, w.inspector, ins.id, TOWNSHIP, "重新核查赵建国家车辆情况并依规处理。", 10,
                                 case_id=bad.id, now=T0)
    sup.answer_rectification(w.s, w.officer, rect.id, "已停发赵建国家低保并追回保障金。")
    ref = sup.refer(w.s, w.inspector, target="王小明", grounds="明知赵建国家有车辆仍审核通过。", body="长安区纪委监委",
                    inspection_id=ins.id, now=T0)
    sup.record_accountability(w.s, w.inspector, ref.id, "notice", date(2026, 3, 20), decision_no="长纪〔2026〕12号",
                              decided_by="长安区纪委监委")
    office_ref = sup.refer(w.s, w.inspector, target="建北街道低保经办人", grounds="复核流于形式。",
                           body="长安区纪委监委", inspection_id=ins.id, now=T0)
    return ins, bad, ref, office_ref


def _pdf_text(body: bytes, tmp_path) -> str:
    assert body.startswith(b"%PDF")
    path = tmp_path / "doc.pdf"
    path.write_bytes(body)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


def _draft(w, actor=None, **kw):
    d = dict(region_code=COUNTY, kind="criticism", title="关于王小明违规审核的通报批评",
             body="经督察，王小明在审核中未发现赵建国家车辆。现予通报批评。", period_start=date(2026, 3, 1),
             period_end=date(2026, 3, 31), offices=(TOWNSHIP,), persons=("王小明",))
    d.update(kw)
    return sup.draft_notice(w.s, actor or w.inspector, sup.NoticeDraft(**d), now=T0)


# --- pure rules ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("target, person", [("王小明", True), ("欧阳娜娜", True), ("买买提·艾力", True),
                                            ("建北街道低保经办人", False), ("长安区民政局", False),
                                            ("建北街道", False), ("某县救助站站长", False)])
def test_a_target_is_a_person_unless_it_names_an_office(target, person):
    assert rules.is_individual(target, {"建北街道"}) is person


def test_masking_replaces_every_listed_name_longest_first_and_never_publishes_in_full():
    out = rules.mask_persons("王小明与王小同在一村，王小明负责。", ["王小", "王小明"], "full")
    assert "王小明" not in out and out.count("王*明") == 2 and "王*同" in out


# --- the inspection report ---------------------------------------------------------------------------------------------

def test_the_report_masks_every_individual_and_prints_number_seed_and_offices(w, tmp_path):
    ins, bad, ref, office_ref = _inspection(w)
    report = sup.inspection_report(w.s, w.inspector, ins.id, now=T0)
    assert report.number == f"督报〔2026〕{ins.id:04d}号" and report.seed == "7" and report.population == 4
    assert report.above == w.tree["1301"].name
    bad_line = next(c for c in report.cases if c.ref == "H-00")
    assert bad_line.persons == ("赵*国",) and "赵建国" not in bad_line.finding and "***********" in bad_line.finding
    assert report.referrals[0].target == "王*明" and report.referrals[1].target == "建北街道低保经办人"
    row = w.s.execute(select(AuditEntry).where(AuditEntry.action == "supervision.inspection_report")).scalar_one()
    assert row.target_id == str(ins.id) and row.region_code == COUNTY  # an audited read
    for lang in ("zh", "en"):
        text = _pdf_text(documents.document_pdf(sup_api.report_document(report, lang, "督察 测试")), tmp_path)
        flat = "".join(text.split())
        assert report.number in flat and w.tree[COUNTY].name in flat and w.tree["1301"].name in flat
        assert "7" in flat and ("随机种子" in flat if lang == "zh" else "seed" in flat.lower())
        for name in NAMES + ["王小明", "13812345678"]:
            assert name not in flat, f"{name} printed unmasked ({lang})"
    assert "赵*国" in "".join(_pdf_text(documents.document_pdf(sup_api.report_document(report, "zh", "x")),
                                         tmp_path).split())


def test_the_report_is_for_the_inspector_and_the_level_above_only(w):
    ins, *_ = _inspection(w)
    sup.inspection_report(w.s, w.city, ins.id)  # an officer of the city, the level above the county
    with pytest.raises(PermissionDenied):
        sup.inspection_report(w.s, w.other, ins.id)  # an inspector of another county
    with pytest.raises(PermissionDenied):
        sup.inspection_report(w.s, w.officer, ins.id)  # an officer of the inspected township is not the level above
    with pytest.raises(PermissionDenied):
        sup.inspection_report(w.s, w.inspector, 999_999)


# --- notices ----------------------------------------------------------------------------------------------------------

def test_a_notice_is_drafted_and_published_by_a_second_person_with_individuals_masked(w, tmp_path):
    ins, bad, ref, office_ref = _inspection(w)
    notice = _draft(w, referral_ids=(ref.id, office_ref.id), case_ids=(bad.id,))
    assert notice.status == "draft" and notice.number is None
    with pytest.raises(sup.SupervisionError) as err:
        sup.approve_notice(w.s, w.inspector, notice.id)  # the drafter
    assert err.value.key == "sup.err_notice_self"
    assert queries.published_notice(w.s, notice.id) is None  # a draft is not public
    sup.approve_notice(w.s, w.second, notice.id, now=T0)
    assert notice.status == "published" and notice.number == "督通〔2026〕130102-001号"
    pub = queries.published_notice(w.s, notice.id)
    everything = repr(pub)
    for name in ["王小明", "赵建国", "13812345678"]:
        assert name not in everything
    assert "王*明" in pub.title and "王*明" in pub.body and "赵*国" in pub.body
    assert pub.offices == (w.tree[TOWNSHIP].name,)
    assert [r["target"] for r in pub.referrals] == ["王*明", "建北街道低保经办人"]
    assert pub.referrals[0]["outcome"] == "notice" and pub.findings[0]["verdict"] == "problem"
    assert "赵*国" in pub.findings[0]["finding"]
    with pytest.raises(sup.SupervisionError):
        sup.approve_notice(w.s, w.city, notice.id)  # decided once
    actions = [a for a in w.s.execute(select(AuditEntry.action).where(AuditEntry.target_type == "supervision_notice")
                                      ).scalars()]
    assert actions == ["supervision.notice_drafted", "supervision.notice_published"]
    assert all(rules.power_for(a) == "supervision.watch" for a in actions)
    second = _draft(w, kind="praise", title="关于建北街道按时整改的通报表扬", body="建北街道按时完成整改。", persons=())
    sup.approve_notice(w.s, w.city, second.id, now=T0)  # the level above may approve too
    assert second.number == "督通〔2026〕130102-002号"
    text = "".join(_pdf_text(documents.document_pdf(sup_api.notice_document(pub, "zh")), tmp_path).split())
    assert pub.number in text and w.tree[TOWNSHIP].name in text and "通报批评" in text and "王*明" in text
    assert "王小明" not in text and "赵建国" not in text
    en = _pdf_text(documents.document_pdf(sup_api.notice_document(pub, "en")), tmp_path)
    assert "Circulated criticism" in en and "王小明" not in en


def test_guards_another_county_drafts_nothing_here_and_approves_nothing(w):
    with pytest.raises(PermissionDenied):
        _draft(w, actor=w.other)
    notice = _draft(w)
    with pytest.raises(PermissionDenied):
        sup.approve_notice(w.s, w.other, notice.id)
    with pytest.raises(PermissionDenied):
        sup.approve_notice(w.s, w.officer, notice.id)  # the township is below the notice's county
    clerk = factories.actor_with(w.s, (Role.WINDOW_STAFF, w.tree[COUNTY]))
    with pytest.raises(PermissionDenied):
        sup.approve_notice(w.s, clerk, notice.id)


def test_drafts_are_checked_and_links_must_be_inside_the_region(w):
    ins, bad, ref, _ = _inspection(w)
    for kw, key in [(dict(kind="praise-ish"), "sup.err_notice_kind"),
                    (dict(period_end=date(2026, 2, 1)), "sup.err_notice_period"),
                    (dict(title="通报"), "sup.err_notice_title"),
                    (dict(offices=("130104001",)), "sup.err_office"),
                    (dict(offices=()), "sup.err_office"),
                    (dict(persons=tuple(f"人{i}" for i in range(21))), "sup.err_notice_persons"),
                    (dict(referral_ids=(999,)), "sup.err_notice_link")]:
        with pytest.raises(sup.SupervisionError) as err:
            _draft(w, **kw)
        assert err.value.key == key, kw
    # A notice of the other county may not rest on this county's referral.
    other_officer = factories.actor_with(w.s, (Role.OFFICER, w.tree["130104"]))
    with pytest.raises(sup.SupervisionError):
        _draft(w, actor=other_officer, region_code="130104", offices=("130104001",), referral_ids=(ref.id,))


def test_a_returned_notice_is_never_published(w):
    notice = _draft(w)
    sup.return_notice(w.s, w.second, notice.id, "请补充整改情况。", now=T0)
    assert notice.status == "returned" and notice.public is None
    assert queries.published_notice(w.s, notice.id) is None
    with pytest.raises(sup.SupervisionError):
        sup.approve_notice(w.s, w.city, notice.id)
    assert w.s.execute(select(Notice.number)).scalars().all() == [None]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_pdftotext_is_there():
    assert shutil.which("pdftoppm")


# --- referring a risk hit from the board ----------------------------------------------------------------------------

def test_a_risk_hit_is_referred_from_the_board_and_closed_as_referred(w):
    from portal.supervision.models import MonitoringItem

    county = w.tree[COUNTY]
    item = MonitoringItem(rule="too_fast", subject="A-1", region_id=county.id, region_path=county.path,
                          review_path=w.tree["1301"].path, about_user_ids=[w.second.user_id], evidence=[],
                          facts={}, due_on=date(2026, 3, 16))
    w.s.add(item)
    w.s.flush()
    with pytest.raises(PermissionDenied):
        sup.refer_item(w.s, w.inspector, item.id, target="长安区民政局", grounds="审批过快，未满公示期即审核确认。",
                       body="石家庄市纪委监委")  # a county inspector does not review the city's items
    with pytest.raises(sup.SupervisionError) as err:
        sup.refer_item(w.s, w.city, item.id, target="长安区民政局", grounds="过快", body="石家庄市纪委监委")
    assert err.value.key == "sup.err_outcome_text"
    ref = sup.refer_item(w.s, w.city, item.id, target="长安区民政局", grounds="审批过快，未满公示期即审核确认。",
                         body="石家庄市纪委监委", now=T0)
    assert ref.item_id == item.id and ref.inspection_id is None and ref.region_path == county.path
    assert item.status == "closed" and item.outcome == "referred" and item.closed_by == w.city.user_id
    # The referral can carry a notice of criticism about the county.
    notice = _draft(w, actor=w.city, referral_ids=(ref.id,), persons=())
    sup.approve_notice(w.s, w.second, notice.id, now=T0)
    assert queries.published_notice(w.s, notice.id).referrals[0]["target"] == "长安区民政局"
