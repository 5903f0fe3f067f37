"""Write the README's sample report: three days of made-up clicks through the local pipeline.

python docs/make_sample.py   (needs requirements-test.txt; tests/report keeps the files current)

The clicks go through the real processor and land in the bucket layout Firehose writes, with
arrival times chosen here (busier evenings, a few favourite mysfits); then the report runs over
that bucket and writes docs/sample-report.txt and docs/sample-chart.svg.
"""

from __future__ import annotations

import contextlib
import io
import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from clickstream.commands.report import main as report  # noqa: E402
from clickstream.local import LocalPipeline  # noqa: E402
from tests.report.buckets import TimedDelivery  # noqa: E402

FIRST_DAY = datetime(2026, 11, 24, tzinfo=UTC)
DAYS = 3
# Relative traffic per hour of the day (UTC): quiet nights, a lunch bump, busy evenings.
HOURLY = [1, 1, 1, 1, 1, 1, 2, 3, 4, 4, 5, 6, 8, 7, 5, 5, 6, 7, 9, 10, 9, 7, 4, 2]


def main(out_dir: Path = ROOT / "docs") -> None:
    rng = random.Random(5)
    with (
        tempfile.TemporaryDirectory() as scratch,
        LocalPipeline(
            ROOT / "templates" / "clickstream.json", Path(scratch), web_dir=None
        ) as pipeline,
    ):
        mysfits = requests.get(f"{pipeline.mysfits_api_url}/mysfits", timeout=10).json()
        ids = [m["mysfitId"] for m in mysfits["mysfits"]]
        favourites = [len(ids) - i for i in range(len(ids))]  # the first mysfits are liked most
        users = ["guest"] * 6 + [f"user-{n:02d}" for n in range(14)]
        delivery = TimedDelivery(pipeline)
        for day in range(DAYS):
            for hour, weight in enumerate(HOURLY):
                start = FIRST_DAY + timedelta(days=day, hours=hour)
                for _ in range(weight * 3):
                    delivery.put(
                        rng.choice(users),
                        rng.choices(ids, weights=favourites)[0],
                        start + timedelta(seconds=rng.randrange(3600)),
                    )
                delivery.flush()
        last_day = FIRST_DAY + timedelta(days=DAYS - 1)
        window = ["--since", f"{FIRST_DAY:%Y-%m-%d}", "--until", f"{last_day:%Y-%m-%d}"]
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            report(["--bucket-dir", scratch, *window])
        (out_dir / "sample-report.txt").write_text(out.getvalue(), encoding="utf-8")
        report(["--bucket-dir", scratch, *window, "--chart", str(out_dir / "sample-chart.svg")])


if __name__ == "__main__":
    main()
