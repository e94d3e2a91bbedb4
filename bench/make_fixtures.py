#!/usr/bin/env python3
"""Generate the benchmark fixtures shared by tokenwarden's benchmark and the peer harnesses.

Run with the test venv (PyJWT + cryptography):
    /var/cache/tokenwarden/venv/bin/python bench/make_fixtures.py [--out DIR]

Every run makes fresh keys; the file names are fixed, so the outputs can be committed and
re-generated without touching anything that reads them.  Written into DIR (default
bench/fixtures/):

  <alg>.pub.pem          public key, SubjectPublicKeyInfo PEM   (rs256, ps256, es256, es384, eddsa)
  <alg>.key.pem          its private key, PKCS #8 PEM: throwaway keys made for the benchmark,
                         kept so bench/make_distinct.py can sign token sets with them
  hs<n>.secret           the HMAC secrets (32, 48 and 64 bytes for HS256/384/512), raw bytes
  hs<n>.secret.b64url    the same secret, base64url without padding (no newline)
  <alg>.jwt              one compact JWS per algorithm (no trailing newline)
  jwks.json              a JWK Set with every public key and the oct key, each with its kid
  sizes/<alg>_<n>.jwt    HS256 and ES256 tokens padded to about n bytes (n = 300 1024 2048 4096)
  manifest.json          what is where: per alg the token, key, kid, iss, aud and the clock
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import pathlib
import secrets
import sys

import jwt  # PyJWT
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

ISS = "https://bench.tokenwarden.example"
AUD = "bench-api"
IAT = 1767225600  # 2026-01-01T00:00:00Z
EXP = 4102444800  # 2100-01-01T00:00:00Z
NOW = IAT + 60    # the clock a deterministic verifier should use
SIZES = (300, 1024, 2048, 4096)
SIZED_ALGS = ("HS256", "ES256")
ALGS = ("RS256", "PS256", "ES256", "ES384", "EdDSA", "HS256", "HS384", "HS512")
HMAC_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def make_key(alg: str):
    """Returns (signing key, public key or None for HMAC)."""
    if alg in ("RS256", "PS256"):
        k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return k, k.public_key()
    if alg == "ES256":
        k = ec.generate_private_key(ec.SECP256R1())
        return k, k.public_key()
    if alg == "ES384":
        k = ec.generate_private_key(ec.SECP384R1())
        return k, k.public_key()
    if alg == "EdDSA":
        k = ed25519.Ed25519PrivateKey.generate()
        return k, k.public_key()
    if alg in HMAC_BYTES:
        return secrets.token_bytes(HMAC_BYTES[alg]), None
    raise ValueError(alg)


def public_jwk(alg: str, kid: str, signing_key, public_key) -> dict:
    """A JWK for the verification key; built from PyJWT's converters, then given kid/alg/use."""
    if alg in HMAC_BYTES:
        jwk = {"kty": "oct", "k": b64url(signing_key)}
    elif alg in ("RS256", "PS256"):
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public_key))
    elif alg in ("ES256", "ES384"):
        jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(public_key))
    else:
        jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(public_key))
    for drop in ("key_ops", "ext"):
        jwk.pop(drop, None)
    ordered = {"kid": kid, "alg": alg, "use": "sig"}
    ordered.update(jwk)
    return ordered


def base_claims(alg: str) -> dict:
    # sub and jti lengths are picked so that HS256 comes to ~400 bytes, ES256 a little more.
    tag = alg.lower()
    return {
        "iss": ISS,
        "aud": AUD,
        "sub": "user-7f3c9a12-5b4e-4d21-9c0a-benchmark-01",
        "iat": IAT,
        "exp": EXP,
        "scope": "read write",
        "jti": f"bench-{tag}-0001-2f9d6c3e8a7b-4c5d6e7f8091",
    }


