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
    created = cognito.admin(
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
    user = cognito.admin(
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


SITE = "http://127.0.0.1:8000"


def preflight(url: str, origin: str) -> requests.Response:
    return requests.options(
        f"{url}/",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-amz-target,x-amz-user-agent",
        },
        timeout=5,
    )


def test_browsers_may_call_it_from_the_sites_origin_only():
    stand_in = CognitoStandIn(allowed_origins=[SITE]).start()
    try:
        allowed = preflight(stand_in.url, SITE)
        foreign = preflight(stand_in.url, "http://127.0.0.1:9999")
        signed_up = requests.post(
            f"{stand_in.url}/",
            data=json.dumps({"ClientId": stand_in.client_id, "Username": "x@example.com"}),
            headers={
                "Origin": "https://evil.example",
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": "AWSCognitoIdentityProviderService.ResendConfirmationCode",
            },
            timeout=5,
        )
    finally:
        stand_in.stop()

    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == SITE
    assert "x-amz-target" in allowed.headers["Access-Control-Allow-Headers"]
    assert foreign.status_code == 403
    assert not any(name.lower().startswith("access-control-") for name in foreign.headers)
    assert not any(name.lower().startswith("access-control-") for name in signed_up.headers)


def test_the_runner_lets_its_site_call_cognito_and_no_other_origin(pipeline):
    site = pipeline.web_url.rstrip("/")

    assert preflight(pipeline.cognito.url, site).headers["Access-Control-Allow-Origin"] == site
    assert "Access-Control-Allow-Origin" not in preflight(pipeline.cognito.url, "null").headers


# Only the page's actions answer without AWS credentials -------------------------------------


def test_admin_and_management_actions_are_refused_as_unsigned_calls(cognito):
    sign_up(cognito, "ivy@example.com", confirm=False)
    pool = {"UserPoolId": cognito.user_pool_id}
    calls = {
        "ListUsers": pool,
        "AdminGetUser": {**pool, "Username": "ivy@example.com"},
        "AdminSetUserPassword": {
            **pool,
            "Username": "ivy@example.com",
            "Password": "Taken-over-1",
            "Permanent": True,
        },
        "AdminConfirmSignUp": {**pool, "Username": "ivy@example.com"},
        "AdminInitiateAuth": {
            **pool,
            "ClientId": cognito.client_id,
            "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": "ivy@example.com", "PASSWORD": PASSWORD},
        },
        "CreateUserPoolClient": {
            **pool,
            "ClientName": "mine",
            "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH"],
        },
        "DeleteUserPool": pool,
        "GetUser": {"AccessToken": "x"},
        "ForgotPassword": {"ClientId": cognito.client_id, "Username": "ivy@example.com"},
    }

    for action, params in calls.items():
        with pytest.raises(CognitoError) as refused_call:
            cognito.call(action, params)
        error = refused_call.value
        assert (error.status, error.error_type, error.message) == (
            400,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        ), action

    user = cognito.admin("AdminGetUser", {**pool, "Username": "ivy@example.com"})
    assert user["UserStatus"] == "UNCONFIRMED", "nothing the refused calls asked was done"
    assert [
        c["ClientName"] for c in cognito.admin("ListUserPoolClients", pool)["UserPoolClients"]
    ] == ["MysfitsUserPoolClient"]


