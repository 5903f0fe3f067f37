"""The delivery stream: buffers clicks, has the processor enrich them, writes them to S3."""

from __future__ import annotations

from troposphere import AccountId, Parameter, Region, Template
from troposphere.firehose import (
    BufferingHints,
    CloudWatchLoggingOptions,
    DataFormatConversionConfiguration,
    DeliveryStream,
    DeliveryStreamEncryptionConfigurationInput,
    Deserializer,
    ExtendedS3DestinationConfiguration,
    InputFormatConfiguration,
    OpenXJsonSerDe,
    OutputFormatConfiguration,
    ParquetSerDe,
    ProcessingConfiguration,
    Processor,
    ProcessorParameter,
    SchemaConfiguration,
    Serializer,
)
from troposphere.logs import LogStream
from troposphere.s3 import Bucket

from clickstream import defaults, iam
from clickstream.analytics import Analytics
from clickstream.loggroups import log_group
from clickstream.processor import Processor as ClickProcessor
from clickstream.processor import function_arn


def processor_parameters(lambda_arn: object) -> list[ProcessorParameter]:
    """Stated explicitly, so a reviewer sees the batch the processor must handle."""
    values = {
        "LambdaArn": lambda_arn,
        "BufferSizeInMBs": defaults.PROCESSOR_BUFFER_MB,
        "BufferIntervalInSeconds": defaults.PROCESSOR_BUFFER_SECONDS,
        "NumberOfRetries": defaults.PROCESSOR_RETRIES,
    }
    return [ProcessorParameter(ParameterName=k, ParameterValue=v) for k, v in values.items()]


def written_folders() -> list[str]:
    """The fixed folders Firehose writes under: clicks/ and errors/ (before any expression)."""
    fixed = [prefix.split("!{")[0] for prefix in (defaults.CLICKS_PREFIX, defaults.ERROR_PREFIX)]
    return [text[: text.rfind("/") + 1] for text in fixed]


def format_conversion(analytics: Analytics, role_arn: object) -> DataFormatConversionConfiguration:
    """Parquet from the processor's JSON lines, by the clicks table's schema. Firehose converts
    after the processor ran; a record it cannot convert goes to errors/format-conversion-failed/."""
    return DataFormatConversionConfiguration(
        Enabled=True,
        SchemaConfiguration=SchemaConfiguration(
            CatalogId=AccountId,
            Region=Region,
            DatabaseName=analytics.database.ref(),
            TableName=analytics.table.ref(),
            VersionId=defaults.CONVERSION_TABLE_VERSION,
            RoleARN=role_arn,
        ),
        InputFormatConfiguration=InputFormatConfiguration(
            # camelCase keys match the lower-case columns.
            Deserializer=Deserializer(OpenXJsonSerDe=OpenXJsonSerDe(CaseInsensitive=True))
        ),
        OutputFormatConfiguration=OutputFormatConfiguration(
            Serializer=Serializer(
                ParquetSerDe=ParquetSerDe(Compression=defaults.PARQUET_COMPRESSION)
            )
        ),
    )


def add_delivery_stream(
    template: Template,
    params: dict[str, Parameter],
    bucket: Bucket,
    processor: ClickProcessor,
    analytics: Analytics,
) -> DeliveryStream:
    # With CloudFormation, Firehose's log group and stream must come from the template.
    logs = template.add_resource(log_group("DeliveryLogGroup", params["LogRetentionDays"].ref()))
    log_stream = template.add_resource(
        LogStream(
            "DeliveryLogStream",
            LogGroupName=logs.ref(),
            LogStreamName=defaults.DELIVERY_LOG_STREAM,
        )
    )
    # Firehose reads the clicks table's schema with this role when it creates the stream. The
    # policies are the role's own (inline): CloudFormation puts them while it creates the role,
    # so they exist before the stream that names the role. A separate AWS::IAM::Policy would
    # need a DependsOn from the stream. (A role too new for IAM to have propagated, or a
    # catalog that Lake Formation governs, can still refuse: see the README's troubleshooting.)
    role = template.add_resource(
        iam.service_role(
            "DeliveryRole",
            "firehose.amazonaws.com",
            {
                "DeliverToBucket": iam.deliver_to_bucket(bucket.get_att("Arn"), written_folders()),
                "InvokeProcessor": iam.invoke_processor(function_arn(processor)),
                "ReadClicksSchema": iam.read_table_schema(
                    analytics.database.ref(), analytics.table.ref()
                ),
                "WriteDeliveryLogs": iam.write_log_stream(logs.ref(), log_stream.ref()),
            },
            external_id=AccountId,
            description=(
                "Lets Firehose invoke the click processor, read the clicks table's schema and "
                "write to the clicks bucket."
            ),
        )
    )
    return template.add_resource(
        DeliveryStream(
            "ClicksDeliveryStream",
            DeliveryStreamType="DirectPut",
            DeliveryStreamEncryptionConfigurationInput=DeliveryStreamEncryptionConfigurationInput(
                KeyType="AWS_OWNED_CMK"
            ),
            ExtendedS3DestinationConfiguration=ExtendedS3DestinationConfiguration(
                BucketARN=bucket.get_att("Arn"),
                RoleARN=role.get_att("Arn"),
                BufferingHints=BufferingHints(
                    IntervalInSeconds=defaults.DELIVERY_BUFFER_SECONDS,
                    SizeInMBs=defaults.DELIVERY_BUFFER_MB,
                ),
                Prefix=defaults.CLICKS_PREFIX,
                ErrorOutputPrefix=defaults.ERROR_PREFIX,
                # Conversion requires UNCOMPRESSED here: Snappy is the serializer's.
                CompressionFormat="UNCOMPRESSED",
                DataFormatConversionConfiguration=format_conversion(analytics, role.get_att("Arn")),
                CloudWatchLoggingOptions=CloudWatchLoggingOptions(
                    Enabled=True,
                    LogGroupName=logs.ref(),
                    LogStreamName=log_stream.ref(),
                ),
                ProcessingConfiguration=ProcessingConfiguration(
                    Enabled=True,
                    Processors=[
                        Processor(
                            Type="Lambda",
                            Parameters=processor_parameters(function_arn(processor)),
                        )
                    ],
                ),
            ),
        )
    )
