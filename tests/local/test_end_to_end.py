"""End to end over real HTTP on 127.0.0.1: the page's clicks through the generated stack."""

from __future__ import annotations

import json
import re
import time
import uuid

import requests

from .conftest import (
    closed_port,
    delivery_destination,
    expected_headers,
    gateway_response,
    method,
    model_schema,
    processor_parameters,
    put_click,
    sent_click,
)


def defaults(document):
    return {
        name: str(spec["Default"])
        for name, spec in document["Parameters"].items()
        if "Default" in spec
    }


def test_every_well_formed_click_is_delivered_once_enriched(start_pipeline):
    pipeline = start_pipeline()
    mysfits = requests.get(f"{pipeline.mysfits_api_url}/mysfits", timeout=10).json()["mysfits"]
    clicks = [
        {
            "userId": f"user-{i}-{uuid.uuid4().hex[:8]}",
            "mysfitId": mysfits[i % len(mysfits)]["mysfitId"],
        }
        for i in range(25)
    ]

    answers = [put_click(pipeline, click) for click in clicks]
    pipeline.flush()

    assert [a.status_code for a in answers] == [200] * len(clicks)
    delivered = pipeline.delivered_records()
    assert len(delivered) == len(clicks)
    assert sorted((d["userid"], d["mysfitid"]) for d in delivered) == sorted(
        (c["userId"], c["mysfitId"]) for c in clicks
    )
    profiles = {m["mysfitId"]: m for m in mysfits}
    for line in delivered:
        profile = profiles[line["mysfitid"]]
        assert (line["species"], line["goodevil"], line["lawchaos"]) == (
            profile["species"],
            profile["goodevil"],
            profile["lawchaos"],
        )
    assert pipeline.failed_records() == []


def test_delivered_objects_are_laid_out_under_the_templates_prefix(
    start_pipeline, template_document
):
    pipeline = start_pipeline()
    mysfit = requests.get(f"{pipeline.mysfits_api_url}/mysfits", timeout=10).json()["mysfits"][0]
    before = time.gmtime()
    put_click(pipeline, {"userId": "layout", "mysfitId": mysfit["mysfitId"]})
    after = time.gmtime()
    pipeline.flush()

    (path,) = pipeline.delivered_objects()
    key = path.relative_to(pipeline.bucket_dir).as_posix()
    prefix = delivery_destination(template_document)["Prefix"]
    expected = {
        prefix.replace("!{timestamp:yyyy}", time.strftime("%Y", moment))
        .replace("!{timestamp:MM}", time.strftime("%m", moment))
        .replace("!{timestamp:dd}", time.strftime("%d", moment))
        for moment in (before, after)
    }
    assert any(key.startswith(p) for p in expected), (key, expected)
    name = key.rsplit("/", 1)[1]
    assert name.startswith(f"{pipeline.stream_name}-1-")
    # Firehose names a converted object .parquet.
    assert name.endswith(".parquet")
    assert uuid.UUID(name.removesuffix(".parquet")[-36:])


def test_malformed_bodies_get_400_with_cors_and_nothing_is_delivered(
    start_pipeline, template_document
):
    pipeline = start_pipeline()
    schema = model_schema(template_document)
    valid = {name: "abc" for name in schema["required"]}
    malformed = ["{not json", "[]", '"a string"', json.dumps({**valid, "extra": "x"})]
    malformed += [json.dumps({k: v for k, v in valid.items() if k != name}) for name in valid]
    malformed += [json.dumps({**valid, name: 42}) for name in valid]
    malformed += [json.dumps({**valid, name: ""}) for name in valid]
    malformed += [json.dumps({**valid, name: "abc\n"}) for name in valid]  # ECMA-262 end of input

    answers = [put_click(pipeline, body) for body in malformed]
    pipeline.flush()

    headers = expected_headers(
        gateway_response(template_document, "DEFAULT_4XX")["ResponseParameters"],
        "gatewayresponse.header.",
        defaults(template_document),
    )
    for body, answer in zip(malformed, answers, strict=True):
        assert answer.status_code == 400, body
        assert answer.json() == {"message": "Invalid request body"}
        assert {k: answer.headers.get(k) for k in headers} == headers
    assert pipeline.delivered_objects() == []
    assert pipeline.failed_objects() == []


def test_text_plain_is_refused_with_415(start_pipeline):
    pipeline = start_pipeline()
    mysfit = requests.get(f"{pipeline.mysfits_api_url}/mysfits", timeout=10).json()["mysfits"][0]
    body = json.dumps({"userId": "plain", "mysfitId": mysfit["mysfitId"]})

    answer = put_click(pipeline, body, headers={"Content-Type": "text/plain"})
    pipeline.flush()

    assert answer.status_code == 415
    assert answer.json() == {"message": "Unsupported Media Type"}
    assert pipeline.delivered_objects() == [] and pipeline.failed_objects() == []


