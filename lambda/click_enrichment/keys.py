"""The clicks' 64-bit keys: XXH64 (seed 0) of an id's UTF-8 text, as a signed 64-bit integer.

A key is what Athena computes with ``from_big_endian_64(xxhash64(to_utf8(id)))``: xxhash64 gives
the digest as 8 big-endian bytes, read back as a two's-complement bigint. Pure Python (the
processor's zip holds no compiled code), after the XXH64 specification
(github.com/Cyan4973/xxHash, doc/xxhash_spec.md); an id's key is cached, as a visitor's and a
user's ids repeat from click to click (``key``), a click's does not (``fingerprint``).
"""

from __future__ import annotations

import functools
import struct

_MASK = 0xFFFFFFFFFFFFFFFF
_P1 = 0x9E3779B185EBCA87
_P2 = 0xC2B2AE3D27D4EB4F
_P3 = 0x165667B19E3779F9
_P4 = 0x85EBCA77C2B2AE63
_P5 = 0x27D4EB2F165667C5
_STRIPE = struct.Struct("<4Q")
_LANE = struct.Struct("<Q")
_HALF = struct.Struct("<I")


def _round(acc: int, lane: int) -> int:
    acc = (acc + lane * _P2) & _MASK
    return (((acc << 31) | (acc >> 33)) & _MASK) * _P1 & _MASK


def _merge(acc: int, value: int) -> int:
    return ((acc ^ _round(0, value)) * _P1 + _P4) & _MASK


def xxh64(data: bytes, seed: int = 0) -> int:
    """XXH64 of ``data``, unsigned (0 ≤ h < 2^64)."""
    length = len(data)
    offset = 0
    if length >= 32:
        v1 = (seed + _P1 + _P2) & _MASK
        v2 = (seed + _P2) & _MASK
        v3 = seed & _MASK
        v4 = (seed - _P1) & _MASK
        last = length - 32
        while offset <= last:
            l1, l2, l3, l4 = _STRIPE.unpack_from(data, offset)
            v1 = _round(v1, l1)
            v2 = _round(v2, l2)
            v3 = _round(v3, l3)
            v4 = _round(v4, l4)
            offset += 32
        h = (
            ((v1 << 1) | (v1 >> 63))
            + ((v2 << 7) | (v2 >> 57))
            + ((v3 << 12) | (v3 >> 52))
            + ((v4 << 18) | (v4 >> 46))
        ) & _MASK
        h = _merge(h, v1)
        h = _merge(h, v2)
        h = _merge(h, v3)
        h = _merge(h, v4)
    else:
        h = (seed + _P5) & _MASK
    h = (h + length) & _MASK
    while offset + 8 <= length:
        h ^= _round(0, _LANE.unpack_from(data, offset)[0])
        h = ((((h << 27) | (h >> 37)) & _MASK) * _P1 + _P4) & _MASK
        offset += 8
    if offset + 4 <= length:
        h ^= _HALF.unpack_from(data, offset)[0] * _P1 & _MASK
        h = ((((h << 23) | (h >> 41)) & _MASK) * _P2 + _P3) & _MASK
        offset += 4
    while offset < length:
        h ^= data[offset] * _P5 & _MASK
        h = (((h << 11) | (h >> 53)) & _MASK) * _P1 & _MASK
        offset += 1
    h ^= h >> 33
    h = h * _P2 & _MASK
    h ^= h >> 29
    h = h * _P3 & _MASK
    return h ^ (h >> 32)


_UUID_LENGTH = 36  # a canonical UUID's text: one 32-byte stripe and a 4-byte tail
_UUID_LANES = struct.Struct("<4QI")
_V1 = (_P1 + _P2) & _MASK  # the accumulators' start for seed 0
_V4 = -_P1 & _MASK


def xxh64_36(data: bytes) -> int:
    """XXH64 (seed 0) of exactly 36 bytes, as ``xxh64`` computes it, written out: every click
    id and visitor id is a UUID's text, and this runs once a click."""
    mask, p1, p2 = _MASK, _P1, _P2
    l1, l2, l3, l4, tail = _UUID_LANES.unpack(data)
    v1 = (_V1 + l1 * p2) & mask
    v1 = ((v1 << 31) & mask | v1 >> 33) * p1 & mask
    v2 = (p2 + l2 * p2) & mask
    v2 = ((v2 << 31) & mask | v2 >> 33) * p1 & mask
    v3 = l3 * p2 & mask
    v3 = ((v3 << 31) & mask | v3 >> 33) * p1 & mask
    v4 = (_V4 + l4 * p2) & mask
    v4 = ((v4 << 31) & mask | v4 >> 33) * p1 & mask
    h = (
        ((v1 << 1) & mask | v1 >> 63)
        + ((v2 << 7) & mask | v2 >> 57)
        + ((v3 << 12) & mask | v3 >> 52)
        + ((v4 << 18) & mask | v4 >> 46)
    ) & mask
    for v in (v1, v2, v3, v4):
        v = v * p2 & mask
        h = ((h ^ ((v << 31) & mask | v >> 33) * p1 & mask) * p1 + _P4) & mask
    h = (h + 36) & mask
    h ^= tail * p1 & mask
    h = (((h << 23) & mask | h >> 41) * p2 + _P3) & mask
    h ^= h >> 33
    h = h * p2 & mask
    h ^= h >> 29
    h = h * _P3 & mask
    return h ^ (h >> 32)


def fingerprint(text: str) -> int:
    """The id's key: XXH64 of its UTF-8 text as a signed 64-bit integer (Athena's bigint)."""
    data = text.encode()
    h = xxh64_36(data) if len(data) == _UUID_LENGTH else xxh64(data)
    return h - (1 << 64) if h >> 63 else h


# The same, cached: for ids that repeat from click to click (a visitor's, a user's).
key = functools.lru_cache(maxsize=65536)(fingerprint)
