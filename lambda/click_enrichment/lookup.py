"""Looking mysfits up: the Mysfits API's catalog, with per-id reads and DynamoDB as fallbacks.

A batch costs a handful of calls whatever ids it holds. `GET /mysfits` gives every mysfit in one
call, so an id missing from a fresh catalog is unknown without another call; a warm container
keeps the catalog, and each answer about an id, for the cache's TTL. Only when the catalog
cannot be read are mysfits read one by one (`GET /mysfits/{id}`, at most PER_ID_LIMIT a batch)
and then from the table (`BatchGetItem`, 100 keys a call). The service answers an unknown id with
500, so a per-id 500 is not retried: the table, which says "no such item" plainly, decides.

Every call made for a batch ends by the batch's stop, a little before its lookup cutoff (HTTP
timeouts are clamped to it); a call cut short that way is labelled DEADLINE, never retried, and
no lookup thread outlives the batch with the container's session: one still running at the
cutoff keeps a session of its own, and the container starts a new one.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util import Timeout

from .profiles import MysfitProfile, profile_from_api, profile_from_item, profiles_from_catalog
from .records import UNKNOWN_MYSFIT as UNKNOWN_MYSFIT  # declared with the visitor's reasons

MYSFIT_UNAVAILABLE = "mysfit_unavailable"
DEADLINE = "deadline"
# Names the catalog read in the logged problems, where mysfit ids name per-id reads.
CATALOG = "GET /mysfits"
TABLE = "BatchGetItem"

# Per-id reads when the catalog fails: a flood of made-up ids must not become a flood of calls.
PER_ID_LIMIT = 64
# Calls end this long before the lookup cutoff: a call's timeout and the cutoff never coincide.
SETTLE_SECONDS = 0.1
_BACKOFF_CAP_SECONDS = 2.0
# The most of an answer read: the workshop's catalog is a few kilobytes. A longer one is refused
# before it fills the function's memory.
MAX_ANSWER_BYTES = 1024 * 1024
_CHUNK_BYTES = 16 * 1024
_CACHE_MAX_ENTRIES = 65_536
_BATCH_GET_KEYS = 100  # BatchGetItem's limit
_BATCH_GET_ROUNDS = 5  # calls per 100 keys while DynamoDB leaves some unprocessed
_TABLE_ARN = re.compile(
    r"arn:aws[a-z-]*:dynamodb:(?P<region>[a-z0-9-]+):[0-9]{12}:table/(?P<name>[A-Za-z0-9_.-]{3,255})"
)

T = TypeVar("T")


@dataclass
class LookupStats:
    api_calls: int = 0
    api_retries: int = 0
    cache_hits: int = 0
    fallbacks: int = 0
    table_calls: int = 0
    # (mysfitId, CATALOG or TABLE; what went wrong) for every read that could not answer.
    problems: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Reply(Generic[T]):
    """What one API read gave: a value or None, the calls it took, the last problem, and
    whether the batch's stop cut it short."""

    value: T | None
    calls: int
    problem: str = ""
    out_of_time: bool = False


class _Transient(Exception):
    """The API may answer next time (connection trouble, 5xx, 429, unexpected body)."""

    def __init__(self, detail: str, retry_after: float = 0.0) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class _Refused(Exception):
    """An answer that retrying will not change (a per-id 500, 401, 403, 404 …)."""


def new_session(pool_size: int) -> requests.Session:
    """A keep-alive session; retries are ours, not urllib3's."""
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=2, pool_maxsize=pool_size, max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


