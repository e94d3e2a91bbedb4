"""Load-test `tokenwarden serve` with wrk beside nginx's static 200 (run through bench/serve).

Every scenario runs wrk with the same threads and connections. Besides req/s and latency
percentiles it reports each server's CPU time per request (utime+stime from /proc/PID/stat
over the run divided by the requests): on a 2-core machine wrk itself competes for the CPU,
so CPU per request is the fairer comparison. Both servers run one worker (tokenwarden
`workers: 1`, nginx `worker_processes 1; master_process off`).

Scenarios
  nginx_static        GET /static on nginx: `return 200` (the reference)
  introspect_cached   POST /introspect, one token: verified-token cache hits
  introspect_signed   introspect_cached with Accept: application/token-introspection+jwt from
                      an opted-in client: the same answer as an ES256 JWT (RFC 9701), so one
                      ES256 signature per request over introspect_cached
  introspect_cold     POST /introspect, 2,000 distinct tokens, cache off: a signature check each
  introspect_invalid  POST /introspect, 2,000 tokens with bad signatures
  validate_cached     GET /validate (Authorization: Bearer), one token
  validate_cold       GET /validate, 2,000 distinct tokens, cache off: one ES256 verify each
  validate_dpop       GET /validate (Authorization: DPoP), one DPoP-bound token (cached), a new
                      ES256 proof every request: DPoP's cost over validate_cached, set against
                      validate_cold's (issue 21's target: at most 1.15 times it)
  introspect_half     introspect_cached paced by wrk's delay() to half its max rate: p99 there
  opaque_misses       distinct opaque tokens (all misses): req/s through tokenwarden ÷ the
                      capacity of its HTTPS introspection endpoint (bench/opaque_bench.py)
Afterwards: tokenwarden's RSS and the total requests it served, and the core's own cold cost
on validate_cold's 2,000 tokens (tokenwarden_core_cold, beside the binary's build): what the
server's cold path costs beyond the core's validation and a cached request's handling
(issue 20: introspect_cold and validate_cold at most 1.1 times core cold + their cached CPU).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import json
import os
import pathlib
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

import callgrind_count  # bench/: user-space instructions per request

ROOT = pathlib.Path(__file__).resolve().parent.parent
ISSUER = "https://bench.tokenwarden.invalid"


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint(key: ec.EllipticCurvePrivateKey, claims: dict) -> str:
    header = b64u(json.dumps({"alg": "ES256", "typ": "at+jwt", "kid": "bench"}).encode())
    payload = b64u(json.dumps(claims, separators=(",", ":")).encode())
    der = key.sign(f"{header}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return f"{header}.{payload}.{b64u(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def signing_key(work: pathlib.Path) -> ec.EllipticCurvePrivateKey:
    """A fresh P-256 key; its public JWK Set (kid "bench") goes to work/jwks.json."""
    key = ec.generate_private_key(ec.SECP256R1())
    nums = key.public_key().public_numbers()
    jwks = {"keys": [{"kty": "EC", "crv": "P-256", "kid": "bench", "alg": "ES256",
                      "x": b64u(nums.x.to_bytes(32, "big")),
                      "y": b64u(nums.y.to_bytes(32, "big"))}]}
    (work / "jwks.json").write_text(json.dumps(jwks))
    return key


def dpop_client() -> tuple[ec.EllipticCurvePrivateKey, dict, str]:
    """A client's DPoP key: the key, its public JWK and its RFC 7638 thumbprint."""
    key = ec.generate_private_key(ec.SECP256R1())
    nums = key.public_key().public_numbers()
    jwk = {"crv": "P-256", "kty": "EC", "x": b64u(nums.x.to_bytes(32, "big")),
           "y": b64u(nums.y.to_bytes(32, "big"))}
    jkt = b64u(hashlib.sha256(json.dumps(jwk, separators=(",", ":")).encode()).digest())
    return key, jwk, jkt


