"""``python generate.py replay``: put the clicks Firehose kept under errors/ back into the stream.

Firehose never retries a record its processor answered ``ProcessingFailed``: it writes a failure
record (the raw click, base64, in ``rawData``) under ``errors/processing-failed/``. This command
reads those objects (optionally a range of days), sends the clicks back with ``PutRecordBatch``
(500 records and 4 MiB a call at most; entries that fail are retried with backoff, and a click
that keeps failing is reported and stays where it was), and moves each object it replayed under
``errors/replayed/``, so running it again replays nothing twice.

A click that can never succeed is not sent again and again: when the processor answered
``ProcessingFailed`` (``errorCode`` ``Lambda.ProcessingFailedStatus``; any other code is a whole
batch the function or Lambda failed, always worth another try), the click is judged by the
processor's own rules (``lambda/click_enrichment/records.py``) and, when the Mysfits API's
catalog can be read, by its mysfit. One the processor refuses (the visitor's input, or a
mysfit the API does not have) is moved under ``errors/unrecoverable/<reason>/``, counted by
reason in the summary; ``--include-unrecoverable`` sends those too, and the ones set apart
before. A line that is not a failure record is reported with its object and line, and stays.

One code path for both places a stack runs: the bucket is S3 or, for the local runner, a folder
(``--bucket-dir``); the stream is Firehose's API in AWS or the local runner's (``--endpoint-url``).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import gzip
import json
import os
import re
import sys
import tempfile
import time
import uuid
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from clickstream import defaults
from clickstream.cli import (
    DIR,
    NAME,
    URL,
    CommandError,
    OneLineParser,
    add_days,
    add_region,
    add_stack_name,
)
from clickstream.commands.stacks import describe_stack, stack_outputs
from clickstream.commands.triage import Triage, read_catalog

PROG = "generate.py replay"
ERRORS = defaults.ERROR_PREFIX.split("!{")[0]  # errors/
FAILED_PREFIX = f"{ERRORS}{defaults.PROCESSING_FAILED}/"
# Every error output type whose records hold a click: the processor's failures, and the enriched
# clicks Firehose could not convert to Parquet (the processor enriches those again).
FAILED_PREFIXES = tuple(f"{ERRORS}{kind}/" for kind in defaults.REPLAYABLE_ERROR_TYPES)
REPLAYED_PREFIX = f"{ERRORS}replayed/"
# Clicks the processor refuses whatever the replay does, under their reason. Firehose's own
# error-output-types (processing-failed, format-conversion-failed …) never take this name.
UNRECOVERABLE_PREFIX = f"{ERRORS}unrecoverable/"
BUCKET_OUTPUT, STREAM_OUTPUT = "ClicksBucketName", "DeliveryStreamName"
MYSFITS_API_PARAMETER = "MysfitsApiUrl"
# Unreadable lines named one by one in the problems, at most this many an object.
MAX_LINES_NAMED = 5

MAX_BATCH_RECORDS = 500
# 4 MiB a call, counted as sent: base64 makes every 3 bytes 4.
MAX_BATCH_BYTES = 4 * 1024 * 1024
MAX_ATTEMPTS = 6
# The most an error object may hold once decompressed: Firehose writes them at most
# DELIVERY_BUFFER_MB (64 MiB) before compression. A bigger one (a gzip bomb: a megabyte that
# inflates to gigabytes) is named and left where it is, never inflated whole.
MAX_OBJECT_BYTES = 256 * 1024 * 1024
FIRST_BACKOFF_SECONDS = 0.2
MAX_BACKOFF_SECONDS = 5.0
# Whole-call errors worth another try; any other error stops the run.
RETRYABLE_ERRORS = {
    "ServiceUnavailableException",
    "ThrottlingException",
    "InternalFailure",
    "InternalServerError",
}
PROGRESS_EVERY_SECONDS = 2.0
_DAY = re.compile(r"year=(\d{4})/month=(\d{2})/day=(\d{2})/")


class ReplayError(CommandError):
    """Why the replay cannot go on; one line, meant for the person running it."""


# --- Where the failure records are -----------------------------------------------------------


class Storage(Protocol):
    """The clicks bucket: S3, or a folder laid out as the bucket is."""

    def keys(self, prefix: str) -> Iterator[str]: ...
    def read(self, key: str) -> bytes: ...
    def write(self, key: str, body: bytes) -> None: ...
    def move(self, key: str, new_key: str) -> None: ...
    def delete(self, key: str) -> None: ...


class FolderStorage:
    """The local runner's bucket folder (``--bucket-dir``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*key.split("/"))

    def keys(self, prefix: str) -> Iterator[str]:
        base = self._path(prefix)
        if not base.is_dir():
            return iter(())
        found = (
            path.relative_to(self.root).as_posix()
            for path in base.rglob("*")
            # Objects being written are dot-files until they are renamed into place.
            if path.is_file() and not path.name.startswith(".")
        )
        return iter(sorted(found))

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def write(self, key: str, body: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
        os.replace(temporary, path)

    def move(self, key: str, new_key: str) -> None:
        target = self._path(new_key)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._path(key), target)

    def delete(self, key: str) -> None:
        self._path(key).unlink()


