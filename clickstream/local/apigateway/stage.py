"""One deployed stage of one REST API: a request goes through routing, validation, integration."""

from __future__ import annotations

import base64
import json
import logging
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ..ids import random_uuid
from ..services import AwsServices
from .integration import call_backend, integration_response, request_template
from .responses import gateway_response
from .routing import TokenBucket, bucket_for, route
from .types import ApiRequest, ApiResponse, Method, media_type
from .validation import body_is_valid, missing_parameters
from .vtl import BodyNotJsonError, MappingTemplateError, render_mapping_template

__all__ = ["ApiRequest", "ApiResponse", "LocalRestApi"]

log = logging.getLogger("clickstream.local")


def _claim(value: Any) -> str:
    """A claim as $context.authorizer.claims holds it: text (a list as its JSON)."""
    return value if isinstance(value, str) else json.dumps(value)


class LocalRestApi:
    """One deployed stage of one REST API: ``handle(ApiRequest) -> ApiResponse``."""

    def __init__(
        self,
        *,
        api_id: str,
        stage: str,
        stage_variables: dict[str, str],
        account_id: str,
        methods: dict[tuple[str, str], Method],
        gateway_responses: dict[str, dict[str, Any]],
        services: AwsServices,
        throttles: dict[tuple[str, str], TokenBucket] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.throttles = throttles or {}
        self.clock = clock  # when a request was received: $context.requestTimeEpoch
        self.api_id = api_id
        self.stage = stage
        self.stage_variables = stage_variables
        self.account_id = account_id
        self.methods = methods
        self.gateway_responses = gateway_responses
        self.services = services

    def routes(self) -> list[tuple[str, str]]:
        """(HTTP method, resource path) of every method, sorted."""
        return sorted((method, path) for path, method in self.methods)

    def handle(self, request: ApiRequest) -> ApiResponse:
        """The stage's answer; API Gateway's own 5xx if anything in the emulation fails."""
        context = self._context(request)
        try:
            return self._handle(request, context)
        except Exception as error:
            log.error("api: %s %s: %r", request.method, request.path, error)
            return self._refusal("DEFAULT_5XX", request, context)

    def refuse(
        self, request: ApiRequest, response_type: str, message: str | None = None
    ) -> ApiResponse:
        """API Gateway's answer to a request it could not read (framing, size)."""
        return self._refusal(response_type, request, self._context(request), message=message)

    def _handle(self, request: ApiRequest, context: dict[str, Any]) -> ApiResponse:
        # -- routing
        routed = route(self.methods, self.stage, request.method, request.path)
        if routed is None:
            return self._refusal("MISSING_AUTHENTICATION_TOKEN", request, context)
        method, path_params = routed
        context.update(resourcePath=method.resource_path, resourceId=method.resource_id)
        bucket = bucket_for(self.throttles, method)
        if bucket is not None and not bucket.take():
            return self._refusal("THROTTLED", request, context)

        # -- authorization: the authorizer answers before the request is validated
        if method.authorizer is not None:
            claims = method.authorizer.verify(request.header(method.authorizer.identity_header))
            if claims is None:
                return self._refusal("UNAUTHORIZED", request, context)
            context["authorizer"] = {"claims": {k: _claim(v) for k, v in claims.items()}}

        # -- validation
        parameters = {"path": path_params, "querystring": request.query, "header": request.headers}
        missing = missing_parameters(method, parameters)
        if missing:
            message = f"Missing required request parameters: [{', '.join(missing)}]"
            return self._refusal("BAD_REQUEST_PARAMETERS", request, context, message=message)
        content_type = media_type(request.header("Content-Type"))
        if method.validate_body:
            validator = method.models.get(content_type, method.models.get("$default"))
            if validator is not None and not (
                request.body_is_text and body_is_valid(request.body, validator)
            ):
                return self._refusal("BAD_REQUEST_BODY", request, context)

        # -- integration
        template, passes = request_template(method, content_type)
        if not passes:
            return self._refusal("UNSUPPORTED_MEDIA_TYPE", request, context)
        render = {
            "headers": request.headers,
            "query": request.query,
            "path": path_params,
            "stage_variables": self.stage_variables,
            "context": context,
        }
        try:
            integration_body = (
                request.body
                if template is None
                else render_mapping_template(template, request.body, **render)
            )
        except BodyNotJsonError as error:
            message = f"Could not parse request body into json: {error}"
            return self._refusal("BAD_REQUEST_BODY", request, context, message=message)
        except MappingTemplateError:
            return self._refusal("API_CONFIGURATION_ERROR", request, context)
        backend = call_backend(method, self.services, parameters, integration_body)
        if backend is None:
            return self._refusal("API_CONFIGURATION_ERROR", request, context)
        try:
            response = integration_response(method, request, backend, render)
        except MappingTemplateError:
            response = None
        return response or self._refusal("API_CONFIGURATION_ERROR", request, context)

    def _context(self, request: ApiRequest) -> dict[str, Any]:
        started = datetime.fromtimestamp(self.clock(), UTC)
        return {
            "requestId": _request_id(request),
            # API Gateway's own (base64 of 11 bytes, IJgFdG6KoAMFW0A=); no caller can set it.
            "extendedRequestId": base64.b64encode(random_uuid().bytes[:11]).decode("ascii"),
            "apiId": self.api_id,
            "accountId": self.account_id,
            "stage": self.stage,
            "httpMethod": request.method,
            "path": request.path,
            "protocol": "HTTP/1.1",
            "domainName": request.header("Host") or "127.0.0.1",
            "requestTime": started.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(started.timestamp() * 1000),
            "identity": {
                "sourceIp": request.source_ip,
                "userAgent": request.header("User-Agent") or "",
            },
        }

    def _refusal(
        self,
        response_type: str,
        request: ApiRequest,
        context: dict[str, Any],
        *,
        message: str | None = None,
    ) -> ApiResponse:
        return gateway_response(
            response_type,
            request,
            context,
            self.gateway_responses,
            self.stage_variables,
            message=message,
        )


_UUID_TEXT = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def _request_id(request: ApiRequest) -> str:
    """$context.requestId: API Gateway's, unless the caller sent a UUID as x-amzn-RequestId, which
    overrides it (the access-logging page of API Gateway's guide)."""
    claimed = (request.header("x-amzn-RequestId") or "").strip()
    return claimed if _UUID_TEXT.fullmatch(claimed) else str(random_uuid())
