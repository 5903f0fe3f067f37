"""Fixtures for the Firehose click processor: the Mysfits stand-in with injectable trouble, fresh
handler state, AWS env."""

from __future__ import annotations

import importlib
import io
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).parent
for path in (HERE, HERE.parents[1] / "lambda"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from fake_mysfits_api import FakeMysfitsApi  # noqa: E402
from processor_helpers import Processor  # noqa: E402

from tests.fake_aws import use_fake_credentials  # noqa: E402


@pytest.fixture
def mysfits_api() -> Iterator[FakeMysfitsApi]:
    with FakeMysfitsApi() as api:
        yield api


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and a region, so boto3 can only ever talk to moto."""
    use_fake_credentials(monkeypatch, "us-east-1")


@pytest.fixture
def processor_for(monkeypatch: pytest.MonkeyPatch, aws_env: None) -> Callable[..., Processor]:
    """Builds the handler's container state afresh for one API URL and settings."""

    def build(api_url: str, **env: str) -> Processor:
        monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "clickstream-processor")
        monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "MysfitsClickStream")
        monkeypatch.setenv("MYSFITS_API_URL", api_url)
        monkeypatch.delenv("MYSFITS_TABLE_ARN", raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        module = importlib.import_module("processor")
        monkeypatch.setattr(module, "_resolver", None)
        monkeypatch.setattr(module, "_settings", None)
        logs = io.StringIO()
        monkeypatch.setattr(module.logger.registered_handler, "stream", logs)
        return Processor(module, logs)

    return build


@pytest.fixture
def processor(processor_for: Callable[..., Processor], mysfits_api: FakeMysfitsApi) -> Processor:
    return processor_for(mysfits_api.url)
