"""Revocation storms and the cost of attribute revocations (run through bench/revocation-storm).

Two measurements of issue 22, each in one run on one binary (bench/serve_bench.py's
token minting, client and wrk script; one worker, as there):

  storm      GET /validate on a set of cached tokens with wrk (-c32, saturating), first quiet,
             then while a logout wave runs: a paced client POSTs revocations at a fixed rate
             (--rate, default 1,000 a second), alternately /revoke of a distinct token and
             /revoke-by-attribute of a distinct sid, none covering the validated tokens, with
             `denylist.log` on (fsynced; group-committed off the request loop). Each round
             starts a fresh server (so every quiet phase has nothing revoked) and measures
             quiet then storm. Reported: /validate req/s, p50, p99 and CPU per request in each
             phase, the p99 ratio storm ÷ quiet (issue 22's target: at most 2), and the storm's
             achieved rate, its answers and its own latency.
  attribute  POST /introspect on a set of cached tokens (each with sid, sub and client_id) at
             two servers alike but for their denylists: both hold the same 100 revoked tokens
             (so both pay the per-token denylist lookup), one also holds 10,000 sid, 10 sub and
             10 client id revocations of other sessions, users and clients (so every answer
             stays active, but each hit checks three attributes). wrk rounds alternate between
             them (ABBA) and the lower CPU per request of each is kept; when valgrind is
             installed, user-space instructions per request are also counted
             (bench/callgrind_count.py), which the machine's load cannot move. Target: at most
             5% more CPU per request.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import pathlib
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

import callgrind_count
import serve_bench as sb

FORM = "application/x-www-form-urlencoded"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def post(path: str, body: str, auth: str) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: {auth}\r\n"
            f"Content-Type: {FORM}\r\nContent-Length: {len(body)}\r\n\r\n{body}").encode()


def revoke_request(token: str, auth: str) -> bytes:
    return post("/revoke", f"token={token}", auth)


def revoke_attribute_request(attribute: str, value: str, auth: str) -> bytes:
    form = urllib.parse.urlencode({"iss": sb.ISSUER, "attribute": attribute, "value": value})
    return post("/revoke-by-attribute", form, auth)


async def read_answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One Content-Length framed HTTP/1.1 answer: (status, body)."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    length = 0
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    body = await reader.readexactly(length) if length else b""
    return int(head.split(" ", 2)[1]), body


async def exchange_all(port: int, requests: list[bytes]) -> list[tuple[int, bytes]]:
    """Sends `requests` one at a time over one keep-alive connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    answers = []
    try:
        for request in requests:
            writer.write(request)
            answers.append(await read_answer(reader))
    finally:
        writer.close()
    return answers


def expect_status(port: int, requests: list[bytes], what: str, status: int = 200) -> list[bytes]:
    answers = asyncio.run(exchange_all(port, requests))
    bad = [a for a in answers if a[0] != status]
    if bad:
        raise SystemExit(f"{what}: {len(bad)} of {len(answers)} answered otherwise than "
                         f"{status}, e.g. {bad[0]}")
    return [body for _, body in answers]


async def paced(port: int, requests: list[bytes], rate: float, connections: int) -> dict:
    """Open loop: request i is due at start + i / rate. Each of `connections` keep-alive
    connections takes the next due request when it is free, so the rate holds while fewer than
    `connections` answers are outstanding; lateness says when it did not."""
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05
    taken = 0
    latency, lateness, statuses = [], [], {}
    last = start

    async def connection() -> None:
        nonlocal taken, last
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while taken < len(requests):
                i = taken
                taken += 1
                due = start + i / rate
                if due > loop.time():
                    await asyncio.sleep(due - loop.time())
                sent = loop.time()
                writer.write(requests[i])
                status, _ = await read_answer(reader)
                done = loop.time()
                latency.append(done - sent)
                lateness.append(sent - due)
                statuses[status] = statuses.get(status, 0) + 1
                last = max(last, done)
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    elapsed = last - start
    return {"sent": len(latency), "seconds": elapsed, "achieved_per_s": len(latency) / elapsed,
            "statuses": {str(k): v for k, v in statuses.items()},
            "p50_us": percentile(latency, 50) * 1e6, "p99_us": percentile(latency, 99) * 1e6,
            "max_us": max(latency) * 1e6, "late_p99_us": percentile(lateness, 99) * 1e6}


class Storm(threading.Thread):
    """paced() on a thread of its own, so wrk can run meanwhile."""

    def __init__(self, port: int, requests: list[bytes], rate: float, connections: int):
        super().__init__(daemon=True)
        self.args = (port, requests, rate, connections)
        self.result: dict | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = asyncio.run(paced(*self.args))
        except BaseException as e:  # reported by the main thread
            self.error = e


