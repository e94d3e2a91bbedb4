"""/healthz, /readyz, /metrics, unknown routes, and the HTTP transport's limits and timeouts."""

from __future__ import annotations

import math
import select
import time

import pytest

from servekit import (FORM, ISS_A, ISS_B, RawConn, bearer, form, introspect, parse_metrics, raw_request,
                      revoke, wait_until)


def test_healthz_and_readyz(shared):
    reply = shared.get("/healthz")
    assert reply.status == 200 and reply.json() == {"status": "ok"}, reply
    reply = shared.get("/readyz")
    assert reply.status == 200 and reply.json()["status"] == "ready", reply
    assert shared.get("/healthz?probe=1").status == 200


def test_head_healthz_has_no_body(shared):
    conn = RawConn(shared.base)
    try:
        conn.send(raw_request("HEAD", "/healthz") + raw_request("GET", "/healthz"))
        head = conn.read_response(head=True)
        assert head.status == 200, head
        get = conn.read_response()  # the next response starts right after the HEAD head
        assert get.status == 200 and get.json() == {"status": "ok"}, get
    finally:
        conn.close()


# (/validate/<path> is not here: Envoy ext_authz asks /validate + the original path.)
@pytest.mark.parametrize("path", ["/", "/nope", "/validatex", "/introspect/x", "/METRICS", "/healthz/"])
def test_unknown_path_is_404(shared, path):
    reply = shared.get(path)
    assert reply.status == 404, reply
    assert reply.json()["error"] == "not_found"


@pytest.mark.parametrize("path", ["/metrics", "/healthz", "/readyz"])
def test_post_to_get_routes_is_405(shared, path):
    reply = shared.post(path, "x=1", [FORM])
    assert reply.status == 405, reply
    assert "GET" in reply.header("Allow")


def test_metrics(serve, world):
    server = serve(world.config())
    reply = server.get("/metrics")
    assert reply.status == 200
    assert reply.header("Content-Type").startswith("text/plain; version=0.0.4"), reply
    before = parse_metrics(reply.body.decode())
    assert before.types["tokenwarden_http_requests_total"] == "counter"
    assert before.types["tokenwarden_validations_total"] == "counter"
    assert before.types["tokenwarden_cache_entries"] == "gauge"
    assert before.types["tokenwarden_request_duration_seconds"] == "histogram"

    now = int(time.time())
    good = world.token("a")
    h, p, s = good.split(".")
    bad_sig = f"{h}.{p}.{s[:-4]}{'AAAA' if s[-4:] != 'AAAA' else 'BBBB'}"
    expired = world.token("b", exp=now - 100, iat=now - 900, nbf=now - 900)
    for _ in range(3):
        assert server.get("/validate", [bearer(good)]).status == 200
    assert server.get("/validate", [bearer(bad_sig)]).status == 401
    assert server.get("/validate", [bearer(expired)]).status == 401
    assert server.get("/validate", [bearer(world.token("a", iss="https://x.test"))]).status == 401
    assert server.get("/validate").status == 401
    assert introspect(server, good, world.auth()).status == 200
    assert introspect(server, good, None).status == 401
    assert revoke(server, world.token("b"), world.auth()).status == 200
    assert server.get("/nowhere").status == 404
    assert server.get("/healthz").status == 200

    after = server.metrics()
    d = lambda name, **labels: after.get(name, **labels) - before.get(name, **labels)  # noqa: E731
    req = "tokenwarden_http_requests_total"
    assert d(req, route="validate", status="200") == 3
    assert d(req, route="validate", status="401") == 4
    assert d(req, route="introspect", status="200") == 1
    assert d(req, route="introspect", status="401") == 1
    assert d(req, route="revoke", status="200") == 1
    assert d(req, route="other", status="404") == 1
    assert d(req, route="healthz", status="200") == 1
    assert d(req, route="metrics", status="200") == 1  # the first scrape

    val = "tokenwarden_validations_total"
    assert d(val, result="ok") == 4  # 3 validations + 1 introspection
    assert d(val, result="invalid_signature") == 1
    assert d(val, result="expired") == 1
    assert d(val, result="unknown_issuer") == 1
    # Every result code is exported, zero or not.
    for code in ("ok", "malformed", "expired", "revoked", "invalid_audience", "unknown_issuer",
                 "outside_caller_scope"):
        assert after.has(val, result=code), code

    hits, misses = d("tokenwarden_cache_hits_total"), d("tokenwarden_cache_misses_total")
    assert hits >= 1, after.text  # the same token three times
    assert hits + misses == 6, after.text  # every validation that reached an issuer's validator
    assert after.get("tokenwarden_cache_entries") >= 1
    assert after.get("tokenwarden_cache_bytes") > 0
    assert after.get("tokenwarden_denylist_entries") == 1

    for iss in (ISS_A, ISS_B):
        age = after.get("tokenwarden_key_set_age_seconds", issuer=iss)
        assert after.has("tokenwarden_key_set_age_seconds", issuer=iss)
        assert 0 <= age < 120, age
        assert after.get("tokenwarden_key_set_keys", issuer=iss) == 1
    assert after.get("tokenwarden_open_connections") >= 1  # this scrape's own connection

    buckets = sorted(((float(labels["le"]), v) for labels, v in
                      after.series("tokenwarden_request_duration_seconds_bucket")), key=lambda b: b[0])
    assert buckets[-1][0] == math.inf
    assert len(buckets) >= 5
    counts = [v for _, v in buckets]
    assert counts == sorted(counts), f"buckets not cumulative: {buckets}"
    assert after.get("tokenwarden_request_duration_seconds_count") == buckets[-1][1]
    total_requests = sum(v for _, v in after.series(req))
    assert after.get("tokenwarden_request_duration_seconds_count") == total_requests
    assert after.get("tokenwarden_request_duration_seconds_sum") > 0


