"""The runner knows the API and the stream only from the template: change it and it follows."""

from __future__ import annotations

import copy
import json
import re
import time
import uuid

import pytest
import requests

from .conftest import (
    delivery_destination,
    expected_headers,
    gateway_response,
    method,
    model_schema,
    processor_function,
    processor_parameters,
    put_click,
    with_standin,
)


def a_click(document):
    """A click the template's model accepts, built from the model's required properties."""
    return {name: f"v{uuid.uuid4().hex[:6]}" for name in model_schema(document)["required"]}


def echoed(pipeline):
    """What the echo stand-in wrote: one line per record, with the data it received."""
    return pipeline.delivered_records()


def test_a_changed_mapping_template_changes_what_the_processor_receives(
    start_pipeline, write_template, template_document
):
    document = with_standin(template_document, "echo")
    put_method = method(document, "PUT")
    original = put_method["Integration"]["RequestTemplates"]["application/json"]
    text, variables = original["Fn::Sub"]
    # Same PutRecord request, but the record now wraps the click with the request's stage.
    *building, put_record = text.splitlines()
    wrapped = "\n".join(
        [
            *building,
            "#set($payload = '{\"click\":' + $record + ',\"stage\":\"' + $context.stage + '\"}')",
            put_record.replace("$util.base64Encode($record)", "$util.base64Encode($payload)"),
        ]
    )
    assert wrapped != text
    put_method["Integration"]["RequestTemplates"]["application/json"] = {
        "Fn::Sub": [wrapped, variables]
    }
    pipeline = start_pipeline(write_template(document))
    click = a_click(document)

    answer = put_click(pipeline, click)
    pipeline.flush()

    assert answer.status_code == 200
    (line,) = echoed(pipeline)
    stage = document["Parameters"]["StageName"]["Default"]
    echoed_record = json.loads(line["data"])
    assert echoed_record["stage"] == stage
    assert (echoed_record["click"]["userId"], echoed_record["click"]["mysfitId"]) == (
        click["userId"],
        click["mysfitId"],
    )


def test_the_mapping_template_names_the_local_stream(
    start_pipeline, write_template, template_document
):
    document = with_standin(template_document, "echo")
    put_method = method(document, "PUT")
    text, _ = put_method["Integration"]["RequestTemplates"]["application/json"]["Fn::Sub"]
    # A stream name the template does not create: Firehose answers 400, the API maps it.
    put_method["Integration"]["RequestTemplates"]["application/json"] = {
        "Fn::Sub": [text, {"Stream": "no-such-stream"}]
    }
    pipeline = start_pipeline(write_template(document))

    answer = put_click(pipeline, a_click(document))
    pipeline.flush()

    selected = [
        r for r in put_method["Integration"]["IntegrationResponses"]
        if r.get("SelectionPattern") and re.fullmatch(r["SelectionPattern"], "400")
    ]  # fmt: skip
    assert answer.status_code == int(selected[0]["StatusCode"])
    assert pipeline.delivered_objects() == []


def test_a_request_the_firehose_model_rejects_is_a_backend_4xx(
    start_pipeline, write_template, template_document
):
    document = with_standin(template_document, "echo")
    put_method = method(document, "PUT")
    text, variables = put_method["Integration"]["RequestTemplates"]["application/json"]["Fn::Sub"]
    # An unknown member: botocore's model of PutRecord does not allow it.
    bad = text.replace('"Record"', '"Unexpected": 1, "Record"')
    put_method["Integration"]["RequestTemplates"]["application/json"] = {
        "Fn::Sub": [bad, variables]
    }
    pipeline = start_pipeline(write_template(document))

    answer = put_click(pipeline, a_click(document))
    pipeline.flush()

    patterns = {
        r.get("SelectionPattern"): int(r["StatusCode"])
        for r in put_method["Integration"]["IntegrationResponses"]
    }
    expected = next(
        status for pattern, status in patterns.items()
        if pattern and re.fullmatch(pattern, "400")
    )  # fmt: skip
    assert answer.status_code == expected
    assert pipeline.delivered_objects() == []


def test_a_changed_model_changes_what_is_accepted(
    start_pipeline, write_template, template_document
):
    document = with_standin(template_document, "echo")
    (model,) = [
        r
        for r in document["Resources"].values()
        if r["Type"] == "AWS::ApiGateway::Model" and r["Properties"]["Name"] == "Click"
    ]
    schema = model_schema(document)
    schema["properties"]["sessionId"] = {"type": "string", "minLength": 1}
    schema["required"] = [*schema["required"], "sessionId"]
    model["Properties"]["Schema"] = json.dumps(schema)
    pipeline = start_pipeline(write_template(document))
    old_click = a_click(template_document)

    without = put_click(pipeline, old_click)
    with_session = put_click(pipeline, {**old_click, "sessionId": "s-1"})
    pipeline.flush()

    assert without.status_code == 400
    assert with_session.status_code == 200
    (line,) = echoed(pipeline)
    # The record is the contract's, whatever else the model lets in.
    record = json.loads(line["data"])
    assert (record["userId"], record["mysfitId"]) == (old_click["userId"], old_click["mysfitId"])
    assert "sessionId" not in record