def stop(procs) -> None:
    for p in procs:
        p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()


class Tokens:
    """Tokens of the bench issuer, each with its own sub, sid and jti."""

    def __init__(self, work: pathlib.Path):
        self.key = sb.signing_key(work)
        self.now = int(time.time())

    def mint(self, sid: str, sub: str, client_id: str = "bench-app") -> str:
        return sb.mint(self.key, {"iss": sb.ISSUER, "sub": sub, "sid": sid, "aud": "bench-api",
                                  "client_id": client_id, "scope": "orders:read",
                                  "iat": self.now - 5, "exp": self.now + 3600,
                                  "jti": secrets.token_urlsafe(12)})

    def live_set(self, work: pathlib.Path, count: int) -> tuple[pathlib.Path, list[str]]:
        """`count` tokens of sessions nobody revokes, one a line in a file for wrk."""
        tokens = [self.mint(f"live-session-{i}", f"live-user-{i}") for i in range(count)]
        path = work / "live.txt"
        path.write_text("".join(t + "\n" for t in tokens))
        return path, tokens


def config(port: int, work: pathlib.Path, secret_hash: str, log: pathlib.Path | None,
           capacity: int) -> dict:
    denylist = {"capacity": capacity}
    if log is not None:
        denylist["log"] = str(log)
    return {"listen": [f"127.0.0.1:{port}"], "workers": 1,
            "issuers": [{"issuer": sb.ISSUER, "jwks_file": str(work / "jwks.json"),
                         "audiences": ["bench-api"], "algorithms": ["ES256"]}],
            "clients": [{"id": "bench", "secret_hash": secret_hash,
                         "revoke_by_attribute": True}],
            "cache": {"enabled": True}, "denylist": denylist,
            "limits": {"max_connections": 4096}}


def warm(port: int, tokens: list[str], auth: str, introspect: bool) -> None:
    """Asks about every token once (they enter the cache) and checks each is accepted."""
    if introspect:
        bodies = expect_status(port, [callgrind_count.introspect_request(t, auth)
                                      for t in tokens], "warm-up /introspect")
        if any(json.loads(b).get("active") is not True for b in bodies):
            raise SystemExit("warm-up: a measured token is not active")
    else:
        expect_status(port, [callgrind_count.validate_request(t) for t in tokens],
                      "warm-up /validate")


def storm_requests(tokens: Tokens, auth: str, count: int, round_no: int) -> list[bytes]:
    """`count` revocations, alternately of a distinct token and of a distinct sid."""
    requests = []
    for i in range(count):
        if i % 2 == 0:
            token = tokens.mint(f"gone-session-{round_no}-{i}", f"gone-user-{round_no}-{i}")
            requests.append(revoke_request(token, auth))
        else:
            requests.append(revoke_attribute_request("sid", f"ended-session-{round_no}-{i}", auth))
    return requests


def storm_round(args, tokens: Tokens, live_file: pathlib.Path, live: list[str],
                secret_hash: str, auth: str, work: pathlib.Path, round_no: int) -> dict:
    count = int(args.rate * (args.seconds + 1.5))
    requests = storm_requests(tokens, auth, count, round_no)
    log = work / f"storm-{round_no}.log"
    port = sb.free_port()
    capacity = 1 << max(16, (4 * count).bit_length())
    proc = sb.start_tokenwarden(args.binary, config(port, work, secret_hash, log, capacity),
                                work, f"storm-{round_no}")
    try:
        warm(port, live, auth, introspect=False)
        quiet = sb.run_wrk(args, port, proc.pid, "validate", live_file, auth, work)
        storm = Storm(port, requests, args.rate, args.storm_connections)
        storm.start()
        time.sleep(0.5)  # the wave is under way before wrk starts
        during = sb.run_wrk(args, port, proc.pid, "validate", live_file, auth, work)
        storm.join()
        if storm.error is not None:
            raise SystemExit(f"storm round {round_no}: {storm.error!r}")
        # The wave took effect: its first token and a token of its first session are refused.
        ended = tokens.mint(f"ended-session-{round_no}-1", "someone")
        expect_status(port, [callgrind_count.validate_request(t) for t in
                             (ended, requests_token(requests[0]))], "revoked tokens", 401)
        log_lines = len(log.read_text().splitlines())
    finally:
        stop([proc])
    for name, r in (("quiet", quiet), ("storm", during)):
        if r["non2xx"] or r["socket_errors"]:
            raise SystemExit(f"round {round_no} {name}: /validate failed: {r}")
    return {"quiet": quiet, "storm": during, "wave": storm.result, "log_lines": log_lines}


