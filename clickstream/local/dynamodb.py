"""DynamoDB for the processor's fallback: moto's server, with the Mysfits table seeded.

The processor's AWS SDK calls go to ``AWS_ENDPOINT_URL``: locally that is moto's server, which
answers DynamoDB as the service does (``GetItem``, ``ResourceNotFoundException``...). The table
named by the template's table ARN holds the catalog as the workshop's table holds it, so with the
Mysfits API down the fallback still enriches clicks.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from .cfn import LocalRunnerError
from .mysfits import CATALOG_FILE

__all__ = ["LocalDynamoDB", "catalog_as_table_items"]

# The workshop table's key and the indexes its filters query.
_KEY = "MysfitId"
_INDEXES = ("GoodEvil", "LawChaos")
# The SDK signs with these locally; moto maps them to its default account.
_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}


def catalog_as_table_items(base_url: str, catalog_file: Path = CATALOG_FILE) -> list[dict]:
    """The Mysfits catalog as the workshop table's items, in DynamoDB's attribute-value JSON.

    The one place the local table is seeded from: ``MysfitId, Name, Species, Description,
    Age (N), GoodEvil, LawChaos, ThumbImageUri, ProfileImageUri, Likes (N), Adopted (BOOL)``.
    """
    items = []
    for mysfit in json.loads(Path(catalog_file).read_text(encoding="utf-8")):
        image = f"{base_url.rstrip('/')}/images/{mysfit['mysfitId']}.svg"
        items.append(
            {
                "MysfitId": {"S": mysfit["mysfitId"]},
                "Name": {"S": mysfit["name"]},
                "Species": {"S": mysfit["species"]},
                "Description": {"S": mysfit["description"]},
                "Age": {"N": str(mysfit["age"])},
                "GoodEvil": {"S": mysfit["goodevil"]},
                "LawChaos": {"S": mysfit["lawchaos"]},
                "ThumbImageUri": {"S": image},
                "ProfileImageUri": {"S": image},
                "Likes": {"N": str(mysfit["likes"])},
                "Adopted": {"BOOL": bool(mysfit["adopted"])},
            }
        )
    return items


class LocalDynamoDB:
    """moto's server on ``host`` (a free port); ``url`` once started."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        try:
            from moto.server import ThreadedMotoServer
        except ImportError:
            raise LocalRunnerError(
                "moto's server is not installed (the processor's DynamoDB stands on it); "
                "install it with: python -m pip install -r requirements-test.txt"
            ) from None
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server = ThreadedMotoServer(ip_address=host, port=0, verbose=False)
        self.url = ""

    def start(self) -> str:
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
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
        attributes = [_KEY, *_INDEXES]
        client.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": _KEY, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in attributes],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": f"{index}Index",
                    "KeySchema": [
                        {"AttributeName": index, "KeyType": "HASH"},
                        {"AttributeName": _KEY, "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
                for index in _INDEXES
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        for item in items:
            client.put_item(TableName=name, Item=item)

    def stop(self) -> None:
        if self.url:
            self._server.stop()
            self.url = ""
