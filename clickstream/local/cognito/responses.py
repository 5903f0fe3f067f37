"""The wire: Cognito's JSON protocol in front of moto's server, where moto is not Cognito."""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from clickstream.http.servers import printable

from .exceptions import UNSIGNED, CognitoError
from .protocol import (
    _REASONS,
    TARGET_PREFIX,
    _error_response,
    _json_response,
    _moto_environ,
    _read_body,
)
from .srp import Challenge, G, N, SrpVerifier
from .tokens import TokenSigner, claims_of

__all__ = ["PAGE_ACTIONS", "TRUSTED", "FaithfulCognito"]

log = logging.getLogger("clickstream.local")

# A client without ExplicitAuthFlows (the CDK default the workshop uses) allows these.
DEFAULT_AUTH_FLOWS = frozenset({"USER_SRP_AUTH", "REFRESH_TOKEN_AUTH", "CUSTOM_AUTH"})
_FLOW_OF = {
    "ALLOW_USER_SRP_AUTH": "USER_SRP_AUTH",
    "ALLOW_USER_PASSWORD_AUTH": "USER_PASSWORD_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH": "REFRESH_TOKEN_AUTH",
    "ALLOW_CUSTOM_AUTH": "CUSTOM_AUTH",
    "ALLOW_ADMIN_USER_PASSWORD_AUTH": "ADMIN_USER_PASSWORD_AUTH",
    "USER_PASSWORD_AUTH": "USER_PASSWORD_AUTH",
    "CUSTOM_AUTH_FLOW_ONLY": "CUSTOM_AUTH",
    "ADMIN_NO_SRP_AUTH": "ADMIN_USER_PASSWORD_AUTH",
}
INCORRECT_PASSWORD = "Incorrect username or password."
# What amazon-cognito-identity-js sends for web/auth.js (sign-up, confirm, resend the code,
# SRP sign-in, refresh, GlobalSignOut): Cognito's public actions, answered without credentials.
PAGE_ACTIONS = frozenset(
    {
        "SignUp",
        "ConfirmSignUp",
        "ResendConfirmationCode",
        "InitiateAuth",
        "RespondToAuthChallenge",
        "GlobalSignOut",
    }
)
# Set in the WSGI environ by ``CognitoStandIn.admin`` only: no HTTP request can carry it.
TRUSTED = "clickstream.cognito.trusted"
_WELL_KNOWN = re.compile(r"/(?P<pool>[\w-]+_[0-9a-zA-Z]+)/\.well-known/(?P<name>[\w.-]+)")


@dataclass
class _Client:
    pool_id: str
    auth_flows: frozenset[str]

    @property
    def pool_name(self) -> str:
        # The SRP "pool name" is the user pool id after the region: us-east-1_AbC123 -> AbC123.
        return self.pool_id.split("_", 1)[1]


