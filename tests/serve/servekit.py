"""Helpers for the black-box `tokenwarden serve` suite (plain Python, no fixtures).

* ``Server``       -- runs `tokenwarden serve`, waits for its "listening on" line, stops it.
* ``request()``    -- one HTTP request with http.client (headers given as a list, so a
                      header may be repeated), returning a ``Reply``.
* ``RawConn``      -- a raw socket for what http.client will not send (pipelining, oversized
                      heads, partial requests) and a minimal HTTP/1.1 response reader.
* ``parse_challenge()`` -- a strict RFC 6750 §3 / RFC 9110 §11 WWW-Authenticate parser.
* ``parse_metrics()``   -- the Prometheus text format, as the lines /metrics sends.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

# Sanitizer builds start and answer several times slower; every wait below scales with this.
SLOW = 3.0 if os.environ.get("TW_SLOW") or "asan" in os.environ.get("TOKENWARDEN_BIN", "") \
    or "tsan" in os.environ.get("TOKENWARDEN_BIN", "") else 1.0

ISS_A = "https://issuer-a.test"
ISS_B = "https://issuer-b.test"

LISTENING = re.compile(r"tokenwarden: listening on (http://\S+)")


class Reply:
    """An HTTP response: status, headers (in order, repeats kept), body bytes."""

    def __init__(self, status: int, reason: str, headers: Sequence[tuple[str, str]], body: bytes):
        self.status = status
        self.reason = reason
        self.headers = list(headers)
        self.body = body

    def header(self, name: str) -> str | None:
        values = self.all(name)
        assert len(values) <= 1, f"header {name} sent {len(values)} times: {values}"
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def names(self) -> set[str]:
        return {k.lower() for k, _ in self.headers}

    def json(self) -> Any:
        return json.loads(self.body, object_pairs_hook=_no_duplicates)

    def __repr__(self) -> str:
        return f"<Reply {self.status} {self.headers} {self.body[:400]!r}>"


def _no_duplicates(pairs):
    out = {}
    for k, v in pairs:
        assert k not in out, f"duplicate JSON member {k!r}"
        out[k] = v
    return out


def request(base: str, method: str, path: str, headers: Iterable[tuple[str, str]] = (),
            body: bytes | str | None = None, timeout: float = 5.0) -> Reply:
    """One request on a fresh connection. `headers` is a list of (name, value) pairs."""
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout * SLOW)
    try:
        return request_on(conn, method, path, headers, body)
    finally:
        conn.close()


def request_on(conn: http.client.HTTPConnection, method: str, path: str,
               headers: Iterable[tuple[str, str]] = (), body: bytes | str | None = None) -> Reply:
    """One request on an existing (keep-alive) http.client connection."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    conn.putrequest(method, path, skip_accept_encoding=True)
    for name, value in headers:
        conn.putheader(name, value)
    if body is not None:
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    resp = conn.getresponse()
    data = resp.read()
    return Reply(resp.status, resp.reason, resp.getheaders(), data)


def form(**fields: str) -> str:
    return urllib.parse.urlencode(fields)


FORM = ("Content-Type", "application/x-www-form-urlencoded")


def basic(client_id: str, secret: str, encode: bool = True) -> tuple[str, str]:
    """Authorization: Basic, with id and secret form-urlencoded first (RFC 6749 §2.3.1)."""
    if encode:
        client_id = urllib.parse.quote_plus(client_id, safe="")
        secret = urllib.parse.quote_plus(secret, safe="")
    raw = f"{client_id}:{secret}".encode("utf-8")
    return ("Authorization", "Basic " + base64.b64encode(raw).decode("ascii"))


def bearer(token: str) -> tuple[str, str]:
    return ("Authorization", f"Bearer {token}")


# --------------------------------------------------------------------------
# /introspect
# --------------------------------------------------------------------------

INACTIVE = {"active": False}


def introspect(server, token, auth=None, **extra):
    headers = [FORM]
    if auth is not None:
        headers.append(auth)
    return server.post("/introspect", form(token=token, **extra), headers)


def expect_active(reply) -> dict:
    assert reply.status == 200, reply
    assert reply.header("Cache-Control") == "no-store", reply
    assert reply.header("Content-Type").startswith("application/json"), reply
    body = reply.json()
    assert body.get("active") is True, reply
    return body


def expect_inactive(reply) -> None:
    assert reply.status == 200, reply
    assert reply.json() == INACTIVE, reply
    assert reply.header("Cache-Control") == "no-store", reply


def revoke(server, token, auth=None, **extra):
    headers = [FORM]
    if auth is not None:
        headers.append(auth)
    return server.post("/revoke", form(token=token, **extra), headers)


# --------------------------------------------------------------------------
# WWW-Authenticate (RFC 9110 §11.6.1 challenge; RFC 6750 §3 attribute syntax)
# --------------------------------------------------------------------------

