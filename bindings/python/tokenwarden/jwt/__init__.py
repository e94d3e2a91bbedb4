"""A drop-in for PyJWT's verifying API on tokenwarden's core: change ``import jwt`` to
``import tokenwarden.jwt as jwt``.

Provided: decode, decode_complete, get_unverified_header, PyJWT, PyJWK, PyJWKSet, PyJWKClient,
every exception class (also as ``tokenwarden.jwt.exceptions``) and PyJWT's warning classes
(``tokenwarden.jwt.warnings``). ``encode`` is PyJWT's own when PyJWT is installed
(tokenwarden verifies; it does not mint). Differences are listed in bindings/python/README.md."""

from __future__ import annotations

from . import exceptions, warnings
from ._decode import get_unverified_header
from .api_jwt import PyJWT, decode, decode_complete, encode
from .api_jwk import PyJWK, PyJWKSet
from .exceptions import (DecodeError, ExpiredSignatureError, ImmatureSignatureError,
                         InvalidAlgorithmError, InvalidAudienceError, InvalidIssuedAtError,
                         InvalidIssuerError, InvalidJTIError, InvalidKeyError,
                         InvalidSignatureError, InvalidSubjectError, InvalidTokenError,
                         MissingCryptographyError, MissingRequiredClaimError,
                         PyJWKClientConnectionError, PyJWKClientError, PyJWKError,
                         PyJWKSetError, PyJWTError)
from .jwks_client import PyJWKClient

__all__ = [
    "decode", "decode_complete", "encode", "get_unverified_header", "PyJWT", "PyJWK",
    "PyJWKSet", "PyJWKClient", "exceptions", "warnings", "PyJWTError", "InvalidTokenError",
    "DecodeError", "InvalidSignatureError", "ExpiredSignatureError", "InvalidAudienceError",
    "InvalidIssuerError", "InvalidIssuedAtError", "ImmatureSignatureError", "InvalidKeyError",
    "InvalidAlgorithmError", "MissingRequiredClaimError", "PyJWKError",
    "MissingCryptographyError", "PyJWKSetError", "PyJWKClientError",
    "PyJWKClientConnectionError", "InvalidSubjectError", "InvalidJTIError",
]
