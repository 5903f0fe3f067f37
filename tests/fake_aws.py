"""Fake AWS credentials for tests, so that boto3 can only ever talk to moto."""

from __future__ import annotations

import pytest


def use_fake_credentials(monkeypatch: pytest.MonkeyPatch, region: str) -> None:
    """Credentials moto accepts and AWS never would, and ``region`` as the default."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
    }.items():
        monkeypatch.setenv(name, value)
