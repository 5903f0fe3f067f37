"""Simulated users of the local user pool: registered, confirmed and signed in through Cognito's
public JSON API, as the page's library (amazon-cognito-identity-js) does it.

``SignUp`` with the e-mail as the user name, ``ConfirmSignUp`` with the code the pool sent (read
from the local runner's outbox, which gives out codes only for ``.invalid`` addresses: each
simulated user is ``visitor-<seed>-<n>@simulate.invalid``), then ``InitiateAuth``
(``USER_SRP_AUTH``) and ``RespondToAuthChallenge`` (``PASSWORD_VERIFIER``): the password is
proven by SRP-6a and never sent after sign-up. The result is the user's ID token, which the
signed-in clicks carry in ``Authorization``.
"""

from __future__ import annotations

import base64
import hmac
import json
import random
import secrets
import threading
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from clickstream.cli import CommandError
from clickstream.standins.cognito_srp import INFO_BITS, G, K, N, hex_hash, pad_hex, sha256_hex

from .runner import LocalRunner
from .wire import http_request

TARGET_PREFIX = "AWSCognitoIdentityProviderService."
EMAIL_DOMAIN = "simulate.invalid"


class SignInError(CommandError):
    """The user pool refused a simulated user (one line)."""


def password_claim(
    pool_name: str,
    user_id: str,
    password: str,
    small_a: int,
    challenge: dict[str, str],
    timestamp: str,
) -> str:
    """The client's SRP-6a signature for a PASSWORD_VERIFIER challenge (AuthenticationHelper's
    getPasswordAuthenticationKey, then the HMAC the library sends as PASSWORD_CLAIM_SIGNATURE)."""
    large_a = pow(G, small_a, N)
    large_b = int(challenge["SRP_B"], 16)
    salt = int(challenge["SALT"], 16)
    u = hex_hash(pad_hex(large_a) + pad_hex(large_b))
    secret = sha256_hex(f"{pool_name}{user_id}:{password}".encode())
    x = hex_hash(pad_hex(salt) + secret)
    shared = pow((large_b - K * pow(G, x, N)) % N, small_a + u * x, N)
    prk = hmac.new(bytes.fromhex(pad_hex(u)), bytes.fromhex(pad_hex(shared)), "sha256")
    key = hmac.new(prk.digest(), INFO_BITS, "sha256").digest()[:16]
    message = (
        pool_name.encode()
        + user_id.encode()
        + base64.b64decode(challenge["SECRET_BLOCK"])
        + timestamp.encode()
    )
    return base64.b64encode(hmac.new(key, message, "sha256").digest()).decode()


def srp_timestamp(now: datetime) -> str:
    """The library's TIMESTAMP: ``Sat Dec 5 06:51:59 UTC 2026`` (the day not padded)."""
    return now.strftime(f"%a %b {now.day} %H:%M:%S UTC %Y")


def token_subject(id_token: str) -> str:
    """The ``sub`` claim of a JWT (read, not verified: the API's authorizer verifies it)."""
    payload = id_token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return str(claims["sub"])


class Accounts:
    """The simulated users of one run, each registered once, on first use."""

    def __init__(self, runner: LocalRunner, seed: int) -> None:
        self.runner = runner
        self.seed = seed
        self._locks: dict[int, threading.Lock] = {}
        self._registered: set[int] = set()
        self._guard = threading.Lock()
        self.registered = 0  # users this run signed up (a user of an earlier run signs in only)

    def email(self, account: int) -> str:
        return f"visitor-{self.seed}-{account}@{EMAIL_DOMAIN}"

    def password(self, account: int) -> str:
        # Derived from the seed, so a second run with the same seed signs in as the same users.
        token = random.Random(f"{self.seed}/{account}").getrandbits(64)
        return f"Simulated-{token:016x}-1!"

    def id_token(self, account: int) -> str:
        """A fresh ID token for the user, registering it first if this run has not."""
        with self._guard:
            lock = self._locks.setdefault(account, threading.Lock())
        with lock:
            if account not in self._registered:
                self._register(account)
                self._registered.add(account)
        return self._sign_in(account)

    def _call(self, action: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        try:
            status, _, body = http_request(
                "POST",
                self.runner.cognito_endpoint,
                json.dumps(params).encode(),
                {
                    "Content-Type": "application/x-amz-json-1.1",
                    "X-Amz-Target": TARGET_PREFIX + action,
                },
            )
        except OSError as error:
            raise SignInError(f"the user pool did not answer {action}: {error}") from None
        try:
            answer = json.loads(body or b"{}")
        except ValueError:
            answer = {}
        return status, answer if isinstance(answer, dict) else {}

    def _expect(self, action: str, params: dict[str, Any], email: str) -> dict[str, Any]:
        status, answer = self._call(action, params)
        if status != 200:
            reason = answer.get("message") or answer.get("__type") or status
            raise SignInError(f"the user pool refused {action} for {email}: {reason}")
        return answer

    def _register(self, account: int) -> None:
        email, client = self.email(account), self.runner.client_id
        status, answer = self._call(
            "SignUp",
            {
                "ClientId": client,
                "Username": email,
                "Password": self.password(account),
                "UserAttributes": [{"Name": "email", "Value": email}],
            },
        )
        if status != 200 and answer.get("__type") == "UsernameExistsException":
            return  # signed up by an earlier run with this seed: its password is the same
        if status != 200:
            reason = answer.get("message") or answer.get("__type") or status
            raise SignInError(f"the user pool refused SignUp for {email}: {reason}")
        self.registered += 1
        try:
            status, _, body = http_request("GET", self.runner.outbox + quote(email, safe="@"))
            code = json.loads(body)["code"] if status == 200 else None
        except (OSError, ValueError, KeyError, TypeError):
            code = None
        if not isinstance(code, str):
            raise SignInError(f"the runner's outbox has no confirmation code for {email}")
        self._expect(
            "ConfirmSignUp",
            {
                "ClientId": client,
                "Username": email,
                "ConfirmationCode": code,
                "ForceAliasCreation": True,
            },
            email,
        )

    def _sign_in(self, account: int) -> str:
        email, client = self.email(account), self.runner.client_id
        small_a = int.from_bytes(secrets.token_bytes(128), "big")
        started = self._expect(
            "InitiateAuth",
            {
                "ClientId": client,
                "AuthFlow": "USER_SRP_AUTH",
                "AuthParameters": {"USERNAME": email, "SRP_A": format(pow(G, small_a, N), "x")},
            },
            email,
        )
        challenge = started.get("ChallengeParameters") or {}
        user_id = challenge.get("USER_ID_FOR_SRP", "")
        timestamp = srp_timestamp(datetime.now(UTC))
        pool_name = self.runner.user_pool_id.split("_", 1)[-1]
        answer = self._expect(
            "RespondToAuthChallenge",
            {
                "ClientId": client,
                "ChallengeName": "PASSWORD_VERIFIER",
                "ChallengeResponses": {
                    "USERNAME": user_id,
                    "PASSWORD_CLAIM_SECRET_BLOCK": challenge.get("SECRET_BLOCK", ""),
                    "TIMESTAMP": timestamp,
                    "PASSWORD_CLAIM_SIGNATURE": password_claim(
                        pool_name,
                        user_id,
                        self.password(account),
                        small_a,
                        challenge,
                        timestamp,
                    ),
                },
            },
            email,
        )
        token = (answer.get("AuthenticationResult") or {}).get("IdToken")
        if not token:
            raise SignInError(f"the user pool gave {email} no ID token")
        return str(token)
