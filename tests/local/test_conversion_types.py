"""Record format conversion of the keys' bigint columns: 64-bit two's complement, as Hive's."""

from __future__ import annotations

import io
import json

import pyarrow.parquet as pq

from clickstream.local.firehose.conversion import ParquetConversion

COLUMNS = (("userid", "string"), ("userkey", "bigint"))


def convert(*records: dict) -> tuple[list[dict], list[str]]:
    conversion = ParquetConversion(columns=COLUMNS, table={})
    body, failures = conversion.convert([json.dumps(r).encode() + b"\n" for r in records])
    rows = [] if body is None else pq.read_table(io.BytesIO(body)).to_pylist()
    return rows, [failure.message for failure in failures]


def test_a_bigint_holds_every_signed_64_bit_key():
    rows, failures = convert(
        {"userId": "low", "userKey": -(2**63)},
        {"userId": "high", "userKey": 2**63 - 1},
        {"userId": "none"},
    )

    assert failures == []
    assert rows == [
        {"userid": "low", "userkey": -(2**63)},
        {"userid": "high", "userkey": 2**63 - 1},
        {"userid": "none", "userkey": None},
    ]
    conversion = ParquetConversion(columns=COLUMNS, table={})
    assert str(conversion.schema().field("userkey").type) == "int64"


def test_a_value_beyond_64_bits_fails_alone():
    # An unsigned digest (not read as two's complement) does not fit; the others are written.
    rows, failures = convert({"userId": "ok", "userKey": 1}, {"userId": "big", "userKey": 2**63})

    assert rows == [{"userid": "ok", "userkey": 1}]
    assert failures == [
        "Data does not match the schema. 9223372036854775808 is out of range for a 64-bit bigint"
    ]
