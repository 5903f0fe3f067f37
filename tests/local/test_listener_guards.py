"""What the local listeners refuse to a caller that is not the page: an action moto would read
from elsewhere than X-Amz-Target, a Host that is not this machine (DNS rebinding), and a browser
of another origin on the DynamoDB listener."""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest

from clickstream.local import LocalPipeline
from clickstream.local.cognito import CognitoStandIn
from clickstream.standins.mysfits import CATALOG as MYSFITS

from .conftest import REPOSITORY

PASSWORD = "Adopt-a-Mysfit-7"
TARGET = "AWSCognitoIdentityProviderService."
UNSIGNED = (400, "MissingAuthenticationTokenException")


@pytest.fixture
def cognito() -> Iterator[CognitoStandIn]:
    stand_in = CognitoStandIn().start()
    yield stand_in
    stand_in.stop()


def raw_call(
    url: str,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request(method, path, body, headers or {})
        answer = connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        connection.close()


def cognito_call(
    cognito: CognitoStandIn, target: str, params: dict, *, path: str = "/", **headers: str
) -> tuple[int, dict]:
    status, _, payload = raw_call(
        cognito.url,
        "POST",
        path,
        json.dumps(params).encode(),
        {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": TARGET + target, **headers},
    )
    return status, json.loads(payload or b"{}")


def signed_up(cognito: CognitoStandIn, email: str) -> str:
    answer = cognito.call(
        "SignUp", {"ClientId": cognito.client_id, "Username": email, "Password": PASSWORD}
    )
    return answer["UserSub"]


# The Cognito stand-in: the action is the one X-Amz-Target names, and moto runs only that ------


@pytest.mark.parametrize("action", ["ListUsers", "AdminConfirmSignUp", "AdminSetUserPassword"])
def test_an_action_in_the_query_string_is_refused(cognito: CognitoStandIn, action: str) -> None:
    # GIVEN a user, and a call whose target is a page action but whose query string names another
    signed_up(cognito, "ivy@example.com")
    params = {
        "ClientId": cognito.client_id,
        "UserPoolId": cognito.user_pool_id,
        "Username": "ivy@example.com",
        "Password": "Taken-over-1",
        "Permanent": True,
        "AuthFlow": "REFRESH_TOKEN_AUTH",
        "AuthParameters": {"REFRESH_TOKEN": "x"},
    }

    # WHEN it is sent
    status, answer = cognito_call(cognito, "InitiateAuth", params, path=f"/?Action={action}")

    # THEN it is refused as an unsigned call, and nothing was done
    assert (status, answer.get("__type")) == UNSIGNED
    user = cognito.admin(
        "AdminGetUser", {"UserPoolId": cognito.user_pool_id, "Username": "ivy@example.com"}
    )
    assert user["UserStatus"] == "UNCONFIRMED"


def test_an_action_smuggled_in_a_json_value_is_not_run(cognito: CognitoStandIn) -> None:
    # GIVEN a user, and a refresh whose token is text that reads as a query string naming ListUsers
    signed_up(cognito, "ivy@example.com")
    params = {
        "ClientId": cognito.client_id,
        "UserPoolId": cognito.user_pool_id,
        "AuthFlow": "REFRESH_TOKEN_AUTH",
        "AuthParameters": {"REFRESH_TOKEN": "&Action=ListUsers&"},
    }

    # WHEN it is sent
    status, answer = cognito_call(cognito, "InitiateAuth", params)

    # THEN moto ran the refresh (refused: no such token), never ListUsers
    assert "Users" not in answer
    assert "ivy@example.com" not in json.dumps(answer)
    assert (status, answer.get("__type")) == (400, "NotAuthorizedException")


def test_an_action_header_is_not_run(cognito: CognitoStandIn) -> None:
    signed_up(cognito, "ivy@example.com")
    status, _, payload = raw_call(
        cognito.url,
        "POST",
        "/",
        b"",
        {"X-Amz-Target": TARGET + "GlobalSignOut", "Action": "ListUsers"},
    )

    assert b"ivy@example.com" not in payload
    assert status == 400


# Every listener of the runner answers only 127.0.0.1 and localhost ------------------------------


@pytest.fixture
def listeners(start_pipeline: Callable[..., LocalPipeline]) -> dict[str, tuple[str, str]]:
    """Each listener's URL and a path it answers 2xx for its own host."""
    pipeline = start_pipeline(web_dir=REPOSITORY / "web")
    assert pipeline.cognito is not None
    api = urlsplit(pipeline.api_url)
    return {
        "site": (pipeline.web_url, "/index.html"),
        "clicks API": (pipeline.api_url, f"{api.path}/clicks"),
        "Mysfits API": (pipeline.mysfits_api_url, "/mysfits"),
        "Firehose API": (pipeline.firehose_url, "/"),
        "Cognito": (
            pipeline.cognito.url,
            f"/{pipeline.cognito.user_pool_id}/.well-known/jwks.json",
        ),
        "DynamoDB": (pipeline.aws_endpoint_url, "/"),
    }


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1.evil.example"])
def test_no_listener_answers_another_host(listeners, host: str) -> None:
    for name, (url, path) in listeners.items():
        port = urlsplit(url).port
        status, headers, payload = raw_call(
            url, "GET", path, headers={"Host": host.format(port=port), "Origin": "http://evil"}
        )
        assert status == 421, (name, status, payload[:200])
        assert not any(k.startswith("access-control-") for k in headers), name
        assert headers.get("connection") == "close", name


def test_every_listener_answers_its_own_host(listeners) -> None:
    for name, (url, path) in listeners.items():
        port = urlsplit(url).port
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", "LOCALHOST", "127.0.0.1"):
            status, _, _ = raw_call(url, "GET", path, headers={"Host": host})
            assert status != 421, (name, host)


# The DynamoDB listener: SDK calls only, and no page of any origin may call it -------------------


def test_no_page_may_write_the_fallback_table(start_pipeline: Callable[..., LocalPipeline]) -> None:
    import boto3

    # GIVEN the runner's DynamoDB, holding the Mysfits table
    pipeline = start_pipeline()
    url = pipeline.aws_endpoint_url
    client = boto3.client(
        "dynamodb",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    key = {"MysfitId": {"S": MYSFITS[0]["mysfitId"]}}
    before = client.get_item(TableName="MysfitsTable", Key=key)["Item"]
    update = {
        "TableName": "MysfitsTable",
        "Key": key,
        "UpdateExpression": "SET #n = :v",
        "ExpressionAttributeNames": {"#n": "Name"},
        "ExpressionAttributeValues": {":v": {"S": "Owned"}},
    }
    evil = {"Origin": "https://evil.example", "Content-Type": "text/plain"}

    # WHEN a page of another site asks for a preflight, and sends what a browser sends unasked
    preflight = raw_call(
        url,
        "OPTIONS",
        "/",
        headers={
            "Origin": "https://evil.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-amz-target",
        },
    )
    query = raw_call(url, "POST", "/?Action=UpdateItem", json.dumps(update).encode(), evil)
    form = raw_call(url, "POST", "/", b"Action=UpdateItem&TableName=MysfitsTable", evil)

    # THEN nothing allows that origin, every call is refused, and the table is as it was
    for status, headers, _ in (preflight, query, form):
        assert not any(k.startswith("access-control-") for k in headers), headers
        assert status >= 400
    assert client.get_item(TableName="MysfitsTable", Key=key)["Item"] == before


def test_an_sdk_call_with_a_smuggled_action_runs_its_own(
    start_pipeline: Callable[..., LocalPipeline],
) -> None:
    pipeline = start_pipeline()
    body = {"TableName": "MysfitsTable", "Limit": 1, "ExclusiveStartTableName": "&Action=X&"}
    status, _, payload = raw_call(
        pipeline.aws_endpoint_url,
        "POST",
        "/",
        json.dumps(body).encode(),
        {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810.ListTables",
        },
    )

    assert status == 200, payload
    assert "TableNames" in json.loads(payload)
