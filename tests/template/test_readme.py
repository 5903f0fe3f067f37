"""The README's tables stay in step with the template."""

from __future__ import annotations

from pathlib import Path

import pytest

from clickstream.suppressions import REASONS

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def table_rows(heading: str) -> list[str]:
    section = README.split(f"\n## {heading}\n", 1)[1] if f"\n## {heading}\n" in README else ""
    section = section or README.split(f"\n### {heading}\n", 1)[1]
    return [line for line in section.split("\n\n#", 1)[0].splitlines() if line.startswith("| `")]


def first_cells(heading: str) -> set[str]:
    return {row.split("|")[1].strip().split()[0].strip("`") for row in table_rows(heading)}


def test_parameters_table_lists_every_parameter(template):
    assert first_cells("Parameters") == set(template["Parameters"])


def test_outputs_table_lists_every_output(template):
    assert first_cells("Outputs") == set(template["Outputs"])


@pytest.mark.parametrize("check", sorted(REASONS))
def test_security_section_justifies_every_suppression(check):
    rows = [row for row in table_rows("Security") if row.startswith(f"| `{check}`")]
    assert len(rows) == 1, check
    assert REASONS[check] in rows[0]


def test_readme_test_command_is_what_ci_runs():
    ci = (Path(__file__).resolve().parents[2] / ".ci" / "run").read_text(encoding="utf-8")
    assert "```bash\ntox " in README
    assert "tox" in ci.splitlines()[-1]
