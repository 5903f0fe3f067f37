"""JSON Schema draft 4 as API Gateway applies a model: `pattern` is an ECMA-262 regular
expression (JSON Schema says so), not Python's `re`, whose `$` also matches before a final
newline. regress is the ECMA-262 engine the jsonschema project itself uses for `format: regex`."""

from __future__ import annotations

import functools
from typing import Any

import regress
from jsonschema import Draft4Validator, ValidationError, validators

__all__ = ["EcmaDraft4Validator", "ecma_search"]


@functools.lru_cache(maxsize=256)
def _compiled(pattern: str) -> regress.Regex:
    return regress.Regex(pattern)


def ecma_search(pattern: str, text: str) -> bool:
    """Whether `pattern` matches somewhere in `text`, with ECMA-262 semantics (unanchored)."""
    return _compiled(pattern).find(text) is not None


def _pattern(validator: Any, pattern: str, instance: Any, schema: dict) -> Any:
    if validator.is_type(instance, "string") and not ecma_search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


EcmaDraft4Validator = validators.extend(Draft4Validator, {"pattern": _pattern})
