"""IAM least privilege across every role in the template."""

from __future__ import annotations

import pytest


def all_statements(template: dict):
    for name, resource in template["Resources"].items():
        if resource["Type"] == "AWS::IAM::Role":
            for policy in resource["Properties"].get("Policies", []):
                for statement in policy["PolicyDocument"]["Statement"]:
                    yield name, statement
        if resource["Type"] == "AWS::S3::BucketPolicy":
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                yield name, statement


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def is_objects_of_our_bucket(resource, bucket: str) -> bool:
    """``${Bucket}/*`` or ``${Bucket}/<folder>/*`` of our bucket."""
    sub = resource.get("Fn::Sub")
    if not isinstance(sub, list) or sub[1] != {"Bucket": {"Fn::GetAtt": [bucket, "Arn"]}}:
        return False
    folder = sub[0].removeprefix("${Bucket}/").removesuffix("*")
    return (
        sub[0].startswith("${Bucket}/")
        and sub[0].endswith("*")
        and "*" not in folder
        and (folder == "" or folder.endswith("/"))
    )


@pytest.fixture(scope="module")
def bucket(one) -> str:
    name, _ = one("AWS::S3::Bucket")
    return name


def test_there_are_statements_to_check(template):
    assert len(list(all_statements(template))) >= 6


def test_no_allow_statement_grants_a_wildcard_action(template):
    for owner, statement in all_statements(template):
        if statement["Effect"] != "Allow":
            continue
        for action in as_list(statement["Action"]):
            assert "*" not in action, f"{owner} allows {action}"


def test_no_allow_statement_has_a_wildcard_resource_but_our_objects(template, bucket):
    for owner, statement in all_statements(template):
        if statement["Effect"] != "Allow":
            continue
        for resource in as_list(statement["Resource"]):
            if isinstance(resource, str):
                assert "*" not in resource, f"{owner} allows {resource}"
            elif "Fn::Sub" in resource and not is_objects_of_our_bucket(resource, bucket):
                text = resource["Fn::Sub"]
                text = text[0] if isinstance(text, list) else text
                # Log streams inside a log group this template created are the one exception.
                assert "*" not in text or text.endswith(":log-stream:${Stream}"), (
                    f"{owner} allows {text}"
                )


def test_only_deny_statements_name_every_principal(template):
    for owner, statement in all_statements(template):
        if statement.get("Principal") == "*" or statement.get("Principal") == {"AWS": "*"}:
            assert statement["Effect"] == "Deny", owner


def test_every_role_trusts_exactly_one_service(of_type):
    for name, role in of_type("AWS::IAM::Role").items():
        (statement,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Action"] == ["sts:AssumeRole"], name
        assert len(statement["Principal"]["Service"]) == 1, name
