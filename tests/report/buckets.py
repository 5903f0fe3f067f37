"""Clicks that arrive when a test says: the pipeline's own processor and bucket layout, through
a delivery stream like the pipeline's own whose clock the caller sets.

Used by the report tests and by docs/make_sample.py.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from clickstream import contract
from clickstream.local import LocalPipeline
from clickstream.local.firehose.stream import LocalDeliveryStream

# A person's browser (CrawlerDetect: not a bot) and a crawler (a bot).
BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def millis(at: datetime) -> int:
    return round(at.timestamp() * 1000)


def firehose_record(
    event: str,
    user_id: str,
    mysfit_id: str,
    at: datetime,
    *,
    authenticated: bool = False,
    visitor_id: str | None = None,
    click_id: str | None = None,
    user_agent: str = BROWSER,
) -> dict:
    """The record the API's mapping templates write (the contract's RECORD_FIELDS), for an event
    API Gateway received ``at``; without the optional ids when they are None."""
    values = {
        "event": event,
        "userId": user_id,
        "authenticated": authenticated,
        "visitorId": visitor_id,
        "clickId": click_id,
        "mysfitId": mysfit_id,
        "receivedAt": millis(at),
        "userAgent": user_agent,
    }
    assert set(values) == {key for key, _ in contract.RECORD_FIELDS}
    return {
        key: values[key]
        for key, _ in contract.RECORD_FIELDS
        if not (key in contract.RECORD_OPTIONAL and values[key] is None)
    }


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> float:
        return self.now.timestamp()


class TimedDelivery:
    """``put(record)`` buffers a Firehose record that arrived when API Gateway received it (its
    ``receivedAt``); ``flush()`` delivers what is buffered as one Firehose batch (filed under
    its oldest record's day)."""

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

    def put(self, record: dict) -> None:
        self._clock.now = datetime.fromtimestamp(record["receivedAt"] / 1000, tz=UTC)
        self._stream.put_record(json.dumps(record).encode())

    def flush(self) -> tuple[int, int]:
        """(delivered, failed) clicks of the batch."""
        (batch,) = self._stream.flush()
        return batch.delivered, batch.failed
