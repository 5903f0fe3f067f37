"""The runner's clock: the wall clock, or set back and running faster until it meets it; API
Gateway's request times and Firehose's arrivals both read it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

from clickstream.local.clock import RunnerClock

from .conftest import REPOSITORY, put_click

WALL = 1_764_900_000.0  # 2025-12-05 02:00:00 UTC
MYSFIT = "4e53920c-505a-4a90-a694-b9300791f0ae"


class Ticking:
    """A wall clock and a monotonic clock that move only when told."""

    def __init__(self) -> None:
        self.wall, self.monotonic = WALL, 100.0

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.monotonic += seconds


def test_the_clock_is_the_wall_clock_until_set_back():
    ticking = Ticking()
    clock = RunnerClock(lambda: ticking.wall, lambda: ticking.monotonic)

    assert clock() == WALL
    ticking.advance(5)
    assert clock() == WALL + 5


def test_set_back_it_runs_faster_until_it_meets_the_wall_clock():
    ticking = Ticking()
    clock = RunnerClock(lambda: ticking.wall, lambda: ticking.monotonic)

    clock.travel(WALL - 3600, rate=60)
    assert clock() == WALL - 3600
    ticking.advance(30)  # 30 s of the wall clock: 30 minutes of the runner's
    assert clock() == WALL - 1800
    assert clock.state() == {"now": int((WALL - 1800) * 1000), "rate": 60}
    ticking.advance(60)  # it met the wall clock after 61 s, and stays with it
    assert clock() == WALL + 90
    assert clock.state()["rate"] is None


def test_reset_is_the_wall_clock_again():
    ticking = Ticking()
    clock = RunnerClock(lambda: ticking.wall, lambda: ticking.monotonic)
    clock.travel(WALL - 3600, rate=2)

    clock.reset()

    assert clock() == WALL


@pytest.mark.parametrize(
    ("start", "rate", "message"),
    [
        (WALL + 1, 10, "not in the future"),
        (WALL - 8 * 24 * 3600, 10, "in the last 7 days"),
        (WALL - 60, 0.5, "rate must be between 1 and"),
    ],
)
def test_a_travel_it_cannot_make_is_refused(start, rate, message):
    ticking = Ticking()
    clock = RunnerClock(lambda: ticking.wall, lambda: ticking.monotonic)

    with pytest.raises(ValueError, match=message):
        clock.travel(start, rate)
    assert clock() == WALL


# -- over HTTP, through the pipeline ---------------------------------------------------------------


@pytest.fixture
def pipeline(start_pipeline):
    return start_pipeline(web_dir=REPOSITORY / "web")


def clicked_at(pipeline) -> list[datetime]:
    pipeline.flush()
    return sorted(r["clickedat"].replace(tzinfo=UTC) for r in pipeline.delivered_records())


def test_a_click_sent_while_the_clock_is_set_back_is_dated_by_it(pipeline):
    hours_ago = datetime.now(UTC) - timedelta(hours=5)
    start_ms = int(hours_ago.timestamp() * 1000)

    answer = requests.put(
        f"{pipeline.web_url}_local/clock", json={"start": start_ms, "rate": 1}, timeout=10
    )
    assert answer.status_code == 200
    assert put_click(pipeline, {"userId": "guest", "mysfitId": MYSFIT}).status_code == 200
    assert requests.delete(f"{pipeline.web_url}_local/clock", timeout=10).status_code == 200
    assert put_click(pipeline, {"userId": "guest", "mysfitId": MYSFIT}).status_code == 200

    then, now = clicked_at(pipeline)
    assert hours_ago <= then < hours_ago + timedelta(minutes=1)
    assert datetime.now(UTC) - timedelta(minutes=1) < now <= datetime.now(UTC)


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        ('{"start": 1, "rate": 2}', {"Content-Type": "text/plain"}, 415),
        ("{}", {"Content-Type": "application/json"}, 400),
        ('{"start": "yesterday", "rate": 2}', {"Content-Type": "application/json"}, 400),
        ('{"start": 1, "rate": 2}', {"Content-Type": "application/json"}, 400),  # 1970
    ],
)
def test_the_clock_refuses_what_it_cannot_do(pipeline, body, headers, status):
    answer = requests.put(f"{pipeline.web_url}_local/clock", data=body, headers=headers, timeout=10)

    assert answer.status_code == status
    assert "Access-Control-Allow-Origin" not in answer.headers
    assert requests.get(f"{pipeline.web_url}_local/clock", timeout=10).json()["rate"] is None


def test_other_methods_on_the_site_are_still_refused(pipeline):
    answer = requests.post(f"{pipeline.web_url}index.html", data="x", timeout=10)

    assert answer.status_code == 405
    assert requests.post(f"{pipeline.web_url}_local/runner.json", timeout=10).status_code == 405
