"""Issuers whose tokens are judged by their introspection endpoint (RFC 7662), end to end.

* An issuer of opaque tokens only -- introspection and no key source at all, the Telenor
  mobile API pattern (client-credentials tokens, Basic client authentication, no JWKS) -- is a
  valid configuration: `serve --check` accepts it, /readyz is ready without keys, /metrics
  shows no key set for it. Every token routed to it is introspected: opaque tokens, and JWTs
  whose own `iss` names it; a JWT naming another issuer (or none) never reaches its endpoint.
* The issuer's policy holds for an active answer exactly as for a JWT: required_claims,
  require_exp (default true), audiences, required_scopes, iss, nbf, with the leeway.
* tokenwarden's own client authentication at the endpoint: client_secret_basic (RFC 6749
  §2.3.1 form-encoding), client_secret_basic_raw (for servers that do not decode) and
  client_secret_post, checked byte for byte on what the endpoint receives.
"""

from __future__ import annotations

import base64
import json
import secrets
import subprocess
import time
from pathlib import Path

import pytest

from fake_introspection import FakeIntrospection
from servekit import ISS_A, bearer, expect_active, expect_inactive, introspect, parse_challenge

ISS_O = "https://mobile-api.test"  # opaque tokens only


@pytest.fixture
def upstream():
    fake = FakeIntrospection()
    yield fake
    fake.close()


def opaque_only(serve_dir, upstream: FakeIntrospection, **fields) -> dict:
    """The keyless issuer's entry: introspection and nothing about keys."""
    secret_file = serve_dir / "upstream.secret"
    secret_file.write_text(upstream.client_secret + "\n", encoding="utf-8")
    introspection = {"endpoint": upstream.endpoint, "client_id": upstream.client_id,
                     "client_secret_file": str(secret_file)}
    introspection.update(fields.pop("introspection", {}))
    entry = {"issuer": ISS_O, "audiences": ["mobile-api"], "required_claims": ["sub"],
             "fetch": {"allow_plain_http": True}, "introspection": introspection}
    entry.update(fields)
    return entry


def config(world, serve_dir, upstream, alone: bool = False, **fields) -> dict:
    cfg = world.config()
    if alone:
        cfg["issuers"] = []
        del cfg["bearer_callers"]
        cfg["clients"] = [c for c in cfg["clients"] if "issuers" not in c]
    cfg["issuers"].append(opaque_only(serve_dir, upstream, **fields))
    return cfg


def opaque_token() -> str:
    return "mob_" + secrets.token_urlsafe(24)


def answer(**members) -> dict:
    """An active answer of the keyless issuer, as a client-credentials token's."""
    now = int(time.time())
    out = {"active": True, "iss": ISS_O, "sub": "app-7", "client_id": "app-7",
           "aud": "mobile-api", "scope": "sms.send", "exp": now + 600, "iat": now - 5,
           "token_type": "Bearer"}
    out.update(members)
    return {k: v for k, v in out.items() if v is not None}


def check(tokenwarden_bin, path):
    return subprocess.run([tokenwarden_bin, "serve", "--config", str(path), "--check"],
                          capture_output=True, text=True, timeout=30)


def test_check_accepts_an_issuer_without_keys(serve, world, upstream, tokenwarden_bin):
    done = check(tokenwarden_bin, serve.write(config(world, serve.dir, upstream)))
    assert done.returncode == 0, done.stderr
    assert "configuration OK: 3 issuers" in done.stdout
    assert upstream.bodies == []  # --check contacts nothing


def test_ready_healthy_and_no_key_set_in_metrics(serve, world, upstream):
    server = serve(config(world, serve.dir, upstream))
    assert server.get("/healthz").status == 200
    ready = server.get("/readyz")
    assert ready.status == 200, ready
    body = ready.json()
    assert body["status"] == "ready"
    assert body["issuers"][ISS_O]["ready"] is True
    assert "keys" not in body["issuers"][ISS_O]  # nothing to fetch, nothing missing
    metrics = server.metrics()
    assert not metrics.has("tokenwarden_key_set_keys", issuer=ISS_O)
    assert not metrics.has("tokenwarden_key_set_age_seconds", issuer=ISS_O)
    assert metrics.has("tokenwarden_key_set_keys", issuer=ISS_A)
    assert metrics.has("tokenwarden_upstream_introspection_total", issuer=ISS_O, result="active")


def test_opaque_token_is_introspected(serve, world, upstream):
    server = serve(config(world, serve.dir, upstream))
    token = opaque_token()
    upstream.answers[token] = answer()
    body = expect_active(introspect(server, token, world.auth()))
    assert body["sub"] == "app-7" and body["iss"] == ISS_O and body["scope"] == "sms.send"
    reply = server.get("/validate", [bearer(token)])
    assert reply.status == 200, reply
    assert reply.header("X-Auth-Subject") == "app-7"
    assert reply.header("X-Auth-Client-Id") == "app-7"
    assert upstream.calls(token) == 1  # the second judgement came from the cache


