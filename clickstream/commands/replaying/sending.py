"""Sending clicks back into the stream: PutRecordBatch in runs of 500 records and 4 MiB, the
entries that fail retried with backoff."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from clickstream.commands.replaying import ReplayError

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
