"""The runner's clock: when API Gateway received a request (``receivedAt``) and when Firehose
took a record (its arrival, which files objects under their partitions).

It is the wall clock, unless a simulation set it back (``travel``): then it starts at a past
moment and runs ``rate`` times as fast as the wall clock until it catches up with it, and is the
wall clock again from then on. It never runs ahead of the wall clock, so nothing is dated in the
future, and a travel nobody ends (a simulation stopped half-way) ends by itself. This is how
``generate.py simulate`` shows hours of visits, pauses of more than 30 minutes included, in a
minute or two: the server still stamps every request with its own time, as API Gateway does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["MAX_RATE", "MAX_TRAVEL_SECONDS", "RunnerClock"]

MAX_RATE = 100_000.0
# The report's window reads a week of partitions past its last day: a travel further back would
# file objects where a window of their clicks' days still finds them, but no further.
MAX_TRAVEL_SECONDS = 7 * 24 * 3600


class RunnerClock:
    """Seconds since the epoch, as ``time.time()`` gives them."""

    def __init__(
        self,
        wall: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._wall = wall
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._travel: tuple[float, float, float] | None = None  # (start, rate, monotonic then)

    def __call__(self) -> float:
        wall = self._wall()
        travel = self._travel
        if travel is None:
            return wall
        start, rate, began = travel
        return min(wall, start + (self._monotonic() - began) * rate)

    def travel(self, start: float, rate: float) -> None:
        """From now on: ``start``, running ``rate`` times as fast, until it meets the wall clock.
        ValueError for a start in the future or more than a week back, or a rate below 1."""
        wall = self._wall()
        if not wall - MAX_TRAVEL_SECONDS <= start <= wall:
            raise ValueError("start must be in the last 7 days, not in the future")
        if not 1 <= rate <= MAX_RATE:
            raise ValueError(f"rate must be between 1 and {MAX_RATE:g}")
        with self._lock:
            self._travel = (start, rate, self._monotonic())

    def reset(self) -> None:
        """The wall clock again."""
        with self._lock:
            self._travel = None

    def state(self) -> dict[str, float | None]:
        """``now`` (epoch milliseconds) and ``rate`` (None: the wall clock's own)."""
        now, travel = self(), self._travel
        rate = travel[1] if travel is not None and now < self._wall() else None
        return {"now": int(now * 1000), "rate": rate}
