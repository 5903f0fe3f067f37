"""The edge: the request model, the mapping template and CORS, proven with real engines.

The model is checked by a real JSON Schema draft-4 validator; the mapping template is rendered by
a real Velocity engine and its output checked against botocore's Firehose service model.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import unquote_plus

import botocore.session
import pytest
from botocore.validate import ParamValidator
from jsonschema import Draft4Validator

from clickstream.local.apigateway.vtl import render_mapping_template

STREAM = "mysfits-clicks-stream"


@pytest.fixture(scope="module")
def schema(model_schema) -> dict:
    return model_schema("Click")


@pytest.fixture(scope="module")
def validator(schema) -> Draft4Validator:
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema)


def accepted(validator: Draft4Validator, body: str) -> bool:
    """What API Gateway's body validator decides: non-JSON and schema failures are 400."""
    try:
        document = json.loads(body)
    except ValueError:
        return False
    return validator.is_valid(document)


UUID = "4e53920c-505a-4a90-a694-b9300791f0ae"


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"userId": "guest", "mysfitId": UUID}),
        json.dumps({"mysfitId": UUID, "userId": "us-east-1:1c2b3a4d-0000-4aaa-8bbb-123456789abc"}),
        json.dumps({"userId": "jane.doe@example.com", "mysfitId": "a"}),
        json.dumps({"userId": "u" * 128, "mysfitId": UUID}),
    ],
)
def test_model_accepts_well_formed_clicks(validator, body):
    assert accepted(validator, body)


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"userId": "guest"}),
        json.dumps({"mysfitId": UUID}),
        json.dumps({}),
        json.dumps({"userId": 7, "mysfitId": UUID}),
        json.dumps({"userId": "guest", "mysfitId": None}),
        json.dumps({"userId": "", "mysfitId": UUID}),
        json.dumps({"userId": "guest", "mysfitId": ""}),
        json.dumps({"userId": "u" * 129, "mysfitId": UUID}),
        json.dumps({"userId": "guest", "mysfitId": UUID, "admin": True}),
        json.dumps({"userId": "guest", "mysfitId": 'x", "Record": {"Data": "eA=="}}'}),
        json.dumps({"userId": "<script>", "mysfitId": UUID}),
        json.dumps({"userId": "two words", "mysfitId": UUID}),
        json.dumps([{"userId": "guest", "mysfitId": UUID}]),
        json.dumps("guest"),
        "null",
        "{userId: guest}",
        "",
        "userId=guest&mysfitId=1",
    ],
)
def test_model_rejects_malformed_clicks(validator, body):
    assert not accepted(validator, body)


PATHS = ["/clicks", "/clicks/signed-in"]


def mapping_text(properties: dict) -> str:
    text, variables = properties["Integration"]["RequestTemplates"]["application/json"]["Fn::Sub"]
    assert set(variables) == {"Stream"}
    # Fn::Sub writes ${!x} for the literal ${x}.
    return text.replace("${Stream}", STREAM).replace("${!", "${")


@pytest.fixture(scope="module")
def mapping_template(method) -> str:
    return mapping_text(method("/clicks", "PUT")[1])


@pytest.fixture(scope="module")
def methods(method) -> dict[tuple[str, str], dict]:
    return {(path, verb): method(path, verb)[1] for path in PATHS for verb in ("PUT", "OPTIONS")}


EXTENDED_REQUEST_ID = "IJgFdG6KoAMFW0A="
CONTEXT = {
    "requestTimeEpoch": 1764263941123,
    "requestId": "0b2f1c4e-6a4d-4b8e-9f61-3c2d1e0f9a8b",
    "extendedRequestId": EXTENDED_REQUEST_ID,
    "identity": {"userAgent": "curl/8.5.0"},
}


