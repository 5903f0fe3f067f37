"""Looking mysfits up: the Mysfits API with retries, DynamoDB as the fallback, a warm cache."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter

from .profiles import MysfitProfile, profile_from_api, profile_from_item

UNKNOWN_MYSFIT = "unknown_mysfit"
MYSFIT_UNAVAILABLE = "mysfit_unavailable"
DEADLINE = "deadline"

_BACKOFF_CAP_SECONDS = 2.0
_CACHE_MAX_ENTRIES = 4096


@dataclass
class LookupStats:
    api_calls: int = 0
    api_retries: int = 0
    cache_hits: int = 0
    fallbacks: int = 0
    # (mysfitId, what went wrong) for every mysfit the API could not answer for.
    problems: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Lookup:
    """A mysfit's profile, or the failure reason shared by every click on it."""

    outcome: MysfitProfile | str
    api_calls: int = 0
    fallback: bool = False
    problem: str | None = None


class _Transient(Exception):
    """The API may answer next time (connection trouble, 5xx, 429, unexpected body)."""

    def __init__(self, detail: str, retry_after: float = 0.0) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class _Refused(Exception):
    """The API answered in a way that retrying will not change (401, 403, 400 …)."""


def new_session(pool_size: int) -> requests.Session:
    """One keep-alive session per container; retries are ours, not urllib3's."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=2, pool_maxsize=pool_size, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class MysfitsApi:
    def __init__(
        self,
        session: requests.Session,
        base_url: str,
        *,
        timeout: float,
        max_attempts: int,
        backoff: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._sleep = sleep

    def url(self, mysfit_id: str) -> str:
        return f"{self._base_url}/mysfits/{quote(mysfit_id, safe='')}"

    def fetch(self, mysfit_id: str, cutoff: float) -> tuple[MysfitProfile | str | None, int, str]:
        """(profile, UNKNOWN_MYSFIT, or None if the API could not say; calls; last problem)."""
        calls, problem = 0, ""
        for attempt in range(self._max_attempts):
            remaining = cutoff - time.monotonic()
            if remaining <= 0:
                return None, calls, problem or "no time left to call the API"
            calls += 1
            try:
                return self._get(mysfit_id, min(self._timeout, remaining)), calls, problem
            except _Refused as refused:
                return None, calls, str(refused)
            except _Transient as transient:
                problem = str(transient)
                pause = max(self._backoff_for(attempt), transient.retry_after)
            if attempt + 1 < self._max_attempts:
                if time.monotonic() + pause >= cutoff:
                    break
                self._sleep(pause)
        return None, calls, problem

    def _get(self, mysfit_id: str, timeout: float) -> MysfitProfile | str:
        try:
            response = self._session.get(self.url(mysfit_id), timeout=timeout)
        except requests.RequestException as error:
            raise _Transient(type(error).__name__) from None
        status = response.status_code
        if status == 404:
            return UNKNOWN_MYSFIT
        if status == 429 or status >= 500:
            raise _Transient(f"HTTP {status}", _retry_after(response))
        if status != 200:
            raise _Refused(f"HTTP {status}")
        try:
            body = response.json()
        except ValueError:
            raise _Transient("body is not JSON") from None
        profile = profile_from_api(body)
        if profile is None:
            raise _Transient("body is not a mysfit")
        return profile

    def _backoff_for(self, attempt: int) -> float:
        ceiling = min(_BACKOFF_CAP_SECONDS, self._backoff * 2**attempt)
        return ceiling * random.uniform(0.5, 1.0)


def _retry_after(response: requests.Response) -> float:
    try:
        return min(_BACKOFF_CAP_SECONDS, max(0.0, float(response.headers.get("Retry-After", 0))))
    except ValueError:
        return 0.0


class MysfitsTable:
    """`dynamodb:GetItem` on the workshop's table; the boto3 client is made on first use."""

    def __init__(self, table_name: str, client_factory: Callable[[], Any] | None = None) -> None:
        self.table_name = table_name
        self._client_factory = client_factory or _dynamodb_client
        self._client: Any = None
        self._lock = threading.Lock()

    def get(self, mysfit_id: str) -> MysfitProfile | str:
        """The profile, UNKNOWN_MYSFIT, or MYSFIT_UNAVAILABLE."""
        try:
            item = (
                self._dynamodb()
                .get_item(
                    TableName=self.table_name,
                    Key={"MysfitId": {"S": mysfit_id}},
                    ProjectionExpression="#s, #g, #l",
                    ExpressionAttributeNames={"#s": "Species", "#g": "GoodEvil", "#l": "LawChaos"},
                )
                .get("Item")
            )
        except Exception:  # botocore raises many unrelated types; any of them means "no answer"
            return MYSFIT_UNAVAILABLE
        if item is None:
            return UNKNOWN_MYSFIT
        return profile_from_item(item) or MYSFIT_UNAVAILABLE

    def _dynamodb(self) -> Any:
        with self._lock:
            if self._client is None:
                self._client = self._client_factory()
            return self._client


