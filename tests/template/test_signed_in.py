"""PUT /clicks/signed-in: there only with a user pool, guarded by it, and the user from the token.

The template is resolved as CloudFormation would resolve it for each value of CognitoUserPoolArn.
"""

from __future__ import annotations

import re

import pytest

from clickstream.local.cloudformation import ResolvedTemplate
from tests.template.test_click_model import MYSFIT, VISITOR_ID, record_of, resolved_put

POOL = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123"
SUB = "7d0c5a8e-1b2c-4d3e-9f40-5a6b7c8d9e0f"
TOKEN = "eyJraWQiOiJrMSIsImFsZyI6IlJTMjU2In0.eyJzdWIiOiI3ZDBjIn0.c2ln"


def resolved(template: dict, pool: str) -> ResolvedTemplate:
    values = {
        name: "arn:aws:dynamodb:us-east-1:123456789012:table/T" if "Table" in name else "x"
        for name, spec in template["Parameters"].items()
        if "Default" not in spec
    }
    return ResolvedTemplate(template, parameters={**values, "CognitoUserPoolArn": pool})


def test_the_user_pool_parameter_is_optional_and_checked(template) -> None:
    parameter = template["Parameters"]["CognitoUserPoolArn"]

    assert parameter["Default"] == ""
    for ok in ["", POOL, "arn:aws-cn:cognito-idp:cn-north-1:123456789012:userpool/cn-north-1_x1"]:
        assert re.fullmatch(parameter["AllowedPattern"], ok), ok
    for bad in ["us-east-1_AbCdEf123", POOL + "/", "arn:aws:cognito-idp:us-east-1:1:userpool/x"]:
        assert not re.fullmatch(parameter["AllowedPattern"], bad), bad


def test_without_a_user_pool_there_is_no_signed_in_method(template) -> None:
    stack = resolved(template, "")

    assert list(stack.of_type("AWS::ApiGateway::Authorizer")) == []
    methods = [p for _, p in stack.of_type("AWS::ApiGateway::Method")]
    assert sorted(p["HttpMethod"] for p in methods) == ["OPTIONS", "PUT"]
    assert all(p["AuthorizationType"] == "NONE" for p in methods)
    with pytest.raises(ValueError):
        resolved_put(template, "/clicks/signed-in")


def test_with_a_user_pool_the_signed_in_method_is_guarded_by_it(template) -> None:
    stack = resolved(template, POOL)

    ((authorizer_id, authorizer),) = stack.of_type("AWS::ApiGateway::Authorizer")
    assert authorizer["Type"] == "COGNITO_USER_POOLS"
    # The pool's id is the stage's variable (so a new pool needs no new deployment).
    ((_, stage),) = stack.of_type("AWS::ApiGateway::Stage")
    pool_id = stage["Variables"]["CognitoUserPoolId"]
    variable = "${stageVariables.CognitoUserPoolId}"
    arns = [arn.replace(variable, pool_id) for arn in authorizer["ProviderARNs"]]
    assert arns == [POOL]
    assert authorizer["IdentitySource"] == "method.request.header.Authorization"
    put = resolved_put(template, "/clicks/signed-in", CognitoUserPoolArn=POOL)
    assert put["AuthorizationType"] == "COGNITO_USER_POOLS"
    assert put["AuthorizerId"] == stack.physical_name(authorizer_id)
    # The anonymous method stays anonymous.
    assert resolved_put(template, "/clicks", CognitoUserPoolArn=POOL)["AuthorizationType"] == "NONE"


def test_the_stage_deploys_the_shape_the_parameter_asks_for(template) -> None:
    # GIVEN the stack without and with a user pool
    shapes = {}
    for pool in ("", POOL):
        stack = resolved(template, pool)
        ((_, stage),) = stack.of_type("AWS::ApiGateway::Stage")
        deployments = {
            stack.physical_name(i): i for i, _ in stack.of_type("AWS::ApiGateway::Deployment")
        }
        # THEN its stage uses the one deployment that exists for that shape
        assert list(deployments) == [stage["DeploymentId"]]
        shapes[pool] = deployments[stage["DeploymentId"]]
    # AND setting or clearing the parameter moves the stage to another deployment
    assert shapes[""] != shapes[POOL]
    depends = template["Resources"][shapes[POOL]]["DependsOn"]
    assert {"SignedInClicksPutMethod", "SignedInClicksOptionsMethod"} <= set(depends)


def test_the_signed_in_record_takes_the_user_from_the_token_never_the_body(template) -> None:
    # GIVEN the signed-in method's mapping template and the claims the authorizer proved
    put = resolved_put(template, "/clicks/signed-in", CognitoUserPoolArn=POOL)
    context = {
        "requestTimeEpoch": 1764263941123,
        "identity": {"userAgent": "Mozilla/5.0 (X11; Linux x86_64)"},
        "authorizer": {"claims": {"sub": SUB, "email": "jane@example.com", "token_use": "id"}},
    }

    # WHEN it renders an adoption
    record = record_of(
        put, {"event": "adopt", "mysfitId": MYSFIT, "visitorId": VISITOR_ID}, context
    )

    # THEN the user is the token's subject, marked authenticated, and no token or claim leaks
    assert record["userId"] == SUB
    assert record["authenticated"] is True
    assert record["event"] == "adopt"
    assert record["visitorId"] == VISITOR_ID
    assert "email" not in str(record) and "jane" not in str(record)
    mapping = put["Integration"]["RequestTemplates"]["application/json"]
    assert "$context.authorizer.claims.sub" in mapping
    assert "Authorization" not in mapping and "$input.params" not in mapping


def test_a_signed_in_event_without_one_is_a_profile_view(template) -> None:
    put = resolved_put(template, "/clicks/signed-in", CognitoUserPoolArn=POOL)
    context = {
        "requestTimeEpoch": 1,
        "identity": {"userAgent": "x"},
        "authorizer": {"claims": {"sub": SUB}},
    }

    assert record_of(put, {"mysfitId": MYSFIT}, context)["event"] == "profile"


def test_the_anonymous_record_keeps_the_asserted_user_unauthenticated(template) -> None:
    # A hand-made PUT /clicks naming someone's sub is kept as asserted, and marked so.
    put = resolved_put(template, "/clicks", CognitoUserPoolArn=POOL)
    context = {"requestTimeEpoch": 1, "identity": {"userAgent": "curl/8.5.0"}}

    record = record_of(put, {"userId": SUB, "mysfitId": MYSFIT}, context)

    assert (record["userId"], record["authenticated"], record["event"]) == (SUB, False, "profile")
