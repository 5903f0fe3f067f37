"""The pool's tokens: signed with a key made at start-up, and checked as API Gateway checks them."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .exceptions import CognitoError

__all__ = ["IdTokenAuthorizer", "TokenSigner", "claims_of"]


class TokenSigner:
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
            signed["IdToken"] = jwt.encode(header, claims_of(result["IdToken"]), self._key)
        if "AccessToken" in result:
            claims = claims_of(result["AccessToken"])
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


def claims_of(token: str) -> dict[str, Any]:
    # moto's own token, read to be signed again: its signature is moto's business.
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


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
