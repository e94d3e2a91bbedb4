"""Helpers for the multi-instance (Redis) part of the `tokenwarden serve` suite; no fixtures.

* ``RedisServer``  -- a throw-away `redis-server` on a loopback port, without persistence:
                      stop / start / restart keep the port and lose the data (on purpose: the
                      instances must heal a Redis that comes back empty).
* ``RedisClient``  -- a tiny RESP2 client over a socket (the test venv has no redis package).
* ``SilentServer`` -- a TCP listener that accepts and never answers: a Redis that hangs.
* ``FakeIntrospection`` -- an RFC 7662 introspection endpoint on loopback (plain HTTP) that
                      answers from a table and counts the calls per token.
* ``denylist_key()`` -- the 64-hex revocation key of a token (core/denylist.cc, KeyFor).
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import os
import signal
import socket
import struct
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

from fake_introspection import FakeIntrospection  # noqa: F401  (re-exported for the tests)
from servekit import free_port

REDIS_SERVER = "redis-server"


class RedisError(Exception):
    """An error reply (`-ERR ...`, `-WRONGPASS ...`) from Redis."""


class RedisClient:
    """One RESP2 connection; call(*args) sends a command and returns its decoded reply.

    Bulk strings come back as bytes, integers as int, arrays as lists, nil as None; an error
    reply raises RedisError.
    """

    def __init__(self, port: int, password: str | None = None, username: str | None = None,
                 timeout: float = 5.0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        if password is not None:
            self.call("AUTH", *([username] if username else []), password)

    def send(self, *args: Any) -> None:
        parts = [f"*{len(args)}\r\n".encode()]
        for arg in args:
            data = arg if isinstance(arg, bytes) else str(arg).encode("utf-8")
            parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
        self.sock.sendall(b"".join(parts))

    def _line(self) -> bytes:
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exactly(self, n: int) -> bytes:
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def read(self) -> Any:
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RedisError(rest.decode("utf-8", "replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exactly(n)
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        raise AssertionError(f"not a RESP2 reply: {line[:80]!r}")

    def call(self, *args: Any) -> Any:
        self.send(*args)
        return self.read()

    def keys(self, match: str = "*") -> list[str]:
        """Every key matching `match`, by SCAN (never KEYS)."""
        out: list[str] = []
        cursor = b"0"
        while True:
            cursor, batch = self.call("SCAN", cursor, "MATCH", match, "COUNT", 1000)
            out += [k.decode("utf-8", "replace") for k in batch]
            if cursor == b"0":
                return sorted(set(out))

    def dump_all(self) -> dict[str, list[bytes]]:
        """Every key with every value it holds (strings, lists, sets, hashes, zsets), as bytes."""
        out: dict[str, list[bytes]] = {}
        for key in self.keys():
            kind = self.call("TYPE", key)
            if kind == "string":
                values = [self.call("GET", key)]
            elif kind == "list":
                values = self.call("LRANGE", key, 0, -1)
            elif kind == "set":
                values = self.call("SMEMBERS", key)
            elif kind == "hash":
                values = self.call("HGETALL", key)
            elif kind == "zset":
                values = self.call("ZRANGE", key, 0, -1)
            elif kind == "stream":
                values = [json.dumps(self.call("XRANGE", key, "-", "+"), default=repr).encode()]
            else:  # expired between SCAN and TYPE
                values = []
            out[key] = [v for v in values if v is not None]
        return out

    def close(self) -> None:
        self.sock.close()

    def __enter__(self) -> "RedisClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class RedisServer:
    """`redis-server` on 127.0.0.1:<port> in `directory`, no RDB, no AOF, in the foreground.

    start() waits until PING answers; stop() is SIGTERM and a wait; restart() keeps the port and
    starts empty. `password` turns on requirepass (the default user's password).
    """

    def __init__(self, directory: Path, password: str | None = None):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.password = password
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def log(self) -> Path:
        return self.dir / "redis.log"

    def start(self, timeout: float = 10.0) -> "RedisServer":
        assert self.proc is None, "redis-server is already running"
        # A fresh port only the first time: a restart must come back where the instances look.
        attempts = 1 if self.port else 5
        for _ in range(attempts):
            if not self.starts:
                self.port = free_port()
            if self._spawn(timeout):
                self.starts += 1
                return self
        raise AssertionError(f"redis-server did not start on port {self.port}:\n{self._log_tail()}")

    def _spawn(self, timeout: float) -> bool:
        argv = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--daemonize", "no", "--dir", str(self.dir),
                "--logfile", str(self.log)]
        if self.password is not None:
            argv += ["--requirepass", self.password]
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:  # e.g. the port was taken meanwhile
                self.proc = None
                return False
            try:
                with self.client(timeout=1.0) as c:
                    if c.call("PING") == "PONG":
                        return True
            except (OSError, RedisError):
                pass
            time.sleep(0.02)
        self.kill()
        return False

    def client(self, timeout: float = 5.0) -> RedisClient:
        return RedisClient(self.port, self.password, timeout=timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM and wait; the data is gone (nothing is persisted)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None

    def kill(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait(10)
            self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _log_tail(self) -> str:
        try:
            return "".join(self.log.read_text(errors="replace").splitlines(True)[-20:])
        except OSError:
            return "(no log)"


class SilentServer:
    """Accepts TCP connections on loopback and never sends a byte: a hung Redis."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        self._stop = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _accept(self) -> None:
        self.sock.settimeout(0.1)
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.conns.append(conn)  # held open, never read from or written to

    def close(self) -> None:
        self._stop = True
        self._thread.join(5)
        for c in self.conns:
            c.close()
        self.sock.close()


# --------------------------------------------------------------------------
# Revocation keys
# --------------------------------------------------------------------------

def denylist_key(token: str) -> str:
    """The Denylist key of a verified JWT, as 64 lowercase hex (core/denylist.cc, KeyFor):
    SHA-256("tokenwarden-jti" || len(iss) || len(jti) || iss || jti) with the lengths as
    little-endian uint64 when the token has a jti, else SHA-256("tokenwarden-sig" || the
    signing input)."""
    header_b64, payload_b64, _ = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(payload_b64 + "=" * (-len(payload_b64) % 4)))
    h = hashlib.sha256()
    if "jti" in payload:
        iss = payload.get("iss", "").encode("utf-8")
        jti = payload["jti"].encode("utf-8")
        h.update(b"tokenwarden-jti" + struct.pack("<QQ", len(iss), len(jti)) + iss + jti)
    else:
        h.update(b"tokenwarden-sig" + f"{header_b64}.{payload_b64}".encode("ascii"))
    return h.hexdigest()


def token_parts(token: str) -> list[str]:
    """The pieces of `token` that must never appear in Redis: the whole token and, for a JWT,
    its payload and signature segments."""
    parts = [token]
    if token.count(".") == 2:
        parts += [p for p in token.split(".")[1:] if len(p) >= 16]
    return parts


def ensure_redis_server() -> None:
    """Fails with a clear message when redis-server is not installed."""
    for d in os.environ.get("PATH", "").split(os.pathsep):
        if os.access(os.path.join(d, REDIS_SERVER), os.X_OK):
            return
    raise AssertionError("redis-server is not on PATH (Debian: apt-get install redis-server)")
