"""Alarms that say when clicks stop flowing or start failing, optionally e-mailed."""

from __future__ import annotations

from troposphere import If, NoValue, Parameter, Template
from troposphere.cloudwatch import Alarm, MetricDimension
from troposphere.firehose import DeliveryStream
from troposphere.sns import Subscription, Topic

from clickstream import defaults
from clickstream.api import ClicksApi
from clickstream.parameters import HAS_ALARM_EMAIL
from clickstream.processor import Processor
from clickstream.suppressions import skip_checks


def alarm(
    title: str,
    description: str,
    namespace: str,
    metric: str,
    dimensions: dict,
    *,
    statistic: str,
    threshold: float,
    comparison: str = "GreaterThanThreshold",
    actions: object,
) -> Alarm:
    return Alarm(
        title,
        AlarmDescription=description,
        Namespace=namespace,
        MetricName=metric,
        Dimensions=[MetricDimension(Name=k, Value=v) for k, v in dimensions.items()],
        Statistic=statistic,
        Period=defaults.ALARM_PERIOD_SECONDS,
        EvaluationPeriods=1,
        Threshold=threshold,
        ComparisonOperator=comparison,
        # No clicks is not a failure: quiet hours must not page anyone.
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
) -> Topic:
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
    stream_dims = {"DeliveryStreamName": stream.ref()}
    function_dims = {"FunctionName": processor.function.ref()}
    for item in [
        alarm(
            "DeliveryFreshnessAlarm",
            "Clicks are waiting too long to reach S3: delivery has stalled.",
            "AWS/Firehose",
            "DeliveryToS3.DataFreshness",
            stream_dims,
            statistic="Maximum",
            threshold=defaults.FRESHNESS_ALARM_SECONDS,
            actions=actions,
        ),
        alarm(
            "DeliveryFailureAlarm",
            "Firehose failed to write clicks to S3.",
            "AWS/Firehose",
            "DeliveryToS3.Success",
            stream_dims,
            statistic="Minimum",
            threshold=1,
            comparison="LessThanThreshold",
            actions=actions,
        ),
        alarm(
            "ProcessorErrorsAlarm",
            "The click processor failed whole batches; Firehose retries, then keeps them aside.",
            "AWS/Lambda",
            "Errors",
            function_dims,
            statistic="Sum",
            threshold=0,
            actions=actions,
        ),
        alarm(
            "ProcessingFailedAlarm",
            "Clicks could not be enriched and were kept under the error prefix.",
            defaults.METRICS_NAMESPACE,
            defaults.FAILED_RECORDS_METRIC,
            {"service": defaults.PROCESSOR_SERVICE_NAME},
            statistic="Sum",
            threshold=0,
            actions=actions,
        ),
        alarm(
            "Api5xxAlarm",
            "The clicks API answered 5xx: clicks are not being recorded.",
            "AWS/ApiGateway",
            "5XXError",
            {"ApiName": api.api.Name, "Stage": api.stage.ref()},
            statistic="Sum",
            threshold=0,
            actions=actions,
        ),
    ]:
        template.add_resource(item)
    return topic
