"""Asking the clicks: a Glue table over clicks/, an Athena workgroup, and its named queries.

Nothing here costs anything until a query runs: the table is metadata (partition projection,
so no crawler and no MSCK REPAIR), and Athena charges per byte a query scans.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from troposphere import AccountId, Parameter, Sub, Template
from troposphere.athena import (
    EncryptionConfiguration,
    EngineVersion,
    NamedQuery,
    ResultConfiguration,
    WorkGroup,
    WorkGroupConfiguration,
)
from troposphere.glue import (
    Column,
    Database,
    DatabaseInput,
    SerdeInfo,
    StorageDescriptor,
    Table,
    TableInput,
)
from troposphere.s3 import Bucket

from clickstream import defaults
from clickstream.names import stack_unique, stack_unique_sql
from clickstream.queries import QUESTIONS

_TIMESTAMP = re.compile(r"!\{timestamp:([^}]+)\}")


@dataclass(frozen=True)
class Analytics:
    database: Database
    table: Table
    workgroup: WorkGroup


def table_columns() -> list[tuple[str, str]]:
    """(column, Hive type) of the clicks table: the processor's JSON keys, in lower case."""
    return [(key.lower(), hive_type) for key, hive_type in defaults.CLICK_FIELDS]


@dataclass(frozen=True)
class Partitions:
    """How the clicks are laid out below the bucket, read from the delivery stream's prefix."""

    location: str  # the fixed folder: clicks/
    location_template: str  # the prefix with ${year}, ${month}, ${day} for its dates
    keys: list[tuple[str, str, int]]  # (partition key, projected range, digits), in order


def partitioning(prefix: str) -> Partitions:
    """The table's partitions from the delivery stream's prefix, so the two cannot drift."""
    first = _TIMESTAMP.search(prefix)
    location = prefix[: prefix.rfind("/", 0, first.start()) + 1] if first else ""
    if not location:
        raise ValueError(f"the clicks prefix {prefix!r} has no fixed folder before its dates")
    keys = []
    for pattern in _TIMESTAMP.findall(prefix):
        if pattern not in defaults.PARTITION_PROJECTION:
            raise ValueError(f"no partition projection for !{{timestamp:{pattern}}}")
        keys.append(defaults.PARTITION_PROJECTION[pattern])
    names = iter(key for key, _, _ in keys)
    location_template = _TIMESTAMP.sub(lambda _: "${" + next(names) + "}", prefix)
    return Partitions(location, location_template, keys)


def projection_parameters(bucket: Bucket, partitions: Partitions) -> dict[str, object]:
    parameters: dict[str, object] = {
        "classification": "parquet",
        "projection.enabled": "true",
        # Sub: ${!year} is the literal ${year} Athena fills in.
        "storage.location.template": Sub(
            "s3://${Bucket}/" + partitions.location_template.replace("${", "${!"),
            Bucket=bucket.ref(),
        ),
    }
    for key, value_range, digits in partitions.keys:
        parameters[f"projection.{key}.type"] = "integer"
        parameters[f"projection.{key}.range"] = value_range
        parameters[f"projection.{key}.digits"] = str(digits)
    return parameters


def add_analytics(template: Template, params: dict[str, Parameter], bucket: Bucket) -> Analytics:
    partitions = partitioning(defaults.CLICKS_PREFIX)
    database = template.add_resource(
        Database(
            "ClicksDatabase",
            CatalogId=AccountId,
            DatabaseInput=DatabaseInput(
                # One database per stack, named by its UUID (clickstream/names.py): lower
                # case, letters, digits and underscores, whatever the stack is called.
                Name=stack_unique_sql("clicks"),
                Description=Sub("Mysfits clicks delivered by the ${AWS::StackName} stack."),
            ),
        )
    )
    table = template.add_resource(
        Table(
            "ClicksTable",
            CatalogId=AccountId,
            DatabaseName=database.ref(),
            TableInput=TableInput(
                Name=defaults.CLICKS_TABLE,
                Description="Enriched clicks, as Firehose writes them: Snappy Parquet.",
                TableType="EXTERNAL_TABLE",
                Parameters=projection_parameters(bucket, partitions),
                PartitionKeys=[Column(Name=key, Type="int") for key, _, _ in partitions.keys],
                StorageDescriptor=StorageDescriptor(
                    Location=Sub("s3://${Bucket}/" + partitions.location, Bucket=bucket.ref()),
                    InputFormat=defaults.PARQUET_INPUT_FORMAT,
                    OutputFormat=defaults.PARQUET_OUTPUT_FORMAT,
                    SerdeInfo=SerdeInfo(
                        SerializationLibrary=defaults.PARQUET_SERDE,
                        Parameters={"serialization.format": "1"},
                    ),
                    Columns=[Column(Name=name, Type=kind) for name, kind in table_columns()],
                ),
            ),
        )
    )
    workgroup = template.add_resource(
        WorkGroup(
            "ClicksWorkGroup",
            Name=stack_unique("clicks"),  # at most 128 characters (clickstream/names.py)
            Description="Questions about the Mysfits clicks; results encrypted, scans capped.",
            # The workgroup goes with the stack, with any query saved in it.
            RecursiveDeleteOption=True,
            WorkGroupConfiguration=WorkGroupConfiguration(
                # Queries cannot override the result location, its encryption or the limit.
                EnforceWorkGroupConfiguration=True,
                PublishCloudWatchMetricsEnabled=True,
                BytesScannedCutoffPerQuery=params["QueryScanLimitBytes"].ref(),
                EngineVersion=EngineVersion(SelectedEngineVersion=defaults.ATHENA_ENGINE_VERSION),
                ResultConfiguration=ResultConfiguration(
                    OutputLocation=Sub(
                        "s3://${Bucket}/" + defaults.QUERY_RESULTS_PREFIX, Bucket=bucket.ref()
                    ),
                    ExpectedBucketOwner=AccountId,
                    EncryptionConfiguration=EncryptionConfiguration(EncryptionOption="SSE_S3"),
                ),
            ),
        )
    )
    for question in QUESTIONS:
        template.add_resource(
            NamedQuery(
                f"Query{question.key[0].upper()}{question.key[1:]}",
                Name=question.key,
                Description=question.title,
                Database=database.ref(),
                WorkGroup=workgroup.ref(),
                QueryString=question.sql,
            )
        )
    return Analytics(database, table, workgroup)
