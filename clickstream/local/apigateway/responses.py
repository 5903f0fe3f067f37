"""Responses API Gateway makes itself: gateway responses, dressed by the template's own."""

from __future__ import annotations

import json
from typing import Any

from .types import ApiRequest, ApiResponse, media_type, request_parameter, static_value
from .vtl import MappingTemplateError, render_mapping_template

__all__ = ["GATEWAY_ERRORS", "gateway_response", "pick_template"]

# API Gateway's own errors: response type, default status, error type header, message.
GATEWAY_ERRORS = {
    "MISSING_AUTHENTICATION_TOKEN": (
        403, "MissingAuthenticationTokenException", "Missing Authentication Token"
    ),
    "UNAUTHORIZED": (401, "UnauthorizedException", "Unauthorized"),
    "BAD_REQUEST_BODY": (400, "BadRequestException", "Invalid request body"),
    "BAD_REQUEST_PARAMETERS": (400, "BadRequestException", "Missing required request parameters"),
    "UNSUPPORTED_MEDIA_TYPE": (415, "UnsupportedMediaTypeException", "Unsupported Media Type"),
    "REQUEST_TOO_LARGE": (413, "RequestEntityTooLargeException", "Request Too Long"),
    "THROTTLED": (429, "TooManyRequestsException", "Too Many Requests"),
    "API_CONFIGURATION_ERROR": (500, "InternalServerErrorException", "Internal server error"),
    "INTEGRATION_FAILURE": (504, "InternalServerErrorException", "Internal server error"),
    "DEFAULT_5XX": (500, "InternalServerErrorException", "Internal server error"),
}  # fmt: skip
_DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'
# "Currently, customization of the 413 REQUEST_TOO_LARGE default gateway response is not
# supported" (API Gateway developer guide, gateway response types): no template dresses it.
_NOT_CUSTOMIZABLE = {"REQUEST_TOO_LARGE"}


def pick_template(templates: dict[str, str], accept: str | None) -> str:
    """The response template's media type for the request's ``Accept`` (JSON by default)."""
    for candidate in (accept or "").split(","):
        wanted = media_type(candidate)
        if wanted in templates:
            return wanted
    return "application/json" if "application/json" in templates else next(iter(templates))


def gateway_response(
    response_type: str,
    request: ApiRequest,
    context: dict[str, Any],
    configured_responses: dict[str, dict[str, Any]],
    stage_variables: dict[str, str],
    *,
    message: str | None = None,
) -> ApiResponse:
    """API Gateway's answer of ``response_type``, as the template's GatewayResponse dresses it."""
    status, error_type, default_message = GATEWAY_ERRORS[response_type]
    message = message or default_message
    configured = configured_responses.get(response_type)
    if response_type in _NOT_CUSTOMIZABLE:
        configured = {}
    elif configured is None:
        configured = configured_responses.get("DEFAULT_4XX" if status < 500 else "DEFAULT_5XX", {})
    if configured.get("StatusCode"):
        status = int(configured["StatusCode"])
    context = {
        **context,
        "error": {
            "message": message,
            "messageString": json.dumps(message),
            "responseType": response_type,
            "validationErrorString": "",
        },
    }
    parameters = {"path": {}, "querystring": request.query, "header": request.headers}
    headers: dict[str, str] = {}
    for target, source in (configured.get("ResponseParameters") or {}).items():
        value = static_value(source)
        if value is None:
            value = request_parameter(source, parameters) or ""
        headers[target.removeprefix("gatewayresponse.header.")] = value
    templates = configured.get("ResponseTemplates") or {"application/json": _DEFAULT_TEMPLATE}
    content_type = pick_template(templates, request.header("Accept"))
    try:
        body = render_mapping_template(
            templates[content_type],
            "",
            headers=request.headers,
            query=request.query,
            stage_variables=stage_variables,
            context=context,
        )
    except MappingTemplateError:
        body = json.dumps({"message": message})
    headers.setdefault("Content-Type", content_type)
    headers["x-amzn-RequestId"] = context["requestId"]
    headers["x-amzn-ErrorType"] = error_type
    return ApiResponse(status, headers, body, gateway_response=response_type)
