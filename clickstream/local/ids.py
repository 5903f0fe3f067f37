"""Random ids for requests and records, shaped like ``uuid.uuid4()``.

``uuid4()`` reads ``os.urandom`` for each id: a system call that hands the GIL to another thread,
which under load costs a wait of up to the interpreter's switch interval per id. These ids need
to be unique, not secret, so one generator seeded from ``os.urandom`` makes them all.
"""

from __future__ import annotations

import random
import uuid

__all__ = ["random_uuid"]

_generator = random.Random()


def random_uuid() -> uuid.UUID:
    """A version-4 UUID from the process's generator."""
    return uuid.UUID(int=_generator.getrandbits(128), version=4)
