#!/usr/bin/env python3
"""tokenwarden's Python binding against PyJWT and joserfc on the same distinct tokens.

    python bindings/python/bench/compare.py [--seconds S] [--runs N] [--algs A,B]
                                            [--rows "validate cold,PyJWT"] [--json OUT]
    python bindings/python/bench/compare.py --peers-only --json OUT   (what the Debian run is)

Input: bench/make_distinct.py's token sets (build/bench/distinct/<alg>.jwts: 1,000 distinct
tokens per algorithm, signed with the keys of bench/fixtures), validated round-robin; the
first token alone, repeated, is the secondary "single token" row. Every call checks the
signature, alg, exp, iss and aud, and each implementation is used as its documentation
says to: keys parsed once, outside the timed loop.

Rows, per algorithm (RS256, ES256, EdDSA, HS256):
  tokenwarden Validator.validate, cold (cache=False) — the headline — and cached (every
    token already in the verified-token cache: hits that re-check exp and revocation);
  tokenwarden.jwt.decode (the PyJWT drop-in) with its validators' cache off, and as shipped
    (cache on: hits);
  PyJWT's jwt.decode with a key object (cryptography's, loaded once; the secret's bytes
    for HS256): the newest from PyPI in this interpreter, and Debian's python3-jwt, run by
    the system interpreter /usr/bin/python3 -I (isolated: its own dist-packages, with
    Debian's python3-cryptography; nothing of this venv) with --peers-only;
  joserfc's jwt.decode with an imported key, then JWTClaimsRegistry.validate.

Rates are calls per second of this process's CPU time, the median of --runs runs of
--seconds each: on a shared machine, time spent waiting for a core is nobody's cost.
Prints a markdown table; --json writes every figure."""

from __future__ import annotations

import argparse
import json
import pathlib
import platform
import statistics
import subprocess
import sys
import time
import warnings

ROOT = pathlib.Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "bench" / "fixtures"
DISTINCT = ROOT / "build" / "bench" / "distinct"
ALGS = ["RS256", "ES256", "EdDSA", "HS256"]
DEBIAN_PYTHON = "/usr/bin/python3"


def rate(fn, tokens, seconds: float, runs: int) -> float:
    """Calls per CPU second of fn over `tokens` round-robin: the median of `runs` runs."""
    rates = []
    n = len(tokens)
    for _ in range(runs):
        done, i = 0, 0
        start = time.process_time()
        while True:
            for _ in range(256):
                fn(tokens[i])
                i += 1
                if i == n:
                    i = 0
            done += 256
            elapsed = time.process_time() - start
            if elapsed >= seconds:
                rates.append(done / elapsed)
                break
    return statistics.median(rates)


def load(alg: str):
    manifest = json.loads((FIXTURES / "manifest.json").read_text())
    path = DISTINCT / f"{alg.lower()}.jwts"
    if not path.exists():
        raise SystemExit(f"compare: {path} is missing: run bench/make_distinct.py first")
    tokens = path.read_text().split()
    return manifest, manifest["algs"][alg], tokens


def accepts_all(fn, tokens, name: str) -> None:
    """Every implementation must accept every token (a rate of rejections means nothing);
    this is also the warm-up pass, which fills the caches of the cached rows."""
    for token in tokens:
        claims = fn(token)
        if not isinstance(claims, dict) or "jti" not in claims:
            raise SystemExit(f"compare: {name} returned {claims!r}")


def wanted(rows, name: str) -> bool:
    return rows is None or name in rows


def peer_rows(alg: str, seconds: float, runs: int, rows_wanted=None) -> dict:
    """PyJWT and joserfc, whichever this interpreter has (joserfc is absent from Debian's)."""
    import jwt as pyjwt
    from cryptography.hazmat.primitives import serialization

    manifest, entry, tokens = load(alg)
    iss, aud = manifest["iss"], manifest["aud"]
    raw = (FIXTURES / entry["key"]).read_bytes()
    key = raw if entry["key_format"] == "raw" else serialization.load_pem_public_key(raw)
    rows = {}

    def pyjwt_decode(t):
        return pyjwt.decode(t, key, algorithms=[alg], audience=aud, issuer=iss)

    if wanted(rows_wanted, "PyJWT"):
        accepts_all(pyjwt_decode, tokens, "PyJWT")
        rows["PyJWT"] = rate(pyjwt_decode, tokens, seconds, runs)
    if not wanted(rows_wanted, "joserfc"):
        return rows
    try:
        from joserfc import jwt as jose_jwt
        from joserfc.jwk import ECKey, OctKey, OKPKey, RSAKey
    except ImportError:
        return rows
    # joserfc warns that RFC 9864 deprecates the name "EdDSA" (on every call): not a result.
    warnings.filterwarnings("ignore", message="EdDSA is deprecated")
    kind = {"RS256": RSAKey, "ES256": ECKey, "EdDSA": OKPKey, "HS256": OctKey}[alg]
    jose_key = kind.import_key(raw)
    registry = jose_jwt.JWTClaimsRegistry(iss={"essential": True, "value": iss},
                                          aud={"essential": True, "value": aud},
                                          exp={"essential": True})

    def joserfc_decode(t):
        claims = jose_jwt.decode(t, jose_key, algorithms=[alg]).claims
        registry.validate(claims)
        return claims

    accepts_all(joserfc_decode, tokens, "joserfc")
    rows["joserfc"] = rate(joserfc_decode, tokens, seconds, runs)
    return rows