def requests_token(request: bytes) -> str:
    return request.split(b"token=", 1)[1].decode()


def attribute_rounds(args, tokens: Tokens, live_file: pathlib.Path, live: list[str],
                     secret_hash: str, auth: str, work: pathlib.Path) -> dict:
    """The two servers of the attribute measurement, alternating."""
    single = [revoke_request(tokens.mint(f"other-session-{i}", f"other-user-{i}"), auth)
              for i in range(100)]
    attributes = ([revoke_attribute_request("sid", f"logged-out-{i}", auth)
                   for i in range(args.sid_revocations)] +
                  [revoke_attribute_request("sub", f"disabled-user-{i}", auth) for i in range(10)] +
                  [revoke_attribute_request("client_id", f"withdrawn-app-{i}", auth)
                   for i in range(10)])
    setups = {"none": single, "live": single + attributes}
    procs, ports, best = {}, {}, {}
    try:
        for side, setup in setups.items():
            ports[side] = sb.free_port()
            procs[side] = sb.start_tokenwarden(
                args.binary, config(ports[side], work, secret_hash, None, 1 << 16), work,
                f"attribute-{side}")
            expect_status(ports[side], setup, f"attribute-{side}: revocations")
            warm(ports[side], live, auth, introspect=True)
        for round_no in range(args.rounds):
            # ABBA: neither server always runs right after the other.
            for side in (("none", "live") if round_no % 2 == 0 else ("live", "none")):
                r = sb.run_wrk(args, ports[side], procs[side].pid, "introspect", live_file, auth,
                               work)
                if r["non2xx"] or r["socket_errors"]:
                    raise SystemExit(f"attribute-{side}: {r}")
                if side not in best or r["cpu_us_per_request"] < best[side]["cpu_us_per_request"]:
                    best[side] = r
        warm(ports["live"], live[:20], auth, introspect=True)  # still active after it all
    finally:
        stop(procs.values())
    result = {"wrk": best}
    if not args.no_callgrind and callgrind_count.available():
        measured = [callgrind_count.introspect_request(t, auth) for t in live] * 2
        warmup = [callgrind_count.introspect_request(t, auth) for t in live]
        result["instructions"] = {
            side: callgrind_count.instructions_per_request(
                args.binary, config(sb.free_port(), work, secret_hash, None, 1 << 16), work,
                f"callgrind-{side}", setup + warmup, measured)
            for side, setup in setups.items()}
    return result


def revocation_cpu(args, r: dict) -> float:
    """The server's CPU during the storm beyond what its /validate requests cost when quiet,
    per revocation made while wrk ran: what the wave itself cost (approximate)."""
    quiet, storm = r["quiet"], r["storm"]
    seconds = storm["duration_us"] / 1e6
    extra = (storm["cpu_us_per_request"] - quiet["cpu_us_per_request"]) * storm["requests"]
    return extra / (r["wave"]["achieved_per_s"] * seconds)


