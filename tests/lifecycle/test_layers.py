"""lifecycle's modules import one way: calendar <- services <- sweep <- tasks.

erasure, notices (and the outbox, access, journal below them) sit below services;
no module imports inside a function to dodge a cycle (``AppConfig.ready`` aside,
where Django wants it).
"""

import ast
from pathlib import Path

import lifecycle

ROOT = Path(lifecycle.__file__).parent

#: module -> lifecycle modules it must never import (directly).
FORBIDDEN = {
    "calendar": {"services", "sweep", "tasks", "erasure", "notices", "selectors"},
    "erasure": {"services", "sweep", "tasks", "notices", "selectors"},
    "notices": {"services", "sweep", "tasks", "selectors"},
    "outbox": {"services", "sweep", "tasks", "notices"},
    "access": {"services", "sweep", "tasks"},
    "journal": {"services", "sweep", "tasks"},
    "services": {"sweep", "tasks", "selectors"},
    "selectors": {"sweep", "tasks"},
    "sweep": {"tasks"},
}


def _imports(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lifecycle."):
            found.add(node.module.split(".")[1])
    return found


def test_lifecycle_modules_import_one_way():
    wrong = {}
    for name, forbidden in FORBIDDEN.items():
        tree = ast.parse((ROOT / f"{name}.py").read_text())
        bad = _imports(tree) & forbidden
        if bad:
            wrong[name] = sorted(bad)
    assert wrong == {}


def test_no_lifecycle_module_imports_inside_a_function():
    inside = []
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts or path.name == "apps.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Import | ast.ImportFrom):
                        module = getattr(inner, "module", None) or ""
                        if (
                            inner.__class__ is ast.ImportFrom
                            and inner.level == 0
                            and not (module.startswith(("lifecycle", "accounts", "platforms")))
                        ):
                            continue  # a third-party import kept local (not a cycle)
                        inside.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
    assert inside == []
