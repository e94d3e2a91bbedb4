"""Measure tokenwarden's scale-out through Redis (run through bench/redis).

Three instances share one redis-server on loopback (no persistence), each with its own
revocation log, as deploy/ runs them. Everything is measured in one run:

  propagation   A revocation is POSTed to one instance (round-robin); from its 200 (the
                acknowledgement, after the local fsync) a keep-alive client per other instance
                polls /introspect until the token is inactive there. Reported: p50 / p99 / max
                of the time until *both* other instances answer inactive, and of the /revoke
                round trip itself. Each token is introspected at every instance first, so it
                sits in their verified-token caches as it would in production.
  throughput    wrk against /introspect on an instance with Redis and on one without (same
                configuration otherwise), alternately, same wrk settings: a cached JWT, JWTs
                with the cache off (a signature check each), and opaque tokens answered from
                the local cache after their first introspection at a fake issuer. Reported as
                req/s and CPU per request, and their ratio with / without Redis.
  memory        Redis's used_memory before and after N revocations made through /revoke,
                divided by N.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import pathlib
import platform
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT / "tests" / "serve")]

from serve_bench import bench_client, free_port, mint, run_wrk, signing_key  # noqa: E402
from rediskit import FakeIntrospection, RedisServer  # noqa: E402

ISSUER = "https://bench.tokenwarden.invalid"
OPAQUE_ISSUER = "https://opaque.tokenwarden.invalid"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class Instance:
    """One `tokenwarden serve`, its log to a file; a keep-alive connection for requests."""

    def __init__(self, binary: str, config: dict, work: pathlib.Path, name: str):
        self.name = name
        self.port = int(config["listen"][0].rsplit(":", 1)[1])
        path = work / f"{name}.json"
        path.write_text(json.dumps(config))
        self.stderr = open(work / f"{name}.log", "w")
        self.proc = subprocess.Popen([binary, "serve", "--config", str(path)],
                                     stdout=subprocess.DEVNULL, stderr=self.stderr)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                status, body = self.call("GET", "/readyz")
                if status == 200 and body.get("status") == "ready":
                    return
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise SystemExit(f"tokenwarden {name} did not become ready: "
                         f"{(work / f'{name}.log').read_text()[-2000:]}")

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)

    def call(self, method: str, path: str, body: str | None = None, headers: dict | None = None,
             conn: http.client.HTTPConnection | None = None) -> tuple[int, dict]:
        own = conn is None
        conn = conn or self.connection()
        try:
            conn.request(method, path, body=body, headers=headers or {})
            reply = conn.getresponse()
            data = reply.read()
            return reply.status, json.loads(data) if data else {}
        finally:
            if own:
                conn.close()

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.stderr.close()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def used_memory(redis: RedisServer) -> int:
    with redis.client() as c:
        info = c.call("INFO", "memory").decode()
    return int(next(line.split(":")[1] for line in info.splitlines()
                    if line.startswith("used_memory:")))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--revocations", type=int, default=500, help="propagation samples")
    ap.add_argument("--memory-revocations", type=int, default=5000)
    ap.add_argument("--seconds", type=int, default=6, help="per wrk run")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = ap.parse_args()
    for tool in ("wrk", "redis-server"):
        if shutil.which(tool) is None and not os.access(f"/usr/bin/{tool}", os.X_OK):
            raise SystemExit(f"{tool} not found: run scripts/bootstrap")

    work = pathlib.Path(tempfile.mkdtemp(prefix="tw-bench-redis-"))
    key = signing_key(work)
    now = int(time.time())

    def token(i: int) -> str:
        return mint(key, {"iss": ISSUER, "sub": f"user-{i}", "aud": "bench-api",
                          "client_id": "bench-app", "scope": "orders:read", "iat": now,
                          "exp": now + 7200, "jti": secrets.token_urlsafe(12)})

    secret_hash, auth = bench_client(args.binary)
    headers = {**FORM, "Authorization": auth}
    upstream = FakeIntrospection()
    (work / "upstream.secret").write_text(upstream.client_secret + "\n")
    redis = RedisServer(work / "redis").start()

    def config(name: str, with_redis: bool, cache: bool = True) -> dict:
        cfg = {"listen": [f"127.0.0.1:{free_port()}"], "workers": 1,
               "issuers": [{"issuer": ISSUER, "jwks_file": str(work / "jwks.json"),
                            "audiences": ["bench-api"], "algorithms": ["ES256"]},
                           {"issuer": OPAQUE_ISSUER, "jwks_file": str(work / "jwks.json"),
                            "audiences": ["bench-api"],
                            "fetch": {"allow_plain_http": True},
                            "introspection": {"endpoint": upstream.endpoint,
                                              "client_id": upstream.client_id,
                                              "client_secret_file": str(work / "upstream.secret")}}],
               "clients": [{"id": "bench", "secret_hash": secret_hash}],
               "cache": {"enabled": cache},
               "denylist": {"log": str(work / f"{name}.revocations.log"),
                            "capacity": 1 << 17},
               "limits": {"max_connections": 4096}}
        if with_redis:
            cfg["redis"] = {"url": redis.url}
        return cfg

    instances: list[Instance] = []
    results: dict = {"args": vars(args)}
    try:
        cluster = [Instance(args.binary, config(n, True), work, n) for n in ("a", "b", "c")]
        instances += cluster

        # --- propagation -------------------------------------------------------------------
        conns = {inst.name: inst.connection() for inst in cluster}

        def introspect(inst: Instance, tok: str, conn=None) -> bool:
            status, body = inst.call("POST", "/introspect", f"token={tok}", headers,
                                     conn or conns[inst.name])
            assert status == 200, (status, body)
            return body.get("active", False)

        spread, acks = [], []
        for i in range(args.revocations):
            tok = token(i)
            for inst in cluster:
                assert introspect(inst, tok), "a fresh token is inactive"
            origin = cluster[i % 3]
            others = [inst for inst in cluster if inst is not origin]
            t0 = time.monotonic()
            status, _ = origin.call("POST", "/revoke", f"token={tok}", headers,
                                    conns[origin.name])
            t_ack = time.monotonic()
            assert status == 200, status
            acks.append(t_ack - t0)
            pending = list(others)
            while pending:
                pending = [inst for inst in pending if introspect(inst, tok)]
                if time.monotonic() - t_ack > 5:
                    raise SystemExit(f"revocation {i} did not reach {[p.name for p in pending]}")
            spread.append(time.monotonic() - t_ack)
        results["propagation_ms"] = {
            "samples": len(spread),
            "p50": percentile(spread, 50) * 1e3, "p99": percentile(spread, 99) * 1e3,
            "max": max(spread) * 1e3, "mean": statistics.fmean(spread) * 1e3}
        results["revoke_ack_ms"] = {"p50": percentile(acks, 50) * 1e3,
                                    "p99": percentile(acks, 99) * 1e3}

        # --- Redis memory per revocation ---------------------------------------------------
        before = used_memory(redis)
        tokens = [token(100_000 + i) for i in range(args.memory_revocations)]

        def revoke_slice(k: int) -> None:
            inst = cluster[k % 3]
            conn = inst.connection()
            for tok in tokens[k::8]:
                status, _ = inst.call("POST", "/revoke", f"token={tok}", headers, conn)
                assert status == 200, status
            conn.close()

        t0 = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(revoke_slice, range(8)))
        bulk_seconds = time.monotonic() - t0
        time.sleep(0.5)
        after = used_memory(redis)
        with redis.client() as c:
            keys = c.call("DBSIZE")
        results["memory"] = {"revocations": args.memory_revocations, "keys": keys,
                             "used_memory_before": before, "used_memory_after": after,
                             "bytes_per_revocation": (after - before) / args.memory_revocations,
                             "revocations_per_second": args.memory_revocations / bulk_seconds}

        # --- /introspect throughput with and without Redis ---------------------------------
        local = Instance(args.binary, config("local", False), work, "local")
        instances.append(local)
        local_cold = Instance(args.binary, config("local-cold", False, cache=False), work,
                              "local-cold")
        shared_cold = Instance(args.binary, config("shared-cold", True, cache=False), work,
                               "shared-cold")
        instances += [local_cold, shared_cold]
        one = work / "one.txt"
        one.write_text(token(0) + "\n")
        many = work / "many.txt"
        many.write_text("".join(token(200_000 + i) + "\n" for i in range(2000)))
        opaque = work / "opaque.txt"
        opaque_tokens = []
        for i in range(200):
            t = "opq_" + secrets.token_urlsafe(24)
            upstream.answers[t] = {"active": True, "iss": OPAQUE_ISSUER, "sub": f"o-{i}",
                                   "aud": "bench-api", "exp": now + 7200, "scope": "orders:read"}
            opaque_tokens.append(t)
        opaque.write_text("".join(t + "\n" for t in opaque_tokens))
        for inst in (local, cluster[0]):
            conn = inst.connection()
            for t in opaque_tokens:  # the first introspection of each asks the fake issuer
                assert introspect(inst, t, conn)
            conn.close()
        scenarios = [("introspect_cached", one, local, cluster[0]),
                     ("introspect_cold", many, local_cold, shared_cold),
                     ("introspect_opaque_cached", opaque, local, cluster[0])]
        table = {}
        for name, tokens_file, without, with_redis in scenarios:
            row = {}
            for label, inst in (("without", without), ("with", with_redis),
                                ("without_2", without), ("with_2", with_redis)):
                row[label] = run_wrk(args, inst.port, inst.proc.pid, "introspect", tokens_file,
                                     auth, work)
            table[name] = row
        results["throughput"] = table
        results["upstream_calls"] = sum(upstream.calls(t) for t in opaque_tokens)
    finally:
        for inst in instances:
            inst.stop()
        redis.stop()
        upstream.close()

    p, m = results["propagation_ms"], results["memory"]
    lines = [
        f"# tokenwarden scale-out through Redis ({dt.date.today().isoformat()})",
        "",
        f"{platform.node()}: {os.cpu_count()} CPUs, {platform.platform()}; three instances and "
        f"redis-server on loopback, release build, one worker each.",
        "",
        "## Revocation propagation",
        "",
        f"{p['samples']} revocations, round-robin over the three instances; time from the "
        "/revoke acknowledgement until both other instances answer inactive on /introspect:",
        "",
        "| p50 ms | p99 ms | max ms | mean ms | /revoke round trip p50 / p99 ms |",
        "|---:|---:|---:|---:|---:|",
        f"| {p['p50']:.2f} | {p['p99']:.2f} | {p['max']:.2f} | {p['mean']:.2f} | "
        f"{results['revoke_ack_ms']['p50']:.2f} / {results['revoke_ack_ms']['p99']:.2f} |",
        "",
        "## /introspect with and without Redis",
        "",
        f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s, each pair run twice "
        "alternately (without, with, without, with); each figure is the mean of its two runs, "
        "ratio = with / without.",
        "",
        "| scenario | req/s without | req/s with | ratio | CPU µs/req without | with | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in results["throughput"].items():
        wo = [row["without"], row["without_2"]]
        wi = [row["with"], row["with_2"]]
        rps_wo = statistics.fmean(r["rps"] for r in wo)
        rps_wi = statistics.fmean(r["rps"] for r in wi)
        cpu_wo = statistics.fmean(r["cpu_us_per_request"] for r in wo)
        cpu_wi = statistics.fmean(r["cpu_us_per_request"] for r in wi)
        row["summary"] = {"rps_without": rps_wo, "rps_with": rps_wi,
                          "cpu_without": cpu_wo, "cpu_with": cpu_wi}
        bad = sum(r["non2xx"] + r["socket_errors"] for r in wo + wi)
        lines.append(f"| {name} | {rps_wo:,.0f} | {rps_wi:,.0f} | {rps_wi / rps_wo:.2f} | "
                     f"{cpu_wo:.1f} | {cpu_wi:.1f} | {cpu_wi / cpu_wo:.2f} |"
                     + (f" ({bad} errors)" if bad else ""))
    lines += [
        "",
        f"The opaque tokens were asked at their (fake) issuer {results['upstream_calls']} times "
        "in all: once per token and instance before the runs, then answered from the local "
        "cache.",
        "",
        "## Redis memory",
        "",
        f"{m['revocations']:,} revocations through /revoke (8 clients over the three instances, "
        f"{m['revocations_per_second']:,.0f}/s): used_memory {m['used_memory_before']:,} → "
        f"{m['used_memory_after']:,} bytes, {m['bytes_per_revocation']:.0f} bytes per "
        f"revocation ({m['keys']:,} keys).",
        "",
        "Reproduce: `bench/redis` (options: --revocations, --memory-revocations, --seconds, "
        "--connections).",
        ""]
    text = "\n".join(lines)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "redis.md").write_text(text)
    (out / "redis.json").write_text(json.dumps(results, indent=1))
    print(text)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
