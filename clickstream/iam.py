"""IAM as small pure functions: each returns awacs statements scoped to exact ARNs."""

from __future__ import annotations

from awacs import awslambda, dynamodb, firehose, glue, logs, s3
from awacs.aws import Allow, Condition, PolicyDocument, Principal, Statement, StringEquals
from awacs.sts import AssumeRole
from troposphere import Sub
from troposphere.iam import Policy, Role

POLICY_VERSION = "2012-10-17"


def trust(service: str, *, external_id: object = None) -> PolicyDocument:
    """A trust policy for one AWS service, optionally pinned to an sts:ExternalId."""
    statement = Statement(
        Effect=Allow, Principal=Principal("Service", [service]), Action=[AssumeRole]
    )
    if external_id is not None:
        statement.Condition = Condition(StringEquals({"sts:ExternalId": external_id}))
    return PolicyDocument(Version=POLICY_VERSION, Statement=[statement])


def deliver_to_bucket(bucket_arn: object, prefixes: list[str]) -> list[Statement]:
    """The six S3 actions Firehose needs, on the bucket and on the objects under ``prefixes``
    only (where it writes: never the query results beside them)."""
    objects = [Sub("${Bucket}/" + prefix + "*", Bucket=bucket_arn) for prefix in prefixes]
    return [
        Statement(
            Effect=Allow,
            Action=[
                s3.AbortMultipartUpload,
                s3.GetBucketLocation,
                s3.GetObject,
                s3.ListBucket,
                s3.ListBucketMultipartUploads,
                s3.PutObject,
            ],
            Resource=[bucket_arn, *objects],
        )
    ]


def glue_table_arns(database_name: object, table_name: object) -> list[Sub]:
    """The catalog, the database and the table: what reading one table's schema is checked on."""
    prefix = "arn:${AWS::Partition}:glue:${AWS::Region}:${AWS::AccountId}:"
    return [
        Sub(prefix + "catalog"),
        Sub(prefix + "database/${Database}", Database=database_name),
        Sub(prefix + "table/${Database}/${Table}", Database=database_name, Table=table_name),
    ]


def read_table_schema(database_name: object, table_name: object) -> list[Statement]:
    """Record format conversion: Firehose reads the table's (latest) schema, nothing else."""
    return [
        Statement(
            Effect=Allow,
            Action=[glue.GetTable, glue.GetTableVersion, glue.GetTableVersions],
            Resource=glue_table_arns(database_name, table_name),
        )
    ]


def invoke_processor(function_arn: object) -> list[Statement]:
    """Firehose invokes the processor through its role, and reads its configuration first."""
    return [
        Statement(
            Effect=Allow,
            Action=[awslambda.InvokeFunction, awslambda.GetFunctionConfiguration],
            Resource=[function_arn],
        )
    ]


def log_stream_arn(group_name: object, stream_name: object) -> Sub:
    return Sub(
        "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}"
        ":log-group:${Group}:log-stream:${Stream}",
        Group=group_name,
        Stream=stream_name,
    )


def write_log_stream(group_name: object, stream_name: object) -> list[Statement]:
    """Firehose error logging: put events into one log stream the template created."""
    return [
        Statement(
            Effect=Allow,
            Action=[logs.PutLogEvents],
            Resource=[log_stream_arn(group_name, stream_name)],
        )
    ]


def write_function_logs(group_name: object) -> list[Statement]:
    """A function writing to its own log group; the group itself is made by the template."""
    return [
        Statement(
            Effect=Allow,
            Action=[logs.CreateLogStream, logs.PutLogEvents],
            Resource=[log_stream_arn(group_name, "*")],
        )
    ]


def read_table(table_arn: object) -> list[Statement]:
    """The processor's fallback: read mysfits from the Mysfits table, up to 100 a call."""
    return [Statement(Effect=Allow, Action=[dynamodb.BatchGetItem], Resource=[table_arn])]


def put_records(stream_arn: object) -> list[Statement]:
    """API Gateway's proxy to Firehose: PutRecord on one delivery stream."""
    return [Statement(Effect=Allow, Action=[firehose.PutRecord], Resource=[stream_arn])]


def service_role(
    title: str,
    service: str,
    policies: dict[str, list[Statement]],
    *,
    external_id: object = None,
    description: str,
) -> Role:
    """A role for one service with one inline policy per purpose."""
    return Role(
        title,
        Description=description,
        AssumeRolePolicyDocument=trust(service, external_id=external_id),
        Policies=[
            Policy(
                PolicyName=name,
                PolicyDocument=PolicyDocument(Version=POLICY_VERSION, Statement=statements),
            )
            for name, statements in policies.items()
        ],
    )
