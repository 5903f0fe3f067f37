"""The oracle for the clicks' keys: Athena's from_big_endian_64(xxhash64(to_utf8(id))), with the
xxhash package (C, the reference implementation) in place of Athena."""

from __future__ import annotations

import struct

import xxhash


def athena_key(text: str) -> int:
    """xxhash64's digest (8 big-endian bytes, as Athena's xxhash64 gives it) read as a big-endian
    two's-complement integer (from_big_endian_64)."""
    return struct.unpack(">q", xxhash.xxh64(text.encode("utf-8")).digest())[0]
