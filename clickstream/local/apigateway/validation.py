"""Validation: required request parameters and the request body against its model.

API Gateway answers whatever its model check cannot read (a body that is not JSON, nested
deeper than a parser goes, not UTF-8) exactly as it answers a body that fails the model: 400
with the ``BAD_REQUEST_BODY`` gateway response. No body can make the check itself fail.
"""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft4Validator

from .ecma_schema import EcmaDraft4Validator
from .types import Method, request_parameter

__all__ = ["body_is_valid", "missing_parameters", "model_validator", "parse_body"]

_UNREADABLE = object()


def missing_parameters(method: Method, parameters: dict[str, dict[str, str]]) -> list[str]:
    """Names of the method's required request parameters the request lacks."""
    return [
        p.rsplit(".", 1)[-1]
        for p in method.required_parameters
        if not request_parameter(p, parameters)
    ]


def parse_body(body: str) -> Any:
    """The body as JSON (an empty body reads as ``{}``); ``_UNREADABLE`` if it cannot be read."""
    if not body.strip():
        return {}
    try:
        return json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        return _UNREADABLE


def _refuse_constant(name: str) -> Any:
    # NaN and Infinity are not JSON (RFC 8259); Python's parser alone accepts them.
    raise ValueError(f"{name} is not JSON")


def model_validator(schema: dict[str, Any]) -> Draft4Validator:
    """The model's validator, built once per model (the schema is checked when it is loaded)."""
    return EcmaDraft4Validator(schema)


def body_is_valid(body: str, validator: Draft4Validator) -> bool:
    """Whether the body parses as JSON and satisfies the model (a draft-4 JSON Schema)."""
    document = parse_body(body)
    if document is _UNREADABLE:
        return False
    try:
        return validator.is_valid(document)
    except RecursionError:
        return False
