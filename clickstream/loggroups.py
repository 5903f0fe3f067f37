"""Log groups made by the template, so their retention is ours to set."""

from __future__ import annotations

from troposphere.logs import LogGroup

from clickstream.suppressions import skip_checks


def log_group(title: str, retention_days: object, **extra: object) -> LogGroup:
    # Operational logs go with the stack; the clicks themselves are retained in S3.
    group = LogGroup(
        title,
        DeletionPolicy="Delete",
        UpdateReplacePolicy="Delete",
        RetentionInDays=retention_days,
        **extra,
    )
    return skip_checks(group, "CKV_AWS_158")
