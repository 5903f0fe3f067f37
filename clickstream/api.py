"""The clicks API: PUT /clicks proxied to Firehose PutRecord, with CORS, validation, throttling."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from troposphere import GetAtt, If, NoValue, Parameter, Sub, Template
from troposphere.apigateway import (
    AccessLogSetting,
    Account,
    Deployment,
    EndpointConfiguration,
    GatewayResponse,
    Integration,
    IntegrationResponse,
    Method,
    MethodResponse,
    MethodSetting,
    Model,
    RequestValidator,
    Resource,
    RestApi,
    Stage,
)
from troposphere.firehose import DeliveryStream
from troposphere.iam import Role
from troposphere.logs import LogGroup

from clickstream import defaults, iam
from clickstream.loggroups import log_group
from clickstream.parameters import API_ACCESS_LOGS
from clickstream.suppressions import skip_checks

JSON = "application/json"

# Firehose answers PutRecord with {"RecordId": ..., "Encrypted": ...}; the page needs less.
OK_BODY = '{"status":"OK"}'
FAILED_BODY = '{"message":"The click was not recorded.","requestId":"$context.requestId"}'

# The request mapping template. `$input.json('$')` is the validated body as JSON text.
PUT_RECORD_TEMPLATE = (
    '{"DeliveryStreamName": "${Stream}", '
    '"Record": {"Data": "$util.base64Encode($input.json(\'$\'))"}}'
)

ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "status": "$context.status",
        "responseLength": "$context.responseLength",
        "integrationStatus": "$context.integration.status",
        "error": "$context.error.message",
    },
    sort_keys=True,
    separators=(",", ":"),
)


class SchemaModel(Model):
    """A Model whose Schema stays a JSON object (Troposphere would turn it into a string), so the
    schema reads, and diffs, like the rest of the template."""

    def validate(self) -> None:
        if not isinstance(self.properties.get("Schema"), dict):
            raise TypeError("SchemaModel.Schema must be a dict")


@dataclass(frozen=True)
class ClicksApi:
    api: RestApi
    stage: Stage
    role: Role


def click_schema() -> dict:
    """JSON Schema draft 4 for one click: two short identifiers, an optional click id (a
    canonical lowercase UUID the page makes, so duplicates can be removed), nothing else."""
    identifier = {
        "type": "string",
        "minLength": 1,
        "maxLength": defaults.CLICK_ID_MAX_LENGTH,
        "pattern": defaults.CLICK_ID_PATTERN,
    }
    return {
        "$schema": "http://json-schema.org/draft-04/schema#",
        "title": "Click",
        "type": "object",
        "properties": {
            "userId": identifier,
            "mysfitId": identifier,
            "clickId": {"type": "string", "pattern": defaults.CLICK_UUID_PATTERN},
        },
        "required": ["userId", "mysfitId"],
        "additionalProperties": False,
    }


def quoted(value: str) -> str:
    """API Gateway reads a static header value only when it is in single quotes."""
    return f"'{value}'"


def allowed_origin(params: dict[str, Parameter]) -> Sub:
    return Sub("'${Origin}'", Origin=params["AllowedOrigin"].ref())


def cors_headers(params: dict[str, Parameter], prefix: str, *, preflight: bool) -> dict:
    headers = {"Access-Control-Allow-Origin": allowed_origin(params)}
    if preflight:
        headers |= {
            "Access-Control-Allow-Headers": quoted(defaults.CORS_ALLOWED_HEADERS),
            "Access-Control-Allow-Methods": quoted(defaults.CORS_ALLOWED_METHODS),
            "Access-Control-Max-Age": quoted(defaults.CORS_MAX_AGE_SECONDS),
        }
    return {f"{prefix}{name}": value for name, value in headers.items()}


def declared(headers: dict) -> dict:
    """Method responses declare each header the integration response maps."""
    return {name: False for name in headers}


def put_clicks_method(
    api: RestApi,
    resource: Resource,
    params: dict[str, Parameter],
    stream: DeliveryStream,
    role: Role,
    model: Model,
    validator: RequestValidator,
) -> Method:
    origin = cors_headers(params, "method.response.header.", preflight=False)
    responses = [
        # The default response (no pattern): Firehose accepted the record.
        IntegrationResponse(
            StatusCode="200", ResponseParameters=origin, ResponseTemplates={JSON: OK_BODY}
        ),
        # Without these, every Firehose error reaches the page as 200 and the click vanishes.
        IntegrationResponse(
            StatusCode="500",
            SelectionPattern=r"4\d{2}",
            ResponseParameters=origin,
            ResponseTemplates={JSON: FAILED_BODY},
        ),
        IntegrationResponse(
            StatusCode="503",
            SelectionPattern=r"5\d{2}",
            ResponseParameters=origin,
            ResponseTemplates={JSON: FAILED_BODY},
        ),
    ]
    method = Method(
        "ClicksPutMethod",
        RestApiId=api.ref(),
        ResourceId=resource.ref(),
        HttpMethod="PUT",
        AuthorizationType="NONE",
        RequestValidatorId=validator.ref(),
        RequestModels={JSON: model.ref()},
        Integration=Integration(
            Type="AWS",
            # AWS service integrations are always called with POST.
            IntegrationHttpMethod="POST",
            Uri=Sub("arn:${AWS::Partition}:apigateway:${AWS::Region}:firehose:action/PutRecord"),
            Credentials=role.get_att("Arn"),
            RequestParameters={
                "integration.request.header.Content-Type": quoted(defaults.FIREHOSE_CONTENT_TYPE)
            },
            RequestTemplates={JSON: Sub(PUT_RECORD_TEMPLATE, Stream=stream.ref())},
            # NEVER: a Content-Type without a template (text/plain: a CORS "simple" request)
            # must get 415, not reach Firehose with a body of the caller's choosing.
            PassthroughBehavior="NEVER",
            IntegrationResponses=responses,
        ),
        MethodResponses=[
            MethodResponse(StatusCode=r.StatusCode, ResponseParameters=declared(origin))
            for r in responses
        ],
    )
    return skip_checks(method, "CKV_AWS_59")


def preflight_method(api: RestApi, resource: Resource, params: dict[str, Parameter]) -> Method:
    headers = cors_headers(params, "method.response.header.", preflight=True)
    return Method(
        "ClicksOptionsMethod",
        RestApiId=api.ref(),
        ResourceId=resource.ref(),
        HttpMethod="OPTIONS",
        AuthorizationType="NONE",
        Integration=Integration(
            Type="MOCK",
            RequestTemplates={JSON: '{"statusCode": 200}'},
            PassthroughBehavior="WHEN_NO_MATCH",
            IntegrationResponses=[
                IntegrationResponse(
                    StatusCode="200", ResponseParameters=headers, ResponseTemplates={JSON: ""}
                )
            ],
        ),
        MethodResponses=[MethodResponse(StatusCode="200", ResponseParameters=declared(headers))],
    )


def gateway_responses(api: RestApi, params: dict[str, Parameter]) -> list[GatewayResponse]:
    """Errors API Gateway makes itself (400, 403, 415, 429, 5xx) readable by the page."""
    headers = cors_headers(params, "gatewayresponse.header.", preflight=True)
    return [
        GatewayResponse(
            f"{kind.title().replace('_', '')}GatewayResponse",
            RestApiId=api.ref(),
            ResponseType=kind,
            ResponseParameters=headers,
        )
        for kind in ("DEFAULT_4XX", "DEFAULT_5XX")
    ]


def definition_hash(resources: list) -> str:
    """A digest of the API's definition, so any change to it makes a new Deployment."""
    text = json.dumps([r.to_dict() for r in resources], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def access_logging(template: Template, params: dict[str, Parameter]) -> LogGroup:
    """API Gateway logs through one account-wide role per region; made only when asked for."""
    cloudwatch_role = template.add_resource(
        Role(
            "ApiGatewayCloudWatchRole",
            Condition=API_ACCESS_LOGS,
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
            CloudWatchRoleArn=cloudwatch_role.get_att("Arn"),
        )
    )
    return log_group(
        "ApiAccessLogGroup",
        params["LogRetentionDays"].ref(),
        Condition=API_ACCESS_LOGS,
        DependsOn=[account.title],
    )


def add_api(template: Template, params: dict[str, Parameter], stream: DeliveryStream) -> ClicksApi:
    api = template.add_resource(
        RestApi(
            "ClicksApi",
            Name=Sub("${AWS::StackName}-clicks"),
            Description="Records Mythical Mysfits profile clicks into Firehose.",
            EndpointConfiguration=EndpointConfiguration(Types=["REGIONAL"]),
        )
    )
    role = template.add_resource(
        iam.service_role(
            "ApiRole",
            "apigateway.amazonaws.com",
            {"PutClickRecords": iam.put_records(stream.get_att("Arn"))},
            description="Lets the clicks API put records into the clicks delivery stream.",
        )
    )
    resource = Resource(
        "ClicksResource",
        RestApiId=api.ref(),
        ParentId=GetAtt(api, "RootResourceId"),
        PathPart="clicks",
    )
    model = SchemaModel(
        "ClickModel",
        RestApiId=api.ref(),
        ContentType=JSON,
        Name="Click",
        Description="One profile click.",
        Schema=click_schema(),
    )
    validator = RequestValidator(
        "ClickValidator",
        RestApiId=api.ref(),
        Name="click-body",
        ValidateRequestBody=True,
        ValidateRequestParameters=False,
    )
    put = put_clicks_method(api, resource, params, stream, role, model, validator)
    options = preflight_method(api, resource, params)
    gateway = gateway_responses(api, params)
    definition = [resource, model, validator, put, options, *gateway]
    for part in definition:
        template.add_resource(part)

    digest = definition_hash(definition)
    deployment = template.add_resource(
        Deployment(
            f"ClicksApiDeployment{digest}",
            DependsOn=[put.title, options.title, *(g.title for g in gateway)],
            RestApiId=api.ref(),
            Description=f"Clicks API definition {digest}",
        )
    )
    access_logs = template.add_resource(access_logging(template, params))
    stage = template.add_resource(
        skip_checks(
            Stage(
                "ClicksApiStage",
                RestApiId=api.ref(),
                DeploymentId=deployment.ref(),
                StageName=params["StageName"].ref(),
                Description="Clicks API stage",
                TracingEnabled=If(API_ACCESS_LOGS, True, False),
                AccessLogSetting=If(
                    API_ACCESS_LOGS,
                    AccessLogSetting(
                        DestinationArn=access_logs.get_att("Arn"), Format=ACCESS_LOG_FORMAT
                    ),
                    NoValue,
                ),
                MethodSettings=[
                    MethodSetting(
                        HttpMethod="*",
                        ResourcePath="/*",
                        MetricsEnabled=True,
                        LoggingLevel=If(API_ACCESS_LOGS, "ERROR", "OFF"),
                        ThrottlingRateLimit=params["ThrottlingRateLimit"].ref(),
                        ThrottlingBurstLimit=params["ThrottlingBurstLimit"].ref(),
                    )
                ],
            ),
            "CKV_AWS_73",
            "CKV_AWS_76",
            "CKV_AWS_120",
        )
    )
    return ClicksApi(api=api, stage=stage, role=role)