def test_preflight_headers_are_the_templates(start_pipeline, template_document):
    origin = "http://127.0.0.1:9"
    pipeline = start_pipeline(parameters={"AllowedOrigin": origin})

    answer = requests.options(
        f"{pipeline.api_url}/clicks",
        headers={"Origin": "http://127.0.0.1:1", "Access-Control-Request-Method": "PUT"},
        timeout=10,
    )

    (integration_response,) = method(template_document, "OPTIONS")["Integration"][
        "IntegrationResponses"
    ]
    headers = expected_headers(
        integration_response["ResponseParameters"],
        "method.response.header.",
        {**defaults(template_document), "AllowedOrigin": origin},
    )
    assert answer.status_code == int(integration_response["StatusCode"])
    assert {k: answer.headers.get(k) for k in headers} == headers


def test_mysfits_api_down_keeps_every_raw_click_under_the_error_prefix(
    start_pipeline, template_document
):
    pipeline = start_pipeline(mysfits_api_url=f"http://127.0.0.1:{closed_port()}")
    clicks = [{"userId": f"u{i}", "mysfitId": str(uuid.uuid4())} for i in range(5)]

    answers = [put_click(pipeline, click) for click in clicks]
    pipeline.flush()

    assert [a.status_code for a in answers] == [200] * len(clicks)
    assert pipeline.delivered_objects() == []
    failed = pipeline.failed_records()
    by_user = sorted((sent_click(f["raw"]) for f in failed), key=lambda c: c["userId"])
    assert by_user == sorted(clicks, key=lambda c: c["userId"])
    fields = {
        "attemptsMade", "arrivalTimestamp", "errorCode", "errorMessage",
        "attemptEndingTimestamp", "rawData", "lambdaArn",
    }  # fmt: skip
    for record in failed:
        assert fields <= set(record)
        assert re.fullmatch(r"arn:aws:lambda:[a-z0-9-]+:\d{12}:function:.+", record["lambdaArn"])
        assert record["errorCode"] == "Lambda.ProcessingFailedStatus"
    error_prefix = delivery_destination(template_document)["ErrorOutputPrefix"]
    fixed = error_prefix.split("!{timestamp")[0].replace(
        "!{firehose:error-output-type}", "processing-failed"
    )
    for path in pipeline.failed_objects():
        assert path.relative_to(pipeline.bucket_dir).as_posix().startswith(fixed)


def test_clicks_arrive_by_the_buffer_interval_without_a_flush(start_pipeline, template_document):
    interval = float(processor_parameters(template_document)["BufferIntervalInSeconds"])
    scale = 0.3 / interval
    pipeline = start_pipeline(interval_scale=scale)
    mysfit = requests.get(f"{pipeline.mysfits_api_url}/mysfits", timeout=10).json()["mysfits"][0]

    put_click(pipeline, {"userId": "timer", "mysfitId": mysfit["mysfitId"]})
    assert pipeline.delivered_objects() == []
    deadline = time.monotonic() + 10
    while not pipeline.delivered_objects() and time.monotonic() < deadline:
        time.sleep(0.05)

    assert [r["userid"] for r in pipeline.delivered_records()] == ["timer"]


def test_stop_delivers_what_is_still_buffered(start_pipeline):
    pipeline = start_pipeline(interval_scale=1.0)
    mysfit = requests.get(f"{pipeline.mysfits_api_url}/mysfits", timeout=10).json()["mysfits"][0]
    put_click(pipeline, {"userId": "last", "mysfitId": mysfit["mysfitId"]})
    assert pipeline.delivered_objects() == []

    pipeline.stop()

    assert [r["userid"] for r in pipeline.delivered_records()] == ["last"]


def test_unknown_routes_get_the_gateway_403(start_pipeline, template_document):
    pipeline = start_pipeline()

    answers = [
        requests.get(f"{pipeline.api_url}/clicks", timeout=10),
        requests.put(f"{pipeline.api_url}/nowhere", json={}, timeout=10),
        requests.put(
            pipeline.api_url.rsplit("/", 1)[0] + "/other-stage/clicks", json={}, timeout=10
        ),
    ]

    headers = expected_headers(
        gateway_response(template_document, "DEFAULT_4XX")["ResponseParameters"],
        "gatewayresponse.header.",
        defaults(template_document),
    )
    for answer in answers:
        assert answer.status_code == 403
        assert answer.json() == {"message": "Missing Authentication Token"}
        assert {k: answer.headers.get(k) for k in headers} == headers
