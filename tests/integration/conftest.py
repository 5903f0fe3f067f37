"""The rendered template, and its processor function, for the contract tests."""

from __future__ import annotations

import json

import pytest

from clickstream.template import TEMPLATE_FILE, render


@pytest.fixture(scope="module")
def template() -> dict:
    return json.loads(render()[TEMPLATE_FILE])


@pytest.fixture(scope="module")
def function(template) -> dict:
    (function,) = [
        r["Properties"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Lambda::Function"
    ]
    return function