@pytest.fixture(scope="module")
def put_record_validator():
    model = botocore.session.get_session().get_service_model("firehose")
    shape = model.operation_model("PutRecord").input_shape

    def validate(wire: dict) -> None:
        # The JSON protocol sends blobs as base64 text; the client-side shape wants bytes.
        params = {**wire, "Record": {**wire["Record"]}}
        params["Record"]["Data"] = base64.b64decode(wire["Record"]["Data"], validate=True)
        report = ParamValidator().validate(params, shape)
        assert not report.has_errors(), report.generate_report()

    return validate


@pytest.mark.parametrize(
    "click",
    [
        {"userId": "guest", "mysfitId": UUID},
        {"mysfitId": UUID, "userId": "jane.doe@example.com"},
        # The model keeps these out, but the template itself must not break on them.
        {"userId": 'quote " and \\ backslash', "mysfitId": "tab\tnew\nline"},
        {"userId": "Zoë 猫 🦄", "mysfitId": "ünïcödé"},
        {"userId": "it's", "mysfitId": "</script>"},
    ],
)
def test_mapping_template_makes_a_valid_put_record_carrying_the_click(
    mapping_template, put_record_validator, click
):
    body = json.dumps(click, ensure_ascii=False)
    rendered = render_mapping_template(mapping_template, body, context=CONTEXT)
    request = json.loads(rendered)
    put_record_validator(request)
    assert request["DeliveryStreamName"] == STREAM
    assert set(request) == {"DeliveryStreamName", "Record"}
    record = json.loads(base64.b64decode(request["Record"]["Data"]).decode("utf-8"))
    assert record == {
        "event": "profile",
        "userId": click["userId"],
        "authenticated": False,
        # No visitorId in the body: the request is a visitor of its own, named by the edge.
        "visitorId": EXTENDED_REQUEST_ID,
        "mysfitId": click["mysfitId"],
        "receivedAt": 1764263941123,
        "userAgent": "curl%2F8.5.0",
    }


@pytest.mark.parametrize("user_id", ["guest", "victim", "5f1e2d3c-4b5a-4697-8871-9a0b1c2d3e4f"])
def test_an_anonymous_click_without_a_visitor_is_never_its_user_ids_visitor(
    mapping_template, user_id
):
    # GIVEN an anonymous body without visitorId, whose userId anyone may choose, sent with a
    # request id of the caller's choosing (API Gateway lets x-amzn-RequestId set $context.requestId)
    body = json.dumps({"userId": user_id, "mysfitId": UUID})

    # WHEN the mapping template renders it
    rendered = render_mapping_template(mapping_template, body, context=CONTEXT)
    record = json.loads(base64.b64decode(json.loads(rendered)["Record"]["Data"]))

    # THEN its visitor is the edge's own id for the request, not the userId nor the request id
    assert record["visitorId"] == EXTENDED_REQUEST_ID
    assert record["visitorId"] not in (user_id, CONTEXT["requestId"])


def test_a_visitor_id_in_the_body_is_the_visitor(mapping_template):
    visitor = "5f1e2d3c-4b5a-4697-8871-9a0b1c2d3e4f"
    body = json.dumps({"userId": "guest", "mysfitId": UUID, "visitorId": visitor})

    rendered = render_mapping_template(mapping_template, body, context=CONTEXT)
    record = json.loads(base64.b64decode(json.loads(rendered)["Record"]["Data"]))

    assert record["visitorId"] == visitor


