"""The CloudWatch dashboard: the pipeline's health on one screen, from the rendered template."""

from __future__ import annotations

import json
import re

import pytest

PSEUDO = {"AWS::Region", "AWS::StackName", "AWS::AccountId", "AWS::Partition"}


@pytest.fixture(scope="module")
def dashboard(one) -> dict:
    return one("AWS::CloudWatch::Dashboard")[1]


@pytest.fixture(scope="module")
def body_text(dashboard) -> str:
    body = dashboard["DashboardBody"]
    assert set(body) == {"Fn::Sub"} and isinstance(body["Fn::Sub"], str)
    return body["Fn::Sub"]


@pytest.fixture(scope="module")
def body(body_text) -> dict:
    return json.loads(body_text)


def graphs(body: dict) -> list[dict]:
    return [w["properties"] for w in body["widgets"] if w["type"] == "metric"]


def read(body: dict) -> set[tuple[str, str, str]]:
    """(namespace, metric, stat) of every line the dashboard draws."""
    return {
        (line[0], line[1], line[-1]["stat"])
        for properties in graphs(body)
        for line in properties["metrics"]
        if isinstance(line[0], str)  # not a metric-math expression
    }


def test_every_substitution_names_this_stacks_resources_parameters_or_pseudo_parameters(
    body_text, resources, template
):
    names = set(re.findall(r"\$\{([^}]+)\}", body_text))
    assert names
    for name in names:
        assert name in PSEUDO | set(template["Parameters"]) or name.split(".")[0] in resources, name


def test_the_dashboard_is_named_after_the_stack(dashboard):
    assert "${AWS::StackName}" in dashboard["DashboardName"]["Fn::Sub"]


@pytest.mark.parametrize(
    ("namespace", "metric", "stat"),
    [
        ("AWS/ApiGateway", "Count", "Sum"),
        ("AWS/ApiGateway", "4XXError", "Sum"),
        ("AWS/ApiGateway", "5XXError", "Sum"),
        ("AWS/ApiGateway", "Latency", "p99"),
        ("AWS/Firehose", "IncomingRecords", "Sum"),
        ("MysfitsClickStream", "RecordsOk", "Sum"),
        ("MysfitsClickStream", "RecordsProcessingFailed", "Sum"),
        ("MysfitsClickStream", "FailedUnknownMysfit", "Sum"),
        ("MysfitsClickStream", "FailedMysfitUnavailable", "Sum"),
        ("AWS/Firehose", "ExecuteProcessing.Success", "Average"),
        ("AWS/Firehose", "DeliveryToS3.Success", "Average"),
        ("AWS/Firehose", "DeliveryToS3.DataFreshness", "Maximum"),
    ],
)
def test_the_dashboard_shows(body, namespace, metric, stat):
    assert (namespace, metric, stat) in read(body)


def test_the_dashboard_shows_every_alarms_state(body, of_type):
    (status,) = [w["properties"] for w in body["widgets"] if w["type"] == "alarm"]
    assert sorted(status["alarms"]) == sorted(
        f"${{{name}.Arn}}" for name in of_type("AWS::CloudWatch::Alarm")
    )


def test_every_graph_is_in_the_stacks_region(body):
    for properties in graphs(body):
        assert properties["region"] == "${AWS::Region}", properties["title"]


def test_widgets_fit_the_grid_without_overlapping(body):
    taken: set[tuple[int, int]] = set()
    for widget in body["widgets"]:
        assert widget["x"] >= 0 and widget["x"] + widget["width"] <= 24, widget
        cells = {
            (x, y)
            for x in range(widget["x"], widget["x"] + widget["width"])
            for y in range(widget["y"], widget["y"] + widget["height"])
        }
        assert not cells & taken, widget
        taken |= cells


def test_the_body_is_written_with_sorted_keys(body_text, body):
    assert body_text == json.dumps(body, sort_keys=True, separators=(",", ":"))


def test_clicks_refused_as_the_visitors_input_are_a_data_quality_figure(body):
    """Unknown-mysfit and invalid clicks: summed, and as a share, on a graph of their own."""
    (quality,) = [g for g in graphs(body) if g["title"].startswith("Data quality")]
    ids = {line[1]: line[-1]["id"] for line in quality["metrics"] if isinstance(line[0], str)}
    formulas = {
        line[0]["id"]: line[0]["expression"]
        for line in quality["metrics"]
        if not isinstance(line[0], str)
    }
    visitor = set(formulas["visitor"].split(" + "))
    assert {ids["FailedUnknownMysfit"], ids["FailedInvalidMysfitId"]} <= visitor
    assert ids["FailedMysfitUnavailable"] not in visitor and ids["FailedDeadline"] not in visitor
    assert "visitor" in formulas["share"] and ids["RecordsOk"] in formulas["share"]