def test_no_moto_session_leaves_the_srp_challenge(cognito):
    sub = sign_up(cognito, "jo@example.com")
    start = {
        "ClientId": cognito.client_id,
        "AuthFlow": "USER_SRP_AUTH",
        "AuthParameters": {
            "USERNAME": "jo@example.com",
            "SRP_A": format(secrets.randbits(3000), "x"),
        },
    }

    challenge = cognito.call("InitiateAuth", start)

    assert "Session" not in challenge
    secret_block = challenge["ChallengeParameters"]["SECRET_BLOCK"]
    skip_srp = {
        "UserPoolId": cognito.user_pool_id,
        "ClientId": cognito.client_id,
        "ChallengeName": "PASSWORD_VERIFIER",
        "Session": secret_block,
        "ChallengeResponses": {
            "USERNAME": sub,
            "PASSWORD_CLAIM_SECRET_BLOCK": secret_block,
            "PASSWORD_CLAIM_SIGNATURE": "x",
            "TIMESTAMP": "Fri Nov 27 21:00:00 UTC 2026",
        },
    }
    assert refused(lambda: cognito.call("AdminRespondToAuthChallenge", skip_srp))[0] == (
        "MissingAuthenticationTokenException"
    )
    for name in ("NEW_PASSWORD_REQUIRED", "SOFTWARE_TOKEN_MFA", "MFA_SETUP"):
        with pytest.raises(CognitoError) as other:
            cognito.call("RespondToAuthChallenge", {**skip_srp, "ChallengeName": name})
        assert (other.value.error_type, other.value.message) == (
            "NotAuthorizedException",
            "Invalid session for the user.",
        ), name


def test_custom_auth_finds_no_trigger(cognito):
    sign_up(cognito, "kit@example.com")
    custom = {
        "ClientId": cognito.client_id,
        "AuthFlow": "CUSTOM_AUTH",
        "AuthParameters": {"USERNAME": "kit@example.com"},
    }

    assert refused(lambda: cognito.call("InitiateAuth", custom)) == (
        "NotAuthorizedException",
        "Custom auth lambda trigger is not configured for the user pool.",
    )


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


# Tokens are signed with a key made at start-up, never with moto's published one ---------------


def forged_id_token(cognito, audience: str, sub: str) -> str:
    """An ID token with every claim right, signed with the private key moto publishes."""
    from joserfc import jwk, jwt
    from moto.utilities.utils import load_resource

    moto_key = jwk.RSAKey.import_key(load_resource("cognitoidp/resources/jwks-private.json"))
    now = int(time.time())
    claims = {
        "iss": cognito.issuer,
        "aud": audience,
        "sub": sub,
        "token_use": "id",
        "email": "mallory@example.com",
        "iat": now,
        "exp": now + 3600,
    }
    return jwt.encode({"alg": "RS256", "kid": "dummy"}, claims, moto_key)


def test_a_token_signed_with_motos_key_is_refused_and_a_real_one_accepted(cognito):
    sub = sign_up(cognito, "lou@example.com")
    client_id = password_client(cognito)
    issued = tokens(cognito, client_id, "lou@example.com")
    authorize = IdTokenAuthorizer(cognito.jwks(), issuer=cognito.issuer, audiences=[client_id])

    assert authorize(issued["IdToken"])["sub"] == sub
    assert authorize(forged_id_token(cognito, client_id, sub)) is None


def test_each_stand_in_makes_its_own_key(cognito):
    from moto.utilities.utils import load_resource

    moto_public = load_resource("cognitoidp/resources/jwks-public.json")["keys"][0]
    other = CognitoStandIn().start()
    try:
        theirs = other.jwks()["keys"]
    finally:
        other.stop()
    (ours,) = cognito.jwks()["keys"]

    assert ours["n"] != moto_public["n"]
    assert [key["n"] for key in theirs] != [ours["n"]]
    assert "d" not in ours, "the JWKS publishes the public half only"


def test_the_mysfits_api_refuses_a_token_signed_with_motos_key(pipeline):
    cognito = pipeline.cognito
    sub = sign_up(cognito, "max@example.com")
    forged = forged_id_token(cognito, cognito.client_id, sub)
    mysfit_id = requests.get(f"{pipeline.mysfits_api_url}/mysfits", timeout=5).json()["mysfits"][0][
        "mysfitId"
    ]

    answer = requests.post(
        f"{pipeline.mysfits_api_url}/mysfits/{mysfit_id}/like",
        headers={"Authorization": forged},
        timeout=5,
    )

    assert answer.status_code == 401
    assert answer.json() == {"message": "Unauthorized"}
