"""Cognito's JSON protocol over WSGI: a request's body read within the local servers' limit,
answers and errors written as Cognito writes them, and the request moto's server is handed."""

from __future__ import annotations

import json
import secrets
from io import BytesIO
from typing import Any
from urllib.parse import urlencode

from clickstream.http.servers import MAX_BODY_BYTES

from .exceptions import CognitoError

TARGET_PREFIX = "AWSCognitoIdentityProviderService."

# What moto is given of the caller's headers: the host and the credential scope (the region).
_FORWARDED_HEADERS = frozenset({"HTTP_HOST", "HTTP_AUTHORIZATION", "HTTP_X_AMZ_DATE"})


def _moto_environ(environ: dict[str, Any], action: str, body: bytes) -> dict[str, Any]:
    """The request moto sees: the action this layer decided, and nothing moto could read another
    action from. moto takes ``Action`` from a form body, then the query string, then a body that
    parses as a query string (a JSON value holding ``&Action=ListUsers&`` does), then any header
    before it reads ``X-Amz-Target``: here the query string names the action itself, the body is
    JSON, and only the headers moto needs are passed on."""
    forwarded = {
        key: value
        for key, value in environ.items()
        if not key.startswith("HTTP_") or key in _FORWARDED_HEADERS
    }
    forwarded.update(
        {
            "wsgi.input": BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/x-amz-json-1.1",
            "QUERY_STRING": urlencode({"Action": action}) if action else "",
            "RAW_URI": environ.get("PATH_INFO", "/"),
            "REQUEST_URI": environ.get("PATH_INFO", "/"),
        }
    )
    if action:
        forwarded["HTTP_X_AMZ_TARGET"] = TARGET_PREFIX + action
    return forwarded


_REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    413: "Payload Too Large",
    500: "Internal Server Error",
}


def _json_response(status: int, value: Any, headers: list[tuple[str, str]]):
    payload = json.dumps(value).encode()
    kept = [(k, v) for k, v in headers if k.lower() != "content-length"]
    return status, [*kept, ("Content-Length", str(len(payload)))], payload


def _read_body(environ: dict[str, Any]) -> bytes:
    """The request's body, within the local servers' limit; CognitoError if it cannot be read."""
    raw = environ.get("CONTENT_LENGTH") or "0"
    if not (raw.isascii() and raw.isdigit()):
        raise CognitoError("SerializationException", "bad Content-Length")
    if int(raw) > MAX_BODY_BYTES:
        raise CognitoError("SerializationException", "body too large", 413)
    return environ["wsgi.input"].read(int(raw))


def _error_response(error: CognitoError):
    headers = [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("x-amzn-ErrorType", f"{error.error_type}:"),
        ("x-amzn-RequestId", secrets.token_hex(16)),
    ]
    return _json_response(
        error.status, {"__type": error.error_type, "message": error.message}, headers
    )
