"""Deterministic keys for the differential: derived from a seed, so the same run builds the
same tokens (ECDSA and RSA-PSS signatures still carry their own randomness; their outcomes
do not depend on it)."""

from __future__ import annotations

import random
from typing import Any, Dict

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

_SMALL_PRIMES = [p for p in range(3, 2000) if all(p % d for d in range(2, int(p ** 0.5) + 1))]


def _probably_prime(n: int, rng: random.Random) -> bool:
    if any(n % p == 0 for p in _SMALL_PRIMES):
        return n in _SMALL_PRIMES
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for _ in range(24):  # Miller-Rabin: error below 4^-24
        x = pow(rng.randrange(2, n - 1), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(rng: random.Random, bits: int) -> int:
    while True:
        n = rng.getrandbits(bits) | (3 << (bits - 2)) | 1  # top two bits: a full-size product
        if _probably_prime(n, rng):
            return n


def rsa_key(rng: random.Random, bits: int) -> rsa.RSAPrivateKey:
    e = 65537
    while True:
        p, q = _prime(rng, bits // 2), _prime(rng, bits // 2)
        phi = (p - 1) * (q - 1)
        if p != q and phi % e:
            break
    d = pow(e, -1, phi)
    public = rsa.RSAPublicNumbers(e, p * q)
    return rsa.RSAPrivateNumbers(p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p),
                                 public).private_key()


def make_keys(seed: int) -> Dict[str, Any]:
    """alg -> private key (bytes for HMAC); "RSA1024" is the weak key of one category."""
    rng = random.Random(seed)
    rsa2048 = rsa_key(rng, 2048)
    keys: Dict[str, Any] = {"HS256": rng.randbytes(32), "HS384": rng.randbytes(48),
                            "HS512": rng.randbytes(64), "RSA1024": rsa_key(rng, 1024),
                            "EdDSA": ed25519.Ed25519PrivateKey.from_private_bytes(
                                rng.randbytes(32))}
    for alg in ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512"):
        keys[alg] = rsa2048
    for alg, curve in (("ES256", ec.SECP256R1()), ("ES384", ec.SECP384R1()),
                       ("ES512", ec.SECP521R1())):
        keys[alg] = ec.derive_private_key(rng.randrange(1, 2 ** 250), curve)
    return keys


def public_pem(private: Any) -> bytes:
    return private.public_key().public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)
