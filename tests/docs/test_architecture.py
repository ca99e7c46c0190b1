"""docs/architecture.md is checked like code: it names every module of the package, everything it
cites exists, and the import graph it promises (no circles) holds."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
PACKAGE = PROJECT_DIR / "course_app"
ARCHITECTURE = PROJECT_DIR / "docs" / "architecture.md"
# A cited file: `path/to/file.py`, optionally followed by ::test_name (tests) or a template or doc.
CITED = re.compile(r"`((?:[\w.-]+/)*[\w.-]+\.(?:py|md|html|js|css|cfg|toml))(?:::(\w+))?`")
MODULE_ROW = re.compile(r"^\| `((?:\w+/)*\w+\.py)` \|", re.M)


def package_modules() -> set[str]:
    """Every module of the package, as its path inside ``course_app/``."""
    return {path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py")}


def cited_path(name: str) -> Path | None:
    """Where a cited file is: from the project folder, or inside the package (the doc's own shorthand)."""
    for base in (PROJECT_DIR, PACKAGE, PROJECT_DIR / "docs"):
        if (base / name).is_file():
            return base / name
    return None


def test_every_module_of_the_package_is_named_once_in_the_table() -> None:
    named = MODULE_ROW.findall(ARCHITECTURE.read_text(encoding="utf-8"))
    assert sorted(set(named)) == sorted(named), "a module is named twice"
    assert sorted(package_modules() - set(named)) == [], "modules the architecture page does not name"
    assert sorted(set(named) - package_modules()) == [], "the architecture page names modules that do not exist"


def test_every_file_and_test_the_page_cites_exists() -> None:
    missing = []
    for name, test in CITED.findall(ARCHITECTURE.read_text(encoding="utf-8")):
        path = cited_path(name)
        if path is None:
            missing.append(name)
        elif test and not re.search(rf"^def {test}\(", path.read_text(encoding="utf-8"), re.M):
            missing.append(f"{name}::{test}")
    assert missing == []


def imports_of(path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules ``path`` imports, anywhere in it (a function's imports count too)."""
    dotted = ".".join(path.relative_to(PROJECT_DIR).with_suffix("").parts)
    package = dotted.split(".")[:-1]  # a module's package; for __init__.py, the package it opens
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1] + [node.module or ""]).strip(".") \
                if node.level else node.module or ""
            submodules = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in modules]
            found.update(submodules)
            if len(submodules) < len(node.names) and base in modules:
                found.add(base)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
    return found


def test_no_module_imports_one_that_imports_it_back() -> None:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PROJECT_DIR).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {name: imports_of(path, modules) - {name} for name, path in modules.items()}
    circles = []
    # Each module's circle, if it is on one: a path from one of its imports back to it.
    for start in sorted(graph):
        stack, seen = [(start, [start])], set()
        while stack:
            current, trail = stack.pop()
            for following in graph[current]:
                if following == start:
                    circles.append(" → ".join([*trail, start]))
                    stack.clear()
                    break
                if following not in seen:
                    seen.add(following)
                    stack.append((following, [*trail, following]))
    assert circles == []
