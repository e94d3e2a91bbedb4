"""PyJWK and PyJWKSet: JWKs as PyJWT exposes them, backed by the core's key loader."""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator, List, Optional

from .. import _native
from ._crypto_key import cryptography_key
from .exceptions import InvalidKeyError, PyJWKError, PyJWKSetError, PyJWTError

_CURVE_ALG = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}
_SUPPORTED = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
              "EdDSA", "Ed25519", "HS256", "HS384", "HS512"}
# What a key is for, not what it is: the core would refuse an "enc" key for verification, but
# PyJWT's PyJWK holds it anyway (PyJWKClient.get_signing_keys leaves it out later).
_USAGE_MEMBERS = ("use", "key_ops")


def _algorithm_for(jwk: Dict[str, Any]) -> str:
    kty = jwk.get("kty")
    crv = jwk.get("crv")
    if kty == "EC":
        alg = _CURVE_ALG.get(crv or "P-256")
        if alg is None:
            raise InvalidKeyError(f"Unsupported crv: {crv}")
        return alg
    if kty == "RSA":
        return "RS256"
    if kty == "oct":
        return "HS256"
    if kty == "OKP":
        if not crv:
            raise InvalidKeyError(f"crv is not found: {jwk}")
        if crv != "Ed25519":
            raise InvalidKeyError(f"Unsupported crv: {crv}")
        return "EdDSA"
    raise InvalidKeyError(f"Unsupported kty: {kty}")


class PyJWK:
    """One JWK, read by the core when it is made: a JWK the core cannot use (a malformed RSA
    modulus, an empty or short HMAC secret, a weak key) raises InvalidKeyError here, as PyJWT
    raises for the keys it cannot build. ``algorithm_name`` is the algorithm a token verified
    with it must use; ``key`` is the ``cryptography`` key object (bytes for an HMAC secret),
    as PyJWT's, when ``cryptography`` is installed, else this PyJWK (which ``decode`` also
    takes)."""

    def __init__(self, jwk_data: Dict[str, Any], algorithm: Optional[str] = None) -> None:
        if not isinstance(jwk_data, dict) or not jwk_data.get("kty"):
            raise InvalidKeyError(f"kty is not found: {jwk_data}")
        self._jwk_data = jwk_data
        if not algorithm:
            algorithm = jwk_data.get("alg") or _algorithm_for(jwk_data)
        if algorithm == "Ed25519":
            algorithm = "EdDSA"
        if algorithm not in _SUPPORTED:
            raise PyJWKError(f"Unable to find an algorithm for key: {jwk_data}")
        self.algorithm_name = algorithm
        self._text = json.dumps(jwk_data)
        if jwk_data["kty"] == "oct" and not jwk_data.get("k"):
            raise InvalidKeyError("HMAC key must not be empty.")  # PyJWT's words
        material = {k: v for k, v in jwk_data.items() if k not in _USAGE_MEMBERS}
        try:
            _native._check_keys(json.dumps(material))
            key = cryptography_key(jwk_data)
        except (ValueError, KeyError, TypeError) as e:
            raise InvalidKeyError(f"Unable to construct key from JWK: {e}") from None
        # One object for the life of this PyJWK: decode keeps one core validator per key
        # object, so the same object must come back each time.
        self._key: Any = self if key is None else key

    @staticmethod
    def from_dict(obj: Dict[str, Any], algorithm: Optional[str] = None) -> "PyJWK":
        return PyJWK(obj, algorithm)

    @staticmethod
    def from_json(data: str, algorithm: Optional[str] = None) -> "PyJWK":
        return PyJWK(json.loads(data), algorithm)

    @property
    def key(self) -> Any:
        return self._key

    @property
    def key_type(self) -> Optional[str]:
        return self._jwk_data.get("kty")

    @property
    def key_id(self) -> Optional[str]:
        return self._jwk_data.get("kid")

    @property
    def public_key_use(self) -> Optional[str]:
        return self._jwk_data.get("use")

    def __repr__(self) -> str:
        return f"PyJWK(kid={self.key_id!r}, alg={self.algorithm_name!r})"


class PyJWKSet:
    """A JWK Set; members that are not JWK objects, and keys that are not usable for
    verification, are left out (as PyJWT skips them)."""

    def __init__(self, keys: List[Dict[str, Any]]) -> None:
        if not keys:
            raise PyJWKSetError("The JWK Set did not contain any keys")
        if not isinstance(keys, list):
            raise PyJWKSetError("Invalid JWK Set value")
        self.keys: List[PyJWK] = []
        for key in keys:
            if not isinstance(key, dict):
                continue
            try:
                self.keys.append(PyJWK(key))
            except PyJWTError:
                continue
        if not self.keys:
            raise PyJWKSetError("The JWK Set did not contain any usable keys.")

    @staticmethod
    def from_dict(obj: Dict[str, Any]) -> "PyJWKSet":
        return PyJWKSet(obj.get("keys", []))

    @staticmethod
    def from_json(data: str) -> "PyJWKSet":
        return PyJWKSet.from_dict(json.loads(data))

    def __getitem__(self, kid: str) -> PyJWK:
        for key in self.keys:
            if key.key_id == kid:
                return key
        raise KeyError(f"keyset has no key for kid: {kid}")

    def __iter__(self) -> Iterator[PyJWK]:
        return iter(self.keys)
