"""Sender-constrained tokens end to end (issue 21): the real OpenID Provider issues DPoP-bound
(RFC 9449) and certificate-bound (RFC 8705) JWT access tokens, a DPoP client library from npm
makes every proof, and real nginx asks tokenwarden before the app sees a request.

    provider/dpop_client.mjs (panva's `dpop`) --- token request + proof ---> oidc-provider
    client --- HTTPS (+ client certificate) ---> nginx --- auth_request ---> tokenwarden
                                                      \\--- proxy_pass ---> the app

nginx runs README.md's configuration ("Behind nginx with DPoP and mTLS") as a user would paste
it, three times over: sites A and B in front of two tokenwarden instances that share Redis,
reached by one public name (api.test) as behind a load balancer; site N in front of an
instance that demands DPoP nonces.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import time
import urllib.parse
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from conftest import (APP, GATEWAY, JWT_API, MTLS_APP, Provider, start_tokenwarden, stop_all,
                      tokenwarden_config)
from dpopkit import DpopClient, https_request, make_client_pki
from nginxkit import app_server, run_nginx, stop_nginx, write_conf
from rediskit import RedisServer, ensure_redis_server
from servekit import Reply, basic, free_port, parse_challenge, parse_challenges

PUBLIC = "api.test"  # the one name sites A and B are reached by


def segment(token: str, index: int) -> dict:
    seg = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4)))


def payload_of(token: str) -> dict:
    return segment(token, 1)


def readme_server_block() -> str:
    """The nginx server block of README.md ("Behind nginx with DPoP and mTLS")."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    start = readme.index("**Behind nginx with DPoP and mTLS**")
    block = readme[readme.index("```nginx", start) + len("```nginx"):]
    return block[:block.index("```")]


def site_config(block: str, port: int, tw_port: int, op: Provider, client_ca: Path) -> str:
    """README's server block on 127.0.0.1:`port` with the test's files, asking tokenwarden on
    `tw_port`; fails when a line it replaces is gone from the README."""
    replaced = block
    for old, new in (("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;"),
                     ("/etc/nginx/api.pem", str(op.cert)),
                     ("/etc/nginx/api.key", str(op.key)),
                     ("/etc/nginx/client-ca.pem", str(client_ca)),
                     ("http://127.0.0.1:8080/", f"http://127.0.0.1:{tw_port}/")):
        assert replaced.count(old) == 1, f"README's nginx block has no single {old!r}"
        replaced = replaced.replace(old, new)
    return replaced


class App(http.server.BaseHTTPRequestHandler):
    """The app behind nginx: records each request it gets and answers 200."""

    seen: list[dict] = []

    def _answer(self):
        App.seen.append({"method": self.command, "path": self.path,
                         "headers": {k.lower(): v for k, v in self.headers.items()}})
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    do_GET = do_POST = do_DELETE = _answer

    def log_message(self, *args):  # quiet
        pass


# --------------------------------------------------------------------------
# The world: provider, client library, Redis, three instances, nginx, the app
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """(client CA, {"right": (cert, key), "other": (cert, key)}): nginx trusts the CA."""
    return make_client_pki(tmp_path_factory.mktemp("pki"), ("right", "other"))


@pytest.fixture(scope="module")
def op(tmp_path_factory, pki):
    provider = Provider(tmp_path_factory.mktemp("provider"), client_ca=pki[0])
    yield provider
    provider.stop()


@pytest.fixture(scope="module")
def client(tmp_path_factory, op):
    c = DpopClient(tmp_path_factory.mktemp("client"), [op.ca])
    yield c
    c.close()


