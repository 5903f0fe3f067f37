"""The local delivery stream's buffering, on its own (no processor, no HTTP)."""

from __future__ import annotations

import time

from clickstream.local.firehose import LocalDeliveryStream


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
    return [
        (tmp_file.read_bytes())
        for batch in local.batches
        for tmp_file in (local.bucket_dir / key for key in batch.keys)
    ]


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
