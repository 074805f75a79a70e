"""Special inspections: a reproducible sample, findings, rectification answered by the office and closed by the
inspector, accountability referrals; an inspector of another county sees and does nothing."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from hypothesis import given, settings, strategies as st
from sqlalchemy import select

from portal.accounts.models import Role
from portal.kernel.audit_models import AuditEntry
from portal.kernel.permissions import PermissionDenied
from portal.register import services as register
from portal.supervision import rules, services as sup
from portal.supervision.models import InspectionCase
from tests import factories

T0 = datetime(2026, 3, 9, 2, 0, tzinfo=timezone.utc)
COUNTY, TOWNSHIP = "130102", "130102001"


@pytest.fixture(autouse=True)
def quiet(quiet_audit):
    """A fixed secret key and no audit listeners (tests/conftest.py)."""


@pytest.fixture
def w(db_session, fast_passwords):
    tree = factories.region_tree(db_session)
    officer = factories.actor_with(db_session, (Role.OFFICER, tree[COUNTY]))
    names = "赵钱孙李周吴郑王冯陈褚卫"
    for i in range(12):
        number = f"1301021974031500{i:02d}"
        number = number[:17] + _check(number[:17])
        register.admit(db_session, officer, register.Admission(
            f"H-{i:02d}", None, f"{TOWNSHIP}00{1 + i % 2}", f"{names[i]}建国", 500_00, date(2026, 1, 1),
            (register.NewMember(f"{names[i]}建国", "head", number),)), now=T0)
    inspector = factories.actor_with(db_session, (Role.INSPECTOR, tree[COUNTY]))
    other = factories.actor_with(db_session, (Role.INSPECTOR, tree["130104"]))
    township_officer = factories.actor_with(db_session, (Role.OFFICER, tree[TOWNSHIP]))
    db_session.commit()
    return type("W", (), dict(s=db_session, tree=tree, inspector=inspector, other=other, officer=township_officer))


def _check(body: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * wt for c, wt in zip(body, weights)) % 11]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=40, unique=True),
       st.integers(min_value=1, max_value=40), st.integers(min_value=0, max_value=2**48))
def test_the_same_population_and_seed_draw_the_same_sample(population, size, seed):
    first = rules.draw_sample(population, size, seed)
    assert first == rules.draw_sample(list(reversed(population)), size, seed)
    assert len(first) == min(size, len(population)) and len(set(first)) == len(first)
    assert set(first) <= set(population)


@pytest.mark.parametrize("population, expected", [(1, 1), (50, 45), (10_000, 370), (2_910_000, 385)])
def test_sample_size_for_95_percent_and_5_points(population, expected):
    assert rules.sample_size(population) == expected


def test_an_inspection_draws_a_reproducible_sample_and_audits_the_seed(w):
    ins = sup.open_inspection(w.s, w.inspector, COUNTY, "funds", size=5, seed=424242, now=T0)
    refs = [c.ref for c in w.s.execute(select(InspectionCase).where(InspectionCase.inspection_id == ins.id)
                                       .order_by(InspectionCase.position)).scalars()]
    assert ins.seed == "424242" and ins.population == 12 and len(refs) == 5
    assert refs == rules.draw_sample([f"H-{i:02d}" for i in range(12)], 5, 424242)
    row = w.s.execute(select(AuditEntry).where(AuditEntry.action == "supervision.inspection_opened")).scalar_one()
    assert row.after["seed"] == "424242" and row.after["sample"] == refs
    computed = sup.open_inspection(w.s, w.inspector, COUNTY, "funds", now=T0)
    assert computed.sample_size == rules.sample_size(12) == 12


def test_findings_rectification_answer_close_and_referral(w):
    ins = sup.open_inspection(w.s, w.inspector, COUNTY, "funds", size=2, seed=1, now=T0)
    cases = w.s.execute(select(InspectionCase).where(InspectionCase.inspection_id == ins.id)).scalars().all()
    sup.record_finding(w.s, w.inspector, cases[0].id, "ok", "材料齐全，金额正确。", now=T0)
    sup.record_finding(w.s, w.inspector, cases[1].id, "problem", "家庭有车辆未申报，仍在保。", now=T0)
    with pytest.raises(sup.SupervisionError):
        sup.set_rectification(w.s, w.inspector, ins.id, "130104001", "整改", 5)  # outside the inspected region
    rect = sup.set_rectification(w.s, w.inspector, ins.id, TOWNSHIP, "重新核查该户车辆并依规处理。", 10,
                                 case_id=cases[1].id, now=T0)
    assert rect.due_on == date(2026, 3, 23)  # 10 working days
    with pytest.raises(sup.SupervisionError) as err:
        sup.close_inspection(w.s, w.inspector, ins.id)
    assert err.value.key == "sup.err_inspection_open"
    with pytest.raises(sup.SupervisionError):
        sup.close_rectification(w.s, w.inspector, rect.id)  # not answered yet
    with pytest.raises(PermissionDenied):
        sup.answer_rectification(w.s, factories.actor_with(w.s, (Role.OFFICER, w.tree["130102002"])), rect.id,
                                 "不是本单位的答复。")
    sup.answer_rectification(w.s, w.officer, rect.id, "已停发该户低保并追回 3 个月保障金。")
    sup.close_rectification(w.s, w.inspector, rect.id)
    sup.close_inspection(w.s, w.inspector, ins.id)
    ref = sup.refer(w.s, w.inspector, target="建北街道低保经办人", grounds="明知有车辆仍审核通过。",
                    body="长安区纪委监委", inspection_id=ins.id, now=T0)
    decision = dict(decision_no="长纪〔2026〕12号", decided_by="长安区纪委监委")
    with pytest.raises(sup.SupervisionError):
        sup.record_accountability(w.s, w.inspector, ref.id, "fired", date(2026, 4, 1), **decision)
    sup.record_accountability(w.s, w.inspector, ref.id, "admonition", date(2026, 4, 1), **decision)
    assert (ref.outcome, ref.decision_no, ref.decided_by) == ("admonition", "长纪〔2026〕12号", "长安区纪委监委")
    actions = set(w.s.execute(select(AuditEntry.action).where(AuditEntry.action.like("supervision.%"))).scalars())
    assert {"supervision.finding", "supervision.rectification_answered", "supervision.inspection_closed",
            "supervision.referral", "supervision.accountability"} <= actions


def test_an_inspector_of_another_county_can_do_nothing_here(w):
    with pytest.raises(PermissionDenied):
        sup.open_inspection(w.s, w.other, COUNTY, "funds", size=2, seed=1)
    ins = sup.open_inspection(w.s, w.inspector, COUNTY, "funds", size=2, seed=1, now=T0)
    case = w.s.execute(select(InspectionCase).where(InspectionCase.inspection_id == ins.id)).scalars().first()
    with pytest.raises(PermissionDenied):
        sup.record_finding(w.s, w.other, case.id, "ok", "越权记录结论。")
    with pytest.raises(PermissionDenied):
        sup.refer(w.s, w.other, target="某人", grounds="越权移送问责。", body="某机关", inspection_id=ins.id)
