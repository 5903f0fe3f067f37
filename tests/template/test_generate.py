"""generate.py: the committed template is what the code generates, byte for byte."""

from __future__ import annotations

import difflib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from clickstream.template import TEMPLATE_FILE, render

ROOT = Path(__file__).resolve().parents[2]
GENERATE = ROOT / "generate.py"
# `aws cloudformation deploy` uploads a larger template only through --s3-bucket, and
# CloudFormation takes at most 1 MB from S3.
INLINE_TEMPLATE_LIMIT = 51_200
S3_TEMPLATE_LIMIT = 1_000_000
README = ROOT / "README.md"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(GENERATE), *args], cwd=cwd, capture_output=True, text=True
    )


def test_committed_template_equals_generated():
    committed = (ROOT / "templates" / TEMPLATE_FILE).read_text(encoding="utf-8")
    generated = render()[TEMPLATE_FILE]
    diff = "".join(
        difflib.unified_diff(
            committed.splitlines(True), generated.splitlines(True), "committed", "generated"
        )
    )
    assert not diff, f"templates/ is stale; run `python generate.py`:\n{diff}"


def test_output_is_the_same_bytes_every_run(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    assert run("--output-dir", str(first)).returncode == 0
    assert run("--output-dir", str(second)).returncode == 0
    assert (first / TEMPLATE_FILE).read_bytes() == (second / TEMPLATE_FILE).read_bytes()


def test_output_has_sorted_keys_and_a_trailing_newline():
    text = render()[TEMPLATE_FILE]
    unsorted = []

    def check(pairs):
        keys = [key for key, _ in pairs]
        if keys != sorted(keys):
            unsorted.append(keys)
        return dict(pairs)

    json.loads(text, object_pairs_hook=check)
    assert unsorted == []
    assert text.endswith("}\n") and not text.endswith("\n\n")


def test_template_fits_the_limit_for_templates_read_from_s3():
    size = len(render()[TEMPLATE_FILE].encode("utf-8"))
    assert size < S3_TEMPLATE_LIMIT, f"{size} bytes is more than CloudFormation reads"


def test_readme_deploy_uploads_a_template_over_the_inline_limit():
    size = len(render()[TEMPLATE_FILE].encode("utf-8"))
    deploy = README.read_text(encoding="utf-8").split("aws cloudformation deploy \\\n", 1)[1]
    deploy = deploy.split("```", 1)[0]
    if size >= INLINE_TEMPLATE_LIMIT:
        assert "--s3-bucket" in deploy, f"{size} bytes needs `deploy --s3-bucket`"


def test_check_passes_on_current_templates():
    result = run("--check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_check_reports_stale_template_with_a_diff_and_writes_nothing(tmp_path):
    stale = tmp_path / TEMPLATE_FILE
    text = render()[TEMPLATE_FILE].replace('"python3.13"', '"python3.9"')
    stale.write_text(text, encoding="utf-8")
    result = run("--check", "--output-dir", str(tmp_path))
    assert result.returncode == 1
    assert result.stdout.startswith("---")
    assert '-    "Runtime": "python3.9",' in result.stdout
    assert '+    "Runtime": "python3.13",' in result.stdout
    assert "python generate.py" in result.stderr
    assert stale.read_text(encoding="utf-8") == text


def test_check_reports_missing_template(tmp_path):
    result = run("--check", "--output-dir", str(tmp_path / "empty"))
    assert result.returncode == 1
    assert not (tmp_path / "empty").exists()


def test_unknown_option_is_one_line_and_exit_2():
    result = run("--frobnicate")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "--frobnicate" in result.stderr


def test_output_path_that_is_a_file_is_one_line_and_exit_2(tmp_path):
    blocker = tmp_path / "templates"
    blocker.write_text("not a folder")
    result = run("--output-dir", str(blocker))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "cannot write" in result.stderr
    assert blocker.read_text() == "not a folder"


def test_help_names_every_command():
    result = run("--help")
    assert result.returncode == 0
    for word in ("--check", "--output-dir", "package", "web-config"):
        assert word in result.stdout


def run_without_site_packages(*args: str) -> subprocess.CompletedProcess:
    """generate.py on this Python without its site-packages (-S), as on a Python where
    nothing from the requirements files is installed."""
    return subprocess.run(
        [sys.executable, "-S", str(GENERATE), *args], cwd=ROOT, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    ("args", "install"),
    [
        ((), "python -m pip install -r requirements.txt"),
        (("--check",), "python -m pip install -r requirements.txt"),
        (
            ("report", "--bucket-dir", "local-bucket"),
            "python -m pip install -r requirements.txt -r requirements-report.txt",
        ),
    ],
)
def test_a_missing_package_is_one_line_naming_the_install_command(args, install):
    bare = subprocess.run([sys.executable, "-S", "-c", "import troposphere"], capture_output=True)
    assert bare.returncode != 0, "troposphere is importable without site-packages"

    result = run_without_site_packages(*args)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "the package 'troposphere' is not installed" in lines[0]
    assert install in lines[0] and ".venv/bin/python" in lines[0]


def test_a_missing_module_of_the_project_itself_is_not_called_a_package():
    sys.path.insert(0, str(ROOT))
    try:
        from generate import missing_package
    finally:
        sys.path.remove(str(ROOT))

    assert missing_package(ModuleNotFoundError(name="clickstream.nothing"), None) is None
    assert "'duckdb'" in missing_package(ModuleNotFoundError(name="duckdb.core"), "report")
