"""A CloudWatch dashboard of the pipeline's health, from the API to the bucket, in one screen.

The body is one JSON text with sorted keys in one `Fn::Sub`: the stack's names appear as
`${LogicalId}` and `${AWS::Region}`, so the same code gives the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

from troposphere import AWSHelperFn, GetAtt, Ref, Sub, Template
from troposphere.cloudwatch import Alarm, Dashboard
from troposphere.firehose import DeliveryStream

from clickstream import defaults
from clickstream.api import ClicksApi
from clickstream.metrics import (
    FAILED_BY_REASON,
    OPERATOR_FAILURES,
    VISITOR_FAILURES,
    Metric,
    api_metric,
    function_metric,
    processor_metric,
    stream_metric,
)
from clickstream.processor import Processor

WIDTH = 24  # the dashboard grid's columns
GRAPH_WIDTH, GRAPH_HEIGHT = 12, 6
ALARMS_HEIGHT = 3


def substitution(value: object) -> str:
    """A Ref, GetAtt or variable-free Sub as `Fn::Sub` text."""
    if isinstance(value, str):
        return value
    if isinstance(value, Ref):
        return "${" + value.data["Ref"] + "}"
    if isinstance(value, GetAtt):
        return "${" + ".".join(value.data["Fn::GetAtt"]) + "}"
    if isinstance(value, Sub) and isinstance(value.data["Fn::Sub"], str):
        return value.data["Fn::Sub"]
    raise TypeError(f"cannot write {value!r} into the dashboard body")


def line(metric: Metric, stat: str, label: str, **options: Any) -> list:
    """One metric of a graph: namespace, name, dimension pairs, then its rendering options."""
    dims = [part for name, value in metric.dimensions for part in (name, substitution(value))]
    return [metric.namespace, metric.name, *dims, {"label": label, "stat": stat, **options}]


def expression(formula: str, label: str, **options: Any) -> list:
    """A line computed by metric math from lines given an ``id`` (and ``visible``: False)."""
    return [{"expression": formula, "label": label, **options}]


def hidden(metric: Metric, stat: str, query_id: str) -> list:
    return line(metric, stat, query_id, id=query_id, visible=False)


def graph(title: str, lines: list[list], **options: Any) -> dict:
    return {
        "type": "metric",
        "properties": {
            "title": title,
            "metrics": lines,
            "view": "timeSeries",
            "region": "${AWS::Region}",
            "period": defaults.DASHBOARD_PERIOD_SECONDS,
            **options,
        },
    }


def alarm_status(alarms: list[Alarm]) -> dict:
    return {
        "type": "alarm",
        "properties": {
            "title": "Alarms",
            "alarms": sorted(substitution(alarm.get_att("Arn")) for alarm in alarms),
        },
    }


def widgets(stream: DeliveryStream, processor: Processor, api: ClicksApi) -> list[dict]:
    """The graphs in the order a click travels: API, stream, processor, delivery."""

    def requests(name: str) -> Metric:
        return api_metric(api, name)

    def ingest(name: str) -> Metric:
        return stream_metric(stream, name)

    def function(name: str) -> Metric:
        return function_metric(processor, name)

    def processed(name: str) -> Metric:
        return processor_metric(name)

    def reason(name: str) -> str:
        return name.removeprefix("Failed")

    return [
        graph(
            "Clicks API: requests and errors",
            [
                line(requests("Count"), "Sum", "requests"),
                line(requests("4XXError"), "Sum", "4xx (refused clicks)"),
                line(requests("5XXError"), "Sum", "5xx (clicks not recorded)"),
            ],
        ),
        graph(
            "Clicks API: latency (ms)",
            [
                line(requests("Latency"), "p50", "p50"),
                line(requests("Latency"), "p99", "p99"),
                line(requests("IntegrationLatency"), "p99", "Firehose PutRecord p99"),
            ],
        ),
        graph(
            "Delivery stream: records in",
            [line(ingest("IncomingRecords"), "Sum", "records into the stream")],
        ),
        graph(
            "Processor: clicks enriched and failed",
            [
                line(processed(defaults.OK_RECORDS_METRIC), "Sum", "enriched (Ok)"),
                line(processed(defaults.FAILED_RECORDS_METRIC), "Sum", "kept under errors/"),
            ],
        ),
        data_quality(),
        graph(
            "Processor: failed clicks by reason (written to errors/processing-failed/)",
            [line(processed(name), "Sum", reason(name)) for name in FAILED_BY_REASON],
            stacked=True,
        ),
        graph(
            "Processor: invocations",
            [
                line(ingest("ExecuteProcessing.Success"), "Average", "Firehose invoked it (share)"),
                line(function("Errors"), "Sum", "errors", yAxis="right"),
                line(function("Throttles"), "Sum", "throttles", yAxis="right"),
            ],
        ),
        graph(
            "Delivery to S3: success",
            [
                line(ingest("DeliveryToS3.Success"), "Average", "S3 writes that succeeded (share)"),
                line(ingest("DeliveryToS3.Records"), "Sum", "records written", yAxis="right"),
            ],
        ),
        graph(
            "Delivery to S3: freshness (s)",
            [line(ingest("DeliveryToS3.DataFreshness"), "Maximum", "oldest click waiting")],
            annotations={
                "horizontal": [
                    {"label": "alarm", "value": defaults.FRESHNESS_ALARM_SECONDS},
                ]
            },
        ),
    ]


def data_quality() -> dict:
    """Clicks refused as the visitor's input (never a page), beside the failures that page."""
    visitor = [name.lower() for name in VISITOR_FAILURES]
    operator = [name.lower() for name in OPERATOR_FAILURES]
    return graph(
        "Data quality: clicks refused as the visitor's input, and failures that page",
        [
            *(hidden(processor_metric(n), "Sum", n.lower()) for n in FAILED_BY_REASON),
            hidden(processor_metric(defaults.OK_RECORDS_METRIC), "Sum", "ok"),
            expression(
                " + ".join(visitor),
                "refused: the visitor's input (unknown mysfit, invalid)",
                id="visitor",
            ),
            expression(
                " + ".join(operator), "failed: the operator's to fix (alarm)", id="operator"
            ),
            expression(
                "100 * visitor / (ok + visitor + operator)",
                "refused, % of the clicks processed",
                id="share",
                yAxis="right",
            ),
        ],
    )


