"""Resolving the template without AWS: parameters, conditions, intrinsic functions, names."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from clickstream.local.__main__ import check_current
from clickstream.local.apigateway.loading import with_stage_variables
from clickstream.local.cloudformation import ResolvedTemplate, TemplateError
from clickstream.local.firehose.prefix import error_key, evaluate_prefix, java_date_format

from .conftest import TEMPLATE


def resolve(fragment, parameters=None, conditions=None, resources=None, overrides=None):
    document = {
        "Parameters": parameters or {},
        "Conditions": conditions or {},
        "Resources": resources or {"Thing": {"Type": "AWS::SNS::Topic"}},
    }
    return ResolvedTemplate(document, parameters=overrides).resolve(fragment)


def test_sub_with_parameters_pseudo_parameters_and_literal_dollars():
    parameters = {"Stage": {"Type": "String", "Default": "prod"}}
    fragment = {"Fn::Sub": "${Stage}/${AWS::Region}/${!input.body}/${Other}"}

    text = resolve({"Fn::Sub": [fragment["Fn::Sub"], {"Other": "x"}]}, parameters)

    assert text == "prod/us-east-1/${input.body}/x"


def test_parameter_overrides_win_over_defaults():
    parameters = {"Origin": {"Type": "String", "Default": "*"}}

    assert resolve({"Ref": "Origin"}, parameters, overrides={"Origin": "http://a"}) == "http://a"


def test_conditions_if_and_no_value():
    parameters = {"Flag": {"Type": "String", "Default": "false"}}
    conditions = {
        "On": {"Fn::Equals": [{"Ref": "Flag"}, "true"]},
        "Off": {"Fn::Not": [{"Condition": "On"}]},
        "Both": {"Fn::And": [{"Condition": "On"}, {"Condition": "Off"}]},
        "Either": {"Fn::Or": [{"Condition": "On"}, {"Condition": "Off"}]},
    }
    fragment = {
        "a": {"Fn::If": ["On", "yes", {"Ref": "AWS::NoValue"}]},
        "b": {"Fn::If": ["Off", "yes", "no"]},
        "c": [{"Fn::If": ["Both", 1, {"Ref": "AWS::NoValue"}]}, {"Fn::If": ["Either", 2, 3]}],
    }

    assert resolve(fragment, parameters, conditions) == {"b": "yes", "c": [2]}


def test_select_split_join():
    arn = "arn:aws:dynamodb:eu-west-1:111122223333:table/Mysfits"
    parameters = {"TableArn": {"Type": "String", "Default": arn}}
    name = {"Fn::Select": [1, {"Fn::Split": ["/", {"Ref": "TableArn"}]}]}

    assert resolve(name, parameters) == "Mysfits"
    assert resolve({"Fn::Join": ["-", ["a", name]]}, parameters) == "a-Mysfits"


def test_refs_and_arns_of_resources_agree():
    resources = {
        "Stream": {"Type": "AWS::KinesisFirehose::DeliveryStream"},
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": "named"}},
    }
    template = ResolvedTemplate({"Resources": resources})

    stream_name = template.resolve({"Ref": "Stream"})
    stream_arn = template.resolve({"Fn::GetAtt": ["Stream", "Arn"]})

    assert stream_arn.endswith(f":deliverystream/{stream_name}")
    assert template.resolve({"Fn::GetAtt": "Fn.Arn"}).endswith(":function:named")
    assert template.resolve({"Fn::Sub": "${Stream}"}) == stream_name
    assert ResolvedTemplate({"Resources": resources}).resolve({"Ref": "Stream"}) == stream_name


def test_unknown_references_are_refused():
    with pytest.raises(TemplateError):
        resolve({"Ref": "Nowhere"})


def test_the_generated_template_resolves_its_put_request_template():
    document = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    parameters = {
        name: "arn:aws:dynamodb:us-east-1:123456789012:table/T"
        if "Table" in name
        else "https://example.com"
        for name, spec in document["Parameters"].items()
        if "Default" not in spec
    }
    template = ResolvedTemplate(document, parameters=parameters)

    (stream_id,) = [
        k for k, r in document["Resources"].items()
        if r["Type"] == "AWS::KinesisFirehose::DeliveryStream"
    ]  # fmt: skip
    put = next(
        p for _, p in template.of_type("AWS::ApiGateway::Method") if p["HttpMethod"] == "PUT"
    )
    request_template = put["Integration"]["RequestTemplates"]["application/json"]
    assert template.physical_name(stream_id) in request_template
    # Every Fn::Sub variable is resolved; what remains of ${...} is VTL's own (${!x} in Fn::Sub).
    assert "${!" not in request_template and "${Stream}" not in request_template
    assert "${record}" in request_template


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("yyyy/MM/dd/HH", "2026/03/07/05"),
        ("yyyy-MM-dd'T'HH:mm:ss", "2026-03-07T05:04:09"),
        ("yy MMM MMMM d D", "26 Mar March 7 66"),
        ("'quoted ''' EEE", "quoted ' Sat"),
    ],
)
def test_java_date_patterns(pattern, expected):
    moment = datetime(2026, 3, 7, 5, 4, 9, tzinfo=UTC)

    assert java_date_format(pattern, moment) == expected


def test_prefix_expressions_and_defaults():
    moment = datetime(2026, 12, 31, 23, 59, 0, tzinfo=UTC)

    assert evaluate_prefix("c/y=!{timestamp:yyyy}/", moment) == "c/y=2026/"
    assert evaluate_prefix("plain/", moment) == "plain/2026/12/31/23/"
    assert evaluate_prefix("", moment) == "2026/12/31/23/"
    random_part = evaluate_prefix("r/!{firehose:random-string}/!{timestamp:yyyy}/", moment)
    assert len(random_part.split("/")[1]) == 11
    assert error_key("", "s", moment, "processing-failed").startswith(
        "processing-failed/2026/12/31/23/s-1-2026-12-31-23-59-00-"
    )
    with pytest.raises(TemplateError):
        evaluate_prefix("!{firehose:error-output-type}/", moment)


def test_a_stale_generated_template_is_refused(tmp_path):
    generated = tmp_path / "templates"
    generated.mkdir()
    current = generated / TEMPLATE.name
    current.write_text(TEMPLATE.read_text(encoding="utf-8"), encoding="utf-8")
    from clickstream.template import render

    if render()[TEMPLATE.name] != current.read_text(encoding="utf-8"):
        pytest.skip("the committed template is itself stale")
    check_current(current, generated)

    current.write_text(current.read_text(encoding="utf-8").replace("prod", "beta"), "utf-8")
    with pytest.raises(TemplateError, match=r"stale.*python generate\.py"):
        check_current(current, generated)


def test_refs_of_api_gateway_resources_are_what_cloudformation_returns():
    # The CloudFormation reference: a RestApi's Ref is its generated id (not its Name), a
    # Stage's Ref is its stage name, a Model's Ref is its name.
    parameters = {"Stage": {"Type": "String", "Default": "prod"}}
    resources = {
        "Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {"Name": "clicks"}},
        "ApiStage": {
            "Type": "AWS::ApiGateway::Stage",
            "Properties": {"RestApiId": {"Ref": "Api"}, "StageName": {"Ref": "Stage"}},
        },
        "Model": {
            "Type": "AWS::ApiGateway::Model",
            "Properties": {"RestApiId": {"Ref": "Api"}, "Name": "Click"},
        },
    }

    api, stage, model = (
        resolve({"Ref": name}, parameters, resources=resources)
        for name in ("Api", "ApiStage", "Model")
    )

    assert api != "clicks" and len(api) == 10 and api.isalnum() and api.islower()
    assert (stage, model) == ("prod", "Click")


def test_an_authorizers_pool_is_read_with_the_stages_variables():
    arn = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/${stageVariables.PoolId}"

    assert with_stage_variables(arn, "PUT /x", {"PoolId": "us-east-1_Ab1"}) == (
        "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Ab1"
    )
    with pytest.raises(TemplateError, match=r"^PUT /x: the stage has no variable PoolId$"):
        with_stage_variables(arn, "PUT /x", {})
