"""The CloudWatch metrics this stack reads, named once for its alarms and its dashboard.

Each metric is what one resource of the stack, or the processor, publishes: the same namespace,
name and dimensions (tests/integration/test_contracts.py holds every one to that).
"""

from __future__ import annotations

from dataclasses import dataclass

from troposphere.firehose import DeliveryStream

from clickstream import defaults
from clickstream.api import ClicksApi
from clickstream.processor import METRICS_SERVICE, Processor

# The processor's count of each reason a click was kept under errors/ (FAILURE_REASONS in
# lambda/processor.py, as `Failed` + the reason in CamelCase).
FAILED_BY_REASON = (
    "FailedInvalidBase64",
    "FailedInvalidJson",
    "FailedNotAnObject",
    "FailedInvalidEvent",
    "FailedInvalidUserId",
    "FailedInvalidAuthenticated",
    "FailedInvalidVisitorId",
    "FailedInvalidMysfitId",
    "FailedInvalidClickId",
    "FailedInvalidReceivedAt",
    "FailedInvalidUserAgent",
    "FailedInvalidArrivalTimestamp",
    "FailedUnreadableRecord",
    "FailedUnknownMysfit",
    "FailedMysfitUnavailable",
    "FailedDeadline",
)
# Failures the operator can fix, and the only ones that page: the Mysfits API unavailable, the
# deadline reached, the processor's own error on a record.
OPERATOR_FAILURES = ("FailedMysfitUnavailable", "FailedDeadline", "FailedUnreadableRecord")
# The visitor's input (VISITOR_REASONS in lambda/click_enrichment/records.py): sent again, it
# fails again, and anyone can send it; a data-quality figure on the dashboard, never a page.
VISITOR_FAILURES = tuple(name for name in FAILED_BY_REASON if name not in OPERATOR_FAILURES)


@dataclass(frozen=True)
class Metric:
    namespace: str
    name: str
    # Dimension name -> value (a string or a Ref/GetAtt/Sub of this stack), in a stable order.
    dimensions: tuple[tuple[str, object], ...]


def api_metric(api: ClicksApi, name: str) -> Metric:
    # API Gateway's REST API metrics are dimensioned by the API's *name* and the stage.
    stage = api.stage.StageName
    return Metric("AWS/ApiGateway", name, (("ApiName", api.api.Name), ("Stage", stage)))


def stream_metric(stream: DeliveryStream, name: str) -> Metric:
    return Metric("AWS/Firehose", name, (("DeliveryStreamName", stream.ref()),))


def function_metric(processor: Processor, name: str) -> Metric:
    return Metric("AWS/Lambda", name, (("FunctionName", processor.function.ref()),))


def processor_metric(name: str) -> Metric:
    return Metric(defaults.METRICS_NAMESPACE, name, (("service", METRICS_SERVICE),))
