"""The local runner's objects are what Firehose's record format conversion writes: Snappy
Parquet with the Glue table's columns and types, one object per buffer flush, under the
template's prefix; records that do not fit the table go to errors/format-conversion-failed/ as
JSON, and replay puts them back."""

from __future__ import annotations

import copy
import json
import re
import sys
import time
from datetime import UTC

import duckdb
import pyarrow.parquet as pq
import pytest
import requests

from clickstream.commands import replay
from clickstream.local import LocalRunnerError, TemplateError
from tests.keys_oracle import athena_key

from .conftest import delivery_destination, put_click, resources

# How DuckDB names the types the table's Hive types are written as.
DUCKDB_TYPES = {
    "string": "VARCHAR",
    "boolean": "BOOLEAN",
    "timestamp": "TIMESTAMP",
    "bigint": "BIGINT",
}


def table_columns(document: dict) -> list[tuple[str, str]]:
    (table,) = resources(document, "AWS::Glue::Table")
    columns = table["Properties"]["TableInput"]["StorageDescriptor"]["Columns"]
    return [(c["Name"], c["Type"]) for c in columns]


def first_mysfit(pipeline) -> dict:
    return requests.get(f"{pipeline.mysfits_api_url}/mysfits", timeout=10).json()["mysfits"][0]


def test_objects_are_snappy_parquet_with_the_tables_columns_and_types(
    start_pipeline, template_document
):
    pipeline = start_pipeline()
    mysfit = first_mysfit(pipeline)
    before = time.time()
    assert put_click(pipeline, {"userId": "ana", "mysfitId": mysfit["mysfitId"]}).status_code == 200
    pipeline.flush()

    (path,) = pipeline.delivered_objects()
    source = f"read_parquet('{path}', hive_partitioning = false)"
    described = duckdb.sql(f"DESCRIBE SELECT * FROM {source}").fetchall()
    assert [(name, kind) for name, kind, *_ in described] == [
        (name, DUCKDB_TYPES[kind]) for name, kind in table_columns(template_document)
    ]
    codecs = duckdb.sql(f"SELECT DISTINCT compression FROM parquet_metadata('{path}')").fetchall()
    assert codecs == [("SNAPPY",)]
    (row,) = duckdb.sql(f"SELECT userid, mysfitid, species, clickedat FROM {source}").fetchall()
    assert row[:3] == ("ana", mysfit["mysfitId"], mysfit["species"])
    # clickedAt is the arrival time in UTC, a timestamp (the processor's millisecond).
    assert before - 1 <= row[3].replace(tzinfo=UTC).timestamp() <= time.time() + 1
    # The keys are 64-bit integers: the userId's, the visitor's (the edge's id for a body without
    # one), and none for the click id the click did not have.
    keys = duckdb.sql(f"SELECT clickkey, visitorid, visitorkey, userkey FROM {source}").fetchall()
    ((click_key, visitor_id, visitor_key, user_key),) = keys
    assert (click_key, user_key) == (None, athena_key("ana"))
    assert visitor_key == athena_key(visitor_id)


def test_the_keys_are_signed_64_bit_integers_of_the_ids(start_pipeline):
    pipeline = start_pipeline()
    mysfit = first_mysfit(pipeline)
    click_id = "c11c0000-0000-4000-8000-000000000001"
    visitor_id = "00000001-0000-4000-8000-000000000123"
    body = {"userId": "guest", "mysfitId": mysfit["mysfitId"], "clickId": click_id}
    assert put_click(pipeline, {**body, "visitorId": visitor_id}).status_code == 200
    pipeline.flush()

    (path,) = pipeline.delivered_objects()
    schema = pq.read_schema(path)
    kinds = [str(schema.field(name).type) for name in ("clickkey", "visitorkey", "userkey")]
    assert kinds == ["int64"] * 3
    (row,) = duckdb.sql(
        f"SELECT clickkey, visitorkey, userkey FROM read_parquet('{path}')"
    ).fetchall()
    # from_big_endian_64(xxhash64(to_utf8(id))), worked out with the xxhash package
    assert row == (3159308514275911508, -1494565298180364353, -6813725822814827560)


