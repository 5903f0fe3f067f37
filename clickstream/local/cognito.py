"""A Cognito user pool on this machine, for the page's sign-up, sign-in and the Mysfits API.

moto's ``cognito-idp`` server speaks Cognito's JSON protocol (``X-Amz-Target:
AWSCognitoIdentityProviderService.<Action>``) and signs RS256 tokens it publishes at
``/{pool id}/.well-known/jwks.json``. It differs from Cognito where the page would notice, so a
thin layer in front of it does those parts the way Cognito does:

- ``USER_SRP_AUTH``: moto answers with a random ``SRP_B`` and ``SALT`` and accepts any
  ``PASSWORD_CLAIM_SIGNATURE``, so any password signs in. Here ``SignUp`` keeps an SRP verifier
  (never the password), ``InitiateAuth`` answers with a real ``B`` and salt, and
  ``RespondToAuthChallenge`` checks the client's signature: a wrong password gets
  ``NotAuthorizedException`` "Incorrect username or password.".
- ``ConfirmSignUp``: moto confirms with any code. Here ``SignUp`` makes a six-digit code and
  delivers it to ``on_code`` (the runner logs it; Cognito e-mails it), a wrong code gets
  ``CodeMismatchException``, and confirming a confirmed user ``NotAuthorizedException``.
  ``ResendConfirmationCode``, which moto lacks, replaces the code with a new one.
  Confirmation sets ``email_verified`` (the pool auto-verifies e-mail).
- Auth flows: moto allows every flow to every client. Here a flow the app client does not allow
  gets ``InvalidParameterException``; a client made without ``ExplicitAuthFlows`` allows SRP,
  custom auth and refresh, not ``USER_PASSWORD_AUTH``, as Cognito's default does.

- Authentication: every other action of the API needs AWS credentials (SigV4), which no one
  has here. Over HTTP the stand-in answers only the actions the page's library sends (SignUp,
  ConfirmSignUp, ResendConfirmationCode, InitiateAuth with USER_SRP_AUTH or REFRESH_TOKEN_AUTH,
  RespondToAuthChallenge with PASSWORD_VERIFIER, GlobalSignOut), and refuses the rest as Cognito
  refuses an unsigned call. The runner's own set-up and the tests use ``admin`` (in process).
- Tokens: moto signs them with a private key it publishes. Here they are signed again with an
  RSA key made at start-up, published at the pool's ``jwks.json``; moto's session ids, which
  would let its ``AdminRespondToAuthChallenge`` skip the SRP proof, never leave.
- CORS: the endpoint answers browsers of the site's origin only (Cognito answers any origin; a
  developer's machine has other pages open).

``CognitoStandIn`` runs it on 127.0.0.1 and makes, at start, the workshop's pool (e-mail as the
user name, e-mail auto-verified) and app client (no secret, no ``ExplicitAuthFlows``).
``IdTokenAuthorizer`` checks an ``Authorization`` header the way API Gateway's Cognito user pool
authorizer does: signature against the pool's JWKS, issuer, audience, ``token_use`` and expiry.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from io import BytesIO
from typing import Any
from urllib.request import urlopen

from .cfn import LocalRunnerError
from .servers import (
    IDLE_TIMEOUT_SECONDS,
    MAX_BODY_BYTES,
    BadRequestBody,
    ConnectionBound,
    PortInUseError,
    printable,
    read_body,
)

__all__ = ["CognitoStandIn", "IdTokenAuthorizer", "SrpVerifier"]

log = logging.getLogger("clickstream.local")

TARGET_PREFIX = "AWSCognitoIdentityProviderService."
POOL_NAME = "MysfitsUserPool"
CLIENT_NAME = "MysfitsUserPoolClient"
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
# Cognito's answer to an unsigned call of an action that needs SigV4 (the AWS SDKs report it as
# MissingAuthenticationTokenException, "Missing Authentication Token"; a JSON-protocol service
# answers it 400).
UNSIGNED = ("MissingAuthenticationTokenException", "Missing Authentication Token")
# Set in the WSGI environ by ``CognitoStandIn.admin`` only: no HTTP request can carry it.
TRUSTED = "clickstream.cognito.trusted"
BAD_BODY = "clickstream.cognito.bad_body"  # the framing error of a body the server could not read
_WELL_KNOWN = re.compile(r"/(?P<pool>[\w-]+_[0-9a-zA-Z]+)/\.well-known/(?P<name>[\w.-]+)")

# SRP-6a as Cognito runs it (amazon-cognito-identity-js AuthenticationHelper): the 3072-bit group
# of RFC 5054, g = 2, SHA-256, k = H(N | g), x = H(salt | H(pool name | user id | ":" | password)).
N = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
    16,
)
G = 2
INFO_BITS = b"Caldera Derived Key\x01"


def pad_hex(value: int) -> str:
    """Even-length hex, ``00`` in front when the top bit is set (positive two's complement)."""
    text = format(value, "x")
    if len(text) % 2:
        text = "0" + text
    return "00" + text if text[0] in "89abcdef" else text


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hex_hash(hex_text: str) -> int:
    return int(_hash(bytes.fromhex(hex_text)), 16)


K = _hex_hash(pad_hex(N) + pad_hex(G))


@dataclass(frozen=True)
class SrpVerifier:
    """What Cognito keeps for a password: a salt and ``v = g^x mod N``."""

    salt: int
    verifier: int

    @classmethod
    def for_password(cls, pool_name: str, user_id: str, password: str) -> SrpVerifier:
        salt = int.from_bytes(secrets.token_bytes(16), "big")
        secret = _hash(f"{pool_name}{user_id}:{password}".encode())
        x = _hex_hash(pad_hex(salt) + secret)
        return cls(salt, pow(G, x, N))


@dataclass
class _Challenge:
    """One ``PASSWORD_VERIFIER`` challenge: the server's side of SRP for one sign-in."""

    pool_name: str
    user_id: str
    verifier: SrpVerifier
    large_a: int
    small_b: int
    large_b: int
    session: str  # moto's session, which moto also calls the secret block

    @classmethod
    def start(
        cls, pool_name: str, user_id: str, verifier: SrpVerifier, large_a: int, session: str
    ) -> _Challenge:
        small_b = int.from_bytes(secrets.token_bytes(128), "big")
        large_b = (K * verifier.verifier + pow(G, small_b, N)) % N
        return cls(pool_name, user_id, verifier, large_a, small_b, large_b, session)

    def expected_signature(self, secret_block: str, timestamp: str) -> str:
        u = _hex_hash(pad_hex(self.large_a) + pad_hex(self.large_b))
        shared = pow(self.large_a * pow(self.verifier.verifier, u, N) % N, self.small_b, N)
        prk = hmac.new(bytes.fromhex(pad_hex(u)), bytes.fromhex(pad_hex(shared)), "sha256")
        key = hmac.new(prk.digest(), INFO_BITS, "sha256").digest()[:16]
        message = (
            self.pool_name.encode()
            + self.user_id.encode()
            + base64.b64decode(secret_block)
            + timestamp.encode()
        )
        return base64.b64encode(hmac.new(key, message, "sha256").digest()).decode()


class _TokenSigner:
    """Signs the pool's tokens with an RSA key made at start-up; ``jwks()`` publishes its half."""

    def __init__(self) -> None:
        from joserfc.jwk import RSAKey

        self._key = RSAKey.generate_key(
            2048, parameters={"alg": "RS256", "use": "sig"}, private=True, auto_kid=True
        )
        self._access: dict[str, tuple[str, str, int]] = {}  # ours -> (moto's, sub, exp)
        self._lock = threading.Lock()

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self._key.as_dict(private=False)]}

    def sign(self, result: dict[str, Any]) -> dict[str, Any]:
        """An ``AuthenticationResult`` of moto's with its tokens signed by this key."""
        from joserfc import jwt

        header = {"alg": "RS256", "kid": self._key.kid}
        signed = dict(result)
        if "IdToken" in result:
            signed["IdToken"] = jwt.encode(header, _claims(result["IdToken"]), self._key)
        if "AccessToken" in result:
            claims = _claims(result["AccessToken"])
            ours = jwt.encode(header, claims, self._key)
            now = int(time.time())
            with self._lock:
                for token, (_, _, expires) in list(self._access.items()):
                    if expires < now:
                        del self._access[token]
                self._access[ours] = (result["AccessToken"], claims["sub"], claims["exp"])
            signed["AccessToken"] = ours
        return signed

    def moto_access_token(self, token: str) -> str:
        """moto's access token behind one of ours; NotAuthorizedException if there is none."""
        from joserfc import jwt
        from joserfc.errors import JoseError

        try:
            jwt.decode(token, self._key, algorithms=["RS256"])
        except (JoseError, ValueError, TypeError):
            raise CognitoError("NotAuthorizedException", "Invalid Access Token") from None
        with self._lock:
            found = self._access.get(token)
        if found is None:
            raise CognitoError("NotAuthorizedException", "Access Token has been revoked")
        return found[0]

    def signed_out(self, sub: str) -> None:
        with self._lock:
            for token, (_, owner, _) in list(self._access.items()):
                if owner == sub:
                    del self._access[token]


