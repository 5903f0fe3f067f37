"""Helpers for the processor tests: AWS-shaped events, a Lambda context, the mysfits catalogue."""

from __future__ import annotations

import base64
import io
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clickstream.standins.mysfits import CATALOG

HERE = Path(__file__).parent
LAMBDA_DIR = HERE.parents[1] / "lambda"
MYSFITS: list[dict[str, Any]] = CATALOG
MYSFITS_BY_ID = {mysfit["mysfitId"]: mysfit for mysfit in MYSFITS}
TABLE_NAME = "MysfitsTable"
TABLE_ARN = f"arn:aws:dynamodb:us-east-1:123456789012:table/{TABLE_NAME}"


def load_event(name: str) -> dict[str, Any]:
    return json.loads((HERE / "events" / name).read_text())


def make_event(payloads: list[bytes], first_arrival_ms: int = 1764263941123) -> dict[str, Any]:
    """A Firehose event whose records carry these payloads, one millisecond apart."""
    return {
        "invocationId": "0b2f1c4e-6a4d-4b8e-9f61-3c2d1e0f9a8b",
        "deliveryStreamArn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/Clicks",
        "region": "us-east-1",
        "records": [
            {
                "recordId": f"49546986683135544286507457936321625675700192471156{index:08d}",
                "approximateArrivalTimestamp": first_arrival_ms + index,
                "data": base64.b64encode(payload).decode(),
            }
            for index, payload in enumerate(payloads)
        ],
    }


def decoded(record: dict[str, Any]) -> dict[str, Any]:
    raw = base64.b64decode(record["data"], validate=True)
    assert raw.endswith(b"\n") and raw.count(b"\n") == 1
    return json.loads(raw)


@dataclass
class FakeContext:
    remaining_seconds: float = 60.0
    function_name: str = "MysfitsClickProcessor"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = (
        "arn:aws:lambda:us-east-1:123456789012:function:MysfitsClickProcessor"
    )
    aws_request_id: str = "4c2a9d8e-1f3b-4e6a-8c7d-0a1b2c3d4e5f"

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.remaining_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class Processor:
    """The handler module, set up against a Mysfits API URL, with its logs captured."""

    module: Any
    logs: io.StringIO

    def invoke(self, event: dict[str, Any], context: FakeContext | None = None) -> dict[str, Any]:
        return self.module.handler(event, context or FakeContext())

    def log_lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.logs.getvalue().splitlines() if line]
