"""Turning the key arguments Python users pass into the key text the core reads."""

from __future__ import annotations

import json
from typing import Any


def key_text(keys: Any) -> str:
    """A JWK Set, one JWK or a PEM public key, from: str / bytes (JSON or PEM text), a dict
    (a JWK Set or one JWK), a list of JWK dicts, or a ``cryptography`` public or private key
    object (its public half, as PEM)."""
    if isinstance(keys, str):
        return keys
    if isinstance(keys, (bytes, bytearray, memoryview)):
        return bytes(keys).decode("utf-8")
    if isinstance(keys, dict):
        return json.dumps(keys)
    if isinstance(keys, (list, tuple)) and all(isinstance(k, dict) for k in keys):
        return json.dumps({"keys": list(keys)})
    pem = _cryptography_pem(keys)
    if pem is not None:
        return pem
    raise TypeError(
        "keys must be a JWK Set or JWK (dict or JSON text), a PEM public key, or a "
        f"cryptography key object, not {type(keys).__name__}")


def _cryptography_pem(key: Any) -> "str | None":
    public_bytes = getattr(key, "public_bytes", None)
    if public_bytes is None and hasattr(key, "public_key"):
        try:
            key = key.public_key()
        except TypeError:
            return None
        public_bytes = getattr(key, "public_bytes", None)
    if public_bytes is None:
        return None
    try:
        from cryptography.hazmat.primitives import serialization
    except ImportError:  # pragma: no cover - a key object implies cryptography
        return None
    return public_bytes(serialization.Encoding.PEM,
                        serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")
