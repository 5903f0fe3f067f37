"""What both engines give back: each question's columns and rows, as plain Python values."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from clickstream.cli import CommandError

REQUIREMENTS = "python -m pip install -r requirements-report.txt"


class ReportError(CommandError):
    """Why the report cannot be made; one line, meant for the person running it."""


@dataclass(frozen=True)
class Answer:
    columns: list[str]
    rows: list[tuple[Any, ...]]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def require(module: str, purpose: str) -> ModuleType:
    """Import a module only this command needs, or say in one line how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ReportError(f"{purpose} needs {module}: {REQUIREMENTS}") from error
