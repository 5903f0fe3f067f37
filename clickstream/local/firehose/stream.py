"""A Firehose delivery stream with a Lambda processor and an S3 destination, on the local disk.

Records are buffered by the processor's buffering hints (``BufferSizeInMBs``,
``BufferIntervalInSeconds``; the interval can be scaled down for demos), handed to the processor in
a Firehose-shaped event and checked against the data-transformation contract. What comes back is
buffered again by the S3 destination's own ``BufferingHints`` (``SizeInMBs``,
``IntervalInSeconds``), which decide when an object is written into a folder laid out as the
bucket would be. Failed records go under the error prefix in Firehose's failure-record format,
buffered the same way (*inference*: Firehose documents one set of S3 hints per destination).
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import logging
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from ..awslambda.function import FunctionError
from ..awslambda.log import describe, failure_reasons
from ..ids import random_uuid
from .conversion import FORMAT_CONVERSION_FAILED, ParquetConversion
from .prefix import error_key, output_key

__all__ = ["BatchResult", "LocalDeliveryStream", "Processor", "StreamClosedError"]

log = logging.getLogger("clickstream.local.stream")

MAX_RECORD_BYTES = 1000 * 1024  # one record, before base64 (PutRecord)
MAX_INVOCATION_BYTES = 6 * 1024 * 1024  # Lambda's synchronous payload limit
PROCESSING_FAILED = "processing-failed"
RESULTS = ("Ok", "Dropped", "ProcessingFailed")


class Processor(Protocol):
    arn: str

    def invoke(self, event: dict[str, Any]) -> Any: ...


@runtime_checkable
class LoggingProcessor(Protocol):
    """A processor that also gives the end of each invocation's log (a local Lambda function)."""

    def invoke_with_log(self, event: dict[str, Any]) -> tuple[Any, str]: ...


@dataclass
class _Record:
    record_id: str
    arrival_ms: int
    data: bytes
    arrived: float = field(default_factory=time.monotonic)


@dataclass
class BatchResult:
    """What one processor batch became: counts of its records by outcome."""

    records: int
    delivered: int = 0
    dropped: int = 0
    failed: int = 0
    attempts: int = 1
    error_code: str | None = None
    # Why records failed, by reason: the processor's (from its log), or the invocation's error.
    failure_reasons: Counter[str] = field(default_factory=Counter)


@dataclass
class _ObjectBuffer:
    """Lines waiting in the S3 destination's buffer for one kind of object."""

    lines: list[bytes] = field(default_factory=list)
    arrivals: list[int] = field(default_factory=list)  # each line's record's arrival
    size: int = 0
    started: float = 0.0  # monotonic time the first line came in
    oldest_ms: int = 0  # arrival of the oldest record, which the key's timestamp shows

    def add(self, lines: list[bytes], arrivals: list[int]) -> None:
        oldest_ms = min(arrivals)
        if not self.lines:
            self.started, self.oldest_ms = time.monotonic(), oldest_ms
        self.oldest_ms = min(self.oldest_ms, oldest_ms)
        self.lines.extend(lines)
        self.arrivals.extend(arrivals)
        self.size += sum(map(len, lines))


class StreamClosedError(Exception):
    """The stream is stopping: it takes no more records (so none is taken that is not delivered)."""


