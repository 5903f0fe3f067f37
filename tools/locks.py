#!/usr/bin/env python3
"""The dependency locks: compile them from the input files, check them, check an environment.

tools/locks.py compile             recompile every lock from its input file (make lock)
tools/locks.py compile --upgrade   move every lock to its newest allowed versions (make upgrade)
tools/locks.py check               write nothing; exit 1 naming each lock that is stale or has a
                                   requirement without a hash
tools/locks.py installed LOCK      exit 1 unless this Python's packages are exactly LOCK's

Each `*.in` file lists direct dependencies with the reason for each; `uv pip compile` resolves it
into the whole closure, exact versions and `--hash` lines. The locks are compiled in the order
below, and a larger set is constrained by the smaller locks it includes (`-c` in its input file),
so a package shared by two environments has one version in both. Compiling reads the committed
lock as its preferences: a lock moves only when its input file changes, or with --upgrade.
Compiling needs the package index. Checking does not, while nothing changed: each lock carries a
digest of what it was compiled from (its input files, the locks they constrain it by, the target
environment) and of its own requirements. Where a digest no longer matches, the check recompiles
that lock with uv, which reads the index (seconds), and shows the difference.
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMPILE_COMMAND = "make lock"


@dataclass(frozen=True)
class Lock:
    source: str  # the input file, relative to the repository
    target: str  # the lock compiled from it
    resolve_for: tuple[str, ...]  # uv's target environment

    def arguments(self, output: Path) -> list[str]:
        return [
            "pip", "compile", self.source,
            "--output-file", str(output),
            "--generate-hashes",
            "--custom-compile-command", COMPILE_COMMAND,
            "--no-progress",
            "--quiet",
            *self.resolve_for,
        ]  # fmt: skip


# Any Python the project supports (3.11 and newer) on any platform; markers keep what differs.
HOST = ("--universal", "--python-version", "3.11")
# Where the processor runs: the Lambda runtime and architecture `generate.py package` builds for.
PROCESSOR = ("--python-version", "3.13", "--python-platform", "aarch64-manylinux2014")

# Dependency order: each lock's input file may constrain it by the locks above it.
LOCKS = (
    Lock("requirements.in", "requirements.txt", HOST),
    Lock("requirements-report.in", "requirements-report.txt", HOST),
    Lock("lambda/requirements.in", "lambda/requirements.txt", PROCESSOR),
    Lock("requirements-test.in", "requirements-test.txt", HOST),
    Lock("requirements-dev.in", "requirements-dev.txt", HOST),
    Lock("requirements-lint.in", "requirements-lint.txt", HOST),
    Lock("requirements-security.in", "requirements-security.txt", HOST),
)

DIGEST = re.compile(r"^# digest: sha256:(?P<digest>[0-9a-f]{64})\n", re.MULTILINE)
INCLUDE = re.compile(r"^\s*-[rc]\s+(?P<path>\S+)", re.MULTILINE)
REQUIREMENT = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==(?P<version>\S+)")


class LockError(Exception):
    """A lock is stale, unhashed or cannot be compiled; the message says which, in one line."""


def _uv() -> list[str]:
    found = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if found:
        return [found]
    try:
        from uv import find_uv_bin  # the uv package on PyPI ships the binary
    except ImportError as error:
        raise LockError(
            "uv is not installed: python -m pip install --require-hashes -r requirements-lint.txt"
        ) from error
    return [find_uv_bin()]


def compile_lock(lock: Lock, output: Path, *, upgrade: bool = False) -> None:
    """Write the lock for `lock.source` to `output`, its digest included."""
    command = [*_uv(), *lock.arguments(output)]
    if upgrade:
        command.append("--upgrade")
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        reason = " ".join(line.strip() for line in lines[-3:]) or f"exit {result.returncode}"
        raise LockError(f"{lock.source}: cannot compile: {reason}")
    output.write_text(stamped(lock, output.read_text(encoding="utf-8")), encoding="utf-8")


def _inputs(path: Path, seen: set[Path]) -> list[bytes]:
    """The text of `path` and of every file it includes or is constrained by, recursively."""
    path = path.resolve()
    if path in seen:
        return []
    seen.add(path)
    text = path.read_text(encoding="utf-8")
    parts = [path.relative_to(ROOT).as_posix().encode(), text.encode()]
    for match in INCLUDE.finditer(text):
        parts += _inputs(path.parent / match["path"], seen)
    return parts


def digest(lock: Lock, body: str) -> str:
    """What `lock` was compiled from and what it says, in one sha256."""
    sha = hashlib.sha256()
    for part in [" ".join(lock.resolve_for).encode(), *_inputs(ROOT / lock.source, set())]:
        sha.update(len(part).to_bytes(8, "big") + part)
    sha.update(body.encode())
    return sha.hexdigest()


def _without_digest(text: str) -> str:
    return DIGEST.sub("", text)


def stamped(lock: Lock, text: str) -> str:
    """The lock's text with its digest as the line after uv's header."""
    body = _without_digest(text)
    header, _, rest = body.partition(f"#    {COMPILE_COMMAND}\n")
    if not rest:
        raise LockError(f"{lock.target}: uv's header is not the expected one")
    line = f"# digest: sha256:{digest(lock, body)}\n"
    return f"{header}#    {COMPILE_COMMAND}\n{line}{rest}"


def current(lock: Lock) -> bool:
    """Whether the committed lock's digest matches its inputs and its requirements (offline)."""
    text = (ROOT / lock.target).read_text(encoding="utf-8")
    found = DIGEST.search(text)
    return bool(found) and found["digest"] == digest(lock, _without_digest(text))


