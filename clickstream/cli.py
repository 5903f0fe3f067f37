"""What every command of this project shares: usage errors as one line, exit status 2."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path


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
