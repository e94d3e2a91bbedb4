"""The ``cryptography`` key object of a JWK, for PyJWK.key (PyJWT hands out these objects, and
code that mixes PyJWT and tokenwarden passes them on, e.g. to ``jwt.encode``). Only called for
a JWK the core has already read, so its members are known to be well formed."""

from __future__ import annotations

import base64
from typing import Any, Dict


def _bytes(jwk: Dict[str, Any], member: str) -> bytes:
    value = jwk[member]
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _int(jwk: Dict[str, Any], member: str) -> int:
    return int.from_bytes(_bytes(jwk, member), "big")


def cryptography_key(jwk: Dict[str, Any]) -> Any:
    """The key object (the private key when the JWK holds ``d``), the secret bytes of an
    ``oct`` JWK, or None when ``cryptography`` is not installed."""
    if jwk.get("kty") == "oct":
        return _bytes(jwk, "k")
    try:
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    except ImportError:
        return None
    kty = jwk.get("kty")
    if kty == "RSA":
        public = rsa.RSAPublicNumbers(_int(jwk, "e"), _int(jwk, "n"))
        if "d" not in jwk:
            return public.public_key()
        return rsa.RSAPrivateNumbers(
            _int(jwk, "p"), _int(jwk, "q"), _int(jwk, "d"), _int(jwk, "dp"), _int(jwk, "dq"),
            _int(jwk, "qi"), public).private_key()
    if kty == "EC":
        curve = {"P-256": ec.SECP256R1, "P-384": ec.SECP384R1, "P-521": ec.SECP521R1}[jwk["crv"]]()
        if "d" in jwk:
            return ec.derive_private_key(_int(jwk, "d"), curve)
        return ec.EllipticCurvePublicNumbers(_int(jwk, "x"), _int(jwk, "y"), curve).public_key()
    if "d" in jwk:  # OKP Ed25519, the only one the core reads
        return ed25519.Ed25519PrivateKey.from_private_bytes(_bytes(jwk, "d"))
    return ed25519.Ed25519PublicKey.from_public_bytes(_bytes(jwk, "x"))