def test_jwt_naming_the_issuer_is_introspected_too(serve, world, upstream):
    # The issuer has no keys, so a JWT of it can only be judged by its endpoint, like any of
    # its tokens; whoever signed it, the endpoint's answer decides.
    server = serve(config(world, serve.dir, upstream))
    jwt = world.token("b", iss=ISS_O, aud="mobile-api", sub="app-9")
    upstream.answers[jwt] = answer(sub="app-9")
    assert expect_active(introspect(server, jwt, world.auth()))["sub"] == "app-9"
    assert upstream.calls(jwt) == 1
    revoked_by_issuer = world.token("b", iss=ISS_O, sub="app-9")  # the endpoint says inactive
    expect_inactive(introspect(server, revoked_by_issuer, world.auth()))
    assert server.get("/validate", [bearer(revoked_by_issuer)]).status == 401
    assert upstream.calls(revoked_by_issuer) == 1


def test_jwts_of_other_issuers_never_reach_the_endpoint(serve, world, upstream):
    server = serve(config(world, serve.dir, upstream))
    own = world.token("a")  # issuer A: verified locally
    assert expect_active(introspect(server, own, world.auth()))["iss"] == ISS_A
    stranger = world.token("a", iss="https://elsewhere.test")
    expect_inactive(introspect(server, stranger, world.auth()))
    assert upstream.bodies == [], "a JWT not naming the keyless issuer was sent to its endpoint"


def test_alone_a_jwt_of_another_issuer_is_not_trusted_nor_forwarded(serve, world, upstream):
    # With one issuer routing has nothing to choose; the token's own iss still decides.
    server = serve(config(world, serve.dir, upstream, alone=True))
    for jwt in (world.token("a"), world.token("a", iss=None)):
        reply = server.get("/validate", [bearer(jwt)])
        assert reply.status == 401, reply
        _, params = parse_challenge(reply.header("WWW-Authenticate"))
        assert params["error_description"] == "the token's issuer is not trusted", reply
    assert upstream.bodies == []
    token = opaque_token()
    upstream.answers[token] = answer()
    assert server.get("/validate", [bearer(token)]).status == 200


# The issuer's policy on answers: each case is (issuer fields, answer members, the /validate
# status: 200 accepted, 401 invalid_token, 403 insufficient_scope).
POLICY = {
    "complete": ({}, {}, 200),
    "no_exp": ({}, {"exp": None}, 401),  # require_exp defaults to true
    "no_exp_allowed": ({"require_exp": False}, {"exp": None}, 200),
    "no_sub": ({}, {"sub": None}, 401),  # required_claims: ["sub"]
    "other_audience": ({}, {"aud": ["web"]}, 401),
    "audience_in_array": ({}, {"aud": ["web", "mobile-api"]}, 200),
    "no_audience": ({}, {"aud": None}, 401),
    "other_issuer": ({}, {"iss": ISS_A}, 401),
    "no_iss": ({}, {"iss": None}, 200),  # RFC 7662 §2.2: optional in an answer
    "scope_missing": ({"required_scopes": ["sms.read"]}, {}, 403),
    "scope_granted": ({"required_scopes": ["sms.send"]}, {"scope": "sms.read sms.send"}, 200),
    # A scope array (as IdentityServer puts in its JWTs) is read like the string form.
    "scope_array_granted": ({"required_scopes": ["sms.send"]}, {"scope": ["sms.read", "sms.send"]},
                            200),
    "scope_array_missing": ({"required_scopes": ["sms.send"]}, {"scope": ["sms.read"]}, 403),
    "expired": ({}, {"exp": -10}, 401),
    "expired_within_leeway": ({"leeway_seconds": 30}, {"exp": -10}, 200),
    "nbf_ahead": ({}, {"nbf": 60}, 401),
    "nbf_within_leeway": ({"leeway_seconds": 90}, {"nbf": 60}, 200),
}


@pytest.mark.parametrize("case", sorted(POLICY))
def test_issuer_policy_applies_to_answers(serve, world, upstream, case):
    fields, members, status = POLICY[case]
    now = int(time.time())
    for name in ("exp", "nbf"):  # small integers are offsets from now
        if isinstance(members.get(name), int) and abs(members[name]) < 1000:
            members = {**members, name: now + members[name]}
    server = serve(config(world, serve.dir, upstream, **fields))
    token = opaque_token()
    upstream.answers[token] = answer(**members)
    reply = server.get("/validate", [bearer(token)])
    reply_introspect = introspect(server, token, world.auth())
    assert reply.status == status, reply
    if status == 200:
        expect_active(reply_introspect)
    else:
        expect_inactive(reply_introspect)


# Credentials with every character that tells the spellings apart: a space, '+', '%', a ':'
# in the secret, non-ASCII.
CLIENT_ID = "mobile api+%\u00e6"
CLIENT_SECRET = "p%41ss+w:rd \u00f8/="


