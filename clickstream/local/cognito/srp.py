"""SRP-6a, the server's side, as Cognito runs it for ``USER_SRP_AUTH``."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

__all__ = ["Challenge", "G", "N", "SrpVerifier"]

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
