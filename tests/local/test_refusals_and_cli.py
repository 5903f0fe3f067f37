"""The runner refuses with one clear line; the command line prints its URLs and stops cleanly."""

from __future__ import annotations

import copy
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import requests

from clickstream.local import LocalPipeline, LocalRunnerError, TemplateError

from .conftest import REPOSITORY, start_runner

CLI = [sys.executable, "-m", "clickstream.local"]


def run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=timeout, cwd=REPOSITORY
    )


def test_a_missing_template_suggests_generating_it(tmp_path):
    with pytest.raises(TemplateError, match=r"python generate\.py"):
        LocalPipeline(tmp_path / "templates" / "clickstream.json", tmp_path / "bucket").start()


def test_a_template_without_a_delivery_stream_is_refused(
    tmp_path, write_template, template_document
):
    document = copy.deepcopy(template_document)
    document["Resources"] = {
        k: r
        for k, r in document["Resources"].items()
        if r["Type"] != "AWS::KinesisFirehose::DeliveryStream"
    }
    # Nothing may refer to the stream any more.
    text = json.dumps(document)
    for stream in [k for k, r in template_document["Resources"].items()
                   if r["Type"] == "AWS::KinesisFirehose::DeliveryStream"]:  # fmt: skip
        text = text.replace(json.dumps({"Ref": stream}), '"gone"')
        text = text.replace(json.dumps({"Fn::GetAtt": [stream, "Arn"]}), '"gone"')
    path = write_template(json.loads(text))

    with pytest.raises(TemplateError, match="DeliveryStream"):
        LocalPipeline(path, tmp_path / "bucket", web_dir=None).start()


def test_a_template_without_a_rest_api_is_refused(tmp_path, write_template):
    path = write_template({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})

    with pytest.raises(TemplateError):
        LocalPipeline(path, tmp_path / "bucket", web_dir=None).start()


def test_a_port_in_use_is_refused_and_nothing_keeps_running(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        pipeline = LocalPipeline(
            REPOSITORY / "templates" / "clickstream.json",
            tmp_path / "bucket",
            web_dir=None,
            api_port=port,
        )
        with pytest.raises(LocalRunnerError, match=f"port {port}.*in use"):
            pipeline.start()
    assert pipeline._servers == []


def test_cli_refuses_a_missing_template_in_one_line(tmp_path):
    result = run_cli("--template", str(tmp_path / "nope.json"), "--bucket-dir", str(tmp_path))

    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "python generate.py" in lines[0]


@pytest.mark.parametrize("flag", ["--api-port", "--web-port", "--cognito-port"])
def test_cli_refuses_a_port_in_use_in_one_line_naming_the_flag_and_make_variable(tmp_path, flag):
    ports = {
        "--api-port": "0",
        "--web-port": "0",
        "--mysfits-port": "0",
        "--firehose-port": "0",
        "--cognito-port": "0",
    }
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        ports[flag] = str(port)
        result = run_cli("--bucket-dir", str(tmp_path), *[a for p in ports.items() for a in p])

    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert str(port) in lines[0] and "in use" in lines[0]
    assert f"pick another with {flag} N" in lines[0]
    assert f'make run RUN_ARGS="{flag} N"' in lines[0]


def make_run_args(run_args: str) -> list[str]:
    """The runner's arguments in the command ``make run RUN_ARGS=...`` would run."""
    dry_run = subprocess.run(
        ["make", "-n", "run", f"RUN_ARGS={run_args}"],
        capture_output=True, text=True, timeout=30, cwd=REPOSITORY, check=True,
    )  # fmt: skip
    (line,) = [line for line in dry_run.stdout.splitlines() if "generate.py local" in line]
    return line.split("generate.py local", 1)[1].split()


def test_make_run_keeps_its_defaults_when_ports_and_flags_are_added():
    from clickstream.local.__main__ import parse_args

    plain = parse_args(make_run_args(""))
    added = parse_args(make_run_args("--web-port 9000 --api-port 9001 --verbose"))

    assert plain.interval_scale == 0.1
    assert (added.interval_scale, added.web_port, added.api_port, added.verbose) == (
        0.1, 9000, 9001, True,
    )  # fmt: skip


def test_make_run_lets_a_flag_override_a_default():
    from clickstream.local.__main__ import parse_args

    assert parse_args(make_run_args("--interval-scale 1")).interval_scale == 1.0


def test_cli_serves_prints_urls_logs_requests_and_flushes_on_interrupt(tmp_path):
    bucket = tmp_path / "bucket"
    process, urls = start_runner(bucket)
    try:
        assert set(urls) == {"site", "clicks API", "Mysfits API"}, urls
        mysfit = requests.get(f"{urls['Mysfits API']}/mysfits", timeout=10).json()["mysfits"][0]
        click = {"userId": "cli", "mysfitId": mysfit["mysfitId"]}
        answer = requests.put(f"{urls['clicks API']}/clicks", json=click, timeout=10)
        assert answer.status_code == 200
        assert requests.get(urls["site"], timeout=10).status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)

    assert process.returncode == 0, err
    assert "PUT /prod/clicks -> 200" in err
    assert sum("batch of" in line for line in err.splitlines()) == 1
    (delivered,) = [p for p in bucket.rglob("*") if p.is_file()]
    rows = pq.read_table(delivered).to_pylist()
    assert [(row["userid"], row["mysfitid"]) for row in rows] == [("cli", mysfit["mysfitId"])]


