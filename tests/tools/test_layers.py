"""Imports run down the floors, never back up: the shared HTTP plumbing and the stand-ins of
services that are not ours are used by the local runner, and use nothing of it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "clickstream"


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, relative imports resolved against its package."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("floor", ["standins", "http"])
def test_nothing_below_the_local_runner_imports_it(floor: str) -> None:
    files = sorted((PACKAGE / floor).rglob("*.py"))
    assert files

    upward = {
        f"{path.relative_to(PACKAGE)}: {module}"
        for path in files
        for module in imported_modules(path)
        if module == "clickstream.local" or module.startswith("clickstream.local.")
    }

    assert upward == set()


def test_relative_imports_are_resolved_so_the_check_above_can_fail() -> None:
    # GIVEN a module of the runner that imports its neighbour relatively
    modules = imported_modules(PACKAGE / "local" / "pipeline.py")

    # THEN the neighbour is found under its full name
    assert "clickstream.local.firehose" in modules