@pytest.fixture(scope="module")
def tw(tokenwarden_bin, op, tmp_path_factory):
    """{"a", "b", "n"} -> Server: A and B share Redis (a scale-out pair); N demands nonces."""
    directory = tmp_path_factory.mktemp("tokenwarden")
    ensure_redis_server()
    redis = RedisServer(directory / "redis").start()
    (directory / "nonce-secret").write_bytes(b"0123456789abcdef0123456789abcdef")
    base = tokenwarden_config(tokenwarden_bin, op, directory)
    certificate = {"client_certificate": {"header": "X-SSL-Client-Cert", "format": "pem"}}
    configs = {
        name: {**base, **certificate, "denylist": {"log": str(directory / f"{name}.log")},
               "redis": {"url": redis.url, "reconnect_min_ms": 50, "reconnect_max_ms": 500}}
        for name in ("a", "b")}
    configs["n"] = {**base, "dpop": {"nonce": True,
                                     "nonce_secret_file": str(directory / "nonce-secret")}}
    started = []
    try:
        for name, cfg in configs.items():
            started.append(start_tokenwarden(tokenwarden_bin, cfg, directory / f"{name}.json"))
        yield dict(zip(configs, started))
    finally:
        stop_all(started)
        redis.stop()


@pytest.fixture(scope="module")
def app():
    with app_server(App) as port:
        yield port


@pytest.fixture(scope="module")
def sites(tw, op, pki, app, tmp_path_factory):
    """{"a", "b", "n"} -> the base URL (https://127.0.0.1:PORT) of the nginx site in front of
    that instance; one nginx serves all three."""
    directory = tmp_path_factory.mktemp("nginx")
    block = readme_server_block()
    ports = {name: free_port() for name in tw}
    servers = [site_config(block, ports[name], urllib.parse.urlsplit(server.base).port, op,
                           pki[0])
               for name, server in tw.items()]
    conf = write_conf(directory, f"  upstream app {{ server 127.0.0.1:{app}; }}\n"
                      + "\n".join(servers))
    proc, _ = run_nginx(directory, conf, ports["a"])
    yield {name: f"https://127.0.0.1:{port}" for name, port in ports.items()}
    stop_nginx(proc)


@pytest.fixture(scope="module")
def bound(client, op):
    """(key name, its thumbprint, a DPoP-bound access token for JWT_API from the provider)."""
    key, jkt = client.key("ES256")
    answer = client.token(op, JWT_API, APP, key=key)
    return key, jkt, answer["access_token"]


# --------------------------------------------------------------------------
# Requests through nginx
# --------------------------------------------------------------------------

def dpop_get(base: str, path: str, token: str, proof: str, op: Provider,
             host: str | None = None) -> Reply:
    """GET base+path through nginx with `Authorization: DPoP token` and `proof`."""
    return https_request(base, "GET", path, [("Authorization", f"DPoP {token}"),
                                             ("DPoP", proof)], ca=op.ca, host=host)


def expect_app_got(reply: Reply, path: str, before: int) -> dict:
    """The request reached the app, once, at `path`; returns what the app saw."""
    assert reply.status == 200, reply
    assert len(App.seen) == before + 1, App.seen[before:]
    seen = App.seen[-1]
    assert seen["path"] == path, seen
    return seen


def expect_refused(reply: Reply, error: str, before: int) -> dict:
    """401 with a DPoP challenge naming `error` first; the app saw nothing."""
    assert reply.status == 401, reply
    assert len(App.seen) == before, "the app was called for a refused request"
    challenges = reply.all("WWW-Authenticate")
    assert len(challenges) == 1, reply
    scheme, params = parse_challenge(challenges[0])
    assert (scheme, params.get("error")) == ("DPoP", error), reply
    assert "ES256" in params["algs"].split(), params
    return params


def expect_proof_refused(op: Provider, base: str, token: str, proof: str, mentions: str,
                         error: str = "invalid_dpop_proof") -> None:
    """GET base/orders with `proof` is refused with `error`, its description naming `mentions`
    (the check that failed)."""
    params = expect_refused(dpop_get(base, "/orders", token, proof, op), error, len(App.seen))
    assert mentions in params["error_description"], params


