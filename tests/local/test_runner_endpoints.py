"""What only the local runner serves, under /_local/ on its site's port: its description, and
the confirmation codes sent to addresses no one can own."""

from __future__ import annotations

import json

import pytest
import requests

from .conftest import REPOSITORY


@pytest.fixture
def pipeline(start_pipeline):
    return start_pipeline(web_dir=REPOSITORY / "web")


def sign_up(pipeline, email: str) -> None:
    pipeline.cognito.call(
        "SignUp",
        {
            "ClientId": pipeline.cognito.client_id,
            "Username": email,
            "Password": "Correct-Horse-1!",
            "UserAttributes": [{"Name": "email", "Value": email}],
        },
    )


def test_the_runner_describes_itself_and_its_endpoints(pipeline):
    answer = requests.get(f"{pipeline.web_url}_local/runner.json", timeout=10)

    assert answer.status_code == 200
    assert "Access-Control-Allow-Origin" not in answer.headers
    described = answer.json()
    assert described["runner"] == "clickstream.local"
    assert described["site"] == pipeline.web_url
    assert described["streamingApiEndpoint"] == pipeline.api_url
    assert described["mysfitsApiEndpoint"] == pipeline.mysfits_api_url
    assert described["cognitoEndpoint"] == f"{pipeline.cognito.url}/"
    assert described["cognitoUserPoolId"] == pipeline.cognito.user_pool_id
    assert described["cognitoUserPoolClientId"] == pipeline.cognito.client_id
    assert described["signedInClicks"] is True
    assert described["bucketDir"] == str(pipeline.bucket_dir.resolve())
    # The template's default stage throttling (ThrottlingRateLimit).
    assert described["clicksPerSecond"] == 50


def test_the_outbox_gives_the_last_code_sent_to_an_invalid_address(pipeline):
    sign_up(pipeline, "visitor-1@simulate.invalid")
    pipeline.cognito.call(
        "ResendConfirmationCode",
        {"ClientId": pipeline.cognito.client_id, "Username": "visitor-1@simulate.invalid"},
    )

    answer = requests.get(f"{pipeline.web_url}_local/outbox/visitor-1@simulate.invalid", timeout=10)

    assert answer.status_code == 200
    sent = pipeline.cognito.codes["visitor-1@simulate.invalid"]
    assert len(sent) == 2
    assert answer.json() == {"email": "visitor-1@simulate.invalid", "code": sent[1]}


def test_the_outbox_keeps_codes_for_real_looking_addresses_in_the_log_only(pipeline):
    sign_up(pipeline, "someone@example.com")

    answer = requests.get(f"{pipeline.web_url}_local/outbox/someone@example.com", timeout=10)

    assert answer.status_code == 403
    assert pipeline.cognito.codes["someone@example.com"][0] not in answer.text


def test_the_outbox_says_when_no_code_was_sent(pipeline):
    answer = requests.get(f"{pipeline.web_url}_local/outbox/nobody@simulate.invalid", timeout=10)

    assert answer.status_code == 404
    assert json.loads(answer.text)["message"] == (
        "no confirmation code was sent to nobody@simulate.invalid"
    )


def test_other_local_paths_are_not_found(pipeline):
    answer = requests.get(f"{pipeline.web_url}_local/anything", timeout=10)

    assert answer.status_code == 404