# --------------------------------------------------------------------------
# Transport limits
# --------------------------------------------------------------------------

def _exchange(server, data: bytes):
    conn = RawConn(server.base)
    try:
        conn.send(data)
        return conn.read_response()
    finally:
        conn.close()


def test_header_too_large_is_431(shared):
    reply = _exchange(shared, raw_request("GET", "/healthz", [("X-Big", "a" * 9000)]))
    assert reply.status == 431, reply
    assert shared.get("/healthz").status == 200


def test_too_many_headers_is_431(shared):
    reply = _exchange(shared, raw_request("GET", "/healthz", [(f"X-H{i}", "1") for i in range(80)]))
    assert reply.status == 431, reply
    reply = _exchange(shared, raw_request("GET", "/healthz", [(f"X-H{i}", "1") for i in range(40)]))
    assert reply.status == 200, reply


def test_url_too_long_is_414(shared):
    reply = _exchange(shared, raw_request("GET", "/healthz?q=" + "a" * 5000))
    assert reply.status == 414, reply
    reply = _exchange(shared, raw_request("GET", "/healthz?q=" + "a" * 3000))
    assert reply.status == 200, reply


def test_keep_alive_two_requests_on_one_connection(shared, world):
    conn = RawConn(shared.base)
    try:
        conn.send(raw_request("GET", "/healthz"))
        first = conn.read_response()
        assert first.status == 200 and (first.header("Connection") or "").lower() != "close", first
        conn.send(raw_request("GET", "/validate", [bearer(world.token("a"))]))
        second = conn.read_response()
        assert second.status == 200 and second.header("X-Auth-Subject") == "alice", second
    finally:
        conn.close()