@pytest.mark.parametrize(
    "user_agent",
    [
        "quote \" and \\ backslash, it's",
        "Zoë 猫 🦄 + & % =",
        "tab\tnew\nline\u2028</script>",
        "",
        None,
    ],
)
@pytest.mark.parametrize("path", PATHS)
def test_any_user_agent_leaves_a_valid_record(method, put_record_validator, path, user_agent):
    # GIVEN either method's mapping template and a request with any user agent (or none)
    template = mapping_text(method(path, "PUT")[1])
    context = {
        "requestTimeEpoch": 1,
        "identity": {"userAgent": user_agent},
        "authorizer": {"claims": {"sub": "7d0c5a8e-1b2c-4d3e-9f40-5a6b7c8d9e0f"}},
    }
    body = json.dumps(
        {"userId": "guest", "mysfitId": UUID} if path == "/clicks" else {"mysfitId": UUID}
    )

    # WHEN rendered
    request = json.loads(render_mapping_template(template, body, context=context))

    # THEN the record is JSON whose user agent decodes to the one sent
    put_record_validator(request)
    record = json.loads(base64.b64decode(request["Record"]["Data"]))
    assert unquote_plus(record["userAgent"]) == (user_agent or "")


def test_put_record_check_catches_a_broken_template(put_record_validator):
    """The same check fails a request Firehose would reject: an unknown member."""
    broken = (
        '{"DeliveryStreamName": "x", '
        '"Record": {"Data": "$util.base64Encode($input.body)", "PartitionKey": "k"}}'
    )
    request = json.loads(render_mapping_template(broken, '{"userId": "guest"}'))
    with pytest.raises(AssertionError, match="PartitionKey"):
        put_record_validator(request)


# --- CORS -------------------------------------------------------------------------------------

ORIGIN = {"Fn::Sub": ["'${Origin}'", {"Origin": {"Ref": "AllowedOrigin"}}]}


def test_allowed_origin_is_a_parameter_defaulting_to_any(template):
    assert template["Parameters"]["AllowedOrigin"]["Default"] == "*"


def test_every_method_response_uses_the_allowed_origin(methods):
    for verb, properties in methods.items():
        for response in properties["Integration"]["IntegrationResponses"]:
            origin = response["ResponseParameters"][
                "method.response.header.Access-Control-Allow-Origin"
            ]
            assert origin == ORIGIN, verb


@pytest.mark.parametrize("kind", ["DEFAULT_4XX", "DEFAULT_5XX"])
def test_gateway_errors_carry_cors_headers(of_type, kind, one):
    api_name, _ = one("AWS::ApiGateway::RestApi")
    responses = [
        r["Properties"]
        for r in of_type("AWS::ApiGateway::GatewayResponse").values()
        if r["Properties"]["ResponseType"] == kind
    ]
    assert len(responses) == 1
    headers = responses[0]["ResponseParameters"]
    assert responses[0]["RestApiId"] == {"Ref": api_name}
    assert headers["gatewayresponse.header.Access-Control-Allow-Origin"] == ORIGIN
    # The authorizer's 401 must be readable too: the page then refreshes its token.
    allowed = headers["gatewayresponse.header.Access-Control-Allow-Headers"]
    assert allowed == "'Authorization,Content-Type'"


@pytest.mark.parametrize(
    ("path", "headers"),
    [("/clicks", ["Content-Type"]), ("/clicks/signed-in", ["Authorization", "Content-Type"])],
)
def test_cors_allows_only_what_the_page_uses(methods, path, headers):
    (preflight,) = methods[path, "OPTIONS"]["Integration"]["IntegrationResponses"]
    answer = preflight["ResponseParameters"]
    allowed_methods = answer["method.response.header.Access-Control-Allow-Methods"].strip("'")
    assert sorted(allowed_methods.split(",")) == ["OPTIONS", "PUT"]
    allowed_headers = answer["method.response.header.Access-Control-Allow-Headers"].strip("'")
    assert allowed_headers.split(",") == headers


def test_allowed_origin_parameter_rejects_paths_and_junk(template):
    import re

    pattern = template["Parameters"]["AllowedOrigin"]["AllowedPattern"]
    for ok in ["*", "https://www.example.com", "http://localhost:8080"]:
        assert re.fullmatch(pattern, ok), ok
    for bad in ["https://example.com/path", "'*'", "example.com", "*.example.com", ""]:
        assert not re.fullmatch(pattern, bad), bad
