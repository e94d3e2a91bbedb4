"""The provider matrix: each provider's documented tokens, end to end over HTTPS.

For every provider in providers.py, one `tokenwarden serve` runs the issuers of its sample
configuration (examples/providers/*.json) as written, with three members added by the test:
`fetch` (the test CA and `connect_to`, which sends the provider's real host names to the
loopback ProviderIdp), `keys.unknown_kid_cooldown_seconds` (short, so a rotation is seen
in seconds) and `leeway_seconds` (the skew an operator allows). The server fetches the
provider's discovery document and JWK Set -- shaped as the provider publishes them -- and
judges tokens shaped as the provider issues them through /validate, /introspect and
`tokenwarden verify`; then a key rotation under a flood of junk kids, clock skew, and an outage
of the provider.

A column of the README's provider matrix that a provider does not issue (Entra's opaque
access tokens, say) is not a skipped test: the provider is simply not a parameter of that
column's test, and test_readme_matrix_is_what_the_tests_run keeps the README honest.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

import twkit
from conftest import Servers
from provider_idp import ProviderIdp
from providers import COLUMNS, PROVIDERS, REPO, Provider
from servekit import SLOW, bearer, expect_active, introspect, parse_challenge, wait_until

COOLDOWN = 2  # keys.unknown_kid_cooldown_seconds
LEEWAY = 60  # leeway_seconds


@dataclass
class Stack:
    provider: Provider
    idp: ProviderIdp
    server: object
    dir: Path


class Stacks:
    """One running stack per provider, started on first use, all stopped at module end."""

    def __init__(self, binary: str, factory, world):
        self.binary, self.factory, self.world = binary, factory, world
        self.stacks: dict[str, Stack] = {}
        self.servers: list[Servers] = []
        self.idps: list[ProviderIdp] = []

    def __getitem__(self, name: str) -> Stack:
        if name not in self.stacks:
            self.stacks[name] = self._start(next(p for p in PROVIDERS if p.name == name)())
        return self.stacks[name]

    def _start(self, provider: Provider) -> Stack:
        directory = self.factory.mktemp(provider.name)
        idp = ProviderIdp(directory / "idp", provider.sites)
        self.idps.append(idp)
        issuers = provider.config_issuers()
        for issuer in issuers:
            issuer["fetch"] = {"ca_file": str(idp.ca), "connect_to": idp.connect_to(),
                               "connect_timeout_ms": 1000, "timeout_ms": 2000}
            if "discovery" in issuer or "jwks_uri" in issuer:
                issuer["keys"] = {"unknown_kid_cooldown_seconds": COOLDOWN}
                issuer["leeway_seconds"] = LEEWAY
        gateway = self.world.clients["gateway"]
        cfg = {"listen": ["127.0.0.1:0"], "workers": 2, "issuers": issuers,
               "clients": [{"id": gateway.id, "secret_hash": gateway.hash}]}
        servers = Servers(self.binary, directory)
        self.servers.append(servers)
        server = servers(cfg, env=provider.env)
        ready = wait_until(lambda: server.get("/readyz").status == 200, timeout=10)
        assert ready, (server.get("/readyz"), server.stderr)
        return Stack(provider, idp, server, directory)

    def close(self) -> None:
        try:
            for servers in self.servers:
                servers.teardown()
        finally:
            for idp in self.idps:
                idp.close()


@pytest.fixture(scope="module")
def stacks(tokenwarden_bin, tmp_path_factory, world):
    running = Stacks(tokenwarden_bin, tmp_path_factory, world)
    yield running
    running.close()


def having(column: str) -> list[str]:
    return [p.name for p in PROVIDERS if p.cells[column]]


def validate(server, token: str):
    return server.get("/validate", [bearer(token)])


def expect_headers(reply, expected: dict[str, str]) -> None:
    assert reply.status == 200, reply
    for name, value in expected.items():
        assert reply.header(name) == value, (name, reply)


def refusal(reply) -> str:
    assert reply.status == 401, reply
    _, params = parse_challenge(reply.header("WWW-Authenticate"))
    assert params["error"] == "invalid_token", reply
    return params["error_description"]


def verify(stack: Stack, token: str, *args: str) -> twkit.Result:
    jwks = stack.dir / "published.jwks.json"
    jwks.write_text(json.dumps(stack.provider.jwks()))
    return twkit.run_binary(stack.server.argv[0], ["--jwks", jwks, *args], token)


def expect_retry_after(reply) -> int:
    assert reply.status == 503, reply
    assert reply.header("Cache-Control") == "no-store", reply
    seconds = int(reply.header("Retry-After"))
    assert 1 <= seconds <= max(COOLDOWN, 5), reply
    return seconds


def until_accepted(server, token: str, budget: float) -> float:
    """Sends `token` to /validate, honouring Retry-After, until 200; returns seconds taken.
    A 401 is a failure: a rotated key must never be refused as unknown."""
    start = time.monotonic()
    while True:
        reply = validate(server, token)
        if reply.status == 200:
            return time.monotonic() - start
        assert reply.status == 503, reply
        wait = expect_retry_after(reply)
        assert time.monotonic() - start + wait <= budget, (reply, budget)
        time.sleep(wait)


# --------------------------------------------------------------------------------------
# Access tokens
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", having("jwt_access_token"))
def test_jwt_access_token(stacks, world, name):
    stack = stacks[name]
    p = stack.provider
    token = p.access_token()
    expect_headers(validate(stack.server, token), p.expected_headers)
    body = expect_active(introspect(stack.server, token, world.auth()))
    assert body["iss"] == p.issuer
    if "X-Auth-Scope" in p.expected_headers:
        assert body["scope"] == p.expected_headers["X-Auth-Scope"], body
    assert body["client_id"] == p.expected_headers["X-Auth-Client-Id"], body
    twkit.expect_valid(verify(stack, token, *p.verify_args()))
    # The same token re-signed by a key the provider never published is refused.
    forged = twkit.resign(token, twkit.gen_rsa("stranger", 2048), "RS256")
    assert "signature" in refusal(validate(stack.server, forged))


def test_entra_application_tokens_tenants_and_graph(stacks):
    stack = stacks["entra"]
    p = stack.provider
    reply = validate(stack.server, p.app_token())
    expect_headers(reply, {"X-Auth-Roles": "Orders.ReadWrite.All"})
    assert reply.header("X-Auth-Scope") is None, reply
    # A tenant the configuration does not list, though the key's issuer template fits it.
    other = "0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e"
    assert "issuer" in refusal(validate(stack.server, p.access_token(
        tid=other, iss=f"https://{p.host}/{other}/v2.0")))
    # iss for the listed tenant but tid of another: the template is filled from tid.
    assert "issuer" in refusal(validate(stack.server, p.access_token(tid=other)))
    # A key whose issuer member names one tenant cannot vouch for another tenant's token.
    assert "another issuer" in refusal(validate(stack.server, p.access_token(key=p.msa_key)))
    # A Microsoft Graph token: a header nonce, signed over a hashed form of it, so its
    # signature fails everywhere but at Graph -- and the description says so.
    graph = p.sign({"typ": "JWT", "nonce": secrets.token_urlsafe(32)},
                   twkit.decode_part(p.access_token(aud="00000003-0000-0000-c000-000000000000").split(".")[1]))
    graph = twkit.replace_sig(graph, os.urandom(256))
    assert "Microsoft Graph" in refusal(validate(stack.server, graph))


def test_auth0_rfc9068_dialect(stacks):
    stack = stacks["auth0"]
    expect_headers(validate(stack.server, stack.provider.rfc9068_token()),
                   {"X-Auth-Client-Id": stack.provider.client_id, "X-Auth-Scope": "read:orders"})


def test_cognito_client_id_is_the_audience(stacks):
    stack = stacks["cognito"]
    assert "audience" in refusal(validate(stack.server, stack.provider.access_token(
        client_id="someotherappclient00000000")))
    assert "required claim" in refusal(validate(stack.server, stack.provider.access_token(
        token_use=None)))


def test_keycloak_refresh_tokens_and_enc_keys(stacks):
    stack = stacks["keycloak"]
    p = stack.provider
    assert "expected kind" in refusal(validate(stack.server, p.access_token(typ="Refresh")))
    # The published encryption key (use "enc", RSA-OAEP) never verifies a signature.
    claims = twkit.decode_part(p.access_token().split(".")[1])
    enc_signed = p.sign({"typ": "JWT"}, claims, p.enc_key)
    assert refusal(validate(stack.server, enc_signed))


@pytest.mark.parametrize("name", having("opaque_access_token"))
def test_opaque_access_token(stacks, world, name):
    stack = stacks[name]
    p = stack.provider
    token, answer = p.opaque_token()
    host = next(h for h, s in p.sites.items() if s.introspection_path)
    p.sites[host].answers[token] = answer
    expect_headers(validate(stack.server, token), p.opaque_headers)
    body = expect_active(introspect(stack.server, token, world.auth()))
    assert body["scope"] == answer["scope"], body
    assert body["client_id"] == answer["client_id"], body
    unknown, _ = p.opaque_token()
    refusal(validate(stack.server, unknown))
    assert p.sites[host].refused == 0, "the sample configuration's credentials were refused"


# --------------------------------------------------------------------------------------
# ID tokens
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", having("id_token"))
def test_id_token(stacks, name):
    stack = stacks[name]
    p = stack.provider
    nonce = secrets.token_urlsafe(12)
    access_token = "SlAV32hkKG" + secrets.token_hex(8)
    id_token = p.id_token(nonce, access_token)
    # An OpenID client verifies it: audience = its client id, the nonce it sent, at_hash.
    args = ["--issuer", p.issuer, "--audience", p.client_id, "--nonce", nonce,
            "--access-token", access_token]
    twkit.expect_valid(verify(stack, id_token, *args))
    twkit.expect_error(verify(stack, id_token, *args[:4], "--nonce", "another"), "invalid_nonce")
    reply = validate(stack.server, id_token)
    if p.id_token_refusal is None:
        assert reply.status == 200, reply
    else:  # a resource server never takes an ID token for an access token
        assert p.id_token_refusal in refusal(reply)


def test_google_both_issuer_spellings(stacks):
    stack = stacks["google"]
    p = stack.provider
    for iss in ("https://accounts.google.com", "accounts.google.com"):
        expect_headers(validate(stack.server, p.id_token("n", "a", iss=iss)), p.expected_headers)
    assert "issuer" in refusal(validate(stack.server, p.id_token("n", "a", iss="https://accounts.google.com/")))


# --------------------------------------------------------------------------------------
# Rotation under a junk-kid flood, skew, outage
# --------------------------------------------------------------------------------------

def junk(p: Provider) -> str:
    """A token naming the provider's issuer and a kid it never published."""
    token = p.access_token()
    header = twkit.decode_part(token.split(".")[0])
    header["kid"] = secrets.token_hex(10)
    return twkit.encode_segment(header) + "." + token.split(".", 1)[1]


