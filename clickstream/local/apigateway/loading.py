"""Loading: a stage built from the template's API Gateway resources.

API Gateway refuses to deploy what the checks here catch; the runner refuses it too, in one line.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from jsonschema import Draft4Validator
from jsonschema.exceptions import SchemaError

from ..cloudformation import ResolvedTemplate, TemplateError
from ..services import AwsServices
from .routing import throttles
from .stage import LocalRestApi
from .types import IntegrationResponse, Method, UserPoolAuthorizer, VerifyToken
from .validation import model_validator

__all__ = ["load_rest_api"]

_BUILT_IN_MODELS = {"Empty": {"type": "object"}, "Error": {"type": "object"}}


def _by_name(template: ResolvedTemplate, resource_type: str, api_id: str) -> dict[str, dict]:
    """Resources of one type that belong to the API, keyed by what ``Ref`` gives for them."""
    return {
        template.physical_name(logical_id): properties
        for logical_id, properties in template.of_type(resource_type)
        if properties.get("RestApiId") == api_id
    }


_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")


def with_stage_variables(text: str, where: str, stage_variables: Mapping[str, Any]) -> str:
    """``text`` with each ``${stageVariables.<name>}`` replaced by the stage's value, as API
    Gateway reads a Cognito authorizer's user pool ARN on each request."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in stage_variables:
            raise TemplateError(f"{where}: the stage has no variable {name}")
        return str(stage_variables[name])

    return _STAGE_VARIABLE.sub(value, text)


def _authorizer(
    where: str,
    method: dict[str, Any],
    authorizers: dict[str, dict],
    user_pools: Mapping[str, VerifyToken],
    stage_variables: Mapping[str, Any],
) -> UserPoolAuthorizer | None:
    """The method's Cognito user-pool authorizer; None for AuthorizationType NONE."""
    kind = method.get("AuthorizationType", "NONE")
    if kind == "NONE":
        return None
    if kind != "COGNITO_USER_POOLS":
        raise TemplateError(f"{where}: AuthorizationType {kind} is not served locally")
    authorizer = authorizers.get(str(method.get("AuthorizerId")))
    if authorizer is None or authorizer.get("Type") != "COGNITO_USER_POOLS":
        raise TemplateError(f"{where}: its authorizer is not a COGNITO_USER_POOLS authorizer")
    source = str(authorizer.get("IdentitySource", ""))
    if not source.startswith("method.request.header."):
        raise TemplateError(f"{where}: the authorizer's IdentitySource must be a header")
    pools = [
        with_stage_variables(str(arn), where, stage_variables)
        for arn in authorizer.get("ProviderARNs") or []
    ]
    known = [user_pools[arn] for arn in pools if arn in user_pools]
    if not known:
        raise TemplateError(f"{where}: no local user pool for {', '.join(pools) or 'no ARN'}")

    def verify(token: str | None) -> Mapping[str, Any] | None:
        # A token of any of the authorizer's pools is good.
        return next((claims for check in known if (claims := check(token)) is not None), None)

    return UserPoolAuthorizer(source.removeprefix("method.request.header."), verify)


def load_rest_api(
    template: ResolvedTemplate,
    services: AwsServices,
    user_pools: Mapping[str, VerifyToken] | None = None,
    clock: Callable[[], float] = time.time,
) -> LocalRestApi:
    """The template's one REST API at its stage; TemplateError if the template lacks one.

    ``user_pools`` verifies ID tokens of each user pool ARN a Cognito authorizer names;
    ``clock`` dates each request it receives."""
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
    authorizers = _by_name(template, "AWS::ApiGateway::Authorizer", api_id)
    models = {
        name: properties
        for name, properties in _by_name(template, "AWS::ApiGateway::Model", api_id).items()
    }
    # A method may name a model by its Name property as well as by Ref.
    models.update({str(p["Name"]): p for p in list(models.values()) if p.get("Name")})

    methods: dict[tuple[str, str], Method] = {}
    for properties in _by_name(template, "AWS::ApiGateway::Method", api_id).values():
        resource_id = str(properties.get("ResourceId"))
        path = path_of(resource_id)
        http_method = str(properties.get("HttpMethod", "")).upper()
        where = f"{http_method} {path}"
        authorizer = _authorizer(where, properties, authorizers, user_pools or {}, stage_variables)
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
            response = IntegrationResponse(
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
            request_models[content_type.lower()] = model_validator(schema)
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
        methods[(path, http_method)] = Method(
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
            authorizer=authorizer,
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
        throttles=throttles(method_settings),
        clock=clock,
    )
