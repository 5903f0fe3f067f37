"""The local delivery stream enforces Firehose's data-transformation contract."""

from __future__ import annotations

import copy
import json
import uuid

import pytest
import requests

from .conftest import (
    delivery_destination,
    model_schema,
    processor_function,
    sent_click,
    with_standin,
)

JSON = {"Content-Type": "application/json"}


def send(pipeline, document, count):
    clicks = [
        {name: f"c{i}-{uuid.uuid4().hex[:6]}" for name in model_schema(document)["required"]}
        for i in range(count)
    ]
    for click in clicks:
        answer = requests.put(
            f"{pipeline.api_url}/clicks", data=json.dumps(click), headers=JSON, timeout=10
        )
        assert answer.status_code == 200
    pipeline.flush()
    return clicks


def retries(document):
    (processor,) = delivery_destination(document)["ProcessingConfiguration"]["Processors"]
    values = {p["ParameterName"]: p["ParameterValue"] for p in processor["Parameters"]}
    return int(values.get("NumberOfRetries", 3))


@pytest.mark.parametrize(
    ("handler", "error_code"),
    [
        ("lose_one", "Lambda.MissingRecordId"),
        ("duplicate_one", "Lambda.DuplicatedRecordId"),
        ("not_a_response", "Lambda.JsonProcessingException"),
        ("unknown_result", "Lambda.InvalidStatus"),
        ("raises", "Lambda.FunctionError"),
        ("too_large", "Lambda.FunctionError"),
    ],
)
def test_a_broken_response_sends_the_whole_batch_to_the_error_prefix(
    start_pipeline, write_template, template_document, handler, error_code
):
    document = with_standin(template_document, handler)
    pipeline = start_pipeline(write_template(document))

    clicks = send(pipeline, document, 4)

    assert pipeline.delivered_objects() == []
    failed = pipeline.failed_records()
    assert sorted(json.loads(f["raw"])["userId"] for f in failed) == sorted(
        c["userId"] for c in clicks
    )
    assert {f["errorCode"] for f in failed} == {error_code}
    assert {f["attemptsMade"] for f in failed} == {retries(document) + 1}


def test_processing_failed_records_keep_their_raw_data(
    start_pipeline, write_template, template_document
):
    document = with_standin(template_document, "reject_all")
    pipeline = start_pipeline(write_template(document))

    clicks = send(pipeline, document, 3)

    failed = pipeline.failed_records()
    assert sorted((sent_click(f["raw"]) for f in failed), key=str) == sorted(clicks, key=str)
    assert {f["errorCode"] for f in failed} == {"Lambda.ProcessingFailedStatus"}
    assert {f["attemptsMade"] for f in failed} == {1}
    assert all(f["arrivalTimestamp"] <= f["attemptEndingTimestamp"] for f in failed)


def test_dropped_records_are_written_nowhere(start_pipeline, write_template, template_document):
    document = with_standin(template_document, "drop_all")
    pipeline = start_pipeline(write_template(document))

    send(pipeline, document, 3)

    assert pipeline.delivered_objects() == [] and pipeline.failed_objects() == []


def test_a_processor_that_overruns_its_timeout_fails_the_batch(
    start_pipeline, write_template, template_document
):
    document = with_standin(template_document, "sleeps")
    processor_function(document)["Timeout"] = 1
    (processor,) = delivery_destination(document)["ProcessingConfiguration"]["Processors"]
    for parameter in processor["Parameters"]:
        if parameter["ParameterName"] == "NumberOfRetries":
            parameter["ParameterValue"] = "0"
    pipeline = start_pipeline(write_template(document))

    clicks = send(pipeline, document, 2)

    failed = pipeline.failed_records()
    assert len(failed) == len(clicks)
    assert {f["attemptsMade"] for f in failed} == {1}
    assert {f["errorCode"] for f in failed} == {"Lambda.FunctionTimeout"}


def test_every_record_id_reaches_the_processor_once(
    start_pipeline, write_template, template_document
):
    document = with_standin(template_document, "echo")
    pipeline = start_pipeline(write_template(document))

    clicks = send(pipeline, document, 30)

    lines = pipeline.delivered_records()
    assert len(lines) == len(clicks)
    assert len({line["recordId"] for line in lines}) == len(clicks)
    assert sorted(json.loads(line["data"])["userId"] for line in lines) == sorted(
        c["userId"] for c in clicks
    )


def test_gzip_compression_names_and_compresses_objects(
    start_pipeline, write_template, template_document
):
    document = copy.deepcopy(with_standin(template_document, "echo"))
    delivery_destination(document)["CompressionFormat"] = "GZIP"
    pipeline = start_pipeline(write_template(document))

    clicks = send(pipeline, document, 2)

    (path,) = pipeline.delivered_objects()
    assert path.suffix == ".gz"
    assert len(pipeline.delivered_records()) == len(clicks)


def test_a_response_over_lambda_s_6_mb_is_a_function_error(
    start_pipeline, write_template, template_document
):
    document = with_standin(template_document, "too_large")
    pipeline = start_pipeline(write_template(document))

    send(pipeline, document, 1)

    (failed,) = pipeline.failed_records()
    assert failed["errorCode"] == "Lambda.FunctionError"
    assert "Function.ResponseSizeTooLarge" in failed["errorMessage"]
    assert failed["attemptsMade"] == retries(document) + 1