# --------------------------------------------------------------------------
# The tokens the provider issued
# --------------------------------------------------------------------------

def test_provider_binds_the_token_to_the_client_key(client, op, bound):
    key, jkt, token = bound
    claims = payload_of(token)
    assert claims["cnf"] == {"jkt": jkt}, claims
    # The provider demands a nonce in the token request's proof: the client had to retry.
    answer = client.token(op, JWT_API, APP, key=key)
    assert answer["token_type"] == "DPoP" and answer["nonces"] == 1, answer


def introspect(server, token: str) -> dict:
    """tokenwarden's /introspect answer for `token`, which must be active."""
    reply = server.post("/introspect", urllib.parse.urlencode({"token": token}),
                        [basic(*GATEWAY), ("Content-Type", "application/x-www-form-urlencoded")])
    assert reply.status == 200, reply
    body = reply.json()
    assert body["active"] is True, body
    return body


def test_introspect_answers_dpop_and_cnf(tw, bound):
    _, jkt, token = bound
    body = introspect(tw["a"], token)
    assert (body["token_type"], body["cnf"]) == ("DPoP", {"jkt": jkt}), body


# --------------------------------------------------------------------------
# DPoP through nginx
# --------------------------------------------------------------------------

def test_valid_proof_reaches_the_app(client, op, sites, bound):
    key, _, token = bound
    before = len(App.seen)
    proof = client.proof(key, "GET", f"{sites['a']}/orders/17", access_token=token)
    # The query is not part of htu (RFC 9449 §4.2).
    seen = expect_app_got(dpop_get(sites["a"], "/orders/17?x=1", token, proof, op),
                          "/orders/17?x=1", before)
    assert seen["headers"]["x-auth-subject"] == APP[0], seen


@pytest.mark.parametrize("alg", ["ES256", "Ed25519", "PS256", "RS256"])
def test_proofs_by_every_key_type_the_library_makes(client, op, sites, alg):
    # The library names each alg as RFC 9864 does: an Ed25519 key signs "Ed25519", not EdDSA.
    key, jkt = client.key(alg)
    token = client.token(op, JWT_API, APP, key=key)["access_token"]
    assert payload_of(token)["cnf"] == {"jkt": jkt}
    proof = client.proof(key, "GET", f"{sites['a']}/orders", access_token=token)
    assert segment(proof, 0)["alg"] == alg
    before = len(App.seen)
    expect_app_got(dpop_get(sites["a"], "/orders", token, proof, op), "/orders", before)


def test_replayed_proof_is_refused_by_the_same_instance(client, op, sites, bound):
    key, _, token = bound
    proof = client.proof(key, "GET", f"{sites['a']}/orders", access_token=token)
    before = len(App.seen)
    expect_app_got(dpop_get(sites["a"], "/orders", token, proof, op), "/orders", before)
    params = expect_refused(dpop_get(sites["a"], "/orders", token, proof, op),
                            "invalid_dpop_proof", before + 1)
    assert "used before" in params["error_description"], params


def test_both_instances_take_proofs_for_the_public_name(client, op, sites, bound):
    # What the next test stands on: A and B each accept a fresh proof for https://api.test/.
    key, _, token = bound
    for site in ("a", "b"):
        proof = client.proof(key, "GET", f"https://{PUBLIC}/orders", access_token=token)
        before = len(App.seen)
        expect_app_got(dpop_get(sites[site], "/orders", token, proof, op, host=PUBLIC),
                       "/orders", before)


def test_replayed_proof_is_refused_by_another_instance(client, op, sites, bound):
    key, _, token = bound
    proof = client.proof(key, "GET", f"https://{PUBLIC}/orders", access_token=token)
    before = len(App.seen)
    expect_app_got(dpop_get(sites["a"], "/orders", token, proof, op, host=PUBLIC), "/orders",
                   before)
    expect_refused(dpop_get(sites["b"], "/orders", token, proof, op, host=PUBLIC),
                   "invalid_dpop_proof", before + 1)


