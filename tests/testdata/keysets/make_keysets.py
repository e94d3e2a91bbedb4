#!/usr/bin/env python3
"""Writes JWK Set edge-case fixtures (tests/testdata/keysets/): sets with keys
the engine must skip (RSA < 2048 bits, Ed448, X25519, key_ops without
"verify", unknown kty) next to usable ones, plus tokens and cases.json.

Keys are new on every run; file and case names are stable. Every case passes
--now 1700000000 and the tokens' iat/exp are fixed relative to it. Token files
have no trailing newline.

Regenerate:
    python3 -m venv /tmp/fxvenv && /tmp/fxvenv/bin/pip install pyjwt cryptography
    /tmp/fxvenv/bin/python tests/testdata/keysets/make_keysets.py
"""

import base64
import glob
import json
import os
import warnings

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa, x25519
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

HERE = os.path.dirname(os.path.abspath(__file__))
NOW = 1700000000
ISS = "https://keysets.example.com"
CLAIMS = {"iss": ISS, "sub": "keyset-tests", "aud": "tokenwarden-tests", "iat": NOW - 60, "exp": NOW + 3600}


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def raw_public(key):
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def pub_jwk(key, **extra):
    if isinstance(key, rsa.RSAPrivateKey):
        d = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
        d = {"kty": "RSA", "n": d["n"], "e": d["e"]}
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        d = ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
        d = {"kty": "EC", "crv": d["crv"], "x": d["x"], "y": d["y"]}
    else:
        crv = None
        for cls, name in ((ed25519.Ed25519PrivateKey, "Ed25519"), (ed448.Ed448PrivateKey, "Ed448"),
                          (x25519.X25519PrivateKey, "X25519")):
            if isinstance(key, cls):
                crv = name
        d = {"kty": "OKP", "crv": crv, "x": b64u(raw_public(key))}
    d.update(extra)
    return d


def sign(key, alg, kid, **claims):
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    headers = {"kid": kid} if kid else None
    return jwt.encode(dict(CLAIMS, **claims), pem, algorithm=alg, headers=headers)