def flood(server, tokens: list[str], seconds: float) -> dict[int, int]:
    """Sends junk tokens on 4 keep-alive connections for `seconds`; returns status counts."""
    counts: dict[int, int] = {}
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    host, port = server.base.removeprefix("http://").split(":")

    def worker(offset: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=10 * SLOW)
        i = offset
        while time.monotonic() < stop:
            conn.request("GET", "/validate", headers={"Authorization": f"Bearer {tokens[i % len(tokens)]}"})
            reply = conn.getresponse()
            reply.read()
            with lock:
                counts[reply.status] = counts.get(reply.status, 0) + 1
            i += 4
        conn.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return counts


@pytest.mark.parametrize("name", having("rotation"))
def test_rotation_under_a_junk_kid_flood(stacks, name):
    stack = stacks[name]
    p = stack.provider
    host, path = p.jwks_at
    assert validate(stack.server, p.access_token()).status == 200
    before = stack.idp.hits(host, path)
    counts = flood(stack.server, [junk(p) for _ in range(64)], seconds=3)
    assert 200 not in counts, counts
    assert set(counts) <= {401, 503}, counts
    fetched = stack.idp.hits(host, path) - before
    # One refetch at the first junk kid, then at most one per cooldown.
    assert fetched <= 1 + 3 // COOLDOWN + 1, (fetched, counts)
    new_key = p.rotate()
    took = until_accepted(stack.server, p.access_token(key=new_key), budget=COOLDOWN + 3 * SLOW)
    assert took <= COOLDOWN + 3 * SLOW
    assert validate(stack.server, p.access_token()).status == 200  # the old key still counts


