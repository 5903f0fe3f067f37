"""The storage benchmark still runs, on a few clicks: both formats give the same report."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from clickstream.queries import QUESTIONS

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_storage.py"


def test_a_small_storage_benchmark_run() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), "--clicks=3000", "--per-object=500"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for question in QUESTIONS:
        (line,) = [line for line in lines if line.split()[:1] == [question.key]]
        assert "x fewer), with clickkey" in line, line
    assert "  answers agree: True" in lines