def _claims(token: str) -> dict[str, Any]:
    # moto's own token, read to be signed again: its signature is moto's business.
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


class CognitoError(Exception):
    """An error answer in Cognito's JSON protocol."""

    def __init__(self, error_type: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.error_type, self.message, self.status = error_type, message, status


@dataclass
class _Client:
    pool_id: str
    auth_flows: frozenset[str]

    @property
    def pool_name(self) -> str:
        # The SRP "pool name" is the user pool id after the region: us-east-1_AbC123 -> AbC123.
        return self.pool_id.split("_", 1)[1]


class _FaithfulCognito:
    """WSGI app in front of moto's: the actions where moto is not Cognito, then moto itself."""

    def __init__(
        self, moto_app: Any, on_code: Callable[[str, str], None], signer: _TokenSigner
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
        self._challenges: dict[str, _Challenge] = {}  # SECRET_BLOCK -> challenge

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
            return self._forward(environ, body)
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
            return self._forward(environ, b"")
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
        self, environ: dict[str, Any], body: bytes, params: Mapping[str, Any] | None = None
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        if params is not None:
            body = json.dumps(params).encode()
        forwarded = dict(environ, **{"wsgi.input": BytesIO(body)})
        forwarded["CONTENT_LENGTH"] = str(len(body))
        captured: dict[str, Any] = {}

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            captured["status"], captured["headers"] = int(status.split()[0]), headers

        chunks = self._moto(forwarded, start)
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
        status, headers, payload = self._forward(environ, body)
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
        status, headers, payload = self._forward(environ, body)
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
        status, headers, payload = self._forward(environ, body)
        if status == 200 and sub is not None:
            with self._lock:
                self._codes.pop((client.pool_id, sub), None)
            verified = {
                "UserPoolId": client.pool_id,
                "Username": sub,
                "UserAttributes": [{"Name": "email_verified", "Value": "true"}],
            }
            admin = dict(environ, HTTP_X_AMZ_TARGET=TARGET_PREFIX + "AdminUpdateUserAttributes")
            self._forward(admin, b"", verified)
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
            return self._forward(environ, body)
        try:
            large_a = int(str((params.get("AuthParameters") or {}).get("SRP_A", "")), 16)
        except ValueError:
            raise CognitoError("InvalidParameterException", "SRP_A is not hexadecimal") from None
        if large_a % N == 0:
            raise CognitoError("InvalidParameterException", "SRP_A mod N cannot be 0")
        status, headers, payload = self._forward(environ, body)
        answer = json.loads(payload) if status == 200 else {}
        if answer.get("ChallengeName") != "PASSWORD_VERIFIER":
            return status, headers, payload
        challenge_parameters = answer["ChallengeParameters"]
        user_id = challenge_parameters["USER_ID_FOR_SRP"]
        with self._lock:
            verifier = self._verifiers.get((client.pool_id, user_id))
        # A user made without a password this layer saw gets a verifier no password matches.
        verifier = verifier or SrpVerifier(1, pow(G, secrets.randbits(256), N))
        challenge = _Challenge.start(
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
        return self._forward(environ, body, forwarded)

    def _GlobalSignOut(self, params, environ, body):
        ours = str(params.get("AccessToken", ""))
        moto = self._signer.moto_access_token(ours)
        status, headers, payload = self._forward(environ, body, dict(params, AccessToken=moto))
        if status == 200:
            self._signer.signed_out(_claims(ours)["sub"])
        return status, headers, payload


def _new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def _delivered_by_email(email: str) -> dict[str, str]:
    # Cognito says where the code went as a***@e***.
    local, _, domain = email.partition("@")
    destination = f"{local[:1]}***@{domain[:1]}***"
    return {"Destination": destination, "DeliveryMedium": "EMAIL", "AttributeName": "email"}


_REASONS = {
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    413: "Payload Too Large",
    500: "Internal Server Error",
}


def _json_response(status: int, value: Any, headers: list[tuple[str, str]]):
    payload = json.dumps(value).encode()
    kept = [(k, v) for k, v in headers if k.lower() != "content-length"]
    return status, [*kept, ("Content-Length", str(len(payload)))], payload


def _read_body(environ: dict[str, Any]) -> bytes:
    """The request's body, within the local servers' limit; CognitoError if it cannot be read."""
    bad = environ.get(BAD_BODY)
    if isinstance(bad, BadRequestBody):
        raise CognitoError("SerializationException", str(bad), bad.status)
    raw = environ.get("CONTENT_LENGTH") or "0"
    if not (raw.isascii() and raw.isdigit()):
        raise CognitoError("SerializationException", "bad Content-Length")
    if int(raw) > MAX_BODY_BYTES:
        raise CognitoError("SerializationException", "body too large", 413)
    return environ["wsgi.input"].read(int(raw))


def _error_response(error: CognitoError):
    headers = [
        ("Content-Type", "application/x-amz-json-1.1"),
        ("x-amzn-ErrorType", f"{error.error_type}:"),
        ("x-amzn-RequestId", secrets.token_hex(16)),
    ]
    return _json_response(
        error.status, {"__type": error.error_type, "message": error.message}, headers
    )


class IdTokenAuthorizer:
    """``authorize(Authorization header) -> claims | None``, as API Gateway's Cognito authorizer.

    Accepts an ID token of the pool (RS256 over a key of its JWKS, ``iss`` the pool's issuer,
    ``aud`` one of ``audiences``, ``token_use`` ``id``, not expired); anything else gets None,
    which the API answers with 401 ``{"message":"Unauthorized"}``.
    """

    def __init__(
        self,
        jwks: Mapping[str, Any],
        *,
        issuer: str,
        audiences: Iterable[str],
        now: Callable[[], float] = time.time,
    ) -> None:
        from joserfc.jwk import KeySet

        self._keys = KeySet.import_key_set(dict(jwks))
        self.issuer = issuer
        self.audiences = list(audiences)
        self._now = now

    def __call__(self, authorization: str | None) -> Mapping[str, Any] | None:
        from joserfc import jwt
        from joserfc.errors import JoseError

        if not authorization or not authorization.strip():
            return None
        # The raw token, as the workshop's page sends it; a "Bearer " prefix is accepted too,
        # as the authorizer's Test dialog in API Gateway's console takes it.
        token_text = authorization.strip()
        if token_text[:7].lower() == "bearer ":
            token_text = token_text[7:].strip()
        registry = jwt.JWTClaimsRegistry(
            now=lambda: int(self._now()),
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "values": self.audiences},
            token_use={"essential": True, "value": "id"},
            exp={"essential": True},
        )
        try:
            token = jwt.decode(token_text, self._keys, algorithms=["RS256"])
            registry.validate(token.claims)
        except (JoseError, ValueError, TypeError):
            return None
        return dict(token.claims)


class CognitoStandIn:
    """moto's cognito-idp server, made faithful, on ``host:port``, with the workshop's pool.

    ``allowed_origins``: the origins whose pages may call it from a browser (the site's).
    After ``start()``: ``url`` (the endpoint the page and SDKs call), ``region``,
    ``user_pool_id``, ``client_id``, ``issuer``, ``jwks_url``; ``authorizer()`` makes an
    ``IdTokenAuthorizer`` for the pool; ``codes`` holds the confirmation codes sent, by e-mail.
    ``call`` speaks to it over HTTP, unsigned, as the page does; ``admin`` makes any call in
    process, as a signed caller could.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        region: str = "us-east-1",
        *,
        allowed_origins: Iterable[str] = (),
    ) -> None:
        try:
            from moto.moto_server.werkzeug_app import create_backend_app
            from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler
        except ImportError as error:
            raise LocalRunnerError(
                f"the Cognito stand-in needs moto's server ({error.name} is missing): "
                "python -m pip install -r requirements-test.txt"
            ) from None

        class _QuietHandler(WSGIRequestHandler):
            timeout = IDLE_TIMEOUT_SECONDS  # as the other local servers: no connection hangs

            def make_environ(self) -> dict[str, Any]:
                # The body is read by the local servers' framing rules (werkzeug's de-chunking
                # takes "+5" or "0x5" for a chunk size), within their size limit.
                environ = super().make_environ()
                try:
                    body = read_body(self.headers, self.rfile)
                except BadRequestBody as error:
                    environ[BAD_BODY], body = error, b""
                    self.close_connection = True
                environ["wsgi.input"], environ["wsgi.input_terminated"] = BytesIO(body), False
                environ["CONTENT_LENGTH"] = str(len(body))
                return environ

            def log_request(self, *args: Any, **kwargs: Any) -> None:
                pass  # the app logs one line per request

        class _Server(ConnectionBound, ThreadedWSGIServer):
            pass

        self.region = region
        self.codes: dict[str, list[str]] = {}
        moto_app = create_backend_app("cognito-idp")
        self._app = _FaithfulCognito(moto_app, self._deliver_code, _TokenSigner())
        self._app.allowed_origins.update(allowed_origins)
        try:
            self._server = _Server(host, port, self._app, _QuietHandler)
        except OSError as error:
            raise PortInUseError(
                f"port {port} on {host} is not free for the Cognito stand-in ({error.strerror}); "
                "pick another port or stop what is using it"
            ) from None
        self.host, self.port = host, self._server.server_port
        self.url = f"http://{host}:{self.port}"
        self._thread: threading.Thread | None = None
        self.user_pool_id = self.client_id = self.issuer = self.jwks_url = ""

    def allow_origin(self, origin: str) -> None:
        """Let pages of ``origin`` call the stand-in from a browser."""
        self._app.allowed_origins.add(origin)

    def _deliver_code(self, email: str, code: str) -> None:
        self.codes.setdefault(email.lower(), []).append(code)
        log.info("cognito confirmation code for %s: %s (Cognito would e-mail it)", email, code)

    def last_code(self, email: str) -> str:
        return self.codes[email.lower()][-1]

    def start(self) -> CognitoStandIn:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        pool = self.admin(
            "CreateUserPool",
            {
                "PoolName": POOL_NAME,
                "UsernameAttributes": ["email"],
                "AutoVerifiedAttributes": ["email"],
            },
        )["UserPool"]
        self.user_pool_id = pool["Id"]
        client = self.admin(
            "CreateUserPoolClient",
            {"UserPoolId": self.user_pool_id, "ClientName": CLIENT_NAME, "GenerateSecret": False},
        )["UserPoolClient"]
        self.client_id = client["ClientId"]
        self.issuer = f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"
        self.jwks_url = f"{self.url}/{self.user_pool_id}/.well-known/jwks.json"
        return self

    def _headers(self, action: str) -> dict[str, str]:
        return {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": TARGET_PREFIX + action,
            # moto picks the region from the credential scope, as the service's host would.
            "Authorization": (
                f"AWS4-HMAC-SHA256 Credential=local/20260101/{self.region}/cognito-idp/aws4_request"
            ),
        }

    def call(self, action: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """One cognito-idp JSON call to this stand-in over HTTP, as the page makes it (unsigned)."""
        from urllib.error import HTTPError
        from urllib.request import Request

        request = Request(
            f"{self.url}/",
            data=json.dumps(params).encode(),
            method="POST",
            headers=self._headers(action),
        )
        try:
            with urlopen(request, timeout=10) as response:
                return json.loads(response.read() or b"{}")
        except HTTPError as error:
            answer = json.loads(error.read() or b"{}")
            raise CognitoError(
                str(answer.get("__type", "Error")), str(answer.get("message", "")), error.code
            ) from None

    def admin(self, action: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Any cognito-idp call, made in process: what a caller with AWS credentials may do."""
        from werkzeug.test import Client

        response = Client(self._app).post(
            "/",
            data=json.dumps(params).encode(),
            headers=self._headers(action),
            environ_overrides={TRUSTED: True},
        )
        answer = json.loads(response.get_data() or b"{}")
        if response.status_code != 200:
            raise CognitoError(
                str(answer.get("__type", "Error")),
                str(answer.get("message", "")),
                response.status_code,
            )
        return answer

    def jwks(self) -> dict[str, Any]:
        with urlopen(self.jwks_url, timeout=10) as response:
            return json.loads(response.read())

    def authorizer(self) -> IdTokenAuthorizer:
        return IdTokenAuthorizer(self.jwks(), issuer=self.issuer, audiences=[self.client_id])

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()
