"""SRP-6a, the server's side, as Cognito runs it for ``USER_SRP_AUTH``."""

from __future__ import annotations

import base64
import hmac
import secrets
from dataclasses import dataclass

from clickstream.standins.cognito_srp import INFO_BITS, G, K, N, pad_hex
from clickstream.standins.cognito_srp import hex_hash as _hex_hash
from clickstream.standins.cognito_srp import sha256_hex as _hash

__all__ = ["Challenge", "G", "N", "SrpVerifier"]


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
class Challenge:
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
    ) -> Challenge:
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
