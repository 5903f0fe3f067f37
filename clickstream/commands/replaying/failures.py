"""What a failure object holds: Firehose's failure records, one a line (gzip or not), and the
click each readable one carries, as the replay sends it back."""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import zlib
from dataclasses import dataclass, field
from typing import Any

# The most an error object may hold once decompressed: Firehose writes them at most
# DELIVERY_BUFFER_MB (64 MiB) before compression. A bigger one (a gzip bomb: a megabyte that
# inflates to gigabytes) is named and left where it is, never inflated whole.
MAX_OBJECT_BYTES = 256 * 1024 * 1024


@dataclass
class FailureObject:
    """One object under the error prefix: its lines, and the click each readable one holds."""

    key: str
    lines: list[bytes]
    records: list[dict[str, Any] | None]  # None: a line that is not a failure record
    clicks: list[bytes | None]  # None: a line that is not a failure record with rawData
    why: dict[int, str] = field(default_factory=dict)  # line index -> why it is unreadable

    @classmethod
    def parse(cls, key: str, body: bytes) -> FailureObject:
        if key.endswith(".gz"):
            body = gunzip(body, MAX_OBJECT_BYTES)
        lines = [line for line in body.splitlines() if line.strip()]
        records, clicks, why = [], [], {}
        for index, line in enumerate(lines):
            record, problem = record_of(line)
            click = click_of_record(record) if record is not None else None
            if problem is None and click is None:
                problem = "no base64 rawData"
            records.append(record)
            clicks.append(click)
            if problem is not None:
                why[index] = problem
        return cls(key, lines, records, clicks, why)

    def body(self, indexes: list[int]) -> bytes:
        text = b"".join(self.lines[i] + b"\n" for i in indexes)
        return gzip.compress(text, mtime=0) if self.key.endswith(".gz") else text


class ObjectTooLarge(ValueError):
    """An object that decompresses to more than the replay reads."""


def gunzip(body: bytes, limit: int) -> bytes:
    """``body`` decompressed (every gzip member, as gzip.decompress), never more than ``limit``
    bytes of it: ObjectTooLarge past that; EOFError if it ends early; zlib.error if damaged."""
    out, size, data = [], 0, body
    while data:
        inflater = zlib.decompressobj(wbits=31)  # one gzip member
        while not inflater.eof:
            chunk = inflater.decompress(data, limit + 1 - size)
            size += len(chunk)
            if size > limit:
                raise ObjectTooLarge(f"over {limit:,} bytes once decompressed")
            out.append(chunk)
            data = inflater.unconsumed_tail
            if not data and not inflater.eof:
                raise EOFError("compressed data ended before the end-of-stream marker")
        data = inflater.unused_data.lstrip(b"\0")  # gzip's padding between members
    return b"".join(out)


def record_of(line: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """The failure record on a line, or why the line is not one."""
    try:
        record = json.loads(line)
    except RecursionError:
        return None, "nested too deeply to read"
    except ValueError:
        return None, "not JSON"
    if not isinstance(record, dict):
        return None, "not a JSON object"
    return record, None


def click_of(line: bytes) -> bytes | None:
    """The click in a Firehose failure record, or None when the line is not one."""
    record, _ = record_of(line)
    return click_of_record(record) if record is not None else None


def click_of_record(record: dict[str, Any]) -> bytes | None:
    """The click a failure record holds, as the replay sends it; None without base64 rawData.

    A click keeps the time it was first received: a record from the API carries `receivedAt`
    and goes back as it was; an older one without it is given the failure record's
    ``arrivalTimestamp`` as `receivedAt`, which the processor dates it by (a visitor cannot send
    that member: the API's models refuse it). Raw data that is not a JSON object goes back as
    it was."""
    try:
        raw = base64.b64decode(record["rawData"], validate=True)
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None
    arrived = record.get("arrivalTimestamp")
    try:
        click = json.loads(raw)
    except (ValueError, RecursionError):
        return raw
    if not isinstance(click, dict) or type(arrived) is not int or "receivedAt" in click:
        return raw
    click["receivedAt"] = arrived
    return json.dumps(click, ensure_ascii=False, separators=(",", ":")).encode()
