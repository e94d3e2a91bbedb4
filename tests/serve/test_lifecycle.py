"""Process lifecycle: SIGTERM drain, SIGHUP reload (also under load), the access log."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import signal
import socket
import threading
import time
import urllib.parse

from servekit import (FORM, SLOW, RawConn, bearer, expect_active, expect_inactive, form, introspect,
                      raw_request, revoke, wait_until)


def validate(server, token):
    return server.get("/validate", [bearer(token)])


def reload(server, serve, cfg) -> None:
    """Writes `cfg` over the server's configuration, sends SIGHUP, waits for the outcome line."""
    serve.write(cfg)
    mark = server.stderr_lines()
    server.send_signal(signal.SIGHUP)
    server.wait_for_stderr(r"reloaded|reload failed", start=mark)


# --------------------------------------------------------------------------
# SIGTERM / SIGINT
# --------------------------------------------------------------------------

def test_workers_0_runs_one_loop_per_cpu_it_may_use(serve, world):
    # Regression: `workers: 0` counted the machine's CPUs, ignoring the affinity mask (and a
    # container's CPU limit, tests/server/serve/cpu_budget_test.cc).
    saved = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(saved)})  # inherited by the server started meanwhile
    try:
        server = serve(world.config(workers=0))
    finally:
        os.sched_setaffinity(0, saved)
    assert re.search(r"listening on \S+ with 1 workers", server.stderr), server.stderr


def test_sigterm_with_an_idle_keep_alive_connection_exits_promptly(serve, world):
    cfg = world.config(limits={"drain_timeout_ms": 8000, "idle_timeout_ms": 60000})
    server = serve(cfg)
    conn = RawConn(server.base)
    try:
        conn.send(raw_request("GET", "/healthz"))
        assert conn.read_response().status == 200
        started = time.monotonic()
        err = server.stop(timeout=5)
        elapsed = time.monotonic() - started
        # An idle connection is no reason to wait for the drain timeout (8 s).
        assert elapsed < 2.0 * SLOW, f"took {elapsed:.2f}s"
        assert "SIGTERM" in err and "stopped" in err
        assert conn.closed_by_peer(within=1)
    finally:
        conn.close()


def test_sigint_exits_0(serve, world):
    server = serve(world.config())
    server.send_signal(signal.SIGINT)
    assert server.wait_exit(timeout=5) == 0, server.stderr


def test_request_in_flight_completes_after_sigterm(serve, world):
    server = serve(world.config(limits={"drain_timeout_ms": 5000}))
    token = world.token("a")
    body = form(token=token).encode()
    conn = RawConn(server.base)
    try:
        conn.send(raw_request("POST", "/introspect", [FORM, world.auth()], body)[:-20])  # all but 20 bytes
        time.sleep(0.1)
        mark = server.stderr_lines()
        server.send_signal(signal.SIGTERM)
        server.wait_for_stderr("SIGTERM", start=mark)
        time.sleep(0.2)
        # The listening socket is closed at once: no new connections.
        port = urllib.parse.urlsplit(server.base).port
        refused = False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except ConnectionRefusedError:
            refused = True
        assert refused, "still accepting connections after SIGTERM"
        assert server.running()
        conn.send(body[-20:])
        reply = conn.read_response()
        assert reply.status == 200, reply
        assert reply.json()["active"] is True
        assert (reply.header("Connection") or "").lower() == "close", reply
        assert conn.closed_by_peer(within=2)
    finally:
        conn.close()
    assert server.wait_exit(timeout=5) == 0, server.stderr


def test_a_stalled_request_does_not_hold_shutdown_past_the_drain_timeout(serve, world):
    server = serve(world.config(limits={"drain_timeout_ms": 500, "read_timeout_ms": 60000}))
    conn = RawConn(server.base)
    try:
        conn.send(b"POST /introspect HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\ntoken=")
        time.sleep(0.1)
        started = time.monotonic()
        server.stop(timeout=5)
        elapsed = time.monotonic() - started
        assert 0.4 <= elapsed < 3.0 * SLOW, f"exited {elapsed:.2f}s after SIGTERM (drain timeout 0.5 s)"
    finally:
        conn.close()


# --------------------------------------------------------------------------
# SIGHUP
# --------------------------------------------------------------------------

def test_reload_adds_an_audience(serve, world):
    cfg = world.config()
    server = serve(cfg)
    token = world.token("a", aud="api-new")
    assert validate(server, token).status == 401
    expect_inactive(introspect(server, token, world.auth()))
    cfg["issuers"][0]["audiences"].append("api-new")
    reload(server, serve, cfg)
    assert "reloaded" in server.stderr
    assert validate(server, token).status == 200
    expect_active(introspect(server, token, world.auth()))
    m = server.metrics()
    assert m.get("tokenwarden_config_reloads_total", result="ok") == 1
    assert m.get("tokenwarden_config_reloads_total", result="failed") == 0


