"""The local delivery stream's buffering: the processor's, then the S3 destination's."""

from __future__ import annotations

import copy
import json
import time

from clickstream.local.firehose.stream import LocalDeliveryStream
from clickstream.local.mysfits import CATALOG_FILE

from .conftest import delivery_destination, put_click


def stream(tmp_path, **options):
    settings = {
        "name": "s",
        "arn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/s",
        "region": "us-east-1",
        "bucket_dir": tmp_path,
        "prefix": "p/",
        "error_prefix": "",
        "processor": None,
        "buffer_size_bytes": 1_000_000,
        "buffer_interval_seconds": 3600,
        **options,
    }
    return LocalDeliveryStream(**settings)


def contents(local):
    return [(local.bucket_dir / key).read_bytes() for key in local.objects]


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.01)
    return predicate()


def test_a_full_buffer_is_delivered_without_waiting_for_the_interval(tmp_path):
    record = b"x" * 40 + b"\n"
    local = stream(tmp_path, buffer_size_bytes=len(record) * 3)
    local.start()
    try:
        for _ in range(3):
            local.put_record(record)
        assert wait_for(lambda: len(local.batches) == 1)
    finally:
        local.stop()

    assert contents(local) == [record * 3]


def test_batches_never_exceed_the_buffer_size(tmp_path):
    record = b"y" * 10 + b"\n"
    local = stream(tmp_path, buffer_size_bytes=len(record) * 4)

    ids = [local.put_record(record) for _ in range(10)]
    local.flush()

    assert [batch.records for batch in local.batches] == [4, 4, 2]
    assert b"".join(contents(local)) == record * 10
    assert len(set(ids)) == 10


def test_stop_flushes_and_an_empty_flush_writes_nothing(tmp_path):
    local = stream(tmp_path)
    local.start()
    assert local.flush() == []
    local.put_record(b"last\n")

    local.stop()

    assert contents(local) == [b"last\n"]
    assert local.buffered() == 0


class _Echo:
    """A processor that returns every record Ok, unchanged."""

    arn = "arn:aws:lambda:us-east-1:123456789012:function:echo"

    def invoke(self, event):
        return {
            "records": [
                {"recordId": r["recordId"], "result": "Ok", "data": r["data"]}
                for r in event["records"]
            ]
        }


def objects(local):
    return [(local.bucket_dir / key).read_bytes() for key in local.objects]


def test_processed_batches_share_an_object_until_the_destination_buffer_is_due(tmp_path):
    # GIVEN a processor buffer of 2 records and a destination buffer of 5 records' worth
    record = b"z" * 20 + b"\n"
    local = stream(
        tmp_path,
        processor=_Echo(),
        buffer_size_bytes=len(record) * 2,
        destination_size_bytes=len(record) * 5,
        destination_interval_seconds=3600,
    )
    local.start()
    try:
        # WHEN 6 records arrive: three processor batches
        for _ in range(6):
            local.put_record(record)
        assert wait_for(lambda: len(local.batches) == 3)
        # THEN the first object holds the first 6 records processed (written once 5 were in),
        assert wait_for(lambda: len(local.objects) == 1)
        assert objects(local) == [record * 6]
    finally:
        local.stop()
    # AND nothing more was written
    assert objects(local) == [record * 6]


def test_the_destination_interval_writes_a_partial_object(tmp_path):
    record = b"w" * 20 + b"\n"
    local = stream(
        tmp_path,
        processor=_Echo(),
        buffer_size_bytes=len(record),
        destination_size_bytes=1_000_000,
        destination_interval_seconds=0.2,
    )
    local.start()
    try:
        local.put_record(record)
        assert wait_for(lambda: len(local.objects) == 1)
    finally:
        local.stop()

    assert objects(local) == [record]


def test_flush_writes_the_destination_buffer_as_one_object(tmp_path):
    record = b"v" * 20 + b"\n"
    local = stream(
        tmp_path,
        processor=_Echo(),
        buffer_size_bytes=len(record) * 2,
        destination_size_bytes=1_000_000,
        destination_interval_seconds=3600,
    )

    for _ in range(5):
        local.put_record(record)
    results = local.flush()

    assert [r.records for r in results] == [2, 2, 1]
    assert objects(local) == [record * 5]


def test_the_pipeline_buffers_objects_by_the_template_s_s3_hints(
    start_pipeline, write_template, template_document
):
    # GIVEN the template's destination interval at 900 s (9 s at this scale), the processor's at 60
    document = copy.deepcopy(template_document)
    delivery_destination(document)["BufferingHints"]["IntervalInSeconds"] = 900
    pipeline = start_pipeline(write_template(document), interval_scale=0.01)
    mysfit = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))[0]["mysfitId"]

    # WHEN two clicks are processed in two batches
    for count, user in enumerate(("first", "second"), start=1):
        assert put_click(pipeline, {"userId": user, "mysfitId": mysfit}).status_code == 200
        assert wait_for(lambda count=count: len(pipeline.stream.batches) == count, timeout=10)

    # THEN no object is written before the destination's interval, and then one holds both
    assert pipeline.delivered_objects() == []
    pipeline.flush()
    assert len(pipeline.delivered_objects()) == 1
    assert [r["userid"] for r in pipeline.delivered_records()] == ["first", "second"]
