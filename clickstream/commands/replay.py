"""``python generate.py replay``: put the clicks Firehose kept under errors/ back into the stream.

Firehose never retries a record its processor answered ``ProcessingFailed``: it writes a failure
record (the raw click, base64, in ``rawData``) under ``errors/processing-failed/``. This command
reads those objects (optionally a range of days), sends the clicks back with ``PutRecordBatch``
(500 records and 4 MiB a call at most; entries that fail are retried with backoff, and a click
that keeps failing is reported and stays where it was), and moves each object it replayed under
``errors/replayed/``, so running it again replays nothing twice.

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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from clickstream import defaults
from clickstream.cli import CommandError, OneLineParser
from clickstream.commands.stacks import describe_stack, stack_outputs

PROG = "generate.py replay"
ERRORS = defaults.ERROR_PREFIX.split("!{")[0]  # errors/
FAILED_PREFIX = f"{ERRORS}{defaults.PROCESSING_FAILED}/"
# Every error output type whose records hold a click: the processor's failures, and the enriched
# clicks Firehose could not convert to Parquet (the processor enriches those again).
FAILED_PREFIXES = tuple(f"{ERRORS}{kind}/" for kind in defaults.REPLAYABLE_ERROR_TYPES)
REPLAYED_PREFIX = f"{ERRORS}replayed/"
BUCKET_OUTPUT, STREAM_OUTPUT = "ClicksBucketName", "DeliveryStreamName"

MAX_BATCH_RECORDS = 500
# 4 MiB a call, counted as sent: base64 makes every 3 bytes 4.
MAX_BATCH_BYTES = 4 * 1024 * 1024
MAX_ATTEMPTS = 6
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


# --- Failure records -------------------------------------------------------------------------


@dataclass
class FailureObject:
    """One object under the error prefix: its lines, and the click each readable one holds."""

    key: str
    lines: list[bytes]
    clicks: list[bytes | None]  # None: a line that is not a failure record with rawData

    @classmethod
    def parse(cls, key: str, body: bytes) -> FailureObject:
        if key.endswith(".gz"):
            body = gzip.decompress(body)
        lines = [line for line in body.splitlines() if line.strip()]
        return cls(key, lines, [click_of(line) for line in lines])

    def body(self, indexes: list[int]) -> bytes:
        text = b"".join(self.lines[i] + b"\n" for i in indexes)
        return gzip.compress(text, mtime=0) if self.key.endswith(".gz") else text


def click_of(line: bytes) -> bytes | None:
    """The click in a Firehose failure record, or None when the line is not one.

    A click keeps the time Firehose first received it: the record's ``arrivalTimestamp`` goes
    with it as ``arrivedAt``, which the processor dates it by (a visitor cannot send that member:
    the Click model refuses it). Raw data that is not a JSON object goes back as it was."""
    try:
        record = json.loads(line)
        raw = base64.b64decode(record["rawData"], validate=True)
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None
    arrived = record.get("arrivalTimestamp")
    try:
        click = json.loads(raw)
    except ValueError:
        return raw
    if not isinstance(click, dict) or type(arrived) is not int or "arrivedAt" in click:
        return raw
    click["arrivedAt"] = arrived
    return json.dumps(click, ensure_ascii=False, separators=(",", ":")).encode()


def day_of(key: str) -> date | None:
    match = _DAY.search(key)
    if match is None:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def replayed_key(key: str, *, part: bool = False) -> str:
    """Where a replayed object goes; `part`: a new key for the replayed part of an object."""
    (failed,) = [prefix for prefix in FAILED_PREFIXES if key.startswith(prefix)] or [""]
    moved = REPLAYED_PREFIX + key.removeprefix(failed)
    if not part:
        return moved
    stem, gz, _ = moved.partition(".gz")
    return f"{stem}-part-{uuid.uuid4().hex[:8]}{gz}"


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
    problems: list[str] = field(default_factory=list)

    def line(self, stream: str, *, dry_run: bool) -> str:
        if dry_run:
            return (
                f"dry run: {self.clicks} clicks in {self.objects} objects under "
                f"{FAILED_PREFIX} would be replayed into {stream}; {self.unreadable} unreadable "
                "lines"
            )
        return (
            f"replayed {self.replayed} of {self.clicks} clicks from {self.objects} objects "
            f"into {stream}; {self.moved} objects moved to {REPLAYED_PREFIX}; "
            f"{self.kept_failing} kept failing and {self.unreadable} unreadable lines stay "
            f"under {FAILED_PREFIX}"
        )


def selected_keys(
    storage: Storage, since: date | None = None, until: date | None = None
) -> list[str]:
    keys = []
    for key in (key for prefix in FAILED_PREFIXES for key in storage.keys(prefix)):
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
    progress: Callable[[str], None] = lambda text: None,
    clock: Callable[[], float] = time.monotonic,
) -> Summary:
    keys = selected_keys(storage, since, until)
    summary = Summary(objects=len(keys))
    last = clock()
    for done, key in enumerate(keys, 1):
        failure = FailureObject.parse(key, storage.read(key))
        readable = [i for i, click in enumerate(failure.clicks) if click is not None]
        unreadable = [i for i, click in enumerate(failure.clicks) if click is None]
        summary.clicks += len(readable)
        summary.unreadable += len(unreadable)
        if unreadable:
            summary.problems.append(f"{len(unreadable)} unreadable lines in {key}")
        if not dry_run:
            replay_object(storage, sender, failure, readable, unreadable, summary)
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
    summary: Summary,
) -> None:
    clicks = [failure.clicks[i] for i in readable]
    failed = sender.send(clicks)  # type: ignore[arg-type]
    sent = [index for n, index in enumerate(readable) if n not in failed]
    kept = sorted([readable[n] for n in failed] + unreadable)
    summary.replayed += len(sent)
    summary.kept_failing += len(failed)
    if failed:
        reasons = ", ".join(sorted(set(failed.values())))
        summary.problems.append(f"{len(failed)} clicks kept failing in {failure.key} ({reasons})")
    if not kept:
        storage.move(failure.key, replayed_key(failure.key))
        summary.moved += 1
        return
    if sent:
        # The replayed lines are kept first, then the object shrinks to what is left: a second
        # run sends only what did not go this time.
        storage.write(replayed_key(failure.key, part=True), failure.body(sent))
        storage.write(failure.key, failure.body(kept))


# --- The command -----------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = OneLineParser(
        prog=PROG,
        description=(
            "Put the clicks kept under errors/processing-failed/ and "
            "errors/format-conversion-failed/ back into the delivery stream, "
            "and move each object replayed under errors/replayed/."
        ),
    )
    where = parser.add_argument_group("where (a deployed stack, or the local runner)")
    where.add_argument("--stack-name", help="deployed stack: its bucket and stream outputs")
    where.add_argument("--region", help="AWS region (default: from the environment)")
    where.add_argument("--bucket", help="clicks bucket (default: the stack's output)")
    where.add_argument("--bucket-dir", type=Path, help="local runner: its bucket folder")
    where.add_argument("--stream-name", help="delivery stream (default: the stack's output)")
    where.add_argument(
        "--endpoint-url", help="Firehose API to send to (local runner: its Firehose API URL)"
    )
    parser.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="first day to replay")
    parser.add_argument("--until", type=_day, metavar="YYYY-MM-DD", help="last day to replay")
    parser.add_argument("--dry-run", action="store_true", help="only count; send and move nothing")
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


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day (YYYY-MM-DD)") from None


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
    outputs = (
        stack_outputs(describe_stack(cloudformation, args.stack_name)) if args.stack_name else {}
    )
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

    summary = replay(
        storage,
        Sender(firehose, stream),
        since=args.since,
        until=args.until,
        dry_run=args.dry_run,
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