class MysfitsApi:
    def __init__(
        self,
        session_factory: Callable[[], requests.Session],
        base_url: str,
        *,
        timeout: float,
        max_attempts: int,
        backoff: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._new_session = session_factory
        self._session = session_factory()
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._sleep = sleep

    def renew_session(self) -> None:
        """A new session for what comes next; reads still running keep the one they began with."""
        self._session = self._new_session()

    def url(self, mysfit_id: str) -> str:
        return f"{self._base_url}/mysfits/{quote(mysfit_id, safe='')}"

    def catalog(self, stop: float) -> Reply[dict[str, MysfitProfile]]:
        """Every mysfit by id (`GET /mysfits`), retried on any trouble."""
        return self._read(f"{self._base_url}/mysfits", profiles_from_catalog, stop, True)

    def fetch(self, mysfit_id: str, stop: float) -> Reply[MysfitProfile]:
        """One mysfit (`GET /mysfits/{id}`); a 500 is final (it is how an unknown id answers)."""
        return self._read(self.url(mysfit_id), profile_from_api, stop, False)

    def _read(
        self, url: str, parse: Callable[[Any], T | None], stop: float, retry_500: bool
    ) -> Reply[T]:
        session = self._session
        calls, problem = 0, ""
        for attempt in range(self._max_attempts):
            remaining = stop - time.monotonic()
            if remaining <= 0:
                return Reply(None, calls, problem or "no time left to call the API", True)
            calls += 1
            clamped = remaining < self._timeout
            try:
                value = self._get(session, url, min(self._timeout, remaining), parse, retry_500)
                return Reply(value, calls, problem)
            except _Refused as refused:
                return Reply(None, calls, str(refused))
            except _Transient as transient:
                if clamped and time.monotonic() >= stop - 0.01:
                    return Reply(None, calls, f"{transient} at the lookup cutoff", True)
                problem = str(transient)
                pause = max(self._backoff_for(attempt), transient.retry_after)
            if attempt + 1 < self._max_attempts:
                if time.monotonic() + pause >= stop:
                    return Reply(None, calls, f"{problem}; no time left to retry", True)
                self._sleep(pause)
        return Reply(None, calls, problem)

    @staticmethod
    def _get(
        session: requests.Session,
        url: str,
        timeout: float,
        parse: Callable[[Any], T | None],
        retry_500: bool,
    ) -> T:
        ends = time.monotonic() + timeout
        try:
            # Connecting, sending and the wait for the answer's head end `timeout` from now; the
            # body is read below, by the same clock (each read may wait no longer than it).
            response = session.get(url, timeout=Timeout(total=timeout), stream=True)
        except requests.RequestException as error:
            raise _Transient(type(error).__name__) from None
        with response:
            status = response.status_code
            if status == 500 and not retry_500:
                raise _Refused("HTTP 500")
            if status == 429 or status >= 500:
                raise _Transient(f"HTTP {status}", _retry_after(response))
            if status != 200:
                raise _Refused(f"HTTP {status}")
            raw = _bounded_body(response, ends, timeout)
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):
            raise _Transient("body is not JSON") from None
        value = parse(body)
        if value is None:
            raise _Transient("body is not what the API answers")
        return value

    def _backoff_for(self, attempt: int) -> float:
        ceiling = min(_BACKOFF_CAP_SECONDS, self._backoff * 2**attempt)
        return ceiling * random.uniform(0.5, 1.0)


