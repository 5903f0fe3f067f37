"""The runner's command line, both doors (``generate.py local`` and ``python -m
clickstream.local``): a port another runner holds is named as such, and a Python without the
packages gets one line naming the install command."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from clickstream.local import LocalPipeline

from .conftest import REPOSITORY, TEMPLATE

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


def with_ports(**ports: int) -> list[str]:
    """FREE with some ports given: with_ports(web=8000) sets --web-port 8000."""
    args = list(FREE)
    for role, port in ports.items():
        args[args.index(f"--{role}-port") + 1] = str(port)
    return args


@pytest.fixture
def running(tmp_path):
    """A local runner already serving (the site included) on free ports."""
    pipeline = LocalPipeline(TEMPLATE, tmp_path / "first-bucket", web_dir=REPOSITORY / "web")
    pipeline.start()
    yield pipeline
    pipeline.stop()


def port_of(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None
    return port


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("taken", ["web", "api"])
def test_a_port_held_by_a_runner_says_a_runner_is_probably_running(running, tmp_path, door, taken):
    # GIVEN a runner serving its site on S and its clicks API on A
    site, api = port_of(running.web_url), port_of(running.api_url)
    # WHEN a second one is started on the same site port, or on the same site and API ports
    # (as `make run` twice would)
    ports = {"web": site} if taken == "web" else {"web": site, "api": api}

    result = run_door(door, "--bucket-dir", str(tmp_path / "second"), *with_ports(**ports))

    # THEN one line says which port is held and that a runner is probably running on the site's
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    held = site if taken == "web" else api
    assert lines[0].startswith(f"{door}: error: port {held} ")
    assert f"a local runner is probably already running on port {site} " in lines[0]
    assert "stop it, or pick other ports with --web-port N --api-port N" in lines[0]
    assert not (tmp_path / "second").exists()


class _OtherJson(BaseHTTPRequestHandler):
    """A server that is not the runner, answering /_local/runner.json with other JSON."""

    def do_GET(self) -> None:
        body = json.dumps({"runner": "something-else"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_a_port_held_by_something_else_is_not_called_a_runner(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OtherJson)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        result = run_door(
            "python -m clickstream.local",
            "--bucket-dir", str(tmp_path / "bucket"), *with_ports(web=port),
        )  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"port {port} " in lines[0] and "local runner" not in lines[0]
    assert "pick another with --web-port N" in lines[0]


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


def test_the_banners_replay_command_runs_as_printed(tmp_path):
    # GIVEN a runner started from the repository, as make run starts it
    bucket = tmp_path / "bucket"
    bucket.mkdir()
    process = subprocess.Popen(
        [sys.executable, *DOORS["generate.py local"], "--bucket-dir", str(bucket), *FREE],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPOSITORY,
    )  # fmt: skip
    try:
        banner = []
        for line in process.stdout:
            banner.append(line)
            if "Ctrl-C" in line:
                break
        (firehose,) = [line for line in banner if line.strip().startswith("Firehose API")]
        command = firehose.rsplit("(", 1)[1].rstrip().removesuffix(")").split()

        # WHEN the replay command it prints is typed as it stands, in the repository
        result = subprocess.run(
            [*command, "--dry-run"], capture_output=True, text=True, timeout=60, cwd=REPOSITORY
        )
    finally:
        process.terminate()
        process.wait(timeout=60)

    # THEN it names this Python, as a path that works from there, and it runs
    assert (REPOSITORY / command[0]).resolve() == Path(sys.executable).resolve()
    assert command[1:3] == ["generate.py", "replay"]
    assert result.returncode == 0, result.stderr
