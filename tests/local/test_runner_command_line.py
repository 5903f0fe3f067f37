"""The runner's command line, both doors (``generate.py local`` and ``python -m
clickstream.local``): a Python without the packages gets one line naming the install command."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import REPOSITORY

DOORS = {
    "generate.py local": [str(REPOSITORY / "generate.py"), "local"],
    "python -m clickstream.local": ["-m", "clickstream.local"],
}
FREE = ["--web-port", "0", "--api-port", "0", "--mysfits-port", "0", "--firehose-port", "0",
        "--cognito-port", "0"]  # fmt: skip


def run_door(door: str, *args: str, python: list[str] | None = None):
    return subprocess.run(
        [*(python or [sys.executable]), *DOORS[door], *args],
        capture_output=True, text=True, timeout=60, cwd=REPOSITORY,
    )  # fmt: skip


# -E: no PYTHON* variables; -S: no site-packages, as on a Python where nothing from the
# requirements files is installed (the standard library only).
BARE = [sys.executable, "-E", "-S"]


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("args", [(), ("--bucket-dir", "nowhere", "--verbose")])
def test_without_the_packages_the_runner_says_what_to_install_in_one_line(door, args):
    bare = subprocess.run([*BARE, "-c", "import jsonschema"], capture_output=True)
    assert bare.returncode != 0, "jsonschema is importable without site-packages"

    result = run_door(door, *args, *FREE, python=BARE)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"{door}: error: the package ")
    assert "is not installed" in lines[0]
    assert "python -m pip install -r requirements-test.txt" in lines[0]
    assert ".venv/bin/python" in lines[0] and "make run" in lines[0]
    assert result.stdout == ""
    assert not (REPOSITORY / "nowhere").exists()


@pytest.mark.parametrize("door", DOORS)
def test_help_needs_no_package(door):
    result = run_door(door, "--help", python=BARE)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: {door} ")
    assert "--bucket-dir DIR" in result.stdout
