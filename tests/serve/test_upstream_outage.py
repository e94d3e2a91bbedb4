"""An opaque token whose issuer cannot be asked: "unknown" is not "inactive".

RFC 7662 §2.3 leaves the error response open. When the issuer's introspection endpoint is down
or failing, tokenwarden does not know whether the token is active, so by default both
/introspect and /validate answer 503 with Retry-After: a gateway can tell a token it must refuse
from an answer it must retry. `on_upstream_error` keeps the older answers as explicit choices.
"""

from __future__ import annotations

import secrets
import socket
import time

import pytest

from fake_introspection import FakeIntrospection
from servekit import bearer, expect_active, expect_inactive, introspect

ISS_O = "https://issuer-o.test"


@pytest.fixture
def upstream():
    fake = FakeIntrospection()
    yield fake
    fake.close()


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config(world, serve_dir, endpoint: str, client_id: str, secret: str, on_error: str | None):
    secret_file = serve_dir / "upstream.secret"
    secret_file.write_text(secret + "\n")
    introspection = {"endpoint": endpoint, "client_id": client_id,
                     "client_secret_file": str(secret_file)}
    if on_error is not None:
        introspection["on_upstream_error"] = on_error
    cfg = world.config()
    cfg["issuers"].append({
        "issuer": ISS_O,
        "jwks_file": str(world.jwks_a),
        "audiences": ["api-o"],
        "fetch": {"allow_plain_http": True, "connect_timeout_ms": 300, "timeout_ms": 500},
        "introspection": introspection,
    })
    return cfg


def opaque() -> str:
    return "opq_" + secrets.token_urlsafe(32)


def expect_unavailable(reply) -> None:
    assert reply.status == 503, reply
    assert reply.header("Retry-After") is not None, reply
    assert reply.header("Cache-Control") == "no-store", reply
    assert reply.json()["error"] == "temporarily_unavailable", reply


@pytest.mark.parametrize("on_error", [None, "unavailable", "error"])
def test_issuer_down_means_503_on_both_routes_by_default(serve, world, upstream, on_error):
    cfg = config(world, serve.dir, f"http://127.0.0.1:{closed_port()}/introspect",
                 upstream.client_id, upstream.client_secret, on_error)
    server = serve(cfg)
    token = opaque()
    expect_unavailable(introspect(server, token, world.auth()))
    expect_unavailable(server.get("/validate", [bearer(token)]))


def test_issuer_answering_500_means_503_and_recovery_is_seen(serve, world, upstream):
    server = serve(config(world, serve.dir, upstream.endpoint, upstream.client_id,
                          upstream.client_secret, None))
    token = opaque()
    now = int(time.time())
    upstream.answers[token] = {"active": True, "iss": ISS_O, "sub": "carol", "aud": "api-o",
                               "exp": now + 600, "client_id": "app-o"}
    upstream.fail_status = 500
    expect_unavailable(introspect(server, token, world.auth()))
    # A failure is not cached as an answer: once the issuer is back, the token is active.
    upstream.fail_status = None
    assert expect_active(introspect(server, token, world.auth()))["sub"] == "carol"


@pytest.mark.parametrize("on_error,validate_status", [
    ("inactive_on_introspect", 503),  # the older default: inactive on /introspect only
    ("inactive", 401),                # both answer as for an inactive token
])
def test_the_inactive_modes_keep_the_older_answers(serve, world, upstream, on_error,
                                                   validate_status):
    cfg = config(world, serve.dir, f"http://127.0.0.1:{closed_port()}/introspect",
                 upstream.client_id, upstream.client_secret, on_error)
    server = serve(cfg)
    token = opaque()
    expect_inactive(introspect(server, token, world.auth()))
    reply = server.get("/validate", [bearer(token)])
    if validate_status == 503:
        expect_unavailable(reply)
    else:
        assert reply.status == validate_status, reply


def test_an_unknown_mode_is_a_config_error(serve, world, upstream, tokenwarden_bin):
    import subprocess
    cfg = config(world, serve.dir, upstream.endpoint, upstream.client_id, upstream.client_secret,
                 "open")
    path = serve.write(cfg)
    done = subprocess.run([tokenwarden_bin, "serve", "--config", str(path), "--check"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2, done
    assert "on_upstream_error" in done.stderr, done.stderr
