"""The README's sample report and chart are what the code makes of the sample clicks."""

from __future__ import annotations

import importlib.util
import struct
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
DOCS = REPOSITORY / "docs"


def make_sample(out_dir: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_sample", DOCS / "make_sample.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(out_dir)


def test_committed_sample_is_current(tmp_path, capsys):
    make_sample(tmp_path)

    for name in ("sample-report.txt", "sample-chart.svg"):
        assert (tmp_path / name).read_bytes() == (DOCS / name).read_bytes(), (
            f"docs/{name} is stale: run python docs/make_sample.py"
        )


def test_the_docs_show_lines_of_the_sample_and_the_chart():
    questions = (DOCS / "questions.md").read_text(encoding="utf-8")
    block = questions.split("`docs/sample-chart.svg`):\n\n```\n", 1)[1].split("\n```", 1)[0]
    sample = (DOCS / "sample-report.txt").read_text(encoding="utf-8").splitlines()
    shown = [line for line in block.splitlines() if line and line.strip() != "…"]
    assert len(shown) > 10
    assert [line for line in shown if line not in sample] == []
    assert "](sample-chart.svg)" in questions


def test_readme_shows_a_small_picture_of_the_report_page():
    readme = (REPOSITORY / "README.md").read_text(encoding="utf-8")
    picture = DOCS / "report-page.png"
    assert "](docs/report-page.png)" in readme
    assert "generate.py report --bucket-dir local-bucket --html /tmp/report.html" in readme
    data = picture.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(data) < 100_000, "keep the picture small: python docs/make_page_picture.py"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    assert (width, height) == (860, 1400)
