"""Alarms that say when clicks stop flowing or start failing, optionally e-mailed.

Each one reads only this stack's metrics, and none fires on what one visitor, or one retry that
Firehose makes by itself, can cause.
"""

from __future__ import annotations

from troposphere import If, NoValue, Parameter, Sub, Template
from troposphere.cloudwatch import Alarm, MetricDataQuery, MetricDimension, MetricStat
from troposphere.cloudwatch import Metric as CloudWatchMetric
from troposphere.firehose import DeliveryStream
from troposphere.sns import Subscription, Topic

from clickstream import defaults
from clickstream.api import ClicksApi
from clickstream.metrics import (
    OPERATOR_FAILURES,
    Metric,
    api_metric,
    function_metric,
    processor_metric,
    stream_metric,
)
from clickstream.parameters import HAS_ALARM_EMAIL
from clickstream.processor import Processor
from clickstream.suppressions import skip_checks

# 1 when a period's failed clicks reach both the minimum and the share (metric math ids: "ok" the
# processor's enriched clicks, "failed" the sum of the failures the operator can fix). Clicks
# refused as the visitor's input count in neither: anyone can send them, so they never page.
FAILED_SHARE_EXPRESSION = (
    "IF(failed >= ${Minimum} AND 100 * failed >= ${Percent} * (ok + failed), 1, 0)"
)


def dimensions(metric: Metric) -> list[MetricDimension]:
    return [MetricDimension(Name=name, Value=value) for name, value in metric.dimensions]


def alarm(
    title: str,
    description: str,
    metric: Metric,
    *,
    statistic: str,
    threshold: float,
    comparison: str = "GreaterThanThreshold",
    periods: int = 1,
    actions: object,
) -> Alarm:
    """An alarm on one metric; `periods` > 1: only when every one of that many periods breaches."""
    return Alarm(
        title,
        AlarmDescription=description,
        Namespace=metric.namespace,
        MetricName=metric.name,
        Dimensions=dimensions(metric),
        Statistic=statistic,
        Period=defaults.ALARM_PERIOD_SECONDS,
        EvaluationPeriods=periods,
        DatapointsToAlarm=periods,
        Threshold=threshold,
        ComparisonOperator=comparison,
        # No clicks is not a failure: quiet hours must not page anyone.
        TreatMissingData="notBreaching",
        AlarmActions=actions,
        OKActions=actions,
    )


def failed_share_alarm(params: dict[str, Parameter], actions: object) -> Alarm:
    """Clicks failed for a reason the operator can fix, as a share of those and the enriched
    ones, and at least a minimum of them."""

    def query(query_id: str, metric: Metric) -> MetricDataQuery:
        return MetricDataQuery(
            Id=query_id,
            MetricStat=MetricStat(
                Metric=CloudWatchMetric(
                    Namespace=metric.namespace,
                    MetricName=metric.name,
                    Dimensions=dimensions(metric),
                ),
                Period=defaults.ALARM_PERIOD_SECONDS,
                Stat="Sum",
            ),
            ReturnData=False,
        )

    return Alarm(
        "ProcessingFailedAlarm",
        AlarmDescription=Sub(
            f"At least ${{Minimum}} clicks, and ${{Percent}}% or more of the clicks, in "
            f"{defaults.ALARM_PERIOD_SECONDS // 60} minutes "
            "could not be enriched for a reason the operator can fix (the Mysfits API "
            "unavailable, the deadline, a processor error); they are kept under "
            "errors/processing-failed/ (python generate.py replay puts them back). Clicks "
            "refused as the visitor's input (an unknown mysfit …) never count.",
            Minimum=params["FailedClicksAlarmMinimum"].ref(),
            Percent=params["FailedClicksAlarmPercent"].ref(),
        ),
        Metrics=[
            query("ok", processor_metric(defaults.OK_RECORDS_METRIC)),
            *(query(name.lower(), processor_metric(name)) for name in OPERATOR_FAILURES),
            MetricDataQuery(
                Id="failed",
                Expression=" + ".join(name.lower() for name in OPERATOR_FAILURES),
                Label="Failed clicks the operator can fix",
                ReturnData=False,
            ),
            MetricDataQuery(
                Id="alarming",
                # No division: a period without clicks has no share to divide by.
                Expression=Sub(
                    FAILED_SHARE_EXPRESSION,
                    Minimum=params["FailedClicksAlarmMinimum"].ref(),
                    Percent=params["FailedClicksAlarmPercent"].ref(),
                ),
                Label="Failed clicks over both thresholds",
                ReturnData=True,
            ),
        ],
        EvaluationPeriods=1,
        DatapointsToAlarm=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        TreatMissingData="notBreaching",
        AlarmActions=actions,
        OKActions=actions,
    )