@pytest.mark.parametrize("name", having("rotation"))
def test_clock_skew_within_the_leeway(stacks, name):
    stack = stacks[name]
    p = stack.provider
    now = int(time.time())
    ahead = p.access_token(iat=now + LEEWAY // 2, nbf=now + LEEWAY // 2, exp=now + 600)
    assert validate(stack.server, ahead).status == 200
    late = p.access_token(iat=now - 900, exp=now - LEEWAY // 2)
    assert validate(stack.server, late).status == 200
    assert "expired" in refusal(validate(stack.server, p.access_token(iat=now - 900, exp=now - 2 * LEEWAY)))
    assert "not valid yet" in refusal(validate(stack.server, p.access_token(
        iat=now, nbf=now + 2 * LEEWAY, exp=now + 900)))


@pytest.mark.parametrize("name", having("rotation") + ["telenor-mobile-api"])
def test_outage(stacks, world, name):
    stack = stacks[name]
    p = stack.provider
    known = p.access_token() if p.keys else None
    if known:
        assert validate(stack.server, known).status == 200
    for site in p.sites.values():
        site.down = True
    try:
        if known:
            # Keys already fetched keep working through the outage.
            assert validate(stack.server, p.access_token()).status == 200
            # A key rotated in during the outage cannot be fetched: 503, never 401.
            new_key = p.rotate()
            expect_retry_after(validate(stack.server, p.access_token(key=new_key)))
        if p.cells["opaque_access_token"]:
            token, answer = p.opaque_token()
            expect_retry_after(validate(stack.server, token))
            reply = introspect(stack.server, token, world.auth())
            expect_retry_after(reply)
    finally:
        for site in p.sites.values():
            site.down = False
    if known:
        until_accepted(stack.server, p.access_token(key=p.keys[-1]), budget=COOLDOWN + 3 * SLOW)


# --------------------------------------------------------------------------------------
# The README's matrix is what these tests run
# --------------------------------------------------------------------------------------

def test_readme_matrix_is_what_the_tests_run():
    text = (REPO / "README.md").read_text()
    start = text.index("<!-- provider-matrix -->")
    rows = {}
    for line in text[start:].splitlines()[1:]:
        if not line.startswith("|"):
            if rows:
                break
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[0].startswith("`") and cells[0].endswith("`"):
            rows[cells[0].strip("`")] = cells[1:1 + len(COLUMNS)]
    assert set(rows) == {p.name for p in PROVIDERS}, rows
    for p in PROVIDERS:
        marks = ["yes" if re.match(r"^yes\b", c) else "no" for c in rows[p.name]]
        assert marks == ["yes" if p.cells[c] else "no" for c in COLUMNS], (p.name, rows[p.name])
