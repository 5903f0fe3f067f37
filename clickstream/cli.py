"""What every command of this project shares: usage errors as one line (exit status 2), the
options several commands take (one metavar and one wording each), and the one line that names
the install command when a package is missing. Standard library only, so that line can be
printed on a Python without the packages."""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any


class CommandError(Exception):
    """Why a command cannot go on: one line, meant for the person running it (exit status 2).
    Each command's own error is one of these."""


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line that says what to fix."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def write_atomically(path: Path, content: str | bytes) -> None:
    """Write beside the target, then rename: a reader never sees half a file, and a failure
    leaves the old file (or none) in place. Text is written as UTF-8, newlines as they are."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --- Options several commands take: the same metavar and wording in each -------------------

# One metavar per kind of value, whichever command takes it.
DIR, FILE, URL, NAME = "DIR", "FILE", "URL", "NAME"
DAY = "YYYY-MM-DD"


def add_stack_name(container: Any, *, required: bool = False) -> None:
    """``--stack-name`` on a parser or a group of one."""
    container.add_argument(
        "--stack-name", required=required, metavar=NAME, help="the deployed stack (name or ARN)"
    )


def add_region(container: Any) -> None:
    container.add_argument(
        "--region", metavar="REGION", help="the stack's AWS region (default: from the environment)"
    )


def utc_day(text: str) -> date:
    """A ``--since``/``--until`` value: one UTC day, written YYYY-MM-DD."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-27") from None


def add_days(container: Any, what: str, *, since_default: str, until_default: str) -> None:
    """``--since`` and ``--until``: the first and last UTC day ``what`` (e.g. "to count")."""
    container.add_argument(
        "--since",
        type=utc_day,
        metavar=DAY,
        help=f"the first UTC day {what} (default: {since_default})",
    )
    container.add_argument(
        "--until",
        type=utc_day,
        metavar=DAY,
        help=f"the last UTC day {what} (default: {until_default})",
    )


# --- A missing package ---------------------------------------------------------------------


def missing_package(error: ModuleNotFoundError, prog: str, requirements: str) -> str | None:
    """One line naming the install command, when ``error`` is a package that is not installed
    (None when it is a module of this project: that is a bug, and its traceback says where)."""
    package = (error.name or "").partition(".")[0]
    if not package or package == "clickstream":
        return None
    return (
        f"{prog}: error: the package {package!r} is not installed for {sys.executable}; "
        "run `make run` once (it installs everything in .venv) and use .venv/bin/python, "
        f"or install them: python -m pip install {requirements}"
    )
