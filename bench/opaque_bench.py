"""Distinct opaque tokens, all cache misses: `tokenwarden serve` against the capacity of its
introspection endpoint (bench/serve's `opaque_misses` scenario; `bench/serve-compare REV --opaque`
for a before/after run of two binaries).

The endpoint is nginx over TLS (a throwaway CA, an ECDSA P-256 leaf for 127.0.0.1) answering
every `POST /introspect` with one active answer. Its rate is held to --endpoint-rate by
limit_req with a burst large enough that excess requests wait instead of being refused, so
the endpoint's capacity is known and well inside what this machine can serve, as an
issuer's is (its rate is the issuer's business; tokenwarden's is not to lose any of it).
wrk measures the endpoint twice with the same script and connections, every request a new
token: directly (HTTPS), then through tokenwarden (plain HTTP to `POST /introspect`, an issuer
of opaque tokens only whose introspection endpoint is that nginx: every token new, so every
request is an upstream call). The figure is tokenwarden's req/s ÷ the endpoint's own.
Rounds alternate (endpoint, each binary, again) and each side keeps its best round.
"""

from __future__ import annotations

import argparse
import datetime as dt
import ipaddress
import json
import os
import pathlib
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import serve_bench as sb

OPAQUE_ISSUER = "https://opaque.bench.tokenwarden.invalid"


def endpoint_pki(work: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path, pathlib.Path]:
    """A CA and a leaf for 127.0.0.1: (CA PEM, leaf PEM, leaf key PEM)."""
    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = (work / "endpoint-ca.pem", work / "endpoint.pem", work / "endpoint.key")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


def start_endpoint(work: pathlib.Path, port: int, rate: int, answer: str,
                   cert: pathlib.Path, key: pathlib.Path) -> subprocess.Popen:
    """nginx, one worker, TLS, answering POST /introspect at `rate` requests per second."""
    # limit_req acts in the preaccess phase, which `return` (rewrite phase) would skip:
    # try_files comes after it and hands over to the answer.
    return sb.start_nginx(work, port, name="endpoint", http=f"""
  keepalive_timeout 75s;
  limit_req_zone $server_port zone=introspect:1m rate={rate}r/s;
  server {{
    listen 127.0.0.1:{port} ssl;
    ssl_certificate {cert}; ssl_certificate_key {key};
    location = /introspect {{
      limit_req zone=introspect burst=1000000;
      try_files /nothing-here @answer;
    }}
    location @answer {{
      default_type application/json;
      return 200 '{answer}';
    }}
  }}""")


def tokenwarden_config(port: int, endpoint_port: int, work: pathlib.Path, ca: pathlib.Path,
                       secret_hash: str, max_connections: int | None = None) -> dict:
    """One worker, one issuer of opaque tokens only whose endpoint is the nginx above; every
    setting at its default unless `max_connections` is given (a baseline binary older than
    that field refuses it)."""
    (work / "upstream-secret").write_text("bench-upstream-secret\n")
    introspection = {"endpoint": f"https://127.0.0.1:{endpoint_port}/introspect",
                     "client_id": "tokenwarden",
                     "client_secret_file": str(work / "upstream-secret")}
    if max_connections is not None:
        introspection["max_connections"] = max_connections
    return {"listen": [f"127.0.0.1:{port}"], "workers": 1,
            "issuers": [{"issuer": OPAQUE_ISSUER, "audiences": ["bench-api"],
                         "fetch": {"ca_file": str(ca)}, "introspection": introspection}],
            "clients": [{"id": "bench", "secret_hash": secret_hash}],
            "limits": {"max_connections": 4096}}


