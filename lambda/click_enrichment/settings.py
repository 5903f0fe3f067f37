"""The processor's tunables, read once per container from the environment."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from .lookup import parse_table_arn

# Name of each tunable's environment variable, and its default.
DEFAULTS: dict[str, float] = {
    "MYSFITS_API_TIMEOUT_SECONDS": 2.0,
    "MYSFITS_API_MAX_ATTEMPTS": 3,
    "MYSFITS_API_BACKOFF_SECONDS": 0.1,
    "MYSFITS_API_CONCURRENCY": 16,
    "MYSFITS_CACHE_TTL_SECONDS": 60.0,
    "DEADLINE_MARGIN_SECONDS": 5.0,
}


class SettingsError(ValueError):
    """The function is misconfigured; every batch would fail the same way."""


@dataclass(frozen=True)
class Settings:
    api_url: str
    table_arn: str | None
    api_timeout: float
    api_max_attempts: int
    api_backoff: float
    api_concurrency: int
    cache_ttl: float
    deadline_margin: float

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        api_url = env.get("MYSFITS_API_URL", "").strip()
        if not api_url.startswith(("http://", "https://")):
            raise SettingsError("MYSFITS_API_URL must be an http:// or https:// URL")
        table_arn = env.get("MYSFITS_TABLE_ARN", "").strip() or None
        if table_arn is not None:
            try:
                parse_table_arn(table_arn)
            except ValueError as error:
                raise SettingsError(f"MYSFITS_TABLE_ARN: {error}") from None
        return cls(
            api_url=api_url.rstrip("/"),
            table_arn=table_arn,
            api_timeout=_number(env, "MYSFITS_API_TIMEOUT_SECONDS", minimum=0.05),
            api_max_attempts=int(_number(env, "MYSFITS_API_MAX_ATTEMPTS", minimum=1, whole=True)),
            api_backoff=_number(env, "MYSFITS_API_BACKOFF_SECONDS", minimum=0.0),
            api_concurrency=int(_number(env, "MYSFITS_API_CONCURRENCY", minimum=1, whole=True)),
            cache_ttl=_number(env, "MYSFITS_CACHE_TTL_SECONDS", minimum=0.0),
            deadline_margin=_number(env, "DEADLINE_MARGIN_SECONDS", minimum=0.0),
        )


def _number(env: Mapping[str, str], name: str, *, minimum: float, whole: bool = False) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return DEFAULTS[name]
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if not math.isfinite(value) or value < minimum or (whole and not value.is_integer()):
        kind = "a whole number" if whole else "a number"
        raise SettingsError(f"{name} must be {kind} >= {minimum}, got {raw!r}")
    return value
