"""Every package's ``__init__`` says what the package is and draws its tree: exactly its modules and subpackages.

The tree is one line per entry, drawn as ``├── name.py  what it does`` (or ``└── …`` for the last one); a
subpackage or a folder of modules is written ``name/`` (other lines drawn alike, an exception tree say, are not
entries). A folder without Python files (templates, schemas) may be
drawn but need not be. Adding, moving or removing a module means updating its package's tree, or this fails.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOP = ("shared", "desktop", "syncserver")
ENTRY = re.compile(r"^\s*[│ ]*[├└]── (?P<name>[\w.]+(?:\.py|/))(?:\s|$)")
SKIP_DIRS = {"__pycache__"}


def _packages() -> list[Path]:
    found = []
    for top in TOP:
        found += sorted(p.parent for p in (ROOT / top).rglob("__init__.py") if SKIP_DIRS.isdisjoint(p.parts))
    return found


def _has_python(folder: Path) -> bool:
    return any(SKIP_DIRS.isdisjoint(p.parts) for p in folder.rglob("*.py"))


def _children(package: Path) -> tuple[set[str], set[str]]:
    """(what the tree must list, what it may list besides): modules and folders with Python code; data folders."""
    required, optional = set(), set()
    for child in package.iterdir():
        if child.name.startswith(".") or child.name in SKIP_DIRS:
            continue
        if child.is_file() and child.suffix == ".py" and child.name != "__init__.py":
            required.add(child.name)
        elif child.is_dir():
            (required if _has_python(child) else optional).add(child.name + "/")
    return required, optional


def _drawn(package: Path) -> tuple[str, list[str]]:
    """The docstring's first line and the names its tree draws."""
    tree = ast.parse((package / "__init__.py").read_text(encoding="utf-8"))
    doc = ast.get_docstring(tree) or ""
    names = [m["name"] for line in doc.splitlines() if (m := ENTRY.match(line))]
    return (doc.splitlines() or [""])[0], names


@pytest.mark.parametrize("package", _packages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_init_draws_the_package_tree(package: Path) -> None:
    first, names = _drawn(package)
    assert first.strip() and not first.strip().endswith(" package."), "the first line says what the package is"
    assert len(names) == len(set(names)), f"drawn twice: {sorted(n for n in names if names.count(n) > 1)}"
    required, optional = _children(package)
    drawn = set(names)
    assert drawn - optional == required, (
        f"{package.relative_to(ROOT)}/__init__.py: missing {sorted(required - drawn)}, "
        f"not in the package {sorted(drawn - required - optional)}")


def test_every_top_package_is_checked() -> None:
    assert {p.relative_to(ROOT).parts[0] for p in _packages()} == set(TOP)