def scrape(port: int) -> dict[str, float]:
    """The upstream series of tokenwarden's /metrics, "name{labels}" -> value."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        m = re.match(r"(tokenwarden_upstream_\w+)\{[^}]*?(result|event)=\"(\w+)\"\} (\S+)", line)
        if m:
            out[f"{m.group(1)}:{m.group(3)}"] = float(m.group(4))
    return out


def measure(args, binaries: dict[str, str], secret_hash: str, auth: str) -> dict:
    """Best round per side: "endpoint" (wrk straight at nginx) and one per binary."""
    work = pathlib.Path(tempfile.mkdtemp(prefix="tw-bench-opaque-"))
    ca, cert, key = endpoint_pki(work)
    answer = json.dumps({"active": True, "iss": OPAQUE_ISSUER, "sub": "bench-user",
                         "aud": "bench-api", "client_id": "bench-app", "scope": "orders:read",
                         "exp": int(time.time()) + 86400}, separators=(",", ":"))
    tokens = work / "tokens.txt"
    tokens.write_text("".join(f"{secrets.token_urlsafe(24)}\n" for _ in range(64)))
    endpoint_port = sb.free_port()
    endpoint = start_endpoint(work, endpoint_port, args.endpoint_rate, answer, cert, key)
    procs, ports = {}, {}
    best: dict[str, dict] = {}
    try:
        for side, binary in binaries.items():
            ports[side] = sb.free_port()
            procs[side] = sb.start_tokenwarden(
                binary, tokenwarden_config(ports[side], endpoint_port, work, ca, secret_hash,
                                           getattr(args, "max_connections", None)
                                           if side != "before" else None),
                work, f"opaque-{side}")
        for _ in range(args.rounds):
            r = sb.run_wrk(args, endpoint_port, endpoint.pid, "opaque", tokens, auth, work,
                           scheme="https")
            if "endpoint" not in best or r["rps"] > best["endpoint"]["rps"]:
                best["endpoint"] = r
            for side in binaries:
                before = scrape(ports[side])
                r = sb.run_wrk(args, ports[side], procs[side].pid, "opaque", tokens, auth, work)
                after = scrape(ports[side])
                r["upstream"] = {k: after[k] - before.get(k, 0) for k in after}
                if side not in best or r["rps"] > best[side]["rps"]:
                    best[side] = r
    finally:
        for p in [endpoint, *procs.values()]:
            p.send_signal(signal.SIGTERM)
        for p in [endpoint, *procs.values()]:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)
    return best


def table(best: dict[str, dict]) -> list[str]:
    """The Markdown rows: the endpoint, then each binary with its ratio to it."""
    ref = best["endpoint"]["rps"]
    lines = ["| distinct opaque tokens (all misses) | req/s | ÷ endpoint | p50 µs | p99 µs | "
             "CPU µs/req | active upstream answers ÷ req | connections opened | reused | non-2xx | "
             "socket errors |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for side, r in best.items():
        up = r.get("upstream", {})
        # Upstream calls answered "active" (cache hits are counted apart, as "cached").
        calls = up.get("tokenwarden_upstream_introspection_total:active", 0)
        share = f"{calls / r['requests']:.2f}" if up else "–"
        opened = up.get("tokenwarden_upstream_connections_total:opened")
        reused = up.get("tokenwarden_upstream_connections_total:reused")
        name = "endpoint (wrk → nginx, HTTPS)" if side == "endpoint" else \
            f"{side} (wrk → tokenwarden → nginx)"
        lines.append(
            f"| {name} | {r['rps']:,.0f} | {r['rps'] / ref:.2f} | {r['p50_us']} | {r['p99_us']} | "
            f"{r['cpu_us_per_request']:.1f} | "
            f"{share} | "
            f"{'–' if opened is None else f'{opened:,.0f}'} | "
            f"{'–' if reused is None else f'{reused:,.0f}'} | {r['non2xx']} | "
            f"{r['socket_errors']} |")
    return lines


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", required=True, help="the baseline binary")
    ap.add_argument("--after", required=True, help="the binary under test")
    ap.add_argument("--label", default="before / after")
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--endpoint-rate", type=int, default=5000)
    ap.add_argument("--max-connections", type=int, default=None,
                    help="introspection.max_connections for --after (default: its default)")
    ap.add_argument("--out", default=str(sb.ROOT / "bench" / "results" / "serve-opaque.md"))
    args = ap.parse_args()
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found: run scripts/bootstrap")
    secret_hash, auth = sb.bench_client(args.after)
    best = measure(args, {"before": args.before, "after": args.after}, secret_hash, auth)
    machine = (f"{platform.node()}: {os.cpu_count()} CPUs, {platform.platform()}, load average "
               f"{os.getloadavg()[0]:.2f} at the end")
    text = "\n".join([
        f"# tokenwarden serve, distinct opaque tokens, {args.label} ({dt.date.today().isoformat()})",
        "", f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s per round, "
        f"{args.rounds} rounds alternating, best round kept; endpoint: nginx over TLS held to "
        f"{args.endpoint_rate:,} req/s by limit_req; tokenwarden one worker, defaults; "
        f"{machine}. A shared machine: read the ratios.", "", *table(best), "",
        "Reproduce: `bench/serve-compare REV --opaque` (REV = the baseline commit).", ""])
    sb.write_report(pathlib.Path(args.out), text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
