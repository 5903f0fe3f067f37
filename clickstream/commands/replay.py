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
import sys
from pathlib import Path
from typing import Any

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
from clickstream.commands.replaying import ReplayError
from clickstream.commands.replaying.engine import replay
from clickstream.commands.replaying.keys import UNRECOVERABLE_PREFIX
from clickstream.commands.replaying.sending import Sender
from clickstream.commands.replaying.storage import FolderStorage, S3Storage, Storage
from clickstream.commands.stacks import describe_stack, stack_outputs
from clickstream.commands.triage import Triage, read_catalog

PROG = "generate.py replay"
BUCKET_OUTPUT, STREAM_OUTPUT = "ClicksBucketName", "DeliveryStreamName"
MYSFITS_API_PARAMETER = "MysfitsApiUrl"


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