def dpop_proofs(key: ec.EllipticCurvePrivateKey, jwk: dict, token: str, count: int) -> list[str]:
    """`count` proofs by `key` for GET http://bench.test/orders with `token`: each its own
    jti, all with iat now."""
    header = b64u(json.dumps({"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk}).encode())
    ath = b64u(hashlib.sha256(token.encode()).digest())
    now = int(time.time())
    proofs = []
    for i in range(count):
        payload = b64u(json.dumps({"jti": f"{i}-{secrets.token_urlsafe(9)}", "htm": "GET",
                                   "htu": "http://bench.test/orders", "iat": now,
                                   "ath": ath}, separators=(",", ":")).encode())
        der = key.sign(f"{header}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        proofs.append(f"{header}.{payload}.{b64u(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}")
    return proofs


def bench_client(binary: str) -> tuple[str, str]:
    """Client "bench" with a random secret: (its secret_hash for the config, its Basic
    Authorization header value)."""
    secret = secrets.token_urlsafe(24)
    secret_hash = subprocess.run([binary, "hash-secret"], input=secret, text=True,
                                 capture_output=True, check=True).stdout.strip()
    return secret_hash, "Basic " + base64.b64encode(f"bench:{secret}".encode()).decode()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_split(pid: int) -> tuple[float, float]:
    """The process's user and system CPU seconds so far."""
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def cpu_seconds(pid: int) -> float:
    return sum(cpu_split(pid))


def rss_mb(pid: int) -> float:
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


WRK_SCRIPT = r"""
local tokens = {}
for line in io.lines(os.getenv("TW_TOKENS")) do tokens[#tokens + 1] = line end
local mode = os.getenv("TW_MODE")
local auth = os.getenv("TW_AUTH")
local pause = tonumber(os.getenv("TW_DELAY_MS") or "0")
local i = mode == "dpop" and 0 or math.random(#tokens)
local run = os.getenv("TW_RUN") or ""
request = function()
  i = i + 1
  local t = tokens[(i % #tokens) + 1]
  if mode == "opaque" then
    -- A new opaque token every request: each one a cache miss at tokenwarden.
    return wrk.format("POST", "/introspect", {["Authorization"] = auth,
      ["Content-Type"] = "application/x-www-form-urlencoded"},
      "token=" .. run .. "-" .. i .. "-" .. t)
  elseif mode == "introspect" then
    return wrk.format("POST", "/introspect", {["Authorization"] = auth,
      ["Content-Type"] = "application/x-www-form-urlencoded"}, "token=" .. t)
  elseif mode == "introspect_jwt" then
    return wrk.format("POST", "/introspect", {["Authorization"] = auth,
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Accept"] = "application/token-introspection+jwt"}, "token=" .. t)
  elseif mode == "validate" then
    return wrk.format("GET", "/validate", {["Authorization"] = "Bearer " .. t})
  elseif mode == "dpop" then
    -- One DPoP-bound token, a proof of its own for every request (a proof is accepted once).
    return wrk.format("GET", "/validate", {["Authorization"] = "DPoP " .. auth, ["DPoP"] = t,
      ["X-Forwarded-Proto"] = "http", ["X-Forwarded-Host"] = "bench.test",
      ["X-Original-Method"] = "GET", ["X-Original-URI"] = "/orders?page=1"})
  end
  return wrk.format("GET", "/static")
end
if pause > 0 then
  delay = function() return pause end
end
done = function(summary, latency, requests)
  local e = summary.errors
  local f = io.open(os.getenv("TW_RESULT"), "w")
  f:write(string.format('{"requests":%d,"duration_us":%d,"socket_errors":%d,"non2xx":%d,' ..
    '"p50_us":%d,"p99_us":%d}', summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
  f:close()
end
"""


def start_tokenwarden(binary: str, config: dict, work: pathlib.Path, name: str):
    path = work / f"{name}.json"
    path.write_text(json.dumps(config))
    proc = subprocess.Popen([binary, "serve", "--config", str(path)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 10
    while time.time() < deadline:
        line = proc.stderr.readline()
        if "listening on" in line:
            return proc
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise SystemExit(f"tokenwarden ({name}) did not start")


def start_nginx(work: pathlib.Path, port: int, http: str = "", name: str = "nginx"):
    """nginx with one worker and no master. `http` holds the http block's own directives and
    its server block, listening on `port`; by default a server answering 200 at /static."""
    http = http or (f'server {{ listen 127.0.0.1:{port}; '
                    f'location /static {{ return 200 "ok\\n"; }} }}')
    conf = work / f"{name}.conf"
    conf.write_text(f"""
daemon off; master_process off; worker_processes 1;
error_log {work}/{name}-error.log; pid {work}/{name}.pid;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {work}/body; proxy_temp_path {work}/proxy;
  fastcgi_temp_path {work}/fcgi; uwsgi_temp_path {work}/uwsgi; scgi_temp_path {work}/scgi;
  keepalive_requests 1000000;
  {http}
}}
""")
    proc = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(work)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"{name} did not start")


def write_report(path: pathlib.Path, text: str) -> None:
    """Writes `text` to `path` (its folder made when missing) and prints it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    print(text)


def dpop_line(results: dict) -> str:
    """DPoP's CPU over the cached bearer path, against one ES256 verify's (validate_cold's)."""
    cached = results["validate_cached"]["cpu_us_per_request"]
    dpop = results["validate_dpop"]["cpu_us_per_request"] - cached
    verify = results["validate_cold"]["cpu_us_per_request"] - cached
    return (f"DPoP: validate_dpop costs {dpop:.1f} µs of CPU per request over validate_cached; "
            f"a distinct bearer token's ES256 verify (validate_cold) {verify:.1f} µs: "
            f"{dpop / verify:.2f} times it (target: at most 1.15).")


def cold_path(binary: str, work: pathlib.Path, tokens: pathlib.Path, auth: str,
              config) -> dict:
    """The core's own cold cost on `tokens` (tokenwarden_core_cold, beside the binary's build):
    CPU µs per validation and, under callgrind when valgrind is installed, instructions per
    validation, with the server's instructions per request on the same tokens (cold: cache
    off, distinct tokens; cached: one token) for the same ratio counted exactly."""
    tool = pathlib.Path(binary).resolve().parents[1] / "bench" / "tokenwarden_core_cold"
    if not tool.exists():
        raise SystemExit(f"{tool} not found: build the target tokenwarden_core_cold")
    tool_args = ["--jwks", str(work / "jwks.json"), "--tokens", str(tokens), "--alg", "ES256",
                 "--issuer", ISSUER, "--audience", "bench-api"]
    out = subprocess.run([str(tool), *tool_args, "--seconds", "2", "--runs", "3"],
                         check=True, capture_output=True, text=True).stdout
    cold = {"core_us": 1e6 / json.loads(out)["per_second"]}
    if not callgrind_count.available():
        return cold
    cold["core_instructions"] = callgrind_count.core_instructions_per_validation(
        str(tool), work, tool_args)
    listed = tokens.read_text().split()
    requests = {"validate": callgrind_count.validate_request,
                "introspect": lambda t: callgrind_count.introspect_request(t, auth)}
    for route, make in requests.items():
        cold[f"{route}_cold_instructions"] = callgrind_count.instructions_per_request(
            binary, config(free_port(), False), work, f"{route}_cold",
            [make(t) for t in listed[:50]], [make(t) for t in listed[50:250]])
        cold[f"{route}_cached_instructions"] = callgrind_count.instructions_per_request(
            binary, config(free_port(), True), work, f"{route}_cached",
            [make(listed[0])] * 50, [make(listed[0])] * 200)
    return cold


def cold_path_line(results: dict, cold: dict) -> str:
    """Issue 20 item 5: the server's cold cost ÷ (the core's cold + the cached request's), in
    CPU (wrk, user + system) and in user-space instructions (callgrind)."""
    core = cold["core_us"]
    parts = []
    for route in ("introspect", "validate"):
        c, h = results[f"{route}_cold"], results[f"{route}_cached"]
        parts.append(
            f"{route}_cold {c['cpu_us_per_request']:.1f} µs (user {c['user_us_per_request']:.1f}, "
            f"system {c['system_us_per_request']:.1f}) ÷ ({core:.1f} + {route}_cached "
            f"{h['cpu_us_per_request']:.1f} (user {h['user_us_per_request']:.1f}, system "
            f"{h['system_us_per_request']:.1f})) = "
            f"{c['cpu_us_per_request'] / (core + h['cpu_us_per_request']):.2f}")
    text = ("Cold path, CPU: the core validates the same 2,000 tokens (cache off, one thread, "
            f"tokenwarden_core_cold) at {core:.1f} µs of CPU each; " + "; ".join(parts) +
            " (target: at most 1.10 each).")
    if "core_instructions" in cold:
        counted = []
        for route in ("introspect", "validate"):
            c = cold[f"{route}_cold_instructions"]
            h = cold[f"{route}_cached_instructions"]
            counted.append(f"{route}_cold {c:,.0f} ÷ ({cold['core_instructions']:,.0f} + "
                           f"{route}_cached {h:,.0f}) = {c / (cold['core_instructions'] + h):.3f}")
        text += ("\n\nCold path, user-space instructions (callgrind; per request, one at a time "
                 "over one connection; the core's per validation): " + "; ".join(counted) + ".")
    return text


def signed_line(results: dict) -> str:
    """A signed answer's CPU over the plain one, against one ES256 verify's."""
    cached = results["introspect_cached"]["cpu_us_per_request"]
    signed = results["introspect_signed"]["cpu_us_per_request"] - cached
    verify = results["validate_cold"]["cpu_us_per_request"] - results["validate_cached"][
        "cpu_us_per_request"]
    return (f"RFC 9701: introspect_signed costs {signed:.1f} µs of CPU per request over "
            f"introspect_cached (one ES256 signature); an ES256 verify (validate_cold over "
            f"validate_cached) {verify:.1f} µs.")


def run_wrk(args, port: int, pid: int, mode: str, tokens: pathlib.Path, auth: str,
            work: pathlib.Path, delay_ms: int = 0, connections: int = 0,
            scheme: str = "http") -> dict:
    script = work / "bench.lua"
    script.write_text(WRK_SCRIPT)
    result = work / "result.json"
    env = dict(os.environ, TW_TOKENS=str(tokens), TW_MODE=mode, TW_AUTH=auth,
               TW_RESULT=str(result), TW_DELAY_MS=str(delay_ms),
               TW_RUN=secrets.token_urlsafe(8))
    user0, system0 = cpu_split(pid)
    subprocess.run(["wrk", "-t", str(args.threads), "-c", str(connections or args.connections),
                    "-d", f"{args.seconds}s", "-s", str(script), f"{scheme}://127.0.0.1:{port}"],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    user1, system1 = cpu_split(pid)
    r = json.loads(result.read_text())
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    per = 1e6 / max(r["requests"], 1)
    r["user_us_per_request"] = (user1 - user0) * per
    r["system_us_per_request"] = (system1 - system0) * per
    r["cpu_us_per_request"] = r["user_us_per_request"] + r["system_us_per_request"]
    return r


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--endpoint-rate", type=int, default=5000,
                    help="opaque_misses: the introspection endpoint's capacity, req/s")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = ap.parse_args()
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found: run scripts/bootstrap")

    work = pathlib.Path(tempfile.mkdtemp(prefix="tw-bench-serve-"))
    key = signing_key(work)
    now = int(time.time())

    def claims(i: int) -> dict:
        return {"iss": ISSUER, "sub": f"user-{i}", "aud": "bench-api", "client_id": "bench-app",
                "scope": "orders:read orders:write", "iat": now, "exp": now + 7200,
                "jti": secrets.token_urlsafe(12)}

    def dpop_token(count: int) -> tuple[str, pathlib.Path]:
        """A token bound to a new client key (cnf.jkt), and `count` proofs for it."""
        client_key, jwk, jkt = dpop_client()
        bound_claims = claims(1)
        bound_claims["cnf"] = {"jkt": jkt}
        token = mint(key, bound_claims)
        path = work / "proofs.txt"
        path.write_text("".join(p + "\n" for p in dpop_proofs(client_key, jwk, token, count)))
        return token, path

    one = work / "one.txt"
    one.write_text(mint(key, claims(0)) + "\n")
    many = work / "many.txt"
    many.write_text("".join(mint(key, claims(i)) + "\n" for i in range(2000)))
    bad = work / "bad.txt"
    bad.write_text("".join(t[:-4] + ("AAAA" if not t.endswith("AAAA") else "BBBB") + "\n"
                           for t in many.read_text().split()))
    secret_hash, auth = bench_client(args.binary)

    # tokenwarden's own key for signed introspection answers (introspect_signed).
    answer_key = work / "answer-key.pem"
    answer_key.write_bytes(ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))

    def config(port: int, cache: bool) -> dict:
        return {"listen": [f"127.0.0.1:{port}"], "workers": 1,
                "issuers": [{"issuer": ISSUER, "jwks_file": str(work / "jwks.json"),
                             "audiences": ["bench-api"], "algorithms": ["ES256"]}],
                "clients": [{"id": "bench", "secret_hash": secret_hash,
                             "introspection_signed_response_alg": "ES256"}],
                "introspection_signing": {"issuer": "https://tokenwarden.bench.invalid",
                                          "key_file": str(answer_key), "alg": "ES256"},
                "cache": {"enabled": cache},
                "limits": {"max_connections": 4096}}

    tw_port, tw_cold_port, nginx_port = free_port(), free_port(), free_port()
    tw = start_tokenwarden(args.binary, config(tw_port, True), work, "cached")
    tw_cold = start_tokenwarden(args.binary, config(tw_cold_port, False), work, "cold")
    nginx = start_nginx(work, nginx_port)
    results: dict[str, dict] = {}
    try:
        results["nginx_static"] = run_wrk(args, nginx_port, nginx.pid, "static", one, auth, work)
        results["introspect_cached"] = run_wrk(args, tw_port, tw.pid, "introspect", one, auth, work)
        results["introspect_signed"] = run_wrk(args, tw_port, tw.pid, "introspect_jwt", one, auth,
                                               work)
        results["introspect_cold"] = run_wrk(args, tw_cold_port, tw_cold.pid, "introspect", many,
                                             auth, work)
        results["introspect_invalid"] = run_wrk(args, tw_port, tw.pid, "introspect", bad, auth,
                                                work)
        results["validate_cached"] = run_wrk(args, tw_port, tw.pid, "validate", one, auth, work)
        # A distinct token every request, cache off: the bearer path with one ES256 verify.
        results["validate_cold"] = run_wrk(args, tw_cold_port, tw_cold.pid, "validate", many,
                                           auth, work)
        # DPoP on the cached token: one proof (one ES256 verify) per request. Made just
        # before the run (their iat must be within a minute), enough for 15,000 req/s.
        bound, proofs = dpop_token(args.seconds * 15000)
        results["validate_dpop"] = run_wrk(args, tw_port, tw.pid, "dpop", proofs, bound, work)
        # Half of the cached maximum. wrk paces only in whole milliseconds per connection
        # (delay()), so each connection waits 2 ms after its response and the connection count
        # sets the rate: rate ~= connections / (2 ms + response time).
        cached = results["introspect_cached"]
        half_rps = cached["rps"] / 2
        pace_ms = 2
        half_connections = max(1, round(half_rps * (pace_ms + cached["p50_us"] / 1000) / 1000))
        half = run_wrk(args, tw_port, tw.pid, "introspect", one, auth, work, delay_ms=pace_ms,
                       connections=half_connections)
        if abs(half["rps"] - half_rps) > 0.1 * half_rps:
            # One correction: scale the connections by how far the first run missed.
            half_connections = max(1, round(half_connections * half_rps / half["rps"]))
            half = run_wrk(args, tw_port, tw.pid, "introspect", one, auth, work,
                           delay_ms=pace_ms, connections=half_connections)
        half["connections"] = half_connections
        results["introspect_half"] = half
        total = sum(r["requests"] for k, r in results.items()
                    if k not in ("nginx_static", "introspect_cold"))
        rss = rss_mb(tw.pid)
        # After the load, so the core's figure has the machine wrk and the server had.
        cold = cold_path(args.binary, work, many, auth, config)
    finally:
        for p in (tw, tw_cold, nginx):
            p.send_signal(signal.SIGTERM)
        for p in (tw, tw_cold, nginx):
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)

    # Distinct opaque tokens: its own endpoint, its own reference (the endpoint's capacity).
    import opaque_bench
    opaque = opaque_bench.measure(argparse.Namespace(**vars(args), rounds=1),
                                  {"tokenwarden": args.binary}, secret_hash, auth)
    ref = results["nginx_static"]
    lines = [
        "| scenario | req/s | ÷ nginx req/s | p50 µs | p99 µs | CPU µs/req | ÷ nginx CPU | non-2xx | socket errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {r['rps']:,.0f} | {r['rps'] / ref['rps']:.2f} | {r['p50_us']} | "
            f"{r['p99_us']} | {r['cpu_us_per_request']:.1f} | "
            f"{r['cpu_us_per_request'] / ref['cpu_us_per_request']:.2f} | {r['non2xx']} | "
            f"{r['socket_errors']} |")
    machine = (f"{platform.node()}: {os.cpu_count()} CPUs, {platform.platform()}, "
               f"load average {os.getloadavg()[0]:.2f} at the start of the write-up")
    text = "\n".join([
        f"# tokenwarden serve vs nginx static 200 ({dt.date.today().isoformat()})",
        "",
        f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s per scenario, one worker "
        f"each; {machine}.",
        "",
        *lines,
        "",
        dpop_line(results),
        "",
        signed_line(results),
        "",
        cold_path_line(results, cold),
        "",
        f"introspect_half ran at {results['introspect_half']['rps']:,.0f} req/s on "
        f"{results['introspect_half']['connections']} paced connections (target: half of "
        f"introspect_cached, {results['introspect_cached']['rps'] / 2:,.0f}). tokenwarden RSS "
        f"after {total:,} requests with the default cache: {rss:.1f} MB.",
        "",
        "opaque_misses: every request a new opaque token, so every one an upstream RFC 7662 "
        f"call to a local nginx over TLS held to {args.endpoint_rate:,} req/s (its capacity, "
        "measured with the same wrk script straight at it):",
        "",
        *opaque_bench.table(opaque),
        "",
        "Reproduce: `bench/serve` (options: --seconds, --connections, --threads, "
        "--endpoint-rate).",
        ""])
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "serve.md").write_text(text)
    (out / "serve.json").write_text(json.dumps({"results": results, "opaque_misses": opaque,
                                                "rss_mb": rss, "cold_path": cold,
                                                "requests": total, "args": vars(args)},
                                               indent=1))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
