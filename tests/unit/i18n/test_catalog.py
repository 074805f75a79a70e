"""The message catalog (portal/i18n/, one module per domain merged by catalog.py): complete in both languages,
and the only home of user-visible Chinese. Keys used by code are found by reading the source (ast), so a typo in
a page fails here, not on a phone.
"""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from tests.sources import parse
from portal.i18n import LANGS, MESSAGES, text
from portal.accounts.models import Role
from portal.regions.models import RegionLevel

ROOT = Path(__file__).resolve().parents[3]
PORTAL = ROOT / "portal"
SOURCES = sorted(p for p in PORTAL.rglob("*.py") if ".web" not in p.parts)

KEY_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")

# Calls whose arguments at these positions (or these keywords) are catalog keys.
KEY_POSITIONS: dict[str, tuple[int, ...]] = {
    "t": (0,), "t_fmt": (0,), "text": (0,),  # components.i18n / i18n.text
    "nav_card": (0, 1),  # title_key, desc_key
    "_stat": (0,),  # admin home statistic cards
    "error": (2,), "_fail": (2,),  # api: (request, status, key)
}
KEY_KEYWORDS = {"title_key", "desc_key", "error", "key", "reason", "denied_key", "error_key"}
# Names of module/class-level collections of keys, and of attributes/variables that hold one key.
KEY_COLLECTION_NAME = re.compile(r"(^|_)(KEYS|TAGS)$")
KEY_VARIABLE_NAME = re.compile(r"(^|_)key$|^reason$")



def _dynamic_keys() -> dict[str, list[str]]:
    """f-string keys: the literal prefix → every value the placeholder can take."""
    from portal.ratings.models import CaseStatus
    from portal.kernel import policy
    from portal.ratings import rules as ratings
    from portal.kernel.workdays import KINDS
    from portal.accounts.services import ACCOUNT_KINDS

    return {
        "level.": [lvl.value for lvl in RegionLevel],
        "role.": [role.value for role in Role],
        "rating.level.": [str(level) for level in ratings.LEVELS],
        "case.status.": [status.value for status in CaseStatus],
        "policy.": list(policy.DEFAULTS),
        "admin.cal_kind.": list(KINDS),
        "admin.cal_change.": ["added", "removed", "changed", "same"],
        "accounts.account_kind.": list(ACCOUNT_KINDS),
        **_applications_dynamic_keys(),
        **_reports_dynamic_keys(),
        **_evaluations_dynamic_keys(),
        **_payments_dynamic_keys(),
        **_verification_dynamic_keys(),
        **_workbench_dynamic_keys(),
    }


def _applications_dynamic_keys() -> dict[str, list[str]]:
    """Dynamic key prefixes of the applications feature (issue 4)."""
    from portal.applications import services as apps
    from portal.applications import crosscheck
    from portal.applications.eligibility import rules as el
    from portal.applications.eligibility import screener

    return {
        "apply.status.": list(apps.STATUSES),
        "apply.step.": list(apps.STEP_KINDS),
        "apply.material.": list(apps.MATERIAL_ITEMS),
        "apply.doc.": list(apps.DOCUMENT_KINDS),
        "apply.check.": list(crosscheck.OUTCOMES),
        "apply.outcome.": list(apps.STEP_OUTCOMES),
        "elig.kind.": list(el.INCOME_KINDS),
        "apply.rel.": list(el.RELATIONSHIPS),
        "apply.grade.": ["0", "1", "2", "3", "4"],
        "elig.param.": list(el.PARAMETER_KEYS),
        "screen.residence.": list(el.RESIDENCES),
        "screen.income.": [r[0] for r in screener.INCOME_RANGES],
        "screen.savings.": [r[0] for r in screener.SAVINGS_RANGES],
        "screen.line.": [f"{kind}_{verdict}" for kind, verdicts in (("income", ("below", "above", "either")),
                                                                   ("savings", ("within", "over", "either")),
                                                                   ("near_poor", ("below", "above", "either")))
                         for verdict in verdicts] + ["vehicle", "houses", "business"],
        "elig.residence.": list(el.RESIDENCES),
        "elig.outcome.": list(el.OUTCOMES),
        "elig.route.": list(el.ROUTES),
        "elig.cmp.": list(el.RELATIONS),
    }


# (kept apart so that parallel work on the features below merges cleanly)


