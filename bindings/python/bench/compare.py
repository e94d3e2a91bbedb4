#!/usr/bin/env python3
"""tokenwarden's Python binding against PyJWT and joserfc: same tokens, same keys, one run.

    python bindings/python/bench/compare.py [--seconds S] [--json OUT]

Per algorithm (RS256, ES256, HS256): tokenwarden.Validator.validate cold (cache off: every
call parses and verifies), cached (the same token again: a verified-token cache hit that
re-checks exp and revocation), tokenwarden.jwt.decode (the PyJWT drop-in), PyJWT's
jwt.decode with a pre-loaded key object, and joserfc's jwt.decode + JWTClaimsRegistry
validation with a pre-imported key. Every call checks signature, alg, exp, iss and aud.
Prints a JSON document and a markdown table of calls/s and ratios to PyJWT."""

from __future__ import annotations

import argparse
import json
import platform
import time

import jwt as pyjwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from joserfc import jwt as jose_jwt
from joserfc.jwk import ECKey, OctKey, RSAKey

import tokenwarden
import tokenwarden.jwt as tjwt

ISS, AUD = "https://issuer.example", "api://bench"
SECRET = b"k" * 64


def rate(fn, seconds: float) -> float:
    fn()
    n, start, deadline = 0, time.perf_counter(), time.perf_counter() + seconds
    batch = 64
    while time.perf_counter() < deadline:
        for _ in range(batch):
            fn()
        n += batch
    return n / (time.perf_counter() - start)


def setup(alg: str):
    now = int(time.time())
    claims = {"iss": ISS, "aud": AUD, "sub": "user-1", "iat": now, "exp": now + 3600,
              "scope": "orders:read orders:write", "jti": "b7c1"}
    if alg == "RS256":
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = private.public_key()
        jose_key = RSAKey.import_key(json.loads(pyjwt.algorithms.RSAAlgorithm.to_jwk(public)))
        algo = pyjwt.algorithms.RSAAlgorithm
    elif alg == "ES256":
        private = ec.generate_private_key(ec.SECP256R1())
        public = private.public_key()
        jose_key = ECKey.import_key(json.loads(pyjwt.algorithms.ECAlgorithm.to_jwk(public)))
        algo = pyjwt.algorithms.ECAlgorithm
    else:
        private = public = SECRET
        jose_key = OctKey.import_key(SECRET)
        algo = None
    token = pyjwt.encode(claims, private, algorithm=alg)
    jwk = (json.loads(algo.to_jwk(public)) if algo else
           json.loads(pyjwt.algorithms.HMACAlgorithm.to_jwk(SECRET)))
    return token, public, jose_key, {"keys": [jwk]}


def measure(alg: str, seconds: float) -> dict:
    token, public, jose_key, jwks = setup(alg)
    cold = tokenwarden.Validator(jwks, issuer=ISS, audience=AUD, algorithms=[alg], cache=False)
    cached = tokenwarden.Validator(jwks, issuer=ISS, audience=AUD, algorithms=[alg])
    registry = jose_jwt.JWTClaimsRegistry(iss={"essential": True, "value": ISS},
                                          aud={"essential": True, "value": AUD},
                                          exp={"essential": True})

    def joserfc_decode():
        registry.validate(jose_jwt.decode(token, jose_key, algorithms=[alg]).claims)

    runs = {
        "tokenwarden cold": lambda: cold.validate(token),
        "tokenwarden cached": lambda: cached.validate(token),
        "tokenwarden.jwt.decode": lambda: tjwt.decode(token, public, algorithms=[alg],
                                                      audience=AUD, issuer=ISS),
        "PyJWT": lambda: pyjwt.decode(token, public, algorithms=[alg], audience=AUD,
                                      issuer=ISS),
        "joserfc": joserfc_decode,
    }
    return {name: rate(fn, seconds) for name, fn in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()
    results = {alg: measure(alg, args.seconds) for alg in ("RS256", "ES256", "HS256")}
    doc = {"python": platform.python_version(), "seconds_per_cell": args.seconds,
           "calls_per_second": results}
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(doc, f, indent=2)
    names = list(next(iter(results.values())))
    print("| alg | " + " | ".join(names) + " | cold ÷ PyJWT | cached ÷ PyJWT |")
    print("|---|" + "---:|" * (len(names) + 2))
    for alg, row in results.items():
        cells = " | ".join(f"{row[n]:,.0f}" for n in names)
        print(f"| {alg} | {cells} | {row['tokenwarden cold'] / row['PyJWT']:.1f}× | "
              f"{row['tokenwarden cached'] / row['PyJWT']:.0f}× |")


if __name__ == "__main__":
    main()
