"""SRP-6a as Cognito runs it for ``USER_SRP_AUTH``: the group, the hashes and the key derivation
that the user pool (the local stand-in, ``clickstream/local/cognito/srp.py``) and its clients
(the page's library; ``generate.py simulate``) share. Standard library only."""

from __future__ import annotations

import hashlib

__all__ = ["INFO_BITS", "G", "K", "N", "hex_hash", "pad_hex", "sha256_hex"]

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


def sha256_hex(data: bytes) -> str:
    """SHA-256 as lower-case hex, as the library hashes text."""
    return hashlib.sha256(data).hexdigest()


def hex_hash(hex_text: str) -> int:
    """SHA-256 of the bytes ``hex_text`` spells, as a number."""
    return int(sha256_hex(bytes.fromhex(hex_text)), 16)


K = hex_hash(pad_hex(N) + pad_hex(G))
