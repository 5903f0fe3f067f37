"""generate.py is the one command line: its --help lists every command, each command's --help
is its own, an unknown command is named as such, and the options read the same everywhere."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

import generate

ROOT = Path(__file__).resolve().parents[2]
GENERATE = ROOT / "generate.py"
# The commands, in the order generate.py --help lists them; build is the default.
EXPECTED = ["build", "check", "package", "web-config", "report", "replay", "simulate", "local"]


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(GENERATE), *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def test_help_lists_every_command_in_the_usage_line_and_with_one_line_each():
    result = run("--help")

    assert result.returncode == 0, result.stderr
    usage = result.stdout.split("\n\n", 1)[0]
    assert "{" + ",".join(EXPECTED) + "}" in "".join(usage.split())
    listed = [
        line.split()[0]
        for line in result.stdout.split("commands", 1)[1].splitlines()
        if line.startswith("    ") and not line.startswith("     ")
    ]
    assert listed == EXPECTED
    for line in result.stdout.splitlines():
        words = line.split()
        if line.startswith("    ") and words and words[0] in EXPECTED:
            assert len(words) > 2, f"{words[0]} has no summary: {line!r}"


@pytest.mark.parametrize("argv", [["bogus"], ["--check", "bogus"], ["bogus", "--check"]])
def test_an_unknown_command_is_named_as_unknown_in_one_line(argv):
    result = run(*argv)

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("generate.py: error: unknown command 'bogus' (choose from build, ")
    assert all(name in lines[0] for name in EXPECTED)
    assert "unrecognized arguments" not in lines[0]
    assert result.stdout == ""


def test_a_command_after_builds_options_is_told_to_come_first():
    result = run("--check", "report")

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "generate.py report" in lines[0] and "first" in lines[0]


@pytest.mark.parametrize("command", EXPECTED)
def test_each_commands_help_is_its_own_under_generate_py(command):
    result = run(command, "--help")

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: generate.py {command} ")
    assert "{build," not in result.stdout  # not generate.py's own list


def test_build_is_the_default_and_writes_the_same_bytes(tmp_path):
    plain, named = tmp_path / "plain", tmp_path / "named"
    assert run("--output-dir", str(plain)).returncode == 0
    assert run("build", "--output-dir", str(named)).returncode == 0

    written = sorted(p.name for p in plain.iterdir())
    assert written and written == sorted(p.name for p in named.iterdir())
    for name in written:
        assert (plain / name).read_bytes() == (named / name).read_bytes()


def test_check_is_build_check(tmp_path):
    assert run("build", "--output-dir", str(tmp_path)).returncode == 0
    assert run("check", "--output-dir", str(tmp_path)).returncode == 0
    assert run("build", "--check", "--output-dir", str(tmp_path)).returncode == 0

    (stale,) = tmp_path.glob("*.json")
    stale.write_text(stale.read_text(encoding="utf-8") + " ", encoding="utf-8")
    checked = run("check", "--output-dir", str(tmp_path))
    assert checked.returncode == 1 and checked.stdout.startswith("---")
    assert run("--check", "--output-dir", str(tmp_path)).returncode == 1
    assert stale.read_text(encoding="utf-8").endswith(" ")  # check writes nothing


# --- The options read the same everywhere --------------------------------------------------


def every_parser() -> dict[str, argparse.ArgumentParser]:
    parsers = {name: generate.argument_parser(name) for name in EXPECTED}
    parsers["generate.py"] = generate.top_parser()
    return parsers


def valued_options(parser: argparse.ArgumentParser):
    """(dest, metavar as --help shows it, help) of every option that takes a value."""
    for action in parser._actions:
        if action.option_strings and action.nargs != 0:
            shown = parser._get_formatter()._metavar_formatter(action, action.dest.upper())(1)[0]
            yield action.dest, action.metavar, shown, action.help or ""


def test_every_command_is_walked():
    assert set(every_parser()) == {*EXPECTED, "generate.py"}


def test_the_same_option_has_the_same_metavar_in_every_command():
    shown_as: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for command, parser in every_parser().items():
        for dest, _, shown, _ in valued_options(parser):
            shown_as[dest][shown].add(command)

    differing = {dest: dict(metavars) for dest, metavars in shown_as.items() if len(metavars) > 1}
    assert differing == {}
    # The options several commands share were really compared.
    shared = {dest for dest in shown_as if sum(map(len, shown_as[dest].values())) > 1}
    assert {"bucket_dir", "output_dir", "stack_name", "region", "since", "until"} <= shared


def test_every_value_has_a_metavar_of_its_own_not_one_made_from_the_option():
    made_up = [
        (command, dest)
        for command, parser in every_parser().items()
        for dest, metavar, _, _ in valued_options(parser)
        if metavar is None
    ]
    assert made_up == []


def test_region_stack_name_and_days_read_the_same_in_every_command():
    helps: dict[str, set[str]] = defaultdict(set)
    for parser in every_parser().values():
        for dest, _, _, text in valued_options(parser):
            helps[dest].add(text)

    assert len(helps["region"]) == 1 and len(helps["stack_name"]) == 1
    assert len(helps["since"]) == len(helps["until"]) == 2  # report and replay
    assert all(text.startswith("the first UTC day ") for text in helps["since"])
    assert all(text.startswith("the last UTC day ") for text in helps["until"])


def test_no_help_shows_a_path_of_this_machine():
    for command, parser in every_parser().items():
        text = parser.format_help()
        assert str(ROOT) not in text, command
