"""The clicks API: PUT /clicks proxied to Firehose PutRecord, with CORS, validation, throttling.

This module assembles the API: its methods, PUT /clicks/signed-in, the deployments and the stage.
Beside it: ``mapping`` (the record's mapping template and the answer bodies), ``models`` (the
bodies' JSON Schemas), ``cors`` (CORS headers, the preflight, the gateway's own errors) and
``logs`` (access and execution logs).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from troposphere import GetAtt, If, NoValue, Parameter, Select, Split, Sub, Template
from troposphere.apigateway import (
    AccessLogSetting,
    Authorizer,
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

from clickstream import contract, defaults, iam
from clickstream.api.cors import cors_headers, declared, gateway_responses, preflight_method, quoted
from clickstream.api.logs import access_log_format, api_logging
from clickstream.api.mapping import (
    ANONYMOUS_SOURCES,
    FAILED_BODY,
    JSON,
    OK_BODY,
    SIGNED_IN_SOURCES,
    record_template,
    vtl_sub,
)
from clickstream.api.models import SchemaModel, click_schema, signed_in_click_schema
from clickstream.parameters import ANONYMOUS_ONLY, API_ACCESS_LOGS, SIGNED_IN_CLICKS
from clickstream.suppressions import skip_checks


@dataclass(frozen=True)
class ClicksApi:
    api: RestApi
    stage: Stage
    role: Role


def put_clicks_method(
    title: str,
    api: RestApi,
    resource: Resource,
    params: dict[str, Parameter],
    stream: DeliveryStream,
    role: Role,
    model: Model,
    validator: RequestValidator,
    sources: dict[str, tuple[str, str]],
    authorizer: Authorizer | None = None,
    **extra: object,
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
    authorization = (
        {"AuthorizationType": "COGNITO_USER_POOLS", "AuthorizerId": authorizer.ref()}
        if authorizer is not None
        else {"AuthorizationType": "NONE"}
    )
    method = Method(
        title,
        RestApiId=api.ref(),
        ResourceId=resource.ref(),
        HttpMethod="PUT",
        **authorization,
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
            RequestTemplates={JSON: vtl_sub(record_template(sources), Stream=stream.ref())},
            # NEVER: a Content-Type without a template (text/plain: a CORS "simple" request)
            # must get 415, not reach Firehose with a body of the caller's choosing.
            PassthroughBehavior="NEVER",
            IntegrationResponses=responses,
        ),
        MethodResponses=[
            MethodResponse(StatusCode=r.StatusCode, ResponseParameters=declared(origin))
            for r in responses
        ],
        **extra,
    )
    return method if authorizer is not None else skip_checks(method, "CKV_AWS_59")


def definition_hash(resources: list) -> str:
    """A digest of the API's definition, so any change to it makes a new Deployment."""
    text = json.dumps([r.to_dict() for r in resources], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


# The stage variable that holds the user pool's id. The authorizer names its pool through it, so
# the stage, not the deployment's snapshot of the authorizer, says which pool it checks: a new
# CognitoUserPoolArn reaches the stage with the stack update, with no new deployment.
USER_POOL_STAGE_VARIABLE = "CognitoUserPoolId"


def user_pool_arn_part(params: dict[str, Parameter], index: int) -> Select:
    """Part 0 of CognitoUserPoolArn (``arn:…:cognito-idp:REGION:ACCOUNT:``) or 1 (the pool's id).
    ``userpool/`` is appended before the split, so an empty parameter still gives two parts
    (Fn::Select fails on a missing one)."""
    marker = "userpool/"
    text = Sub("${Pool}" + marker, Pool=params["CognitoUserPoolArn"].ref())
    return Select(index, Split(marker, text))


def user_pool_provider_arn(params: dict[str, Parameter]) -> Sub:
    """The authorizer's pool: its account and region from the parameter, its id from the stage
    variable (API Gateway's documented form, arn:…:userpool/${stageVariables.<name>})."""
    return Sub(
        "${Prefix}userpool/${!stageVariables." + USER_POOL_STAGE_VARIABLE + "}",
        Prefix=user_pool_arn_part(params, 0),
    )


def signed_in_clicks(
    api: RestApi,
    clicks: Resource,
    params: dict[str, Parameter],
    stream: DeliveryStream,
    role: Role,
    validator: RequestValidator,
) -> list:
    """PUT /clicks/signed-in behind the site's Cognito user pool, when CognitoUserPoolArn is set:
    the authorizer answers a missing, expired or foreign ID token with 401 before anything runs."""
    only = {"Condition": SIGNED_IN_CLICKS}
    authorizer = Authorizer(
        "SignedInClicksAuthorizer",
        **only,
        RestApiId=api.ref(),
        Name="mysfits-user-pool",
        Type="COGNITO_USER_POOLS",
        # The page sends the raw ID token, as it does to the Mysfits API.
        IdentitySource="method.request.header.Authorization",
        ProviderARNs=[user_pool_provider_arn(params)],
    )
    resource = Resource(
        "SignedInClicksResource",
        **only,
        RestApiId=api.ref(),
        ParentId=clicks.ref(),
        PathPart=contract.SIGNED_IN_PATH,
    )
    model = SchemaModel(
        "SignedInClickModel",
        **only,
        RestApiId=api.ref(),
        ContentType=JSON,
        Name="SignedInClick",
        Description="One event of a signed-in user: a profile view, a like or an adoption.",
        Schema=signed_in_click_schema(),
    )
    put = put_clicks_method(
        "SignedInClicksPutMethod",
        api,
        resource,
        params,
        stream,
        role,
        model,
        validator,
        SIGNED_IN_SOURCES,
        authorizer,
        **only,
    )
    options = preflight_method(
        "SignedInClicksOptionsMethod",
        api,
        resource,
        params,
        defaults.CORS_SIGNED_IN_ALLOWED_HEADERS,
        **only,
    )
    return [authorizer, resource, model, put, options]


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
        Description="One anonymous profile view.",
        Schema=click_schema(),
    )
    validator = RequestValidator(
        "ClickValidator",
        RestApiId=api.ref(),
        Name="click-body",
        ValidateRequestBody=True,
        ValidateRequestParameters=False,
    )
    put = put_clicks_method(
        "ClicksPutMethod",
        api,
        resource,
        params,
        stream,
        role,
        model,
        validator,
        ANONYMOUS_SOURCES,
    )
    options = preflight_method(
        "ClicksOptionsMethod", api, resource, params, defaults.CORS_ALLOWED_HEADERS
    )
    gateway = gateway_responses(api, params)
    anonymous = [resource, model, validator, put, options, *gateway]
    signed_in = signed_in_clicks(api, resource, params, stream, role, validator)
    for part in anonymous + signed_in:
        template.add_resource(part)

    # One deployment for each shape of the API; each name carries a digest of its definition, so
    # any change to the API makes a new deployment. Setting CognitoUserPoolArn moves the stage to
    # the signed-in deployment, made after the signed-in methods (DependsOn). Switching to another
    # pool needs no deployment: the authorizer reads the pool's id from the stage's variable.
    # Clearing it does NOT undeploy PUT /clicks/signed-in: CloudFormation makes the anonymous
    # deployment during the update, but deletes the signed-in resources (their condition now
    # false) only in its cleanup pass, after that snapshot was taken. The README's update steps
    # say to run `aws apigateway create-deployment` on the stage once the update is complete.
    deployments = {}
    for condition, parts in (
        (ANONYMOUS_ONLY, anonymous),
        (SIGNED_IN_CLICKS, anonymous + signed_in),
    ):
        digest = definition_hash(parts)
        label = "SignedIn" if condition == SIGNED_IN_CLICKS else ""
        deployments[condition] = template.add_resource(
            Deployment(
                f"ClicksApiDeployment{label}{digest}",
                Condition=condition,
                DependsOn=[p.title for p in parts if isinstance(p, (Method, GatewayResponse))],
                RestApiId=api.ref(),
                Description=f"Clicks API definition {digest}",
            )
        )
    access_logs = api_logging(template, params, api, stream)
    stage = template.add_resource(
        skip_checks(
            Stage(
                "ClicksApiStage",
                RestApiId=api.ref(),
                DeploymentId=If(
                    SIGNED_IN_CLICKS,
                    deployments[SIGNED_IN_CLICKS].ref(),
                    deployments[ANONYMOUS_ONLY].ref(),
                ),
                StageName=params["StageName"].ref(),
                Description="Clicks API stage",
                Variables=If(
                    SIGNED_IN_CLICKS,
                    {USER_POOL_STAGE_VARIABLE: user_pool_arn_part(params, 1)},
                    NoValue,
                ),
                TracingEnabled=If(API_ACCESS_LOGS, True, False),
                AccessLogSetting=If(
                    API_ACCESS_LOGS,
                    AccessLogSetting(
                        DestinationArn=access_logs.get_att("Arn"), Format=access_log_format()
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
