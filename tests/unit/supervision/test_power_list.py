"""The power list covers every act that writes an audit row: the code is scanned for audit action names."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from portal.supervision import rules
from tests.sources import parse

ROOT = Path(__file__).resolve().parents[3]
PORTAL = ROOT / "portal"
ACTION = re.compile(r"^[a-z_]+\.[a-z_]+$")
WRITERS = {"record", "_audit"}  # kernel.audit.record and the domains' thin wrappers around it

# Call sites whose action is computed; each must say what it can be (a new computed site fails the test).
COMPUTED: dict[tuple[str, str], set[str]] = {
    ("portal/applications/services.py", "'application.' + action"): {"application.home_survey",
                                                                     "application.county_visit"},
    ("portal/kernel/throttle.py", "f'{limits.scope}.track_throttled'"): {"report.track_throttled",
                                                                          "apply.track_throttled"},
    ("portal/kernel/throttle.py", "f'{limits.scope}.track_failed'"): {"report.track_failed", "apply.track_failed"},
    ("portal/register/services.py", "action"): {"register.suspend", "register.resume", "register.stop"},
    ("portal/reports/services.py", "action"): set(),  # `_audit` passing its own parameter on
    ("portal/applications/services.py", "action"): set(),  # `_audit` passing its own parameter on
    ("portal/reports/services.py",
     "'report.reward_approve' if approve else 'report.reward_reject'"): {"report.reward_approve",
                                                                        "report.reward_reject"},
    ("portal/verification/services.py", "action"): {"verification.case_finding_resolved",
                                                    "verification.finding_resolved"},
    ("portal/accounts/services.py", "'user.enable' if active else 'user.disable'"): {"user.enable", "user.disable"},
    ("portal/payments/services.py", "ACTION_APPROVE if approve else ACTION_REJECT"): {"payments.approve",
                                                                                      "payments.reject"},
    ("portal/reporting/services.py", "ACTION_APPROVE if approve else ACTION_REJECT"): {"reporting.pool_approve",
                                                                                       "reporting.pool_reject"},
    ("portal/annual/services.py", "action"): {"annual.accept", "annual.return"},
}


def _constants(tree: ast.Module) -> dict[str, str]:
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    out[target.id] = node.value.value
    return out


def scan() -> tuple[set[str], set[tuple[str, str]]]:
    """(action names written, computed call sites not explained)."""
    found: set[str] = set()
    unexplained: set[tuple[str, str]] = set()
    trees = {path: parse(path) for path in PORTAL.rglob("*.py")}
    # Module constants named ACTION* may be imported elsewhere (the importer uses the register's).
    shared = {k: v for tree in trees.values() for k, v in _constants(tree).items() if k.startswith("ACTION")}
    for path, tree in trees.items():
        rel = path.relative_to(ROOT).as_posix()
        consts = {**shared, **_constants(tree)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            fn = node.func
            name = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else ""
            if name not in WRITERS:
                continue
            if name == "record" and not (isinstance(fn, ast.Attribute) and isinstance(fn.value, ast.Name)
                                         and fn.value.id == "audit"):
                continue
            # audit.record(session, actor, ACTION, ...); _audit(session, actor, [ctx,] ACTION, ...)
            candidates = node.args[2:4] if name == "_audit" else node.args[2:3]
            for arg in candidates:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    if ACTION.match(arg.value):
                        found.add(arg.value)
                        break
                    continue
                if isinstance(arg, ast.Name) and arg.id in consts and ACTION.match(consts[arg.id]):
                    found.add(consts[arg.id])
                    break
                if isinstance(arg, ast.Name) and name == "_audit" and arg.id in ("ctx", "report"):
                    continue
                key = (rel, ast.unparse(arg))
                if key in COMPUTED:
                    found |= COMPUTED[key]
                else:
                    unexplained.add(key)
                break
    return found, unexplained


def test_every_computed_action_is_explained():
    _, unexplained = scan()
    assert not unexplained, f"audit actions computed at these sites; list what they can be in COMPUTED: {unexplained}"


def test_every_audited_action_maps_to_a_power_or_is_declared_not_one():
    found, _ = scan()
    assert len(found) > 60  # the scan sees the whole portal, not a corner of it
    missing = sorted(a for a in found if rules.power_for(a) is None and a not in rules.NOT_A_POWER)
    assert not missing, f"these audited acts map to no power in supervision/rules.py POWERS: {missing}"


def test_the_list_names_no_act_the_code_never_writes():
    found, _ = scan()
    stale = sorted(a for a in rules.POWER_OF_ACTION if a not in found)
    assert not stale, f"powers list actions no code writes: {stale}"


def test_an_action_belongs_to_one_power_and_each_power_is_complete():
    seen: dict[str, str] = {}
    for p in rules.POWERS:
        assert p.grade in (rules.GRADE_A, rules.GRADE_B) and p.office_level in rules.LEVELS
        assert p.name_zh and p.name_en and p.legal_basis and p.a_post and p.b_post and p.actions
        assert p.control_points and p.risk_points
        for a in p.actions:
            assert a not in seen, f"{a} in {seen.get(a)} and {p.key}"
            assert a not in rules.NOT_A_POWER
            seen[a] = p.key


def test_the_scanner_finds_a_planted_unlisted_action(tmp_path, monkeypatch):
    """The check itself: a service writing an unknown action is caught."""
    planted = PORTAL / "supervision" / "_planted_for_test.py"
    planted.write_text("from portal.kernel import audit\n\ndef f(s, a):\n"
                       "    audit.record(s, a, 'dibao.secret_power', 'x', 1)\n", encoding="utf-8")
    try:
        found, _ = scan()
    finally:
        planted.unlink()
    assert "dibao.secret_power" in found and rules.power_for("dibao.secret_power") is None
