"""Integration: the request mapping template, the backend call, the integration response."""

from __future__ import annotations

import json
import re
from typing import Any

from ..services import AwsServices, ServiceResponse
from .responses import pick_template
from .types import ApiRequest, ApiResponse, Method, request_parameter, static_value
from .vtl import MappingTemplateError, json_path, render_mapping_template

__all__ = ["call_backend", "integration_response", "request_template"]

_URI = re.compile(r"arn:[^:]+:apigateway:[^:]*:(?P<service>[^:/]+):action/(?P<action>[^?/]+)")


def request_template(method: Method, media_type: str) -> tuple[str | None, bool]:
    """The request's mapping template and whether the request may pass (``PassthroughBehavior``).

    ``(None, False)``: no template matches and passthrough forbids sending the body as it is (415).
    """
    template = method.request_templates.get(media_type)
    passthrough = method.integration.get("PassthroughBehavior", "WHEN_NO_MATCH")
    refused = template is None and (
        passthrough == "NEVER" or (passthrough == "WHEN_NO_TEMPLATES" and method.request_templates)
    )
    return template, not refused


def call_backend(
    method: Method, services: AwsServices, parameters: dict[str, dict[str, str]], body: str
) -> ServiceResponse | None:
    """The backend's answer to the rendered integration request; None if it cannot be called."""
    kind = method.integration.get("Type")
    if kind == "MOCK":
        return _mock(body)
    if kind == "AWS":
        return _aws(method, services, parameters, body)
    return None


def _mock(rendered: str) -> ServiceResponse | None:
    try:
        status = int(json.loads(rendered or '{"statusCode": 200}').get("statusCode", 200))
    except (ValueError, AttributeError, TypeError, RecursionError):
        return None
    return ServiceResponse(status, "")


def _aws(
    method: Method, services: AwsServices, parameters: dict[str, dict[str, str]], body: str
) -> ServiceResponse | None:
    match = _URI.fullmatch(str(method.integration.get("Uri", "")))
    if match is None or not services.supports(match["service"], match["action"]):
        return None
    headers: dict[str, str] = {}
    for target, source in (method.integration.get("RequestParameters") or {}).items():
        if target.startswith("integration.request.header."):
            value = static_value(source)
            if value is None:
                value = request_parameter(source, parameters) or ""
            headers[target.removeprefix("integration.request.header.")] = value
    return services.call(match["service"], match["action"], headers, body)


def integration_response(
    method: Method, request: ApiRequest, backend: ServiceResponse, render: dict[str, Any]
) -> ApiResponse | None:
    """The method's answer from the backend's, by ``SelectionPattern`` on its status code.

    None when no integration response matches (API Gateway answers that with a 500 of its own).
    Raises ``MappingTemplateError`` when the response template fails.
    """
    status_text = str(backend.status)
    chosen = next(
        (
            r
            for r in method.responses
            if r.selection_pattern and re.fullmatch(r.selection_pattern, status_text, re.S)
        ),
        None,
    ) or next((r for r in method.responses if not r.selection_pattern), None)
    if chosen is None:
        return None
    headers: dict[str, str] = {}
    for target, source in chosen.parameters.items():
        value = static_value(source)
        if value is None:
            value = _integration_value(source, backend)
        if value is not None:
            headers[target.removeprefix("method.response.header.")] = value
    render["context"]["integration"] = {"status": backend.status}
    body = backend.body
    content_type = "application/json"
    if chosen.templates:
        content_type = pick_template(chosen.templates, request.header("Accept"))
        template = chosen.templates[content_type]
        body = render_mapping_template(template, backend.body, **render) if template else ""
    headers.setdefault("Content-Type", content_type)
    headers["x-amzn-RequestId"] = render["context"]["requestId"]
    return ApiResponse(int(chosen.status_code), headers, body)


def _integration_value(source: str, backend: ServiceResponse) -> str | None:
    if source.startswith("integration.response.header."):
        name = source.removeprefix("integration.response.header.").lower()
        return next((v for k, v in backend.headers.items() if k.lower() == name), None)
    if source == "integration.response.body":
        return backend.body
    if source.startswith("integration.response.body."):
        try:
            value = json_path(json.loads(backend.body), "$." + source.split(".", 3)[3])
        except (ValueError, RecursionError, MappingTemplateError):
            return None
        return None if value is None else (value if isinstance(value, str) else json.dumps(value))
    return None
