"""API logging (EnableApiAccessLogs=true) without its hazards: on the rendered template."""

from __future__ import annotations

import json
import re

import pytest

from clickstream.api.logs import access_log_format


def ref(name: str) -> dict:
    return {"Ref": name}


def logical_id(resources: dict, kind: str) -> str:
    (found,) = [name for name, r in resources.items() if r["Type"] == kind]
    return found


def depends_on(resource: dict) -> set[str]:
    """Every resource this one waits for: DependsOn, Ref, GetAtt and Sub's ${Name}."""
    names = set(resource.get("DependsOn", []))
    text = json.dumps(resource.get("Properties", {}))
    names |= set(re.findall(r'"Ref": "([^"]+)"', text))
    names |= set(re.findall(r'"Fn::GetAtt": \["([^"]+)"', text))
    names |= {name.split(".")[0] for name in re.findall(r"\$\{([^}!]+)\}", text)}
    return names


def created_before(resources: dict, later: str, earlier: str) -> bool:
    seen, pending = set(), [later]
    while pending:
        name = pending.pop()
        for dependency in depends_on(resources[name]) & set(resources):
            if dependency == earlier:
                return True
            if dependency not in seen:
                seen.add(dependency)
                pending.append(dependency)
    return False


@pytest.fixture(scope="module")
def execution_group(resources) -> tuple[str, dict]:
    groups = [
        (name, r)
        for name, r in resources.items()
        if r["Type"] == "AWS::Logs::LogGroup"
        and "API-Gateway-Execution-Logs_" in json.dumps(r["Properties"].get("LogGroupName", ""))
    ]
    assert len(groups) == 1, groups
    return groups[0]


def test_the_account_wide_role_outlives_the_stack(resources, template):
    role = resources[
        resources[logical_id(resources, "AWS::ApiGateway::Account")]["Properties"][
            "CloudWatchRoleArn"
        ]["Fn::GetAtt"][0]
    ]
    assert role["DeletionPolicy"] == "Retain"
    assert role["UpdateReplacePolicy"] == "Retain"
    assert template["Conditions"][role["Condition"]] == {
        "Fn::Equals": [ref("EnableApiAccessLogs"), "true"]
    }


def test_the_account_setting_waits_for_the_api_and_the_slow_stream(resources):
    account = logical_id(resources, "AWS::ApiGateway::Account")
    waits_for = depends_on(resources[account])
    assert logical_id(resources, "AWS::ApiGateway::RestApi") in waits_for
    assert logical_id(resources, "AWS::KinesisFirehose::DeliveryStream") in waits_for


def test_execution_logs_go_to_a_group_of_ours_with_retention(execution_group, one, resources):
    _, group = execution_group
    text, variables = group["Properties"]["LogGroupName"]["Fn::Sub"]
    _, stage = one("AWS::ApiGateway::Stage")
    api = logical_id(resources, "AWS::ApiGateway::RestApi")
    rendered = text.replace("${", "{").format(
        **{name: f"<{value['Ref']}>" for name, value in variables.items()}
    )
    # API-Gateway-Execution-Logs_{rest-api-id}/{stage}; Ref of a RestApi is its id.
    assert rendered == f"API-Gateway-Execution-Logs_<{api}>/<{stage['StageName']['Ref']}>"
    assert group["Properties"]["RetentionInDays"] == ref("LogRetentionDays")
    assert group["DeletionPolicy"] == "Delete"


def test_log_groups_exist_before_the_stage_and_after_the_account_setting(
    execution_group, resources, one
):
    name, group = execution_group
    stage = logical_id(resources, "AWS::ApiGateway::Stage")
    account = logical_id(resources, "AWS::ApiGateway::Account")
    assert created_before(resources, stage, name)
    assert created_before(resources, name, account)
    access = one("AWS::ApiGateway::Stage")[1]["AccessLogSetting"]["Fn::If"][1]
    assert created_before(resources, access["DestinationArn"]["Fn::GetAtt"][0], account)
    assert group["Condition"] == resources[account]["Condition"]


def test_the_stage_logs_with_the_format_the_code_builds(one):
    _, stage = one("AWS::ApiGateway::Stage")
    assert stage["AccessLogSetting"]["Fn::If"][1]["Format"] == access_log_format()


# --- The access log line stays JSON whatever the error message says ---------------------------


def render(log_format: str, message: str) -> str:
    """Fill `$context.*` variables as API Gateway does: values as they are, except
    `error.messageString`, which is the message quoted and escaped."""
    values = {
        "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        "identity.sourceIp": "203.0.113.7",
        "requestTime": "27/Nov/2026:20:46:40 +0000",
        "httpMethod": "PUT",
        "resourcePath": "/clicks",
        "status": "400",
        "responseLength": "35",
        "integration.status": "-",
        "error.message": message,
        "error.messageString": json.dumps(message),
    }
    return re.sub(
        r"\$context\.([A-Za-z.]+?)(?=[^A-Za-z.]|$)",
        lambda match: values[match.group(1)],
        log_format,
    )


MESSAGES = [
    'Invalid request body: "userId" is required',
    "Unsupported Media Type",
    'back\\slash, "quotes", and a\nnewline',
]


@pytest.mark.parametrize("message", MESSAGES)
def test_an_access_log_line_parses_as_json_whatever_the_message(message):
    line = json.loads(render(access_log_format(), message))
    assert line["error"] == message
    assert line["status"] == "400"


def test_the_raw_message_variable_would_break_the_line():
    # The same format with the unescaped variable, as it was: the renderer above catches it.
    raw = access_log_format().replace("$context.error.messageString", '"$context.error.message"')
    with pytest.raises(json.JSONDecodeError):
        json.loads(render(raw, MESSAGES[0]))
