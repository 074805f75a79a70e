"""The import graph keeps the architecture (docs/architecture.md): a kernel that imports no domain, one package per
domain whose pages and states never touch the database, pure rules, and no cycles.

Today's violations are listed in KNOWN below; the test fails on any new one, and on a listed one that is gone (so
the list only shrinks: delete the line when you fix it).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from tests.sources import parse

ROOT = Path(__file__).resolve().parents[2]
PORTAL = ROOT / "portal"
DOMAINS = {"accounts", "regions", "ratings", "reports", "applications", "roster", "evaluations", "register",
           "verification", "payments", "reporting", "supervision", "workbench", "annual"}
APP = {"portal.portal", "portal.api_app", "portal.cli", "portal.__main__", "portal.demo", "portal.schema"}
# What another domain may use of a domain: its use cases, tables, pure rules, read models and messages.
PUBLIC_KINDS = {"package", "services", "models", "rules", "queries", "messages", "screener", "crosscheck",
                "notice_pdf", "cascade"}
UI_KINDS = {"pages", "states", "components", "poster_links"}
PURE_KINDS = {"rules"}
DB_MODULES = ("sqlalchemy", "portal.kernel.db")


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Every module this file imports, at any depth (function-level imports count: they hide cycles)."""
    tree = parse(path)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PORTAL.rglob("*.py")}
    edges: dict[str, set[str]] = {}
    for mod, path in files.items():
        raw = imports_of(path)
        edges[mod] = {m for m in raw if m in files and m != mod} | {m for m in raw if not m.startswith("portal")}
    return edges


def where(mod: str) -> tuple[str, str | None, str]:
    """(layer, domain, kind): layer is kernel, shell, i18n, app or domain; kind is the module's role in a domain."""
    parts = mod.split(".")
    if mod in APP:
        return "app", None, "app"
    top = parts[1] if len(parts) > 1 else ""
    if top in ("kernel", "shell", "i18n"):
        return top, None, parts[-1]
    if top in DOMAINS:
        rest = parts[2:]
        if rest and rest[0] == "eligibility":  # a sub-domain keeps the same kinds
            rest = rest[1:]
        kind = rest[0] if rest else "package"
        if kind == "demo":  # demo data seeds every domain, like the app does
            return "app", None, "app"
        return "domain", top, kind
    return "app", None, "app"


def violations() -> set[tuple[str, str, str]]:
    """(importer, imported, rule) for every edge that breaks a rule."""
    out: set[tuple[str, str, str]] = set()
    for mod, targets in graph().items():
        layer, domain, kind = where(mod)
        for tgt in targets:
            external = not tgt.startswith("portal")
            if external:
                if tgt.split(".")[0] == "reflex" and (layer == "kernel" or kind in {
                        "rules", "models", "services", "queries", "api", "screener", "crosscheck", "notice_pdf",
                        "cascade"}):
                    out.add((mod, tgt, "reflex outside the UI"))
                if tgt.split(".")[0] == "sqlalchemy" and (kind in UI_KINDS or layer == "shell" or kind in PURE_KINDS):
                    out.add((mod, "sqlalchemy", "database in a page, state or rule"))
                continue
            t_layer, t_domain, t_kind = where(tgt)
            if layer == "kernel" and t_layer != "kernel":
                out.add((mod, tgt, "kernel imports outside the kernel"))
            if layer == "shell" and t_layer == "domain" and t_domain != "accounts":
                out.add((mod, tgt, "shell imports a domain"))
            if layer in ("kernel", "shell", "domain", "i18n") and t_layer == "app":
                out.add((mod, tgt, "imports the app"))
            if layer == "domain" and t_layer == "domain" and t_domain != domain and t_kind not in PUBLIC_KINDS:
                out.add((mod, tgt, "reaches into another domain's UI or API"))
            if (kind in UI_KINDS or layer == "shell") and (tgt == "portal.kernel.db" or t_kind == "models"
                                                          or tgt.endswith("_models") or tgt == "portal.kernel.base"):
                out.add((mod, tgt, "database in a page, state or rule"))
            if kind in PURE_KINDS and (tgt == "portal.kernel.db" or t_kind in {"models", "services"}):
                out.add((mod, tgt, "a rule that is not pure"))
            if kind == "pages" and t_kind == "pages" and t_layer == "domain":
                out.add((mod, tgt, "a page imports another page"))
    return out


def cycles() -> list[list[str]]:
    edges = {m: {t for t in ts if t.startswith("portal")} for m, ts in graph().items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            # a package's __init__ importing its own children is not a cycle of layers
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            strong(v)
    return found


KNOWN: set[tuple[str, str, str]] = set()  # filled below from known_violations.txt
KNOWN_FILE = Path(__file__).with_name("known_violations.txt")
if KNOWN_FILE.exists():
    for line in KNOWN_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            a, b, rule = (x.strip() for x in line.split("|"))
            KNOWN.add((a, b, rule))


def test_no_new_layer_violation():
    new = sorted(violations() - KNOWN)
    assert not new, "layer violations (see docs/architecture.md):\n" + "\n".join(" | ".join(v) for v in new)


def test_known_violations_only_shrink():
    fixed = sorted(KNOWN - violations())
    assert not fixed, ("these listed violations are gone; delete their lines from known_violations.txt:\n"
                       + "\n".join(" | ".join(v) for v in fixed))


def test_no_import_cycle():
    assert cycles() == []


def test_the_rules_see_what_they_claim():
    """The checker itself: a state importing the database, a rule importing Reflex, a kernel importing a domain."""
    assert where("portal.ratings.pages.staff") == ("domain", "ratings", "pages")
    assert where("portal.applications.eligibility.rules") == ("domain", "applications", "rules")
    assert where("portal.kernel.db") == ("kernel", None, "db")
    assert where("portal.portal") == ("app", None, "app")
    edges = graph()
    assert "portal.kernel.db" in edges["portal.kernel.audit"] or "portal.kernel.base" in edges["portal.kernel.audit"]
    assert "reflex" in edges["portal.shell.layout"]