def laid_out(alarms: dict, graphs: list[dict]) -> list[dict]:
    """Alarms across the top, then the graphs two to a row."""
    placed = [{**alarms, "x": 0, "y": 0, "width": WIDTH, "height": ALARMS_HEIGHT}]
    per_row = WIDTH // GRAPH_WIDTH
    for index, widget in enumerate(graphs):
        row, column = divmod(index, per_row)
        placed.append(
            {
                **widget,
                "x": column * GRAPH_WIDTH,
                "y": ALARMS_HEIGHT + row * GRAPH_HEIGHT,
                "width": GRAPH_WIDTH,
                "height": GRAPH_HEIGHT,
            }
        )
    return placed


def dashboard_body(
    stream: DeliveryStream, processor: Processor, api: ClicksApi, alarms: list[Alarm]
) -> AWSHelperFn:
    body = {
        "start": defaults.DASHBOARD_RANGE,
        "periodOverride": "inherit",
        "widgets": laid_out(alarm_status(alarms), widgets(stream, processor, api)),
    }
    return Sub(json.dumps(body, sort_keys=True, separators=(",", ":")))


def add_dashboard(
    template: Template,
    stream: DeliveryStream,
    processor: Processor,
    api: ClicksApi,
    alarms: list[Alarm],
) -> Dashboard:
    return template.add_resource(
        Dashboard(
            "ClickStreamDashboard",
            DashboardName=Sub("${AWS::StackName}-clicks"),
            DashboardBody=dashboard_body(stream, processor, api, alarms),
        )
    )