class S3Storage:
    """The deployed stack's clicks bucket."""

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def keys(self, prefix: str) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"]

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def write(self, key: str, body: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=body)

    def move(self, key: str, new_key: str) -> None:
        self.client.copy_object(
            Bucket=self.bucket, Key=new_key, CopySource={"Bucket": self.bucket, "Key": key}
        )
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)


# --- Failure records -------------------------------------------------------------------------


@dataclass
class FailureObject:
    """One object under the error prefix: its lines, and the click each readable one holds."""

    key: str
    lines: list[bytes]
    records: list[dict[str, Any] | None]  # None: a line that is not a failure record
    clicks: list[bytes | None]  # None: a line that is not a failure record with rawData
    why: dict[int, str] = field(default_factory=dict)  # line index -> why it is unreadable

    @classmethod
    def parse(cls, key: str, body: bytes) -> FailureObject:
        if key.endswith(".gz"):
            body = gunzip(body, MAX_OBJECT_BYTES)
        lines = [line for line in body.splitlines() if line.strip()]
        records, clicks, why = [], [], {}
        for index, line in enumerate(lines):
            record, problem = record_of(line)
            click = click_of_record(record) if record is not None else None
            if problem is None and click is None:
                problem = "no base64 rawData"
            records.append(record)
            clicks.append(click)
            if problem is not None:
                why[index] = problem
        return cls(key, lines, records, clicks, why)

    def body(self, indexes: list[int]) -> bytes:
        text = b"".join(self.lines[i] + b"\n" for i in indexes)
        return gzip.compress(text, mtime=0) if self.key.endswith(".gz") else text


class ObjectTooLarge(ValueError):
    """An object that decompresses to more than the replay reads."""


def gunzip(body: bytes, limit: int) -> bytes:
    """``body`` decompressed (every gzip member, as gzip.decompress), never more than ``limit``
    bytes of it: ObjectTooLarge past that; EOFError if it ends early; zlib.error if damaged."""
    out, size, data = [], 0, body
    while data:
        inflater = zlib.decompressobj(wbits=31)  # one gzip member
        while not inflater.eof:
            chunk = inflater.decompress(data, limit + 1 - size)
            size += len(chunk)
            if size > limit:
                raise ObjectTooLarge(f"over {limit:,} bytes once decompressed")
            out.append(chunk)
            data = inflater.unconsumed_tail
            if not data and not inflater.eof:
                raise EOFError("compressed data ended before the end-of-stream marker")
        data = inflater.unused_data.lstrip(b"\0")  # gzip's padding between members
    return b"".join(out)