def test_changed_cors_headers_are_served(start_pipeline, write_template, template_document):
    document = copy.deepcopy(template_document)
    document["Parameters"]["AllowedOrigin"]["Default"] = "http://site.example:8000"
    (integration_response,) = method(document, "OPTIONS")["Integration"]["IntegrationResponses"]
    integration_response["ResponseParameters"][
        "method.response.header.Access-Control-Allow-Methods"
    ] = "'PUT'"
    gateway_response(document, "DEFAULT_4XX")["ResponseParameters"][
        "gatewayresponse.header.X-Clicks"
    ] = "'refused'"
    pipeline = start_pipeline(write_template(document))

    preflight = requests.options(f"{pipeline.api_url}/clicks", timeout=10)
    refused = put_click(pipeline, "{}")

    parameters = {"AllowedOrigin": "http://site.example:8000"}
    expected = expected_headers(
        integration_response["ResponseParameters"], "method.response.header.", parameters
    )
    assert {k: preflight.headers.get(k) for k in expected} == expected
    assert preflight.headers["Access-Control-Allow-Methods"] == "PUT"
    assert refused.status_code == 400
    assert refused.headers["X-Clicks"] == "refused"
    assert refused.headers["Access-Control-Allow-Origin"] == "http://site.example:8000"


@pytest.mark.parametrize(
    "prefix, expected_format",
    [
        # A changed prefix changes where objects land.
        ("raw/!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/", "raw/%Y-%m-%d/hour=%H/"),
        # A prefix without timestamps gets Firehose's default time folders.
        ("plain/", "plain/%Y/%m/%d/%H/"),
    ],
)
def test_objects_land_under_the_templates_prefix(
    start_pipeline, write_template, template_document, prefix, expected_format
):
    document = with_standin(template_document, "echo")
    delivery_destination(document)["Prefix"] = prefix
    pipeline = start_pipeline(write_template(document))

    before = time.gmtime()
    put_click(pipeline, a_click(document))
    after = time.gmtime()
    pipeline.flush()

    (path,) = pipeline.delivered_objects()
    key = path.relative_to(pipeline.bucket_dir).as_posix()
    expected = {time.strftime(expected_format, moment) for moment in (before, after)}
    assert any(key.startswith(candidate) for candidate in expected), key


def test_the_processor_gets_the_templates_environment_and_a_live_context(
    start_pipeline, write_template, template_document
):
    document = with_standin(template_document, "echo")
    pipeline = start_pipeline(write_template(document))

    put_click(pipeline, a_click(document))
    pipeline.flush()

    (line,) = echoed(pipeline)
    function = processor_function(document)
    assert 0 < line["remainingMs"] <= int(function["Timeout"]) * 1000
    assert line["memoryMb"] == int(function["MemorySize"])
    assert line["mysfitsApiUrl"] == pipeline.mysfits_api_url
    assert line["functionArn"].endswith(f":function:{line['functionName']}")


def test_the_stream_name_is_what_the_mapping_template_resolves_to(
    start_pipeline, write_template, template_document
):
    document = with_standin(template_document, "echo")
    (stream_id,) = [
        k for k, r in document["Resources"].items()
        if r["Type"] == "AWS::KinesisFirehose::DeliveryStream"
    ]  # fmt: skip
    document["Resources"][stream_id]["Properties"]["DeliveryStreamName"] = "clicks-by-name"
    pipeline = start_pipeline(write_template(document))

    answer = put_click(pipeline, a_click(document))
    pipeline.flush()

    assert answer.status_code == 200
    assert pipeline.stream_name == "clicks-by-name"
    (path,) = pipeline.delivered_objects()
    assert path.name.startswith("clicks-by-name-1-")


def test_processor_buffering_hints_come_from_the_template(
    start_pipeline, write_template, template_document
):
    document = with_standin(template_document, "echo")
    assert "BufferIntervalInSeconds" in processor_parameters(document)
    (processor,) = delivery_destination(document)["ProcessingConfiguration"]["Processors"]
    for parameter in processor["Parameters"]:
        if parameter["ParameterName"] == "BufferIntervalInSeconds":
            parameter["ParameterValue"] = "1"
    pipeline = start_pipeline(write_template(document), interval_scale=0.2)

    put_click(pipeline, a_click(document))
    # Processed by the processor's 0.2 s interval, long before the destination's 12 s one.
    deadline = time.monotonic() + 10
    while not pipeline.stream.batches and time.monotonic() < deadline:
        time.sleep(0.02)

    assert [batch.records for batch in pipeline.stream.batches] == [1]
    assert pipeline.delivered_objects() == []
    pipeline.flush()
    assert len(echoed(pipeline)) == 1


def test_stage_throttling_answers_429_with_the_gateway_headers(
    start_pipeline, write_template, template_document
):
    document = with_standin(template_document, "echo")
    (stage,) = [
        r["Properties"] for r in document["Resources"].values()
        if r["Type"] == "AWS::ApiGateway::Stage"
    ]  # fmt: skip
    for setting in stage["MethodSettings"]:
        setting["ThrottlingBurstLimit"] = 3
        setting["ThrottlingRateLimit"] = 0.001
    pipeline = start_pipeline(write_template(document))

    answers = [put_click(pipeline, a_click(document)) for _ in range(6)]
    pipeline.flush()

    assert [a.status_code for a in answers] == [200] * 3 + [429] * 3
    assert answers[-1].json() == {"message": "Too Many Requests"}
    headers = expected_headers(
        gateway_response(document, "DEFAULT_4XX")["ResponseParameters"],
        "gatewayresponse.header.",
        {"AllowedOrigin": document["Parameters"]["AllowedOrigin"]["Default"]},
    )
    assert {k: answers[-1].headers.get(k) for k in headers} == headers
    assert len(echoed(pipeline)) == 3
