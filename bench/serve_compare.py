"""Compare two `tokenwarden serve` binaries in one run: CPU per request, before and after.

Both binaries get the same configuration, tokens and client (bench/serve_bench.py's), and the
scenarios alternate between them (before, after, before, after) so the shared machine's
noise falls on both alike; each figure is the lower of its two rounds. Scenarios:
  introspect_cold   POST /introspect, 2,000 distinct ES256 tokens, cache off: parse + verify
  introspect_cached POST /introspect, one token: verified-token cache hits
  validate_cached   GET /validate, one token: cache hits
Run through bench/serve-compare, which builds both binaries.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import pathlib
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import serve_bench as sb


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", required=True, help="the baseline binary")
    ap.add_argument("--after", required=True, help="the binary under test")
    ap.add_argument("--label", default="before / after")
    ap.add_argument("--seconds", type=int, default=6)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=str(sb.ROOT / "bench" / "results" / "serve-compare.md"))
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: run scripts/bootstrap")
    work = pathlib.Path(tempfile.mkdtemp(prefix="tw-bench-compare-"))
    key = sb.signing_key(work)
    now = int(time.time())

    def claims(i: int) -> dict:
        return {"iss": sb.ISSUER, "sub": f"user-{i}", "aud": "bench-api", "client_id": "bench-app",
                "scope": "orders:read orders:write", "iat": now, "exp": now + 7200,
                "jti": secrets.token_urlsafe(12)}

    one = work / "one.txt"
    one.write_text(sb.mint(key, claims(0)) + "\n")
    many = work / "many.txt"
    many.write_text("".join(sb.mint(key, claims(i)) + "\n" for i in range(2000)))
    secret_hash, auth = sb.bench_client(args.after)

    def config(port: int, cache: bool) -> dict:
        return {"listen": [f"127.0.0.1:{port}"], "workers": 1,
                "issuers": [{"issuer": sb.ISSUER, "jwks_file": str(work / "jwks.json"),
                             "audiences": ["bench-api"], "algorithms": ["ES256"]}],
                "clients": [{"id": "bench", "secret_hash": secret_hash}],
                "cache": {"enabled": cache}, "limits": {"max_connections": 4096}}

    scenarios = [("introspect_cold", False, "introspect", many),
                 ("introspect_cached", True, "introspect", one),
                 ("validate_cached", True, "validate", one)]
    binaries = {"before": args.before, "after": args.after}
    best: dict[tuple[str, str], dict] = {}
    try:
        for name, cache, mode, tokens in scenarios:
            procs = {}
            ports = {}
            for side, binary in binaries.items():
                ports[side] = sb.free_port()
                procs[side] = sb.start_tokenwarden(binary, config(ports[side], cache), work,
                                                   f"{name}-{side}")
            try:
                for _ in range(2):
                    for side in ("before", "after"):
                        r = sb.run_wrk(args, ports[side], procs[side].pid, mode, tokens, auth, work)
                        if r["non2xx"] or r["socket_errors"]:
                            raise SystemExit(f"{name} {side}: {r}")
                        key_ = (name, side)
                        if key_ not in best or r["cpu_us_per_request"] < best[key_]["cpu_us_per_request"]:
                            best[key_] = r
            finally:
                for p in procs.values():
                    p.send_signal(signal.SIGTERM)
                    try:
                        p.wait(timeout=15)
                    except subprocess.TimeoutExpired:
                        p.kill()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    lines = ["| scenario | CPU µs/req before | CPU µs/req after | after ÷ before | req/s before | req/s after |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, *_ in scenarios:
        b, a = best[(name, "before")], best[(name, "after")]
        lines.append(f"| {name} | {b['cpu_us_per_request']:.1f} | {a['cpu_us_per_request']:.1f} | "
                     f"{a['cpu_us_per_request'] / b['cpu_us_per_request']:.2f} | "
                     f"{b['rps']:,.0f} | {a['rps']:,.0f} |")
    text = "\n".join([
        f"# tokenwarden serve, {args.label} ({dt.date.today().isoformat()})", "",
        f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s, one worker, rounds "
        f"alternating before/after twice, the lower CPU per request of each kept; load average "
        f"{os.getloadavg()[0]:.2f} at the end.", "", *lines, "",
        "Reproduce: `bench/serve-compare REV` (REV = the baseline commit).", ""])
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