def form(value: str) -> str:
    """RFC 6749 Appendix B, as tokenwarden encodes: unreserved kept, the rest %XX."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "-._~") else
                   "".join(f"%{b:02X}" for b in c.encode("utf-8")) for c in value)


EXPECTED_BASIC = {
    "client_secret_basic": "Basic " + base64.b64encode(
        f"{form(CLIENT_ID)}:{form(CLIENT_SECRET)}".encode()).decode(),
    "client_secret_basic_raw": "Basic " + base64.b64encode(
        f"{CLIENT_ID}:{CLIENT_SECRET}".encode("utf-8")).decode(),
}


def test_the_expected_headers_are_what_the_rfcs_say():
    # The expectations themselves, spelt out once: no shared code with what is tested.
    assert EXPECTED_BASIC["client_secret_basic"] == (
        "Basic bW9iaWxlJTIwYXBpJTJCJTI1JUMzJUE2OnAlMjU0MXNzJTJCdyUzQXJkJTIwJUMzJUI4JTJGJTNE")
    assert EXPECTED_BASIC["client_secret_basic_raw"] == (
        "Basic bW9iaWxlIGFwaSslw6Y6cCU0MXNzK3c6cmQgw7gvPQ==")


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_basic_raw",
                                    "client_secret_post"])
def test_client_authentication_bytes(serve, world, method):
    fake = FakeIntrospection(CLIENT_ID, CLIENT_SECRET, auth=method)
    try:
        server = serve(config(world, serve.dir, fake, introspection={"auth_method": method}))
        token = opaque_token()
        fake.answers[token] = answer()
        expect_active(introspect(server, token, world.auth()))
        assert fake.unauthorized == 0
        (authorization,), (body,) = fake.authorizations, fake.bodies
        prefix = f"token={token}&token_type_hint=access_token"
        if method == "client_secret_post":
            assert authorization is None
            assert body == (f"{prefix}&client_id={form(CLIENT_ID)}"
                            f"&client_secret={form(CLIENT_SECRET)}")
        else:
            assert authorization == EXPECTED_BASIC[method]
            assert body == prefix
    finally:
        fake.close()


def test_raw_credentials_at_a_decoding_server_are_refused_there(serve, world):
    # Why the choice exists: '%41' and '+' mean something else to a server that decodes, so
    # the wrong spelling is a refused client -- 503 for the token, never "inactive".
    fake = FakeIntrospection(CLIENT_ID, CLIENT_SECRET, auth="client_secret_basic")
    try:
        server = serve(config(world, serve.dir, fake,
                              introspection={"auth_method": "client_secret_basic_raw"}))
        token = opaque_token()
        fake.answers[token] = answer()
        assert server.get("/validate", [bearer(token)]).status == 503
        assert fake.unauthorized == 1
    finally:
        fake.close()


@pytest.mark.parametrize("fields,message", [
    ({"introspection": {"client_id": "urn:mobile", "auth_method": "client_secret_basic_raw"}},
     "issuers[2].introspection.client_id: holds ':' or a control character"),
    ({"keys": {"max_stale_seconds": 60}}, "issuers[2].keys: applies to fetched keys"),
    ({"opaque": False}, "issuers[2].opaque: an issuer without keys has every token introspected"),
    ({"algorithms": ["RS256"]}, "issuers[2].algorithms: an issuer without keys verifies no"),
    ({"typ": "at+jwt"}, "issuers[2].typ: an issuer without keys reads no JWT header"),
])
def test_check_refuses_what_an_issuer_without_keys_cannot_mean(serve, world, upstream,
                                                                tokenwarden_bin, fields, message):
    done = check(tokenwarden_bin, serve.write(config(world, serve.dir, upstream, **fields)))
    assert done.returncode == 2, done
    assert message in done.stderr, done.stderr


def test_an_issuer_without_keys_cannot_authenticate_bearer_callers(serve, world, upstream,
                                                                   tokenwarden_bin):
    cfg = config(world, serve.dir, upstream)
    cfg["bearer_callers"]["issuers"] = [ISS_O]
    done = check(tokenwarden_bin, serve.write(cfg))
    assert done.returncode == 2, done
    assert f'bearer_callers.issuers[0]: "{ISS_O}" has no keys' in done.stderr, done.stderr


def test_the_documented_sample_is_valid_as_written(serve, tokenwarden_bin):
    # examples/serve/README.md, "Issuers of opaque tokens only": the entry a user would paste.
    readme = (Path(__file__).resolve().parents[2] / "examples/serve/README.md").read_text()
    section = readme.split("### Issuers of opaque tokens only", 1)[1]
    sample = json.loads(section.split("```json\n", 1)[1].split("```", 1)[0])
    secret = sample["introspection"]["client_secret_file"]
    (serve.dir / secret).write_text("a-secret-0123456789\n")
    done = check(tokenwarden_bin, serve.write({"issuers": [sample]}))
    assert done.returncode == 0, done.stderr
    assert "configuration OK: 1 issuers" in done.stdout
