"""`generate.py simulate` against the local runner, then `generate.py report` over its bucket:
the report counts exactly what simulate says the runner accepted, bots apart and each click
once."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import requests

from .conftest import REPOSITORY, start_runner


@pytest.fixture
def runner(tmp_path):
    bucket = tmp_path / "bucket"
    process, urls = start_runner(bucket, "--interval-scale", "0.01", stderr=subprocess.DEVNULL)
    try:
        assert "site" in urls, "the runner did not start"
        yield process, urls["site"], bucket
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def generate(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "generate.py", *argv],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def simulate(site: str, *argv: str) -> dict:
    result = generate("simulate", "--site", site, "--json", *argv)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return json.loads(result.stdout)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM: the runner delivers everything it buffered, then exits."""
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    assert process.returncode == 0


def rows(bucket: Path) -> list[dict]:
    return [
        row
        for path in sorted((bucket / "clicks").rglob("*.parquet"))
        for row in pq.read_table(path).to_pylist()
    ]


def test_the_report_counts_what_simulate_sent(runner):
    process, site, bucket = runner

    sent = simulate(site, "--visitors", "20", "--seed", "13")
    stop(process)
    report = generate("report", "--bucket-dir", str(bucket), "--json")

    assert report.returncode == 0, report.stderr
    answers = json.loads(report.stdout)
    assert answers["totals"] == sent["totals"]
    # The seed's journeys hold what the comparison is about: people signed in, liking and
    # adopting, crawlers, and clicks that arrived twice.
    totals = sent["totals"]
    assert totals["signedInUsers"] > 0 and totals["likes"] > 0 and totals["adoptions"] > 0
    assert totals["botEvents"] > 0
    assert sent["sentTwice"] > 0 and sent["dropped"] == 0
    # Every copy is in the bucket, under one clickId; the report counted each clickId once.
    landed = rows(bucket)
    assert len(landed) == totals["events"] + totals["botEvents"] + sent["sentTwice"]
    assert len({row["clickid"] for row in landed}) == totals["events"] + totals["botEvents"]
    # The processor judged the crawlers' clicks bots, and only theirs.
    assert len({row["clickid"] for row in landed if row["bot"]}) == totals["botEvents"]
    assert (
        len({row["userid"] for row in landed if row["authenticated"]}) == (totals["signedInUsers"])
    )


def test_the_same_seed_sends_the_same_clicks_again(runner):
    process, site, bucket = runner

    first = simulate(site, "--visitors", "8", "--seed", "19")
    second = simulate(site, "--visitors", "8", "--seed", "19")
    # simulate gave the runner its wall clock back.
    assert requests.get(f"{site}_local/clock", timeout=10).json()["rate"] is None
    stop(process)
    report = json.loads(generate("report", "--bucket-dir", str(bucket), "--json").stdout)

    assert second["totals"] == first["totals"]
    # The same journeys, ids included: the second run's clicks are copies of the first's, so
    # the report counts them once (the users of the first run sign in again as themselves).
    assert report["totals"] == first["totals"]
    assert len(rows(bucket)) > first["totals"]["events"] + first["totals"]["botEvents"]
