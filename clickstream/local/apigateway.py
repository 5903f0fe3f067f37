"""An API Gateway REST API stage, run locally from the template's resources.

Everything comes from the template: routes from ``AWS::ApiGateway::Resource``/``Method``, the
stage name, request validators and models, the integration's Content-Type selection,
``PassthroughBehavior``, request and response mapping templates, integration response selection,
method response headers, and the gateway responses that dress API Gateway's own errors.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from jsonschema import Draft4Validator
from jsonschema.exceptions import SchemaError

from .cfn import ResolvedTemplate, TemplateError
from .ecma_schema import EcmaDraft4Validator
from .services import AwsServices, ServiceResponse
from .vtl import BodyNotJsonError, MappingTemplateError, json_path, render_mapping_template

__all__ = ["ApiRequest", "ApiResponse", "LocalRestApi", "load_rest_api"]

# API Gateway's own errors: response type, default status, error type header, message.
_GATEWAY_ERRORS = {
    "MISSING_AUTHENTICATION_TOKEN": (
        403, "MissingAuthenticationTokenException", "Missing Authentication Token"
    ),
    "BAD_REQUEST_BODY": (400, "BadRequestException", "Invalid request body"),
    "BAD_REQUEST_PARAMETERS": (400, "BadRequestException", "Missing required request parameters"),
    "UNSUPPORTED_MEDIA_TYPE": (415, "UnsupportedMediaTypeException", "Unsupported Media Type"),
    "THROTTLED": (429, "TooManyRequestsException", "Too Many Requests"),
    "API_CONFIGURATION_ERROR": (500, "InternalServerErrorException", "Internal server error"),
    "INTEGRATION_FAILURE": (504, "InternalServerErrorException", "Internal server error"),
    "DEFAULT_5XX": (500, "InternalServerErrorException", "Internal server error"),
}  # fmt: skip
_DEFAULT_GATEWAY_TEMPLATE = '{"message":$context.error.messageString}'
_BUILT_IN_MODELS = {"Empty": {"type": "object"}, "Error": {"type": "object"}}
_URI = re.compile(r"arn:[^:]+:apigateway:[^:]*:(?P<service>[^:/]+):action/(?P<action>[^?/]+)")


@dataclass
class ApiRequest:
    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    source_ip: str = "127.0.0.1"

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


@dataclass
class ApiResponse:
    status: int
    headers: dict[str, str]
    body: str
    # Why API Gateway answered this itself (a gateway response type), for the log line.
    gateway_response: str | None = None


@dataclass
class _IntegrationResponse:
    status_code: str
    selection_pattern: str | None
    parameters: dict[str, str]
    templates: dict[str, str]


@dataclass
class _Method:
    http_method: str
    resource_path: str
    resource_id: str
    integration: dict[str, Any]
    request_templates: dict[str, str]
    responses: list[_IntegrationResponse]
    method_responses: dict[str, set[str]]
    models: dict[str, dict[str, Any]]
    validate_body: bool
    required_parameters: list[str]


class _TokenBucket:
    """Stage throttling: ``burst`` requests at once, refilled at ``rate`` per second."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self._tokens, self._last = burst, time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            return False


def _throttles(method_settings: list[dict[str, Any]]) -> dict[tuple[str, str], _TokenBucket]:
    """Token buckets by (resource path, HTTP method) from the stage's ``MethodSettings``.

    ``("/*", "*")`` is the stage-wide setting; a specific one names ``/~1clicks`` and ``PUT``.
    """
    buckets = {}
    for setting in method_settings:
        if "ThrottlingRateLimit" not in setting and "ThrottlingBurstLimit" not in setting:
            continue
        path = str(setting.get("ResourcePath", "/*")).replace("~1", "/")
        path = "/*" if path in ("/*", "//*") else path
        key = (path, str(setting.get("HttpMethod", "*")).upper())
        buckets[key] = _TokenBucket(
            float(setting.get("ThrottlingRateLimit", 10000)),
            float(setting.get("ThrottlingBurstLimit", 5000)),
        )
    return buckets


def _media_type(content_type: str | None) -> str:
    # API Gateway picks templates and models by media type; a missing one reads as JSON.
    if not content_type:
        return "application/json"
    return content_type.split(";")[0].strip().lower()


