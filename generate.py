#!/usr/bin/env python3
"""Write the click-streaming stack's CloudFormation templates, or check they are current.

python generate.py                 write templates/*.json
python generate.py --check         write nothing; exit 1 with a diff if templates/ is stale
python generate.py COMMAND …       act on a built or deployed stack (--help lists the commands)
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

# Both need only the standard library, so a missing package can be reported in one line.
from clickstream.cli import OneLineParser, write_atomically  # noqa: E402
from clickstream.commands import COMMANDS, entry_point  # noqa: E402

DEFAULT_OUTPUT = ROOT / "templates"
# What each command needs installed beyond the standard library (default: the templates').
REQUIREMENTS = {"report": "-r requirements.txt -r requirements-report.txt"}
DEFAULT_REQUIREMENTS = "-r requirements.txt"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = OneLineParser(
        prog="generate.py",
        description="Generate the click-streaming stack's CloudFormation templates.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "commands (python generate.py COMMAND --help):\n"
            + "".join(f"  {name:<12} {summary}\n" for name, (_, summary) in COMMANDS.items())
            + "\nexit status: 0 done; 1 --check found stale templates; 2 bad usage or "
            "unwritable output"
        ),
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 and print a unified diff if the templates are stale",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=DEFAULT_OUTPUT,
        metavar="DIR",
        help="where the templates live (default: templates/)",
    )
    return parser.parse_args(argv)


def stale_diff(output_dir: Path, rendered: dict[str, str]) -> str:
    """A unified diff from the files on disk to the generated ones; empty when current."""
    chunks = []
    for name, text in sorted(rendered.items()):
        path = output_dir / name
        current = path.read_text(encoding="utf-8") if path.is_file() else ""
        if current != text:
            chunks.extend(
                difflib.unified_diff(
                    current.splitlines(keepends=True),
                    text.splitlines(keepends=True),
                    fromfile=f"{path} (committed)",
                    tofile=f"{path} (generated)",
                )
            )
    return "".join(chunks)


def generate(argv: list[str]) -> int:
    args = parse_args(argv)
    from clickstream.template import render

    rendered = render()
    if args.check:
        diff = stale_diff(args.output_dir, rendered)
        if diff:
            sys.stdout.write(diff)
            print("templates are stale: run `python generate.py` and commit", file=sys.stderr)
            return 1
        return 0
    try:
        for name, text in sorted(rendered.items()):
            write_atomically(args.output_dir / name, text)
    except OSError as error:
        reason = error.strerror or str(error)
        print(
            f"generate.py: error: cannot write to {args.output_dir}: {reason}",
            file=sys.stderr,
        )
        return 2
    for name in sorted(rendered):
        print(args.output_dir / name)
    return 0


def missing_package(error: ModuleNotFoundError, command: str | None) -> str | None:
    """One line naming the install command, when ``error`` is a package that is not installed
    (None when it is a module of this project: that is a bug, and its traceback says where)."""
    package = (error.name or "").partition(".")[0]
    if not package or package == "clickstream":
        return None
    requirements = REQUIREMENTS.get(command or "", DEFAULT_REQUIREMENTS)
    return (
        f"generate.py: error: the package {package!r} is not installed for {sys.executable}; "
        "run `make run` once (it installs everything in .venv) and use .venv/bin/python, "
        f"or install them: python -m pip install {requirements}"
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command, rest = (argv[0], argv[1:]) if argv else (None, [])
    try:
        command_main = entry_point(command) if command else None
        if command_main is not None:
            return command_main(rest)
        return generate(argv)
    except ModuleNotFoundError as error:
        line = missing_package(error, command if command in COMMANDS else None)
        if line is None:
            raise
        print(line, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