def _reports_dynamic_keys() -> dict[str, list[str]]:
    """Dynamic key prefixes of the reports feature (issue 6)."""
    from portal.reports.models import ReportCategory, ReportOutcome, ReportStatus, RewardStatus
    from portal.reports.services import EVENT_KINDS

    return {
        "report.category.": [c.value for c in ReportCategory],
        "report.status.": [s.value for s in ReportStatus],
        "report.outcome.": [o.value for o in ReportOutcome],
        "report.event.": list(EVENT_KINDS),
        "report.reward_status.": [s.value for s in RewardStatus],
    }


# (kept apart so that parallel work on the features below merges cleanly)


def _evaluations_dynamic_keys() -> dict[str, list[str]]:
    """Dynamic key prefixes of the evaluations feature (issue 7)."""
    from portal.evaluations.models import AssignmentStatus, RoundStatus
    from portal.evaluations.rules import CRITERIA

    return {
        "eval.crit.": list(CRITERIA),
        "eval.status.": [s.value for s in AssignmentStatus],
        "eval.round.": [s.value for s in RoundStatus],
        "eval.kind.": ["window", "office"],
    }


def _payments_dynamic_keys() -> dict[str, list[str]]:
    """Dynamic key prefixes of payments (issue 18)."""
    from portal.payments import rules as pr

    from portal.reporting import rules as rr

    return {"payments.batch.": list(pr.BATCH_STATUSES), "reporting.term.": list(rr.TERMS)}


# (kept apart so that parallel work on the features below merges cleanly)


def _supervision_dynamic_keys() -> dict[str, list[str]]:
    """Dynamic key prefixes of supervision (issue 14)."""
    from portal.supervision import rules

    return {
        "sup.kind.": ["step", "report", "followup", "evaluation"],
        "sup.outcome.": list(rules.OUTCOMES),
        "sup.rule.": [r.key for r in rules.RISK_RULES],
        "sup.level.": list(rules.LEVELS),
        "sup.topic.": list(rules.TOPICS),
        "sup.verdict.": list(rules.VERDICTS),
        "sup.acc.": list(rules.ACCOUNTABILITY),
        "sup.unit.": sorted({r.unit for r in rules.RISK_RULES}),
        "sup.review.": list(rules.REVIEW_LEVELS),
        "sup.ins_status.": ["open", "closed"],
        "sup.rect_status.": ["open", "answered", "closed"],
        "sup.notice.kind.": list(rules.NOTICE_KINDS),
        "sup.notice.status.": list(rules.NOTICE_STATUSES),
    }


# (kept apart so that parallel work on the features below merges cleanly)


def _verification_dynamic_keys() -> dict[str, list[str]]:
    """Dynamic key prefixes of verification (issue 12)."""
    from portal.register.models import STATUSES
    from portal.verification import rules as vr
    from portal.verification.models import CASE_RESOLUTIONS, FINDING_STATUSES, REGISTER_RESOLUTIONS

    return {
        "verify.rule.": list(vr.RULES),
        "verify.source.": [*vr.SOURCES, "register"],
        "verify.resolution.": [*CASE_RESOLUTIONS, *REGISTER_RESOLUTIONS],
        "verify.status.": list(FINDING_STATUSES),
        "verify.household_status.": list(STATUSES),
        "verify.severity.": ["high", "medium"],
        "verify.param.": [n for spec in vr.RULES.values() for n in spec.params],
        "verify.choice.": sorted({c for spec in vr.RULES.values() for k in spec.params.values()
                                  if isinstance(k, tuple) for c in k}),
    }


def _workbench_dynamic_keys() -> dict[str, list[str]]:
    """Dynamic key prefixes of the workbench (issue 13)."""
    from portal.ratings import rules as ratings
    from portal.register.models import STATUSES
    from portal.workbench.queries import KINDS

    return {
        "workbench.kind.": [*KINDS, "household", "rating", "window"],
        "workbench.step.followup_": ["open", "answered", "appealed"],
        "workbench.step.evaluation_": ["assigned", "draft"],
        "workbench.household.": list(STATUSES),
        "workbench.rating_level.": [str(level) for level in ratings.LEVELS],
    }


def _annual_dynamic_keys() -> dict[str, list[str]]:
    """Dynamic key prefixes of the annual reports (issue 18 §2)."""
    from portal.annual import rules
    from portal.annual.services import WAITING_STEPS as ANNUAL_WAITING
    from portal.reporting.services import POOL_STATUSES

    return {"annual.level.": ["county", "city", "province"], "annual.status.": list(rules.STATUSES),
            "annual.sec.": list(rules.SECTIONS), "annual.fig.": list(rules.TABLE_SECTIONS),
            "annual.when.": list(rules.TIMELINESS), "workbench.step.annual_": list(ANNUAL_WAITING),
            "reporting.status.": list(POOL_STATUSES)}


