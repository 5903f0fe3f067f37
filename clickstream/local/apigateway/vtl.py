"""API Gateway mapping templates, rendered with a real Velocity engine (airspeed).

The variables follow the API Gateway developer guide ("Mapping template reference"):

- ``$input.body``, ``$input.json(path)`` (JSON text), ``$input.path(path)`` (an object),
  ``$input.params()`` / ``$input.params(name)`` (path, then query string, then header);
- ``$util.escapeJavaScript``, ``base64Encode``, ``base64Decode``, ``parseJson``, ``urlEncode``,
  ``urlDecode``;
- ``$context`` and ``$stageVariables``.

Objects read from JSON print the way Java's Velocity prints them: a map as ``{a=1, b=x}``, a list as
``[1, 2]``, booleans as ``true``/``false`` (not JSON, as in API Gateway). JSONPath is the subset
API Gateway templates use in practice: ``$``, ``$.a.b``, ``$['a']``, ``$.a[0]``.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any
from urllib.parse import quote_plus, unquote_plus

import airspeed

__all__ = ["BodyNotJsonError", "MappingTemplateError", "json_path", "render_mapping_template"]


class MappingTemplateError(Exception):
    """The template does not parse, or evaluating it fails (API Gateway answers 500)."""


class BodyNotJsonError(MappingTemplateError):
    """The template read the body as JSON and it is not (API Gateway answers 400)."""


class JavaMap(dict):
    """A JSON object as Velocity sees it: prints like ``java.util.Map.toString()``."""

    def __str__(self) -> str:
        return "{" + ", ".join(f"{k}={_java_str(v)}" for k, v in self.items()) + "}"

    __repr__ = __str__

    def size(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:
        return not self

    def keySet(self) -> list:
        return JavaList(self.keys())

    def containsKey(self, key: Any) -> bool:
        return key in self

    def put(self, key: Any, value: Any) -> Any:
        previous = dict.get(self, key)
        self[key] = value
        return previous

    def toString(self) -> str:
        return str(self)


class JavaList(list):
    """A JSON array as Velocity sees it: prints like ``java.util.List.toString()``."""

    def __str__(self) -> str:
        return "[" + ", ".join(_java_str(v) for v in self) + "]"

    __repr__ = __str__

    def size(self) -> int:
        return len(self)

    def isEmpty(self) -> bool:
        return not self

    def contains(self, value: Any) -> bool:
        return value in self

    def add(self, value: Any) -> bool:
        self.append(value)
        return True

    def get(self, index: int) -> Any:
        return self[index]


class JavaBoolean:
    """A JSON boolean: truthy like Python's, prints ``true``/``false`` like Java's."""

    __slots__ = ("value",)

    def __init__(self, value: bool) -> None:
        self.value = bool(value)

    def __bool__(self) -> bool:
        return self.value

    def __eq__(self, other: object) -> bool:
        if isinstance(other, JavaBoolean):
            return self.value == other.value
        if isinstance(other, bool):
            return self.value == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.value)

    def __str__(self) -> str:
        return "true" if self.value else "false"

    __repr__ = __str__


def _java_str(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _to_velocity(value: Any) -> Any:
    if isinstance(value, dict):
        return JavaMap((k, _to_velocity(v)) for k, v in value.items())
    if isinstance(value, list):
        return JavaList(_to_velocity(v) for v in value)
    if isinstance(value, bool):
        return JavaBoolean(value)
    return value


def _to_json(value: Any) -> Any:
    if isinstance(value, JavaBoolean):
        return value.value
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    return value


_MISSING = object()
_PATH_TOKEN = re.compile(
    r"""\.(?P<name>[A-Za-z_$][\w$-]*)           # .name
      | \[\s*'(?P<sq>(?:[^'\\]|\\.)*)'\s*\]    # ['name']
      | \[\s*"(?P<dq>(?:[^"\\]|\\.)*)"\s*\]    # ["name"]
      | \[\s*(?P<index>-?\d+)\s*\]             # [0]
    """,
    re.VERBOSE,
)


def json_path(document: Any, path: str) -> Any:
    """Evaluate the JSONPath subset API Gateway templates use; a missing member gives ``None``."""
    path = path.strip()
    if not path.startswith("$"):
        raise MappingTemplateError(f"JSONPath must start with '$': {path!r}")
    position, current = 1, document
    while position < len(path):
        match = _PATH_TOKEN.match(path, position)
        if not match:
            raise MappingTemplateError(f"unsupported JSONPath {path!r} at {path[position:]!r}")
        position = match.end()
        if current is _MISSING:
            continue
        if match.group("index") is not None:
            index = int(match.group("index"))
            current = (
                current[index]
                if isinstance(current, list) and -len(current) <= index < len(current)
                else _MISSING
            )
            continue
        key = match.group("name")
        if key is None:
            quoted = match.group("sq") if match.group("sq") is not None else match.group("dq")
            key = re.sub(r"\\(.)", r"\1", quoted)
        current = current.get(key, _MISSING) if isinstance(current, dict) else _MISSING
    return None if current is _MISSING else current


class _Input:
    """``$input``: the request (or integration response) body and the request parameters."""

    def __init__(self, body: str, params: dict[str, dict[str, str]]) -> None:
        self.body = body
        self._params = params
        self._parsed: Any = _MISSING

    def _document(self) -> Any:
        if self._parsed is _MISSING:
            # An empty body reads as an empty object, as in API Gateway.
            if not self.body.strip():
                self._parsed = {}
            else:
                try:
                    self._parsed = json.loads(self.body)
                except (ValueError, RecursionError) as error:
                    raise BodyNotJsonError(f"body is not JSON: {error}") from error
        return self._parsed

    def json(self, path: str) -> str:
        value = json_path(self._document(), str(path))
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def path(self, path: str) -> Any:
        return _to_velocity(json_path(self._document(), str(path)))

    def params(self, name: str | None = None) -> Any:
        if name is None:
            return JavaMap((kind, JavaMap(values)) for kind, values in self._params.items())
        name = str(name)
        for kind in ("path", "querystring"):
            if name in self._params.get(kind, {}):
                return self._params[kind][name]
        for header, value in self._params.get("header", {}).items():
            if header.lower() == name.lower():
                return value
        return ""


def escape_javascript(text: Any) -> str:
    """Apache Commons Lang ``escapeJavaScript``: the function API Gateway's ``$util`` exposes."""
    out: list[str] = []
    raw = str(text).encode("utf-16-be")
    for i in range(0, len(raw), 2):
        code = int.from_bytes(raw[i : i + 2], "big")
        char = chr(code) if code < 0xD800 or code > 0xDFFF else ""
        if code > 0x7F:
            out.append(f"\\u{code:04X}")
        elif code < 0x20:
            named = {0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r"}
            out.append(named.get(code, f"\\u{code:04X}"))
        elif char in "'\"\\/":
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


class _Util:
    """``$util``."""

    @staticmethod
    def escapeJavaScript(text: Any) -> str:
        return escape_javascript(text)

    @staticmethod
    def base64Encode(text: Any) -> str:
        return base64.b64encode(str(text).encode("utf-8")).decode("ascii")

    @staticmethod
    def base64Decode(text: Any) -> str:
        try:
            return base64.b64decode(str(text), validate=True).decode("utf-8")
        except ValueError as error:
            raise MappingTemplateError(f"base64Decode: {error}") from error

    @staticmethod
    def parseJson(text: Any) -> Any:
        try:
            return _to_velocity(json.loads(str(text)))
        except ValueError as error:
            raise MappingTemplateError(f"parseJson: {error}") from error

    @staticmethod
    def urlEncode(text: Any) -> str:
        # java.net.URLEncoder: space as '+', only A-Z a-z 0-9 . - * _ left alone.
        return quote_plus(str(text), safe="*").replace("~", "%7E")

    @staticmethod
    def urlDecode(text: Any) -> str:
        return unquote_plus(str(text))


_TEMPLATE_CACHE: dict[str, airspeed.Template] = {}


def _compiled(template: str) -> airspeed.Template:
    compiled = _TEMPLATE_CACHE.get(template)
    if compiled is None:
        compiled = airspeed.Template(template)
        try:
            compiled.ensure_compiled()
        except airspeed.TemplateSyntaxError as error:
            raise MappingTemplateError(f"template does not parse: {error}") from error
        if len(_TEMPLATE_CACHE) > 256:
            _TEMPLATE_CACHE.clear()
        _TEMPLATE_CACHE[template] = compiled
    return compiled


def render_mapping_template(
    template: str,
    body: str,
    *,
    headers: dict | None = None,
    query: dict | None = None,
    path: dict | None = None,
    stage_variables: dict | None = None,
    context: dict | None = None,
) -> str:
    """Render an API Gateway mapping template against a request body and its parameters.

    Raises :class:`MappingTemplateError` when the template does not parse or fails to evaluate
    (for example ``$input.json`` on a body that is not JSON).
    """
    if "$" not in template and "#" not in template:
        return template  # no reference and no directive: Velocity renders the text as it is
    params = {
        "path": dict(path or {}),
        "querystring": dict(query or {}),
        "header": dict(headers or {}),
    }
    namespace = {
        "input": _Input(body, params),
        "util": _Util(),
        "context": _to_velocity(_to_json(context or {})),
        "stageVariables": _to_velocity(dict(stage_variables or {})),
    }
    try:
        return _compiled(template).merge(namespace)
    except MappingTemplateError:
        raise
    except Exception as error:  # airspeed wraps what a template's function raised
        cause: BaseException = error
        while cause.__cause__ is not None and not isinstance(cause, MappingTemplateError):
            cause = cause.__cause__
        if isinstance(cause, MappingTemplateError):
            raise type(cause)(str(cause)) from error
        raise MappingTemplateError(f"{type(cause).__name__}: {cause}") from error