def test_reload_swaps_the_key_set(serve, world):
    cfg = world.config()
    server = serve(cfg)
    old = world.token("a")
    new = world.token("a", key=world.key_a2)
    assert validate(server, old).status == 200  # cached as valid
    expect_active(introspect(server, old, world.auth()))
    assert validate(server, new).status == 401
    cfg["issuers"][0]["jwks_file"] = str(world.jwks_a2)
    reload(server, serve, cfg)
    assert validate(server, new).status == 200
    expect_active(introspect(server, new, world.auth()))
    # A token verified and cached under the old keys stops working at once.
    assert validate(server, old).status == 401
    expect_inactive(introspect(server, old, world.auth()))
    assert validate(server, world.token("b")).status == 200  # issuer B untouched


def test_reload_with_a_broken_configuration_keeps_the_old_one(serve, world):
    cfg = world.config()
    server = serve(cfg)
    token = world.token("a")
    for broken in ('{"issuers": [', json.dumps(dict(cfg, listn=[])),
                   json.dumps(world.config(issuers=[dict(cfg["issuers"][0], jwks_file="/nonexistent")]))):
        (serve.dir / "tokenwarden.json").write_text(broken)
        mark = server.stderr_lines()
        server.send_signal(signal.SIGHUP)
        line = server.wait_for_stderr(r"reload failed.*", start=mark).group(0)
        assert "previous configuration" in line, line
        assert validate(server, token).status == 200
        expect_active(introspect(server, token, world.auth()))
    assert server.metrics().get("tokenwarden_config_reloads_total", result="failed") == 3
    assert server.running()


def test_reload_under_load_fails_no_request(serve, world):
    cfg = world.config(workers=2)
    server = serve(cfg)
    tokens = [world.token("a"), world.token("b"), world.token("a", aud=["api-a", "x"])]
    url = urllib.parse.urlsplit(server.base)
    stop = threading.Event()
    results: list[dict] = []

    def client(n: int) -> None:
        stats = {"ok": 0, "bad": [], "reconnects": 0}
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=5 * SLOW)
        sock = None
        i = 0
        try:
            while not stop.is_set():
                token = tokens[(i + n) % len(tokens)]
                i += 1
                try:
                    conn.request("GET", "/validate", headers={"Authorization": f"Bearer {token}"})
                    resp = conn.getresponse()
                    resp.read()
                except (OSError, http.client.HTTPException) as e:
                    stats["bad"].append(repr(e))
                    conn.close()
                    continue
                if sock is not None and conn.sock is not sock:
                    stats["reconnects"] += 1
                sock = conn.sock
                if resp.status == 200:
                    stats["ok"] += 1
                else:
                    stats["bad"].append(resp.status)
        finally:
            conn.close()
            results.append(stats)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.2)
        for k in range(8):
            # Valid variations: a changing leeway, an extra audience, B's key set re-read.
            cfg["issuers"][0]["leeway_seconds"] = k
            cfg["issuers"][1]["audiences"] = ["api-b", "api-shared", f"extra-{k}"]
            reload(server, serve, cfg)
            time.sleep(0.05)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=10)
    assert server.stderr.count("reloaded ") == 8, server.stderr
    assert "reload failed" not in server.stderr
    assert len(results) == 2
    for stats in results:
        assert stats["bad"] == [], stats["bad"][:10]
        assert stats["ok"] > 20, stats
        assert stats["reconnects"] == 0, stats
    assert server.metrics().get("tokenwarden_config_reloads_total", result="ok") == 8


# --------------------------------------------------------------------------
# Access log
# --------------------------------------------------------------------------

def test_access_log_has_json_lines_and_no_token(serve, world):
    log = serve.dir / "access.log"
    server = serve(world.config(access_log={"enabled": True, "path": "access.log"}))
    valid, invalid = world.token("a"), world.token("a", aud="nope")
    revoked = world.token("b")
    secret = world.clients["gateway"].secret
    assert validate(server, valid).status == 200
    assert validate(server, invalid).status == 401
    assert introspect(server, valid, world.auth()).status == 200
    odd = world.clients["odd"]
    assert server.post("/introspect", form(token=valid, client_id=odd.id, client_secret=odd.secret),
                       [FORM]).status == 200
    assert revoke(server, revoked, world.auth()).status == 200
    assert server.get("/healthz").status == 200
    assert wait_until(lambda: log.exists() and len(log.read_text().splitlines()) >= 6, timeout=3)
    text = log.read_text()
    lines = [json.loads(line) for line in text.splitlines()]
    assert len(lines) == 6, text
    for entry in lines:
        assert {"time", "method", "path", "status"} <= set(entry), entry
    assert [(e["method"], e["path"], e["status"]) for e in lines] == [
        ("GET", "/validate", 200), ("GET", "/validate", 401), ("POST", "/introspect", 200),
        ("POST", "/introspect", 200), ("POST", "/revoke", 200), ("GET", "/healthz", 200)]
    for token in (valid, invalid, revoked):
        h, p, s = token.split(".")
        for part in (token, s, p):
            assert part not in text, "a token (or its signature/payload) is in the access log"
        digest = hashlib.sha256(token.encode()).hexdigest()[:12]
        assert f"token={digest}" in text, (digest, text)
    assert secret not in text and odd.secret not in text
    assert "Basic" not in text and "Bearer" not in text
    assert "result=ok" in lines[0]["note"] and "invalid_audience" in lines[1]["note"]
    assert "revoked" in lines[4]["note"]