def test_pipelined_requests_are_answered_in_order(shared, world):
    token = world.token("a")
    body = form(token=token).encode()
    data = (raw_request("GET", "/healthz")
            + raw_request("GET", "/validate", [bearer(token)])
            + raw_request("POST", "/introspect", [FORM, world.auth()], body)
            + raw_request("GET", "/nope")
            + raw_request("GET", "/validate")
            + raw_request("GET", "/readyz"))
    conn = RawConn(shared.base)
    try:
        conn.send(data)
        replies = [conn.read_response() for _ in range(6)]
    finally:
        conn.close()
    assert [r.status for r in replies] == [200, 200, 200, 404, 401, 200], replies
    assert replies[1].header("X-Auth-Subject") == "alice"
    assert replies[2].json()["active"] is True
    assert replies[5].json()["status"] == "ready"


def test_pipelined_requests_split_across_writes(shared, world):
    data = raw_request("GET", "/healthz") + raw_request("GET", "/readyz") + raw_request("GET", "/healthz")
    conn = RawConn(shared.base)
    try:
        for i in range(0, len(data), 7):
            conn.send(data[i:i + 7])
        assert [conn.read_response().status for _ in range(3)] == [200, 200, 200]
    finally:
        conn.close()


def test_chunked_body_and_expect_continue(shared, world):
    body = form(token=world.token("a")).encode()
    head = [FORM, world.auth()]
    conn = RawConn(shared.base)
    try:
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        conn.send(raw_request("POST", "/introspect", head + [("Transfer-Encoding", "chunked")], chunked))
        reply = conn.read_response()
        assert reply.status == 200 and reply.json()["active"] is True, reply
        conn.send(raw_request("POST", "/introspect", head + [("Expect", "100-continue"),
                                                            ("Content-Length", str(len(body)))]))
        assert conn.read_response().status == 100
        conn.send(body)
        reply = conn.read_response()
        assert reply.status == 200 and reply.json()["active"] is True, reply
    finally:
        conn.close()