def tokenwarden_rows(alg: str, seconds: float, runs: int, rows_wanted=None) -> dict:
    import tokenwarden
    import tokenwarden.jwt as tjwt
    from tokenwarden.jwt import _decode

    manifest, entry, tokens = load(alg)
    iss, aud = manifest["iss"], manifest["aud"]
    jwks = (FIXTURES / manifest["jwks"]).read_text()
    key = (FIXTURES / entry["key"]).read_bytes()
    if entry["key_format"] != "raw":
        key = key.decode("ascii")  # the PEM text, as a PyJWT user passes it
    rows = {}
    for name, cache in (("validate cold", False), ("validate cached", True)):
        v = tokenwarden.Validator(jwks, issuer=iss, audience=aud, algorithms=[alg], cache=cache)
        accepts_all(v.validate, tokens, name)
        if wanted(rows_wanted, name):
            rows[name] = rate(v.validate, tokens, seconds, runs)
        single = "validate cold (single token)"
        if not cache and wanted(rows_wanted, single):
            rows[single] = rate(v.validate, tokens[:1], seconds, runs)

    def decode(t):
        return tjwt.decode(t, key, algorithms=[alg], audience=aud, issuer=iss)

    for name, cache in (("jwt.decode cold", False), ("jwt.decode cached", True)):
        if not wanted(rows_wanted, name):
            continue
        # The drop-in keeps its validators (and their caches) between calls: start afresh.
        _decode._VALIDATOR_CACHE = cache
        _decode._validators.clear()
        _decode._plans.clear()
        accepts_all(decode, tokens, name)
        rows[name] = rate(decode, tokens, seconds, runs)
    _decode._VALIDATOR_CACHE = True
    return rows


def debian_rows(args) -> dict:
    """Debian's PyJWT, measured by the system interpreter running this file."""
    cmd = [DEBIAN_PYTHON, "-I", str(pathlib.Path(__file__).resolve()), "--peers-only",
           "--seconds", str(args.seconds), "--runs", str(args.runs), "--algs", args.algs,
           "--json", "-"]
    try:
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"compare: Debian's PyJWT not measured: {e}", file=sys.stderr)
        return {}
    return json.loads(out)


def versions() -> dict:
    from importlib import metadata
    out = {"python": platform.python_version()}
    for dist in ("PyJWT", "joserfc", "cryptography"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--algs", default=",".join(ALGS))
    ap.add_argument("--json", help="also write the results here ('-': stdout, alone)")
    ap.add_argument("--peers-only", action="store_true",
                    help="measure PyJWT (and joserfc when present) only")
    ap.add_argument("--rows", help="comma-separated row names to measure (default: all)")
    args = ap.parse_args()
    algs = [a for a in args.algs.split(",") if a]
    rows_wanted = None if args.rows is None else set(args.rows.split(","))
    if args.peers_only:
        doc = {"versions": versions(),
               "calls_per_second": {a: peer_rows(a, args.seconds, args.runs) for a in algs}}
        if args.json == "-":
            json.dump(doc, sys.stdout)
        return
    results = {}
    for alg in algs:
        results[alg] = tokenwarden_rows(alg, args.seconds, args.runs, rows_wanted)
        results[alg].update(peer_rows(alg, args.seconds, args.runs, rows_wanted))
        print(f"compare: {alg} done", file=sys.stderr, flush=True)
    debian = debian_rows(args) if wanted(rows_wanted, "PyJWT (Debian)") else {}
    for alg, row in debian.get("calls_per_second", {}).items():
        results[alg]["PyJWT (Debian)"] = row["PyJWT"]
    doc = {"versions": versions(), "debian_versions": debian.get("versions", {}),
           "seconds_per_run": args.seconds, "runs": args.runs,
           "token_sets": json.loads((DISTINCT / "distinct.json").read_text())["algs"],
           "calls_per_second": results}
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(doc, indent=2) + "\n")
    names = list(next(iter(results.values())))
    print("| row | " + " | ".join(algs) + " |")
    print("|---|" + "---:|" * len(algs))
    for name in names:
        print(f"| {name} | " + " | ".join(f"{results[a].get(name, 0):,.0f}" for a in algs) + " |")


if __name__ == "__main__":
    main()
