"""The processor's settings come from the environment, with defaults and checks."""

from __future__ import annotations

import pytest
from click_enrichment.settings import Settings, SettingsError


def test_defaults() -> None:
    settings = Settings.from_env({"MYSFITS_API_URL": "https://api.example.com/prod/"})

    assert settings == Settings(
        api_url="https://api.example.com/prod",
        table_arn=None,
        api_timeout=2.0,
        api_max_attempts=3,
        api_backoff=0.1,
        api_concurrency=16,
        cache_ttl=60.0,
        deadline_margin=5.0,
    )


def test_every_tunable_has_a_variable() -> None:
    settings = Settings.from_env(
        {
            "MYSFITS_API_URL": "http://127.0.0.1:8080",
            "MYSFITS_TABLE_ARN": "arn:aws:dynamodb:eu-west-1:123456789012:table/MysfitsTable",
            "MYSFITS_API_TIMEOUT_SECONDS": "0.5",
            "MYSFITS_API_MAX_ATTEMPTS": "5",
            "MYSFITS_API_BACKOFF_SECONDS": "0",
            "MYSFITS_API_CONCURRENCY": "4",
            "MYSFITS_CACHE_TTL_SECONDS": "0",
            "DEADLINE_MARGIN_SECONDS": "10",
        }
    )

    assert (settings.table_arn, settings.api_timeout, settings.api_max_attempts) == (
        "arn:aws:dynamodb:eu-west-1:123456789012:table/MysfitsTable",
        0.5,
        5,
    )
    assert (settings.api_backoff, settings.api_concurrency, settings.cache_ttl) == (0.0, 4, 0.0)
    assert settings.deadline_margin == 10.0


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"MYSFITS_API_URL": "api.example.com"},
        {"MYSFITS_API_URL": "ftp://api.example.com"},
        {"MYSFITS_API_URL": "https://a", "MYSFITS_API_CONCURRENCY": "0"},
        {"MYSFITS_API_URL": "https://a", "MYSFITS_API_CONCURRENCY": "2.5"},
        {"MYSFITS_API_URL": "https://a", "MYSFITS_API_TIMEOUT_SECONDS": "fast"},
        {"MYSFITS_API_URL": "https://a", "MYSFITS_CACHE_TTL_SECONDS": "-1"},
        {"MYSFITS_API_URL": "https://a", "DEADLINE_MARGIN_SECONDS": "inf"},
        {"MYSFITS_API_URL": "https://a", "MYSFITS_TABLE_ARN": "MysfitsTable"},
        {"MYSFITS_API_URL": "https://a", "MYSFITS_TABLE_ARN": "arn:aws:s3:::MysfitsTable"},
    ],
)
def test_misconfiguration_is_refused(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError):
        Settings.from_env(env)
