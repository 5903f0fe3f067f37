"""cfn-lint, informational rules included, in every region the README names."""

from __future__ import annotations

import pytest
from cfnlint.api import ManualArgs, lint

from clickstream.template import TEMPLATE_FILE, render

REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"]


@pytest.fixture(scope="module")
def findings() -> list:
    return lint(
        render()[TEMPLATE_FILE],
        config=ManualArgs(regions=REGIONS, include_checks=["I"]),
    )


def test_cfn_lint_finds_nothing(findings):
    assert [f"{m.rule.id} {m.message} (line {m.linenumber})" for m in findings] == []


def test_cfn_lint_reports_a_planted_problem():
    """The same call does report problems: a deprecated runtime is caught."""
    text = render()[TEMPLATE_FILE].replace('"python3.13"', '"python3.9"')
    found = lint(text, config=ManualArgs(regions=REGIONS, include_checks=["I"]))
    assert any("python3.9" in m.message for m in found)
