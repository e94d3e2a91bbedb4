"""Hostile traffic against a running server, bounded and on loopback only.

Sizes scale with $TW_HOSTILE_SCALE (default 1: the CI run; scripts/hostile uses 10, i.e.
100k malformed requests, 1000 slowloris connections, 100k invalid tokens). Figures are
printed and, with $TW_HOSTILE_REPORT, written there as JSON lines.

* malformed requests of every kind: each gets a 4xx or a closed connection, never a 5xx, a
  hang or a crash; valid keep-alive traffic alongside keeps its p99 low;
* slowloris: idle and trickling connections are reclaimed by the read timeout while valid
  traffic flows;
* a connection flood past max_connections: the extra ones are refused, the server serves on;
* silent connections (connect, send nothing) plus slowloris ones, past max_connections and
  renewed as the server closes them: a new client is still admitted and answered at once;
* a wave of slow connections timing out together: valid traffic keeps its p99;
* invalid tokens of every error class: each answered with its class's challenge and counted
  under its code in /metrics.
"""

from __future__ import annotations

import json
import os
import random
import select
import socket
import statistics
import threading
import time
import urllib.parse

import pytest

from servekit import SLOW, parse_metrics, request

SCALE = float(os.environ.get("TW_HOSTILE_SCALE", "1"))
# Sanitizer builds are several times slower: the latency bound scales like every wait.
P99_LIMIT_MS = 10.0 * SLOW


def report(name: str, **figures) -> None:
    line = json.dumps({"test": name, **figures})
    print(line)
    path = os.environ.get("TW_HOSTILE_REPORT")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(line + "\n")


def address(server) -> tuple[str, int]:
    url = urllib.parse.urlsplit(server.base)
    return url.hostname, url.port


