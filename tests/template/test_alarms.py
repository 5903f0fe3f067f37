"""Alarms that mean something: on the rendered template.

Each alarm reads only this stack's metrics, pages on an outage, and stays quiet on what one
visitor or one retried write can cause.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from clickstream.metrics import FAILED_BY_REASON, OPERATOR_FAILURES, VISITOR_FAILURES
from tests.alarm_math import breaches as alarm_breaches


def ref(name: str) -> dict:
    return {"Ref": name}


@pytest.fixture(scope="module")
def alarms(of_type) -> dict[str, dict]:
    return {name: a["Properties"] for name, a in of_type("AWS::CloudWatch::Alarm").items()}


def on(alarms: dict, namespace: str, metric: str) -> dict:
    (found,) = [
        a
        for a in alarms.values()
        if a.get("Namespace") == namespace and a.get("MetricName") == metric
    ]
    return found


def dims(dimensions: list[dict]) -> dict:
    return {d["Name"]: d["Value"] for d in dimensions}


def test_alarm_when_delivery_stalls(alarms, one):
    stream_name, _ = one("AWS::KinesisFirehose::DeliveryStream")
    alarm = on(alarms, "AWS/Firehose", "DeliveryToS3.DataFreshness")
    assert alarm["Dimensions"] == [{"Name": "DeliveryStreamName", "Value": ref(stream_name)}]


def sustained(alarm: dict) -> bool:
    """Every one of at least two consecutive periods must breach."""
    return (
        alarm["EvaluationPeriods"] >= 2 and alarm["DatapointsToAlarm"] == alarm["EvaluationPeriods"]
    )


def test_delivery_failure_alarms_on_sustained_failure_not_one_retried_write(alarms, one):
    stream_name, _ = one("AWS::KinesisFirehose::DeliveryStream")
    alarm = on(alarms, "AWS/Firehose", "DeliveryToS3.Success")
    assert alarm["Dimensions"] == [{"Name": "DeliveryStreamName", "Value": ref(stream_name)}]
    # The period's best write failed: a write Firehose retried successfully gives Maximum 1.
    assert (alarm["Statistic"], alarm["ComparisonOperator"], alarm["Threshold"]) == (
        "Maximum",
        "LessThanThreshold",
        1,
    )
    assert sustained(alarm)


def test_alarm_when_firehose_cannot_invoke_the_processor(alarms, one):
    stream_name, _ = one("AWS::KinesisFirehose::DeliveryStream")
    alarm = on(alarms, "AWS/Firehose", "ExecuteProcessing.Success")
    assert alarm["Dimensions"] == [{"Name": "DeliveryStreamName", "Value": ref(stream_name)}]
    assert (alarm["Statistic"], alarm["ComparisonOperator"], alarm["Threshold"]) == (
        "Maximum",
        "LessThanThreshold",
        1,
    )
    assert sustained(alarm)


def test_alarm_when_the_processor_is_throttled(alarms, one):
    function_name, _ = one("AWS::Lambda::Function")
    alarm = on(alarms, "AWS/Lambda", "Throttles")
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": ref(function_name)}]
    assert (alarm["Statistic"], alarm["ComparisonOperator"], alarm["Threshold"]) == (
        "Sum",
        "GreaterThanThreshold",
        0,
    )
    assert sustained(alarm)


def test_alarm_when_the_processor_fails(alarms, one):
    function_name, _ = one("AWS::Lambda::Function")
    alarm = on(alarms, "AWS/Lambda", "Errors")
    assert alarm["Dimensions"] == [{"Name": "FunctionName", "Value": ref(function_name)}]


def test_any_click_that_fails_conversion_pages(alarms, one):
    stream_name, _ = one("AWS::KinesisFirehose::DeliveryStream")
    alarm = on(alarms, "AWS/Firehose", "FailedConversion.Records")
    assert alarm["Dimensions"] == [{"Name": "DeliveryStreamName", "Value": ref(stream_name)}]
    assert (alarm["Statistic"], alarm["Threshold"]) == ("Sum", 0)
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert "errors/format-conversion-failed/" in alarm["AlarmDescription"]


def test_alarm_when_the_api_answers_5xx(alarms, one):
    _, api = one("AWS::ApiGateway::RestApi")
    _, stage = one("AWS::ApiGateway::Stage")
    alarm = on(alarms, "AWS/ApiGateway", "5XXError")
    # API Gateway's metrics carry the API's name and the stage's name.
    assert dims(alarm["Dimensions"]) == {"ApiName": api["Name"], "Stage": stage["StageName"]}


# --- Failed clicks: a share, with a minimum volume, of this stack's processor only ---------------


@pytest.fixture(scope="module")
def failed_share(alarms) -> dict:
    (alarm,) = [a for a in alarms.values() if "Metrics" in a]
    return alarm


def processor_queries(alarm: dict) -> dict[str, dict]:
    return {q["Id"]: q["MetricStat"] for q in alarm["Metrics"] if "MetricStat" in q}


def test_failed_clicks_alarm_reads_this_stacks_ok_and_failed_counts(failed_share, one):
    _, function = one("AWS::Lambda::Function")
    variables = function["Environment"]["Variables"]
    queries = processor_queries(failed_share)
    assert {q["Metric"]["MetricName"] for q in queries.values()} == {
        "RecordsOk",
        "FailedMysfitUnavailable",
        "FailedDeadline",
        "FailedUnreadableRecord",
    }
    for query in queries.values():
        assert query["Stat"] == "Sum"
        assert query["Metric"]["Namespace"] == variables["POWERTOOLS_METRICS_NAMESPACE"]
        # Powertools' `service` dimension, which the function sets to the stack's name.
        assert dims(query["Metric"]["Dimensions"]) == {"service": ref("AWS::StackName")}
    assert variables["POWERTOOLS_SERVICE_NAME"] == ref("AWS::StackName")


def breaches(alarm: dict, template: dict, ok: int, failed: int, **parameters: int) -> bool:
    """For one period: ``ok`` enriched clicks, ``failed`` failed with the Mysfits API down."""
    sums = dict.fromkeys(FAILED_BY_REASON, 0) | {"RecordsOk": ok}
    sums |= {"FailedMysfitUnavailable": failed, "RecordsProcessingFailed": failed}
    return alarm_breaches(alarm, template, sums, **parameters)


def refused(alarm: dict, template: dict, ok: int, **by_reason: int) -> bool:
    """For one period: ``ok`` enriched clicks, and failed ones by their metric's name."""
    sums = dict.fromkeys(FAILED_BY_REASON, 0) | by_reason | {"RecordsOk": ok}
    sums["RecordsProcessingFailed"] = sum(by_reason.values())
    return alarm_breaches(alarm, template, sums)


