"""Log groups made by the template, so their retention is ours to set."""

from __future__ import annotations

from troposphere.logs import LogGroup


def log_group(title: str, retention_days: object, **extra: object) -> LogGroup:
    # Operational logs go with the stack; the clicks themselves are retained in S3.
    return LogGroup(
        title,
        DeletionPolicy="Delete",
        UpdateReplacePolicy="Delete",
        RetentionInDays=retention_days,
        **extra,
    )