class ValidTraffic:
    """One keep-alive connection sending valid /validate requests back to back, recording
    each latency, until stopped."""

    def __init__(self, server, token: str):
        self.addr = address(server)
        self.req = (f"GET /validate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                    "\r\n").encode()
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(30)

    def run(self) -> None:
        sock = socket.create_connection(self.addr, timeout=5 * SLOW)
        buf = b""
        while not self.stop.is_set():
            start = time.perf_counter()
            try:
                sock.sendall(self.req)
                while b"\r\n\r\n" not in buf:
                    chunk = sock.recv(65536)
                    if not chunk:
                        raise ConnectionError("closed")
                    buf += chunk
                head, buf = buf.split(b"\r\n\r\n", 1)
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                while len(buf) < length:
                    buf += sock.recv(65536)
                buf = buf[length:]
                if not head.startswith(b"HTTP/1.1 200"):
                    self.failures.append(head.split(b"\r\n")[0].decode())
            except (OSError, ConnectionError) as e:
                self.failures.append(repr(e))
                sock = socket.create_connection(self.addr, timeout=5 * SLOW)
                buf = b""
                continue
            self.latencies.append((time.perf_counter() - start) * 1000)
            time.sleep(0.002)  # a steady rate, not a saturating loop
        sock.close()

    def p99(self) -> float:
        return statistics.quantiles(self.latencies, n=100)[98] if len(self.latencies) > 10 else 0


# --- malformed requests ---------------------------------------------------------------------

def malformed(rng: random.Random, i: int) -> tuple[str, bytes]:
    """One malformed request of kind i % 12 (the kind's name, the bytes)."""
    kind = i % 12
    if kind == 0:
        return "random", bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 512)))
    if kind == 1:
        full = b"POST /introspect HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\ntoken=abcd"
        return "truncated", full[: rng.randint(1, len(full) - 1)]
    if kind == 2:
        return "huge-header", b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n"
    if kind == 3:
        return "many-headers", b"GET / HTTP/1.1\r\n" + b"".join(
            b"X-%d: v\r\n" % n for n in range(100)) + b"\r\n"
    if kind == 4:
        return "huge-body", (b"POST /introspect HTTP/1.1\r\nHost: x\r\nContent-Length: 100000"
                             b"\r\n\r\n" + b"a" * 1000)
    if kind == 5:
        method = rng.choice([b"FOO", b"G\x00T", b"GET\x7f", b"", b"CONNECT", b"get"])
        return "bad-method", method + b" / HTTP/1.1\r\nHost: x\r\n\r\n"
    if kind == 6:
        return "conflicting-length", (b"POST /introspect HTTP/1.1\r\nHost: x\r\nContent-Length: 5"
                                      b"\r\nContent-Length: 7\r\n\r\ntoken=a")
    if kind == 7:
        return "negative-length", (b"POST /introspect HTTP/1.1\r\nHost: x\r\nContent-Length: -5"
                                   b"\r\n\r\ntoken")
    if kind == 8:
        body = rng.choice([b"fffffffffffffffff\r\n", b"5;" + b"x" * 9000 + b"\r\nhello\r\n",
                           b"zz\r\n", b"5\r\nhelloXX", b"-1\r\n"])
        return "bad-chunked", (b"POST /introspect HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
                               b"chunked\r\n\r\n" + body)
    if kind == 9:
        return "te-and-length", (b"POST /introspect HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                                 b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    if kind == 10:
        return "header-injection", rng.choice([
            b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rInjected: b\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\nX-B: b\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\n X-Folded: b\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\nX-A: b\r\n\tfolded\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\nX A: b\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: x\r\nX-A: \x00\r\n\r\n"])
    if i % 24 == 11:
        return "bad-version", rng.choice([b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
                                          b"GET / HTTP/2.0\r\nHost: x\r\n\r\n"])
    return "non-utf8", rng.choice([b"GET /\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
                                   b"GET / HTTP/1.1\r\nHost: \xc3\x28\r\nX: \x80\r\n\r\n"])


def exchange(addr, data: bytes, timeout: float) -> str:
    """Sends `data`, half-closes, and returns the status code or "closed"."""
    with socket.create_connection(addr, timeout=timeout) as sock:
        try:
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            return "closed"
        buf = b""
        try:
            while len(buf) < 12:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                buf += chunk
        except ConnectionResetError:
            return "closed"
        except socket.timeout:
            return "hang"
    return buf[9:12].decode("latin-1") if buf.startswith(b"HTTP/1.") else (
        "closed" if not buf else f"garbage:{buf[:20]!r}")


def test_malformed_requests_get_4xx_or_a_close(serve, world):
    server = serve(world.config())
    addr = address(server)
    n = int(10_000 * SCALE)
    rng = random.Random(7)
    cases = [malformed(rng, i) for i in range(n)]
    outcomes: dict[str, dict[str, int]] = {}
    bad: list[str] = []
    lock = threading.Lock()

    def worker(part):
        for kind, data in part:
            got = exchange(addr, data, 10 * SLOW)
            with lock:
                outcomes.setdefault(kind, {}).setdefault(got, 0)
                outcomes[kind][got] += 1
                ok = got == "closed" or (got.isdigit() and 400 <= int(got) < 500)
                # A header that tries to smuggle a line must be refused, never served.
                if kind == "header-injection":
                    ok = got in ("400", "closed")
                # RFC 9110 §15.6.6: an HTTP version we do not speak is 505, by definition.
                if kind == "bad-version" and got in ("505", "400"):
                    ok = True
                # Random bytes may spell a valid request by chance; nothing may be a 5xx.
                if kind == "random" and got.isdigit() and int(got) < 500:
                    ok = True
                if not ok:
                    bad.append(f"{kind}: {got} for {data[:80]!r}")

    started = time.perf_counter()
    with ValidTraffic(server, world.token("a", aud="api-a")) as valid:
        threads = [threading.Thread(target=worker, args=(cases[k::8],)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    elapsed = time.perf_counter() - started
    assert server.running(), server.stderr()
    assert request(server.base, "GET", "/healthz").status == 200
    report("malformed", requests=n, seconds=round(elapsed, 1), outcomes=outcomes,
           valid_requests=len(valid.latencies), valid_p99_ms=round(valid.p99(), 2),
           valid_failures=len(valid.failures))
    assert not bad, bad[:20]
    assert not valid.failures, valid.failures[:5]
    assert valid.p99() < P99_LIMIT_MS


# --- slowloris --------------------------------------------------------------------------------

def test_slowloris_connections_are_reclaimed(serve, world):
    limits = {"read_timeout_ms": 2000, "idle_timeout_ms": 3000, "drain_timeout_ms": 3000}
    server = serve(world.config(limits=limits))
    addr = address(server)
    n = int(100 * SCALE)
    socks = []
    for i in range(n):
        s = socket.create_connection(addr, timeout=5 * SLOW)
        if i % 2:
            s.sendall(b"GET /validate HTTP/1.1\r\nHost: x\r\n")  # a head that never ends
        socks.append(s)
    with ValidTraffic(server, world.token("a", aud="api-a")) as valid:
        deadline = time.monotonic() + 10 * SLOW
        # Trickle a byte now and then on the half-sent heads, as slowloris does.
        while time.monotonic() < deadline:
            for s in socks[1::2][:50]:
                try:
                    s.sendall(b"X")
                except OSError:
                    pass
            time.sleep(0.5)
            open_now = parse_metrics(request(server.base, "GET", "/metrics").body.decode()).get(
                "tokenwarden_open_connections")
            if open_now <= 3:
                break
    closed = 0
    for s in socks:
        s.settimeout(1)
        try:
            data = s.recv(4096)
            closed += 1 if (not data or data.startswith(b"HTTP/1.1 408")) else 0
        except (ConnectionResetError, BrokenPipeError):
            closed += 1
        except socket.timeout:
            pass
        s.close()
    report("slowloris", connections=n, reclaimed=closed, valid_requests=len(valid.latencies),
           valid_p99_ms=round(valid.p99(), 2))
    assert closed == n
    assert not valid.failures, valid.failures[:5]
    assert valid.p99() < P99_LIMIT_MS


# --- connection flood -------------------------------------------------------------------------

def test_connection_flood_beyond_max_connections(serve, world):
    server = serve(world.config(limits={"max_connections": 64, "drain_timeout_ms": 3000}))
    addr = address(server)
    token = world.token("a", aud="api-a")
    ask = (f"GET /validate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
           "Content-Length: 0\r\n\r\n").encode()
    keep = socket.create_connection(addr, timeout=5 * SLOW)  # an existing client, answered
    keep_file = keep.makefile("rb")

    def keep_asks() -> bytes:
        keep.sendall(ask)
        status = keep_file.readline()
        length = 0
        while (line := keep_file.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        keep_file.read(length)
        return status

    assert keep_asks().startswith(b"HTTP/1.1 200")
    flood = []
    for _ in range(int(300 * min(SCALE, 3))):
        try:
            flood.append(socket.create_connection(addr, timeout=5 * SLOW))
        except OSError:
            pass
    time.sleep(0.5 * SLOW)
    refused = 0
    for s in flood:
        s.settimeout(0.2)
        try:
            if s.recv(1) == b"":
                refused += 1
        except (ConnectionResetError, BrokenPipeError):
            refused += 1
        except socket.timeout:
            pass
    assert keep_asks().startswith(b"HTTP/1.1 200")  # the existing client is still served
    for s in flood:
        s.close()
    time.sleep(0.5 * SLOW)
    assert request(server.base, "GET", "/healthz").status == 200
    metrics = parse_metrics(request(server.base, "GET", "/metrics").body.decode())
    # The flood's silent connections make room for each other (evicted, oldest first); the
    # client with a keep-alive connection that has spoken HTTP is never the one to go.
    closed_metric = (metrics.get("tokenwarden_refused_connections_total")
                     + metrics.get("tokenwarden_evicted_connections_total"))
    report("flood", attempted=len(flood), refused=refused, closed_metric=closed_metric)
    assert refused >= len(flood) - 64
    assert closed_metric >= len(flood) - 64
    keep.close()


# --- silent connections and timeout waves -----------------------------------------------------

class Flood:
    """`silent` connections that never send a byte and `slow` ones whose head never ends,
    kept at that number: a thread replaces each one the server closes (evicted or timed out),
    as an attacker reconnecting would."""

    def __init__(self, addr, silent: int, slow: int):
        self.addr = addr
        self.want = {"silent": silent, "slow": slow}
        self.have = {"silent": 0, "slow": 0}
        self.socks: dict[int, tuple[socket.socket, str]] = {}
        self.poll = select.poll()  # not select(): thousands of fds exceed FD_SETSIZE
        self.opened = 0
        self.closed_by_server = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def open_one(self, kind: str) -> None:
        try:
            s = socket.create_connection(self.addr, timeout=5 * SLOW)
            if kind == "slow":
                s.sendall(b"GET /validate HTTP/1.1\r\nHost: x\r\n")
            s.setblocking(False)
        except OSError:
            return
        self.socks[s.fileno()] = (s, kind)
        self.poll.register(s, select.POLLIN)
        self.have[kind] += 1
        self.opened += 1

    def fill(self) -> None:
        for kind, n in self.want.items():
            for _ in range(n - self.have[kind]):
                self.open_one(kind)

    def reap(self) -> None:
        for fd, _ in self.poll.poll(0):
            s, kind = self.socks.pop(fd)
            self.poll.unregister(fd)
            s.close()
            self.have[kind] -= 1
            self.closed_by_server += 1

    def run(self) -> None:
        while not self.stop.is_set():
            self.reap()
            self.fill()
            time.sleep(0.01)

    def __enter__(self):
        self.fill()
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(30)
        for s, _ in self.socks.values():
            s.close()


def admit(addr, token: str) -> float:
    """A new client: connect, one valid request, its answer; the milliseconds it took."""
    start = time.perf_counter()
    with socket.create_connection(addr, timeout=10 * SLOW) as s:
        s.sendall(f"GET /validate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                  "Connection: close\r\n\r\n".encode())
        reply = b""
        while chunk := s.recv(65536):
            reply += chunk
    if not reply.startswith(b"HTTP/1.1 200"):
        raise AssertionError(f"a new client was not served: {reply[:80]!r}")
    return (time.perf_counter() - start) * 1000


def test_silent_and_slow_connections_cannot_lock_out_new_clients(serve, world):
    # At scale 10 the figures: 5,000 silent + 1,000 slowloris against the default
    # max_connections (4096); smaller runs keep the same ratio to a smaller limit.
    silent, slow = int(500 * SCALE), int(100 * SCALE)
    max_connections = 4096 if SCALE >= 10 else int(400 * SCALE)
    server = serve(world.config(limits={"max_connections": max_connections,
                                        "read_timeout_ms": 3000, "drain_timeout_ms": 3000}))
    addr = address(server)
    token = world.token("a", aud="api-a")
    admissions = []
    with Flood(addr, silent, slow) as flood, ValidTraffic(server, token) as valid:
        deadline = time.monotonic() + 8 * max(1.0, SCALE / 5)
        while time.monotonic() < deadline:
            admissions.append(admit(addr, token))
            time.sleep(0.2)
    metrics = parse_metrics(request(server.base, "GET", "/metrics").body.decode())
    report("silent_flood", silent=silent, slowloris=slow, max_connections=max_connections,
           flood_connections_opened=flood.opened, closed_by_server=flood.closed_by_server,
           new_clients=len(admissions), admit_max_ms=round(max(admissions), 2),
           admit_median_ms=round(statistics.median(admissions), 2),
           valid_requests=len(valid.latencies), valid_p99_ms=round(valid.p99(), 2),
           evicted=metrics.get("tokenwarden_evicted_connections_total"),
           timed_out=metrics.get("tokenwarden_timed_out_connections_total"),
           refused=metrics.get("tokenwarden_refused_connections_total"))
    assert admissions and max(admissions) < 1000 * SLOW, admissions
    assert not valid.failures, valid.failures[:5]
    assert metrics.get("tokenwarden_evicted_connections_total") > 0
    assert metrics.get("tokenwarden_timed_out_connections_total") > 0


def test_a_wave_of_timeouts_does_not_stall_valid_traffic(serve, world):
    # Slow connections opened together time out together (the read timeout runs from accept):
    # the server closes them over several loop iterations, with valid requests in between.
    n = int(100 * SCALE)
    server = serve(world.config(limits={"read_timeout_ms": 2000, "drain_timeout_ms": 3000}))
    addr = address(server)
    with ValidTraffic(server, world.token("a", aud="api-a")) as valid:
        time.sleep(0.5)
        socks = []
        for _ in range(n):
            s = socket.create_connection(addr, timeout=5 * SLOW)
            s.sendall(b"GET /validate HTTP/1.1\r\nHost: x\r\n")
            socks.append(s)
        wave_start = len(valid.latencies)
        time.sleep(2.0 + 1.5 * SLOW)
        during = valid.latencies[wave_start:]
    answered = 0
    for s in socks:
        s.settimeout(2 * SLOW)
        try:
            answered += 1 if s.recv(4096).startswith(b"HTTP/1.1 408") else 0
        except OSError:
            pass
        s.close()
    p99 = statistics.quantiles(during, n=100)[98] if len(during) > 10 else 0
    report("timeout_wave", connections=n, answered_408=answered, valid_requests=len(during),
           valid_p99_ms=round(p99, 2), valid_max_ms=round(max(during, default=0), 2))
    assert answered == n
    assert not valid.failures, valid.failures[:5]


# --- invalid tokens ---------------------------------------------------------------------------

def test_invalid_tokens_get_their_code_and_are_counted(serve, world):
    server = serve(world.config())
    now = int(time.time())
    token = world.token("a", aud="api-a")
    head, body, sig = token.split(".")
    kinds = {
        "malformed": "abc.d%ef.ghi",
        "unknown_issuer": world.token("a", aud="api-a", iss="https://unknown.test"),
        "expired": world.token("a", aud="api-a", exp=now - 100),
        "not_yet_valid": world.token("a", aud="api-a", nbf=now + 3600),
        "invalid_audience": world.token("a", aud="elsewhere"),
        "invalid_signature": f"{head}.{body}.{sig[:-6]}AAAAAA",
        "key_not_found": world.token("a", aud="api-a", kid="unknown-kid"),
        "missing_claim": world.token("a", aud="api-a", exp=None),
    }
    n = int(10_000 * SCALE)
    per_kind = n // len(kinds)
    before = parse_metrics(request(server.base, "GET", "/metrics").body.decode())
    wrong: list[str] = []
    descriptions: dict[str, set] = {}
    lock = threading.Lock()

    def worker(items):
        sock = socket.create_connection(address(server), timeout=5 * SLOW)
        f = sock.makefile("rb")
        for code, tok in items:
            sock.sendall(f"GET /validate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\n"
                         "\r\n".encode())
            status = f.readline()
            headers = {}
            while True:
                line = f.readline()
                if line in (b"\r\n", b""):
                    break
                k, _, v = line.decode("latin-1").partition(":")
                headers[k.strip().lower()] = v.strip()
            f.read(int(headers.get("content-length", "0")))
            challenge = headers.get("www-authenticate", "")
            with lock:
                if not status.startswith(b"HTTP/1.1 401") or "invalid_token" not in challenge:
                    wrong.append(f"{code}: {status!r} {challenge}")
                descriptions.setdefault(code, set()).add(challenge)
        sock.close()

    items = [(code, tok) for code, tok in kinds.items() for _ in range(per_kind)]
    random.Random(3).shuffle(items)
    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(items[k::4],)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    after = parse_metrics(request(server.base, "GET", "/metrics").body.decode())
    counted = {code: after.get("tokenwarden_validations_total", result=code) -
               before.get("tokenwarden_validations_total", result=code) for code in kinds}
    report("invalid_tokens", requests=len(items), seconds=round(elapsed, 1), counted=counted)
    assert not wrong, wrong[:10]
    # Each class always gets the same challenge (its code's description), and no two classes
    # share one: the client can tell them apart.
    assert all(len(d) == 1 for d in descriptions.values()), descriptions
    assert len({next(iter(d)) for d in descriptions.values()}) == len(kinds), descriptions
    assert counted == {code: per_kind for code in kinds}