class _ContractError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class LocalDeliveryStream:
    """A DirectPut delivery stream named ``name`` writing under ``bucket_dir``.

    ``put_record(data)`` buffers one record and returns its ``RecordId``; ``flush()`` delivers
    everything buffered now; ``start()`` runs the interval timer; ``stop()`` flushes and stops it.

    ``buffer_size_bytes``/``buffer_interval_seconds``: the processor's buffering (without a
    processor, the destination's). ``destination_size_bytes``/``destination_interval_seconds``:
    the S3 destination's own hints for what the processor returns (None: one object per batch).
    ``conversion``: record format conversion (each flush of the destination's buffer is one
    Parquet object; records that do not fit go under the error prefix).
    ``objects`` and ``error_objects`` list the keys written, in order.
    """

    def __init__(
        self,
        *,
        name: str,
        arn: str,
        region: str,
        bucket_dir: Path,
        prefix: str,
        error_prefix: str,
        processor: Processor | None,
        buffer_size_bytes: int,
        buffer_interval_seconds: float,
        number_of_retries: int = 3,
        destination_size_bytes: int | None = None,
        destination_interval_seconds: float | None = None,
        compression: str = "UNCOMPRESSED",
        conversion: ParquetConversion | None = None,
        encrypted: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.arn = arn
        self.region = region
        self.bucket_dir = Path(bucket_dir)
        self.prefix = prefix
        self.error_prefix = error_prefix
        self.processor = processor
        self.buffer_size_bytes = buffer_size_bytes
        self.buffer_interval_seconds = buffer_interval_seconds
        self.number_of_retries = number_of_retries
        self.destination_size_bytes = destination_size_bytes
        self.destination_interval_seconds = destination_interval_seconds
        self.compression = compression
        self.conversion = conversion
        self.encrypted = encrypted
        self._clock = clock
        self._buffer: list[_Record] = []
        self._buffered_bytes = 0
        self._condition = threading.Condition()
        self._deliver_lock = threading.Lock()
        self._timer: threading.Thread | None = None
        self._stopping = False
        self._closed = False
        self.batches: list[BatchResult] = []
        self.objects: list[str] = []
        self.error_objects: list[str] = []
        self._objects: dict[str, _ObjectBuffer] = {
            "Ok": _ObjectBuffer(),
            PROCESSING_FAILED: _ObjectBuffer(),
        }

    # -- ingest -----------------------------------------------------------------------------------

    def put_record(self, data: bytes) -> str:
        if len(data) > MAX_RECORD_BYTES:
            raise ValueError(f"record of {len(data)} bytes exceeds {MAX_RECORD_BYTES}")
        record = _Record(
            record_id=_record_id(),
            arrival_ms=int(self._clock() * 1000),
            data=bytes(data),
        )
        with self._condition:
            if self._closed:
                raise StreamClosedError(f"delivery stream {self.name} is stopping")
            self._buffer.append(record)
            self._buffered_bytes += len(record.data)
            # The timer thread delivers a full buffer; the caller never waits for the processor.
            # It needs waking only when its next deadline moves: a first record starts the
            # interval, a full buffer is due now.
            if len(self._buffer) == 1 or self._buffered_bytes >= self.buffer_size_bytes:
                self._condition.notify_all()
        return record.record_id

    def buffered(self) -> int:
        with self._condition:
            return len(self._buffer)

    # -- timer ------------------------------------------------------------------------------------

    def start(self) -> None:
        if self._timer is not None:
            return
        self._stopping = self._closed = False
        self._timer = threading.Thread(
            target=self._run_timer, name=f"{self.name}-timer", daemon=True
        )
        self._timer.start()

    def stop(self, *, flush: bool = True) -> None:
        """Take no more records, stop the timer, deliver whatever is buffered (nothing is lost).

        A record is either refused (``StreamClosedError``) or buffered before this closes the
        intake, so the final flush delivers every record ``put_record`` accepted.
        """
        with self._condition:
            self._closed = True
            self._stopping = True
            self._condition.notify_all()
        if self._timer is not None:
            self._timer.join()
            self._timer = None
        if flush:
            self.flush()

    def _due_in(self) -> float | None:
        """Seconds until the next buffer is due (0: now), None when all are empty. Hold the lock."""
        waits = [self._records_due_in(), *(self._object_due_in(kind) for kind in self._objects)]
        return min((w for w in waits if w is not None), default=None)

    def _records_due_in(self) -> float | None:
        if not self._buffer:
            return None
        if self._buffered_bytes >= self.buffer_size_bytes:
            return 0.0
        oldest = self._buffer[0].arrived
        return max(0.0, oldest + self.buffer_interval_seconds - time.monotonic())

    def _object_due_in(self, kind: str) -> float | None:
        buffer = self._objects[kind]
        if not buffer.lines:
            return None
        if self.destination_size_bytes is None or buffer.size >= self.destination_size_bytes:
            return 0.0
        interval = self.destination_interval_seconds or 0.0
        return max(0.0, buffer.started + interval - time.monotonic())

    def _run_timer(self) -> None:
        while True:
            with self._condition:
                while not self._stopping:
                    due = self._due_in()
                    if due == 0.0:
                        break
                    self._condition.wait(due)
                if self._stopping:
                    return
            try:
                self._deliver_due()
            except Exception:
                log.exception("stream %s: delivery failed", self.name)

    # -- delivery ---------------------------------------------------------------------------------

    def _take(self, everything: bool) -> list[_Record]:
        with self._condition:
            if not self._buffer or not (everything or self._records_due_in() == 0.0):
                return []
            batch, size = [], 0
            for record in self._buffer:
                encoded = len(record.data) * 4 // 3 + 200
                if batch and (
                    size + len(record.data) > self.buffer_size_bytes
                    or (size * 4 // 3 + encoded > MAX_INVOCATION_BYTES)
                ):
                    break
                batch.append(record)
                size += len(record.data)
            del self._buffer[: len(batch)]
            self._buffered_bytes -= size
            return batch

    def _deliver_due(self) -> None:
        with self._deliver_lock:
            while batch := self._take(everything=False):
                self._deliver(batch)
            self._write_objects(everything=False)

    def flush(self) -> list[BatchResult]:
        """Deliver everything buffered now, synchronously, objects too; the batches processed."""
        results = []
        with self._deliver_lock:
            while batch := self._take(everything=True):
                results.append(self._deliver(batch))
            self._write_objects(everything=True)
        return results

    def _buffer_object(self, kind: str, lines: list[bytes], arrivals: list[int]) -> None:
        with self._condition:
            self._objects[kind].add(lines, arrivals)
            self._condition.notify_all()

    def _write_objects(self, *, everything: bool) -> None:
        """Write each object buffer that is due (all of them: ``everything``)."""
        for kind in self._objects:
            with self._condition:
                if not everything and self._object_due_in(kind) != 0.0:
                    continue
                buffer = self._objects[kind]
                if not buffer.lines:
                    continue
                self._objects[kind] = _ObjectBuffer()
            moment = datetime.fromtimestamp(buffer.oldest_ms / 1000, tz=UTC)
            if kind == "Ok" and self.conversion is not None:
                self._write_converted(buffer, moment)
            elif kind == "Ok":
                key = self._write(output_key(self.prefix, self.name, moment), buffer.lines)
                self.objects.append(key)
                log.info("stream %s: wrote %s (%d records)", self.name, key, len(buffer.lines))
            else:
                self._write_errors(PROCESSING_FAILED, buffer.lines, moment)

    def _write_errors(self, error_type: str, lines: list[bytes], moment: datetime) -> None:
        key = error_key(self.error_prefix, self.name, moment, error_type)
        key = self._write(key, lines)
        self.error_objects.append(key)
        log.info("stream %s: wrote %s (%d records)", self.name, key, len(lines))

    def _write_converted(self, buffer: _ObjectBuffer, moment: datetime) -> None:
        """One Parquet object of the buffer's records; the ones that fail conversion, as
        failure records under the error prefix."""
        assert self.conversion is not None
        body, failures = self.conversion.convert(buffer.lines)
        if body is not None:
            key = output_key(self.prefix, self.name, moment) + self.conversion.extension
            self._write(key, [body], compress=False)
            self.objects.append(key)
            log.info("stream %s: wrote %s (%d records)", self.name, key, len(buffer.lines))
        if failures:
            ended = int(self._clock() * 1000)
            records = [
                self.conversion.failure_record(
                    failure, arrival_ms=buffer.arrivals[failure.index], ended_ms=ended
                )
                for failure in failures
            ]
            self._write_errors(FORMAT_CONVERSION_FAILED, records, moment)

    def _deliver(self, batch: list[_Record]) -> BatchResult:
        result = BatchResult(records=len(batch))
        if self.processor is None:
            outputs: dict[str, tuple[str, bytes]] = {r.record_id: ("Ok", r.data) for r in batch}
            failures: list[tuple[_Record, str, str, int]] = []
        else:
            outputs, failures, result.attempts, result.error_code, reasons = self._process(batch)
            result.failure_reasons = reasons
        ok = [r for r in batch if outputs.get(r.record_id, ("",))[0] == "Ok"]
        delivered = [outputs[r.record_id][1] for r in ok]
        result.delivered = len(delivered)
        result.dropped = sum(1 for r in batch if outputs.get(r.record_id, ("",))[0] == "Dropped")
        result.failed = len(failures)
        if delivered:
            self._buffer_object("Ok", delivered, [r.arrival_ms for r in ok])
        if failures:
            ended = int(self._clock() * 1000)
            lines = [
                json.dumps(
                    {
                        "attemptsMade": attempts,
                        "arrivalTimestamp": record.arrival_ms,
                        "errorCode": code,
                        "errorMessage": message,
                        "attemptEndingTimestamp": ended,
                        "rawData": base64.b64encode(record.data).decode("ascii"),
                        "lambdaArn": self.processor.arn if self.processor else "",
                    },
                    separators=(",", ":"),
                ).encode()
                + b"\n"
                for record, code, message, attempts in failures
            ]
            self._buffer_object(PROCESSING_FAILED, lines, [r.arrival_ms for r, *_ in failures])
        self.batches.append(result)
        reasons = result.failure_reasons
        log.info(
            "stream %s: batch of %d: %d delivered, %d dropped, %d failed%s",
            self.name,
            result.records,
            result.delivered,
            result.dropped,
            result.failed,
            f": {describe(reasons)}" if result.failed and reasons else "",
        )
        return result

    def _invoke(self, event: dict[str, Any]) -> tuple[Any, str]:
        """The processor's answer, and the end of its log when it gives one."""
        assert self.processor is not None
        if isinstance(self.processor, LoggingProcessor):
            return self.processor.invoke_with_log(event)
        return self.processor.invoke(event), ""

    def _process(self, batch: list[_Record]) -> tuple[dict, list, int, str | None, Counter[str]]:
        assert self.processor is not None
        event = {
            "invocationId": str(uuid.uuid4()),
            "deliveryStreamArn": self.arn,
            "region": self.region,
            "records": [
                {
                    "recordId": r.record_id,
                    "approximateArrivalTimestamp": r.arrival_ms,
                    "data": base64.b64encode(r.data).decode("ascii"),
                }
                for r in batch
            ],
        }
        attempts, code, message = 0, "", ""
        for _ in range(self.number_of_retries + 1):
            attempts += 1
            try:
                response, invocation_log = self._invoke(event)
                outputs = _check_response(response, [r.record_id for r in batch])
            except FunctionError as error:
                code, message = (
                    "Lambda.FunctionError",
                    (
                        "The Lambda function was successfully invoked but it returned an error "
                        f"result. {error}"
                    ),
                )
                if error.error_type == "Sandbox.Timedout":
                    code = "Lambda.FunctionTimeout"
                continue
            except _ContractError as error:
                code, message = error.code, str(error)
                continue
            failures = [
                (r, "Lambda.ProcessingFailedStatus", "ProcessingFailed status set for record", 1)
                for r in batch
                if outputs[r.record_id][0] == "ProcessingFailed"
            ]
            reasons = failure_reasons(invocation_log) if failures else Counter()
            return outputs, failures, attempts, None, reasons
        log.warning(
            "stream %s: processor failed %d times: %s %s", self.name, attempts, code, message
        )
        failed = [(r, code, message, attempts) for r in batch]
        return {}, failed, attempts, code, Counter({code: len(batch)})

    def _write(self, key: str, chunks: list[bytes], *, compress: bool = True) -> str:
        body = b"".join(chunks)
        if compress and self.compression == "GZIP":
            key += ".gz"
            body = gzip.compress(body, mtime=0)
        path = self.bucket_dir.joinpath(*key.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.part")
        temporary.write_bytes(body)
        temporary.replace(path)
        return key


def _check_response(response: Any, record_ids: list[str]) -> dict[str, tuple[str, bytes]]:
    """The processor's outcome per record id, or _ContractError as Firehose would reject it."""
    if not isinstance(response, dict) or not isinstance(response.get("records"), list):
        raise _ContractError(
            "Lambda.JsonProcessingException", "The response has no list of records."
        )
    expected = set(record_ids)
    outputs: dict[str, tuple[str, bytes]] = {}
    for item in response["records"]:
        if not isinstance(item, dict) or not isinstance(item.get("recordId"), str):
            raise _ContractError("Lambda.JsonProcessingException", "A record has no recordId.")
        record_id = item["recordId"]
        if record_id not in expected:
            raise _ContractError(
                "Lambda.InvalidRecordId", f"Record ID {record_id} was not in the invocation."
            )
        if record_id in outputs:
            raise _ContractError(
                "Lambda.DuplicatedRecordId", f"Record ID {record_id} was returned more than once."
            )
        result = item.get("result")
        if result not in RESULTS:
            raise _ContractError(
                "Lambda.InvalidStatus", f"Record {record_id} has invalid result {result!r}."
            )
        data = b""
        if result == "Ok":
            try:
                data = base64.b64decode(item.get("data"), validate=True)
            except (binascii.Error, TypeError, ValueError):
                raise _ContractError(
                    "Lambda.JsonProcessingException", f"Record {record_id} data is not base64."
                ) from None
        outputs[record_id] = (result, data)
    missing = expected - set(outputs)
    if missing:
        raise _ContractError(
            "Lambda.MissingRecordId", f"{len(missing)} record ID(s) missing from the response."
        )
    return outputs


def _record_id() -> str:
    # Firehose record ids are long opaque strings; a random 56-digit decimal looks the part.
    return str(random_uuid().int)[:56].ljust(56, "0")