def requirement_entries(text: str) -> list[str]:
    """The lock's requirements, each with its continuation lines joined."""
    entries: list[str] = []
    current = ""
    for line in text.splitlines():
        if line.lstrip().startswith("#") and not current:
            continue
        stripped = line.split(" #", 1)[0].rstrip() if not current else line.rstrip()
        if not stripped.strip():
            continue
        current += " " + stripped.rstrip("\\").strip()
        if not stripped.endswith("\\"):
            entries.append(current.strip())
            current = ""
    if current:
        entries.append(current.strip())
    return entries


def unhashed(text: str) -> list[str]:
    """Each requirement of a lock that is not pinned exactly with at least one sha256 hash."""
    problems = []
    for entry in requirement_entries(text):
        if entry.startswith("-"):
            problems.append(f"{entry.split()[0]} is not a pinned requirement")
            continue
        name = entry.split(";")[0].split()[0]
        if not REQUIREMENT.match(entry):
            problems.append(f"{name} is not pinned with ==")
        elif "--hash=sha256:" not in entry:
            problems.append(f"{name} has no hash")
    return problems


def stale(lock: Lock) -> str:
    """The diff from the committed lock to a fresh compile of its input; empty when current."""
    committed = ROOT / lock.target
    if not committed.exists():
        return f"{lock.target} does not exist\n"
    with tempfile.TemporaryDirectory(prefix="lock-") as scratch:
        fresh = Path(scratch) / Path(lock.target).name
        shutil.copyfile(committed, fresh)  # the committed pins are the resolver's preferences
        compile_lock(lock, fresh)
        before = committed.read_text(encoding="utf-8").splitlines(keepends=True)
        after = fresh.read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(
        difflib.unified_diff(
            before, after, f"{lock.target} (committed)", f"{lock.target} (compiled)"
        )
    )


def check(locks: tuple[Lock, ...] = LOCKS) -> list[str]:
    """One line per problem: a lock line without a hash, or a lock its input no longer gives."""
    problems = []
    for lock in locks:
        path = ROOT / lock.target
        if path.exists():
            problems += [f"{lock.target}: {p}" for p in unhashed(path.read_text(encoding="utf-8"))]
        if path.exists() and current(lock):
            continue
        diff = stale(lock)
        if diff:
            sys.stdout.write(diff)
            problems.append(f"{lock.target} is stale: run `make lock` and commit the result")
    return problems


def locked_versions(text: str) -> dict[str, str]:
    """Name -> version of each requirement whose marker holds for this Python."""
    try:
        from packaging.requirements import Requirement
    except ImportError:  # not every environment holds it; every one holds pip, which vendors it
        from pip._vendor.packaging.requirements import Requirement

    versions = {}
    for entry in requirement_entries(text):
        requirement = Requirement(re.sub(r"\s--hash=\S+", "", entry))
        if requirement.marker is None or requirement.marker.evaluate():
            versions[_canonical(requirement.name)] = str(requirement.specifier).removeprefix("==")
    return versions


def installed_versions() -> dict[str, str]:
    ignored = {"pip", "setuptools", "wheel"}  # the venv's own installers, not the project's
    return {
        _canonical(dist.metadata["Name"]): dist.version
        for dist in metadata.distributions()
        if _canonical(dist.metadata["Name"]) not in ignored
    }


def environment_differences(lock_text: str) -> list[str]:
    wanted, have = locked_versions(lock_text), installed_versions()
    problems = []
    for name in sorted(wanted.keys() | have.keys()):
        if name not in have:
            problems.append(f"{name}=={wanted[name]} is locked but not installed")
        elif name not in wanted:
            problems.append(f"{name}=={have[name]} is installed but not locked")
        elif have[name] != wanted[name]:
            problems.append(f"{name} is {have[name]}, the lock says {wanted[name]}")
    return problems


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/locks.py", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    compiling = commands.add_parser("compile", help="recompile the locks from their input files")
    compiling.add_argument(
        "--upgrade", action="store_true", help="take the newest allowed versions"
    )
    commands.add_parser("check", help="exit 1 if a lock is stale or has a line without a hash")
    environment = commands.add_parser("installed", help="exit 1 unless this Python holds LOCK")
    environment.add_argument("lock", metavar="LOCK", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "compile":
            for lock in LOCKS:
                compile_lock(lock, ROOT / lock.target, upgrade=args.upgrade)
                print(
                    f"{lock.target}: {len(requirement_entries((ROOT / lock.target).read_text()))}"
                )
            return 0
        if args.command == "check":
            problems = check()
        else:
            problems = environment_differences(args.lock.read_text(encoding="utf-8"))
    except (LockError, OSError) as error:
        print(f"tools/locks.py: error: {error}", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"tools/locks.py: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
