"""Where a failure object lives under ``errors/`` and where the replay puts it: replayed, or set
apart under the processor's reason; and which objects a run takes."""

from __future__ import annotations

import re
import uuid
from datetime import date

from clickstream import defaults
from clickstream.commands.replaying.storage import Storage

ERRORS = defaults.ERROR_PREFIX.split("!{")[0]  # errors/
FAILED_PREFIX = f"{ERRORS}{defaults.PROCESSING_FAILED}/"
# Every error output type whose records hold a click: the processor's failures, and the enriched
# clicks Firehose could not convert to Parquet (the processor enriches those again).
FAILED_PREFIXES = tuple(f"{ERRORS}{kind}/" for kind in defaults.REPLAYABLE_ERROR_TYPES)
REPLAYED_PREFIX = f"{ERRORS}replayed/"
# Clicks the processor refuses whatever the replay does, under their reason. Firehose's own
# error-output-types (processing-failed, format-conversion-failed …) never take this name.
UNRECOVERABLE_PREFIX = f"{ERRORS}unrecoverable/"
_DAY = re.compile(r"year=(\d{4})/month=(\d{2})/day=(\d{2})/")


def day_of(key: str) -> date | None:
    match = _DAY.search(key)
    if match is None:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _rest(key: str) -> str:
    """The key below its error prefix (below the reason, for a click set apart)."""
    if key.startswith(UNRECOVERABLE_PREFIX):
        return key.removeprefix(UNRECOVERABLE_PREFIX).partition("/")[2]
    (failed,) = [prefix for prefix in FAILED_PREFIXES if key.startswith(prefix)] or [""]
    return key.removeprefix(failed)


def _part(moved: str, part: bool) -> str:
    if not part:
        return moved
    stem, gz, _ = moved.partition(".gz")
    return f"{stem}-part-{uuid.uuid4().hex[:8]}{gz}"


def replayed_key(key: str, *, part: bool = False) -> str:
    """Where a replayed object goes; `part`: a new key for the replayed part of an object."""
    return _part(REPLAYED_PREFIX + _rest(key), part)


def unrecoverable_key(key: str, reason: str, *, part: bool = False) -> str:
    """Where clicks that can never succeed go, under the processor's reason."""
    return _part(f"{UNRECOVERABLE_PREFIX}{reason}/{_rest(key)}", part)


def selected_keys(
    storage: Storage,
    since: date | None = None,
    until: date | None = None,
    *,
    include_unrecoverable: bool = False,
) -> list[str]:
    keys = []
    found = [key for prefix in FAILED_PREFIXES for key in storage.keys(prefix)]
    if include_unrecoverable:
        found += storage.keys(UNRECOVERABLE_PREFIX)
    for key in found:
        day = day_of(key)
        outside = day is None or (since and day < since) or (until and day > until)
        if (since or until) and outside:
            continue
        keys.append(key)
    return keys
