"""The Click model: what it accepts, checked as ECMA-262 reads its patterns, and as `re` does."""

from __future__ import annotations

import base64
import json
import re
import uuid

import pytest
from jsonschema import Draft4Validator

from clickstream import contract
from clickstream.local.apigateway.ecma_schema import EcmaDraft4Validator
from clickstream.local.apigateway.vtl import render_mapping_template
from clickstream.local.cloudformation import ResolvedTemplate

MYSFIT = "4e53920c-505a-4a90-a694-b9300791f0ae"
CLICK_ID = "0b6f2c1e-3a4d-4f5e-8a9b-1c2d3e4f5a6b"


VISITOR_ID = "5f1e2d3c-4b5a-4697-8871-9a0b1c2d3e4f"


@pytest.fixture(scope="module")
def schema(model_schema) -> dict:
    return model_schema("Click")


def engines(schema: dict) -> list:
    # ECMA-262 (what JSON Schema means) and Python's re (Java's `$` behaves like it).
    return [EcmaDraft4Validator(schema), Draft4Validator(schema)]


@pytest.fixture(scope="module")
def validators(schema):
    return engines(schema)


@pytest.fixture(scope="module")
def signed_in_validators(model_schema):
    return engines(model_schema("SignedInClick"))


ACCEPTED = [
    {"userId": "guest", "mysfitId": MYSFIT},
    {"userId": "guest", "mysfitId": MYSFIT, "clickId": CLICK_ID},
    {"userId": "jane.doe+x@example.com", "mysfitId": "m:1_a-b"},
    {"userId": "u" * 128, "mysfitId": "m"},
    {"event": "profile", "userId": "guest", "mysfitId": MYSFIT, "visitorId": VISITOR_ID},
]
REFUSED = [
    {"userId": "guest\n", "mysfitId": MYSFIT},
    {"userId": "guest", "mysfitId": MYSFIT + "\n"},
    {"userId": "guest", "mysfitId": MYSFIT + "\r\n"},
    {"userId": "\nguest", "mysfitId": MYSFIT},
    {"userId": "gu\x00est", "mysfitId": MYSFIT},
    {"userId": "guest\u2028", "mysfitId": MYSFIT},
    {"userId": "guest", "mysfitId": "a\tb"},
    {"userId": "u" * 129, "mysfitId": "m"},
    {"userId": "guest", "mysfitId": MYSFIT, "clickId": CLICK_ID + "\n"},
    {"userId": "guest", "mysfitId": MYSFIT, "clickId": CLICK_ID.upper()},
    {"userId": "guest", "mysfitId": MYSFIT, "clickId": "{" + CLICK_ID + "}"},
    {"userId": "guest", "mysfitId": MYSFIT, "clickId": CLICK_ID.replace("-", "")},
    {"userId": "guest", "mysfitId": MYSFIT, "clickId": ""},
    {"userId": "guest", "mysfitId": MYSFIT, "clickId": 7},
    {"userId": "guest", "mysfitId": MYSFIT, "clickId": None},
    {"userId": "guest", "mysfitId": MYSFIT, "page": "/"},
    # Only API Gateway (or the replay) dates a click: the edge refuses a date from the body.
    {"userId": "guest", "mysfitId": MYSFIT, "receivedAt": 0},
    {"userId": "guest", "mysfitId": MYSFIT, "arrivedAt": 0},
    {"userId": "guest", "mysfitId": MYSFIT, "userAgent": "Googlebot"},
    {"userId": "guest", "mysfitId": MYSFIT, "authenticated": True},
    # Likes and adoptions are told only by a signed-in user, through the authorizer.
    {"event": "like", "userId": "guest", "mysfitId": MYSFIT},
    {"event": "adopt", "userId": "guest", "mysfitId": MYSFIT},
    {"event": "", "userId": "guest", "mysfitId": MYSFIT},
    {"event": "Profile", "userId": "guest", "mysfitId": MYSFIT},
    {"userId": "guest", "mysfitId": MYSFIT, "visitorId": VISITOR_ID.upper()},
    {"userId": "guest", "mysfitId": MYSFIT, "visitorId": "guest"},
    {"userId": "guest", "mysfitId": MYSFIT, "visitorId": VISITOR_ID + "\n"},
]
SIGNED_IN_ACCEPTED = [
    {"mysfitId": MYSFIT},
    {"event": "profile", "mysfitId": MYSFIT, "visitorId": VISITOR_ID, "clickId": CLICK_ID},
    {"event": "like", "mysfitId": MYSFIT, "visitorId": VISITOR_ID, "clickId": CLICK_ID},
    {"event": "adopt", "mysfitId": MYSFIT},
]
SIGNED_IN_REFUSED = [
    # The user is the token's subject: a body naming one is refused, not trusted.
    {"userId": "7d0c5a8e-1b2c-4d3e-9f40-5a6b7c8d9e0f", "mysfitId": MYSFIT},
    {"event": "share", "mysfitId": MYSFIT},
    {"event": "like"},
    {"event": "like", "mysfitId": MYSFIT, "authenticated": False},
    {"mysfitId": MYSFIT, "visitorId": VISITOR_ID.upper()},
    {"mysfitId": MYSFIT + "\n"},
]