def _static(value: str) -> str | None:
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1]
    return None


class LocalRestApi:
    """One deployed stage of one REST API: ``handle(ApiRequest) -> ApiResponse``."""

    def __init__(
        self,
        *,
        api_id: str,
        stage: str,
        stage_variables: dict[str, str],
        account_id: str,
        methods: dict[tuple[str, str], _Method],
        gateway_responses: dict[str, dict[str, Any]],
        services: AwsServices,
        throttles: dict[tuple[str, str], _TokenBucket] | None = None,
    ) -> None:
        self.throttles = throttles or {}
        self.api_id = api_id
        self.stage = stage
        self.stage_variables = stage_variables
        self.account_id = account_id
        self.methods = methods
        self.gateway_responses = gateway_responses
        self.services = services

    # -- routing ----------------------------------------------------------------------------------

    def routes(self) -> list[tuple[str, str]]:
        """(HTTP method, resource path) of every method, sorted."""
        return sorted((method, path) for path, method in self.methods)

    def _route(self, method: str, path: str) -> tuple[_Method, dict[str, str]] | None:
        segments = [s for s in path.split("/") if s]
        if not segments or segments[0] != self.stage:
            return None
        segments = segments[1:]
        best: tuple[int, _Method, dict[str, str]] | None = None
        for (resource_path, http_method), candidate in self.methods.items():
            if http_method not in (method, "ANY"):
                continue
            matched = _match_path(resource_path, segments)
            if matched is None:
                continue
            score = resource_path.count("{") * 2 + (http_method == "ANY")
            if best is None or score < best[0]:
                best = (score, candidate, matched)
        return None if best is None else (best[1], best[2])

    # -- handling ---------------------------------------------------------------------------------

    def handle(self, request: ApiRequest) -> ApiResponse:
        started = datetime.now(UTC)
        context: dict[str, Any] = {
            "requestId": str(uuid.uuid4()),
            "extendedRequestId": uuid.uuid4().hex[:16],
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
        routed = self._route(request.method, request.path)
        if routed is None:
            return self._gateway_response("MISSING_AUTHENTICATION_TOKEN", request, context)
        method, path_params = routed
        context.update(resourcePath=method.resource_path, resourceId=method.resource_id)
        bucket = self.throttles.get(
            (method.resource_path, method.http_method)
        ) or self.throttles.get(("/*", "*"))
        if bucket is not None and not bucket.take():
            return self._gateway_response("THROTTLED", request, context)
        parameters = {"path": path_params, "querystring": request.query, "header": request.headers}

        missing = [p for p in method.required_parameters if not _request_parameter(p, parameters)]
        if missing:
            names = ", ".join(p.rsplit(".", 1)[-1] for p in missing)
            return self._gateway_response(
                "BAD_REQUEST_PARAMETERS",
                request,
                context,
                message=f"Missing required request parameters: [{names}]",
            )

        media_type = _media_type(request.header("Content-Type"))
        if method.validate_body:
            schema = method.models.get(media_type, method.models.get("$default"))
            if schema is not None and not _body_is_valid(request.body, schema):
                return self._gateway_response("BAD_REQUEST_BODY", request, context)

        template = method.request_templates.get(media_type)
        passthrough = method.integration.get("PassthroughBehavior", "WHEN_NO_MATCH")
        if template is None and (
            passthrough == "NEVER"
            or (passthrough == "WHEN_NO_TEMPLATES" and method.request_templates)
        ):
            return self._gateway_response("UNSUPPORTED_MEDIA_TYPE", request, context)

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
            return self._gateway_response(
                "BAD_REQUEST_BODY",
                request,
                context,
                message=f"Could not parse request body into json: {error}",
            )
        except MappingTemplateError:
            return self._gateway_response("API_CONFIGURATION_ERROR", request, context)

        kind = method.integration.get("Type")
        if kind == "MOCK":
            backend = self._mock(integration_body)
        elif kind == "AWS":
            backend = self._aws(method, parameters, integration_body)
        else:
            return self._gateway_response("API_CONFIGURATION_ERROR", request, context)
        if backend is None:
            return self._gateway_response("API_CONFIGURATION_ERROR", request, context)
        return self._integration_response(method, request, backend, render, parameters)

    def _mock(self, rendered: str) -> ServiceResponse | None:
        try:
            status = int(json.loads(rendered or '{"statusCode": 200}').get("statusCode", 200))
        except (ValueError, AttributeError, TypeError):
            return None
        return ServiceResponse(status, "")

    def _aws(
        self, method: _Method, parameters: dict[str, dict[str, str]], body: str
    ) -> ServiceResponse | None:
        match = _URI.fullmatch(str(method.integration.get("Uri", "")))
        if match is None or not self.services.supports(match["service"], match["action"]):
            return None
        headers: dict[str, str] = {}
        for target, source in (method.integration.get("RequestParameters") or {}).items():
            if target.startswith("integration.request.header."):
                value = _static(source)
                if value is None:
                    value = _request_parameter(source, parameters) or ""
                headers[target.removeprefix("integration.request.header.")] = value
        return self.services.call(match["service"], match["action"], headers, body)

    def _integration_response(
        self,
        method: _Method,
        request: ApiRequest,
        backend: ServiceResponse,
        render: dict[str, Any],
        parameters: dict[str, dict[str, str]],
    ) -> ApiResponse:
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
            return self._gateway_response("API_CONFIGURATION_ERROR", request, render["context"])
        headers: dict[str, str] = {}
        for target, source in chosen.parameters.items():
            name = target.removeprefix("method.response.header.")
            value = _static(source)
            if value is None:
                value = _integration_value(source, backend)
            if value is not None:
                headers[name] = value
        render["context"]["integration"] = {"status": backend.status}
        body = backend.body
        content_type = "application/json"
        if chosen.templates:
            content_type = _pick_template(chosen.templates, request.header("Accept"))
            template = chosen.templates[content_type]
            try:
                body = render_mapping_template(template, backend.body, **render) if template else ""
            except MappingTemplateError:
                return self._gateway_response("API_CONFIGURATION_ERROR", request, render["context"])
        headers.setdefault("Content-Type", content_type)
        headers["x-amzn-RequestId"] = render["context"]["requestId"]
        return ApiResponse(int(chosen.status_code), headers, body)

    def _gateway_response(
        self,
        response_type: str,
        request: ApiRequest,
        context: dict[str, Any],
        *,
        message: str | None = None,
    ) -> ApiResponse:
        status, error_type, default_message = _GATEWAY_ERRORS[response_type]
        message = message or default_message
        configured = self.gateway_responses.get(response_type)
        if configured is None:
            configured = self.gateway_responses.get(
                "DEFAULT_4XX" if status < 500 else "DEFAULT_5XX", {}
            )
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
        parameters = {
            "path": {},
            "querystring": request.query,
            "header": request.headers,
        }
        headers: dict[str, str] = {}
        for target, source in (configured.get("ResponseParameters") or {}).items():
            name = target.removeprefix("gatewayresponse.header.")
            value = _static(source)
            if value is None:
                value = _request_parameter(source, parameters) or ""
            headers[name] = value
        templates = configured.get("ResponseTemplates") or {
            "application/json": _DEFAULT_GATEWAY_TEMPLATE
        }
        content_type = _pick_template(templates, request.header("Accept"))
        try:
            body = render_mapping_template(
                templates[content_type],
                "",
                headers=request.headers,
                query=request.query,
                stage_variables=self.stage_variables,
                context=context,
            )
        except MappingTemplateError:
            body = json.dumps({"message": message})
        headers.setdefault("Content-Type", content_type)
        headers["x-amzn-RequestId"] = context["requestId"]
        headers["x-amzn-ErrorType"] = error_type
        return ApiResponse(status, headers, body, gateway_response=response_type)


def _match_path(resource_path: str, segments: list[str]) -> dict[str, str] | None:
    parts = [p for p in resource_path.split("/") if p]
    params: dict[str, str] = {}
    for index, part in enumerate(parts):
        if part.startswith("{") and part.endswith("+}"):
            if index >= len(segments):
                return None
            params[part[1:-2]] = "/".join(segments[index:])
            return params
        if index >= len(segments):
            return None
        if part.startswith("{") and part.endswith("}"):
            params[part[1:-1]] = segments[index]
        elif part != segments[index]:
            return None
    return params if len(parts) == len(segments) else None


def _request_parameter(source: str, parameters: dict[str, dict[str, str]]) -> str | None:
    """``method.request.{path,querystring,header}.NAME`` from the request, if present."""
    match = re.fullmatch(r"method\.request\.(path|querystring|header)\.(.+)", source)
    if not match:
        return None
    kind, name = match.groups()
    values = parameters.get(kind, {})
    if kind == "header":
        return next((v for k, v in values.items() if k.lower() == name.lower()), None)
    return values.get(name)


def _integration_value(source: str, backend: ServiceResponse) -> str | None:
    if source.startswith("integration.response.header."):
        name = source.removeprefix("integration.response.header.").lower()
        return next((v for k, v in backend.headers.items() if k.lower() == name), None)
    if source == "integration.response.body":
        return backend.body
    if source.startswith("integration.response.body."):
        try:
            value = json_path(json.loads(backend.body), "$." + source.split(".", 3)[3])
        except (ValueError, MappingTemplateError):
            return None
        return None if value is None else (value if isinstance(value, str) else json.dumps(value))
    return None


def _pick_template(templates: dict[str, str], accept: str | None) -> str:
    for candidate in (accept or "").split(","):
        media_type = _media_type(candidate)
        if media_type in templates:
            return media_type
    return "application/json" if "application/json" in templates else next(iter(templates))


def _body_is_valid(body: str, schema: dict[str, Any]) -> bool:
    try:
        document = json.loads(body) if body.strip() else {}
    except ValueError:
        return False
    return EcmaDraft4Validator(schema).is_valid(document)


# -- loading from the template -------------------------------------------------------------------


def _by_name(template: ResolvedTemplate, resource_type: str, api_id: str) -> dict[str, dict]:
    """Resources of one type that belong to the API, keyed by what ``Ref`` gives for them."""
    return {
        template.physical_name(logical_id): properties
        for logical_id, properties in template.of_type(resource_type)
        if properties.get("RestApiId") == api_id
    }


def load_rest_api(template: ResolvedTemplate, services: AwsServices) -> LocalRestApi:
    """The template's one REST API at its stage; TemplateError if the template lacks one."""
    apis = list(template.of_type("AWS::ApiGateway::RestApi"))
    if len(apis) != 1:
        raise TemplateError(f"template has {len(apis)} AWS::ApiGateway::RestApi, expected 1")
    api_logical_id, _ = apis[0]
    api_id = template.physical_name(api_logical_id)
    root_id = template.get_att(api_logical_id, "RootResourceId")

    stages = list(_by_name(template, "AWS::ApiGateway::Stage", api_id).values())
    deployments = _by_name(template, "AWS::ApiGateway::Deployment", api_id).values()
    stage_names = [s.get("StageName") for s in stages] + [d.get("StageName") for d in deployments]
    stage_names = [name for name in stage_names if name]
    if not stage_names:
        raise TemplateError("template has no AWS::ApiGateway::Stage for its REST API")
    stage = str(stage_names[0])
    stage_variables = next((s.get("Variables") or {} for s in stages), {})
    method_settings = next((s.get("MethodSettings") or [] for s in stages), [])

    resources = _by_name(template, "AWS::ApiGateway::Resource", api_id)
    paths: dict[str, str] = {root_id: "/"}

    def path_of(resource_id: str, seen: frozenset[str] = frozenset()) -> str:
        if resource_id in paths:
            return paths[resource_id]
        if resource_id not in resources or resource_id in seen:
            raise TemplateError(f"API resource {resource_id} has no parent in the template")
        properties = resources[resource_id]
        parent = path_of(str(properties.get("ParentId")), seen | {resource_id})
        paths[resource_id] = parent.rstrip("/") + "/" + str(properties.get("PathPart"))
        return paths[resource_id]

    validators = _by_name(template, "AWS::ApiGateway::RequestValidator", api_id)
    models = {
        name: properties
        for name, properties in _by_name(template, "AWS::ApiGateway::Model", api_id).items()
    }
    # A method may name a model by its Name property as well as by Ref.
    models.update({str(p["Name"]): p for p in list(models.values()) if p.get("Name")})

    methods: dict[tuple[str, str], _Method] = {}
    for properties in _by_name(template, "AWS::ApiGateway::Method", api_id).values():
        resource_id = str(properties.get("ResourceId"))
        path = path_of(resource_id)
        http_method = str(properties.get("HttpMethod", "")).upper()
        where = f"{http_method} {path}"
        if properties.get("AuthorizationType", "NONE") != "NONE":
            raise TemplateError(f"{where}: only AuthorizationType NONE is served locally")
        integration = properties.get("Integration") or {}
        if integration.get("Type") not in ("MOCK", "AWS"):
            raise TemplateError(f"{where}: integration type {integration.get('Type')} is not local")
        method_responses = {
            str(r.get("StatusCode")): {
                key.removeprefix("method.response.header.")
                for key in (r.get("ResponseParameters") or {})
            }
            for r in properties.get("MethodResponses") or []
        }
        responses = []
        for r in integration.get("IntegrationResponses") or []:
            response = _IntegrationResponse(
                status_code=str(r.get("StatusCode")),
                selection_pattern=r.get("SelectionPattern") or None,
                parameters={k: str(v) for k, v in (r.get("ResponseParameters") or {}).items()},
                templates={
                    k.lower(): str(v) for k, v in (r.get("ResponseTemplates") or {}).items()
                },
            )
            # API Gateway refuses to deploy what these two checks catch.
            if response.status_code not in method_responses:
                raise TemplateError(
                    f"{where}: integration response {response.status_code} has no method response"
                )
            undeclared = {
                k.removeprefix("method.response.header.") for k in response.parameters
            } - method_responses[response.status_code]
            if undeclared:
                raise TemplateError(
                    f"{where}: response headers {sorted(undeclared)} are not in the method response"
                )
            responses.append(response)
        request_models = {}
        for content_type, model_name in (properties.get("RequestModels") or {}).items():
            if str(model_name) in _BUILT_IN_MODELS:
                schema: Any = _BUILT_IN_MODELS[str(model_name)]
            elif str(model_name) in models:
                schema = models[str(model_name)].get("Schema", {})
            else:
                raise TemplateError(f"{where}: request model {model_name} is not in the template")
            if isinstance(schema, str):
                try:
                    schema = json.loads(schema)
                except ValueError as error:
                    raise TemplateError(f"{where}: model schema is not JSON ({error})") from None
            try:
                Draft4Validator.check_schema(schema)
            except SchemaError as error:
                raise TemplateError(f"{where}: model schema is invalid ({error.message})") from None
            request_models[content_type.lower()] = schema
        validator_id = properties.get("RequestValidatorId")
        validator = validators.get(str(validator_id)) if validator_id else None
        if validator_id and validator is None:
            raise TemplateError(f"{where}: request validator {validator_id} is not in the template")
        validator = validator or {}
        required = (
            [k for k, v in (properties.get("RequestParameters") or {}).items() if v is True]
            if validator.get("ValidateRequestParameters")
            else []
        )
        methods[(path, http_method)] = _Method(
            http_method=http_method,
            resource_path=path,
            resource_id=resource_id,
            integration=integration,
            request_templates={
                k.lower(): str(v) for k, v in (integration.get("RequestTemplates") or {}).items()
            },
            responses=responses,
            method_responses=method_responses,
            models=request_models,
            validate_body=bool(validator.get("ValidateRequestBody")),
            required_parameters=required,
        )
    if not methods:
        raise TemplateError("template's REST API has no AWS::ApiGateway::Method")

    gateway_responses = {
        str(p.get("ResponseType")): p
        for p in _by_name(template, "AWS::ApiGateway::GatewayResponse", api_id).values()
    }
    return LocalRestApi(
        api_id=api_id,
        stage=stage,
        stage_variables={k: str(v) for k, v in stage_variables.items()},
        account_id=template.pseudo["AWS::AccountId"],
        methods=methods,
        gateway_responses=gateway_responses,
        services=services,
        throttles=_throttles(method_settings),
    )