def test_cli_help_lists_the_documented_options():
    result = run_cli("--help")

    for option in ("--template", "--bucket-dir", "--mysfits-api", "--interval-scale",
                   "--api-port", "--mysfits-port", "--web-port"):  # fmt: skip
        assert option in result.stdout


def test_cli_runs_from_any_directory(tmp_path):
    result = subprocess.run(
        [*CLI, "--template", str(Path(tmp_path) / "x.json")],
        capture_output=True, text=True, cwd=tmp_path, timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
    )  # fmt: skip

    assert result.returncode == 2
    assert "not found" in result.stderr


def test_a_parameter_value_cloudformation_would_refuse_is_refused(tmp_path, template_document):
    name = next(n for n, s in template_document["Parameters"].items() if "AllowedPattern" in s)

    with pytest.raises(TemplateError, match=name):
        LocalPipeline(
            REPOSITORY / "templates" / "clickstream.json",
            tmp_path / "bucket",
            web_dir=None,
            parameters={name: "has spaces and \n newlines"},
        ).start()


def test_cli_log_lines_carry_no_terminal_escapes(tmp_path):
    process, urls = start_runner(tmp_path / "bucket")
    try:
        host, port = urls["site"].removeprefix("http://").rstrip("/").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(
                b"GET /\x1b]0;owned\x07\x1b[2J HTTP/1.1\r\n"
                b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n"
            )
            while sock.recv(65536):
                pass
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)

    assert "/\\x1b]0;owned\\x07\\x1b[2J" in err
    assert "\x1b" not in err and "\x07" not in err


@pytest.mark.parametrize(
    ("parameter", "named"),
    [("ThrottlingRateLimit=lots", "ThrottlingRateLimit"), ("NoSuchParameter=1", "NoSuchParameter")],
)
def test_cli_refuses_a_bad_parameter_in_one_line_before_any_service_starts(
    tmp_path, parameter, named
):
    # GIVEN a parameter the template refuses, and a port already taken (a service started first
    # would be refused for the port instead)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = run_cli(
            "--bucket-dir", str(tmp_path / "bucket"), "--parameter", parameter,
            "--api-port", "0", "--web-port", "0", "--mysfits-port", "0",
            "--firehose-port", "0", "--cognito-port", port,
        )  # fmt: skip

    # THEN one line names the parameter, and nothing else was printed or written
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert named in lines[0] and "in use" not in lines[0]
    assert result.stdout == ""
    assert not (tmp_path / "bucket").exists()