def test_proof_for_another_url_is_refused(client, op, sites, bound):
    key, _, token = bound
    for htu in (f"{sites['a']}/elsewhere", f"https://{PUBLIC}/orders",
                sites["a"].replace("https:", "http:") + "/orders"):
        proof = client.proof(key, "GET", htu, access_token=token)
        expect_proof_refused(op, sites["a"], token, proof, "htu")


def test_htu_is_compared_after_normalisation(client, op, sites, bound):
    # RFC 9449 §4.3 item 9: scheme and host case, the default port and percent-encoding case
    # do not matter; the client spelled them one way, nginx forwards them another.
    key, _, token = bound
    proof = client.proof(key, "GET", "HTTPS://API.Test:443/caf%c3%a9/orders",
                         access_token=token)
    before = len(App.seen)
    expect_app_got(dpop_get(sites["a"], "/caf%C3%A9/orders", token, proof, op, host=PUBLIC),
                   "/caf%C3%A9/orders", before)


def test_proof_for_another_method_is_refused(client, op, sites, bound):
    key, _, token = bound
    proof = client.proof(key, "POST", f"{sites['a']}/orders", access_token=token)
    expect_proof_refused(op, sites["a"], token, proof, "htm")


def test_proof_with_a_stale_or_future_iat_is_refused(client, op, sites, bound):
    # The client's clock five minutes off either way; the window is 60 s each way.
    key, _, token = bound
    for offset in (-300, 300):
        proof = client.proof(key, "GET", f"{sites['a']}/orders", access_token=token,
                             clock_offset_seconds=offset)
        assert abs(payload_of(proof)["iat"] - (time.time() + offset)) < 30, offset
        expect_proof_refused(op, sites["a"], token, proof, "iat")


def test_proof_for_another_token_is_refused(client, op, sites, bound):
    key, _, token = bound
    other = client.token(op, JWT_API, APP, key=key)["access_token"]
    proof = client.proof(key, "GET", f"{sites['a']}/orders", access_token=other)
    expect_proof_refused(op, sites["a"], token, proof, "ath")


def test_proof_by_another_key_is_refused(client, op, sites, bound):
    _, _, token = bound
    thief, _ = client.key("ES256")
    proof = client.proof(thief, "GET", f"{sites['a']}/orders", access_token=token)
    expect_proof_refused(op, sites["a"], token, proof, "another key", error="invalid_token")


def test_two_proofs_are_refused(client, op, sites, bound):
    # nginx passes both DPoP headers on; RFC 9449 §4.3 allows exactly one.
    key, _, token = bound
    url = f"{sites['a']}/orders"
    proofs = [client.proof(key, "GET", url, access_token=token) for _ in range(2)]
    reply = https_request(sites["a"], "GET", "/orders",
                          [("Authorization", f"DPoP {token}"), ("DPoP", proofs[0]),
                           ("DPoP", proofs[1])], ca=op.ca)
    expect_refused(reply, "invalid_dpop_proof", len(App.seen))


def test_bound_token_as_bearer_is_refused_with_both_challenges(op, sites, bound):
    _, _, token = bound
    before = len(App.seen)
    reply = https_request(sites["a"], "GET", "/orders", [("Authorization", f"Bearer {token}")],
                          ca=op.ca)
    assert reply.status == 401, reply
    assert len(App.seen) == before
    challenges = reply.all("WWW-Authenticate")
    assert len(challenges) == 1, reply
    parsed = parse_challenges(challenges[0])
    assert [scheme for scheme, _ in parsed] == ["Bearer", "DPoP"], parsed
    assert parsed[0][1]["error"] == "invalid_token", parsed
    assert "ES256" in parsed[1][1]["algs"].split(), parsed


