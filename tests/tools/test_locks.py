"""The dependency locks: complete, hashed, and current with their input files.

These checks read files only. `tox -e lint` also recompiles a lock whose digest no longer matches
(tools/locks.py check), which needs the package index.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tools import locks

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The repository's input files and locks, copied, with the lock tool pointed at the copy."""
    for lock in locks.LOCKS:
        for name in (lock.source, lock.target):
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / name, tmp_path / name)
    monkeypatch.setattr(locks, "ROOT", tmp_path)
    return tmp_path


@pytest.mark.parametrize("lock", locks.LOCKS, ids=lambda lock: lock.target)
def test_every_committed_lock_matches_its_inputs(lock: locks.Lock) -> None:
    assert locks.current(lock), f"{lock.target} is stale: run `make lock`"


@pytest.mark.parametrize("lock", locks.LOCKS, ids=lambda lock: lock.target)
def test_every_requirement_is_pinned_with_a_hash(lock: locks.Lock) -> None:
    text = (ROOT / lock.target).read_text(encoding="utf-8")

    assert locks.requirement_entries(text), "a lock with no requirement"
    assert locks.unhashed(text) == []


def test_every_input_file_is_compiled_into_a_lock() -> None:
    inputs = {p.relative_to(ROOT).as_posix() for p in ROOT.glob("**/requirements*.in")}
    inputs = {name for name in inputs if not name.startswith((".tox/", ".venv/"))}

    assert inputs == {lock.source for lock in locks.LOCKS}


def test_a_package_added_to_an_input_file_makes_the_locks_built_from_it_stale(copy: Path) -> None:
    # GIVEN the report's input file gains a package, and nothing is recompiled
    with (copy / "requirements-report.in").open("a", encoding="utf-8") as source:
        source.write("rich==14.0.0\n")

    # THEN the report's lock, and those whose input files include the report's, no longer match
    stale = {lock.target for lock in locks.LOCKS if not locks.current(lock)}
    assert stale == {"requirements-report.txt", "requirements-test.txt", "requirements-dev.txt"}


def test_a_hash_removed_from_a_lock_makes_it_stale(copy: Path) -> None:
    lock = next(lock for lock in locks.LOCKS if lock.target == "lambda/requirements.txt")
    path = copy / lock.target
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    first_hash = next(i for i, line in enumerate(lines) if "--hash=sha256:" in line)

    path.write_text("".join(lines[:first_hash] + lines[first_hash + 1 :]), encoding="utf-8")

    assert not locks.current(lock)


def test_a_requirement_without_any_hash_is_named() -> None:
    text = (
        "requests==2.34.2 \\\n"
        "    --hash=sha256:" + "0" * 64 + "\n"
        "    # via -r lambda/requirements.in\n"
        "idna==3.20\n"
        "urllib3>=2\n"
    )

    assert locks.unhashed(text) == ["idna==3.20 has no hash", "urllib3>=2 is not pinned with =="]


def test_an_environment_is_compared_with_the_lock_both_ways() -> None:
    installed = locks.installed_versions()
    pytest_version = installed["pytest"]
    text = (
        f"pytest=={pytest_version} \\\n    --hash=sha256:{'0' * 64}\n"
        f"not-a-real-package==1.0 \\\n    --hash=sha256:{'1' * 64}\n"
        f"pluggy==0.0.1 \\\n    --hash=sha256:{'2' * 64}\n"
        f"pywin32==312 ; sys_platform == 'win32' \\\n    --hash=sha256:{'3' * 64}\n"
    )

    problems = locks.environment_differences(text)

    assert "not-a-real-package==1.0 is locked but not installed" in problems
    assert f"pluggy is {installed['pluggy']}, the lock says 0.0.1" in problems
    assert not any(p.split()[0].split("==")[0] in {"pytest", "pywin32"} for p in problems)
    unlocked = {p.split("==")[0] for p in problems if p.endswith("is installed but not locked")}
    assert unlocked == set(installed) - {"pytest", "pluggy"}
