#!/usr/bin/env python3
"""Sign sets of distinct tokens with the benchmark's keys: the headline benchmarks' input.

Real traffic is thousands of distinct tokens from a handful of keys; one token repeated
flatters every cache and branch predictor. This writes, per algorithm, N tokens signed by
the key in bench/fixtures (kid bench-<alg>), each with its own sub, jti and iat and a
realistic spread of sizes, all valid for the manifest's iss, aud and clock:

    /var/cache/tokenwarden/venv/bin/python bench/make_distinct.py [--count N] [--out DIR]

DIR (default build/bench/distinct) receives <alg>.jwts — one compact token per line,
newline-terminated — and distinct.json (per algorithm: file, count, smallest, median and
largest size). Claims are drawn from a generator seeded per algorithm, so the same keys
give the same payloads on every run (ECDSA signatures still differ: they are randomized).
Every token is checked with PyJWT before it is written. Sizes run from about 300 to
1,200 bytes: the access tokens providers issue, from a bare client-credentials token to
one with a user's roles, groups and profile.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import random
import statistics
import sys
import uuid

import jwt  # PyJWT
from cryptography.hazmat.primitives import serialization

HERE = pathlib.Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
DEFAULT_OUT = HERE.parent / "build" / "bench" / "distinct"
MIN_BYTES, MAX_BYTES = 300, 1200

SCOPES = ["openid", "profile", "email", "offline_access", "orders:read", "orders:write",
          "billing:read", "catalog:read", "catalog:write", "admin", "reports:read"]
ROLES = ["viewer", "editor", "owner", "support", "auditor", "billing-admin", "developer"]
NAMES = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia"]


def load_key(entry: dict, alg: str):
    """The signing key of alg: the HMAC secret or the private PEM beside its public key."""
    if entry["key_format"] == "raw":
        return (FIXTURES / entry["key"]).read_bytes()
    pem = (FIXTURES / entry["key"].replace(".pub.pem", ".key.pem")).read_bytes()
    return serialization.load_pem_private_key(pem, password=None)


def verify_key(entry: dict):
    path = FIXTURES / entry["key"]
    return path.read_bytes() if entry["key_format"] == "raw" else path.read_text()


def claims_for(rng: random.Random, i: int, manifest: dict, budget: int) -> dict:
    """One token's claims; `budget` is roughly how many payload bytes the extras may take."""
    iat = manifest["now"] - rng.randrange(0, 3000)
    claims = {
        "iss": manifest["iss"],
        "aud": manifest["aud"],
        "sub": str(uuid.UUID(int=rng.getrandbits(128))),
        "iat": iat,
        "exp": manifest["exp"],
        "jti": f"{i:06d}-{rng.getrandbits(64):016x}",
        "scope": " ".join(rng.sample(SCOPES, rng.randint(1, 4))),
    }
    extras = [
        ("client_id", lambda: f"client-{rng.randrange(1, 40):03d}"),
        ("auth_time", lambda: iat - rng.randrange(0, 600)),
        ("name", lambda: f"{rng.choice(NAMES)} {rng.choice(NAMES)}son"),
        ("email", lambda: f"user{rng.randrange(10**6)}@example.com"),
        ("roles", lambda: rng.sample(ROLES, rng.randint(1, 5))),
        ("groups", lambda: [f"grp-{rng.getrandbits(32):08x}" for _ in range(rng.randint(1, 6))]),
        ("tenant", lambda: str(uuid.UUID(int=rng.getrandbits(128)))),
        ("amr", lambda: rng.sample(["pwd", "mfa", "otp", "hwk"], 2)),
    ]
    rng.shuffle(extras)
    used = 0
    for name, make in extras:
        if used >= budget:
            break
        value = make()
        claims[name] = value
        used += len(name) + len(json.dumps(value)) + 4
    return claims


def make_set(alg: str, entry: dict, manifest: dict, count: int) -> list[str]:
    rng = random.Random(f"tokenwarden-bench-{alg}")
    key = load_key(entry, alg)
    check_key = verify_key(entry)
    tokens = []
    for i in range(count):
        target = rng.randint(MIN_BYTES, MAX_BYTES)
        # The signature and header are fixed per algorithm; fill the rest towards the target,
        # then trim the largest extras until the token fits.
        claims = claims_for(rng, i, manifest, budget=int(target * 0.75) - 260)
        token = jwt.encode(claims, key, algorithm=alg, headers={"kid": entry["kid"], "typ": "JWT"})
        while len(token) > MAX_BYTES:
            extra = max((k for k in claims if k not in ("iss", "aud", "sub", "iat", "exp", "jti")),
                        key=lambda k: len(json.dumps(claims[k])))
            del claims[extra]
            token = jwt.encode(claims, key, algorithm=alg,
                               headers={"kid": entry["kid"], "typ": "JWT"})
        jwt.decode(token, check_key, algorithms=[alg], audience=manifest["aud"],
                   issuer=manifest["iss"], options={"require": ["exp", "iss", "aud"]},
                   leeway=0)
        tokens.append(token)
    if len(set(tokens)) != count:
        raise SystemExit(f"make_distinct: {alg}: tokens are not all distinct")
    return tokens


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--out", type=pathlib.Path, default=DEFAULT_OUT)
    ap.add_argument("--algs", default="", help="comma-separated; default: every manifest alg")
    args = ap.parse_args()
    manifest = json.loads((FIXTURES / "manifest.json").read_text())
    algs = [a for a in args.algs.split(",") if a] or list(manifest["algs"])
    args.out.mkdir(parents=True, exist_ok=True)
    summary = {"count": args.count, "now": manifest["now"], "iss": manifest["iss"],
               "aud": manifest["aud"], "jwks": str(FIXTURES / manifest["jwks"]), "algs": {}}
    for alg in algs:
        entry = manifest["algs"][alg]
        tokens = make_set(alg, entry, manifest, args.count)
        name = f"{alg.lower()}.jwts"
        tmp = args.out / (name + ".tmp")
        tmp.write_text("".join(t + "\n" for t in tokens))
        os.replace(tmp, args.out / name)
        sizes = [len(t) for t in tokens]
        summary["algs"][alg] = {"file": name, "kid": entry["kid"], "count": len(tokens),
                                "min_bytes": min(sizes), "median_bytes": int(statistics.median(sizes)),
                                "max_bytes": max(sizes)}
        s = summary["algs"][alg]
        print(f"{alg:6} {s['count']} tokens, {s['min_bytes']}-{s['max_bytes']} bytes "
              f"(median {s['median_bytes']}) -> {args.out / name}")
    (args.out / "distinct.json").write_text(json.dumps(summary, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
