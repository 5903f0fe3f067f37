"""Every name the stack builds is valid for every stack name CloudFormation accepts.

A stack name is 1-128 characters: a letter, then letters, digits and hyphens, capitals allowed
(CreateStack's StackName). Each name is resolved for the longest, mixed-case stack name there is
and held to its resource's documented rules: the length and pattern in the resource's schema
(cfn-lint ships CloudFormation's registry schemas), and what the schema does not say, from the
service's API reference.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

from clickstream.local.cloudformation import ResolvedTemplate

STACK_NAME_PATTERN = r"[a-zA-Z][-a-zA-Z0-9]{0,127}"
LONGEST = "Mysfits-Click-Stream-" + "AbC9-" * 21 + "Zz"
REQUIRED = {
    "MysfitsTableArn": "arn:aws:dynamodb:us-east-1:123456789012:table/MysfitsTable",
    "MysfitsApiUrl": "https://mysfits.example.com/api",
    "LambdaCodeBucket": "code-bucket",
    "LambdaCodeKey": "clickstream/processor-0.zip",
    "CreateCodeRepository": "true",
}
# What the schemas leave out, from each API's reference:
# Glue CreateDatabase: 1-255 characters; Athena's DDL and SQL name a database in lower case,
# with letters, digits and underscores only ("Names for tables, databases, and columns").
GLUE_ATHENA_DATABASE = r"[a-z0-9_]{1,255}"
# CloudWatch PutDashboard: "up to 255 characters … A-Z, a-z, 0-9, '-', and '_'".
DASHBOARD = r"[A-Za-z0-9_-]{1,255}"
# Outputs: an export name is at most 255 characters of letters, digits, colons and hyphens.
EXPORT = r"[A-Za-z0-9:-]{1,255}"
# API Gateway CreateRestApi documents no pattern or length for a REST API's name.
REST_API = r".+"

# (resource type, property path) of every name the stack sets, and the documented rule that is
# not in the schema (None: the schema's maxLength and pattern say it all).
NAMES: dict[tuple[str, str], str | None] = {
    ("AWS::Athena::WorkGroup", "Name"): None,
    ("AWS::Glue::Database", "DatabaseInput.Name"): GLUE_ATHENA_DATABASE,
    ("AWS::CodeCommit::Repository", "RepositoryName"): None,
    ("AWS::CloudWatch::Dashboard", "DashboardName"): DASHBOARD,
    ("AWS::ApiGateway::RestApi", "Name"): REST_API,
}


def schema_rule(resource_type: str, path: str) -> dict[str, Any]:
    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", resource_type).schema
    node: dict[str, Any] = schema
    for part in path.split("."):
        node = node["properties"][part]
        while "$ref" in node:
            node = schema["definitions"][node["$ref"].rsplit("/", 1)[1]]
    return node


def at(properties: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        properties = properties[part]
    return properties


def uses_stack_name(node: Any) -> bool:
    text = repr(node)
    return "AWS::StackName" in text or "AWS::StackId" in text


@pytest.fixture(scope="module")
def longest(template) -> ResolvedTemplate:
    assert len(LONGEST) == 128 and re.fullmatch(STACK_NAME_PATTERN, LONGEST)
    assert LONGEST.lower() != LONGEST
    return ResolvedTemplate(template, parameters=REQUIRED, pseudo={"AWS::StackName": LONGEST})


@pytest.mark.parametrize(("resource_type", "path"), sorted(NAMES))
def test_each_name_is_valid_for_the_longest_mixed_case_stack_name(longest, resource_type, path):
    rule = schema_rule(resource_type, path)
    extra = NAMES[(resource_type, path)]
    found = list(longest.of_type(resource_type))
    assert found, resource_type
    for _, properties in found:
        name = at(properties, path)
        assert isinstance(name, str) and name
        assert len(name) <= rule.get("maxLength", len(name)), (name, len(name))
        assert len(name) >= rule.get("minLength", 1)
        if "pattern" in rule:
            assert re.search(rule["pattern"], name), (name, rule["pattern"])
            assert re.fullmatch(rule["pattern"].strip("^$"), name), (name, rule["pattern"])
        if extra:
            assert re.fullmatch(extra, name), (name, extra)


def test_every_output_export_is_valid_for_the_longest_stack_name(template, longest):
    for name, output in template["Outputs"].items():
        export = longest.resolve(output["Export"]["Name"])
        assert re.fullmatch(EXPORT, export), (name, export, len(export))


def test_every_name_built_from_the_stack_is_checked_here(template):
    """A new property naming something after the stack must be added to NAMES."""
    for logical_id, resource in template["Resources"].items():
        for key, value in resource.get("Properties", {}).items():
            nested = value if isinstance(value, dict) else {}
            candidates = [(key, value)] + [(f"{key}.{k}", v) for k, v in nested.items()]
            for path, node in candidates:
                if path.rsplit(".", 1)[-1].endswith("Name") and uses_stack_name(node):
                    assert (resource["Type"], path) in NAMES, (logical_id, path)
