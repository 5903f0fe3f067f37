"""The benchmark still runs, and at any size ours calls the API once per distinct mysfit."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_processor.py"


def test_a_small_benchmark_run() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(BENCH),
            "--records=2000",
            "--mysfits=7",
            "--latency=0.005",
            "--workshop-records=20",
            "--repeats=1",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    out = result.stdout
    workshop = re.search(r"workshop .* for 20 records, (\d+) API calls", out)
    ours_cold = re.search(r"ours .* for 2000 records, (\d+) API calls", out)
    ours_warm = re.search(r"records/s, (\d+) API calls", out)
    assert workshop and ours_cold and ours_warm, out
    assert int(workshop[1]) == 20  # one call per record
    assert int(ours_cold[1]) == 7  # one call per distinct mysfit
    assert int(ours_warm[1]) == 0  # none once the cache is warm
    assert re.search(r"ratio +\d+\.\d+x", out)
    assert re.search(r"peak traced \d+\.\d MiB", out)
