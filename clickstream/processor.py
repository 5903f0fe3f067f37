"""The click processor: a Python function Firehose calls with each buffered batch."""

from __future__ import annotations

from dataclasses import dataclass

from troposphere import GetAtt, Parameter, StackName, Template
from troposphere.awslambda import Code, Environment, Function, LoggingConfig
from troposphere.iam import Role
from troposphere.logs import LogGroup

from clickstream import defaults, iam
from clickstream.loggroups import log_group
from clickstream.suppressions import skip_checks

# Powertools publishes every metric with one dimension, `service`, from POWERTOOLS_SERVICE_NAME:
# the stack's name there keeps two stacks in one account and region from mixing their counts.
METRICS_SERVICE = StackName


@dataclass(frozen=True)
class Processor:
    function: Function
    role: Role
    log_group: LogGroup


def add_processor(template: Template, params: dict[str, Parameter]) -> Processor:
    logs = template.add_resource(log_group("ProcessorLogGroup", params["LogRetentionDays"].ref()))
    role = template.add_resource(
        iam.service_role(
            "ProcessorRole",
            "lambda.amazonaws.com",
            {
                "WriteLogs": iam.write_function_logs(logs.ref()),
                "ReadMysfitsTable": iam.read_table(params["MysfitsTableArn"].ref()),
            },
            description="Lets the click processor write its logs and read the Mysfits table.",
        )
    )
    function = template.add_resource(
        skip_checks(
            Function(
                "ProcessorFunction",
                Description="Enriches each click with its mysfit's attributes for Firehose.",
                Runtime=defaults.PROCESSOR_RUNTIME,
                Architectures=[defaults.PROCESSOR_ARCHITECTURE],
                Handler=defaults.PROCESSOR_HANDLER,
                Timeout=defaults.PROCESSOR_TIMEOUT_SECONDS,
                MemorySize=defaults.PROCESSOR_MEMORY_MB,
                Role=role.get_att("Arn"),
                Code=Code(
                    S3Bucket=params["LambdaCodeBucket"].ref(), S3Key=params["LambdaCodeKey"].ref()
                ),
                LoggingConfig=LoggingConfig(LogGroup=logs.ref()),
                Environment=Environment(
                    Variables={
                        "MYSFITS_API_URL": params["MysfitsApiUrl"].ref(),
                        # The whole ARN: the processor reads the table in the ARN's region.
                        "MYSFITS_TABLE_ARN": params["MysfitsTableArn"].ref(),
                        "POWERTOOLS_SERVICE_NAME": METRICS_SERVICE,
                        "POWERTOOLS_METRICS_NAMESPACE": defaults.METRICS_NAMESPACE,
                    }
                ),
            ),
            "CKV_AWS_115",
            "CKV_AWS_116",
            "CKV_AWS_117",
            "CKV_AWS_173",
        )
    )
    return Processor(function=function, role=role, log_group=logs)


def function_arn(processor: Processor) -> GetAtt:
    return processor.function.get_att("Arn")
