"""Sending the journeys through the runner's clicks API, as the page sends its clicks.

Each click is the page's body (``click-recorder.js``: the contract's body fields, in its order)
with the page's headers: ``Content-Type: application/json``, the ID token in
``Authorization`` for a signed-in user's click (to ``PUT /clicks/signed-in``), the site's
``Origin`` and the visitor's ``User-Agent``. A 429, a 5xx or no answer is retried as the page
retries (same clickId, jittered exponential backoff, four attempts at most); the clicks are
paced under the stage's throttling rate, so that retries are rare.
"""

from __future__ import annotations

import heapq
import json
import random
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from clickstream import contract

from .accounts import Accounts, token_subject
from .model import Click, Visitor
from .runner import LocalRunner
from .wire import http_request

GUEST = "guest"
# The page's retry policy (web/click-recorder.js RETRY_POLICY).
MAX_ATTEMPTS = 4
BASE_DELAY_SECONDS = 0.3
MAX_DELAY_SECONDS = 5.0
TIMEOUT_SECONDS = 8.0
# Visitors on their way at once.
WORKERS = 8
# Of the stage's steady rate: the share simulate sends at, so a burst of the page's own clicks
# still fits.
RATE_SHARE = 0.8


@dataclass
class Tally:
    """What the runner accepted: each click once, by who sent it."""

    people: Counter[str] = field(default_factory=Counter)  # event -> clicks
    bots: Counter[str] = field(default_factory=Counter)
    visitors: set[str] = field(default_factory=set)  # people's visitorIds
    bot_visitors: set[str] = field(default_factory=set)
    users: set[str] = field(default_factory=set)  # subs of signed-in clicks
    sent_twice: int = 0  # second copies accepted (same clickId)
    retried: int = 0  # attempts after a 429, a 5xx or no answer
    dropped: list[str] = field(default_factory=list)  # why each dropped click was dropped
    lock: threading.Lock = field(default_factory=threading.Lock)

    def accepted(self, visitor: Visitor, click: Click, user: str | None) -> None:
        with self.lock:
            if visitor.bot:
                self.bots[click.event] += 1
                self.bot_visitors.add(visitor.visitor_id)
                return
            self.people[click.event] += 1
            self.visitors.add(visitor.visitor_id)
            if user is not None:
                self.users.add(user)


class Pace:
    """At most ``per_second`` requests a second, spread evenly (None: as fast as they go)."""

    def __init__(self, per_second: float | None) -> None:
        self._interval = 1 / per_second if per_second else 0.0
        self._next = time.monotonic()
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self._interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self._interval
        if slot > now:
            time.sleep(slot - now)


def click_body(visitor: Visitor, click: Click, signed_in: bool) -> dict[str, str]:
    """The page's body: a signed-in click without userId (the token says who), else ``guest``."""
    values = {
        "event": click.event,
        "userId": GUEST,
        "visitorId": visitor.visitor_id,
        "clickId": click.click_id,
        "mysfitId": click.mysfit_id,
    }
    fields = contract.SIGNED_IN_BODY if signed_in else contract.ANONYMOUS_BODY
    return {name: values[name] for name in fields}


@dataclass(frozen=True)
class Timeline:
    """When each click is due: ``at`` seconds of the journeys take ``at / rate`` seconds of the
    run, from ``started`` (``time.monotonic``). A rate of None: every click at once."""

    started: float
    rate: float | None

    def due(self, at: float) -> float:
        return self.started + (at / self.rate if self.rate else 0.0)