def main():
    warnings.simplefilter("ignore")  # PyJWT warns about the deliberately weak 1024-bit key
    for f in glob.glob(os.path.join(HERE, "*.json")) + glob.glob(os.path.join(HERE, "*.jwt")):
        os.remove(f)

    def write_json(name, obj):
        with open(os.path.join(HERE, name), "w") as f:
            f.write(json.dumps(obj, indent=2) + "\n")

    def write_token(name, token):
        with open(os.path.join(HERE, name), "w") as f:
            f.write(token)
        return name

    cases = []

    def case(name, token_file, jwks, expect, note, args=()):
        cases.append({"name": name, "token_file": token_file, "jwks": jwks,
                      "args": list(args) + ["--audience", CLAIMS["aud"], "--now", str(NOW)],
                      "expect": expect, "note": note})

    # 1. The only RSA key is 1024-bit -> the set has no usable key.
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    strong = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    write_json("rsa1024-only.json", {"keys": [pub_jwk(weak, kid="weak-1024", use="sig", alg="RS256")]})
    t_weak = write_token("rsa1024.jwt", sign(weak, "RS256", "weak-1024"))
    case("rsa1024-only-set-unusable", t_weak, "rsa1024-only.json", "exit2",
         "the set's only key is RSA 1024-bit, which is skipped; a set with no usable key is a usage/config error")
    write_json("rsa1024-plus-2048.json", {"keys": [
        pub_jwk(weak, kid="weak-1024", use="sig", alg="RS256"),
        pub_jwk(strong, kid="strong-2048", use="sig", alg="RS256")]})
    t_strong = write_token("rsa2048.jwt", sign(strong, "RS256", "strong-2048"))
    case("rsa2048-next-to-rsa1024", t_strong, "rsa1024-plus-2048.json", "valid",
         "the 1024-bit key is skipped, the 2048-bit one verifies")
    case("rsa1024-kid-in-mixed-set", t_weak, "rsa1024-plus-2048.json", "key_not_found",
         "token signed by the 1024-bit key under its kid; that entry was skipped")

    # 2. Ed448 + X25519 (unsupported curves, skipped) + one Ed25519 key.
    k448 = ed448.Ed448PrivateKey.generate()
    kx = x25519.X25519PrivateKey.generate()
    k25519 = ed25519.Ed25519PrivateKey.generate()
    write_json("okp-mixed.json", {"keys": [
        pub_jwk(k448, kid="ed448-1", use="sig", alg="EdDSA"),
        pub_jwk(kx, kid="x25519-1", use="enc"),
        pub_jwk(k25519, kid="ed25519-1", use="sig", alg="EdDSA")]})
    t_ed = write_token("ed25519.jwt", sign(k25519, "EdDSA", "ed25519-1"))
    t_ed_nokid = write_token("ed25519-nokid.jwt", sign(k25519, "EdDSA", None))
    t_448 = write_token("ed448.jwt", sign(k448, "EdDSA", "ed448-1"))
    case("okp-mixed-ed25519-valid", t_ed, "okp-mixed.json", "valid",
         "Ed448 and X25519 entries are skipped; the Ed25519 key (kid ed25519-1) verifies")
    case("okp-mixed-ed25519-nokid-valid", t_ed_nokid, "okp-mixed.json", "valid",
         "no kid: the only usable key is the Ed25519 one")
    case("okp-mixed-ed448-token", t_448, "okp-mixed.json", "key_not_found",
         "EdDSA token really signed with Ed448 under kid ed448-1; Ed448 keys are unsupported and skipped")

    # 3. key_ops ["encrypt"] only (skipped) next to a key_ops ["verify"] key (both RSA 2048, RS256).
    k_enc = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    k_ok = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    write_json("key-ops.json", {"keys": [
        pub_jwk(k_enc, kid="encrypt-only", key_ops=["encrypt"]),
        pub_jwk(k_ok, kid="verify-ok", key_ops=["verify"])]})
    t_ok = write_token("key-ops-good.jwt", sign(k_ok, "RS256", "verify-ok"))
    t_bad = write_token("key-ops-encrypt-only.jwt", sign(k_enc, "RS256", "encrypt-only"))
    t_bad_nokid = write_token("key-ops-encrypt-only-nokid.jwt", sign(k_enc, "RS256", None))
    case("key-ops-good-key-valid", t_ok, "key-ops.json", "valid",
         "the key_ops [\"encrypt\"] entry is skipped; the key_ops [\"verify\"] entry verifies")
    case("key-ops-encrypt-only-kid", t_bad, "key-ops.json", "key_not_found",
         "signed by the encrypt-only key under its kid; that entry was skipped")
    case("key-ops-encrypt-only-nokid", t_bad_nokid, "key-ops.json", "invalid_signature",
         "signed by the encrypt-only key, no kid: the only usable key (verify-ok) does not verify it")

    # 4. Unknown kty and unknown members are tolerated.
    k_ec = ec.generate_private_key(ec.SECP256R1())
    write_json("unknown-kty.json", {"keys": [
        {"kty": "XYZ", "kid": "mystery", "use": "sig", "crv": "Q-999", "x": "AAAA", "future": {"a": [1, 2, 3]}},
        pub_jwk(k_ec, kid="ec-1", use="sig", alg="ES256", ext=True, extra_member={"nested": True})]})
    t_ec = write_token("unknown-kty-ec.jwt", sign(k_ec, "ES256", "ec-1"))
    case("unknown-kty-tolerated", t_ec, "unknown-kty.json", "valid",
         "an entry with kty XYZ is skipped (not an error); the EC key, which also carries unknown members, verifies")

    origin = ("JWK Set edge cases generated by tests/testdata/keysets/make_keysets.py with PyJWT + cryptography "
              "(fresh keys each run; file and case names stable; token files have no trailing newline). "
              "Regenerate: python3 -m venv /tmp/fxvenv && /tmp/fxvenv/bin/pip install pyjwt cryptography && "
              "/tmp/fxvenv/bin/python tests/testdata/keysets/make_keysets.py")
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names))
    write_json("cases.json", {"origin": origin, "cases": cases})
    print("wrote %d cases" % len(cases))


if __name__ == "__main__":
    main()
