#!/usr/bin/env python3
"""The project's one command line: build the click-streaming stack's CloudFormation templates,
and every command that acts on them (``generate.py --help`` lists them).

python generate.py                      build: write templates/*.json
python generate.py --check              check: write nothing; exit 1 with a diff if stale
python generate.py COMMAND [ARGS …]     package, web-config, report, replay, simulate, local

Each command's own parser lives in its module (``clickstream/commands/``, and
``clickstream/local/__main__.py`` for ``local``); ``generate.py COMMAND --help`` shows it.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

# Both need only the standard library, so a missing package can be reported in one line.
from clickstream import cli  # noqa: E402
from clickstream.cli import DIR, OneLineParser, write_atomically  # noqa: E402
from clickstream.commands import COMMANDS, command_module  # noqa: E402

PROG = "generate.py"
DEFAULT_OUTPUT = ROOT / "templates"
# generate.py's own commands, and the local runner's; the others are COMMANDS'.
BUILD, CHECK, LOCAL = "build", "check", "local"
OWN_COMMANDS = {
    BUILD: "write templates/*.json (the default: generate.py [--check] [--output-dir DIR])",
    CHECK: "write nothing; exit 1 with a diff if templates/ is stale (= build --check)",
}
LOCAL_MODULE = "clickstream.local.__main__"
LOCAL_SUMMARY = "serve the whole stack on 127.0.0.1 from its template (what make run runs)"
# What each command needs installed beyond the standard library (default: the templates').
# The runner says what it needs itself (clickstream/local/__main__.py).
REQUIREMENTS = {"report": "-r requirements.txt -r requirements-report.txt"}
DEFAULT_REQUIREMENTS = "-r requirements.txt"
EXIT_STATUS = (
    "exit status: 0 done; 1 the templates are stale (--check); 2 bad usage or unwritable output"
)


def summaries() -> dict[str, str]:
    """Every command, in the order --help lists them, with its one line."""
    return {
        **OWN_COMMANDS,
        **{name: summary for name, (_, summary) in COMMANDS.items()},
        LOCAL: LOCAL_SUMMARY,
    }


def _add_build_options(parser: argparse.ArgumentParser, *, check: bool = True) -> None:
    if check:
        parser.add_argument(
            "--check",
            action="store_true",
            help="write nothing; exit 1 and print a unified diff if the templates are stale",
        )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=DEFAULT_OUTPUT,
        metavar=DIR,
        help="where the templates live (default: templates/)",
    )


def top_parser() -> OneLineParser:
    """``generate.py`` itself: build's options (build is the default) and the list of commands."""
    parser = OneLineParser(
        prog=PROG,
        description="Generate the click-streaming stack's CloudFormation templates, and act on "
        "the stack they describe, deployed or run locally.",
        epilog=f"Without a command, generate.py builds. {EXIT_STATUS[0].upper()}{EXIT_STATUS[1:]}"
        "; each command's --help gives its own.",
    )
    _add_build_options(parser)
    commands = parser.add_subparsers(title="commands (generate.py COMMAND --help)", dest="command")
    for name, summary in summaries().items():
        commands.add_parser(name, help=summary, add_help=False)
    return parser


def build_parser(command: str = BUILD) -> OneLineParser:
    """``generate.py build`` (or ``check``: build --check, so it has no --check of its own)."""
    parser = OneLineParser(
        prog=f"{PROG} {command}",
        description=summaries()[command].split(" (")[0].capitalize() + ".",
        epilog=EXIT_STATUS,
    )
    _add_build_options(parser, check=command == BUILD)
    parser.set_defaults(check=command == CHECK)
    return parser


def argument_parser(command: str) -> argparse.ArgumentParser:
    """The parser of ``generate.py COMMAND``, as ``generate.py COMMAND --help`` shows it."""
    if command in OWN_COMMANDS:
        return build_parser(command)
    if command == LOCAL:
        return importlib.import_module(LOCAL_MODULE).argument_parser(f"{PROG} {LOCAL}")
    return command_module(command).argument_parser()


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


def build(args: argparse.Namespace) -> int:
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
    requirements = REQUIREMENTS.get(command or "", DEFAULT_REQUIREMENTS)
    return cli.missing_package(error, PROG, requirements)


def _entry_point(command: str) -> Callable[[list[str]], int]:
    """What runs ``generate.py COMMAND ARGS``: ``main(ARGS)`` of the command's module."""
    if command in OWN_COMMANDS:
        return lambda argv: build(build_parser(command).parse_args(argv))
    if command == LOCAL:
        local_main = importlib.import_module(LOCAL_MODULE).main
        return lambda argv: local_main(argv, prog=f"{PROG} {LOCAL}")
    return command_module(command).main


def _first_word(argv: list[str]) -> str | None:
    """The first argument that is neither an option of build's nor its value: the command."""
    options = OneLineParser(prog=PROG, add_help=False)
    _add_build_options(options)
    _, extra = options.parse_known_args(argv)
    return next((word for word in extra if not word.startswith("-")), None)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    names = summaries()
    word = argv[0] if argv and not argv[0].startswith("-") else _first_word(argv)
    if word is not None and word not in names:
        top_parser().error(f"unknown command {word!r} (choose from {', '.join(names)})")
    if argv and argv[0] == word:
        command, rest = argv[0], argv[1:]
    elif word is not None:
        top_parser().error(f"the command comes first: {PROG} {word} …")
    else:
        # No command: build, with generate.py's own parser (whose --help lists the commands).
        args = top_parser().parse_args(argv)
        command, rest = BUILD, None
    try:
        if rest is None:
            return build(args)
        return _entry_point(command)(rest)
    except ModuleNotFoundError as error:
        line = missing_package(error, command)
        if line is None:
            raise
        print(line, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
