"""Keys and PyJWT-minted tokens shared by the binding's tests."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sys
import threading
import time
from typing import Any, Callable, Dict, Tuple

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

ISSUER = "https://issuer.example"
AUDIENCE = "api://orders"
HMAC_SECRET = b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"


def ticks_while(work: Callable[[], Any]) -> Tuple[Any, int]:
    """Runs work() while another thread counts; returns its result and the count. The
    switch interval is made far longer than the test, so the counter runs only while work()
    gives the GIL up of its own accord, as a native call that releases it does."""
    ticks = 0
    go, stop = threading.Event(), threading.Event()

    def spin() -> None:
        nonlocal ticks
        go.wait()
        while not stop.is_set():
            ticks += 1
            time.sleep(0)  # hands the GIL back at once when the main thread wants it

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1000)
    t = threading.Thread(target=spin)
    try:
        t.start()
        go.set()
        before = ticks
        result = work()
        during = ticks - before
    finally:
        stop.set()
        sys.setswitchinterval(interval)
        t.join()
    return result, during


def hs256_token(payload: bytes) -> str:
    """A token over raw payload bytes (JSON or not), validly signed with HMAC_SECRET."""
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = b64(b'{"alg":"HS256"}') + "." + b64(payload)
    mac = hmac.new(HMAC_SECRET, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64(mac)


class Keys:
    """One private key per algorithm family, and its public JWK with a kid."""

    def __init__(self) -> None:
        self.private = {
            "RS256": rsa.generate_private_key(public_exponent=65537, key_size=2048),
            "ES256": ec.generate_private_key(ec.SECP256R1()),
            "EdDSA": ed25519.Ed25519PrivateKey.generate(),
            "HS256": HMAC_SECRET,
        }
        self.private["PS256"] = self.private["RS256"]
        self.private["ES384"] = ec.generate_private_key(ec.SECP384R1())
        self.jwks: Dict[str, Any] = {"keys": []}
        for alg, key in self.private.items():
            if alg in ("PS256",):
                continue
            algo = pyjwt.get_algorithm_by_name(alg)
            public = key if alg == "HS256" else key.public_key()
            jwk = json.loads(algo.to_jwk(public))
            jwk["kid"] = f"k-{alg}"
            self.jwks["keys"].append(jwk)

    def kid(self, alg: str) -> str:
        return "k-RS256" if alg == "PS256" else f"k-{alg}"

    def pem(self, alg: str) -> bytes:
        return self.private[alg].public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def mint(self, alg: str = "RS256", kid: Any = "default", headers: Any = None,
             **claims: Any) -> str:
        now = int(time.time())
        payload = {"iss": ISSUER, "aud": AUDIENCE, "sub": "user-1", "iat": now,
                   "exp": now + 600, "scope": "orders:read orders:write"}
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        hdr = dict(headers or {})
        if kid == "default":
            hdr["kid"] = self.kid(alg)
        elif kid is not None:
            hdr["kid"] = kid
        return pyjwt.encode(payload, self.private[alg], algorithm=alg, headers=hdr)


@pytest.fixture(scope="session")
def keys() -> Keys:
    return Keys()
