"""A long mixed load against `tokenwarden serve` (run through scripts/soak).

wrk sends a fixed mix — validate a repeated token (cache hits), validate one of 2,000 distinct
tokens, validate a bad signature, introspect, introspect a bad token, revoke one of 2,000
tokens — until --requests have been sent, while the server's RSS and open file descriptors are
sampled every second. Passes when no answer is a 5xx, no socket error occurred, RSS after
the warm-up (the first 10% of the run) grows by at most 5%, and the fd count ends where it
started. Prints one JSON line with the figures (and writes it to --report)."""

from __future__ import annotations

import argparse
import base64
import json
import os
import pathlib
import secrets
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from serve_bench import ISSUER, b64u, free_port, mint, rss_mb, start_tokenwarden  # noqa: E402

from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

WRK_SCRIPT = r"""
local function lines(path)
  local t = {}
  for line in io.lines(path) do t[#t + 1] = line end
  return t
end
local dir = os.getenv("TW_DIR")
local one, many, bad, revocable = lines(dir .. "/one.txt"), lines(dir .. "/many.txt"),
  lines(dir .. "/bad.txt"), lines(dir .. "/revocable.txt")
local auth = os.getenv("TW_AUTH")
local form = {["Authorization"] = auth, ["Content-Type"] = "application/x-www-form-urlencoded"}
local n = 0
counts = {}
function setup(thread) threads = threads or {}; threads[#threads + 1] = thread end
function request()
  n = n + 1
  local k = n % 10
  -- Each kind of request is one in ten, so it walks its token list by n / 10: indexing by n
  -- itself would only ever reach a tenth of a list whose length is a multiple of ten.
  local i = math.floor(n / 10)
  if k < 5 then
    return wrk.format("GET", "/validate", {["Authorization"] = "Bearer " .. one[1]})
  elseif k == 5 then
    return wrk.format("GET", "/validate", {["Authorization"] = "Bearer " .. many[(i % #many) + 1]})
  elseif k == 6 then
    return wrk.format("GET", "/validate", {["Authorization"] = "Bearer " .. bad[(i % #bad) + 1]})
  elseif k == 7 then
    return wrk.format("POST", "/introspect", form, "token=" .. many[(i % #many) + 1])
  elseif k == 8 then
    return wrk.format("POST", "/introspect", form, "token=" .. bad[(i % #bad) + 1])
  end
  return wrk.format("POST", "/revoke", form, "token=" .. revocable[(i % #revocable) + 1])
end
function response(status, headers, body)
  local c = math.floor(status / 100)
  counts[c] = (counts[c] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    local c = t:get("counts")
    for k, v in pairs(c) do total[k] = (total[k] or 0) + v end
  end
  local e = summary.errors
  local f = io.open(os.getenv("TW_RESULT"), "w")
  f:write(string.format('{"requests":%d,"duration_us":%d,"socket_errors":%d,"2xx":%d,' ..
    '"4xx":%d,"5xx":%d,"p50_us":%d,"p99_us":%d}', summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, total[2] or 0, total[4] or 0, total[5] or 0,
    latency:percentile(50), latency:percentile(99)))
  f:close()
end
"""


def run_wrk(cmd: list[str], env: dict) -> None:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"wrk failed: {proc.stdout[-2000:]} {proc.stderr[-2000:]}")


