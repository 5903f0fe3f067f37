"""Replay inflates an error object within a bound: a gzip bomb under errors/ is named and left
where it is, never inflated whole."""

from __future__ import annotations

import gzip
import zlib

import pytest

from clickstream.commands.replaying import engine, failures
from clickstream.commands.replaying.keys import FAILED_PREFIX
from clickstream.commands.replaying.storage import FolderStorage
from tests.local.test_replay_round_trip import failure_line

LIMIT = 1024 * 1024
CLICK = b'{"userId":"u","mysfitId":"4e53920c-505a-4a90-a694-b9300791f0ae"}'


def write(bucket, name: str, body: bytes) -> str:
    key = f"{FAILED_PREFIX}year=2026/month=06/day=01/{name}"
    path = bucket.joinpath(*key.split("/"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    return key


def test_a_gzip_bomb_is_named_and_stays(tmp_path, monkeypatch):
    # GIVEN a bound of 1 MiB, an object that inflates to 64 MiB, and a good object beside it
    monkeypatch.setattr(failures, "MAX_OBJECT_BYTES", LIMIT, raising=False)
    bomb = write(tmp_path, "bomb.gz", gzip.compress(b"\n" * (64 * LIMIT), mtime=0))
    good = write(tmp_path, "good.gz", gzip.compress(failure_line(CLICK), mtime=0))
    inflated = []
    real = zlib.decompressobj

    def counting(*args, **kwargs):
        inflater = real(*args, **kwargs)

        class Counting:
            def __getattr__(self, name):
                return getattr(inflater, name)

            def decompress(self, *a):
                chunk = inflater.decompress(*a)
                inflated.append(len(chunk))
                return chunk

        return Counting()

    monkeypatch.setattr(zlib, "decompressobj", counting)

    # WHEN a dry run reads the bucket
    summary = engine.replay(FolderStorage(tmp_path), None, dry_run=True)

    # THEN the bomb is named with the reason and stays; the good object's click is counted; and
    # no more than the bound (and a byte) was ever inflated of the bomb
    assert summary.clicks == 1
    assert summary.unreadable == 1
    assert summary.problems == [
        f"{bomb} cannot be read (over {LIMIT:,} bytes once decompressed); it stays"
    ]
    assert (tmp_path / good).exists() and (tmp_path / bomb).exists()
    assert sum(inflated) <= LIMIT + 1 + len(failure_line(CLICK))


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"one line\n",
        b"x" * 100_000,
        bytes(range(256)) * 999,
    ],
)
def test_gunzip_inflates_what_gzip_inflates_members_and_all(body):
    once = gzip.compress(body, mtime=0)
    twice = once + gzip.compress(b"second member\n", mtime=0)

    assert failures.gunzip(once, LIMIT) == gzip.decompress(once)
    assert failures.gunzip(twice, LIMIT) == gzip.decompress(twice)


def test_gunzip_refuses_a_cut_object_and_a_damaged_one():
    whole = gzip.compress(b"x" * 10_000, mtime=0)

    with pytest.raises(EOFError):
        failures.gunzip(whole[: len(whole) // 2], LIMIT)
    with pytest.raises(zlib.error):
        failures.gunzip(whole[:10] + b"\xff" * 20 + whole[30:], LIMIT)
