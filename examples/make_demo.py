#!/usr/bin/env python3
"""Writes the demo key set and tokens in examples/demo/ (run with the test venv:
/var/cache/tokenwarden/venv/bin/python examples/make_demo.py). A fresh ES256 key is generated
and its private half thrown away; only the public JWK Set and the signed tokens are kept."""
import json
import pathlib

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

out = pathlib.Path(__file__).parent / "demo"
out.mkdir(exist_ok=True)
key = ec.generate_private_key(ec.SECP256R1())
jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
jwk.update({"kid": "demo-2026", "use": "sig", "alg": "ES256"})
(out / "jwks.json").write_text(json.dumps({"keys": [jwk]}, indent=2) + "\n")

base = {
    "iss": "https://issuer.example.com",
    "sub": "user-42",
    "aud": ["orders-api", "billing-api"],
    "scope": "orders:read orders:write",
    "client_id": "demo-client",
    "jti": "5f1c6a3e-demo",
    "iat": 1767225600,  # 2026-01-01T00:00:00Z
}
headers = {"kid": "demo-2026", "typ": "at+jwt"}
tokens = {
    "token.jwt": dict(base, exp=4102444800),  # 2100-01-01: valid for the demo's lifetime
    "expired.jwt": dict(base, exp=1767229200),  # 2026-01-01T01:00:00Z
}
for name, claims in tokens.items():
    (out / name).write_text(jwt.encode(claims, key, algorithm="ES256", headers=headers) + "\n")