_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
# RFC 6750 §3: error, error_description and scope values use only these characters.
_RFC6750_VALUE = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]*")


def parse_challenges(value: str) -> list[tuple[str, dict[str, str]]]:
    """Parses a challenge list strictly (RFC 9110 §11.6.1: `Bearer realm="x", error="y",
    DPoP algs="ES256"`); returns [(scheme, params), ...] in order.

    Every parameter must be a quoted-string without escapes (RFC 6750 §3 forbids '"' and '\\'
    in its attribute values), no parameter may repeat within a challenge, and nothing may
    trail.
    """
    scheme_re = re.compile(rf"({_TOKEN})(?: *, *(?=.)| +|$)")
    param = re.compile(rf'({_TOKEN})="([^"\\]*)"')
    challenges: list[tuple[str, dict[str, str]]] = []
    rest = value
    while True:
        m = scheme_re.match(rest)
        assert m and not param.match(rest), f"no auth-scheme at {rest!r} in {value!r}"
        scheme, bare, rest = m.group(1), "," in m.group(0), rest[m.end():]
        params: dict[str, str] = {}
        while rest and not bare:
            pm = param.match(rest)
            if pm is None:
                break  # the next challenge's scheme
            name = pm.group(1).lower()
            assert name not in params, f"auth-param {name} repeated in {value!r}"
            params[name] = pm.group(2)
            rest = rest[pm.end():]
            if rest:
                sep = re.match(r" *, *", rest)
                assert sep and sep.end() < len(rest), f"bad separator at {rest!r} in {value!r}"
                rest = rest[sep.end():]
        for name in ("error", "error_description", "scope"):
            if name in params:
                assert _RFC6750_VALUE.fullmatch(params[name]), \
                    f"{name} has characters RFC 6750 forbids"
        challenges.append((scheme, params))
        if not rest:
            return challenges


def parse_challenge(value: str) -> tuple[str, dict[str, str]]:
    """The first challenge of `value` (the one a refusal's error is in), strictly parsed; the
    others (DPoP's, when the server also takes DPoP) must parse too."""
    return parse_challenges(value)[0]


# --------------------------------------------------------------------------
# Prometheus text format
# --------------------------------------------------------------------------

_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(?:,|$)')


class Metrics:
    """Samples of one scrape: get(name, **labels) -> float (0.0 when absent)."""

    def __init__(self, text: str):
        self.text = text
        self.samples: dict[tuple[str, frozenset], float] = {}
        self.types: dict[str, str] = {}
        for line in text.splitlines():
            if not line:
                continue
            if line.startswith("# TYPE "):
                _, _, name, kind = line.split(" ", 3)
                self.types[name] = kind
                continue
            if line.startswith("#"):
                continue
            m = _SAMPLE.match(line)
            assert m, f"not a Prometheus sample line: {line!r}"
            name, labels_text, value = m.groups()
            labels = {}
            pos = 0
            labels_text = labels_text or ""
            while pos < len(labels_text):
                lm = _LABEL.match(labels_text, pos)
                assert lm, f"bad labels in {line!r}"
                labels[lm.group(1)] = lm.group(2)
                pos = lm.end()
            key = (name, frozenset(labels.items()))
            assert key not in self.samples, f"sample repeated: {line!r}"
            self.samples[key] = float(value)

    def get(self, name: str, **labels: str) -> float:
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def has(self, name: str, **labels: str) -> bool:
        return (name, frozenset(labels.items())) in self.samples

    def series(self, name: str) -> list[tuple[dict[str, str], float]]:
        return [(dict(labels), v) for (n, labels), v in self.samples.items() if n == name]


def parse_metrics(text: str) -> Metrics:
    return Metrics(text)


# --------------------------------------------------------------------------
# Raw sockets
# --------------------------------------------------------------------------

class RawConn:
    """A TCP connection with a minimal HTTP/1.1 response reader (Content-Length bodies)."""

    def __init__(self, base: str, timeout: float = 5.0):
        url = urllib.parse.urlsplit(base)
        self.sock = socket.create_connection((url.hostname, url.port), timeout=timeout * SLOW)
        self.buf = b""

    def send(self, data: bytes | str) -> None:
        self.sock.sendall(data.encode("latin-1") if isinstance(data, str) else data)

    def _fill(self) -> bool:
        chunk = self.sock.recv(65536)
        if not chunk:
            return False
        self.buf += chunk
        return True

    def read_response(self, head: bool = False) -> Reply:
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                raise ConnectionError(f"connection closed before a whole response head: {self.buf!r}")
        head_bytes, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head_bytes.decode("latin-1").split("\r\n")
        m = re.match(r"HTTP/1\.[01] (\d{3}) ?(.*)$", lines[0])
        assert m, f"bad status line {lines[0]!r}"
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.append((name, value.strip()))
        length = 0
        for name, value in headers:
            if name.lower() == "content-length":
                length = int(value)
            assert name.lower() != "transfer-encoding", "the server is expected to send Content-Length"
        if head:
            length = 0
        while len(self.buf) < length:
            if not self._fill():
                raise ConnectionError("connection closed inside a response body")
        body, self.buf = self.buf[:length], self.buf[length:]
        return Reply(int(m.group(1)), m.group(2), headers, body)

    def closed_by_peer(self, within: float) -> bool:
        """True when the server closes (EOF or reset) within `within` seconds, no data first."""
        self.sock.settimeout(within)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True
        finally:
            self.sock.settimeout(5.0 * SLOW)
        assert not chunk, f"unexpected data from the server: {chunk[:200]!r}"
        return True

    def close(self) -> None:
        self.sock.close()


