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
