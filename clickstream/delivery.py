"""The delivery stream: buffers clicks, has the processor enrich them, writes them to S3."""

from __future__ import annotations

from troposphere import AccountId, Parameter, Template
from troposphere.firehose import (
    BufferingHints,
    CloudWatchLoggingOptions,
    DeliveryStream,
    DeliveryStreamEncryptionConfigurationInput,
    ExtendedS3DestinationConfiguration,
    ProcessingConfiguration,
    Processor,
    ProcessorParameter,
)
from troposphere.logs import LogStream
from troposphere.s3 import Bucket

from clickstream import defaults, iam
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


def add_delivery_stream(
    template: Template,
    params: dict[str, Parameter],
    bucket: Bucket,
    processor: ClickProcessor,
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
    role = template.add_resource(
        iam.service_role(
            "DeliveryRole",
            "firehose.amazonaws.com",
            {
                "DeliverToBucket": iam.deliver_to_bucket(bucket.get_att("Arn")),
                "InvokeProcessor": iam.invoke_processor(function_arn(processor)),
                "WriteDeliveryLogs": iam.write_log_stream(logs.ref(), log_stream.ref()),
            },
            external_id=AccountId,
            description="Lets Firehose invoke the click processor and write to the clicks bucket.",
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
                CompressionFormat="UNCOMPRESSED",
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