def _dynamodb_client() -> Any:
    import boto3  # provided by the Lambda runtime; imported only when the API fails
    from botocore.config import Config

    config = Config(
        connect_timeout=2, read_timeout=2, retries={"max_attempts": 2, "mode": "standard"}
    )
    return boto3.client("dynamodb", config=config)


class ProfileCache:
    """Answers by mysfit id for a short time, kept across invocations of a warm container:
    a profile, or UNKNOWN_MYSFIT when the API said 404 (so a flood of clicks on an id that does
    not exist costs one call per TTL, not one per batch)."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._entries: dict[str, tuple[float, MysfitProfile | str]] = {}

    def get(self, mysfit_id: str) -> MysfitProfile | str | None:
        entry = self._entries.get(mysfit_id)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            del self._entries[mysfit_id]
            return None
        return entry[1]

    def put(self, mysfit_id: str, profile: MysfitProfile | str) -> None:
        if self._ttl <= 0:
            return
        if len(self._entries) >= _CACHE_MAX_ENTRIES:
            self._entries.clear()
        self._entries[mysfit_id] = (self._clock() + self._ttl, profile)

    def clear(self) -> None:
        self._entries.clear()


class MysfitResolver:
    """Each distinct mysfit at most once per invocation, concurrently, cache first."""

    def __init__(
        self,
        api: MysfitsApi,
        table: MysfitsTable | None,
        cache: ProfileCache,
        concurrency: int,
    ) -> None:
        self._api = api
        self._table = table
        self._cache = cache
        self._concurrency = concurrency

    def resolve(
        self, mysfit_ids: Iterable[str], cutoff: float
    ) -> tuple[dict[str, MysfitProfile | str], LookupStats]:
        """Every id maps to its profile or to UNKNOWN_MYSFIT, MYSFIT_UNAVAILABLE or DEADLINE."""
        stats = LookupStats()
        outcomes: dict[str, MysfitProfile | str] = {}
        missing = []
        for mysfit_id in mysfit_ids:
            cached = self._cache.get(mysfit_id)
            if cached is None:
                missing.append(mysfit_id)
            else:
                outcomes[mysfit_id] = cached
                stats.cache_hits += 1
        if not missing:
            return outcomes, stats

        pool = ThreadPoolExecutor(max_workers=min(self._concurrency, len(missing)))
        try:
            futures = {pool.submit(self._lookup, i, cutoff): i for i in missing}
            wait(futures, timeout=max(0.0, cutoff - time.monotonic()))
        finally:
            # Lookups still running stop at their own cutoff; queued ones never start.
            pool.shutdown(wait=False, cancel_futures=True)
        for future, mysfit_id in futures.items():
            if not future.done() or future.cancelled():
                outcomes[mysfit_id] = DEADLINE
                continue
            lookup: Lookup = future.result()
            outcomes[mysfit_id] = lookup.outcome
            stats.api_calls += lookup.api_calls
            stats.api_retries += max(0, lookup.api_calls - 1)
            stats.fallbacks += lookup.fallback
            if lookup.problem:
                stats.problems.append((mysfit_id, lookup.problem))
            if isinstance(lookup.outcome, MysfitProfile) or (
                lookup.outcome == UNKNOWN_MYSFIT and not lookup.fallback
            ):
                self._cache.put(mysfit_id, lookup.outcome)
        return outcomes, stats

    def _lookup(self, mysfit_id: str, cutoff: float) -> Lookup:
        try:
            outcome, calls, problem = self._api.fetch(mysfit_id, cutoff)
        except Exception as error:  # a bug here must cost one mysfit, not the batch
            outcome, calls, problem = None, 0, f"lookup error: {type(error).__name__}"
        if outcome is not None:
            return Lookup(outcome, calls)
        if self._table is None:
            return Lookup(MYSFIT_UNAVAILABLE, calls, problem=f"{problem}; no fallback table")
        if time.monotonic() >= cutoff:
            return Lookup(DEADLINE, calls, problem=f"{problem}; no time left for the fallback")
        outcome = self._table.get(mysfit_id)
        found = "found" if isinstance(outcome, MysfitProfile) else outcome
        return Lookup(outcome, calls, fallback=True, problem=f"{problem}; fallback: {found}")
