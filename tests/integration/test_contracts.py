"""Where the template meets the processor: names on one side must exist on the other."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from clickstream.template import TEMPLATE_FILE, render

ROOT = Path(__file__).resolve().parents[2]
LAMBDA = ROOT / "lambda"


@pytest.fixture(scope="module")
def template() -> dict:
    return json.loads(render()[TEMPLATE_FILE])


@pytest.fixture(scope="module")
def function(template) -> dict:
    (function,) = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function"
    ]
    return function


def run_handler(function: dict, event: dict) -> tuple[dict, list[dict]]:
    """Invoke the handler named by the template, in a fresh interpreter, with the template's
    static environment; return its response and the JSON lines it printed."""
    module, name = function["Handler"].rsplit(".", 1)
    env = {
        key: value
        for key, value in function["Environment"]["Variables"].items()
        if isinstance(value, str)
    }
    script = f"""
import json, sys
from types import SimpleNamespace
sys.path.insert(0, {str(LAMBDA)!r})
from {module} import {name} as handler
context = SimpleNamespace(
    get_remaining_time_in_millis=lambda: 60_000, function_name="processor",
    memory_limit_in_mb=256, aws_request_id="req-1",
    invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:processor",
)
response = handler(json.loads(sys.stdin.read()), context)
print("RESPONSE " + json.dumps(response))
"""
    result = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(event),
        capture_output=True,
        text=True,
        env={
            **os.environ,
            **env,
            "MYSFITS_API_URL": "http://127.0.0.1:9",
            "MYSFITS_TABLE_ARN": "",
            "AWS_DEFAULT_REGION": "us-east-1",
        },
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    response = json.loads(next(line for line in lines if line.startswith("RESPONSE "))[9:])
    printed = [json.loads(line) for line in lines if line.startswith("{")]
    return response, printed


def test_template_handler_names_a_function_in_lambda(function):
    module, name = function["Handler"].rsplit(".", 1)
    source = (LAMBDA / f"{module}.py").read_text(encoding="utf-8")
    assert f"def {name}(" in source


def test_template_sets_only_variables_the_processor_reads(function):
    sys.path.insert(0, str(LAMBDA))
    try:
        from click_enrichment.settings import DEFAULTS
    finally:
        sys.path.remove(str(LAMBDA))
    read = {"MYSFITS_API_URL", "MYSFITS_TABLE_ARN", *DEFAULTS}
    variables = set(function["Environment"]["Variables"])
    assert {"MYSFITS_API_URL", "MYSFITS_TABLE_ARN"} <= variables
    assert {v for v in variables if not v.startswith("POWERTOOLS_")} <= read


def test_processing_failed_alarm_watches_a_metric_the_processor_emits(template, function):
    event = {
        "invocationId": "inv-1",
        "deliveryStreamArn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/clicks",
        "region": "us-east-1",
        "records": [
            {
                "recordId": "r-1",
                "approximateArrivalTimestamp": 1_767_225_600_000,
                "data": base64.b64encode(b"not json").decode(),
            }
        ],
    }
    response, printed = run_handler(function, event)
    assert [(r["recordId"], r["result"]) for r in response["records"]] == [
        ("r-1", "ProcessingFailed")
    ]

    namespace = function["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"]
    (alarm,) = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm" and r["Properties"]["Namespace"] == namespace
    ]
    dimensions = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
    emitted = [
        doc
        for doc in printed
        if "_aws" in doc
        and any(
            directive["Namespace"] == namespace
            and {m["Name"] for m in directive["Metrics"]} >= {alarm["MetricName"]}
            and sorted(directive["Dimensions"][0]) == sorted(dimensions)
            for directive in doc["_aws"]["CloudWatchMetrics"]
        )
    ]
    assert len(emitted) == 1, printed
    (document,) = emitted
    assert all(document[name] == value for name, value in dimensions.items())
    value = document[alarm["MetricName"]]
    assert (value[0] if isinstance(value, list) else value) == 1


def test_readme_lists_every_processor_tunable_with_its_default():
    sys.path.insert(0, str(LAMBDA))
    try:
        from click_enrichment.settings import DEFAULTS
    finally:
        sys.path.remove(str(LAMBDA))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = {
        line.split("|")[1].strip().strip("`"): line.split("|")[2].strip().strip("`")
        for line in readme.splitlines()
        if line.startswith("| `") and line.split("|")[1].strip().strip("`") in DEFAULTS
    }
    assert set(rows) == set(DEFAULTS)
    for name, default in DEFAULTS.items():
        assert float(rows[name]) == float(default), name
