"""DynamoDB for the processor's fallback: moto's server, with the Mysfits table seeded.

The processor's AWS SDK calls go to ``AWS_ENDPOINT_URL``: locally that is moto's server, which
answers DynamoDB as the service does (``GetItem``, ``ResourceNotFoundException``...). The table
named by the template's table ARN holds the catalog as the workshop's table holds it, so with the
Mysfits API down the fallback still enriches clicks.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from clickstream.http.servers import LocalRunnerError
from clickstream.http.wsgi import BackgroundWsgiServer
from clickstream.standins.mysfits import CATALOG, create_table_request, table_item

from .cloudformation import ResolvedTemplate

__all__ = ["LocalDynamoDB", "SdkCallsOnly", "catalog_as_table_items"]

# The SDK signs with these locally; moto maps them to its default account.
_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}


TARGET_PREFIX = "DynamoDB_20120810."
_UNKNOWN_OPERATION = json.dumps(
    {"__type": "com.amazon.coral.service#UnknownOperationException"}
).encode()


class SdkCallsOnly:
    """WSGI app in front of moto's DynamoDB: only what an AWS SDK sends reaches it.

    moto's server answers CORS for any origin and takes the action from a query string, a body
    that reads as one, or a header before ``X-Amz-Target``: a page of any site could then write
    the table with a request a browser sends without asking (``text/plain``, no custom header).
    Here the action is ``X-Amz-Target``'s (a header a page can set only after a preflight, which
    is refused: the page never calls DynamoDB), a query string is refused, moto is given that
    action and nothing else to read one from, and no answer carries CORS headers.
    """

    def __init__(self, moto_app: Any) -> None:
        self._moto = moto_app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        action = target.removeprefix(TARGET_PREFIX)
        if (
            environ.get("REQUEST_METHOD") != "POST"
            or environ.get("QUERY_STRING")
            or not target.startswith(TARGET_PREFIX)
            or not action.isalpha()
        ):
            start_response(
                "400 Bad Request",
                [
                    ("Content-Type", "application/x-amz-json-1.0"),
                    ("Content-Length", str(len(_UNKNOWN_OPERATION))),
                ],
            )
            return [_UNKNOWN_OPERATION]
        forwarded = {
            key: value
            for key, value in environ.items()
            if not key.startswith("HTTP_") or key in _FORWARDED_HEADERS
        }
        forwarded.update(
            CONTENT_TYPE="application/x-amz-json-1.0",
            QUERY_STRING=urlencode({"Action": action}),
            RAW_URI=environ.get("PATH_INFO", "/"),
            REQUEST_URI=environ.get("PATH_INFO", "/"),
            HTTP_X_AMZ_TARGET=target,
        )

        def without_cors(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            kept = [(k, v) for k, v in headers if not k.lower().startswith("access-control-")]
            return start_response(status, kept, *exc_info)

        return self._moto(forwarded, without_cors)


# What moto is given of the caller's headers: the host, and the credential scope (the region).
_FORWARDED_HEADERS = frozenset({"HTTP_HOST", "HTTP_AUTHORIZATION", "HTTP_X_AMZ_DATE"})


_TABLE_ARN = re.compile(r"arn:[^:]+:dynamodb:(?P<region>[^:]+):[0-9]{12}:table/(?P<name>[^/]+)")


def parameter_tables(template: ResolvedTemplate) -> list[tuple[str, str]]:
    """(region, table name) of every DynamoDB table ARN among the template's parameters."""
    return sorted(
        {
            (match["region"], match["name"])
            for value in template.parameters.values()
            if (match := _TABLE_ARN.fullmatch(str(value)))
        }
    )


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
        # DynamoDB only (no /moto-api/), read by the local servers' rules, SDK calls only.
        app = SdkCallsOnly(create_backend_app("dynamodb"))
        self._server = BackgroundWsgiServer(app, host, 0, "dynamodb")
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
