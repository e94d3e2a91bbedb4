"""The admin listener (`admin.listen`): /metrics and /readyz on a port of their own.

With `admin` set, the admin routes answer only on the admin addresses and the public routes
only on the public ones; a route asked on the wrong port gets the very 404 an unknown path
gets there. /healthz answers on both. Without `admin`, every route is on the one port, as
before. The admin port has the public port's limits, drains on SIGTERM with it, and a reload
that moves it is reported as a change that needs a restart.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import time
import urllib.parse

import pytest

from servekit import (FORM, SLOW, RawConn, bearer, expect_active, form, introspect, parse_metrics,
                      raw_request, request, revoke, wait_until)

ADMIN = re.compile(r"tokenwarden: admin routes on (http://\S+)")


def admin_config(world, **top):
    return world.config(admin={"listen": ["127.0.0.1:0"]}, **top)


def start(serve, cfg):
    """Starts a server with an admin listener; returns (server, admin base URL)."""
    server = serve(cfg)
    m = ADMIN.search(server.stderr)  # logged before the "listening on" line serve() waited for
    assert m, server.stderr
    assert m.group(1) != server.base
    return server, m.group(1)


def port_of(base: str) -> int:
    return urllib.parse.urlsplit(base).port


def refuses(base: str) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port_of(base)), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def expect_not_found(reply, like) -> None:
    """`reply` is the 404 an unknown path gets on the same port (`like`)."""
    assert reply.status == 404, reply
    assert reply.header("Content-Type") == "application/json", reply
    assert reply.body == like.body, (reply, like)
    assert reply.json()["error"] == "not_found"


# --------------------------------------------------------------------------
# Which port serves what
# --------------------------------------------------------------------------

def test_admin_routes_answer_on_the_admin_port_only(serve, world):
    server, admin = start(serve, admin_config(world))
    metrics = request(admin, "GET", "/metrics")
    assert metrics.status == 200, metrics
    assert metrics.header("Content-Type").startswith("text/plain; version=0.0.4")
    parse_metrics(metrics.body.decode())
    ready = request(admin, "GET", "/readyz")
    assert ready.status == 200 and ready.json()["status"] == "ready", ready

    unknown = server.get("/no-such-endpoint")
    assert unknown.status == 404, unknown
    assert "/metrics" not in unknown.json()["error_description"]
    for method in ("GET", "HEAD", "POST"):
        for path in ("/metrics", "/readyz"):
            reply = request(server.base, method, path, body=b"" if method == "POST" else None)
            if method == "HEAD":
                assert reply.status == 404 and reply.body == b"", reply
            else:
                expect_not_found(reply, unknown)


def test_healthz_answers_on_both_ports(serve, world):
    server, admin = start(serve, admin_config(world))
    for base in (server.base, admin):
        reply = request(base, "GET", "/healthz")
        assert reply.status == 200 and reply.json() == {"status": "ok"}, (base, reply)


def test_public_routes_answer_on_the_public_port_only(serve, world):
    server, admin = start(serve, admin_config(world))
    token = world.token("a")
    unknown = request(admin, "GET", "/no-such-endpoint")
    assert unknown.status == 404, unknown
    assert unknown.json()["error_description"] == \
        "no such endpoint: try /healthz, /readyz, /metrics"
    expect_not_found(request(admin, "GET", "/validate", [bearer(token)]), unknown)
    expect_not_found(request(admin, "GET", "/validate/orders/7", [bearer(token)]), unknown)
    expect_not_found(request(admin, "POST", "/introspect", [FORM, world.auth()],
                             form(token=token)), unknown)
    expect_not_found(request(admin, "POST", "/revoke", [FORM, world.auth()], form(token=token)),
                     unknown)
    expect_not_found(request(admin, "GET", "/.well-known/oauth-protected-resource"), unknown)
    # The /revoke sent to the admin port revoked nothing.
    assert server.get("/validate", [bearer(token)]).status == 200
    expect_active(introspect(server, token, world.auth()))
    assert revoke(server, token, world.auth()).status == 200
    assert server.get("/validate", [bearer(token)]).status == 401


def test_without_admin_every_route_is_on_the_one_port(serve, world):
    server = serve(world.config())
    assert "admin routes" not in server.stderr
    for path in ("/healthz", "/readyz", "/metrics"):
        assert server.get(path).status == 200, path
    assert server.get("/validate", [bearer(world.token("a"))]).status == 200
    unknown = server.get("/no-such-endpoint")
    assert unknown.json()["error_description"] == \
        "no such endpoint: try /introspect, /revoke, /validate, /healthz, /readyz, /metrics"


def test_metrics_count_the_requests_of_both_ports(serve, world):
    server, admin = start(serve, admin_config(world))
    for _ in range(3):
        assert request(admin, "GET", "/readyz").status == 200
    assert server.get("/metrics").status == 404
    assert server.get("/validate", [bearer(world.token("a"))]).status == 200
    m = parse_metrics(request(admin, "GET", "/metrics").body.decode())
    assert m.get("tokenwarden_http_requests_total", route="readyz", status="200") == 3
    # A request for an admin route on the public port counts as that route, with its 404.
    assert m.get("tokenwarden_http_requests_total", route="metrics", status="404") == 1
    assert m.get("tokenwarden_http_requests_total", route="validate", status="200") == 1
    assert m.get("tokenwarden_open_connections") >= 1  # the scrape's own, on the admin port


def test_access_log_names_the_admin_ports_worker(serve, world):
    # world.config has two workers, 0 and 1: the admin port's own is number 2.
    log = serve.dir / "access.log"
    server, admin = start(serve, admin_config(world, access_log={"enabled": True,
                                                                 "path": "access.log"}))
    assert request(admin, "GET", "/readyz").status == 200
    assert server.get("/readyz").status == 404
    assert wait_until(lambda: log.exists() and len(log.read_text().splitlines()) >= 2, timeout=3)
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(e["path"], e["status"], e["worker"] == 2) for e in lines] == [
        ("/readyz", 200, True), ("/readyz", 404, False)], lines


# --------------------------------------------------------------------------
# Hardening and lifecycle
# --------------------------------------------------------------------------

def test_admin_port_has_the_public_limits(serve, world):
    server, admin = start(serve, admin_config(world, limits={
        "max_header_bytes": 1024, "max_url_bytes": 256, "read_timeout_ms": 500,
        "drain_timeout_ms": 3000}))
    for base in (server.base, admin):
        big = request(base, "GET", "/healthz", [("X-Pad", "p" * 2000)])
        assert big.status == 431, (base, big)
        long = request(base, "GET", "/healthz?" + "q" * 300)
        assert long.status == 414, (base, long)
        conn = RawConn(base)
        try:
            conn.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never finished
            reply = conn.read_response()
            assert reply.status == 408, (base, reply)
        finally:
            conn.close()


def test_sigterm_drains_both_ports(serve, world):
    server, admin = start(serve, admin_config(world, limits={"drain_timeout_ms": 5000}))
    body = form(token=world.token("a")).encode()
    public_conn, admin_conn = RawConn(server.base), RawConn(admin)
    try:
        public_conn.send(raw_request("POST", "/introspect", [FORM, world.auth()], body)[:-5])
        admin_conn.send(b"GET /readyz HTTP/1.1\r\nHost: x\r\n")  # the head's last line to come
        time.sleep(0.1)
        mark = server.stderr_lines()
        server.send_signal(signal.SIGTERM)
        server.wait_for_stderr("SIGTERM", start=mark)
        time.sleep(0.2)
        # Neither port takes a new connection; both finish the request under way.
        assert refuses(server.base), "the public port still accepts connections after SIGTERM"
        assert refuses(admin), "the admin port still accepts connections after SIGTERM"
        assert server.running()
        admin_conn.send(b"\r\n")
        reply = admin_conn.read_response()
        assert reply.status == 200 and reply.json()["status"] == "ready", reply
        assert (reply.header("Connection") or "").lower() == "close", reply
        public_conn.send(body[-5:])
        reply = public_conn.read_response()
        assert reply.status == 200 and reply.json()["active"] is True, reply
        assert (reply.header("Connection") or "").lower() == "close", reply
        assert admin_conn.closed_by_peer(within=2) and public_conn.closed_by_peer(within=2)
    finally:
        public_conn.close()
        admin_conn.close()
    assert server.wait_exit(timeout=5) == 0, server.stderr
    assert "stopped" in server.stderr


def test_reload_that_moves_the_admin_port_asks_for_a_restart(serve, world):
    cfg = admin_config(world)
    server, admin = start(serve, cfg)
    cfg["admin"] = {"listen": ["127.0.0.1:0", "[::1]:0"]}
    serve.write(cfg)
    mark = server.stderr_lines()
    server.send_signal(signal.SIGHUP)
    server.wait_for_stderr(r"reloaded|reload failed", start=mark)
    assert re.search(r"reload: .*admin.* take effect only on restart", server.stderr), server.stderr
    assert request(admin, "GET", "/metrics").status == 200  # still where it was
    assert server.get("/metrics").status == 404


# --------------------------------------------------------------------------
# Configuration errors
# --------------------------------------------------------------------------

def run(binary, *args):
    proc = subprocess.run([binary, "serve", *args], capture_output=True, timeout=15 * SLOW,
                          stdin=subprocess.DEVNULL)
    return proc.returncode, proc.stderr.decode()


@pytest.mark.parametrize("check", [False, True], ids=["serve", "check"])
@pytest.mark.parametrize("admin,message", [
    ({"listen": ["localhost:9091"]},
     'admin.listen[0]: bad address "localhost:9091": the host must be an IPv4 address or a '
     'bracketed IPv6 address'),
    ({"listen": ["127.0.0.1"]},
     'admin.listen[0]: bad address "127.0.0.1": expected "host:port" (the port is required)'),
    ({"listen": "127.0.0.1:9091"}, "admin.listen: must be a non-empty array of strings"),
    ({}, "admin.listen: required field is missing"),
    ({"listen": ["0.0.0.0:18080"]},
     'admin.listen[0]: "0.0.0.0:18080" takes the port of listen[0] "127.0.0.1:18080": the admin '
     'routes need an address of their own'),
], ids=["host_name", "no_port", "not_a_list", "no_listen", "public_port"])
def test_bad_admin_address_is_a_configuration_error(tokenwarden_bin, world, tmp_path, admin,
                                                    message, check):
    cfg = world.config(listen=["127.0.0.1:18080"], admin=admin)
    path = tmp_path / "tw.json"
    path.write_text(json.dumps(cfg))
    code, err = run(tokenwarden_bin, "--config", str(path), *(["--check"] if check else []))
    assert code == 2, (code, err)
    assert f"configuration error: {message}" in err, err
    assert "listening" not in err