class Sender:
    """Sends the visitors' clicks when the timeline says, each visitor's in order, several
    visitors at once; ``send`` returns what the runner accepted."""

    def __init__(
        self,
        runner: LocalRunner,
        accounts: Accounts,
        *,
        pace: Pace,
        progress: Callable[[int], None] = lambda done: None,
        jitter: random.Random | None = None,
    ) -> None:
        self.runner = runner
        self.accounts = accounts
        self.pace = pace
        self.progress = progress
        self.tally = Tally()
        self._jitter = jitter or random.Random()
        self._due: list[tuple[float, int, int]] = []  # (due, visitor number, click index)
        self._busy = 0
        self._done = 0
        self._failure: BaseException | None = None
        self._condition = threading.Condition()

    def send(self, visitors: list[Visitor], timeline: Timeline) -> Tally:
        self._visitors = {visitor.number: visitor for visitor in visitors}
        self._tokens: dict[int, tuple[str, str]] = {}  # visitor number -> (ID token, sub)
        self._timeline = timeline
        for visitor in visitors:
            self._schedule(visitor, 0)
        workers = [
            threading.Thread(target=self._work, name=f"visitor-{n}", daemon=True)
            for n in range(WORKERS)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        if self._failure is not None:
            raise self._failure
        return self.tally

    def _schedule(self, visitor: Visitor, index: int) -> None:
        """Queue the visitor's click ``index``, or count the visitor done (under the lock)."""
        if index < len(visitor.clicks):
            due = self._timeline.due(visitor.clicks[index].at)
            heapq.heappush(self._due, (due, visitor.number, index))
            return
        self._done += 1
        self.progress(self._done)

    def _next(self) -> tuple[Visitor, int] | None:
        with self._condition:
            while True:
                if self._failure is not None or (not self._due and not self._busy):
                    self._condition.notify_all()
                    return None
                if self._due:
                    due, number, index = self._due[0]
                    wait = due - time.monotonic()
                    if wait <= 0:
                        heapq.heappop(self._due)
                        self._busy += 1
                        return self._visitors[number], index
                else:
                    wait = None
                self._condition.wait(wait)

    def _work(self) -> None:
        while (step := self._next()) is not None:
            visitor, index = step
            try:
                self._click(visitor, visitor.clicks[index])
            except BaseException as error:  # a sign-in refused: stop every worker, raise it
                with self._condition:
                    self._failure = self._failure or error
            with self._condition:
                self._busy -= 1
                if self._failure is None:
                    self._schedule(visitor, index + 1)
                self._condition.notify_all()

    def _click(self, visitor: Visitor, click: Click) -> None:
        signed_in = click.signed_in and self.runner.signed_in_clicks
        if click.event != contract.PROFILE and not signed_in:
            return  # without the signed-in method the page records views only
        token = user = None
        if signed_in:
            if visitor.number not in self._tokens:
                assert visitor.account is not None
                fresh = self.accounts.id_token(visitor.account)
                self._tokens[visitor.number] = (fresh, token_subject(fresh))
            token, user = self._tokens[visitor.number]
        body = json.dumps(click_body(visitor, click, signed_in), separators=(",", ":"))
        headers = {
            "Content-Type": "application/json",
            "Origin": self.runner.origin,
            "User-Agent": visitor.user_agent,
        }
        url = self.runner.clicks_api + "/clicks"
        if token is not None:
            headers["Authorization"] = token
            url += "/" + contract.SIGNED_IN_PATH
        if not self._put(url, body, headers):
            return
        self.tally.accepted(visitor, click, user)
        if click.sent_twice and self._put(url, body, headers):
            with self.tally.lock:
                self.tally.sent_twice += 1

    def _put(self, url: str, body: str, headers: dict[str, str]) -> bool:
        """True once the API answered 200; False when the page would give up on the click."""
        reason = ""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            if attempt > 1:
                with self.tally.lock:
                    self.tally.retried += 1
                step = min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** (attempt - 2))
                time.sleep(step / 2 + self._jitter.random() * step / 2)
            self.pace.wait()
            try:
                status, _, answer = http_request(
                    "PUT", url, body.encode(), headers, timeout=TIMEOUT_SECONDS
                )
            except OSError as error:
                reason = f"no answer ({error})"
                continue
            if status == 200:
                return True
            reason = f"{status} {answer[:200].decode('utf-8', errors='replace')}"
            if status != 429 and status < 500:
                break  # the page drops a click the API refused
        with self.tally.lock:
            self.tally.dropped.append(reason)
        return False


class ProgressBar:
    """``[#####.....] 250/500 visitors`` on stderr: redrawn in place on a terminal, a line at
    each quarter otherwise."""

    WIDTH = 30

    def __init__(self, total: int, stream: TextIO = sys.stderr) -> None:
        self.total = total
        self.stream = stream
        self.live = stream.isatty()
        self._quarter = 0
        self._lock = threading.Lock()

    def __call__(self, done: int) -> None:
        with self._lock:
            filled = self.WIDTH * done // max(self.total, 1)
            line = f"simulate: [{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{self.total}"
            line += " visitors"
            if self.live:
                self.stream.write("\r" + line + ("\n" if done == self.total else ""))
                self.stream.flush()
                return
            quarter = 4 * done // max(self.total, 1)
            if quarter > self._quarter:
                self._quarter = quarter
                self.stream.write(line + "\n")
                self.stream.flush()
