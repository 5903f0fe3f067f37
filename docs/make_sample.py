"""Write the sample report of docs/questions.md: three days of made-up visits through the local
pipeline.

python docs/make_sample.py   (needs requirements-test.txt; tests/report keeps the files current)

Each visit is one tab (a visitorId) that opens a few profiles, minutes apart; some visitors sign
in midway and like or adopt. A few crawlers come by, and a few clicks are delivered twice, as
Firehose may. The records go through the real processor and land in the bucket layout Firehose
writes, with times chosen here (busier evenings, a few favourite mysfits); then the report runs
over that bucket and writes docs/sample-report.txt and docs/sample-chart.svg.
"""

from __future__ import annotations

import contextlib
import io
import random
import sys
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from clickstream.commands.report import main as report  # noqa: E402
from clickstream.local import LocalPipeline  # noqa: E402
from tests.report.buckets import GOOGLEBOT, TimedDelivery, firehose_record  # noqa: E402

FIRST_DAY = datetime(2026, 11, 24, tzinfo=UTC)
DAYS = 3
# Relative traffic per hour of the day (UTC): quiet nights, a lunch bump, busy evenings.
HOURLY = [1, 1, 1, 1, 1, 1, 2, 3, 4, 4, 5, 6, 8, 7, 5, 5, 6, 7, 9, 10, 9, 7, 4, 2]


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def visits(rng: random.Random, ids: list[str]) -> list[dict]:
    """Every record of the three days, in the order API Gateway received them."""
    favourites = [len(ids) - i for i in range(len(ids))]  # the first mysfits are liked most
    users = [_uuid(rng) for _ in range(150)]  # the Cognito subs of the signed-up users
    records = []
    for day in range(DAYS):
        for hour, weight in enumerate(HOURLY):
            for _ in range(weight):
                at = FIRST_DAY + timedelta(days=day, hours=hour, seconds=rng.randrange(3600))
                if rng.random() < 0.05:  # a crawler: no visitorId, no sign-in
                    for _ in range(rng.randint(1, 4)):
                        mysfit = rng.choice(ids)
                        records.append(
                            firehose_record(
                                "profile",
                                "guest",
                                mysfit,
                                at,
                                click_id=_uuid(rng),
                                user_agent=GOOGLEBOT,
                            )
                        )
                        at += timedelta(seconds=rng.randrange(1, 20))
                    continue
                records += _visit(rng, ids, favourites, rng.choice(users), at)
    records.sort(key=lambda record: record["receivedAt"])
    return records


def _visit(rng, ids, favourites, user, at) -> list[dict]:
    visitor, signed_in, records = _uuid(rng), rng.random() < 0.3, []
    views = rng.choices([1, 1, 2, 3, 4, 6], k=1)[0]
    sign_in_after = rng.randrange(views) if rng.random() < 0.4 else None
    for view in range(views):
        mysfit = rng.choices(ids, weights=favourites)[0]
        who = (user, True) if signed_in else ("guest", False)
        records.append(
            firehose_record(
                "profile",
                who[0],
                mysfit,
                at,
                authenticated=who[1],
                visitor_id=visitor,
                click_id=_uuid(rng),
            )
        )
        if view == sign_in_after:
            signed_in = True
        if signed_in and rng.random() < 0.35:
            for event in ("like", "adopt") if rng.random() < 0.3 else ("like",):
                at += timedelta(seconds=rng.randrange(5, 90))
                records.append(
                    firehose_record(
                        event,
                        user,
                        mysfit,
                        at,
                        authenticated=True,
                        visitor_id=visitor,
                        click_id=_uuid(rng),
                    )
                )
        # Mostly a few minutes to the next view; now and then a break that ends the session.
        at += timedelta(seconds=rng.randrange(20, 600) if rng.random() < 0.9 else 2400)
    if rng.random() < 0.05:
        records.append(dict(records[-1]))  # delivered twice: the same clickId
    return records


def fill(pipeline: LocalPipeline) -> list[str]:
    """The sample's visits, through the running pipeline's processor into its bucket, one
    Firehose batch per hour of arrival; the --since and --until that cover them."""
    rng = random.Random(5)
    mysfits = requests.get(f"{pipeline.mysfits_api_url}/mysfits", timeout=10).json()
    ids = [m["mysfitId"] for m in mysfits["mysfits"]]
    delivery = TimedDelivery(pipeline)
    hour = None
    for record in visits(rng, ids):
        if hour is not None and record["receivedAt"] // 3_600_000 != hour:
            delivery.flush()
        hour = record["receivedAt"] // 3_600_000
        delivery.put(record)
    delivery.flush()
    last_day = FIRST_DAY + timedelta(days=DAYS - 1)
    return ["--since", f"{FIRST_DAY:%Y-%m-%d}", "--until", f"{last_day:%Y-%m-%d}"]


def main(out_dir: Path = ROOT / "docs") -> None:
    with (
        tempfile.TemporaryDirectory() as scratch,
        LocalPipeline(
            ROOT / "templates" / "clickstream.json", Path(scratch), web_dir=None
        ) as pipeline,
    ):
        window = fill(pipeline)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            report(["--bucket-dir", scratch, *window])
        (out_dir / "sample-report.txt").write_text(out.getvalue(), encoding="utf-8")
        report(["--bucket-dir", scratch, *window, "--chart", str(out_dir / "sample-chart.svg")])


if __name__ == "__main__":
    main()
