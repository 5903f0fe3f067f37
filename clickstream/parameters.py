"""The stack's interface: its parameters, declared together as data, and its conditions."""

from __future__ import annotations

from dataclasses import dataclass, field

from troposphere import Condition, Equals, Not, Parameter, Template

from clickstream import defaults


@dataclass(frozen=True)
class Param:
    name: str
    group: str
    label: str
    description: str
    type: str = "String"
    default: str | int | None = None
    allowed_pattern: str | None = None
    allowed_values: list | None = None
    constraint_description: str | None = None
    min_value: int | None = None
    max_value: int | None = None
    extra: dict = field(default_factory=dict)


GROUPS = [
    "Mysfits site",
    "Processor code",
    "Clicks API",
    "Storage and logs",
    "Asking the clicks",
    "Alarms",
    "Options",
]

PARAMETERS: list[Param] = [
    Param(
        "MysfitsTableArn",
        "Mysfits site",
        "Mysfits table ARN",
        "ARN of the Mysfits DynamoDB table; the processor reads it when the Mysfits API fails.",
        allowed_pattern=r"arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]{3,255}",
        constraint_description="a DynamoDB table ARN: arn:aws:dynamodb:REGION:ACCOUNT:table/NAME",
    ),
    Param(
        "MysfitsApiUrl",
        "Mysfits site",
        "Mysfits API URL",
        "Base URL of the Mysfits API, https only (with or without a trailing slash): the "
        "processor reads the catalog it enriches every click from there.",
        allowed_pattern=r"https://[^\s/?#]+(/[^\s?#]*)?",
        constraint_description="an https:// URL (the workshop's API Gateway URL)",
    ),
    Param(
        "CognitoUserPoolArn",
        "Mysfits site",
        "Cognito user pool ARN",
        "ARN of the site's Cognito user pool: signed-in users' events (profile views, likes, "
        "adoptions) go to PUT /clicks/signed-in, whose authorizer proves the user. Empty: no such "
        "method, and only anonymous profile views are recorded.",
        default="",
        allowed_pattern=r"|arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:[0-9]{12}:userpool/[\w-]+_[0-9a-zA-Z]+",
        constraint_description="a Cognito user pool ARN "
        "(arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID), or empty",
    ),
    Param(
        "LambdaCodeBucket",
        "Processor code",
        "Code bucket",
        "S3 bucket holding the processor package built by `python generate.py package`.",
        allowed_pattern=r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]",
        constraint_description="an S3 bucket name",
    ),
    Param(
        "LambdaCodeKey",
        "Processor code",
        "Code key",
        "S3 key of the processor package (its name carries its content hash).",
        allowed_pattern=r"[^\s]+\.zip",
        constraint_description="the S3 key of a .zip file",
    ),
    Param(
        "StageName",
        "Clicks API",
        "Stage name",
        "API Gateway stage the clicks API is deployed to.",
        default=defaults.DEFAULT_STAGE,
        allowed_pattern=r"[A-Za-z0-9_]{1,128}",
        constraint_description="letters, digits and underscores",
    ),
    Param(
        "AllowedOrigin",
        "Clicks API",
        "Allowed CORS origin",
        "Origin allowed to send clicks (the site's URL, e.g. https://www.example.com), or *.",
        default=defaults.DEFAULT_ALLOWED_ORIGIN,
        allowed_pattern=r"\*|https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?",
        constraint_description="* or an origin such as https://www.example.com (no path)",
    ),
    Param(
        "ThrottlingRateLimit",
        "Clicks API",
        "Throttling rate",
        "Steady-state clicks per second the stage accepts before answering 429.",
        type="Number",
        default=defaults.DEFAULT_THROTTLE_RATE,
        min_value=1,
        max_value=10000,
    ),
    Param(
        "ThrottlingBurstLimit",
        "Clicks API",
        "Throttling burst",
        "Burst of clicks the stage accepts before answering 429.",
        type="Number",
        default=defaults.DEFAULT_THROTTLE_BURST,
        min_value=1,
        max_value=5000,
    ),
    Param(
        "NoncurrentVersionExpirationDays",
        "Storage and logs",
        "Noncurrent version days",
        "Days after which overwritten or deleted click objects are removed for good.",
        type="Number",
        default=defaults.DEFAULT_NONCURRENT_VERSION_DAYS,
        min_value=1,
        max_value=3650,
    ),
    Param(
        "LogRetentionDays",
        "Storage and logs",
        "Log retention days",
        "Days the processor's, the delivery stream's and the API's logs are kept.",
        type="Number",
        default=defaults.DEFAULT_LOG_RETENTION_DAYS,
        allowed_values=defaults.LOG_RETENTION_CHOICES,
    ),
    Param(
        "QueryScanLimitBytes",
        "Asking the clicks",
        "Query scan limit (bytes)",
        "Bytes one Athena query in the clicks workgroup may scan before it is cancelled.",
        type="Number",
        default=defaults.DEFAULT_QUERY_SCAN_LIMIT_BYTES,
        min_value=defaults.MIN_QUERY_SCAN_LIMIT_BYTES,
    ),
    Param(
        "AlarmEmail",
        "Alarms",
        "Alarm e-mail",
        "E-mail address told when clicks stop flowing or start failing; empty for no topic.",
        default="",
        allowed_pattern=r"|[^\s@]+@[^\s@]+\.[^\s@]+",
        constraint_description="an e-mail address, or empty",
    ),
    Param(
        "FailedClicksAlarmPercent",
        "Alarms",
        "Failed clicks alarm share",
        "Percent of a period's clicks the processor could not enrich that raises the alarm.",
        type="Number",
        default=defaults.DEFAULT_FAILED_SHARE_PERCENT,
        min_value=1,
        max_value=100,
    ),
    Param(
        "FailedClicksAlarmMinimum",
        "Alarms",
        "Failed clicks alarm minimum",
        "Fewest failed clicks in a period that can raise the alarm, however large their share.",
        type="Number",
        default=defaults.DEFAULT_FAILED_MINIMUM,
        min_value=1,
        max_value=1000000,
    ),
    Param(
        "EnableApiAccessLogs",
        "Options",
        "API access logs and tracing",
        "true: access logs and X-Ray tracing on the stage. Also sets the account-wide API Gateway "
        "CloudWatch role for this region (it outlives the stack).",
        default="false",
        allowed_values=["true", "false"],
    ),
    Param(
        "CreateCodeRepository",
        "Options",
        "Create CodeCommit repository",
        "true: create the workshop's CodeCommit repository (some accounts refuse new ones).",
        default="false",
        allowed_values=["true", "false"],
    ),
]