DYNAMIC_KEYS = {**_dynamic_keys(), **_supervision_dynamic_keys(), **_annual_dynamic_keys()}
def _workbench_dynamic_keys() -> dict[str, list[str]]:
    """Dynamic key prefixes of the workbench (issue 13)."""
    from portal.ratings import rules as ratings
    from portal.register.models import STATUSES
    from portal.workbench.queries import KINDS

    return {
        "workbench.kind.": [*KINDS, "household", "rating", "window"],
        "workbench.step.followup_": ["open", "answered", "appealed"],
        "workbench.step.evaluation_": ["assigned", "draft"],
        "workbench.household.": list(STATUSES),
        "workbench.rating_level.": [str(level) for level in ratings.LEVELS],
    }



# Chinese outside the catalog is allowed only in data modules, and in these named typography tables.
# Data modules: demo data (<domain>/demo.py, portal/demo.py), the holiday calendar and the power list's seed.
# The catalog: portal/i18n/ (the shell's keys and the merge) and one messages.py per domain.
MESSAGE_FILES = {*(PORTAL / "i18n").glob("*.py"), *PORTAL.glob("*/messages.py")}
CHINESE_ALLOWED_FILES = {*PORTAL.glob("*/demo.py"), PORTAL / "demo.py", PORTAL / "kernel" / "workdays.py",
                         PORTAL / "supervision" / "power_seed.py",  # the power list's first version: data
                         *MESSAGE_FILES}
CHINESE_ALLOWED_DIRS: set[Path] = set()
CHINESE_ALLOWED_NAMES = {
    (PORTAL / "kernel" / "drawing.py", "_NO_LINE_START"),  # line-breaking punctuation
    (PORTAL / "kernel" / "masking.py", "COMPOUND_SURNAMES"),  # 复姓, to mask 欧阳娜娜 as 欧阳*娜
    # Chinese column names and values county offices write in their register exports (input, never shown).
    (PORTAL / "register" / "importer.py", "ALIASES"),
    (PORTAL / "register" / "importer.py", "STATUS_ALIASES"),
    (PORTAL / "register" / "importer.py", "RELATION_ALIASES"),
    (PORTAL / "regions" / "importer.py", "ALIASES"),  # the same for the region tree and windows files
    (PORTAL / "regions" / "importer.py", "LEVEL_ALIASES"),
    # Words that make a named target an office rather than a person (input, never shown), and the document-number
    # formats (a 文号 is an identifier, printed the same in both languages).
    (PORTAL / "supervision" / "rules.py", "OFFICE_WORDS"),
    (PORTAL / "supervision" / "rules.py", "NOTICE_NUMBER_FORMAT"),
    (PORTAL / "supervision" / "rules.py", "REPORT_NUMBER_FORMAT"),
}
# Han ideographs, CJK/full-width punctuation (、，。：；？！（）《》「」【】) and Bopomofo; not U+3000, which is a space.
CHINESE = re.compile(r"[\u2e80-\u2fdf\u3001-\u303f\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f"
                     r"\uff00-\uffef\U00020000-\U0002fa1f]")


@dataclass(frozen=True)
class Use:
    path: Path
    line: int
    key: str
    how: str

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line} {self.how}: {self.key!r}"


def _tree(path: Path) -> ast.Module:
    return parse(path)


def _portal_trees() -> Iterator[tuple[Path, ast.Module]]:
    for path in SOURCES:
        if path not in MESSAGE_FILES:
            yield path, _tree(path)


def _callee(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        if func.attr == "text" and isinstance(func.value, ast.Name) and func.value.id in {"sa", "sqlalchemy"}:
            return "sqlalchemy.text"  # SQL, not a key
        return func.attr  # rx.text("...") with a literal is hard-coded UI text: it must be a key
    return ""


def _literals(node: ast.AST | None) -> Iterator[ast.Constant]:
    """String constants an expression can evaluate to (through if/else, and/or, and collections)."""
    if node is None:
        return
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node
    elif isinstance(node, ast.IfExp):
        yield from _literals(node.body)
        yield from _literals(node.orelse)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from _literals(value)
    elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        for elt in node.elts:
            yield from _literals(elt)
    elif isinstance(node, ast.Dict):
        for value in node.keys:
            yield from _literals(value)


def _target_names(target: ast.AST) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Attribute):
        return [target.attr]
    return []


