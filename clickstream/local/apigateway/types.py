"""What a deployed stage is made of, and what goes in and out of it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft4Validator


@dataclass
class ApiRequest:
    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    source_ip: str = "127.0.0.1"
    # False when the body's bytes were not UTF-8 (``body`` then holds replacement characters).
    body_is_text: bool = True

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers.items():
            if key.lower() == name:
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
class IntegrationResponse:
    status_code: str
    selection_pattern: str | None
    parameters: dict[str, str]
    templates: dict[str, str]


@dataclass
class Method:
    http_method: str
    resource_path: str
    resource_id: str
    integration: dict[str, Any]
    request_templates: dict[str, str]
    responses: list[IntegrationResponse]
    method_responses: dict[str, set[str]]
    # Request models by media type, each compiled once into a draft-4 validator.
    models: dict[str, Draft4Validator]
    validate_body: bool
    required_parameters: list[str]
    # A COGNITO_USER_POOLS authorizer: the token's header, and what proves a token (its claims,
    # or None for 401). None when the method's AuthorizationType is NONE.
    authorizer: UserPoolAuthorizer | None = None


# The Authorization header's value -> the ID token's claims, or None when it proves nothing.
VerifyToken = Callable[[str | None], Mapping[str, Any] | None]


@dataclass(frozen=True)
class UserPoolAuthorizer:
    identity_header: str
    verify: VerifyToken


def media_type(content_type: str | None) -> str:
    """API Gateway picks templates and models by media type; a missing one reads as JSON."""
    if not content_type:
        return "application/json"
    return content_type.split(";")[0].strip().lower()


def static_value(value: str) -> str | None:
    """A quoted literal (``'value'``) in a parameter mapping, unquoted; None for a reference."""
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1]
    return None


def request_parameter(source: str, parameters: dict[str, dict[str, str]]) -> str | None:
    """``method.request.{path,querystring,header}.NAME`` from the request, if present."""
    kind, _, name = source.removeprefix("method.request.").partition(".")
    if not source.startswith("method.request.") or kind not in parameters or not name:
        return None
    values = parameters[kind]
    if kind == "header":
        name = name.lower()
        return next((v for k, v in values.items() if k.lower() == name), None)
    return values.get(name)
