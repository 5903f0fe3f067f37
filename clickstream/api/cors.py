"""The clicks API's CORS: the headers each response carries, the OPTIONS preflight, and the
errors API Gateway makes itself, readable by the page."""

from __future__ import annotations

from troposphere import Parameter, Sub
from troposphere.apigateway import (
    GatewayResponse,
    Integration,
    IntegrationResponse,
    Method,
    MethodResponse,
    Resource,
    RestApi,
)

from clickstream import defaults
from clickstream.api.mapping import JSON


def quoted(value: str) -> str:
    """API Gateway reads a static header value only when it is in single quotes."""
    return f"'{value}'"


def allowed_origin(params: dict[str, Parameter]) -> Sub:
    return Sub("'${Origin}'", Origin=params["AllowedOrigin"].ref())


def cors_headers(
    params: dict[str, Parameter],
    prefix: str,
    *,
    preflight: bool,
    allowed_headers: str = defaults.CORS_ALLOWED_HEADERS,
) -> dict:
    headers = {"Access-Control-Allow-Origin": allowed_origin(params)}
    if preflight:
        headers |= {
            "Access-Control-Allow-Headers": quoted(allowed_headers),
            "Access-Control-Allow-Methods": quoted(defaults.CORS_ALLOWED_METHODS),
            "Access-Control-Max-Age": quoted(defaults.CORS_MAX_AGE_SECONDS),
        }
    return {f"{prefix}{name}": value for name, value in headers.items()}


def declared(headers: dict) -> dict:
    """Method responses declare each header the integration response maps."""
    return {name: False for name in headers}


def preflight_method(
    title: str,
    api: RestApi,
    resource: Resource,
    params: dict[str, Parameter],
    allowed_headers: str,
    **extra: object,
) -> Method:
    headers = cors_headers(
        params, "method.response.header.", preflight=True, allowed_headers=allowed_headers
    )
    return Method(
        title,
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
        **extra,
    )


def gateway_responses(api: RestApi, params: dict[str, Parameter]) -> list[GatewayResponse]:
    """Errors API Gateway makes itself (400, 401, 403, 415, 429, 5xx) readable by the page."""
    headers = cors_headers(
        params,
        "gatewayresponse.header.",
        preflight=True,
        allowed_headers=defaults.CORS_SIGNED_IN_ALLOWED_HEADERS,
    )
    return [
        GatewayResponse(
            f"{kind.title().replace('_', '')}GatewayResponse",
            RestApiId=api.ref(),
            ResponseType=kind,
            ResponseParameters=headers,
        )
        for kind in ("DEFAULT_4XX", "DEFAULT_5XX")
    ]
