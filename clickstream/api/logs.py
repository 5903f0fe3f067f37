"""The clicks API's logs: the access log's line, and the account-wide role and log groups API
Gateway writes through when logging is asked for."""

from __future__ import annotations

import json

from troposphere import Parameter, Sub, Template
from troposphere.apigateway import Account, RestApi
from troposphere.firehose import DeliveryStream
from troposphere.iam import Role
from troposphere.logs import LogGroup

from clickstream import iam
from clickstream.loggroups import log_group
from clickstream.parameters import API_ACCESS_LOGS

# One JSON object per request. Every variable is written inside quotes except the error message:
# `$context.error.messageString` is already quoted and escaped (the raw `$context.error.message`
# may hold quotes, which would break the line's JSON).
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "integrationStatus": "$context.integration.status",
}
ACCESS_LOG_QUOTED_FIELDS = {"error": "$context.error.messageString"}


def access_log_format() -> str:
    fields = {name: json.dumps(value) for name, value in ACCESS_LOG_FIELDS.items()}
    fields |= ACCESS_LOG_QUOTED_FIELDS
    return "{" + ",".join(f"{json.dumps(name)}:{fields[name]}" for name in sorted(fields)) + "}"


def execution_logs_group_name(api: RestApi, params: dict[str, Parameter]) -> Sub:
    """The group API Gateway writes execution logs to (it would create it without retention)."""
    return Sub(
        "API-Gateway-Execution-Logs_${Api}/${Stage}",
        Api=api.ref(),
        Stage=params["StageName"].ref(),
    )


def api_logging(
    template: Template, params: dict[str, Parameter], api: RestApi, stream: DeliveryStream
) -> LogGroup:
    """API Gateway logs through one account-wide role per region; made only when asked for.

    Creation order: role; the account setting once the API and the stream exist (IAM needs
    time before API Gateway accepts a new role); the execution and access log groups; the stage
    (it depends on the access log group)."""
    cloudwatch_role = template.add_resource(
        Role(
            "ApiGatewayCloudWatchRole",
            Condition=API_ACCESS_LOGS,
            # The region's setting keeps pointing at this role after the stack (or the
            # parameter) is gone: deleting it would stop logging for every API in the region.
            DeletionPolicy="Retain",
            UpdateReplacePolicy="Retain",
            Description="Account-wide role API Gateway uses to write logs in this region.",
            AssumeRolePolicyDocument=iam.trust("apigateway.amazonaws.com"),
            ManagedPolicyArns=[
                Sub(
                    "arn:${AWS::Partition}:iam::aws:policy/service-role/"
                    "AmazonAPIGatewayPushToCloudWatchLogs"
                )
            ],
        )
    )
    account = template.add_resource(
        Account(
            "ApiGatewayAccount",
            Condition=API_ACCESS_LOGS,
            # A role used the moment it is made fails ("The role ARN does not have required
            # permissions"); the stream takes the better part of a minute to create.
            DependsOn=[api.title, stream.title],
            CloudWatchRoleArn=cloudwatch_role.get_att("Arn"),
        )
    )
    execution_logs = template.add_resource(
        log_group(
            "ApiExecutionLogGroup",
            params["LogRetentionDays"].ref(),
            Condition=API_ACCESS_LOGS,
            DependsOn=[account.title],
            LogGroupName=execution_logs_group_name(api, params),
        )
    )
    return template.add_resource(
        log_group(
            "ApiAccessLogGroup",
            params["LogRetentionDays"].ref(),
            Condition=API_ACCESS_LOGS,
            DependsOn=[execution_logs.title],
        )
    )