def add_parameters(template: Template) -> dict[str, Parameter]:
    """Add every parameter, and their console grouping, to the template."""
    added: dict[str, Parameter] = {}
    for spec in PARAMETERS:
        props = {"Type": spec.type, "Description": spec.description}
        optional = {
            "Default": spec.default,
            "AllowedPattern": spec.allowed_pattern,
            "AllowedValues": spec.allowed_values,
            "ConstraintDescription": spec.constraint_description,
            "MinValue": spec.min_value,
            "MaxValue": spec.max_value,
        }
        props.update({key: value for key, value in optional.items() if value is not None})
        added[spec.name] = template.add_parameter(Parameter(spec.name, **props))
    template.set_metadata(
        {
            "AWS::CloudFormation::Interface": {
                "ParameterGroups": [
                    {
                        "Label": {"default": group},
                        "Parameters": [p.name for p in PARAMETERS if p.group == group],
                    }
                    for group in GROUPS
                ],
                "ParameterLabels": {p.name: {"default": p.label} for p in PARAMETERS},
            }
        }
    )
    return added


# Condition names, shared by the builders that use them.
HAS_ALARM_EMAIL = "HasAlarmEmail"
API_ACCESS_LOGS = "ApiAccessLogsEnabled"
CODE_REPOSITORY = "CodeRepositoryEnabled"
SIGNED_IN_CLICKS = "SignedInClicksEnabled"
ANONYMOUS_ONLY = "AnonymousClicksOnly"


def add_conditions(template: Template, params: dict[str, Parameter]) -> None:
    template.add_condition(HAS_ALARM_EMAIL, Not(Equals(params["AlarmEmail"].ref(), "")))
    template.add_condition(API_ACCESS_LOGS, Equals(params["EnableApiAccessLogs"].ref(), "true"))
    template.add_condition(CODE_REPOSITORY, Equals(params["CreateCodeRepository"].ref(), "true"))
    template.add_condition(ANONYMOUS_ONLY, Equals(params["CognitoUserPoolArn"].ref(), ""))
    template.add_condition(SIGNED_IN_CLICKS, Not(Condition(ANONYMOUS_ONLY)))
