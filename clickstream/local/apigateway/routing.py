"""Routing: which method of the stage a request reaches, and the stage's throttling."""

from __future__ import annotations

import threading
import time
from typing import Any

from .types import Method

__all__ = ["TokenBucket", "route", "throttles"]


def route(
    methods: dict[tuple[str, str], Method], stage: str, http_method: str, path: str
) -> tuple[Method, dict[str, str]] | None:
    """The method a request reaches and its path parameters; None for API Gateway's 403."""
    segments = [s for s in path.split("/") if s]
    if not segments or segments[0] != stage:
        return None
    segments = segments[1:]
    best: tuple[int, Method, dict[str, str]] | None = None
    for (resource_path, candidate_method), candidate in methods.items():
        if candidate_method not in (http_method, "ANY"):
            continue
        matched = _match_path(resource_path, segments)
        if matched is None:
            continue
        # Literal path parts win over {parameters}; a named method wins over ANY.
        score = resource_path.count("{") * 2 + (candidate_method == "ANY")
        if best is None or score < best[0]:
            best = (score, candidate, matched)
    return None if best is None else (best[1], best[2])


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


class TokenBucket:
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


def throttles(method_settings: list[dict[str, Any]]) -> dict[tuple[str, str], TokenBucket]:
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
        buckets[key] = TokenBucket(
            float(setting.get("ThrottlingRateLimit", 10000)),
            float(setting.get("ThrottlingBurstLimit", 5000)),
        )
    return buckets


def bucket_for(buckets: dict[tuple[str, str], TokenBucket], method: Method) -> TokenBucket | None:
    """The method's own throttle, else the stage-wide one."""
    return buckets.get((method.resource_path, method.http_method)) or buckets.get(("/*", "*"))
