"""A drop-in for PyJWT's verifying API on tokenwarden's core: change ``import jwt`` to
``import tokenwarden.jwt as jwt``.

Provided: decode, decode_complete, get_unverified_header, PyJWK, PyJWKSet, PyJWKClient and
every exception class (also as ``tokenwarden.jwt.exceptions``). ``encode`` is PyJWT's own
when PyJWT is installed (tokenwarden verifies; it does not mint). Differences are listed in
bindings/python/README.md."""

from __future__ import annotations

from typing import Any

from . import exceptions
from ._decode import decode, decode_complete, get_unverified_header
from .api_jwk import PyJWK, PyJWKSet
from .exceptions import (DecodeError, ExpiredSignatureError, ImmatureSignatureError,
                         InvalidAlgorithmError, InvalidAudienceError, InvalidIssuedAtError,
                         InvalidIssuerError, InvalidJTIError, InvalidKeyError,
                         InvalidSignatureError, InvalidSubjectError, InvalidTokenError,
                         MissingCryptographyError, MissingRequiredClaimError,
                         PyJWKClientConnectionError, PyJWKClientError, PyJWKError,
                         PyJWKSetError, PyJWTError)
from .jwks_client import PyJWKClient


def encode(*args: Any, **kwargs: Any) -> str:
    """PyJWT's encode, when PyJWT is installed: tokenwarden only verifies."""
    try:
        import jwt as _pyjwt
    except ImportError:
        raise NotImplementedError(
            "tokenwarden verifies tokens; install PyJWT to mint them") from None
    return _pyjwt.encode(*args, **kwargs)


__all__ = [
    "decode", "decode_complete", "encode", "get_unverified_header", "PyJWK", "PyJWKSet",
    "PyJWKClient", "exceptions", "PyJWTError", "InvalidTokenError", "DecodeError",
    "InvalidSignatureError", "ExpiredSignatureError", "InvalidAudienceError",
    "InvalidIssuerError", "InvalidIssuedAtError", "ImmatureSignatureError", "InvalidKeyError",
    "InvalidAlgorithmError", "MissingRequiredClaimError", "PyJWKError",
    "MissingCryptographyError", "PyJWKSetError", "PyJWKClientError",
    "PyJWKClientConnectionError", "InvalidSubjectError", "InvalidJTIError",
]
