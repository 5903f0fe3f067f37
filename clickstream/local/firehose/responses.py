"""Firehose's own JSON API for the local delivery streams, so boto3 code runs unchanged locally.

``boto3.client("firehose", endpoint_url=...)`` sends ``POST /`` with
``Content-Type: application/x-amz-json-1.1`` and ``X-Amz-Target: Firehose_20150804.<Operation>``.
Served: ``PutRecord``, ``PutRecordBatch`` and ``ListDeliveryStreams``, checked against botocore's
model of each operation, answered in the service's shapes: errors as ``{"__type", "message"}``
with ``x-amzn-ErrorType``; ``PutRecordBatch`` as 200 with ``FailedPutCount`` and one entry per
record, in order, either ``RecordId`` or ``ErrorCode`` and ``ErrorMessage``. The stream's quota
of records per second is enforced the way Firehose does it: records over it fail one by one
with ``ServiceUnavailableException`` ("Slow down."), the rest are taken. Signatures are not
checked.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import botocore.session
from botocore.exceptions import ParamValidationError
from botocore.validate import ParamValidator

from clickstream.http.servers import RequestHandler

from .stream import MAX_RECORD_BYTES, LocalDeliveryStream, StreamClosedError

__all__ = ["DEFAULT_RECORDS_PER_SECOND", "FirehoseApi", "FirehoseApiHandler"]

CONTENT_TYPE = "application/x-amz-json-1.1"
TARGET_PREFIX = "Firehose_20150804."
MAX_BATCH_BYTES = 4 * 1024 * 1024  # PutRecordBatch: 4 MiB a call
# Direct PUT quota per stream in us-east-1, us-west-2 and eu-west-1 (1,000 in most regions).
DEFAULT_RECORDS_PER_SECOND = 5000
SLOW_DOWN = ("ServiceUnavailableException", "Slow down.")


class FirehoseError(Exception):
    def __init__(self, error_type: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.status = status


class _Quota:
    """Records a stream accepts in each one-second window."""

    def __init__(self, per_second: int | None, clock: Callable[[], float]) -> None:
        self.per_second = per_second
        self._clock = clock
        self._window = -1
        self._used = 0
        self._lock = threading.Lock()

    def take(self) -> bool:
        if self.per_second is None:
            return True
        with self._lock:
            window = int(self._clock())
            if window != self._window:
                self._window, self._used = window, 0
            if self._used >= self.per_second:
                return False
            self._used += 1
            return True


class FirehoseApi:
    """The Firehose API of ``streams`` (by name) in one account."""

    def __init__(
        self,
        streams: list[LocalDeliveryStream],
        *,
        account_id: str,
        records_per_second: int | None = DEFAULT_RECORDS_PER_SECOND,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.account_id = account_id
        self.streams = {stream.name: stream for stream in streams}
        self._quotas = {name: _Quota(records_per_second, clock) for name in self.streams}
        self._model = botocore.session.get_session().get_service_model("firehose")
        self._operations = {
            "PutRecord": self._put_record,
            "PutRecordBatch": self._put_record_batch,
            "ListDeliveryStreams": self._list_delivery_streams,
        }

    def handle(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        """One HTTP request to the service's endpoint: status, headers, body."""
        lower = {name.lower(): value for name, value in headers.items()}
        try:
            operation = self._operation(lower.get("x-amz-target", ""))
            content_type = lower.get("content-type", "").split(";")[0].strip().lower()
            if content_type != CONTENT_TYPE:
                raise FirehoseError(
                    "SerializationException", f"Content-Type must be {CONTENT_TYPE}"
                )
            params = self._params(operation, body)
            status, answer = 200, self._operations[operation](params)
            extra = {}
        except FirehoseError as error:
            status = error.status
            answer = {"__type": error.error_type, "message": str(error)}
            extra = {"x-amzn-ErrorType": error.error_type}
        return (
            status,
            {"Content-Type": CONTENT_TYPE, "x-amzn-RequestId": str(uuid.uuid4()), **extra},
            json.dumps(answer).encode(),
        )

    def _operation(self, target: str) -> str:
        operation = target.removeprefix(TARGET_PREFIX)
        if not target.startswith(TARGET_PREFIX) or operation not in self._operations:
            raise FirehoseError("UnknownOperationException", f"unknown operation {target!r}")
        return operation

    def _params(self, operation: str, body: bytes) -> dict[str, Any]:
        try:
            params = json.loads(body or b"{}")
        except ValueError as error:
            raise FirehoseError("SerializationException", f"body is not JSON: {error}") from None
        if not isinstance(params, dict):
            raise FirehoseError("SerializationException", "body is not a JSON object")
        shape = self._model.operation_model(operation).input_shape
        report = ParamValidator().validate(params, shape)
        if report.has_errors():
            message = str(ParamValidationError(report=report.generate_report()))
            raise FirehoseError("ValidationException", " ".join(message.split()))
        return params

    def _stream(self, name: str) -> LocalDeliveryStream:
        stream = self.streams.get(name)
        if stream is None:
            raise FirehoseError(
                "ResourceNotFoundException",
                f"Firehose {name} under account {self.account_id} not found.",
            )
        return stream

    @staticmethod
    def _data(record: dict[str, Any]) -> bytes:
        try:
            data = base64.b64decode(record["Data"], validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise FirehoseError("SerializationException", "Record.Data is not base64") from None
        if len(data) > MAX_RECORD_BYTES:
            raise FirehoseError(
                "ValidationException",
                f"Record size {len(data)} exceeds the limit of {MAX_RECORD_BYTES} bytes",
            )
        return data

    def _put_record(self, params: dict[str, Any]) -> dict[str, Any]:
        stream = self._stream(params["DeliveryStreamName"])
        data = self._data(params["Record"])
        if not self._quotas[stream.name].take():
            raise FirehoseError(*SLOW_DOWN)
        try:
            record_id = stream.put_record(data)
        except StreamClosedError:
            raise FirehoseError(*SLOW_DOWN, status=503) from None
        return {"RecordId": record_id, "Encrypted": stream.encrypted}

    def _put_record_batch(self, params: dict[str, Any]) -> dict[str, Any]:
        stream = self._stream(params["DeliveryStreamName"])
        records = [self._data(record) for record in params["Records"]]
        total = sum(len(data) for data in records)
        if total > MAX_BATCH_BYTES:
            raise FirehoseError(
                "InvalidArgumentException",
                f"Records size {total} exceeds the limit of {MAX_BATCH_BYTES} bytes a call",
            )
        quota = self._quotas[stream.name]
        entries = []
        for data in records:
            try:
                entries.append({"RecordId": stream.put_record(data)} if quota.take() else None)
            except StreamClosedError:
                entries.append(None)
            if entries[-1] is None:
                entries.pop()
                entries.append({"ErrorCode": SLOW_DOWN[0], "ErrorMessage": SLOW_DOWN[1]})
        return {
            "FailedPutCount": sum(1 for entry in entries if "ErrorCode" in entry),
            "Encrypted": stream.encrypted,
            "RequestResponses": entries,
        }

    def _list_delivery_streams(self, params: dict[str, Any]) -> dict[str, Any]:
        names = sorted(self.streams)
        limit = params.get("Limit", 10)
        start = params.get("ExclusiveStartDeliveryStreamName")
        if start is not None:
            names = [name for name in names if name > start]
        return {"DeliveryStreamNames": names[:limit], "HasMoreDeliveryStreams": len(names) > limit}


class FirehoseApiHandler(RequestHandler):
    """Serves the ``FirehoseApi`` its server was started with."""

    label = "firehose"

    def respond(self, method, path, query, body):  # type: ignore[override]
        api: FirehoseApi = self.server.app
        if method != "POST" or path != "/":
            self.note = "(Firehose answers POST / only)"
            return (
                404,
                {"Content-Type": CONTENT_TYPE},
                json.dumps({"__type": "UnknownOperationException", "message": ""}).encode(),
            )
        status, headers, payload = api.handle(dict(self.headers.items()), body)
        self.note = self.headers.get("X-Amz-Target", "").removeprefix(TARGET_PREFIX)
        return status, headers, payload