def _sql_text_aliases(tree: ast.Module) -> set[str]:
    """Local names bound to sqlalchemy's `text` (its first argument is SQL, not a key)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            names |= {a.asname or a.name for a in node.names if a.name == "text"}
    return names


@cache
def used_keys() -> tuple[Use, ...]:
    uses: list[Use] = []
    for path, tree in _portal_trees():
        sql_text = _sql_text_aliases(tree)

        def add(node: ast.AST | None, how: str) -> None:
            for const in _literals(node):
                if const.value:  # "" means "no message" (e.g. denied_key = "")
                    uses.append(Use(path, const.lineno, const.value, how))

        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = _callee(node)
                if name in KEY_POSITIONS and not (name == "text" and name in sql_text):
                    for pos in KEY_POSITIONS[name]:
                        if pos < len(node.args) and not isinstance(node.args[pos], ast.JoinedStr):
                            add(node.args[pos], f"{name}() argument {pos}")
                for kw in node.keywords:
                    if kw.arg in KEY_KEYWORDS:
                        add(kw.value, f"{kw.arg}=")
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for name in (n for t in targets for n in _target_names(t)):
                    if KEY_COLLECTION_NAME.search(name):
                        add(node.value, f"{name} = [...]")
                    elif KEY_VARIABLE_NAME.search(name):
                        add(node.value, f"{name} =")
            elif isinstance(node, ast.For):
                # for route, title_key in [(..., "home.apply"), ...]: the literals bound to a *_key name.
                if isinstance(node.target, ast.Tuple) and isinstance(node.iter, (ast.List, ast.Tuple)):
                    positions = [i for i, t in enumerate(node.target.elts)
                                 if isinstance(t, ast.Name) and KEY_VARIABLE_NAME.search(t.id)]
                    for item in node.iter.elts:
                        if isinstance(item, ast.Tuple):
                            for i in positions:
                                add(item.elts[i], f"for ... {node.target.elts[i].id}")
    return tuple(uses)


KEY_PREFIX_RE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*\.")


def _key_f_string(node: ast.AST) -> tuple[str, ast.expr] | None:
    """f"prefix.{expr}" where the literal part looks like a dotted key prefix: (prefix, expr)."""
    if isinstance(node, ast.JoinedStr) and len(node.values) == 2:
        head, tail = node.values
        if isinstance(head, ast.Constant) and isinstance(tail, ast.FormattedValue) \
                and KEY_PREFIX_RE.fullmatch(head.value):
            return head.value, tail.value
    return None


def _literal_values(node: ast.expr, module_lists: dict[str, list[str]]) -> list[str] | None:
    """The values of a literal list/tuple, or of a module-level NAME = [literals]; None if not knowable."""
    if isinstance(node, ast.Name):
        return module_lists.get(node.id)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)) and all(
            isinstance(e, ast.Constant) and isinstance(e.value, (str, int)) for e in node.elts):
        return [str(e.value) for e in node.elts]
    return None


def f_string_keys(trees: Iterable[tuple[Path, ast.Module]] | None = None) -> tuple[list[Use], list[Use]]:
    """Keys built by f-strings: (resolved, prefixes).

    `[t(f"dash.period.{p}") for p in PERIODS]` with PERIODS a literal list in the same module resolves to the
    concrete keys; any other f"prefix.{...}" is returned as a prefix, to be expanded with DYNAMIC_KEYS.
    """
    return _portal_f_string_keys() if trees is None else _f_string_keys(trees)


@cache
def _portal_f_string_keys() -> tuple[list[Use], list[Use]]:
    return _f_string_keys(_portal_trees())


def _f_string_keys(trees: Iterable[tuple[Path, ast.Module]]) -> tuple[list[Use], list[Use]]:
    resolved, prefixes = [], []
    for path, tree in trees:
        module_lists = {}
        for stmt in tree.body:
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                values = _literal_values(stmt.value, {})
                for name in (n for t in targets for n in _target_names(t)):
                    if values is not None:
                        module_lists[name] = values
        done: set[int] = set()
        for node in ast.walk(tree):
            loops = []
            if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
                loops = [(g.target, g.iter, node) for g in node.generators]
            elif isinstance(node, ast.For):
                loops = [(node.target, node.iter, node)]
            for target, iterable, scope in loops:
                values = _literal_values(iterable, module_lists)
                if not isinstance(target, ast.Name) or values is None:
                    continue
                for inner in ast.walk(scope):
                    found = _key_f_string(inner)
                    if found and isinstance(found[1], ast.Name) and found[1].id == target.id:
                        done.add(id(inner))
                        resolved += [Use(path, inner.lineno, found[0] + v, f"f-string over {ast.unparse(iterable)}")
                                     for v in values]
        for node in ast.walk(tree):
            found = _key_f_string(node)
            if found and id(node) not in done:
                prefixes.append(Use(path, node.lineno, found[0], "f-string"))
    return resolved, prefixes


def dynamic_key_prefixes() -> list[Use]:
    return f_string_keys()[1]


# The language switch is labelled with the language it switches TO.
NAMES_OTHER_LANGUAGE = {"app.lang_toggle"}


# --- the catalog itself ----------------------------------------------------------------------------------------

def test_every_domain_catalog_is_merged():
    """The catalog is split per domain (portal/<domain>/messages.py); a file left out of the merge would be dead."""
    import importlib

    for path in sorted(PORTAL.glob("*/messages.py")):
        module = importlib.import_module(f"portal.{path.parent.name}.messages")
        part = getattr(module, "MESSAGES", None)
        assert isinstance(part, dict) and part, f"{path.name} has no MESSAGES"
        assert part.items() <= MESSAGES.items(), f"{path.name} is not merged into portal.i18n.MESSAGES"


def test_languages():
    assert LANGS == ("zh", "en")


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_key_has_zh_and_en(key):
    entry = MESSAGES[key]
    assert isinstance(entry, tuple) and len(entry) == len(LANGS)
    zh, en = entry
    assert isinstance(zh, str) and zh.strip(), "empty Chinese"
    assert isinstance(en, str) and en.strip(), "empty English"
    assert KEY_RE.match(key), "keys are dotted lower_case"
    if key not in NAMES_OTHER_LANGUAGE:  # catches swapped or untranslated entries
        assert CHINESE.search(zh), "the Chinese text has no Chinese in it"
        assert not re.search(r"[\u4e00-\u9fff]", en), "Chinese left in the English text"


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_placeholders_match_between_languages(key):
    def fields(s: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(s) if name is not None}

    zh, en = MESSAGES[key]
    assert fields(zh) == fields(en)
    if params := fields(zh):
        filled = {p: "7" for p in params}
        assert "{" not in text(key, "zh", **filled) and "{" not in text(key, "en", **filled)


def test_text_lookup():
    assert text("app.name") == text("app.name", "zh") == "阳光低保"
    assert text("app.name", "en") == "Sunshine Dibao"
    assert text("app.name", "fr") == "阳光低保"  # unknown languages fall back to Chinese
    assert text("admin.audit_ok", "en", n=3) == "Audit log intact: 3 rows, hash chain verified."
    with pytest.raises(KeyError):
        text("no.such_key")


# --- keys used by code ------------------------------------------------------------------------------------------

def test_the_scanner_finds_known_uses():
    """Guard against a scanner that silently finds nothing (which would make the next test vacuous)."""
    found = {(u.path.relative_to(PORTAL).as_posix(), u.key) for u in used_keys()}
    for expected in [
        ("shell/layout.py", "app.name"),  # t("...")
        ("shell/home.py", "home.apply_desc"),  # nav_card("...", "...")
        ("accounts/pages.py", "auth.bad_origin"),  # ERROR_KEYS list
        ("accounts/pages.py", "login.title"),  # title_key=
        ("shell/admin_home.py", "admin.users"),  # _stat("...")
        ("shell/admin_home.py", "admin.audit_ok"),  # t_fmt("...")
        ("shell/account.py", "auth.forbidden"),  # DENIED_KEYS
        ("shell/session.py", "auth.expired"),  # self.denied_key = "..." if ... else "..."
        ("accounts/services.py", "auth.throttled"),  # SignInResult(error="...")
        ("accounts/api.py", "auth.too_large"),  # _fail(request, 413, "...")
        ("kernel/permissions.py", "auth.forbidden"),  # reason = "..."
    ]:
        assert expected in found, expected
    prefixes = {u.key for u in dynamic_key_prefixes()}
    assert {"level.", "role."} <= prefixes


def test_every_literal_key_used_in_code_exists():
    missing = sorted({str(u) for u in used_keys() if u.key not in MESSAGES})
    assert not missing, "keys used in code but missing from the catalog (portal/i18n/):\n" + "\n".join(missing)


def test_every_dynamic_key_pattern_is_known_and_complete():
    """f"level.{...}" etc.: every value the placeholder can take must have a key."""
    unknown = sorted({str(u) for u in dynamic_key_prefixes() if u.key not in DYNAMIC_KEYS})
    assert not unknown, ("f-string catalog keys with a prefix this test does not know; add the prefix and its "
                         "possible values to DYNAMIC_KEYS:\n" + "\n".join(unknown))
    used = {u.key for u in dynamic_key_prefixes()}
    missing = sorted(f"{prefix}{value}" for prefix, values in DYNAMIC_KEYS.items() if prefix in used
                     for value in values if f"{prefix}{value}" not in MESSAGES)
    missing += sorted(str(u) for u in f_string_keys()[0] if u.key not in MESSAGES)
    assert not missing, "keys built by f-strings but missing from the catalog:\n" + "\n".join(missing)


def test_f_strings_over_literal_lists_are_resolved():
    source = ('PERIODS = ["30", "90"]\n'
              'a = [t(f"dash.period.{p}") for p in PERIODS]\n'
              'b = [f"x.y.{n}" for n in (1, 2)]\n'
              'c = f"role.{r.value}"\n')
    resolved, prefixes = f_string_keys([(PORTAL / "pages" / "sample.py", ast.parse(source))])
    assert [u.key for u in resolved] == ["dash.period.30", "dash.period.90", "x.y.1", "x.y.2"]
    assert [u.key for u in prefixes] == ["role."]


def test_role_and_level_keys_are_the_enum_values():
    """Pages list ROLE_KEYS/LEVEL_KEYS from the catalog; no stale key for a role or level that no longer exists."""
    assert {k for k in MESSAGES if k.startswith("role.") and k != "role.scope"} == {f"role.{r.value}" for r in Role}
    assert {k for k in MESSAGES if k.startswith("level.")} == {f"level.{lvl.value}" for lvl in RegionLevel}


# --- no Chinese outside the catalog -----------------------------------------------------------------------------

def _docstring_nodes(tree: ast.Module) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                ids.add(id(body[0].value))
    return ids


def _allowed_constants(tree: ast.Module, path: Path) -> set[int]:
    names = {name for p, name in CHINESE_ALLOWED_NAMES if p == path}
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(n in names for t in targets for n in _target_names(t)):
                ids |= {id(c) for c in ast.walk(node.value) if isinstance(c, ast.Constant)}
    return ids


def chinese_in_source(path: Path, source: str) -> list[str]:
    """Every string literal (not docstrings, not comments) with Chinese in it, minus the allowed tables."""
    return chinese_in_tree(path, ast.parse(source, filename=str(path)))


def chinese_in_tree(path: Path, tree: ast.Module) -> list[str]:
    skip = _docstring_nodes(tree) | _allowed_constants(tree, path)
    return [f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}" for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
            and CHINESE.search(node.value)]


def chinese_outside_catalog() -> list[str]:
    return [hit for path in SOURCES
            if path not in CHINESE_ALLOWED_FILES and not any(d in path.parents for d in CHINESE_ALLOWED_DIRS)
            for hit in chinese_in_tree(path, parse(path))]


def test_the_chinese_scanner_sees_string_literals_only():
    source = ('"""模块说明: docstrings are fine."""\n'
              '# 注释: comments are fine\n'
              'LABEL = "标签"\n'
              'SEP = "、"\n'
              'OK = "plain ascii"\n'
              'def f():\n    """函数说明."""\n    return f"共 {1} 条"\n')
    hits = [h.split(": ", 1)[1] for h in chinese_in_source(PORTAL / "sample.py", source)]
    assert hits == ["'标签'", "'、'", "'共 '", "' 条'"]
    # The typography table in qr.py is allowed by name, nothing else in that file.
    table = '_NO_LINE_START = set("，。")\nTITLE = "标题"\n'
    assert [h.split(": ", 1)[1] for h in chinese_in_source(PORTAL / "kernel" / "drawing.py", table)] == ["'标题'"]


def test_no_chinese_string_outside_the_catalog():
    found = chinese_outside_catalog()
    assert not found, ("user-visible Chinese must live in the catalog, portal/i18n/ (data tables excepted):\n"
                       + "\n".join(found))