@pytest.mark.parametrize("data,status", [
    # Request smuggling defences (RFC 9112 §6.3).
    (b"POST /introspect HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400),
    (b"POST /introspect HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"0\r\n\r\n", 400),
    (b"BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    (b"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505),
    (b"GET /healthz HTTP/1.1\r\n\r\n", 400),
], ids=["two_content_lengths", "content_length_and_chunked", "bad_method", "http2", "no_host"])
def test_malformed_requests(shared, data, status):
    conn = RawConn(shared.base)
    try:
        conn.send(data)
        reply = conn.read_response()
        assert reply.status == status, reply
        if status >= 400:
            assert (reply.header("Connection") or "").lower() == "close", reply
            assert conn.closed_by_peer(within=2)
    finally:
        conn.close()


@pytest.mark.parametrize("data", [b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                                  b"GET /healthz HTTP/1.0\r\n\r\n"], ids=["connection_close", "http10"])
def test_connection_close(shared, data):
    conn = RawConn(shared.base)
    try:
        conn.send(data)
        reply = conn.read_response()
        assert reply.status == 200, reply
        assert reply.header("Connection").lower() == "close", reply
        assert conn.closed_by_peer(within=2)
    finally:
        conn.close()


@pytest.fixture
def tight(serve, world):
    return serve(world.config(workers=1, limits={"idle_timeout_ms": 300, "read_timeout_ms": 400,
                                                 "max_connections": 3, "drain_timeout_ms": 2000}))


def test_idle_keep_alive_connection_is_closed(tight):
    conn = RawConn(tight.base)
    try:
        conn.send(raw_request("GET", "/healthz"))
        assert conn.read_response().status == 200
        started = time.monotonic()
        assert conn.closed_by_peer(within=3), "an idle keep-alive connection stayed open"
        assert time.monotonic() - started >= 0.2
    finally:
        conn.close()
    silent = RawConn(tight.base)  # a connection that never sends anything
    try:
        assert silent.closed_by_peer(within=3)
    finally:
        silent.close()


def test_slow_request_gets_408_and_close(tight):
    conn = RawConn(tight.base)
    try:
        started = time.monotonic()
        conn.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        # Trickle a header line every 100 ms, for up to 3 s: the read timeout (400 ms) runs from
        # the request's first byte, so a client this slow is cut off anyway.
        answered = False
        while time.monotonic() - started < 3.0:
            if select.select([conn.sock], [], [], 0.1)[0]:
                answered = True
                break
            try:
                conn.send(b"X-Slow: 1\r\n")
            except (BrokenPipeError, ConnectionResetError):
                break
        elapsed = time.monotonic() - started
        assert answered, "a request trickling in was never timed out"
        assert elapsed < 2.0, f"timed out only after {elapsed:.2f}s"
        reply = conn.read_response()
        assert reply.status == 408, reply
        assert conn.closed_by_peer(within=3)
    finally:
        conn.close()


def test_max_connections_evicts_the_longest_idle(tight):
    # Full (3): a new client evicts the connection idle longest instead of being turned away.
    keep = [RawConn(tight.base) for _ in range(3)]
    extra = None
    try:
        for c in keep:
            c.send(raw_request("GET", "/healthz"))
            assert c.read_response().status == 200
        extra = RawConn(tight.base)
        extra.send(raw_request("GET", "/healthz"))
        assert extra.read_response().status == 200
        assert keep[0].closed_by_peer(within=3), "the longest-idle connection was not evicted"
        for c in keep[1:]:
            c.send(raw_request("GET", "/readyz"))
            assert c.read_response().status == 200
        extra.send(raw_request("GET", "/metrics"))
        m = parse_metrics(extra.read_response().body.decode())
        assert m.get("tokenwarden_evicted_connections_total") >= 1
        assert m.get("tokenwarden_refused_connections_total") == 0
        assert m.get("tokenwarden_open_connections") == 3
    finally:
        for c in keep + ([extra] if extra else []):
            c.close()


def test_max_connections_refuses_when_every_connection_is_busy(tight):
    # Three requests whose heads are complete and whose bodies are still arriving: none may be
    # evicted, so a fourth connection is closed at once and the three finish normally.
    busy = [RawConn(tight.base) for _ in range(3)]
    extra = None
    try:
        for c in busy:
            c.send(b"POST /introspect HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n"
                   b"Content-Type: application/x-www-form-urlencoded\r\n\r\ntoken")
        time.sleep(0.1)
        extra = RawConn(tight.base)
        assert extra.closed_by_peer(within=3), "a connection over a busy limit stayed open"
        for c in busy:
            c.send(b"=ab")
            assert c.read_response().status == 401  # no client credentials: answered, not cut
    finally:
        for c in busy + ([extra] if extra else []):
            c.close()
    assert wait_until(lambda: _try_healthz(tight), timeout=3)


def test_silent_connection_is_closed_by_the_read_timeout(serve, world):
    # idle_timeout is long; a connection that never sends a byte is still closed at the read
    # timeout (from accept), without an answer.
    server = serve(world.config(workers=1, limits={"idle_timeout_ms": 60000,
                                                   "read_timeout_ms": 300}))
    conn = RawConn(server.base)
    try:
        started = time.monotonic()
        assert conn.closed_by_peer(within=5), "a silent connection outlived the read timeout"
        assert 0.2 <= time.monotonic() - started < 3
        assert conn.buf == b""
    finally:
        conn.close()


def test_connections_per_source(serve, world):
    server = serve(world.config(workers=2, limits={"max_connections_per_source": 2}))
    a, b = RawConn(server.base), RawConn(server.base)
    third = None
    try:
        for c in (a, b):
            c.send(raw_request("GET", "/healthz"))
            assert c.read_response().status == 200
        third = RawConn(server.base)
        assert third.closed_by_peer(within=3), "a third connection from one address stayed open"
        a.close()
        assert wait_until(lambda: _try_healthz(server), timeout=3)
        b.send(raw_request("GET", "/metrics"))
        m = parse_metrics(b.read_response().body.decode())
        assert m.get("tokenwarden_refused_per_source_total") >= 1
    finally:
        for c in (a, b, third):
            if c is not None:
                c.close()


def _try_healthz(server) -> bool:
    try:
        return server.get("/healthz", timeout=1).status == 200
    except (ConnectionError, OSError):
        return False
