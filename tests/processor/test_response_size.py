"""A full processor buffer, enriched, fits in Lambda's 6 MB response (and its request fits too).

Firehose invokes the processor once its buffer holds BufferSizeInMBs of records (raw bytes) and
sends them base64-encoded, each with a recordId and an arrival time; the processor answers each
with a recordId, a result and base64 data. The smaller the clicks, the more records a buffer
holds, and the larger these per-record overheads grow against the data: the worst case is the
smallest click the API accepts.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from processor_helpers import MYSFITS, Processor

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from clickstream import defaults  # noqa: E402

# Lambda's synchronous limit, for the request and the response each.
LAMBDA_PAYLOAD_LIMIT = 6 * 1024 * 1024
# What the template deploys (ProcessingConfiguration BufferSizeInMBs). At 0.5 the worst case
# below is a 3.1 MiB request and a 2.8 MiB response; at 1 the smallest accepted clicks make a
# 6.2 MiB request, over the limit, and a 5.7 MiB response.
BUFFER_SIZE_MB = float(defaults.PROCESSOR_BUFFER_MB)
BUFFER_BYTES = int(BUFFER_SIZE_MB * 1024 * 1024)
# Firehose record ids seen in practice are 56 digits, some with 6 more; allow for 64.
RECORD_ID_LENGTH = 64
# The mysfit whose traits make the longest enriched line.
WORDIEST = max(MYSFITS, key=lambda m: len(m["species"] + m["goodevil"] + m["lawchaos"]))


def full_buffer(payloads: list[bytes]) -> dict[str, Any]:
    """Records cycling through `payloads` until they hold BUFFER_BYTES, as Firehose sends them."""
    records, held = [], 0
    while held < BUFFER_BYTES:
        payload = payloads[len(records) % len(payloads)]
        records.append(
            {
                "recordId": f"{len(records):0{RECORD_ID_LENGTH}d}",
                "approximateArrivalTimestamp": 1764263941123 + len(records),
                "data": base64.b64encode(payload).decode(),
            }
        )
        held += len(payload)
    return {
        "invocationId": "2d1f0c3b-7a6e-4d5c-8b9a-0f1e2d3c4b5a",
        "deliveryStreamArn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/Clicks",
        "region": "us-east-1",
        "records": records,
    }


def click(user_id: str, mysfit_id: str) -> bytes:
    # API Gateway's $input.json('$') passes the body on as compact JSON.
    return json.dumps({"userId": user_id, "mysfitId": mysfit_id}, separators=(",", ":")).encode()


def size(payload: dict[str, Any]) -> int:
    # As the Python runtime serializes a handler's result.
    return len(json.dumps(payload).encode())


REALISTIC = [
    click(user, mysfit["mysfitId"])
    for user in ("guest", "f1b5c2a0-9d7e-4c1b-8a3e-2d4f6b8c0e1a", "jane.doe@example.com")
    for mysfit in MYSFITS
]
SMALLEST_OK = [click("u", WORDIEST["mysfitId"])]
SMALLEST_ACCEPTED = [click("u", "m")]  # passes the API's model; no such mysfit


@pytest.mark.parametrize(
    ("payloads", "result"),
    [(REALISTIC, "Ok"), (SMALLEST_OK, "Ok"), (SMALLEST_ACCEPTED, "ProcessingFailed")],
    ids=["realistic-clicks", "smallest-enrichable-clicks", "smallest-accepted-clicks"],
)
def test_a_full_buffer_fits_both_ways(processor: Processor, payloads, result) -> None:
    # GIVEN a full processor buffer
    event = full_buffer(payloads)

    # WHEN processed
    response = processor.invoke(event)

    # THEN every record has its expected result, and request and response fit
    assert len(response["records"]) == len(event["records"])
    assert {r["result"] for r in response["records"]} == {result}
    assert size(event) < LAMBDA_PAYLOAD_LIMIT, f"request too large at {BUFFER_SIZE_MB} MB"
    assert size(response) < LAMBDA_PAYLOAD_LIMIT, f"response too large at {BUFFER_SIZE_MB} MB"
