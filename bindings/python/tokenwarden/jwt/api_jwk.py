"""PyJWK and PyJWKSet: JWKs as PyJWT exposes them, backed by the core's key loader."""

from __future__ import annotations

import json
from typing import Any, Dict, Iterator, List, Optional

from .exceptions import InvalidKeyError, PyJWKError, PyJWKSetError

_CURVE_ALG = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}
_SUPPORTED = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512",
              "EdDSA", "Ed25519", "HS256", "HS384", "HS512"}


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
    """One JWK. ``key`` is what ``decode`` accepts (this object itself); ``algorithm_name``
    is the algorithm a token verified with it must use."""

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

    @staticmethod
    def from_dict(obj: Dict[str, Any], algorithm: Optional[str] = None) -> "PyJWK":
        return PyJWK(obj, algorithm)

    @staticmethod
    def from_json(data: str, algorithm: Optional[str] = None) -> "PyJWK":
        return PyJWK(json.loads(data), algorithm)

    @property
    def key(self) -> "PyJWK":
        return self

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
    """A JWK Set; keys that are not usable for verification are left out."""

    def __init__(self, keys: List[Dict[str, Any]]) -> None:
        if not keys:
            raise PyJWKSetError("The JWK Set did not contain any keys")
        if not isinstance(keys, list):
            raise PyJWKSetError("Invalid JWK Set value")
        self.keys: List[PyJWK] = []
        for key in keys:
            try:
                self.keys.append(PyJWK(key))
            except PyJWKError:
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