def record_of(line: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """The failure record on a line, or why the line is not one."""
    try:
        record = json.loads(line)
    except RecursionError:
        return None, "nested too deeply to read"
    except ValueError:
        return None, "not JSON"
    if not isinstance(record, dict):
        return None, "not a JSON object"
    return record, None


def click_of(line: bytes) -> bytes | None:
    """The click in a Firehose failure record, or None when the line is not one."""
    record, _ = record_of(line)
    return click_of_record(record) if record is not None else None


def click_of_record(record: dict[str, Any]) -> bytes | None:
    """The click a failure record holds, as the replay sends it; None without base64 rawData.

    A click keeps the time it was first received: a record from the API carries `receivedAt`
    and goes back as it was; an older one without it is given the failure record's
    ``arrivalTimestamp`` as `receivedAt`, which the processor dates it by (a visitor cannot send
    that member: the API's models refuse it). Raw data that is not a JSON object goes back as
    it was."""
    try:
        raw = base64.b64decode(record["rawData"], validate=True)
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None
    arrived = record.get("arrivalTimestamp")
    try:
        click = json.loads(raw)
    except (ValueError, RecursionError):
        return raw
    if not isinstance(click, dict) or type(arrived) is not int or "receivedAt" in click:
        return raw
    click["receivedAt"] = arrived
    return json.dumps(click, ensure_ascii=False, separators=(",", ":")).encode()


def day_of(key: str) -> date | None:
    match = _DAY.search(key)
    if match is None:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _rest(key: str) -> str:
    """The key below its error prefix (below the reason, for a click set apart)."""
    if key.startswith(UNRECOVERABLE_PREFIX):
        return key.removeprefix(UNRECOVERABLE_PREFIX).partition("/")[2]
    (failed,) = [prefix for prefix in FAILED_PREFIXES if key.startswith(prefix)] or [""]
    return key.removeprefix(failed)


def _part(moved: str, part: bool) -> str:
    if not part:
        return moved
    stem, gz, _ = moved.partition(".gz")
    return f"{stem}-part-{uuid.uuid4().hex[:8]}{gz}"


def replayed_key(key: str, *, part: bool = False) -> str:
    """Where a replayed object goes; `part`: a new key for the replayed part of an object."""
    return _part(REPLAYED_PREFIX + _rest(key), part)


def unrecoverable_key(key: str, reason: str, *, part: bool = False) -> str:
    """Where clicks that can never succeed go, under the processor's reason."""
    return _part(f"{UNRECOVERABLE_PREFIX}{reason}/{_rest(key)}", part)


# --- Sending ---------------------------------------------------------------------------------


def batches(indexes: list[int], clicks: list[bytes]) -> Iterator[list[int]]:
    """Runs of at most 500 records and 4 MiB (as base64) each."""
    batch: list[int] = []
    size = 0
    for index in indexes:
        encoded = (len(clicks[index]) + 2) // 3 * 4
        if batch and (len(batch) == MAX_BATCH_RECORDS or size + encoded > MAX_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(index)
        size += encoded
    if batch:
        yield batch


@dataclass
class Sender:
    """PutRecordBatch with retries of the entries that fail."""

    client: Any
    stream: str
    sleep: Callable[[float], None] = time.sleep
    max_attempts: int = MAX_ATTEMPTS
    first_backoff: float = FIRST_BACKOFF_SECONDS
    calls: int = 0

    def send(self, clicks: list[bytes]) -> dict[int, str]:
        """Send every click; the ones that still failed after the last attempt, with why."""
        pending = list(range(len(clicks)))
        failed: dict[int, str] = {}
        for attempt in range(self.max_attempts):
            if attempt:
                self.sleep(min(MAX_BACKOFF_SECONDS, self.first_backoff * 2 ** (attempt - 1)))
            failed = {}
            for batch in batches(pending, clicks):
                failed |= self._put(batch, clicks)
            pending = sorted(failed)
            if not pending:
                break
        return failed

    def _put(self, batch: list[int], clicks: list[bytes]) -> dict[int, str]:
        from botocore.exceptions import BotoCoreError, ClientError

        self.calls += 1
        try:
            answer = self.client.put_record_batch(
                DeliveryStreamName=self.stream, Records=[{"Data": clicks[i]} for i in batch]
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code in RETRYABLE_ERRORS:
                return dict.fromkeys(batch, code)
            message = error.response.get("Error", {}).get("Message", str(error))
            raise ReplayError(
                f"PutRecordBatch to {self.stream} failed: {code}: {message}"
            ) from None
        except BotoCoreError as error:
            raise ReplayError(f"PutRecordBatch to {self.stream} failed: {error}") from None
        if not answer.get("FailedPutCount"):
            return {}
        return {
            index: entry["ErrorCode"]
            for index, entry in zip(batch, answer["RequestResponses"], strict=True)
            if entry.get("ErrorCode")
        }


# --- The replay ------------------------------------------------------------------------------


@dataclass
class Summary:
    objects: int = 0
    moved: int = 0
    clicks: int = 0
    replayed: int = 0
    kept_failing: int = 0
    unreadable: int = 0
    set_apart: Counter[str] = field(default_factory=Counter)  # reason -> clicks
    problems: list[str] = field(default_factory=list)

    def apart(self, *, dry_run: bool) -> str:
        if not self.set_apart:
            return ""
        reasons = ", ".join(f"{reason} {n}" for reason, n in sorted(self.set_apart.items()))
        verb = "would be" if dry_run else "were"
        return (
            f"; {sum(self.set_apart.values())} clicks that can never succeed ({reasons}) "
            f"{verb} set apart under {UNRECOVERABLE_PREFIX} (--include-unrecoverable sends them)"
        )

    def line(self, stream: str, *, dry_run: bool) -> str:
        if dry_run:
            return (
                f"dry run: {self.clicks} clicks in {self.objects} objects under "
                f"{FAILED_PREFIX} would be replayed into {stream}; {self.unreadable} unreadable "
                "lines" + self.apart(dry_run=True)
            )
        return (
            f"replayed {self.replayed} of {self.clicks} clicks from {self.objects} objects "
            f"into {stream}; {self.moved} objects moved to {REPLAYED_PREFIX}; "
            f"{self.kept_failing} kept failing and {self.unreadable} unreadable lines stay "
            f"under {FAILED_PREFIX}" + self.apart(dry_run=False)
        )


def selected_keys(
    storage: Storage,
    since: date | None = None,
    until: date | None = None,
    *,
    include_unrecoverable: bool = False,
) -> list[str]:
    keys = []
    found = [key for prefix in FAILED_PREFIXES for key in storage.keys(prefix)]
    if include_unrecoverable:
        found += storage.keys(UNRECOVERABLE_PREFIX)
    for key in found:
        day = day_of(key)
        outside = day is None or (since and day < since) or (until and day > until)
        if (since or until) and outside:
            continue
        keys.append(key)
    return keys


def replay(
    storage: Storage,
    sender: Sender,
    *,
    since: date | None = None,
    until: date | None = None,
    dry_run: bool = False,
    triage: Triage | None = None,
    include_unrecoverable: bool = False,
    progress: Callable[[str], None] = lambda text: None,
    clock: Callable[[], float] = time.monotonic,
) -> Summary:
    """Replay the failed clicks; ``triage`` (default: the processor's rules alone) sets apart
    the ones that can never succeed, unless ``include_unrecoverable``."""
    triage = triage or Triage()
    keys = selected_keys(storage, since, until, include_unrecoverable=include_unrecoverable)
    summary = Summary(objects=len(keys))
    last = clock()
    for done, key in enumerate(keys, 1):
        try:
            failure = FailureObject.parse(key, storage.read(key))
        except (OSError, EOFError, zlib.error, ObjectTooLarge) as error:
            summary.unreadable += 1
            summary.problems.append(f"{key} cannot be read ({error}); it stays")
            continue
        apart: dict[str, list[int]] = {}
        readable = []
        for index, click in enumerate(failure.clicks):
            record = failure.records[index]
            if click is None or record is None:
                continue
            reason = None if include_unrecoverable else triage.reason(record)
            if reason is None:
                readable.append(index)
            else:
                apart.setdefault(reason, []).append(index)
        unreadable = sorted(failure.why)
        summary.clicks += len(readable)
        summary.unreadable += len(unreadable)
        for reason, indexes in apart.items():
            summary.set_apart[reason] += len(indexes)
        for index in unreadable[:MAX_LINES_NAMED]:
            summary.problems.append(f"{key} line {index + 1}: {failure.why[index]}; it stays")
        if len(unreadable) > MAX_LINES_NAMED:
            summary.problems.append(
                f"{key}: {len(unreadable) - MAX_LINES_NAMED} more unreadable lines stay"
            )
        if not dry_run:
            replay_object(storage, sender, failure, readable, unreadable, apart, summary)
        if clock() - last >= PROGRESS_EVERY_SECONDS:
            last = clock()
            progress(f"{done}/{len(keys)} objects, {summary.replayed} clicks replayed")
    return summary


def replay_object(
    storage: Storage,
    sender: Sender,
    failure: FailureObject,
    readable: list[int],
    unreadable: list[int],
    apart: dict[str, list[int]],
    summary: Summary,
) -> None:
    clicks = [failure.clicks[i] for i in readable]
    failed = sender.send(clicks) if clicks else {}  # type: ignore[arg-type]
    sent = [index for n, index in enumerate(readable) if n not in failed]
    kept = sorted([readable[n] for n in failed] + unreadable)
    summary.replayed += len(sent)
    summary.kept_failing += len(failed)
    if failed:
        reasons = ", ".join(sorted(set(failed.values())))
        summary.problems.append(f"{len(failed)} clicks kept failing in {failure.key} ({reasons})")
    # Where each part of the object goes, as a whole object or as a part of one: the replayed
    # lines, and each reason's clicks.
    key = failure.key
    parts = [(replayed_key(key), replayed_key(key, part=True), sent)] if sent else []
    parts += [
        (unrecoverable_key(key, reason), unrecoverable_key(key, reason, part=True), indexes)
        for reason, indexes in sorted(apart.items())
    ]
    if not kept and len(parts) == 1:
        storage.move(key, parts[0][0])
        summary.moved += 1 if sent else 0
        return
    if not parts:
        return
    # Each part is written first, then the object shrinks to what is left (or goes): a second
    # run sends only what did not go this time, and a crash between sends nothing twice.
    for _, part_key, indexes in parts:
        storage.write(part_key, failure.body(indexes))
    if kept:
        storage.write(key, failure.body(kept))
    else:
        storage.delete(key)


# --- The command -----------------------------------------------------------------------------


def argument_parser() -> OneLineParser:
    parser = OneLineParser(
        prog=PROG,
        description=(
            "Put the clicks kept under errors/processing-failed/ and "
            "errors/format-conversion-failed/ back into the delivery stream, "
            "and move each object replayed under errors/replayed/."
        ),
    )
    where = parser.add_argument_group("where (a deployed stack, or the local runner)")
    add_stack_name(where)
    add_region(where)
    where.add_argument("--bucket", metavar=NAME, help="clicks bucket (default: the stack's output)")
    where.add_argument(
        "--bucket-dir",
        type=Path,
        metavar=DIR,
        help="the local runner's bucket folder (generate.py local writes local-bucket/)",
    )
    where.add_argument(
        "--stream-name", metavar=NAME, help="delivery stream (default: the stack's output)"
    )
    where.add_argument(
        "--endpoint-url",
        metavar=URL,
        help="Firehose API to send to (local runner: its Firehose API URL)",
    )
    add_days(parser, "to replay", since_default="no limit", until_default="no limit")
    parser.add_argument("--dry-run", action="store_true", help="only count; send and move nothing")
    parser.add_argument(
        "--mysfits-api-url",
        metavar=URL,
        help="Mysfits API whose catalog says which mysfits exist (default: the stack's "
        f"{MYSFITS_API_PARAMETER} parameter); clicks for others are set apart",
    )
    parser.add_argument(
        "--include-unrecoverable",
        action="store_true",
        help=f"also send the clicks the processor refuses (and those under {UNRECOVERABLE_PREFIX}"
        "), e.g. after a mysfit was added",
    )
    return parser


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argument_parser()
    args = parser.parse_args(argv)
    if args.bucket_dir and (args.bucket or args.stack_name):
        parser.error("--bucket-dir is the local bucket; leave out --bucket and --stack-name")
    if not (args.stack_name or args.bucket or args.bucket_dir):
        parser.error("say where the clicks are: --stack-name, --bucket, or --bucket-dir")
    if args.bucket_dir and not args.endpoint_url:
        parser.error("--bucket-dir needs --endpoint-url (the local runner's Firehose API)")
    if args.since and args.until and args.since > args.until:
        parser.error("--since is after --until")
    return args


def _clients(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    """CloudFormation, S3 and Firehose clients; local endpoints work without credentials."""
    import boto3

    session = boto3.session.Session(region_name=args.region)
    options: dict[str, Any] = {}
    if args.endpoint_url and session.get_credentials() is None:
        options = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
    if session.region_name is None:
        if not args.endpoint_url:
            raise ReplayError("no AWS region given (use --region or set AWS_REGION)")
        options["region_name"] = "us-east-1"
    firehose = session.client("firehose", endpoint_url=args.endpoint_url, **options)
    return session.client("cloudformation", **options), session.client("s3", **options), firehose


def only_stream(firehose: Any) -> str:
    """The one delivery stream behind the endpoint (the local runner serves one)."""
    names = firehose.list_delivery_streams(Limit=2)["DeliveryStreamNames"]
    if len(names) != 1:
        raise ReplayError(f"{len(names)} delivery streams at the endpoint; give --stream-name")
    return names[0]


def run(args: argparse.Namespace) -> int:
    cloudformation, s3, firehose = _clients(args)
    stack = describe_stack(cloudformation, args.stack_name) if args.stack_name else {}
    outputs = stack_outputs(stack) if stack else {}
    parameters = {p["ParameterKey"]: p.get("ParameterValue") for p in stack.get("Parameters", [])}
    for name, given in ((BUCKET_OUTPUT, args.bucket), (STREAM_OUTPUT, args.stream_name)):
        if args.stack_name and not given and name not in outputs:
            raise ReplayError(f"stack {args.stack_name!r} has no output {name}")
    stream = args.stream_name or outputs.get(STREAM_OUTPUT) or only_stream(firehose)
    if args.bucket_dir:
        storage: Storage = FolderStorage(args.bucket_dir)
        if not args.bucket_dir.is_dir():
            raise ReplayError(f"no bucket folder {args.bucket_dir}")
    else:
        storage = S3Storage(s3, args.bucket or outputs[BUCKET_OUTPUT])

    def progress(text: str) -> None:
        print(f"replay: {text}", file=sys.stderr, flush=True)

    api_url = args.mysfits_api_url or parameters.get(MYSFITS_API_PARAMETER)
    triage = Triage()
    if not args.include_unrecoverable:
        triage = read_catalog(api_url) if api_url else triage
        if triage.known is None:
            progress(f"mysfits not checked ({triage.unchecked}); only invalid clicks set apart")
    summary = replay(
        storage,
        Sender(firehose, stream),
        since=args.since,
        until=args.until,
        dry_run=args.dry_run,
        triage=triage,
        include_unrecoverable=args.include_unrecoverable,
        progress=progress,
    )
    for problem in summary.problems:
        print(f"replay: {problem}", file=sys.stderr)
    print(summary.line(stream, dry_run=args.dry_run), flush=True)
    return 1 if summary.kept_failing or (summary.unreadable and not args.dry_run) else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        import boto3  # noqa: F401
    except ImportError:
        print(
            f"{PROG}: error: boto3 is not installed; install it with: python -m pip install boto3",
            file=sys.stderr,
        )
        return 2
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return run(args)
    except CommandError as error:
        print(f"{PROG}: error: {' '.join(str(error).split())}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as error:
        print(f"{PROG}: error: {' '.join(str(error).split())}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
