"""Fixtures for the local runner: the generated template, modified copies, running pipelines."""

from __future__ import annotations

import copy
import json
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from clickstream.local import LocalPipeline

REPOSITORY = Path(__file__).resolve().parents[2]
TEMPLATE = REPOSITORY / "templates" / "clickstream.json"
STANDINS = Path(__file__).with_name("standins")
# Small enough that a 60 s processor interval becomes a fraction of a second.
FAST = 0.005


@pytest.fixture
def template_document() -> dict[str, Any]:
    if not TEMPLATE.is_file():
        pytest.skip(f"{TEMPLATE} is not generated yet")
    return json.loads(TEMPLATE.read_text(encoding="utf-8"))


JSON = {"Content-Type": "application/json"}


def put_click(pipeline: LocalPipeline, body: Any, headers: dict[str, str] = JSON):
    """PUT a click (a dict, or a raw body) to the pipeline's clicks API."""
    data = body if isinstance(body, str) else json.dumps(body)
    return requests.put(f"{pipeline.api_url}/clicks", data=data, headers=headers, timeout=10)


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
EDGE_ID = re.compile(r"[A-Za-z0-9+/]{15}=")


def sent_click(raw: str) -> dict[str, Any]:
    """The body a record of PUT /clicks was made from: the record less what API Gateway added,
    which must be there (the event, the unauthenticated mark, receipt time, user agent)."""
    record = json.loads(raw)
    assert record.pop("event") == "profile"
    assert record.pop("authenticated") is False
    assert type(record.pop("receivedAt")) is int
    assert isinstance(record.pop("userAgent"), str)
    if not UUID.fullmatch(record.get("visitorId", "")):
        # A body without visitorId: API Gateway's extended request id is the visitor.
        assert EDGE_ID.fullmatch(record.pop("visitorId"))
    return record


def start_runner(bucket: Path, *extra: str, stderr: Any = subprocess.PIPE):
    """``python -m clickstream.local`` on free ports: the process and its banner's URLs."""
    process = subprocess.Popen(
        [sys.executable, "-m", "clickstream.local", "--bucket-dir", str(bucket),
         "--web-port", "0", "--api-port", "0", "--mysfits-port", "0",
         "--firehose-port", "0", "--cognito-port", "0", *extra],
        stdout=subprocess.PIPE, stderr=stderr, text=True, cwd=REPOSITORY,
    )  # fmt: skip
    banner = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        banner.append(line)
        if "Ctrl-C" in line or not line:
            break
    return process, runner_urls("".join(banner))


def runner_urls(output: str) -> dict[str, str]:
    """The runner banner's URLs by label: site, clicks API, Mysfits API."""
    found = {}
    for line in output.splitlines():
        for label in ("site", "clicks API", "Mysfits API"):
            if line.strip().startswith(label + " "):
                found[label] = next(w for w in line.split() if w.startswith("http://"))
    return found


def resources(document: dict[str, Any], resource_type: str) -> list[dict[str, Any]]:
    """Every resource of one type (found by type, never by logical id)."""
    return [r for r in document["Resources"].values() if r["Type"] == resource_type]


def logical_ids(document: dict[str, Any], resource_type: str) -> list[str]:
    return [k for k, r in document["Resources"].items() if r["Type"] == resource_type]


def method(document: dict[str, Any], http_method: str, *, signed_in: bool = False) -> dict:
    """The anonymous method of /clicks (or, ``signed_in``, of /clicks/signed-in)."""
    (found,) = [
        r for r in resources(document, "AWS::ApiGateway::Method")
        if r["Properties"]["HttpMethod"] == http_method
        and ("Condition" in r) == signed_in
    ]  # fmt: skip
    return found["Properties"]


def delivery_destination(document: dict[str, Any]) -> dict[str, Any]:
    (stream,) = resources(document, "AWS::KinesisFirehose::DeliveryStream")
    return stream["Properties"]["ExtendedS3DestinationConfiguration"]


def processor_parameters(document: dict[str, Any]) -> dict[str, Any]:
    (processor,) = delivery_destination(document)["ProcessingConfiguration"]["Processors"]
    return {p["ParameterName"]: p["ParameterValue"] for p in processor["Parameters"]}


def processor_function(document: dict[str, Any]) -> dict[str, Any]:
    (function,) = resources(document, "AWS::Lambda::Function")
    return function["Properties"]


def gateway_response(document: dict[str, Any], response_type: str) -> dict[str, Any]:
    (found,) = [
        r["Properties"] for r in resources(document, "AWS::ApiGateway::GatewayResponse")
        if r["Properties"]["ResponseType"] == response_type
    ]  # fmt: skip
    return found


def model_schema(document: dict[str, Any], name: str = "Click") -> dict[str, Any]:
    (model,) = [
        r for r in resources(document, "AWS::ApiGateway::Model") if r["Properties"]["Name"] == name
    ]
    schema = model["Properties"]["Schema"]
    return json.loads(schema) if isinstance(schema, str) else schema


def header_value(value: Any, parameters: dict[str, str]) -> str:
    """A response parameter's header value: a quoted literal, or Fn::Sub of parameters."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        text, variables = value["Fn::Sub"]
        for name, ref in variables.items():
            text = text.replace("${" + name + "}", parameters[ref["Ref"]])
        value = text
    assert value.startswith("'") and value.endswith("'"), value
    return value[1:-1]


def expected_headers(
    response_parameters: dict[str, Any], prefix: str, parameters: dict[str, str]
) -> dict[str, str]:
    return {
        key.removeprefix(prefix): header_value(value, parameters)
        for key, value in response_parameters.items()
    }


def with_standin(document: dict[str, Any], handler: str) -> dict[str, Any]:
    """A copy of the template whose processor's Handler is a stand-in from tests/local/standins.
    What a stand-in returns is not an enriched click: the copy's stream writes it as it is,
    without record format conversion."""
    document = copy.deepcopy(document)
    processor_function(document)["Handler"] = f"standins.{handler}"
    delivery_destination(document).pop("DataFormatConversionConfiguration")
    return document


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def write_template(tmp_path: Path) -> Callable[[dict[str, Any]], Path]:
    def write(document: dict[str, Any]) -> Path:
        path = tmp_path / "templates" / "clickstream.json"
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(document, indent=1), encoding="utf-8")
        return path

    return write


@pytest.fixture
def start_pipeline(tmp_path: Path) -> Iterator[Callable[..., LocalPipeline]]:
    """Start a LocalPipeline (stopped after the test); defaults: the generated template, fast."""
    started: list[LocalPipeline] = []

    def start(template: Path = TEMPLATE, **options: Any) -> LocalPipeline:
        options.setdefault("bucket_dir", tmp_path / f"bucket-{len(started)}")
        options.setdefault("interval_scale", FAST)
        options.setdefault("web_dir", None)
        if template != TEMPLATE:
            options.setdefault(
                "code_dir",
                STANDINS if _uses_standin(template) else REPOSITORY / "lambda",
            )
        pipeline = LocalPipeline(template, **options)
        pipeline.start()
        started.append(pipeline)
        return pipeline

    yield start
    for pipeline in started:
        pipeline.stop()


def _uses_standin(template: Path) -> bool:
    document = json.loads(template.read_text(encoding="utf-8"))
    return processor_function(document)["Handler"].startswith("standins.")
