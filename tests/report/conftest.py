"""Buckets filled with known clicks by the real pipeline, and the answers the tests expect.

The expected answers are counted here, in plain Python, from the clicks a test sent and the
mysfits' profiles; never from the report's SQL.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from clickstream.local import LocalPipeline
from clickstream.queries import Window
from clickstream.template import TEMPLATE_FILE, render

from .buckets import TimedDelivery, firehose_record
from .journey import journey

REPOSITORY = Path(__file__).resolve().parents[2]
TEMPLATE = REPOSITORY / "templates" / "clickstream.json"
TOP_PER_DAY = 3
# The tests' clicks are all in 2026: a window over the whole year, for ask_bucket and the CLI.
YEAR = Window(date(2026, 1, 1), date(2026, 12, 31))
YEAR_ARGS = ("--since", "2026-01-01", "--until", "2026-12-31")


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    return json.loads(render()[TEMPLATE_FILE])


@pytest.fixture(scope="session")
def named_queries(template: dict[str, Any]) -> dict[str, str]:
    """Name -> QueryString of every named query in the rendered template."""
    return {
        r["Properties"]["Name"]: r["Properties"]["QueryString"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::Athena::NamedQuery"
    }


@dataclass(frozen=True)
class Sent:
    """A signed-out profile view from a person's browser, without visitorId or clickId (the
    workshop's body): the userId is the visitor."""

    user_id: str
    mysfit_id: str
    at: datetime  # when API Gateway received it (receivedAt): the processor's clickedAt


@pytest.fixture
def pipeline(tmp_path: Path) -> Iterator[LocalPipeline]:
    """The generated stack on 127.0.0.1: clicks API, delivery stream, real processor."""
    with LocalPipeline(
        TEMPLATE, tmp_path / "bucket", web_dir=None, interval_scale=0.005
    ) as running:
        yield running


@pytest.fixture
def profiles(pipeline: LocalPipeline) -> dict[str, dict[str, Any]]:
    """The local Mysfits API's mysfits, by id (what the processor enriches clicks from)."""
    mysfits = requests.get(f"{pipeline.mysfits_api_url}/mysfits", timeout=10).json()["mysfits"]
    return {m["mysfitId"]: m for m in mysfits}


@pytest.fixture
def deliver_at(pipeline: LocalPipeline) -> Callable[[list[Sent]], None]:
    """Deliver profile views received at chosen moments, each call one Firehose batch."""
    delivery = TimedDelivery(pipeline)

    def deliver(clicks: list[Sent]) -> None:
        for click in clicks:
            delivery.put(firehose_record("profile", click.user_id, click.mysfit_id, click.at))
        assert delivery.flush() == (len(clicks), 0)

    return deliver


def expected_report(clicks: list[Sent], profiles: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The report's JSON for these profile views, counted directly; all but ``sessions`` (the
    journey tests work those out by hand)."""
    per_mysfit = Counter(c.mysfit_id for c in clicks)
    viewers = {m: len({c.user_id for c in clicks if c.mysfit_id == m}) for m in per_mysfit}
    alignment: dict[str, dict[str, int]] = defaultdict(dict)
    for (good_evil, law_chaos), count in Counter(
        (profiles[c.mysfit_id]["goodevil"], profiles[c.mysfit_id]["lawchaos"]) for c in clicks
    ).items():
        alignment[good_evil][law_chaos] = count
    per_day: dict[str, Counter[str]] = defaultdict(Counter)
    for click in clicks:
        per_day[click.at.astimezone(UTC).date().isoformat()][click.mysfit_id] += 1
    top: dict[str, list[dict[str, Any]]] = {}
    for day, counts in sorted(per_day.items()):
        ranked = [
            (1 + sum(1 for other in counts.values() if other > count), mysfit, count)
            for mysfit, count in counts.items()
        ]
        top[day] = [
            {"rank": rank, "mysfitId": mysfit, "name": profiles[mysfit]["name"], "clicks": count}
            for rank, mysfit, count in sorted(ranked)
            if rank <= TOP_PER_DAY
        ]
    return {
        "totals": {
            "events": len(clicks),
            "profileViews": len(clicks),
            "likes": 0,
            "adoptions": 0,
            "visitors": len({c.user_id for c in clicks}),
            "signedInUsers": 0,
            "botEvents": 0,
        },
        "funnelByMysfit": {
            mysfit: {"name": profiles[mysfit]["name"], "viewers": n, "likers": 0, "adopters": 0}
            for mysfit, n in sorted(viewers.items(), key=lambda item: (-item[1], item[0]))
        },
        "beforeAdoption": {
            "adoptions": 0,
            "medianProfilesViewed": None,
            "medianDistinctMysfitsViewed": None,
            "medianMinutesFromFirstView": None,
            "adoptedWithoutViewing": 0,
        },
        "beforeLike": {
            "likes": 0,
            "medianProfilesViewed": None,
            "medianDistinctMysfitsViewed": None,
            "medianMinutesFromFirstView": None,
            "likedWithoutViewing": 0,
        },
        "clicksByMysfit": {
            mysfit: {"name": profiles[mysfit]["name"], "clicks": count}
            for mysfit, count in sorted(per_mysfit.items(), key=lambda item: (-item[1], item[0]))
        },
        "clicksByAlignment": dict(alignment),
        "clicksByHour": {
            f"{hour:02d}": count
            for hour, count in sorted(Counter(c.at.astimezone(UTC).hour for c in clicks).items())
        },
        "topMysfitsByDay": top,
    }


def without_sessions(report: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in report.items() if key != "sessions"}


def delivered_clicks(bucket_dir: Path) -> list[Sent]:
    """The clicks under clicks/, read from the Parquet objects with pyarrow (for clicks whose
    arrival the test could not choose); clickedat is a UTC time without a zone."""
    import pyarrow.parquet as pq

    rows = [
        row
        for path in sorted((bucket_dir / "clicks").rglob("*.parquet"))
        for row in pq.read_table(path).to_pylist()
    ]
    return [
        Sent(row["userid"], row["mysfitid"], row["clickedat"].replace(tzinfo=UTC)) for row in rows
    ]


@pytest.fixture
def mysfit_ids(profiles: dict[str, dict[str, Any]]) -> dict[str, str]:
    """The local catalog's mysfit ids, by name."""
    return {mysfit["name"]: mysfit_id for mysfit_id, mysfit in profiles.items()}


@pytest.fixture
def journey_bucket(pipeline: LocalPipeline, mysfit_ids: dict[str, str]) -> Path:
    """The bucket after the visitors of ``journey.py`` went through the pipeline's processor."""
    delivery = TimedDelivery(pipeline)
    for batch in journey(mysfit_ids):
        for record in batch:
            delivery.put(record)
        assert delivery.flush() == (len(batch), 0)
    return pipeline.bucket_dir
