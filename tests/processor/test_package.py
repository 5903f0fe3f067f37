"""The deployment zip: reproducible, named by its content, and it runs from where it is unpacked.

The one place the processor tests reach beyond 127.0.0.1: building the zip installs the pinned
requirements from the package index, once for this module.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from fake_mysfits_api import CATALOG, FakeMysfitsApi
from processor_helpers import load_event

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from clickstream.commands.package import build_package, main  # noqa: E402


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_package(tmp_path_factory.mktemp("dist"))


def test_the_name_carries_the_content_hash(package: Path) -> None:
    match = re.fullmatch(r"processor-([0-9a-f]{16})\.zip", package.name)

    assert match
    assert hashlib.sha256(package.read_bytes()).hexdigest().startswith(match[1])


def test_a_second_build_gives_the_same_bytes(package: Path, tmp_path: Path, capsys) -> None:
    # WHEN built again, through the command line this time
    assert main(["--output-dir", str(tmp_path)]) == 0

    # THEN it prints the path of a zip identical to the first
    again = Path(capsys.readouterr().out.strip())
    assert again == tmp_path / package.name
    assert again.read_bytes() == package.read_bytes()


def test_entries_are_sorted_with_fixed_times_and_permissions(package: Path) -> None:
    with zipfile.ZipFile(package) as archive:
        entries = archive.infolist()

    names = [entry.filename for entry in entries]
    assert names == sorted(names)
    assert {entry.date_time for entry in entries} == {(1980, 1, 1, 0, 0, 0)}
    assert {entry.external_attr >> 16 for entry in entries} == {0o100644}


def test_it_holds_the_handler_and_its_requirements_and_nothing_else(package: Path) -> None:
    with zipfile.ZipFile(package) as archive:
        names = archive.namelist()
    tops = {name.split("/")[0] for name in names}

    assert {"processor.py", "click_enrichment", "requests", "aws_lambda_powertools"} <= tops
    assert "click_enrichment/lookup.py" in names
    assert not tops & {"boto3", "botocore", "bin", "tests"}
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in names if n.endswith((".dist-info/RECORD", ".dist-info/INSTALLER"))]
    # Built for the function's architecture and Python, not this machine's.
    binaries = [n for n in names if n.endswith(".so")]
    assert binaries and all("cpython-313-aarch64-linux-gnu" in n for n in binaries)


def test_it_holds_exactly_the_locked_versions(package: Path) -> None:
    # GIVEN the processor's lock: name==version of each package, hashes aside
    lock = (ROOT / "lambda" / "requirements.txt").read_text(encoding="utf-8")
    pins = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", lock, re.MULTILINE)
    locked = {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in pins}

    # WHEN the zip's installed distributions are read from their metadata folders
    with zipfile.ZipFile(package) as archive:
        folders = {n.split("/")[0] for n in archive.namelist() if ".dist-info/" in n}
    shipped = {}
    for folder in folders:
        name, version = folder.removesuffix(".dist-info").rsplit("-", 1)
        shipped[re.sub(r"[-_.]+", "-", name).lower()] = version

    # THEN they are the lock's, no more and no fewer
    assert locked
    assert shipped == locked


RUN_HANDLER = """
import json, sys
sys.path.insert(0, sys.argv[1])
import processor, requests

class Context:
    function_name = "MysfitsClickProcessor"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:MysfitsClickProcessor"
    aws_request_id = "c0ffee00-0000-4000-8000-000000000000"
    def get_remaining_time_in_millis(self):
        return 60000

response = processor.handler(json.load(sys.stdin), Context())
print(json.dumps({"response": response, "requests_from": requests.__file__}))
"""


def test_the_unpacked_zip_imports_and_runs(package: Path, tmp_path: Path) -> None:
    # GIVEN the zip unpacked, as Lambda does, and a Mysfits API
    code = tmp_path / "task"
    with zipfile.ZipFile(package) as archive:
        archive.extractall(code)
    event = load_event("valid_clicks.json")

    # WHEN a Python with nothing but the standard library invokes the handler from there
    with FakeMysfitsApi() as api:
        result = subprocess.run(
            [sys.executable, "-I", "-S", "-c", RUN_HANDLER, str(code)],
            input=json.dumps(event),
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
            env={
                "MYSFITS_API_URL": api.url,
                "POWERTOOLS_SERVICE_NAME": "clickstream-processor",
                "POWERTOOLS_METRICS_NAMESPACE": "MysfitsClickStream",
            },
        )

    # THEN it enriches the clicks, with the libraries from the zip
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout.splitlines()[-1])
    assert Path(output["requests_from"]).is_relative_to(code)
    records = output["response"]["records"]
    assert [r["result"] for r in records] == ["Ok", "Ok", "Ok"]
    assert api.requests == {CATALOG: 1}


def test_main_reports_a_failure_in_one_line(tmp_path: Path, capsys) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")

    assert main(["--output-dir", str(blocked)]) == 2

    err = capsys.readouterr().err
    assert err.startswith("package: error: cannot write to ") and err.count("\n") == 1
