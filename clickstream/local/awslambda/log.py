"""Why the processor failed records, from what it logged about the batch.

Firehose knows only that a record came back ``ProcessingFailed``; the processor says why in its
one summary line per batch (``lambda/processor.py``): a JSON log line whose ``failedByReason``
counts the failed records by reason (``unknown_mysfit``, ``invalid_json``…). The local stream
reads it from the end of the invocation's log, as one reads it in CloudWatch Logs on AWS.
"""

from __future__ import annotations

import json
from collections import Counter

# The summary line's field: failed records by reason, in snake_case.
FAILED_BY_REASON = "failedByReason"


def failure_reasons(log: str) -> Counter[str]:
    """Failed records by reason ("unknown mysfit"), from the last summary line in ``log``."""
    for line in reversed(log.splitlines()):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        counts = entry.get(FAILED_BY_REASON) if isinstance(entry, dict) else None
        if isinstance(counts, dict):
            return Counter(
                {
                    str(reason).replace("_", " "): count
                    for reason, count in counts.items()
                    if isinstance(count, int) and count > 0
                }
            )
    return Counter()


def describe(reasons: Counter[str]) -> str:
    """``unknown mysfit`` for one reason; ``2 unknown mysfit, 1 invalid json`` for several."""
    if len(reasons) == 1:
        return next(iter(reasons))
    return ", ".join(f"{count} {reason}" for reason, count in sorted(reasons.items()))
