"""DynamoDB for the processor's fallback: moto's server, with the Mysfits table seeded.

The processor's AWS SDK calls go to ``AWS_ENDPOINT_URL``: locally that is moto's server, which
answers DynamoDB as the service does (``GetItem``, ``ResourceNotFoundException``...). The table
named by the template's table ARN holds the catalog as the workshop's table holds it, so with the
Mysfits API down the fallback still enriches clicks.
"""

from __future__ import annotations

import logging
from typing import Any

from clickstream.standins.mysfits import CATALOG, create_table_request, table_item

from .cfn import LocalRunnerError
from .wsgi import BackgroundWsgiServer

__all__ = ["LocalDynamoDB", "catalog_as_table_items"]

# The SDK signs with these locally; moto maps them to its default account.
_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}


def catalog_as_table_items(base_url: str) -> list[dict]:
    """The Mysfits catalog as the workshop table's items, from the shared Mysfits contract."""
    return [table_item(mysfit, base_url) for mysfit in CATALOG]


class LocalDynamoDB:
    """moto's server on ``host`` (a free port); ``url`` once started."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        try:
            from moto.moto_server.werkzeug_app import create_backend_app
        except ImportError:
            raise LocalRunnerError(
                "moto's server is not installed (the processor's DynamoDB stands on it); "
                "install it with: python -m pip install -r requirements-test.txt"
            ) from None
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        # DynamoDB only (no /moto-api/), read by the local servers' rules.
        self._server = BackgroundWsgiServer(create_backend_app("dynamodb"), host, 0, "dynamodb")
        self.url = ""

    def start(self) -> str:
        self._server.start()
        self.url = f"http://{self._server.host}:{self._server.port}"
        return self.url

    def create_table(self, region: str, name: str, items: list[dict[str, Any]]) -> None:
        """The workshop's table ``name`` in ``region``, holding ``items`` (and nothing else).

        moto keeps its tables per process, not per server: a table left by an earlier server in
        this process is replaced.
        """
        import boto3

        client = boto3.client("dynamodb", endpoint_url=self.url, region_name=region, **_CREDENTIALS)
        if name in client.list_tables()["TableNames"]:
            client.delete_table(TableName=name)
        client.create_table(**create_table_request(name))
        for item in items:
            client.put_item(TableName=name, Item=item)

    def stop(self) -> None:
        self._server.stop()
        self.url = ""