def fd_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--requests", type=int, default=10_000_000)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--report")
    ap.add_argument("--max-rss-growth-pct", type=float, default=5.0,
                    help="allowed RSS growth after the warm-up (sanitizer builds need more: "
                         "ASan's quarantine fills as it runs)")
    args = ap.parse_args()
    work = pathlib.Path(tempfile.mkdtemp(prefix="tw-soak-"))
    key = ec.generate_private_key(ec.SECP256R1())
    nums = key.public_key().public_numbers()
    (work / "jwks.json").write_text(json.dumps({"keys": [{
        "kty": "EC", "crv": "P-256", "kid": "bench", "use": "sig",
        "x": b64u(nums.x.to_bytes(32, "big")), "y": b64u(nums.y.to_bytes(32, "big"))}]}))
    now = int(time.time())

    def token(i: int) -> str:
        return mint(key, {"iss": ISSUER, "sub": f"user-{i}", "aud": "bench-api",
                          "client_id": "soak", "scope": "orders:read", "iat": now,
                          "exp": now + 86400, "jti": secrets.token_urlsafe(12)})

    many = [token(i) for i in range(2000)]
    (work / "one.txt").write_text(token(-1) + "\n")
    (work / "many.txt").write_text("\n".join(many) + "\n")
    (work / "bad.txt").write_text("\n".join(t[:-4] + ("AAAA" if not t.endswith("AAAA") else "BBBB")
                                            for t in many[:500]) + "\n")
    (work / "revocable.txt").write_text("\n".join(token(10_000 + i) for i in range(2000)) + "\n")
    secret = secrets.token_urlsafe(24)
    secret_hash = subprocess.run([args.binary, "hash-secret"], input=secret, text=True,
                                 capture_output=True, check=True).stdout.strip()
    auth = "Basic " + base64.b64encode(f"soak:{secret}".encode()).decode()
    port = free_port()
    config = {"listen": [f"127.0.0.1:{port}"], "workers": 1,
              "issuers": [{"issuer": ISSUER, "jwks_file": str(work / "jwks.json"),
                           "audiences": ["bench-api"], "algorithms": ["ES256"]}],
              "clients": [{"id": "soak", "secret_hash": secret_hash}],
              "denylist": {"log": str(work / "revocations.log")}}
    tw = start_tokenwarden(args.binary, config, work, "soak")
    samples: list[tuple[float, float, int]] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append((time.monotonic(), rss_mb(tw.pid), fd_count(tw.pid)))
            stop.wait(1.0)

    script = work / "soak.lua"
    script.write_text(WRK_SCRIPT)
    result = work / "result.json"
    env = dict(os.environ, TW_DIR=str(work), TW_AUTH=auth, TW_RESULT=str(result))
    # Calibrate the rate, then run wrk in rounds of at most a minute until --requests have
    # been answered (one long wrk run misses the count whenever the rate drifts).
    run_wrk(["wrk", "-t1", f"-c{args.connections}", "-d3s", "-s", str(script),
             f"http://127.0.0.1:{port}"], env)
    rate = first_rate = json.loads(result.read_text())["requests"] / 3.0
    time.sleep(1.0)  # the calibration's connections close
    fds_before = fd_count(tw.pid)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.monotonic()
    r = {"requests": 0, "duration_us": 0, "socket_errors": 0, "2xx": 0, "4xx": 0, "5xx": 0,
         "p99_us": 0}
    while r["requests"] < args.requests:
        left = args.requests - r["requests"]
        round_seconds = max(2, min(60, int(left / max(rate, 1) * 1.05) + 1))
        run_wrk(["wrk", "-t1", f"-c{args.connections}", f"-d{round_seconds}s", "-s",
                 str(script), f"http://127.0.0.1:{port}"], env)
        one = json.loads(result.read_text())
        for k in ("requests", "duration_us", "socket_errors", "2xx", "4xx", "5xx"):
            r[k] += one[k]
        r["p99_us"] = max(r["p99_us"], one["p99_us"])  # the worst round's p99
        rate = one["requests"] / max(one["duration_us"] / 1e6, 1e-6)
    seconds = time.monotonic() - started
    stop.set()
    sampler.join()
    time.sleep(0.5)  # wrk's connections close
    fds_after = fd_count(tw.pid)
    # Warm-up: 10% of the run, and at least three passes over the 2,000-token sets (each
    # distinct token is cached and each revocable one denied once; then the working set is
    # complete and memory must stay flat).
    warmup = max(0.1 * seconds, 3 * 20_000 / max(first_rate, 1))
    warm = [s for s in samples if s[0] - started >= warmup]
    rss_warm = warm[0][1] if warm else samples[0][1]
    rss_max = max(s[1] for s in warm) if warm else rss_warm
    figures = {"requests": r["requests"], "seconds": round(r["duration_us"] / 1e6, 1),
               "rps": round(r["requests"] / (r["duration_us"] / 1e6)),
               "2xx": r["2xx"], "4xx": r["4xx"], "5xx": r["5xx"],
               "socket_errors": r["socket_errors"], "p99_us": r["p99_us"],
               "rss_after_warmup_mb": round(rss_warm, 1), "rss_max_mb": round(rss_max, 1),
               "rss_growth_pct": round(100 * (rss_max - rss_warm) / rss_warm, 2),
               "fds_before": fds_before, "fds_after": fds_after,
               "fds_max": max(s[2] for s in samples)}
    tw.terminate()
    tw.wait(15)
    line = json.dumps(figures)
    print(line)
    if args.report:
        pathlib.Path(args.report).write_text(line + "\n")
    ok = (figures["5xx"] == 0 and figures["socket_errors"] == 0 and
          figures["rss_growth_pct"] <= args.max_rss_growth_pct and fds_after == fds_before)
    if not ok:
        print("soak: FAILED (5xx, socket errors, RSS growth over the limit or fds not flat)",
              file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
