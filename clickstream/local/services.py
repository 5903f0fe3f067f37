"""The AWS service actions an API Gateway ``AWS`` integration can call locally.

Only ``firehose:PutRecord`` is served. A request is checked the way the service would: its
Content-Type is a JSON protocol one, its body parses, and its parameters fit botocore's model of
the operation (required members, types, lengths, no unknown members). Answers are the service's
JSON bodies and HTTP statuses.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field

import botocore.session
from botocore.exceptions import ParamValidationError
from botocore.validate import ParamValidator

from .firehose import MAX_RECORD_BYTES, LocalDeliveryStream, StreamClosedError
from .ids import random_uuid

__all__ = ["AwsServices", "ServiceResponse"]

_JSON_PROTOCOL_TYPES = ("application/x-amz-json-1.1", "application/x-amz-json-1.0")


@dataclass
class ServiceResponse:
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)


def _error(status: int, error_type: str, message: str) -> ServiceResponse:
    return ServiceResponse(
        status,
        json.dumps({"__type": error_type, "message": message}),
        {"x-amzn-ErrorType": error_type},
    )


class AwsServices:
    """Local stand-ins for the service actions integrations name in their ``Uri``."""

    def __init__(self, *, account_id: str) -> None:
        self.account_id = account_id
        self.streams: dict[str, LocalDeliveryStream] = {}
        self._firehose = botocore.session.get_session().get_service_model("firehose")

    def add_stream(self, stream: LocalDeliveryStream) -> None:
        self.streams[stream.name] = stream

    def supports(self, service: str, action: str) -> bool:
        return (service, action) == ("firehose", "PutRecord")

    def call(
        self, service: str, action: str, headers: dict[str, str], body: str
    ) -> ServiceResponse:
        """Answer one integration request, as the service's endpoint would."""
        request_id = str(random_uuid())
        if not self.supports(service, action):
            response = _error(400, "UnknownOperationException", f"{service}:{action} is not local")
        else:
            response = self._put_record(headers, body)
        response.headers.setdefault("x-amzn-RequestId", request_id)
        response.headers.setdefault("Content-Type", "application/x-amz-json-1.1")
        return response

    def _put_record(self, headers: dict[str, str], body: str) -> ServiceResponse:
        content_type = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
        if content_type.split(";")[0].strip().lower() not in _JSON_PROTOCOL_TYPES:
            return _error(
                400,
                "SerializationException",
                f"Content-Type {content_type or '(none)'} is not application/x-amz-json-1.1",
            )
        try:
            params = json.loads(body)
        except ValueError as error:
            return _error(400, "SerializationException", f"Body is not JSON: {error}")
        if not isinstance(params, dict):
            return _error(400, "SerializationException", "Body is not a JSON object")
        shape = self._firehose.operation_model("PutRecord").input_shape
        report = ParamValidator().validate(params, shape)
        if report.has_errors():
            message = str(ParamValidationError(report=report.generate_report()))
            return _error(400, "ValidationException", " ".join(message.split()))
        try:
            data = base64.b64decode(params["Record"]["Data"], validate=True)
        except (binascii.Error, TypeError, ValueError):
            return _error(400, "SerializationException", "Record.Data is not valid base64")
        if len(data) > MAX_RECORD_BYTES:
            return _error(
                400, "ValidationException", f"Record size {len(data)} exceeds {MAX_RECORD_BYTES}"
            )
        stream = self.streams.get(params["DeliveryStreamName"])
        if stream is None:
            return _error(
                400,
                "ResourceNotFoundException",
                f"Firehose {params['DeliveryStreamName']} under account {self.account_id} "
                "not found.",
            )
        try:
            record_id = stream.put_record(data)
        except StreamClosedError as error:
            return _error(503, "ServiceUnavailableException", f"Slow down. ({error})")
        return ServiceResponse(
            200, json.dumps({"RecordId": record_id, "Encrypted": stream.encrypted})
        )