def report(args, storm: list[dict], attribute: dict) -> str:
    lines = ["| round | phase | /validate req/s | p50 µs | p99 µs | "
             "server CPU µs per /validate |", "|---|---|---:|---:|---:|---:|"]
    ratios = []
    for i, r in enumerate(storm, 1):
        for phase in ("quiet", "storm"):
            w = r[phase]
            lines.append(f"| {i} | {phase} | {w['rps']:,.0f} | {w['p50_us']} | {w['p99_us']} | "
                         f"{w['cpu_us_per_request']:.1f} |")
        ratios.append(r["storm"]["p99_us"] / r["quiet"]["p99_us"])
        r["cpu_us_per_revocation"] = revocation_cpu(args, r)
    wave_lines = ["| round | revocations sent | achieved per s | answers | p50 µs | p99 µs | "
                  "max µs | sent late, p99 µs | log lines | server CPU µs per revocation |",
                  "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
    for i, r in enumerate(storm, 1):
        w = r["wave"]
        answers = ", ".join(f"{k}: {v:,}" for k, v in sorted(w["statuses"].items()))
        wave_lines.append(f"| {i} | {w['sent']:,} | {w['achieved_per_s']:,.0f} | {answers} | "
                          f"{w['p50_us']:,.0f} | {w['p99_us']:,.0f} | {w['max_us']:,.0f} | "
                          f"{w['late_p99_us']:,.0f} | {r['log_lines']:,} | "
                          f"{r['cpu_us_per_revocation']:,.0f} |")
    none, live = attribute["wrk"]["none"], attribute["wrk"]["live"]
    attr_lines = ["| denylist | /introspect req/s | p50 µs | p99 µs | CPU µs/req | "
                  "instructions/req (user space) |", "|---|---:|---:|---:|---:|---:|"]
    instructions = attribute.get("instructions", {})
    for label, side, w in (("100 tokens", "none", none),
                           (f"100 tokens + {args.sid_revocations:,} sid, 10 sub, 10 client id",
                            "live", live)):
        count = f"{instructions[side]:,.0f}" if side in instructions else "–"
        attr_lines.append(f"| {label} | {w['rps']:,.0f} | {w['p50_us']} | {w['p99_us']} | "
                          f"{w['cpu_us_per_request']:.2f} | {count} |")
    cpu_ratio = live["cpu_us_per_request"] / none["cpu_us_per_request"]
    summary = (f"Attribute checks on cached /introspect: CPU per request with ÷ without live "
               f"attribute revocations **{cpu_ratio:.3f}** (target ≤ 1.05)")
    if instructions:
        summary += (f"; user-space instructions {instructions['live'] / instructions['none']:.3f}"
                    f" (+{instructions['live'] - instructions['none']:,.0f} per request)")
    machine = (f"{platform.node()}: {os.cpu_count()} CPUs, {platform.platform()}, load average "
               f"{os.getloadavg()[0]:.2f} at the end")
    return "\n".join([
        f"# Revocation storm and attribute revocation checks ({dt.date.today().isoformat()})", "",
        f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s per phase, one worker; "
        f"{machine}.", "",
        f"## /validate on {args.live_tokens:,} cached tokens, quiet and during a revocation "
        f"wave of {args.rate:,} per second (denylist.log fsynced)", "", *lines, "",
        "p99 storm ÷ quiet: " + ", ".join(f"{x:.2f}" for x in ratios) +
        f" (worst **{max(ratios):.2f}**; target ≤ 2). Server CPU during the storm includes the "
        "revocations' own work (an ES256 check per /revoke).", "",
        f"The wave: alternately /revoke of a distinct token and /revoke-by-attribute of a "
        f"distinct sid, paced open-loop on {args.storm_connections} keep-alive connections; "
        "latency is the answer's, i.e. until the batch holding it is fsynced:", "",
        *wave_lines, "",
        f"## /introspect on {args.live_tokens:,} cached tokens (each with sid, sub, client_id), "
        "with and without live attribute revocations", "",
        f"{args.rounds} alternating wrk rounds (ABBA), the lower CPU per request of each kept; "
        "instructions by callgrind, requests one at a time (bench/callgrind_count.py).", "",
        *attr_lines, "", summary + ".", "",
        "Reproduce: `bench/revocation-storm` (options: --seconds, --rate, --rounds, "
        "--storm-rounds, --sid-revocations, --no-callgrind).", ""])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--seconds", type=int, default=8, help="per wrk phase")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--rate", type=int, default=1000, help="storm: revocations per second")
    ap.add_argument("--storm-connections", type=int, default=32)
    ap.add_argument("--storm-rounds", type=int, default=2)
    ap.add_argument("--live-tokens", type=int, default=1000)
    ap.add_argument("--sid-revocations", type=int, default=10000)
    ap.add_argument("--rounds", type=int, default=3, help="attribute: alternating wrk rounds")
    ap.add_argument("--no-callgrind", action="store_true")
    ap.add_argument("--out", default=str(sb.ROOT / "bench" / "results"))
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: run scripts/bootstrap")
    # On disk, not tmpfs: the revocation log's fsync must reach a device to mean anything.
    base = sb.ROOT / "build" / "bench"
    base.mkdir(parents=True, exist_ok=True)
    work = pathlib.Path(tempfile.mkdtemp(prefix="revocation-storm-", dir=base))
    try:
        tokens = Tokens(work)
        secret_hash, auth = sb.bench_client(args.binary)
        live_file, live = tokens.live_set(work, args.live_tokens)
        storm = [storm_round(args, tokens, live_file, live, secret_hash, auth, work, i)
                 for i in range(1, args.storm_rounds + 1)]
        attribute = attribute_rounds(args, tokens, live_file, live, secret_hash, auth, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out = pathlib.Path(args.out)
    sb.write_report(out / "revocation-storm.md", report(args, storm, attribute))
    (out / "revocation-storm.json").write_text(json.dumps(
        {"storm": storm, "attribute": attribute, "args": vars(args)}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