def _bounded_body(response: requests.Response, ends: float, timeout: float) -> bytes:
    """The body, at most MAX_ANSWER_BYTES of it (else _Refused: the same answer next time), whole
    by `ends` (else _Transient: a slow answer, or one fed a byte at a time)."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_ANSWER_BYTES:
        raise _Refused(f"body of {int(declared):,} bytes, over {MAX_ANSWER_BYTES:,}")
    chunks, size = [], 0
    # Each read returns what has come (read1), and may wait only for the time left.
    sock = getattr(getattr(response.raw, "_connection", None), "sock", None)
    try:
        while True:
            left = ends - time.monotonic()
            if left <= 0:
                raise _Transient(f"body not whole within {timeout:g} s")
            if sock is not None:
                sock.settimeout(left)
            chunk = response.raw.read1(_CHUNK_BYTES, decode_content=True)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > MAX_ANSWER_BYTES:
                raise _Refused(f"body over {MAX_ANSWER_BYTES:,} bytes")
            chunks.append(chunk)
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
        if time.monotonic() >= ends:
            raise _Transient(f"body not whole within {timeout:g} s") from None
        raise _Transient(type(error).__name__) from None


def _retry_after(response: requests.Response) -> float:
    try:
        return min(_BACKOFF_CAP_SECONDS, max(0.0, float(response.headers.get("Retry-After", 0))))
    except ValueError:
        return 0.0


def parse_table_arn(table_arn: str) -> tuple[str, str]:
    """(region, table name) of `arn:PARTITION:dynamodb:REGION:ACCOUNT:table/NAME`."""
    match = _TABLE_ARN.fullmatch(table_arn)
    if match is None:
        raise ValueError(f"not a DynamoDB table ARN: {table_arn!r}")
    return match["region"], match["name"]


class MysfitsTable:
    """`dynamodb:BatchGetItem` on the workshop's table, in the table's own region (from its
    ARN); the boto3 client is made on first use."""

    def __init__(
        self,
        table_arn: str,
        client_factory: Callable[[str], Any] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.region, self.table_name = parse_table_arn(table_arn)
        self._client_factory = client_factory or _dynamodb_client
        self._client: Any = None
        self._sleep = sleep

    def batch_get(
        self, mysfit_ids: Sequence[str], stop: float
    ) -> tuple[dict[str, MysfitProfile | str], int, str]:
        """Each id's profile, UNKNOWN_MYSFIT (the table has no such item), MYSFIT_UNAVAILABLE
        or DEADLINE; the calls made; the last problem."""
        outcomes: dict[str, MysfitProfile | str] = {}
        calls, problem, failed = 0, "", False
        for start in range(0, len(mysfit_ids), _BATCH_GET_KEYS):
            chunk = list(mysfit_ids[start : start + _BATCH_GET_KEYS])
            left = chunk
            for round_ in range(0 if failed else _BATCH_GET_ROUNDS):
                if time.monotonic() >= stop:
                    outcomes.update(dict.fromkeys(left, DEADLINE))
                    left = []
                    break
                calls += 1
                try:
                    answer = self._dynamodb().batch_get_item(RequestItems=self._request(left))
                except Exception as error:  # botocore raises many unrelated types
                    problem, failed = type(error).__name__, True
                    break
                for item in answer.get("Responses", {}).get(self.table_name, []):
                    mysfit_id = (item.get("MysfitId") or {}).get("S")
                    outcomes[mysfit_id] = profile_from_item(item) or MYSFIT_UNAVAILABLE
                unprocessed = answer.get("UnprocessedKeys", {}).get(self.table_name, {})
                left = [key["MysfitId"]["S"] for key in unprocessed.get("Keys", [])]
                if not left:
                    break
                problem = "unprocessed keys"
                self._sleep(min(0.05 * 2**round_, max(0.0, stop - time.monotonic())))
            outcomes.update(dict.fromkeys(left, MYSFIT_UNAVAILABLE))
            for mysfit_id in chunk:
                outcomes.setdefault(mysfit_id, UNKNOWN_MYSFIT)  # answered, and not there
        return outcomes, calls, problem

    def _request(self, mysfit_ids: list[str]) -> dict[str, Any]:
        return {
            self.table_name: {
                "Keys": [{"MysfitId": {"S": mysfit_id}} for mysfit_id in mysfit_ids],
                "ProjectionExpression": "#i, #n, #s, #g, #l",
                "ExpressionAttributeNames": {
                    "#i": "MysfitId",
                    "#n": "Name",
                    "#s": "Species",
                    "#g": "GoodEvil",
                    "#l": "LawChaos",
                },
            }
        }

    def _dynamodb(self) -> Any:
        if self._client is None:
            self._client = self._client_factory(self.region)
        return self._client


def _dynamodb_client(region: str) -> Any:
    import boto3  # provided by the Lambda runtime; imported only when the API fails
    from botocore.config import Config

    config = Config(
        connect_timeout=1, read_timeout=1, retries={"total_max_attempts": 2, "mode": "standard"}
    )
    return boto3.client("dynamodb", region_name=region, config=config)


class ProfileCache:
    """What a warm container knows, for a short time: the last catalog read, and each answer
    about one id (a profile, or UNKNOWN_MYSFIT), so the same ids cost nothing next batch."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._catalog: tuple[float, dict[str, MysfitProfile]] | None = None
        self._entries: dict[str, tuple[float, MysfitProfile | str]] = {}

    def get(self, mysfit_id: str) -> MysfitProfile | str | None:
        now = self._clock()
        if self._catalog is not None and self._catalog[0] > now:
            profile = self._catalog[1].get(mysfit_id)
            if profile is not None:
                return profile
        entry = self._entries.get(mysfit_id)
        if entry is None:
            return None
        if entry[0] <= now:
            del self._entries[mysfit_id]
            return None
        return entry[1]

    def put(self, mysfit_id: str, profile: MysfitProfile | str) -> None:
        if self._ttl <= 0:
            return
        if len(self._entries) >= _CACHE_MAX_ENTRIES:
            self._entries.clear()
        self._entries[mysfit_id] = (self._clock() + self._ttl, profile)

    def put_catalog(self, profiles: dict[str, MysfitProfile]) -> None:
        if self._ttl > 0:
            self._catalog = (self._clock() + self._ttl, profiles)

    def clear(self) -> None:
        self._catalog = None
        self._entries.clear()


