"""Compare two `tokenwarden serve` binaries in one run: CPU per request, before and after.

Both binaries get the same configuration, tokens and client (bench/serve_bench.py's), and the
scenarios alternate between them (before, after, before, after) so the shared machine's
noise falls on both alike; each figure is the lower of its two rounds. Scenarios:
  introspect_cold   POST /introspect, 2,000 distinct ES256 tokens, cache off: parse + verify
  introspect_cached POST /introspect, one token: verified-token cache hits
  validate_cached   GET /validate, one token: cache hits
Beside wrk's CPU per request (which moves with the shared machine's load), each scenario is
also counted in user-space instructions per request under callgrind (bench/callgrind_count.py:
exact, the kernel left out) when valgrind is installed; --no-callgrind skips that.
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

import callgrind_count
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
    ap.add_argument("--no-callgrind", action="store_true", help="skip the instruction counts")
    args = ap.parse_args()
    count = not args.no_callgrind and callgrind_count.available()
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
        instructions = {}
        if count:
            for name, cache, mode, tokens in scenarios:
                listed = tokens.read_text().split()
                if mode == "validate":
                    requests = [callgrind_count.validate_request(t) for t in listed]
                else:
                    requests = [callgrind_count.introspect_request(t, auth) for t in listed]
                # Cached scenarios repeat their one token; the cold one sends 300 distinct
                # tokens (after 20 others), each verified in full.
                warmup = requests[-20:] if len(requests) > 1 else requests * 20
                measured = requests[:300] if len(requests) > 1 else requests * 2000
                for side, binary in binaries.items():
                    instructions[(name, side)] = callgrind_count.instructions_per_request(
                        binary, config(sb.free_port(), cache), work, f"{name}-{side}", warmup,
                        measured)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    lines = ["| scenario | CPU µs/req before | CPU µs/req after | after ÷ before | req/s before | "
             "req/s after | instructions/req before | instructions/req after | after ÷ before |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, *_ in scenarios:
        b, a = best[(name, "before")], best[(name, "after")]
        line = (f"| {name} | {b['cpu_us_per_request']:.1f} | {a['cpu_us_per_request']:.1f} | "
                f"{a['cpu_us_per_request'] / b['cpu_us_per_request']:.2f} | "
                f"{b['rps']:,.0f} | {a['rps']:,.0f} | ")
        if instructions:
            ib, ia = instructions[(name, "before")], instructions[(name, "after")]
            line += f"{ib:,.0f} | {ia:,.0f} | {ia / ib:.2f} |"
        else:
            line += "– | – | – |"
        lines.append(line)
    text = "\n".join([
        f"# tokenwarden serve, {args.label} ({dt.date.today().isoformat()})", "",
        f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s, one worker, rounds "
        f"alternating before/after twice, the lower CPU per request of each kept; load average "
        f"{os.getloadavg()[0]:.2f} at the end. Instructions: user space, callgrind, requests "
        f"one at a time over one connection (bench/callgrind_count.py).", "", *lines, "",
        "Reproduce: `bench/serve-compare REV` (REV = the baseline commit).", ""])
    sb.write_report(pathlib.Path(args.out), text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