@pytest.mark.parametrize("click", SIGNED_IN_ACCEPTED, ids=repr)
def test_the_signed_in_model_accepts(signed_in_validators, click) -> None:
    assert all(v.is_valid(click) for v in signed_in_validators)


@pytest.mark.parametrize("click", SIGNED_IN_REFUSED, ids=repr)
def test_the_signed_in_model_refuses_in_every_engine(signed_in_validators, click) -> None:
    assert not any(v.is_valid(click) for v in signed_in_validators)


@pytest.mark.parametrize("click", ACCEPTED)
def test_the_model_accepts(validators, click) -> None:
    assert all(v.is_valid(click) for v in validators)


@pytest.mark.parametrize("click", REFUSED, ids=repr)
def test_the_model_refuses_in_every_engine(validators, click) -> None:
    assert not any(v.is_valid(click) for v in validators)


def test_browser_made_click_ids_pass(validators) -> None:
    # crypto.randomUUID() makes version-4 UUIDs in lowercase, as Python's str(uuid4()) does.
    for _ in range(200):
        click = {"userId": "guest", "mysfitId": MYSFIT, "clickId": str(uuid.uuid4())}
        assert all(v.is_valid(click) for v in validators)


def test_every_pattern_ends_at_end_of_input_not_at_dollar(schema) -> None:
    patterns = [p["pattern"] for p in schema["properties"].values() if "pattern" in p]

    assert len(patterns) == 4  # userId, mysfitId, clickId, visitorId
    for pattern in patterns:
        assert not pattern.endswith("$")
        assert re.search(pattern, "a\n") is None


def resolved_put(template: dict, path: str, **parameters: str) -> dict:
    """The PUT method on `path`, resolved as CloudFormation would for these parameters."""
    values = {
        name: "arn:aws:dynamodb:us-east-1:123456789012:table/T" if "Table" in name else "x"
        for name, spec in template["Parameters"].items()
        if "Default" not in spec
    }
    resolved = ResolvedTemplate(template, parameters={**values, **parameters})
    ids = {resolved.physical_name(i): p for i, p in resolved.of_type("AWS::ApiGateway::Resource")}
    (put,) = [
        p
        for _, p in resolved.of_type("AWS::ApiGateway::Method")
        if p["HttpMethod"] == "PUT" and "/" + "/".join(_path(ids, p["ResourceId"])) == path
    ]
    return put


def _path(ids: dict, resource_id: str) -> list[str]:
    if resource_id not in ids:
        return []
    return [*_path(ids, ids[resource_id]["ParentId"]), ids[resource_id]["PathPart"]]


def record_of(put: dict, body: dict, context: dict) -> dict:
    mapping = put["Integration"]["RequestTemplates"]["application/json"]
    rendered = json.loads(render_mapping_template(mapping, json.dumps(body), context=context))
    return json.loads(base64.b64decode(rendered["Record"]["Data"]))


def test_the_mapping_template_carries_the_click_and_visitor_ids(template) -> None:
    # GIVEN the PUT /clicks integration's mapping template, resolved as CloudFormation would
    put = resolved_put(template, "/clicks")
    click = {"userId": "guest", "mysfitId": MYSFIT, "clickId": CLICK_ID, "visitorId": VISITOR_ID}
    context = {"requestTimeEpoch": 1764263941123, "identity": {"userAgent": "Mozilla/5.0"}}

    # WHEN a Velocity engine renders it for a click with a click id and a visitor id
    record = record_of(put, click, context)

    # THEN Firehose receives them with the rest of the click, in the contract's order
    assert record == {
        "event": "profile",
        "userId": "guest",
        "authenticated": False,
        "visitorId": VISITOR_ID,
        "clickId": CLICK_ID,
        "mysfitId": MYSFIT,
        "receivedAt": 1764263941123,
        "userAgent": "Mozilla%2F5.0",
    }
    assert list(record) == [key for key, _ in contract.RECORD_FIELDS]