class FaithfulCognito:
    """WSGI app in front of moto's: the actions where moto is not Cognito, then moto itself."""

    def __init__(
        self, moto_app: Any, on_code: Callable[[str, str], None], signer: TokenSigner
    ) -> None:
        self._moto = moto_app
        self._on_code = on_code
        self._signer = signer
        self.allowed_origins: set[str] = set()
        self._lock = threading.Lock()
        self._clients: dict[str, _Client] = {}
        self._verifiers: dict[tuple[str, str], SrpVerifier] = {}
        self._subs: dict[tuple[str, str], str] = {}  # (pool, e-mail) -> sub
        self._emails: dict[tuple[str, str], str] = {}  # (pool, sub) -> e-mail
        self._codes: dict[tuple[str, str], str] = {}  # (pool, sub) -> pending code
        self._challenges: dict[str, Challenge] = {}  # SECRET_BLOCK -> challenge

    # -- WSGI ----------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        started = time.monotonic()
        method = environ["REQUEST_METHOD"]
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        action = target.removeprefix(TARGET_PREFIX) if target.startswith(TARGET_PREFIX) else ""
        trusted = environ.get(TRUSTED) is True
        try:
            if method == "OPTIONS":
                status, headers, payload = self._preflight(environ)
            elif method == "GET":
                status, headers, payload = self._well_known(environ)
            elif method != "POST" or environ.get("PATH_INFO", "/") != "/":
                raise CognitoError(*UNSIGNED)
            elif environ.get("QUERY_STRING"):
                # Cognito's JSON API takes no query string; moto would read an Action from it.
                _read_body(environ)
                raise CognitoError(*UNSIGNED)
            elif action not in PAGE_ACTIONS and not trusted:
                _read_body(environ)  # read, so the refusal reaches a client still sending
                raise CognitoError(*UNSIGNED)
            else:
                status, headers, payload = self._act(action, environ, trusted)
        except CognitoError as error:
            status, headers, payload = _error_response(error)
        start_response(f"{status} {_REASONS.get(status, 'Status')}", self._cors(environ, headers))
        log.info(
            "%-7s %s %s%s -> %d (%.0f ms)",
            "cognito",
            method,
            printable(environ.get("PATH_INFO", "/")),
            f" {printable(action)}" if action else "",
            status,
            (time.monotonic() - started) * 1000,
        )
        return [payload]

    def _act(self, action: str, environ: dict[str, Any], trusted: bool):
        body = _read_body(environ)
        handler = getattr(self, f"_{action}", None)
        if handler is None:
            return self._forward(action, environ, body)
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            raise CognitoError("SerializationException", "Body is not JSON") from None
        if not isinstance(params, dict):
            raise CognitoError("SerializationException", "Body is not a JSON object")
        status, headers, payload = handler(params, environ, body)
        if status != 200 or trusted or not payload.strip():
            return status, headers, payload
        answer = json.loads(payload)
        # Cognito's session ids are its own; moto's would open its admin actions to a caller.
        answer.pop("Session", None)
        if "AuthenticationResult" in answer:
            answer["AuthenticationResult"] = self._signer.sign(answer["AuthenticationResult"])
        return _json_response(status, answer, headers)

    def _well_known(self, environ: dict[str, Any]):
        match = _WELL_KNOWN.fullmatch(environ.get("PATH_INFO", ""))
        if match is None or match["name"] not in ("jwks.json", "openid-configuration"):
            raise CognitoError(*UNSIGNED)
        if match["name"] == "openid-configuration":
            return self._forward("", environ, b"")
        with self._lock:
            known = any(client.pool_id == match["pool"] for client in self._clients.values())
        if not known:
            raise CognitoError("ResourceNotFoundException", f"User pool {match['pool']} not found")
        return _json_response(200, self._signer.jwks(), [("Content-Type", "application/json")])

    def _preflight(self, environ: dict[str, Any]):
        # Cognito lets any origin call it from a browser; here only the site's (moto's server
        # answers no OPTIONS).
        if environ.get("HTTP_ORIGIN") not in self.allowed_origins:
            return 403, [("Content-Length", "0")], b""
        requested = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "")
        headers = [
            ("Access-Control-Allow-Methods", "POST"),
            ("Access-Control-Allow-Headers", requested or "content-type,x-amz-target"),
            ("Access-Control-Max-Age", "86400"),
            ("Content-Length", "0"),
        ]
        return 200, headers, b""

    def _cors(self, environ: dict[str, Any], headers: list[tuple[str, str]]):
        origin = environ.get("HTTP_ORIGIN")
        if origin in self.allowed_origins:
            headers = [*headers, ("Access-Control-Allow-Origin", origin)]
        return [*headers, ("Vary", "Origin")]

    def _forward(
        self,
        action: str,
        environ: dict[str, Any],
        body: bytes,
        params: Mapping[str, Any] | None = None,
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """moto's answer to ``action`` (decided by this layer) on ``body``, or ``params``."""
        if params is not None:
            body = json.dumps(params).encode()
        captured: dict[str, Any] = {}

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            captured["status"], captured["headers"] = int(status.split()[0]), headers

        chunks = self._moto(_moto_environ(environ, action, body), start)
        try:
            payload = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close:
                close()
        # moto's server answers CORS for any origin: its CORS headers are dropped here.
        headers = [
            (k, v)
            for k, v in captured["headers"]
            if k.lower() not in ("content-length", "vary")
            and not k.lower().startswith("access-control-")
        ]
        headers.append(("Content-Length", str(len(payload))))
        return captured["status"], headers, payload

    def _client(self, client_id: str) -> _Client:
        with self._lock:
            client = self._clients.get(client_id)
        if client is None:
            raise CognitoError(
                "ResourceNotFoundException", f"User pool client {client_id} does not exist."
            )
        return client

    # -- actions -------------------------------------------------------------------------------

    def _CreateUserPoolClient(self, params, environ, body):
        status, headers, payload = self._forward("CreateUserPoolClient", environ, body)
        if status == 200:
            created = json.loads(payload)["UserPoolClient"]
            flows = {_FLOW_OF.get(f, f) for f in created.get("ExplicitAuthFlows") or []}
            with self._lock:
                self._clients[created["ClientId"]] = _Client(
                    created["UserPoolId"], frozenset(flows) or DEFAULT_AUTH_FLOWS
                )
        return status, headers, payload

    def _SignUp(self, params, environ, body):
        client = self._client(str(params.get("ClientId", "")))
        status, headers, payload = self._forward("SignUp", environ, body)
        if status != 200:
            return status, headers, payload
        sub = json.loads(payload)["UserSub"]
        username = str(params["Username"])
        code = _new_code()
        verifier = SrpVerifier.for_password(client.pool_name, sub, str(params["Password"]))
        with self._lock:
            self._verifiers[client.pool_id, sub] = verifier
            self._subs[client.pool_id, username.lower()] = sub
            self._emails[client.pool_id, sub] = username
            self._codes[client.pool_id, sub] = code
        self._on_code(username, code)
        answer = json.loads(payload)
        # The pool sends codes by e-mail; moto describes an SMS to a made-up number.
        answer["CodeDeliveryDetails"] = _delivered_by_email(username)
        return _json_response(status, answer, headers)

    def _ConfirmSignUp(self, params, environ, body):
        client = self._client(str(params.get("ClientId", "")))
        username = str(params.get("Username", ""))
        with self._lock:
            sub = self._subs.get((client.pool_id, username.lower()))
            code = self._codes.get((client.pool_id, sub)) if sub else None
        if sub is not None and code is None:
            raise CognitoError(
                "NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED"
            )
        if code is not None and not hmac.compare_digest(
            code, str(params.get("ConfirmationCode", ""))
        ):
            raise CognitoError(
                "CodeMismatchException", "Invalid verification code provided, please try again."
            )
        status, headers, payload = self._forward("ConfirmSignUp", environ, body)
        if status == 200 and sub is not None:
            with self._lock:
                self._codes.pop((client.pool_id, sub), None)
            verified = {
                "UserPoolId": client.pool_id,
                "Username": sub,
                "UserAttributes": [{"Name": "email_verified", "Value": "true"}],
            }
            self._forward("AdminUpdateUserAttributes", environ, b"", verified)
        return status, headers, payload

    def _ResendConfirmationCode(self, params, environ, body):
        # moto has no ResendConfirmationCode. Cognito sends a new code; the old one stops working.
        client = self._client(str(params.get("ClientId", "")))
        username = str(params.get("Username", ""))
        with self._lock:
            sub = self._subs.get((client.pool_id, username.lower()))
            pending = sub is not None and (client.pool_id, sub) in self._codes
            code = _new_code()
            if pending:
                self._codes[client.pool_id, sub] = code
        if sub is None:
            raise CognitoError("UserNotFoundException", "Username/client id combination not found.")
        if not pending:
            raise CognitoError("InvalidParameterException", "User is already confirmed.")
        self._on_code(username, code)
        headers = [("Content-Type", "application/x-amz-json-1.1")]
        return _json_response(200, {"CodeDeliveryDetails": _delivered_by_email(username)}, headers)

    def _InitiateAuth(self, params, environ, body):
        client = self._client(str(params.get("ClientId", "")))
        flow = str(params.get("AuthFlow", ""))
        flow = "REFRESH_TOKEN_AUTH" if flow == "REFRESH_TOKEN" else flow
        if flow not in client.auth_flows:
            raise CognitoError(
                "InvalidParameterException", f"{flow} flow not enabled for this client"
            )
        if flow == "CUSTOM_AUTH":  # the pool has no Lambda triggers
            raise CognitoError(
                "NotAuthorizedException",
                "Custom auth lambda trigger is not configured for the user pool.",
            )
        if flow != "USER_SRP_AUTH":
            return self._forward("InitiateAuth", environ, body)
        try:
            large_a = int(str((params.get("AuthParameters") or {}).get("SRP_A", "")), 16)
        except ValueError:
            raise CognitoError("InvalidParameterException", "SRP_A is not hexadecimal") from None
        if large_a % N == 0:
            raise CognitoError("InvalidParameterException", "SRP_A mod N cannot be 0")
        status, headers, payload = self._forward("InitiateAuth", environ, body)
        answer = json.loads(payload) if status == 200 else {}
        if answer.get("ChallengeName") != "PASSWORD_VERIFIER":
            return status, headers, payload
        challenge_parameters = answer["ChallengeParameters"]
        user_id = challenge_parameters["USER_ID_FOR_SRP"]
        with self._lock:
            verifier = self._verifiers.get((client.pool_id, user_id))
        # A user made without a password this layer saw gets a verifier no password matches.
        verifier = verifier or SrpVerifier(1, pow(G, secrets.randbits(256), N))
        challenge = Challenge.start(
            client.pool_name, user_id, verifier, large_a, challenge_parameters["SECRET_BLOCK"]
        )
        # Cognito's secret block is opaque base64 the client signs; moto's is a bare UUID.
        secret_block = base64.b64encode(secrets.token_bytes(96)).decode()
        with self._lock:
            self._challenges[secret_block] = challenge
        challenge_parameters["SECRET_BLOCK"] = secret_block
        challenge_parameters["SALT"] = format(verifier.salt, "x")
        challenge_parameters["SRP_B"] = format(challenge.large_b, "x")
        return _json_response(200, answer, headers)

    def _RespondToAuthChallenge(self, params, environ, body):
        client = self._client(str(params.get("ClientId", "")))
        if params.get("ChallengeName") != "PASSWORD_VERIFIER":
            # This pool issues no other challenge; moto would take its own session for one.
            raise CognitoError("NotAuthorizedException", "Invalid session for the user.")
        responses = params.get("ChallengeResponses") or {}
        secret_block = str(responses.get("PASSWORD_CLAIM_SECRET_BLOCK", ""))
        with self._lock:
            challenge = self._challenges.pop(secret_block, None)
        if challenge is None:
            raise CognitoError("NotAuthorizedException", "Invalid session for the user.")
        try:
            expected = challenge.expected_signature(
                secret_block, str(responses.get("TIMESTAMP", ""))
            )
        except (binascii.Error, ValueError):
            raise CognitoError("NotAuthorizedException", INCORRECT_PASSWORD) from None
        claimed = str(responses.get("PASSWORD_CLAIM_SIGNATURE", ""))
        if responses.get("USERNAME") != challenge.user_id or not hmac.compare_digest(
            expected, claimed
        ):
            raise CognitoError("NotAuthorizedException", INCORRECT_PASSWORD)
        with self._lock:
            email = self._emails.get((client.pool_id, challenge.user_id), challenge.user_id)
        # moto writes the USERNAME it is given into the tokens' e-mail claim; given the e-mail,
        # its tokens carry the user's e-mail and sub as Cognito's do.
        forwarded = dict(params, Session=challenge.session)
        forwarded["ChallengeResponses"] = dict(
            responses, USERNAME=email, PASSWORD_CLAIM_SECRET_BLOCK=challenge.session
        )
        return self._forward("RespondToAuthChallenge", environ, body, forwarded)

    def _GlobalSignOut(self, params, environ, body):
        ours = str(params.get("AccessToken", ""))
        moto = self._signer.moto_access_token(ours)
        status, headers, payload = self._forward(
            "GlobalSignOut", environ, body, dict(params, AccessToken=moto)
        )
        if status == 200:
            self._signer.signed_out(claims_of(ours)["sub"])
        return status, headers, payload


def _new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def _delivered_by_email(email: str) -> dict[str, str]:
    # Cognito says where the code went as a***@e***.
    local, _, domain = email.partition("@")
    destination = f"{local[:1]}***@{domain[:1]}***"
    return {"Destination": destination, "DeliveryMedium": "EMAIL", "AttributeName": "email"}
