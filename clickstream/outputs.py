"""What the rest of the site, and the deploy steps, read back from the stack."""

from __future__ import annotations

from troposphere import Export, GetAtt, Output, Sub, Template
from troposphere.codecommit import Repository
from troposphere.firehose import DeliveryStream
from troposphere.s3 import Bucket

from clickstream.analytics import Analytics
from clickstream.api import ClicksApi
from clickstream.parameters import CODE_REPOSITORY
from clickstream.processor import Processor


def add_outputs(
    template: Template,
    api: ClicksApi,
    bucket: Bucket,
    stream: DeliveryStream,
    processor: Processor,
    analytics: Analytics,
    repository: Repository,
) -> None:
    def output(name: str, description: str, value: object, **extra: object) -> None:
        template.add_output(
            Output(
                name,
                Description=description,
                Value=value,
                Export=Export(Sub(f"${{AWS::StackName}}-{name}")),
                **extra,
            )
        )

    output(
        "StreamingApiEndpoint",
        "Base URL of the clicks API; the page sends PUT {endpoint}/clicks.",
        Sub(
            "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}",
            Api=api.api.ref(),
            Stage=api.stage.ref(),
        ),
    )
    output("ClicksBucketName", "Bucket the enriched clicks are delivered to.", bucket.ref())
    output("DeliveryStreamName", "Firehose delivery stream of the clicks.", stream.ref())
    output(
        "ProcessorFunctionName", "Lambda function that enriches clicks.", processor.function.ref()
    )
    output(
        "ClicksDatabaseName",
        "Glue database holding the clicks table that Athena queries.",
        analytics.database.ref(),
    )
    output(
        "ClicksWorkGroupName",
        "Athena workgroup with the saved questions; python generate.py report runs them.",
        analytics.workgroup.ref(),
    )
    output(
        "RepositoryCloneUrlHttp",
        "HTTPS clone URL of the streaming service repository.",
        GetAtt(repository, "CloneUrlHttp"),
        Condition=CODE_REPOSITORY,
    )
    output(
        "RepositoryCloneUrlSsh",
        "SSH clone URL of the streaming service repository.",
        GetAtt(repository, "CloneUrlSsh"),
        Condition=CODE_REPOSITORY,
    )
