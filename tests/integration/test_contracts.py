"""Where the template meets the processor: names on one side must exist on the other."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from clickstream.local.cloudformation import ResolvedTemplate

ROOT = Path(__file__).resolve().parents[2]
LAMBDA = ROOT / "lambda"


def run_handler(
    function: dict, event: dict, mysfits_api_url: str = "http://127.0.0.1:9"
) -> tuple[dict, list[dict]]:
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
            "MYSFITS_API_URL": mysfits_api_url,
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


# --- Every metric an alarm or the dashboard reads is one this stack emits ----------------------

# What AWS publishes for each resource type of this stack: namespace, the dimension and how its
# value comes from the resource, and the metric names (the API Gateway, Firehose and Lambda
# developer guides' metric tables). API Gateway's REST API metrics carry the API's *name*.
AWS_METRICS = {
    "AWS::ApiGateway::Stage": (
        "AWS/ApiGateway",
        {"Count", "4XXError", "5XXError", "Latency", "IntegrationLatency", "CacheHitCount"},
    ),
    "AWS::KinesisFirehose::DeliveryStream": (
        "AWS/Firehose",
        {
            "IncomingRecords",
            "IncomingBytes",
            "ExecuteProcessing.Success",
            "ExecuteProcessing.Duration",
            "SucceedProcessing.Records",
            "SucceedProcessing.Bytes",
            "DeliveryToS3.Success",
            "DeliveryToS3.DataFreshness",
            "DeliveryToS3.Records",
            "DeliveryToS3.Bytes",
            "SucceedConversion.Records",
            "FailedConversion.Records",
        },
    ),
    "AWS::Lambda::Function": (
        "AWS/Lambda",
        {"Invocations", "Errors", "Throttles", "Duration", "ConcurrentExecutions"},
    ),
}

Key = tuple[str, str, frozenset]


def resolved(document: dict, stack_name: str) -> ResolvedTemplate:
    required = {
        "MysfitsTableArn": "arn:aws:dynamodb:us-east-1:123456789012:table/MysfitsTable",
        "MysfitsApiUrl": "http://127.0.0.1:9",
        "LambdaCodeBucket": "code-bucket",
        "LambdaCodeKey": "processor.zip",
    }
    return ResolvedTemplate(document, parameters=required, pseudo={"AWS::StackName": stack_name})


def aws_metrics(stack: ResolvedTemplate) -> set[Key]:
    emitted: set[Key] = set()
    for logical_id, resource in stack.resources.items():
        kind = resource["Type"]
        if kind not in AWS_METRICS:
            continue
        namespace, names = AWS_METRICS[kind]
        properties = stack.properties(logical_id)
        if kind == "AWS::ApiGateway::Stage":
            api_id = stack.document["Resources"][logical_id]["Properties"]["RestApiId"]["Ref"]
            dimensions = {
                "ApiName": stack.properties(api_id)["Name"],
                "Stage": properties["StageName"],
            }
        elif kind == "AWS::KinesisFirehose::DeliveryStream":
            dimensions = {"DeliveryStreamName": stack.physical_name(logical_id)}
        else:
            dimensions = {"FunctionName": stack.physical_name(logical_id)}
        emitted |= {(namespace, name, frozenset(dimensions.items())) for name in names}
    return emitted


def processor_metrics(stack: ResolvedTemplate) -> set[Key]:
    """What the processor publishes, as its EMF lines say, run with the stack's environment."""
    ((logical_id, _),) = list(stack.of_type("AWS::Lambda::Function"))
    function = stack.properties(logical_id)
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
    assert [r["result"] for r in response["records"]] == ["ProcessingFailed"]
    emitted: set[Key] = set()
    for document in printed:
        for directive in document.get("_aws", {}).get("CloudWatchMetrics", []):
            for dimension_set in directive["Dimensions"]:
                dimensions = frozenset((name, document[name]) for name in dimension_set)
                emitted |= {
                    (directive["Namespace"], metric["Name"], dimensions)
                    for metric in directive["Metrics"]
                }
    return emitted


def alarm_reads(stack: ResolvedTemplate) -> set[Key]:
    def key(metric: dict) -> Key:
        dimensions = frozenset((d["Name"], d["Value"]) for d in metric.get("Dimensions", []))
        return (metric["Namespace"], metric["MetricName"], dimensions)

    reads: set[Key] = set()
    for logical_id, _ in stack.of_type("AWS::CloudWatch::Alarm"):
        alarm = stack.properties(logical_id)
        if "MetricName" in alarm:
            reads.add(key(alarm))
        for query in alarm.get("Metrics", []):
            if "MetricStat" in query:
                reads.add(key(query["MetricStat"]["Metric"]))
    return reads


def dashboard_reads(stack: ResolvedTemplate) -> set[Key]:
    reads: set[Key] = set()
    for logical_id, _ in stack.of_type("AWS::CloudWatch::Dashboard"):
        body = json.loads(stack.properties(logical_id)["DashboardBody"])
        for widget in body["widgets"]:
            for line in widget["properties"].get("metrics", []):
                if not isinstance(line[0], str):
                    continue  # a metric-math expression over the lines that are metrics
                names = [part for part in line if isinstance(part, str)]
                namespace, metric, *pairs = names
                dimensions = frozenset(zip(pairs[::2], pairs[1::2], strict=True))
                reads.add((namespace, metric, dimensions))
    return reads


@pytest.fixture(scope="module")
def stacks(template) -> dict[str, ResolvedTemplate]:
    return {name: resolved(template, name) for name in ("clicks-a", "clicks-b")}


@pytest.fixture(scope="module")
def emitted(stacks) -> dict[str, set[Key]]:
    return {name: aws_metrics(stack) | processor_metrics(stack) for name, stack in stacks.items()}


def test_every_metric_an_alarm_reads_is_emitted_by_this_stack(stacks, emitted):
    reads = alarm_reads(stacks["clicks-a"])
    assert len(reads) >= 7
    assert reads <= emitted["clicks-a"], sorted(reads - emitted["clicks-a"])


def test_every_metric_the_dashboard_reads_is_emitted_by_this_stack(stacks, emitted):
    reads = dashboard_reads(stacks["clicks-a"])
    assert len(reads) >= 20
    assert reads <= emitted["clicks-a"], sorted(reads - emitted["clicks-a"])


def test_two_stacks_in_one_account_read_only_their_own_metrics(stacks, emitted):
    for name, other in (("clicks-a", "clicks-b"), ("clicks-b", "clicks-a")):
        reads = alarm_reads(stacks[name]) | dashboard_reads(stacks[name])
        assert not reads & emitted[other], sorted(reads & emitted[other])


def test_the_processor_publishes_under_the_stacks_name(emitted):
    custom = {key for key in emitted["clicks-a"] if not key[0].startswith("AWS/")}
    assert custom
    assert all(dict(dimensions) == {"service": "clicks-a"} for _, _, dimensions in custom)


def test_the_docs_list_every_processor_tunable_with_its_default():
    sys.path.insert(0, str(LAMBDA))
    try:
        from click_enrichment.settings import DEFAULTS
    finally:
        sys.path.remove(str(LAMBDA))
    page = (ROOT / "docs" / "processor.md").read_text(encoding="utf-8")
    rows = {
        line.split("|")[1].strip().strip("`"): line.split("|")[2].strip().strip("`")
        for line in page.splitlines()
        if line.startswith("| `") and line.split("|")[1].strip().strip("`") in DEFAULTS
    }
    assert set(rows) == set(DEFAULTS)
    for name, default in DEFAULTS.items():
        assert float(rows[name]) == float(default), name
