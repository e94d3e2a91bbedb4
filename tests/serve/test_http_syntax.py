"""Request framing and naming as exact bytes on raw sockets: Transfer-Encoding (RFC 9112 §6),
Host and the request-target (RFC 9112 §3.2).

Every refused shape gets one 400 with `Connection: close`, and the server closes: nothing after
the head is ever read as another request (the request-smuggling shapes), and no spelling of
Host or of the target reaches a route.
"""

from __future__ import annotations

import pytest

from servekit import RawConn

INTROSPECT = b"POST /introspect HTTP/1.1\r\nHost: x\r\n"
SMUGGLED = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"


def refused(server, data: bytes, status: int = 400) -> None:
    conn = RawConn(server.base)
    try:
        conn.send(data)
        reply = conn.read_response()
        assert reply.status == status, reply
        assert (reply.header("Connection") or "").lower() == "close", reply
        # Nothing more: a second response would mean the body was parsed as a request.
        assert conn.closed_by_peer(within=3), "the connection stayed open after the refusal"
    finally:
        conn.close()


@pytest.mark.parametrize("field", [
    b"Transfer-Encoding:\r\n",
    b"Transfer-Encoding: \r\n",
    b"Transfer-Encoding: ,\r\n",
    b"Transfer-Encoding: chunked,\r\n",
    b"Transfer-Encoding: ,chunked\r\n",
    b"Transfer-Encoding: chunked, chunked\r\n",
    b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
    b"Transfer-Encoding: gzip\r\n",
    b"Transfer-Encoding: gzip, chunked\r\n",
    b"Transfer-Encoding: identity\r\n",
    b"Transfer-Encoding: identity\r\nContent-Length: 0\r\n",
    b"Transfer-Encoding: chunked\r\nContent-Length: 0\r\n",
    b"Content-Length: 0\r\nTransfer-Encoding: chunked\r\n",
    b"Transfer-Encoding:\r\nContent-Length: 0\r\n",
    b"Transfer-Encoding: x-chunked\r\n",
    b"Transfer-Encoding:\r\n chunked\r\n",  # obs-fold
    b"Transfer-Encoding: chunked\r\n\tchunked\r\n",
], ids=["empty", "space", "comma", "chunked-comma", "comma-chunked", "chunked-chunked",
        "two-fields", "gzip", "gzip-chunked", "identity", "identity-cl", "chunked-cl",
        "cl-chunked", "empty-cl", "x-chunked", "obs-fold-value", "obs-fold-continuation"])
def test_transfer_encoding_other_than_chunked_is_400_and_close(shared, field):
    # The body that follows is a whole request of its own: it must never be answered.
    refused(shared, INTROSPECT + field + b"\r\n" + SMUGGLED)


def test_the_reported_smuggling_shape_is_answered_once(shared):
    # POST /introspect with an empty Transfer-Encoding, then GET /healthz in the same bytes:
    # answered twice before the fix.
    conn = RawConn(shared.base)
    try:
        conn.send(INTROSPECT + b"Transfer-Encoding:\r\n\r\n" + SMUGGLED)
        assert conn.read_response().status == 400
        assert conn.closed_by_peer(within=3)
    finally:
        conn.close()


def test_plain_chunked_is_still_accepted(shared):
    conn = RawConn(shared.base)
    try:
        conn.send(INTROSPECT + b"Transfer-Encoding: chunked\r\n"
                  b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
                  b"8\r\ntoken=ab\r\n0\r\n\r\n")
        assert conn.read_response().status == 401  # framed and answered (no credentials)
    finally:
        conn.close()


@pytest.mark.parametrize("host", [
    b"", b"a b", b"a/b", b"a@b", b"user:pw@b", b"a:port", b"a:65536", b"a:-1", b"a:1:2",
    b"[::1", b"::1", b"[::g]", b"[fe80::1%25lo]", b"a\\b", b"a?b", b"a#b", b"a%zz", b"\xc3\x28",
    b"h\xff", b"[]",
], ids=["empty", "space", "slash", "at", "userinfo", "port-letters", "port-too-big",
        "port-negative", "two-ports", "open-bracket", "bare-ipv6", "bad-ipv6", "zone-id",
        "backslash", "question", "hash", "bad-escape", "invalid-utf8", "high-byte",
        "empty-brackets"])
def test_invalid_host_is_400(shared, host):
    refused(shared, b"GET /healthz HTTP/1.1\r\nHost: " + host + b"\r\n\r\n")


@pytest.mark.parametrize("host", [b"x", b"x:8080", b"127.0.0.1", b"127.0.0.1:1", b"[::1]",
                                  b"[::1]:443", b"[2001:db8::1]", b"a-b.example_c~d",
                                  b"x:"])  # RFC 3986: the port may be empty
def test_valid_host_is_served(shared, host):
    conn = RawConn(shared.base)
    try:
        conn.send(b"GET /healthz HTTP/1.1\r\nHost: " + host + b"\r\n\r\n")
        assert conn.read_response().status == 200
    finally:
        conn.close()


def test_two_host_fields_are_400(shared):
    refused(shared, b"GET /healthz HTTP/1.1\r\nHost: x\r\nHost: x\r\n\r\n")
    refused(shared, b"GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n")


@pytest.mark.parametrize("line,status", [
    (b"GET http://y/healthz HTTP/1.1", 400),       # absolute-form disagreeing with Host: x
    (b"GET http://x:81/healthz HTTP/1.1", 400),
    (b"GET http://u@x/healthz HTTP/1.1", 400),
    (b"GET ftp://x/healthz HTTP/1.1", 400),
    (b"GET x/healthz HTTP/1.1", 400),
    (b"GET * HTTP/1.1", 400),
    (b"CONNECT /healthz HTTP/1.1", 400),           # CONNECT needs authority-form
    (b"CONNECT x:443 HTTP/1.1", 501),              # well formed, but we are not a proxy
    (b"GET /a%zz HTTP/1.1", 400),
], ids=["abs-other-host", "abs-other-port", "abs-userinfo", "abs-ftp", "no-slash", "asterisk-get",
        "connect-origin", "connect-authority", "bad-escape"])
def test_request_target_form(shared, line, status):
    refused(shared, line + b"\r\nHost: x\r\n\r\n", status)


def test_absolute_form_with_the_same_authority_is_routed_by_its_path(shared):
    conn = RawConn(shared.base)
    try:
        conn.send(b"GET http://X:80/healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        assert conn.read_response().status == 200
    finally:
        conn.close()
