"""How many clicks sit under ``errors/``: the ones Firehose kept because the processor could
not enrich them, waiting for ``python generate.py replay`` (which moves what it sent back
under ``errors/replayed/``, not counted here).

Over a local bucket the objects are read and their clicks counted. On AWS the bucket is only
listed (``ListObjectsV2``: one request per 1,000 objects, no object read), so the count is of
objects and bytes; ``python generate.py replay --dry-run`` counts their clicks.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clickstream.commands.replay import BUCKET_OUTPUT
from clickstream.commands.replaying.keys import ERRORS, REPLAYED_PREFIX
from clickstream.commands.report.answers import ReportError, require
from clickstream.commands.stacks import describe_stack, stack_value


@dataclass(frozen=True)
class KeptClicks:
    where: str  # the errors/ folder or s3:// prefix
    objects: int
    size: int  # bytes
    clicks: int | None  # None: not counted (the objects were not read)

    def line(self) -> str | None:
        """One line for stderr; None when nothing is kept."""
        if not self.objects:
            return None
        if self.clicks is None:
            what = f"{_count(self.objects, 'object')} ({self.size:,} bytes) of clicks"
        else:
            what = f"{_count(self.clicks, 'click')} in {_count(self.objects, 'object')}"
        return (
            f"report: {what} under {self.where} could not be enriched and are not in this "
            "report (python generate.py replay sends them back)"
        )


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _kept(key: str) -> bool:
    """An object of failed clicks: under errors/, not replayed, not a half-written dot-file."""
    return not key.startswith(REPLAYED_PREFIX) and not key.rsplit("/", 1)[-1].startswith(".")


def kept_in_bucket_dir(bucket_dir: Path) -> KeptClicks:
    """The failure records under the local bucket's errors/, counted line by line."""
    root = bucket_dir / ERRORS
    paths = [
        path
        for path in sorted(root.rglob("*"))
        if path.is_file() and _kept(path.relative_to(bucket_dir).as_posix())
    ]
    clicks = 0
    for path in paths:
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        clicks += sum(1 for line in data.splitlines() if line.strip())
    return KeptClicks(str(root), len(paths), sum(p.stat().st_size for p in paths), clicks)


def kept_on_s3(stack_name: str, *, region: str | None, session: Any = None) -> KeptClicks:
    """The objects under errors/ of the stack's clicks bucket, from a listing alone."""
    boto3 = require("boto3", "the report on Athena")
    exceptions = require("botocore.exceptions", "the report on Athena")
    session = session or boto3.session.Session(region_name=region)
    bucket = ""
    try:
        stack = describe_stack(session.client("cloudformation"), stack_name)
        bucket = stack_value(stack, "Output", BUCKET_OUTPUT)
        pages = (
            session.client("s3")
            .get_paginator("list_objects_v2")
            .paginate(Bucket=bucket, Prefix=ERRORS)
        )
        listed = [item for page in pages for item in page.get("Contents", [])]
    except exceptions.ClientError as error:
        details = error.response.get("Error", {})
        raise ReportError(
            f"cannot list s3://{bucket}/{ERRORS}: {details.get('Code', '')} "
            f"{details.get('Message', '')}"
        ) from error
    except exceptions.BotoCoreError as error:
        raise ReportError(str(error)) from error
    kept = [item for item in listed if _kept(item["Key"])]
    return KeptClicks(
        f"s3://{bucket}/{ERRORS}", len(kept), sum(item["Size"] for item in kept), None
    )