def test_keys_follow_the_templates_prefix_and_firehoses_object_name(
    start_pipeline, template_document
):
    pipeline = start_pipeline()
    mysfit = first_mysfit(pipeline)
    put_click(pipeline, {"userId": "layout", "mysfitId": mysfit["mysfitId"]})
    pipeline.flush()

    (path,) = pipeline.delivered_objects()
    key = path.relative_to(pipeline.bucket_dir).as_posix()
    (row,) = pq.read_table(path).to_pylist()
    day = row["clickedat"]
    prefix = (
        delivery_destination(template_document)["Prefix"]
        .replace("!{timestamp:yyyy}", f"{day:%Y}")
        .replace("!{timestamp:MM}", f"{day:%m}")
        .replace("!{timestamp:dd}", f"{day:%d}")
    )
    name = re.escape(pipeline.stream_name) + r"-1-\d{4}(-\d\d){5}-[0-9a-f-]{36}\.parquet"
    assert re.fullmatch(re.escape(prefix) + name, key), key


def test_one_object_per_flush_of_the_buffer(start_pipeline):
    pipeline = start_pipeline()
    mysfit = first_mysfit(pipeline)
    for batch in (["a", "b", "c"], ["d", "e"]):
        for user in batch:
            put_click(pipeline, {"userId": user, "mysfitId": mysfit["mysfitId"]})
        pipeline.flush()

    objects = pipeline.delivered_objects()
    assert [pq.read_metadata(path).num_rows for path in objects] == [3, 2]
    assert [r["userid"] for r in pipeline.delivered_records()] == ["a", "b", "c", "d", "e"]


def with_table_type(document: dict, column: str, hive_type: str) -> dict:
    document = copy.deepcopy(document)
    (table,) = resources(document, "AWS::Glue::Table")
    for entry in table["Properties"]["TableInput"]["StorageDescriptor"]["Columns"]:
        if entry["Name"] == column:
            entry["Type"] = hive_type
    return document


def test_a_click_that_does_not_fit_the_table_is_kept_as_json_and_replay_delivers_it(
    start_pipeline, write_template, template_document, capsys, monkeypatch
):
    # GIVEN a table whose clickedat column a click's time cannot fill
    broken = start_pipeline(
        write_template(with_table_type(template_document, "clickedat", "boolean"))
    )
    mysfit = first_mysfit(broken)
    assert put_click(broken, {"userId": "late", "mysfitId": mysfit["mysfitId"]}).status_code == 200
    broken.flush()

    # THEN nothing is written under clicks/, and the enriched line waits under errors/
    assert broken.delivered_objects() == []
    (failed,) = broken.failed_objects()
    key = failed.relative_to(broken.bucket_dir).as_posix()
    assert key.startswith("errors/format-conversion-failed/year=")
    (record,) = broken.failed_records()
    assert record["lastErrorCode"] == "DataFormatConversion.MalformedData"
    assert record["dataCatalogTable"]["tableName"] == "clicks"
    assert json.loads(record["raw"])["userId"] == "late"
    broken.stop()

    # WHEN the table is fixed and the kept clicks are replayed
    fixed = start_pipeline(bucket_dir=broken.bucket_dir)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "local")
    status = replay.main(
        ["--endpoint-url", fixed.firehose_url, "--bucket-dir", str(fixed.bucket_dir)]
    )
    fixed.flush()

    # THEN the click is delivered, dated by its first arrival, and the failure moved aside
    assert status == 0, capsys.readouterr().err
    (row,) = fixed.delivered_records()
    assert (row["userid"], row["mysfitid"]) == ("late", mysfit["mysfitId"])
    first = record["arrivalTimestamp"] / 1000
    assert row["clickedat"].replace(tzinfo=UTC).timestamp() == pytest.approx(first, abs=0.001)
    assert not failed.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["BufferingHints"].update(SizeInMBs=63),
            "BufferingHints.SizeInMBs must be at least 64 when data format conversion is enabled",
        ),
        (
            lambda d: d.update(CompressionFormat="GZIP"),
            "CompressionFormat must be UNCOMPRESSED when data format conversion is enabled",
        ),
    ],
)
def test_the_runner_refuses_what_create_delivery_stream_refuses(
    start_pipeline, write_template, template_document, change, message
):
    document = copy.deepcopy(template_document)
    change(delivery_destination(document))

    with pytest.raises(TemplateError, match=message):
        start_pipeline(write_template(document))


def test_without_pyarrow_the_runner_says_what_to_install(start_pipeline, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)  # import fails

    with pytest.raises(LocalRunnerError, match="needs pyarrow: python -m pip install -r "):
        start_pipeline()
