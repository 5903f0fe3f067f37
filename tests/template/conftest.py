"""The rendered template, as a dict, and small readers over it."""

from __future__ import annotations

import json

import pytest

from clickstream.template import TEMPLATE_FILE, render


@pytest.fixture(scope="session")
def template() -> dict:
    return json.loads(render()[TEMPLATE_FILE])


@pytest.fixture(scope="session")
def resources(template: dict) -> dict:
    return template["Resources"]


@pytest.fixture(scope="session")
def of_type(resources: dict):
    """of_type("AWS::S3::Bucket") -> {logical id: resource} of that type."""

    def find(kind: str) -> dict:
        return {name: r for name, r in resources.items() if r["Type"] == kind}

    return find


@pytest.fixture(scope="session")
def one(of_type):
    """one("AWS::S3::Bucket") -> (logical id, properties) of the only resource of that type."""

    def find(kind: str) -> tuple[str, dict]:
        found = of_type(kind)
        assert len(found) == 1, f"expected exactly one {kind}, found {sorted(found)}"
        ((name, resource),) = found.items()
        return name, resource.get("Properties", {})

    return find


@pytest.fixture(scope="session")
def model_schema(of_type):
    """model_schema("Click") -> the JSON schema of the API's model of that Name."""

    def find(name: str) -> dict:
        (model,) = [
            r["Properties"]
            for r in of_type("AWS::ApiGateway::Model").values()
            if r["Properties"]["Name"] == name
        ]
        assert model["ContentType"] == "application/json"
        return model["Schema"]

    return find


@pytest.fixture(scope="session")
def method(resources, of_type):
    """method("/clicks", "PUT") -> (logical id, properties) of the API's method on that path."""

    def path_of(resource_id: dict) -> str:
        if "Fn::GetAtt" in resource_id:
            return ""
        properties = resources[resource_id["Ref"]]["Properties"]
        return path_of(properties["ParentId"]) + "/" + properties["PathPart"]

    def find(path: str, verb: str) -> tuple[str, dict]:
        (found,) = [
            (name, r)
            for name, r in of_type("AWS::ApiGateway::Method").items()
            if path_of(r["Properties"]["ResourceId"]) == path
            and r["Properties"]["HttpMethod"] == verb
        ]
        return found[0], {**found[1]["Properties"], "Condition": found[1].get("Condition")}

    return find
