"""The Cognito stand-in the local runner serves, and the ID-token check in front of like and adopt.

The stand-in is spoken to over HTTP in Cognito's JSON protocol, as the page and the SDKs do. The
page's own sign-in (SRP with AWS's client library) is proven in the browser, in test_account.py.
"""

from __future__ import annotations

import base64
import json
import secrets
import time

import pytest
import requests

from clickstream.local.cognito import CognitoError, CognitoStandIn, IdTokenAuthorizer

PASSWORD = "Adopt-a-Mysfit-7"


@pytest.fixture
def cognito():
    stand_in = CognitoStandIn().start()
    yield stand_in
    stand_in.stop()


def sign_up(cognito, email: str, *, confirm: bool = True) -> str:
    answer = cognito.call(
        "SignUp", {"ClientId": cognito.client_id, "Username": email, "Password": PASSWORD}
    )
    if confirm:
        cognito.call(
            "ConfirmSignUp",
            {
                "ClientId": cognito.client_id,
                "Username": email,
                "ConfirmationCode": cognito.last_code(email),
            },
        )
    return answer["UserSub"]


def password_client(cognito) -> str:
    """A second app client that allows USER_PASSWORD_AUTH, to get tokens without SRP."""
    created = cognito.call(
        "CreateUserPoolClient",
        {
            "UserPoolId": cognito.user_pool_id,
            "ClientName": "password-client",
            "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        },
    )
    return created["UserPoolClient"]["ClientId"]


def tokens(cognito, client_id: str, email: str) -> dict:
    answer = cognito.call(
        "InitiateAuth",
        {
            "ClientId": client_id,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": email, "PASSWORD": PASSWORD},
        },
    )
    return answer["AuthenticationResult"]


def refused(call) -> tuple[str, str]:
    with pytest.raises(CognitoError) as error:
        call()
    return error.value.error_type, error.value.message


# The stand-in behaves like Cognito where moto does not -------------------------------------


def test_sign_up_sends_a_code_by_e_mail_and_only_that_code_confirms(cognito):
    answer = cognito.call(
        "SignUp",
        {"ClientId": cognito.client_id, "Username": "ana@example.com", "Password": PASSWORD},
    )
    assert answer["UserConfirmed"] is False
    assert answer["CodeDeliveryDetails"] == {
        "Destination": "a***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    code = cognito.last_code("ana@example.com")
    assert len(code) == 6 and code.isdigit()

    wrong = str((int(code) + 1) % 10**6).zfill(6)
    confirm = {"ClientId": cognito.client_id, "Username": "ana@example.com"}
    assert (
        refused(lambda: cognito.call("ConfirmSignUp", {**confirm, "ConfirmationCode": wrong}))[0]
        == "CodeMismatchException"
    )
    cognito.call("ConfirmSignUp", {**confirm, "ConfirmationCode": code})
    kind, message = refused(
        lambda: cognito.call("ConfirmSignUp", {**confirm, "ConfirmationCode": code})
    )
    assert (kind, message) == (
        "NotAuthorizedException",
        "User cannot be confirmed. Current status is CONFIRMED",
    )
    user = cognito.call(
        "AdminGetUser", {"UserPoolId": cognito.user_pool_id, "Username": "ana@example.com"}
    )
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert user["UserStatus"] == "CONFIRMED"
    assert attributes["email"] == "ana@example.com"
    assert attributes["email_verified"] == "true"


def test_a_new_code_replaces_the_old_one(cognito):
    sign_up(cognito, "hal@example.com", confirm=False)
    first = cognito.last_code("hal@example.com")
    request = {"ClientId": cognito.client_id, "Username": "hal@example.com"}

    answer = cognito.call("ResendConfirmationCode", request)
    second = cognito.last_code("hal@example.com")

    assert answer["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    assert cognito.codes["hal@example.com"] == [first, second]
    if first != second:
        kind, _ = refused(
            lambda: cognito.call("ConfirmSignUp", {**request, "ConfirmationCode": first})
        )
        assert kind == "CodeMismatchException"
    cognito.call("ConfirmSignUp", {**request, "ConfirmationCode": second})
    kind, message = refused(lambda: cognito.call("ResendConfirmationCode", request))
    assert (kind, message) == ("InvalidParameterException", "User is already confirmed.")
    unknown = {**request, "Username": "nobody@example.com"}
    assert refused(lambda: cognito.call("ResendConfirmationCode", unknown))[0] == (
        "UserNotFoundException"
    )


def test_the_app_client_allows_srp_but_not_the_password_flow(cognito):
    sign_up(cognito, "ben@example.com")

    kind, message = refused(lambda: tokens(cognito, cognito.client_id, "ben@example.com"))

    assert kind == "InvalidParameterException"
    assert message == "USER_PASSWORD_AUTH flow not enabled for this client"


def test_srp_challenge_is_real_and_a_wrong_proof_is_refused(cognito):
    sub = sign_up(cognito, "cy@example.com")
    large_a = format(secrets.randbits(3000) | 1, "x")

    challenge = cognito.call(
        "InitiateAuth",
        {
            "ClientId": cognito.client_id,
            "AuthFlow": "USER_SRP_AUTH",
            "AuthParameters": {"USERNAME": "cy@example.com", "SRP_A": large_a},
        },
    )
    parameters = challenge["ChallengeParameters"]
    assert challenge["ChallengeName"] == "PASSWORD_VERIFIER"
    assert parameters["USER_ID_FOR_SRP"] == sub
    assert base64.b64decode(parameters["SECRET_BLOCK"], validate=True)
    assert int(parameters["SRP_B"], 16).bit_length() > 3000, "B is g^b + kv mod a 3072-bit N"

    kind, message = refused(
        lambda: cognito.call(
            "RespondToAuthChallenge",
            {
                "ClientId": cognito.client_id,
                "ChallengeName": "PASSWORD_VERIFIER",
                "ChallengeResponses": {
                    "USERNAME": sub,
                    "PASSWORD_CLAIM_SECRET_BLOCK": parameters["SECRET_BLOCK"],
                    "PASSWORD_CLAIM_SIGNATURE": base64.b64encode(b"\0" * 32).decode(),
                    "TIMESTAMP": "Fri Nov 27 21:00:00 UTC 2026",
                },
            },
        )
    )
    assert (kind, message) == ("NotAuthorizedException", "Incorrect username or password.")


def test_srp_a_that_is_zero_mod_n_is_refused(cognito):
    sign_up(cognito, "dee@example.com")

    kind, _ = refused(
        lambda: cognito.call(
            "InitiateAuth",
            {
                "ClientId": cognito.client_id,
                "AuthFlow": "USER_SRP_AUTH",
                "AuthParameters": {"USERNAME": "dee@example.com", "SRP_A": "0"},
            },
        )
    )

    assert kind == "InvalidParameterException"


def test_browsers_may_call_it_from_any_origin(cognito):
    answer = requests.options(
        f"{cognito.url}/",
        headers={
            "Origin": "http://127.0.0.1:8000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-amz-target,x-amz-user-agent",
        },
        timeout=5,
    )

    assert answer.status_code == 200
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "x-amz-target" in answer.headers["Access-Control-Allow-Headers"]


# The authorizer: what API Gateway's Cognito authorizer accepts -------------------------------


def test_an_id_token_of_the_pool_for_the_client_is_accepted(cognito):
    sub = sign_up(cognito, "eve@example.com")
    client_id = password_client(cognito)
    issued = tokens(cognito, client_id, "eve@example.com")
    authorize = IdTokenAuthorizer(cognito.jwks(), issuer=cognito.issuer, audiences=[client_id])

    claims = authorize(issued["IdToken"])

    assert authorize(f"Bearer {issued['IdToken']}") == claims
    assert claims is not None
    assert claims["sub"] == sub
    assert claims["email"] == "eve@example.com"


@pytest.mark.parametrize("value", [None, "", "   ", "not-a-token", "Bearer abc.def.ghi"])
def test_no_token_or_garbage_is_refused(cognito, value):
    assert cognito.authorizer()(value) is None


def tampered(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    return f"{header}.{forged}.{signature}"


def test_what_the_authorizer_refuses(cognito):
    sign_up(cognito, "fay@example.com")
    client_id = password_client(cognito)
    issued = tokens(cognito, client_id, "fay@example.com")
    jwks = cognito.jwks()

    def authorizer(**overrides):
        options = {"issuer": cognito.issuer, "audiences": [client_id], **overrides}
        return IdTokenAuthorizer(jwks, **options)

    assert authorizer()(issued["IdToken"]) is not None
    assert authorizer()(tampered(issued["IdToken"])) is None, "signature"
    assert authorizer()(issued["AccessToken"]) is None, "token_use must be id"
    assert cognito.authorizer()(issued["IdToken"]) is None, "audience: another app client"
    other_pool = cognito.issuer.rsplit("/", 1)[0] + "/us-east-1_Other123"
    assert authorizer(issuer=other_pool)(issued["IdToken"]) is None, "issuer"
    an_hour_on = time.time() + 3601
    assert authorizer(now=lambda: an_hour_on)(issued["IdToken"]) is None, "expiry"


# The local Mysfits API checks the token on like and adopt ----------------------------------


def test_like_and_adopt_answer_401_without_a_valid_id_token(pipeline):
    cognito = pipeline.cognito
    sign_up(cognito, "gus@example.com")
    foreign = tokens(cognito, password_client(cognito), "gus@example.com")["IdToken"]
    catalog = requests.get(f"{pipeline.mysfits_api_url}/mysfits", timeout=5).json()
    mysfit_id = catalog["mysfits"][0]["mysfitId"]
    # The catalog lists six fields; likes and adoption are on the full item.
    before = requests.get(f"{pipeline.mysfits_api_url}/mysfits/{mysfit_id}", timeout=5).json()

    for action in ("like", "adopt"):
        url = f"{pipeline.mysfits_api_url}/mysfits/{mysfit_id}/{action}"
        for headers in ({}, {"Authorization": foreign}, {"Authorization": "x.y.z"}):
            answer = requests.post(url, headers=headers, timeout=5)
            assert answer.status_code == 401, (action, headers)
            assert answer.json() == {"message": "Unauthorized"}

    after = requests.get(f"{pipeline.mysfits_api_url}/mysfits/{mysfit_id}", timeout=5).json()
    assert int(after["likes"]) == int(before["likes"])
    assert after["adopted"] is before["adopted"] is False
