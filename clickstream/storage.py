"""Where clicks rest: a versioned, encrypted, private bucket that outlives the stack."""

from __future__ import annotations

from awacs import s3 as s3_actions
from awacs.aws import Bool, Condition, Deny, PolicyDocument, Principal, Statement
from troposphere import Parameter, Sub, Template
from troposphere.s3 import (
    AbortIncompleteMultipartUpload,
    Bucket,
    BucketEncryption,
    BucketPolicy,
    LifecycleConfiguration,
    LifecycleRule,
    NoncurrentVersionExpiration,
    OwnershipControls,
    OwnershipControlsRule,
    PublicAccessBlockConfiguration,
    ServerSideEncryptionByDefault,
    ServerSideEncryptionRule,
    VersioningConfiguration,
)

from clickstream import defaults
from clickstream.suppressions import skip_checks


def deny_insecure_transport(bucket_arn: object) -> list[Statement]:
    return [
        Statement(
            Sid="DenyInsecureTransport",
            Effect=Deny,
            Principal=Principal("*"),
            Action=[s3_actions.Action("*")],
            Resource=[bucket_arn, Sub("${Bucket}/*", Bucket=bucket_arn)],
            Condition=Condition(Bool({"aws:SecureTransport": "false"})),
        )
    ]


def add_storage(template: Template, params: dict[str, Parameter]) -> Bucket:
    bucket = template.add_resource(
        skip_checks(
            Bucket(
                "ClicksBucket",
                # Deleting or replacing the stack never deletes the clicks.
                DeletionPolicy="Retain",
                UpdateReplacePolicy="Retain",
                VersioningConfiguration=VersioningConfiguration(Status="Enabled"),
                BucketEncryption=BucketEncryption(
                    ServerSideEncryptionConfiguration=[
                        ServerSideEncryptionRule(
                            ServerSideEncryptionByDefault=ServerSideEncryptionByDefault(
                                SSEAlgorithm="AES256"
                            ),
                            BucketKeyEnabled=True,
                        )
                    ]
                ),
                PublicAccessBlockConfiguration=PublicAccessBlockConfiguration(
                    BlockPublicAcls=True,
                    BlockPublicPolicy=True,
                    IgnorePublicAcls=True,
                    RestrictPublicBuckets=True,
                ),
                OwnershipControls=OwnershipControls(
                    Rules=[OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")]
                ),
                LifecycleConfiguration=LifecycleConfiguration(
                    Rules=[
                        LifecycleRule(
                            Id="AbortIncompleteUploads",
                            Status="Enabled",
                            AbortIncompleteMultipartUpload=AbortIncompleteMultipartUpload(
                                DaysAfterInitiation=defaults.ABORT_MULTIPART_DAYS
                            ),
                        ),
                        LifecycleRule(
                            Id="ExpireQueryResults",
                            Status="Enabled",
                            Prefix=defaults.QUERY_RESULTS_PREFIX,
                            ExpirationInDays=defaults.QUERY_RESULTS_EXPIRATION_DAYS,
                            # Versioning keeps an expired result as a noncurrent version.
                            NoncurrentVersionExpiration=NoncurrentVersionExpiration(
                                NoncurrentDays=defaults.QUERY_RESULTS_NONCURRENT_DAYS
                            ),
                        ),
                        LifecycleRule(
                            Id="ExpireNoncurrentVersions",
                            Status="Enabled",
                            NoncurrentVersionExpiration=NoncurrentVersionExpiration(
                                NoncurrentDays=params["NoncurrentVersionExpirationDays"].ref()
                            ),
                        ),
                    ]
                ),
            ),
            "CKV_AWS_18",
        )
    )
    template.add_resource(
        BucketPolicy(
            "ClicksBucketPolicy",
            Bucket=bucket.ref(),
            PolicyDocument=PolicyDocument(
                Version="2012-10-17", Statement=deny_insecure_transport(bucket.get_att("Arn"))
            ),
        )
    )
    return bucket
