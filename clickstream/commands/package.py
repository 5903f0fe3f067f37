"""Build the processor's deployment zip, reproducibly: `lambda/` and its pinned requirements.

The requirements are installed for the function's runtime and architecture (not this
machine's), and the zip is written byte for byte the same on every run: entries sorted, fixed
timestamps and permissions, no bytecode, none of pip's per-install records. Its name carries a
hash of its content, so a code change gives a new S3 key and CloudFormation updates the function.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

from clickstream import defaults
from clickstream.cli import DIR, CommandError, OneLineParser

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIR = ROOT / "lambda"
REQUIREMENTS = SOURCE_DIR / "requirements.txt"
DEFAULT_OUTPUT_DIR = ROOT / "dist"

# pip's names for the Lambda architectures (Amazon Linux 2023 is manylinux2014-compatible).
PLATFORMS = {"arm64": "manylinux2014_aarch64", "x86_64": "manylinux2014_x86_64"}
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry
FILE_MODE = 0o100644
# Written by pip for this one install (paths, installer, request flags): not code.
PIP_RECORDS = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}


class PackageError(CommandError):
    """The zip could not be built; the message says why, in one line."""


def build_package(out_dir: Path) -> Path:
    """Write `processor-<hash>.zip` into `out_dir` and return its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="processor-") as scratch:
        deps = Path(scratch) / "deps"
        _install_requirements(deps)
        files = dict(_dependency_files(deps))
        for name, path in _source_files(SOURCE_DIR):
            if name in files:
                raise PackageError(f"{name} is both in lambda/ and in a dependency")
            files[name] = path
        unnamed = Path(scratch) / "processor.zip"
        _write_zip(unnamed, files)
        digest = hashlib.sha256(unnamed.read_bytes()).hexdigest()[:16]
        target = out_dir / f"processor-{digest}.zip"
        target.write_bytes(unnamed.read_bytes())
    return target


def _install_requirements(target: Path) -> None:
    python_version = defaults.PROCESSOR_RUNTIME.removeprefix("python")
    command = [
        sys.executable, "-m", "pip", "install",
        "--requirement", str(REQUIREMENTS),
        "--target", str(target),
        "--platform", PLATFORMS[defaults.PROCESSOR_ARCHITECTURE],
        "--implementation", "cp",
        "--python-version", python_version,
        "--only-binary=:all:",
        "--no-deps",  # the lock holds every package, dependencies included
        "--require-hashes",
        "--no-compile",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        raise PackageError(f"pip install failed: {lines[-1] if lines else result.returncode}")


def _dependency_files(deps: Path) -> Iterator[tuple[str, Path]]:
    for path in deps.rglob("*"):
        relative = path.relative_to(deps)
        if not path.is_file() or relative.parts[0] == "bin":  # console scripts: not importable
            continue
        if "__pycache__" in relative.parts or path.suffix == ".pyc":
            continue
        if relative.parts[0].endswith(".dist-info") and path.name in PIP_RECORDS:
            continue
        yield relative.as_posix(), path


def _source_files(source: Path) -> Iterator[tuple[str, Path]]:
    for path in source.rglob("*.py"):
        relative = path.relative_to(source)
        if "__pycache__" not in relative.parts:
            yield relative.as_posix(), path


def _write_zip(path: Path, files: dict[str, Path]) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name in sorted(files):
            entry = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            entry.create_system = 3  # Unix, so the permissions below are read
            entry.external_attr = FILE_MODE << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, files[name].read_bytes(), compresslevel=9)


def argument_parser() -> OneLineParser:
    parser = OneLineParser(
        prog="generate.py package",
        description="Build the click processor's deployment zip from lambda/.",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=DEFAULT_OUTPUT_DIR,
        metavar=DIR,
        help="where to write processor-<hash>.zip (default: dist/)",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = argument_parser().parse_args(argv)
    try:
        path = build_package(args.output_dir)
    except PackageError as error:
        print(f"package: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        reason = error.strerror or str(error)
        print(f"package: error: cannot write to {args.output_dir}: {reason}", file=sys.stderr)
        return 2
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