def add_alarms(
    template: Template,
    params: dict[str, Parameter],
    stream: DeliveryStream,
    processor: Processor,
    api: ClicksApi,
) -> list[Alarm]:
    topic = template.add_resource(
        skip_checks(
            Topic(
                "AlarmTopic",
                Condition=HAS_ALARM_EMAIL,
                Subscription=[Subscription(Protocol="email", Endpoint=params["AlarmEmail"].ref())],
            ),
            "CKV_AWS_26",
        )
    )
    actions = If(HAS_ALARM_EMAIL, [topic.ref()], NoValue)
    sustained = defaults.SUSTAINED_PERIODS
    minutes = sustained * defaults.ALARM_PERIOD_SECONDS // 60
    alarms = [
        alarm(
            "DeliveryFreshnessAlarm",
            "Clicks are waiting too long to reach S3: delivery has stalled.",
            stream_metric(stream, "DeliveryToS3.DataFreshness"),
            statistic="Maximum",
            threshold=defaults.FRESHNESS_ALARM_SECONDS,
            actions=actions,
        ),
        alarm(
            "DeliveryFailureAlarm",
            f"Firehose has not written one object to S3 for {minutes} minutes while trying to "
            "(a failed write it retried by itself does not count).",
            stream_metric(stream, "DeliveryToS3.Success"),
            statistic="Maximum",
            threshold=1,
            comparison="LessThanThreshold",
            periods=sustained,
            actions=actions,
        ),
        alarm(
            "ProcessorInvocationAlarm",
            f"Firehose has not invoked the processor successfully for {minutes} minutes (a "
            "permission missing, the function failing or throttled): clicks go to errors/ "
            "unenriched.",
            stream_metric(stream, "ExecuteProcessing.Success"),
            statistic="Maximum",
            threshold=1,
            comparison="LessThanThreshold",
            periods=sustained,
            actions=actions,
        ),
        alarm(
            "ProcessorThrottlesAlarm",
            f"The processor has been throttled for {minutes} minutes (the account's concurrency "
            "limit): batches that stay throttled go to errors/ unenriched.",
            function_metric(processor, "Throttles"),
            statistic="Sum",
            threshold=0,
            periods=sustained,
            actions=actions,
        ),
        alarm(
            "ProcessorErrorsAlarm",
            "The click processor failed whole batches; Firehose retries, then keeps them aside.",
            function_metric(processor, "Errors"),
            statistic="Sum",
            threshold=0,
            actions=actions,
        ),
        failed_share_alarm(params, actions),
        # Every click that reaches conversion passed the processor's checks: one that does not
        # fit the table is the stack's own fault, never a visitor's, so any one of them pages.
        alarm(
            "FormatConversionFailedAlarm",
            f"Enriched clicks did not fit the clicks table and were not converted to Parquet; "
            f"they are kept under errors/{defaults.FORMAT_CONVERSION_FAILED}/ "
            "(python generate.py replay puts them back once the table is fixed).",
            stream_metric(stream, "FailedConversion.Records"),
            statistic="Sum",
            threshold=0,
            actions=actions,
        ),
        alarm(
            "Api5xxAlarm",
            "The clicks API answered 5xx: clicks are not being recorded.",
            api_metric(api, "5XXError"),
            statistic="Sum",
            threshold=0,
            actions=actions,
        ),
    ]
    for item in alarms:
        template.add_resource(item)
    return alarms
