"""Security-scan checks that do not apply to this stack, each with the reason why.

docs/security.md lists the same reasons; a test keeps the two in step.
"""

from __future__ import annotations

from troposphere import AWSObject

REASONS: dict[str, str] = {
    "CKV_AWS_18": "Only Firehose writes the bucket, through its own role; a second bucket "
    "for access logs would double the storage to secure.",
    "CKV_AWS_26": "Alarm notices carry no click data, and CloudWatch cannot publish to a "
    "topic encrypted with the AWS-managed SNS key.",
    "CKV_AWS_59": "Anonymous visitors sending profile views is the feature: the body is "
    "validated by a strict model, the records say authenticated: false, and the stage is "
    "throttled.",
    "CKV_AWS_73": "X-Ray tracing is turned on by the EnableApiAccessLogs parameter.",
    "CKV_AWS_76": "Access logging is turned on by the EnableApiAccessLogs parameter (it "
    "needs the account-wide API Gateway logging role).",
    "CKV_AWS_115": "Firehose is the only caller; reserving concurrency fails on new "
    "accounts whose limit is 10.",
    "CKV_AWS_116": "Firehose invokes the processor synchronously and keeps failed batches "
    "itself; a DLQ applies only to asynchronous calls.",
    "CKV_AWS_117": "The processor calls a public HTTPS API and DynamoDB; a VPC would add "
    "NAT cost and nothing to protect.",
    "CKV_AWS_120": "A PUT-only ingest API has nothing to cache.",
    "CKV_AWS_158": "CloudWatch Logs encrypts at rest; these logs hold ids and error "
    "messages, not secrets, so a customer key adds cost only.",
    "CKV_AWS_173": "The environment holds a public URL and a table name, no secrets.",
}


def skip_checks(resource: AWSObject, *check_ids: str) -> AWSObject:
    """Record, in the resource's Metadata, the checks that do not apply and why."""
    metadata = dict(getattr(resource, "Metadata", {}) or {})
    metadata["checkov"] = {
        "skip": [{"id": check, "comment": REASONS[check]} for check in sorted(check_ids)]
    }
    resource.Metadata = metadata
    return resource