def test_nonce_flow_through_nginx(client, op, sites, bound):
    # The client sends a proof without a nonce, gets 401 use_dpop_nonce with a DPoP-Nonce
    # header through nginx, and retries with a proof carrying it.
    key, _, token = bound
    before = len(App.seen)
    first, *rest = client.call(key, "GET", f"{sites['n']}/orders", token)
    assert first.status == 401, first
    scheme, params = parse_challenge(first.header("WWW-Authenticate"))
    assert (scheme, params["error"]) == ("DPoP", "use_dpop_nonce"), first
    nonce = first.header("DPoP-Nonce")
    assert nonce, first
    assert len(rest) == 1, rest
    assert rest[0].status == 200, rest[0]
    expect_app_got(rest[0], "/orders", before)
    # A proof carrying a nonce the server never issued is refused the same way.
    proof = client.proof(key, "GET", f"{sites['n']}/orders", access_token=token,
                         nonce="made-up")
    reply = dpop_get(sites["n"], "/orders", token, proof, op)
    assert reply.status == 401 and reply.header("DPoP-Nonce"), reply
    assert parse_challenge(reply.header("WWW-Authenticate"))[1]["error"] == "use_dpop_nonce"


# --------------------------------------------------------------------------
# Certificate-bound tokens through nginx (mutual TLS)
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cert_bound(client, op, pki):
    """A token the provider bound to the "right" client certificate."""
    answer = client.token(op, JWT_API, MTLS_APP, cert=pki[1]["right"])
    assert answer["token_type"] == "Bearer", answer
    return answer["access_token"]


def thumbprint(cert_pem: Path) -> str:
    der = x509.load_pem_x509_certificate(cert_pem.read_bytes()).public_bytes(
        serialization.Encoding.DER)
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()


def test_provider_binds_the_token_to_the_client_certificate(tw, cert_bound, pki):
    cnf = {"x5t#S256": thumbprint(pki[1]["right"][0])}
    assert payload_of(cert_bound)["cnf"] == cnf
    # RFC 8705 §3.2: still a bearer token by its type, bound by its cnf.
    body = introspect(tw["a"], cert_bound)
    assert (body["token_type"], body["cnf"]) == ("Bearer", cnf), body


def test_certificate_bound_token_with_its_certificate_reaches_the_app(op, sites, pki,
                                                                      cert_bound):
    before = len(App.seen)
    reply = https_request(sites["a"], "GET", "/orders", [("Authorization", f"Bearer {cert_bound}")],
                          ca=op.ca, cert=pki[1]["right"])
    seen = expect_app_got(reply, "/orders", before)
    assert seen["headers"]["x-auth-subject"] == MTLS_APP[0], seen


def test_certificate_bound_token_with_another_certificate_is_refused(op, sites, pki,
                                                                     cert_bound):
    before = len(App.seen)
    reply = https_request(sites["a"], "GET", "/orders", [("Authorization", f"Bearer {cert_bound}")],
                          ca=op.ca, cert=pki[1]["other"])
    assert reply.status == 401, reply
    assert parse_challenge(reply.header("WWW-Authenticate"))[1]["error"] == "invalid_token"
    assert len(App.seen) == before


def test_certificate_bound_token_without_a_certificate_is_refused(op, sites, pki, cert_bound):
    before = len(App.seen)
    reply = https_request(sites["a"], "GET", "/orders", [("Authorization", f"Bearer {cert_bound}")],
                          ca=op.ca)
    assert reply.status == 401, reply
    # Nor does the client's own copy of the header get through nginx to tokenwarden.
    forged = urllib.parse.quote(pki[1]["right"][0].read_text(), safe="")
    reply = https_request(sites["a"], "GET", "/orders", [("Authorization", f"Bearer {cert_bound}"),
                                                         ("X-SSL-Client-Cert", forged)],
                          ca=op.ca)
    assert reply.status == 401, reply
    assert len(App.seen) == before
