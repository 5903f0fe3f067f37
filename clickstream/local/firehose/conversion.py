"""Firehose record format conversion, locally: the processor's JSON lines as Snappy Parquet.

As the Firehose guide ("Convert input data format") describes it: the schema is the AWS Glue
table the stream's ``SchemaConfiguration`` names (here, its columns as the template declares
them); the OpenX JSON SerDe reads each record, matching keys to columns without regard to case
and reading timestamps written ``yyyy-MM-dd'T'HH:mm:ss[.S]'Z'`` (up to nine fraction digits) or
``yyyy-[M]M-[d]d HH:mm:ss[.S]``; the Parquet SerDe writes the records of one buffer as one object
(Snappy inside the file). A record that does not fit fails conversion, alone: it goes to the
error prefix as ``format-conversion-failed`` in the failure record the guide documents ("Handling
errors for data format conversion"). Timestamps are written as INT96, as Hive's Parquet writer
does (*inference*: Firehose's serializer is Hive's ParquetHiveSerDe, named by the table).
"""

from __future__ import annotations

import base64
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

__all__ = ["ConversionFailure", "ParquetConversion", "arrow_type", "hive_value"]

FORMAT_CONVERSION_FAILED = "format-conversion-failed"
MALFORMED = "DataFormatConversion.MalformedData"
_OPENX_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z")
_OPENX_SQL = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?")


def arrow_type(hive_type: str) -> Any:
    """The Arrow type of a Hive column type (the one place the two are mapped)."""
    import pyarrow as pa

    types = {
        "string": pa.string(),
        "boolean": pa.bool_(),
        "timestamp": pa.timestamp("us"),
        "int": pa.int32(),
        "bigint": pa.int64(),
        "double": pa.float64(),
    }
    if hive_type not in types:
        raise ValueError(f"no Parquet type for the Hive type {hive_type!r}")
    return types[hive_type]


# Hive's integer types, two's complement: a value outside one fails conversion (alone).
_INTEGER_BITS = {"int": 32, "bigint": 64}


class _Unfit(ValueError):
    pass


def _timestamp(value: Any) -> datetime:
    if not isinstance(value, str):
        raise _Unfit(f"{value!r} is not a timestamp")
    match = _OPENX_ISO.fullmatch(value) or _OPENX_SQL.fullmatch(value)
    if match is None:
        raise _Unfit(f"{value!r} is not a timestamp")
    *fields, fraction = match.groups()
    micros = int((fraction or "0").ljust(9, "0")[:6])
    try:
        return datetime(*map(int, fields), micros, tzinfo=UTC).replace(tzinfo=None)
    except ValueError as error:
        raise _Unfit(f"{value!r} is not a timestamp") from error


def hive_value(value: Any, hive_type: str) -> Any:
    """A JSON value as its column holds it; _Unfit when it cannot be one."""
    if value is None:
        return None
    if hive_type == "string":
        if isinstance(value, str):
            return value
        if isinstance(value, bool | int | float):
            return json.dumps(value)
        raise _Unfit(f"{value!r} is not a string")
    if hive_type == "boolean":
        if isinstance(value, bool):
            return value
        raise _Unfit(f"{value!r} is not a boolean")
    if hive_type == "timestamp":
        return _timestamp(value)
    if hive_type in _INTEGER_BITS:
        bits = _INTEGER_BITS[hive_type]
        if isinstance(value, int) and not isinstance(value, bool):
            if -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
                return value
            raise _Unfit(f"{value} is out of range for a {bits}-bit {hive_type}")
        raise _Unfit(f"{value!r} is not an integer")
    if hive_type == "double":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise _Unfit(f"{value!r} is not a number")
    raise _Unfit(f"no conversion for the Hive type {hive_type}")


@dataclass(frozen=True)
class ConversionFailure:
    index: int  # of the record in the flush
    line: bytes
    message: str


@dataclass(frozen=True)
class ParquetConversion:
    """The stream's ``DataFormatConversionConfiguration`` with the table it names.

    ``columns``: (name, Hive type) of the Glue table, in order; ``table``: what the failure
    records name (catalogId, databaseName, tableName, region, versionId)."""

    columns: tuple[tuple[str, str], ...]
    table: dict[str, str]
    compression: str = "SNAPPY"
    extension: str = ".parquet"

    def schema(self) -> Any:
        import pyarrow as pa

        return pa.schema([(name, arrow_type(kind)) for name, kind in self.columns])

    def _row(self, line: bytes) -> dict[str, Any]:
        try:
            record = json.loads(line)
        except ValueError as error:
            raise _Unfit(f"the record is not JSON: {error}") from error
        if not isinstance(record, dict):
            raise _Unfit("the record is not a JSON object")
        by_column = {key.lower(): value for key, value in record.items()}
        return {name: hive_value(by_column.get(name), kind) for name, kind in self.columns}

    def convert(self, lines: list[bytes]) -> tuple[bytes | None, list[ConversionFailure]]:
        """One Parquet object of the records that fit (None: none did), and the ones that did
        not, each with why."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        rows, failures = [], []
        for index, line in enumerate(lines):
            try:
                rows.append(self._row(line))
            except _Unfit as error:
                message = f"Data does not match the schema. {error}"
                failures.append(ConversionFailure(index, line, message))
        if not rows:
            return None, failures
        table = pa.Table.from_pylist(rows, schema=self.schema())
        out = io.BytesIO()
        pq.write_table(
            table,
            out,
            compression=self.compression.lower(),
            use_deprecated_int96_timestamps=True,
        )
        return out.getvalue(), failures

    def failure_record(
        self, failure: ConversionFailure, *, arrival_ms: int, ended_ms: int
    ) -> bytes:
        """The JSON line Firehose writes under format-conversion-failed/ for one record."""
        record = {
            "attemptsMade": 1,
            "arrivalTimestamp": arrival_ms,
            "lastErrorCode": MALFORMED,
            "lastErrorMessage": failure.message,
            "attemptEndingTimestamp": ended_ms,
            "rawData": base64.b64encode(failure.line).decode("ascii"),
            "dataCatalogTable": self.table,
        }
        return json.dumps(record, separators=(",", ":")).encode() + b"\n"