@pytest.mark.parametrize("metric", VISITOR_FAILURES)
def test_any_number_of_clicks_refused_as_the_visitors_input_never_pages(
    failed_share, template, metric
):
    assert not refused(failed_share, template, ok=0, **{metric: 10_000})


@pytest.mark.parametrize("metric", OPERATOR_FAILURES)
def test_each_failure_the_operator_can_fix_pages(failed_share, template, metric):
    assert refused(failed_share, template, ok=0, **{metric: 500})
    assert not refused(failed_share, template, ok=0, **{metric: 3})


def test_the_visitors_refusals_do_not_hide_an_outage(failed_share, template):
    many = {"FailedUnknownMysfit": 100_000, "FailedMysfitUnavailable": 50}
    assert refused(failed_share, template, ok=0, **many)


def test_one_visitors_click_for_an_unknown_mysfit_does_not_page(failed_share, template):
    assert not breaches(failed_share, template, ok=0, failed=1)
    assert not breaches(failed_share, template, ok=0, failed=3)


def test_a_handful_of_failures_in_heavy_traffic_does_not_page(failed_share, template):
    assert not breaches(failed_share, template, ok=100_000, failed=200)


def test_an_outage_pages(failed_share, template):
    assert breaches(failed_share, template, ok=0, failed=500)
    assert breaches(failed_share, template, ok=900, failed=100)


def test_both_thresholds_are_parameters(failed_share, template):
    assert breaches(failed_share, template, ok=0, failed=2, FailedClicksAlarmMinimum=2)
    assert not breaches(failed_share, template, ok=90, failed=10, FailedClicksAlarmPercent=20)
    for name in ("FailedClicksAlarmPercent", "FailedClicksAlarmMinimum"):
        spec = template["Parameters"][name]
        assert spec["Type"] == "Number" and spec["MinValue"] >= 1, name


def test_a_period_without_clicks_does_not_alarm(failed_share, template):
    assert not breaches(failed_share, template, ok=0, failed=0)
    assert failed_share["TreatMissingData"] == "notBreaching"


# --- Every alarm --------------------------------------------------------------------------------


def test_quiet_hours_do_not_alarm(alarms):
    for name, alarm in alarms.items():
        assert alarm["TreatMissingData"] == "notBreaching", name


def test_alarms_notify_an_optional_email_topic(alarms, one, template, resources):
    topic_name, topic = one("AWS::SNS::Topic")
    condition = resources[topic_name]["Condition"]
    assert template["Conditions"][condition] == {
        "Fn::Not": [{"Fn::Equals": [ref("AlarmEmail"), ""]}]
    }
    assert topic["Subscription"] == [{"Endpoint": ref("AlarmEmail"), "Protocol": "email"}]
    for name, alarm in alarms.items():
        assert alarm["AlarmActions"] == {
            "Fn::If": [condition, [ref(topic_name)], ref("AWS::NoValue")]
        }, name
        assert alarm["OKActions"] == alarm["AlarmActions"], name


def test_the_docs_say_what_each_alarm_means(alarms):
    docs = Path(__file__).resolve().parents[2] / "docs"
    page = (docs / "alarms.md").read_text(encoding="utf-8")
    section = page.split("# Alarms and the dashboard\n", 1)[1].split("\n#", 1)[0]
    rows = {
        line.split("|")[1].strip().strip("`")
        for line in section.splitlines()
        if line.startswith("| `")
    }
    assert rows == set(alarms)
