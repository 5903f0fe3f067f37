"""Clicks that arrive when a test says: the pipeline's own processor and bucket layout, through
a delivery stream like the pipeline's own whose clock the caller sets.

Used by the report tests and by docs/make_sample.py.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from clickstream.local import LocalPipeline
from clickstream.local.firehose import LocalDeliveryStream


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> float:
        return self.now.timestamp()


class TimedDelivery:
    """``put(user_id, mysfit_id, at)`` buffers a click that arrived ``at``; ``flush()``
    delivers what is buffered as one Firehose batch (filed under its oldest click's day)."""

    def __init__(self, pipeline: LocalPipeline) -> None:
        own = pipeline.stream
        assert own is not None, "start the pipeline first"
        self._clock = Clock()
        self._stream = LocalDeliveryStream(
            name=own.name,
            arn=own.arn,
            region=own.region,
            bucket_dir=own.bucket_dir,
            prefix=own.prefix,
            error_prefix=own.error_prefix,
            processor=own.processor,
            buffer_size_bytes=own.buffer_size_bytes,
            buffer_interval_seconds=3600,  # only flush() delivers
            conversion=own.conversion,
            clock=self._clock,
        )

    def put(self, user_id: str, mysfit_id: str, at: datetime) -> None:
        self._clock.now = at
        self._stream.put_record(json.dumps({"userId": user_id, "mysfitId": mysfit_id}).encode())

    def flush(self) -> tuple[int, int]:
        """(delivered, failed) clicks of the batch."""
        (batch,) = self._stream.flush()
        return batch.delivered, batch.failed
