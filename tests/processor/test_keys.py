"""The clicks' keys: XXH64 (seed 0) of an id's UTF-8 text, signed, as Athena's
from_big_endian_64(xxhash64(to_utf8(id))) gives it."""

from __future__ import annotations

import pytest
import xxhash
from click_enrichment.keys import fingerprint, key, xxh64, xxh64_36
from hypothesis import given
from hypothesis import strategies as st

from tests.keys_oracle import athena_key


# Published XXH64 values (seed 0): the reference implementation's sanity checks for the empty
# input, and the python-xxhash README's example.
@pytest.mark.parametrize(
    ("data", "digest"),
    [
        (b"", 0xEF46DB3751D8E999),
        (b"a", 0xD24EC4F1A98C6E5B),
        (b"abc", 0x44BC2CF5AD770999),
        (b"Nobody inspects the spammish repetition", 0xFBCEA83C8A378BF1),
    ],
)
def test_the_published_xxh64_vectors(data: bytes, digest: int) -> None:
    assert xxh64(data) == digest


def test_a_digest_with_the_top_bit_set_is_a_negative_key() -> None:
    # 0xEF46DB3751D8E999 read as a signed 64-bit integer.
    assert key("") == 0xEF46DB3751D8E999 - 2**64 == -1205034819632174695
    assert key("abc") == 0x44BC2CF5AD770999


@given(st.binary(max_size=200), st.integers(min_value=0, max_value=2**64 - 1))
def test_xxh64_agrees_with_the_xxhash_package(data: bytes, seed: int) -> None:
    # Every length around the 32-byte stripes and the 8-, 4- and 1-byte tails, any seed.
    assert xxh64(data, seed) == xxhash.xxh64_intdigest(data, seed)


@given(st.text(max_size=80) | st.uuids().map(str))
def test_a_key_is_athenas_fingerprint_of_the_utf8_text(text: str) -> None:
    assert key(text) == athena_key(text)
    assert -(2**63) <= key(text) < 2**63


@given(st.binary(min_size=36, max_size=36) | st.uuids().map(lambda u: str(u).encode()))
def test_the_36_byte_path_agrees_with_the_xxhash_package(data: bytes) -> None:
    assert xxh64_36(data) == xxhash.xxh64_intdigest(data)


@given(st.uuids().map(str) | st.text(min_size=30, max_size=40))
def test_the_uncached_fingerprint_is_the_cached_key(text: str) -> None:
    assert fingerprint(text) == key(text) == athena_key(text)