class MysfitResolver:
    """Every distinct mysfit of a batch: cache first, then one catalog read, then fallbacks."""

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
        pending = []
        for mysfit_id in mysfit_ids:
            known = self._cache.get(mysfit_id)
            if known is None:
                pending.append(mysfit_id)
            else:
                outcomes[mysfit_id] = known
                stats.cache_hits += 1
        if not pending:
            return outcomes, stats

        stop = cutoff - SETTLE_SECONDS
        catalog = self._api.catalog(stop)
        self._count(stats, catalog)
        if catalog.value is not None:
            self._cache.put_catalog(catalog.value)
            for mysfit_id in pending:
                outcome = catalog.value.get(mysfit_id, UNKNOWN_MYSFIT)
                outcomes[mysfit_id] = outcome
                if outcome == UNKNOWN_MYSFIT:
                    self._cache.put(mysfit_id, outcome)
            return outcomes, stats
        stats.problems.append((CATALOG, catalog.problem))
        if catalog.out_of_time:
            outcomes.update(dict.fromkeys(pending, DEADLINE))
            return outcomes, stats

        unresolved = self._read_one_by_one(pending[:PER_ID_LIMIT], stop, cutoff, stats, outcomes)
        self._read_table(unresolved + pending[PER_ID_LIMIT:], stop, stats, outcomes)
        return outcomes, stats

    @staticmethod
    def _count(stats: LookupStats, reply: Reply) -> None:
        stats.api_calls += reply.calls
        stats.api_retries += max(0, reply.calls - 1)

    def _read_one_by_one(
        self,
        mysfit_ids: list[str],
        stop: float,
        cutoff: float,
        stats: LookupStats,
        outcomes: dict[str, MysfitProfile | str],
    ) -> list[str]:
        """Per-id API reads, concurrently; the ids they could not settle."""
        if not mysfit_ids:
            return []
        pool = ThreadPoolExecutor(max_workers=min(self._concurrency, len(mysfit_ids)))
        futures: dict[Future[Reply[MysfitProfile]], str] = {
            pool.submit(self._api.fetch, mysfit_id, stop): mysfit_id for mysfit_id in mysfit_ids
        }
        _, running = wait(futures, timeout=max(0.0, cutoff - time.monotonic()))
        if running:
            # Only a read the clamped timeout could not stop (a server trickling its answer)
            # gets here: it keeps its session; the container's next batch gets a new one.
            pool.shutdown(wait=False, cancel_futures=True)
            self._api.renew_session()
        else:
            pool.shutdown(wait=True)
        unresolved = []
        for future, mysfit_id in futures.items():
            if future in running or future.cancelled():
                outcomes[mysfit_id] = DEADLINE
                continue
            reply = future.result()
            self._count(stats, reply)
            if reply.value is not None:
                outcomes[mysfit_id] = reply.value
                self._cache.put(mysfit_id, reply.value)
                continue
            stats.problems.append((mysfit_id, reply.problem))
            if reply.out_of_time:
                outcomes[mysfit_id] = DEADLINE
            else:
                unresolved.append(mysfit_id)
        return unresolved

    def _read_table(
        self,
        mysfit_ids: list[str],
        stop: float,
        stats: LookupStats,
        outcomes: dict[str, MysfitProfile | str],
    ) -> None:
        if not mysfit_ids:
            return
        if self._table is None:
            outcomes.update(dict.fromkeys(mysfit_ids, MYSFIT_UNAVAILABLE))
            return
        found, calls, problem = self._table.batch_get(mysfit_ids, stop)
        stats.fallbacks += len(mysfit_ids)
        stats.table_calls += calls
        if problem:
            stats.problems.append((TABLE, problem))
        for mysfit_id in mysfit_ids:
            outcome = found[mysfit_id]
            outcomes[mysfit_id] = outcome
            # The table's answer is authoritative: a missing item is as good as a catalog miss.
            if isinstance(outcome, MysfitProfile) or outcome == UNKNOWN_MYSFIT:
                self._cache.put(mysfit_id, outcome)