def sign(alg: str, kid: str, signing_key, claims: dict) -> str:
    headers = {"kid": kid, "typ": "JWT"}
    # PyJWT puts "alg" first and sorts nothing else: {"alg":..,"kid":..,"typ":"JWT"}
    token = jwt.encode(claims, signing_key, algorithm=alg, headers=headers)
    return token if isinstance(token, str) else token.decode("ascii")


def sized_token(alg: str, kid: str, signing_key, target: int) -> str:
    """Pads the "pad" claim until the token is as close to target bytes as base64 allows.

    The smallest size keeps only what a resource server checks (iss, aud, exp) and iat; it
    gets a "pad" claim only if there is room for one."""
    claims = base_claims(alg)
    if target < 400:
        claims = {k: claims[k] for k in ("iss", "aud", "iat", "exp")}
    best = None
    for pad_len in range(-1, target):
        if pad_len >= 0:
            claims["pad"] = "x" * pad_len
        tok = sign(alg, kid, signing_key, claims)
        if len(tok) > target:
            break
        best = tok
    if best is None:
        raise SystemExit(f"make_fixtures: cannot fit {alg} in {target} bytes")
    return best


def check(alg: str, token: str, key) -> None:
    """Every token must verify with PyJWT against the written key before we commit it."""
    jwt.decode(token, key, algorithms=[alg], audience=AUD, issuer=ISS,
               options={"require": ["exp", "iss", "aud"]})


def write(path: pathlib.Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def main() -> int:
    here = pathlib.Path(__file__).resolve().parent
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=pathlib.Path, default=here / "fixtures")
    args = ap.parse_args()
    out: pathlib.Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    manifest = {"iss": ISS, "aud": AUD, "iat": IAT, "exp": EXP, "now": NOW,
                "jwks": "jwks.json", "algs": {}, "sizes": []}
    jwks = {"keys": []}
    for alg in ALGS:
        tag = alg.lower()
        kid = f"bench-{tag}"
        signing_key, public_key = make_key(alg)
        if public_key is None:
            key_file = f"{tag}.secret"
            write(out / key_file, signing_key)
            write(out / f"{tag}.secret.b64url", b64url(signing_key).encode())
            verify_key = signing_key
            key_format = "raw"
        else:
            key_file = f"{tag}.pub.pem"
            pem = public_key.public_bytes(serialization.Encoding.PEM,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
            write(out / key_file, pem)
            write(out / f"{tag}.key.pem",
                  signing_key.private_bytes(serialization.Encoding.PEM,
                                            serialization.PrivateFormat.PKCS8,
                                            serialization.NoEncryption()))
            verify_key = public_key
            key_format = "spki-pem"
        jwks["keys"].append(public_jwk(alg, kid, signing_key, public_key))

        token = sign(alg, kid, signing_key, base_claims(alg))
        check(alg, token, verify_key)
        write(out / f"{tag}.jwt", token.encode())
        entry = {"token": f"{tag}.jwt", "key": key_file, "key_format": key_format, "kid": kid,
                 "iss": ISS, "aud": AUD, "now": NOW, "token_bytes": len(token)}
        if alg in HMAC_BYTES:
            entry["key_b64url"] = f"{tag}.secret.b64url"
        manifest["algs"][alg] = entry

        if alg in SIZED_ALGS:
            for target in SIZES:
                tok = sized_token(alg, kid, signing_key, target)
                check(alg, tok, verify_key)
                name = f"sizes/{tag}_{target}.jwt"
                write(out / name, tok.encode())
                manifest["sizes"].append({"alg": alg, "nominal_bytes": target,
                                          "token_bytes": len(tok), "token": name,
                                          "key": key_file, "kid": kid})

    write(out / "jwks.json", (json.dumps(jwks, indent=2) + "\n").encode())
    write(out / "manifest.json", (json.dumps(manifest, indent=2) + "\n").encode())
    for alg, e in manifest["algs"].items():
        print(f"{alg:6} {e['token']:10} {e['token_bytes']:5} bytes  key {e['key']}")
    for s in manifest["sizes"]:
        print(f"{s['alg']:6} {s['token']:22} {s['token_bytes']:5} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
