#!/usr/bin/env python3
"""Cross-checks every tests/testdata/**/cases.json against a small Python
model of `tokenwarden verify` built on PyJWT + cryptography.

It is an oracle for the fixtures, not a test of tokenwarden: it catches a
fixture whose expectation does not follow from the documented rules (a token
that expired by accident, a wrong at_hash, a key that is silently unusable).
Where the rules leave the order of checks open, the model picks: header ->
algorithm policy -> key selection -> signature -> payload JSON -> time ->
issuer/audience/type -> nonce/at_hash/claims/scope/max-age.

    /tmp/fxvenv/bin/python tests/testdata/check_fixtures.py   # exit 0 = all agree
"""

import base64
import glob
import hashlib
import json
import os
import sys

from cryptography.hazmat.primitives.serialization import load_pem_public_key
from jwt.algorithms import get_default_algorithms

HERE = os.path.dirname(os.path.abspath(__file__))
ALGS = get_default_algorithms()
SUPPORTED = {"HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
             "ES256", "ES384", "ES512", "EdDSA"}
EC_ALG = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}


class Fail(Exception):
    pass


def b64d(s):
    if any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" for c in s):
        raise Fail("malformed")
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def key_algs(jwk):
    """Algorithms a JWK can verify, or None if the entry must be skipped."""
    if jwk.get("use") == "enc":
        return None
    if "key_ops" in jwk and "verify" not in jwk["key_ops"]:
        return None
    kty = jwk.get("kty")
    if kty == "RSA":
        if len(b64d(jwk["n"]).lstrip(b"\0")) * 8 < 2048:
            return None
        algs = {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
    elif kty == "EC" and jwk.get("crv") in EC_ALG:
        algs = {EC_ALG[jwk["crv"]]}
    elif kty == "OKP" and jwk.get("crv") == "Ed25519":
        algs = {"EdDSA"}
    elif kty == "oct":
        algs = {"HS256", "HS384", "HS512"}
    else:
        return None
    if "alg" in jwk:
        algs &= {jwk["alg"]}
    return algs or None


def load_keys(base, case):
    """[(kid, algs, jwk-or-pem)]; raises Fail('exit2') when nothing is usable."""
    out = []
    if "jwks" in case:
        with open(os.path.join(base, case["jwks"])) as f:
            for jwk in json.load(f)["keys"]:
                algs = key_algs(jwk)
                if algs:
                    out.append((jwk.get("kid"), algs, jwk))
    else:
        with open(os.path.join(base, case["key"])) as f:
            text = f.read()
        if text.lstrip().startswith("-----BEGIN"):
            pub = load_pem_public_key(text.encode())
            for alg in ("RS256", "ES256", "EdDSA"):
                try:
                    jwk = json.loads(ALGS[alg].to_jwk(pub))
                    break
                except Exception:
                    continue
        else:
            jwk = json.loads(text)
        algs = key_algs(jwk)
        if algs:
            out.append((None, algs, jwk))  # kid ignored with --key
    if not out:
        raise Fail("exit2")
    return out


def check_x5(jwk):
    """x5c[0] must hold this very key; x5t / x5t#S256 must be its SHA-1 / SHA-256 thumbprints."""
    from cryptography import x509
    der = base64.b64decode(jwk["x5c"][0])
    cert_pub = x509.load_der_x509_certificate(der).public_key()
    nums = cert_pub.public_numbers()
    n = int.from_bytes(b64d(jwk["n"]), "big")
    e = int.from_bytes(b64d(jwk["e"]), "big")
    ok = (nums.n, nums.e) == (n, e)
    for member, h in (("x5t", hashlib.sha1), ("x5t#S256", hashlib.sha256)):
        if member in jwk:
            ok &= jwk[member] == base64.urlsafe_b64encode(h(der).digest()).rstrip(b"=").decode()
    return ok


def parse_args(args):
    o = {"audience": [], "leeway": 0}
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--allow-missing-exp":
            o["allow_missing_exp"] = True
            i += 1
            continue
        v = args[i + 1]
        i += 2
        name = a[2:].replace("-", "_")
        if name == "audience":
            o["audience"].append(v)
        elif name in ("now", "leeway", "max_age"):
            o[name] = int(v)
        elif name == "algorithms":
            o[name] = set(v.split(","))
        else:
            o[name] = v
    return o


def norm_typ(t):
    t = t.lower()
    return t[len("application/"):] if t.startswith("application/") else t


def verify(token, keys, is_set, o):
    parts = token.split(".")
    if len(parts) != 3:
        raise Fail("malformed")
    try:
        header = json.loads(b64d(parts[0]))
    except ValueError:
        raise Fail("malformed")
    if not isinstance(header, dict) or not isinstance(header.get("alg"), str):
        raise Fail("malformed")
    alg = header["alg"]
    if alg not in SUPPORTED:
        raise Fail("unsupported_algorithm")
    if "crit" in header:
        raise Fail("unsupported_critical_header")
    allowed = o.get("algorithms") or set().union(*(a for _, a, _ in keys))
    if alg not in allowed:
        raise Fail("algorithm_not_allowed")
    cands = [k for k in keys if alg in k[1]]
    if "kid" in header and is_set:
        cands = [k for k in cands if k[0] == header["kid"]]
    if not cands:
        raise Fail("key_not_found")
    msg, sig = (parts[0] + "." + parts[1]).encode(), b64d(parts[2])
    algo = ALGS[alg]
    if not any(algo.verify(msg, algo.from_jwk(json.dumps(j)), sig) for _, _, j in cands):
        raise Fail("invalid_signature")
    try:
        claims = json.loads(b64d(parts[1]))
    except ValueError:
        raise Fail("malformed")
    if not isinstance(claims, dict):
        raise Fail("malformed")
    now, lw = o["now"], o["leeway"]
    if "exp" not in claims:
        if not o.get("allow_missing_exp"):
            raise Fail("missing_claim")
    elif now >= claims["exp"] + lw:
        raise Fail("expired")
    if "nbf" in claims and now + lw < claims["nbf"]:
        raise Fail("not_yet_valid")
    if "issuer" in o and claims.get("iss") != o["issuer"]:
        raise Fail("invalid_issuer")
    if o["audience"]:
        aud = claims.get("aud")
        aud = [aud] if isinstance(aud, str) else (aud or [])
        if not set(aud) & set(o["audience"]):
            raise Fail("invalid_audience")
    if "type" in o and norm_typ(header.get("typ", "")) != norm_typ(o["type"]):
        raise Fail("invalid_type")
    if "nonce" in o and claims.get("nonce") != o["nonce"]:
        raise Fail("invalid_nonce")
    if "access_token" in o and "at_hash" in claims:
        h = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}.get(alg[-3:], hashlib.sha512)
        d = h(o["access_token"].encode()).digest()
        if base64.urlsafe_b64encode(d[: len(d) // 2]).rstrip(b"=").decode() != claims["at_hash"]:
            raise Fail("invalid_at_hash")
    if "require_claim" in o and o["require_claim"] not in claims:
        raise Fail("missing_claim")
    if "scope" in o:
        granted = set()
        for name in ("scope", "scp"):
            v = claims.get(name)
            granted |= set(v.split()) if isinstance(v, str) else set(v or [])
        if o["scope"] not in granted:
            raise Fail("insufficient_scope")
    if "max_age" in o:
        if "auth_time" not in claims:
            raise Fail("missing_claim")
        if now > claims["auth_time"] + o["max_age"] + lw:
            raise Fail("too_old")
    return "valid"


def main():
    bad = total = 0
    for manifest in sorted(glob.glob(os.path.join(HERE, "**", "cases.json"), recursive=True)):
        base = os.path.dirname(manifest)
        with open(manifest) as f:
            m = json.load(f)
        assert m.get("origin") and m.get("cases"), manifest
        for c in m["cases"]:
            total += 1
            assert "--now" in c["args"], c["name"]
            if "token_file" in c:
                with open(os.path.join(base, c["token_file"])) as f:
                    token = f.read()
            else:
                token = c["token"]
            try:
                got = verify(token, load_keys(base, c), "jwks" in c, parse_args(c["args"]))
            except Fail as e:
                got = str(e)
            if got != c["expect"]:
                bad += 1
                print("MISMATCH %s: %s expected %s, model says %s" % (os.path.relpath(manifest, HERE),
                                                                      c["name"], c["expect"], got))
    for path in glob.glob(os.path.join(HERE, "**", "*.json"), recursive=True):
        with open(path) as f:
            doc = json.load(f)
        for jwk in doc.get("keys", []) if isinstance(doc, dict) else []:
            if "x5c" in jwk and not check_x5(jwk):
                bad += 1
                print("BAD x5c/x5t: %s kid %s" % (path, jwk.get("kid")))
    for path in glob.glob(os.path.join(HERE, "**", "*"), recursive=True):
        if os.path.isfile(path) and os.path.getsize(path) >= 20 * 1024:
            bad += 1
            print("TOO BIG: %s" % path)
    print("%d passed, %d failed" % (total - bad, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