def raw_request(method: str, path: str, headers: Sequence[tuple[str, str]] = (),
                body: bytes = b"", host: str = "127.0.0.1") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{k}: {v}" for k, v in headers]
    framed = any(k.lower() in ("content-length", "transfer-encoding") for k, _ in headers)
    if (body or method in ("POST", "PUT")) and not framed:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


# --------------------------------------------------------------------------
# The server process
# --------------------------------------------------------------------------

class Server:
    """`tokenwarden serve ARGS`, started and waited for.

    stdout and stderr are collected by threads; `base` is the first "listening on" URL.
    """

    def __init__(self, binary: str, args: Sequence[str], env: Mapping[str, str] | None = None,
                 wait: bool = True, timeout: float = 10.0, umask: int = -1):
        self.argv = [binary, "serve", *args]
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=full_env,
                                     umask=umask)
        self._lock = threading.Condition()
        self._out: list[str] = []
        self._err: list[str] = []
        self._threads = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, self._out), daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, self._err), daemon=True),
        ]
        for t in self._threads:
            t.start()
        self.base = ""
        if wait:
            m = self.wait_for_stderr(LISTENING, timeout=timeout)
            self.base = m.group(1)

    def _pump(self, stream, sink: list[str]) -> None:
        for raw in iter(stream.readline, b""):
            with self._lock:
                sink.append(raw.decode("utf-8", "replace"))
                self._lock.notify_all()
        with self._lock:
            sink.append("")  # EOF marker
            self._lock.notify_all()

    @property
    def stderr(self) -> str:
        with self._lock:
            return "".join(self._err)

    @property
    def stdout(self) -> str:
        with self._lock:
            return "".join(self._out)

    def stderr_lines(self) -> int:
        with self._lock:
            return len(self._err)

    def wait_for_stderr(self, pattern: re.Pattern | str, timeout: float = 5.0, start: int = 0):
        """Waits for a stderr line (index >= start) matching `pattern`; returns the match."""
        rx = re.compile(pattern) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout * SLOW
        with self._lock:
            seen = start
            while True:
                while seen < len(self._err):
                    m = rx.search(self._err[seen])
                    seen += 1
                    if m:
                        return m
                if self._err and self._err[-1] == "" and self.proc.poll() is not None:
                    raise AssertionError(f"tokenwarden exited ({self.proc.returncode}) before "
                                         f"printing /{rx.pattern}/; stderr:\n{''.join(self._err)}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no /{rx.pattern}/ on tokenwarden's stderr within "
                                         f"{timeout * SLOW:.1f}s; stderr:\n{''.join(self._err)}")
                self._lock.wait(min(left, 0.2))

    def send_signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def wait_exit(self, timeout: float = 10.0) -> int:
        code = self.proc.wait(timeout * SLOW)
        for t in self._threads:
            t.join(timeout=5)
        return code

    def stop(self, timeout: float = 10.0) -> str:
        """SIGTERM; asserts exit status 0 within `timeout`; returns stderr."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.wait_exit(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"tokenwarden did not exit within {timeout * SLOW:.1f}s of "
                                 f"SIGTERM; stderr:\n{self.stderr}")
        assert code == 0, f"tokenwarden exited {code} after SIGTERM; stderr:\n{self.stderr}"
        return self.stderr

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        for t in self._threads:
            t.join(timeout=5)

    def running(self) -> bool:
        return self.proc.poll() is None

    # Shorthands -------------------------------------------------------------

    def get(self, path: str, headers: Iterable[tuple[str, str]] = (), **kw) -> Reply:
        return request(self.base, "GET", path, headers, **kw)

    def post(self, path: str, body: str | bytes | None = None,
             headers: Iterable[tuple[str, str]] = (), **kw) -> Reply:
        return request(self.base, "POST", path, headers, body, **kw)

    def metrics(self) -> Metrics:
        reply = self.get("/metrics")
        assert reply.status == 200, reply
        return parse_metrics(reply.body.decode("utf-8"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float = 5.0, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout * SLOW
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def write_json(path: Path, obj: Any) -> Path:
    path.write_text(json.dumps(obj, indent=1))
    return path
