"""The Click model: what it accepts, checked as ECMA-262 reads its patterns, and as `re` does."""

from __future__ import annotations

import base64
import json
import re
import uuid

import pytest
from jsonschema import Draft4Validator

from clickstream.local.cfn import ResolvedTemplate
from clickstream.local.ecma_schema import EcmaDraft4Validator
from clickstream.local.vtl import render_mapping_template

MYSFIT = "4e53920c-505a-4a90-a694-b9300791f0ae"
CLICK_ID = "0b6f2c1e-3a4d-4f5e-8a9b-1c2d3e4f5a6b"


@pytest.fixture(scope="module")
def schema(one) -> dict:
    _, model = one("AWS::ApiGateway::Model")
    return model["Schema"]


@pytest.fixture(scope="module")
def validators(schema):
    # ECMA-262 (what JSON Schema means) and Python's re (Java's `$` behaves like it).
    return [EcmaDraft4Validator(schema), Draft4Validator(schema)]


ACCEPTED = [
    {"userId": "guest", "mysfitId": MYSFIT},
    {"userId": "guest", "mysfitId": MYSFIT, "clickId": CLICK_ID},
    {"userId": "jane.doe+x@example.com", "mysfitId": "m:1_a-b"},
    {"userId": "u" * 128, "mysfitId": "m"},
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
    # Only the replay may date a click (the processor trusts it from the stream, not the edge).
    {"userId": "guest", "mysfitId": MYSFIT, "arrivedAt": 0},
]


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

    assert len(patterns) == 3
    for pattern in patterns:
        assert not pattern.endswith("$")
        assert re.search(pattern, "a\n") is None


def test_the_mapping_template_carries_the_click_id(template) -> None:
    # GIVEN the PUT /clicks integration's mapping template, resolved as CloudFormation would
    parameters = {
        name: "arn:aws:dynamodb:us-east-1:123456789012:table/T" if "Table" in name else "x"
        for name, spec in template["Parameters"].items()
        if "Default" not in spec
    }
    resolved = ResolvedTemplate(template, parameters=parameters)
    put = next(
        p for _, p in resolved.of_type("AWS::ApiGateway::Method") if p["HttpMethod"] == "PUT"
    )
    mapping = put["Integration"]["RequestTemplates"]["application/json"]
    click = {"userId": "guest", "mysfitId": MYSFIT, "clickId": CLICK_ID}

    # WHEN a Velocity engine renders it for a click with a click id
    rendered = json.loads(render_mapping_template(mapping, json.dumps(click)))

    # THEN Firehose receives the click id with the rest of the click
    assert json.loads(base64.b64decode(rendered["Record"]["Data"])) == click
