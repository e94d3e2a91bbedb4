"""POST /introspect: RFC 7662 token introspection, caller authentication (RFC 6749 §2.3.1)."""

from __future__ import annotations

import time

import pytest

import twkit
from servekit import (FORM, INACTIVE, ISS_B, RawConn, basic, bearer, expect_active, expect_inactive,
                      form, introspect, parse_challenge, raw_request)


def gw(world):
    c = world.clients["gateway"]
    return basic(c.id, c.secret)


# --------------------------------------------------------------------------
# Active tokens: what the response carries
# --------------------------------------------------------------------------

def test_active_token_carries_every_claim(shared, world):
    claims = world.claims("a", username="alice@example.com", tenant={"id": 7, "tags": ["x", "y"]},
                          amr=["pwd", "otp"], ratio=0.5, admin=False,
                          name="Zo\u00eb \U0001F600 \"q\" \\ \u0001 \u2028", big=12345678901234567890)
    token = twkit.mint("RS256", world.key_a, claims)
    body = expect_active(introspect(shared, token, gw(world)))
    # RFC 7662 §2.2: the token's claims, active, and token_type (a JWT access token: Bearer).
    assert body == {"active": True, **claims, "token_type": "Bearer"}
    for member in ("iss", "sub", "aud", "exp", "iat", "nbf", "jti", "scope", "client_id", "username"):
        assert member in body


def test_active_token_of_the_second_issuer(shared, world):
    token = world.token("b", aud=["api-b", "other"])
    body = expect_active(introspect(shared, token, gw(world)))
    assert body["iss"] == ISS_B and body["sub"] == "bob" and body["aud"] == ["api-b", "other"]


@pytest.mark.parametrize("scp", [
    ["read", "write", "orders:admin"],
    # Azure AD v2 access tokens carry scp as one space-separated string.
    "read write",
])
def test_scp_becomes_a_scope_string(shared, world, scp):
    token = world.token("a", scope=None, scp=scp)
    body = expect_active(introspect(shared, token, gw(world)))
    assert body["scope"] == (scp if isinstance(scp, str) else " ".join(scp))


def test_scope_claim_wins_over_scp(shared, world):
    token = world.token("a", scope="read", scp=["admin"])
    body = expect_active(introspect(shared, token, gw(world)))
    assert body["scope"] == "read"


@pytest.mark.parametrize("value", [False, "false", None])
def test_an_active_claim_in_the_token_never_overrides(shared, world, value):
    claims = world.claims("a")
    claims["active"] = value
    token = twkit.mint("RS256", world.key_a, claims)
    reply = introspect(shared, token, gw(world))
    expect_active(reply)
    assert reply.body.count(b'"active"') == 1, reply


def test_the_token_type_claim_of_the_token_is_kept(shared, world):
    token = world.token("a", token_type="DPoP")
    body = expect_active(introspect(shared, token, gw(world)))
    assert body["token_type"] == "DPoP"


@pytest.mark.parametrize("hint", ["access_token", "refresh_token", "urn:example:whatever"])
def test_any_token_type_hint_is_accepted(shared, world, hint):
    token = world.token("a")
    expect_active(introspect(shared, token, gw(world), token_type_hint=hint))


# --------------------------------------------------------------------------
# Inactive tokens: exactly {"active": false}, identical whatever the reason
# --------------------------------------------------------------------------

def _inactive_tokens(world):
    now = int(time.time())
    good = world.token("a")
    h, p, s = good.split(".")
    flipped = s[:-4] + ("AAAA" if s[-4:] != "AAAA" else "BBBB")
    return {
        "expired": world.token("a", exp=now - 120, iat=now - 900, nbf=now - 900),
        "not_yet_valid": world.token("a", nbf=now + 300),
        "bad_signature": f"{h}.{p}.{flipped}",
        "wrong_audience": world.token("a", aud="someone-else"),
        "unknown_issuer": world.token("a", iss="https://evil.test"),
        "garbage": "not-a-token",
        "three_dots_garbage": "a.b.c",
        # Claims issuer A, signed by issuer B's key (header names B's kid and alg).
        "other_issuers_key": twkit.mint("ES256", world.key_b, world.claims("a")),
        "other_issuers_key_no_kid": twkit.mint("ES256", world.key_b, world.claims("a"), kid=None),
        "alg_none": twkit.forge({"alg": "none"}, world.claims("a")),
        "hs256_with_public_key": twkit.forge({"alg": "HS256", "kid": "a-1"}, world.claims("a"),
                                              world.key_a.pem(), "HS256"),
        "wrong_key_same_kid": twkit.mint("RS256", world.key_a2, world.claims("a"), kid="a-1"),
    }


def test_inactive_tokens_get_exactly_active_false(shared, world):
    replies = {name: introspect(shared, token, gw(world)) for name, token in _inactive_tokens(world).items()}
    reference = None
    for name, reply in replies.items():
        assert reply.status == 200, (name, reply)
        assert reply.json() == INACTIVE, (name, reply)
        # No header may tell the reasons apart either (RFC 7662 §4); Date may differ.
        headers = sorted((k.lower(), v) for k, v in reply.headers if k.lower() != "date")
        assert ("cache-control", "no-store") in headers, (name, reply)
        if reference is None:
            reference = (name, headers, reply.body)
        assert (headers, reply.body) == reference[1:], f"{name} differs from {reference[0]}: {reply}"


# --------------------------------------------------------------------------
# Request format
# --------------------------------------------------------------------------

def test_get_is_405(shared, world):
    token = world.token("a")
    reply = shared.get("/introspect", [gw(world)])
    assert reply.status == 405, reply
    assert "POST" in reply.header("Allow"), reply
    reply = shared.get(f"/introspect?token={token}", [gw(world)])
    assert reply.status == 405, reply
    assert b"active" not in reply.body


def test_post_with_a_query_string_is_405(shared, world):
    token = world.token("a")
    reply = shared.post(f"/introspect?token={token}", form(token=token), [FORM, gw(world)])
    assert reply.status == 405, reply
    assert b"active" not in reply.body


def test_repeated_token_parameter_is_400(shared, world):
    a, b = world.token("a"), world.token("a")
    reply = shared.post("/introspect", f"token={a}&token={b}", [FORM, gw(world)])
    assert reply.status == 400, reply
    assert reply.json()["error"] == "invalid_request"


@pytest.mark.parametrize("body", ["", "token=", "token_type_hint=access_token", "tok=x"])
def test_missing_token_is_400(shared, world, body):
    reply = shared.post("/introspect", body, [FORM, gw(world)])
    assert reply.status == 400, reply
    assert reply.json()["error"] == "invalid_request"


@pytest.mark.parametrize("ctype", [None, "application/json", "text/plain", "multipart/form-data; boundary=x"])
def test_wrong_content_type_is_400(shared, world, ctype):
    token = world.token("a")
    headers = [gw(world)] + ([("Content-Type", ctype)] if ctype else [])
    reply = shared.post("/introspect", form(token=token), headers)
    assert reply.status == 400, reply
    assert reply.json()["error"] == "invalid_request"


def test_content_type_parameters_and_case_are_accepted(shared, world):
    token = world.token("a")
    reply = shared.post("/introspect", form(token=token),
                        [("Content-Type", "Application/X-WWW-Form-URLEncoded; charset=UTF-8"), gw(world)])
    expect_active(reply)


def test_bad_percent_encoding_is_400(shared, world):
    reply = shared.post("/introspect", "token=%zz", [FORM, gw(world)])
    assert reply.status == 400, reply


def test_body_too_large_is_413(shared, world):
    conn = RawConn(shared.base)
    try:
        # Only the head: the server must answer from Content-Length, before any body.
        conn.send(raw_request("POST", "/introspect", [FORM, gw(world), ("Content-Length", "200000")]))
        reply = conn.read_response()
        assert reply.status == 413, reply
    finally:
        conn.close()


# --------------------------------------------------------------------------
# Caller authentication
# --------------------------------------------------------------------------

def test_client_secret_basic(shared, world):
    expect_active(introspect(shared, world.token("a"), gw(world)))


def test_basic_scheme_name_is_case_insensitive(shared, world):
    name, value = gw(world)
    expect_active(introspect(shared, world.token("a"), (name, "basic " + value.split(" ", 1)[1])))


def test_client_secret_basic_form_urlencodes_id_and_secret(shared, world):
    odd = world.clients["odd"]
    assert "+" in odd.secret and ":" in odd.secret and "%" in odd.secret and "+" in odd.id
    expect_active(introspect(shared, world.token("a"), basic(odd.id, odd.secret)))
    # Unencoded, '+' means a space and "%rd" is no escape: not these credentials.
    reply = introspect(shared, world.token("a"), basic(odd.id, odd.secret, encode=False))
    assert reply.status == 401, reply


def test_client_secret_post(shared, world):
    odd = world.clients["odd"]
    reply = introspect(shared, world.token("a"), None, client_id=odd.id, client_secret=odd.secret)
    expect_active(reply)


def test_pbkdf2_client_secret(shared, world):
    human = world.clients["human"]
    assert human.hash.startswith("pbkdf2-sha256$10000$")
    for _ in range(2):  # the second one may come from the server's memo of a good check
        expect_active(introspect(shared, world.token("a"), basic(human.id, human.secret)))
    reply = introspect(shared, world.token("a"), basic(human.id, human.secret + "!"))
    assert reply.status == 401, reply


def _expect_401(reply, scheme="Basic"):
    assert reply.status == 401, reply
    challenge = reply.header("WWW-Authenticate")
    assert challenge, reply
    got, params = parse_challenge(challenge)
    assert got.lower() == scheme.lower(), reply
    assert "realm" in params
    body = reply.json()
    assert body["error"] == "invalid_client", reply
    assert "active" not in body
    return params


def test_wrong_secret_is_401(shared, world):
    c = world.clients["gateway"]
    _expect_401(introspect(shared, world.token("a"), basic(c.id, c.secret + "x")))
    _expect_401(introspect(shared, world.token("a"), None, client_id=c.id, client_secret="nope"))


def test_no_credentials_is_401(shared, world):
    _expect_401(introspect(shared, world.token("a"), None))


def test_unknown_client_is_401(shared, world):
    _expect_401(introspect(shared, world.token("a"), basic("nobody", "gateway-secret-0123456789abcdef")))
    _expect_401(introspect(shared, world.token("a"), None, client_id="nobody", client_secret="x"))


def test_client_secret_post_needs_the_id(shared, world):
    c = world.clients["gateway"]
    _expect_401(introspect(shared, world.token("a"), None, client_secret=c.secret))


def test_malformed_basic_is_401(shared, world):
    _expect_401(introspect(shared, world.token("a"), ("Authorization", "Basic !!!not-base64")))


def test_two_authentication_methods_are_400(shared, world):
    c = world.clients["gateway"]
    reply = introspect(shared, world.token("a"), basic(c.id, c.secret), client_id=c.id,
                       client_secret=c.secret)
    assert reply.status == 400, reply
    assert reply.json()["error"] == "invalid_request"
    reply = shared.post("/introspect", form(token=world.token("a")), [FORM, basic(c.id, c.secret),
                                                                       basic(c.id, c.secret)])
    assert reply.status == 400, reply


def test_basic_user_and_body_client_id_must_agree(shared, world):
    c = world.clients["gateway"]
    reply = introspect(shared, world.token("a"), basic(c.id, c.secret), client_id="tenant-a")
    assert reply.status == 400, reply
    expect_active(introspect(shared, world.token("a"), basic(c.id, c.secret), client_id=c.id))


def test_bearer_caller_with_the_scope(shared, world):
    caller = world.token("b", scope="read introspect")
    body = expect_active(introspect(shared, world.token("a", sub="carol"), bearer(caller)))
    assert body["sub"] == "carol"


@pytest.mark.parametrize("case", ["no_scope", "wrong_issuer", "expired", "garbage", "wrong_audience"])
def test_bearer_caller_rejected(shared, world, case):
    now = int(time.time())
    caller = {
        "no_scope": lambda: world.token("b", scope="read"),
        "wrong_issuer": lambda: world.token("a", scope="read introspect"),  # A is no bearer issuer
        "expired": lambda: world.token("b", scope="introspect", exp=now - 60, iat=now - 600, nbf=now - 600),
        "garbage": lambda: "garbage",
        "wrong_audience": lambda: world.token("b", scope="introspect", aud="elsewhere"),
    }[case]()
    reply = introspect(shared, world.token("a"), bearer(caller))
    params = _expect_401(reply, scheme="Bearer")
    assert params.get("error") == "invalid_token"


def test_bearer_callers_not_configured(serve, world):
    cfg = world.config()
    del cfg["bearer_callers"]
    server = serve(cfg)
    caller = world.token("b", scope="read introspect")
    _expect_401(introspect(server, world.token("a"), bearer(caller)))


def test_bearer_caller_limits(serve, world):
    cfg = world.config(bearer_callers={"issuers": [ISS_B], "scopes": ["introspect"],
                                       "limit_issuers": [ISS_B], "limit_audiences": ["api-b"]})
    server = serve(cfg)
    caller = world.token("b", scope="introspect")
    expect_active(introspect(server, world.token("b"), bearer(caller)))
    expect_inactive(introspect(server, world.token("a"), bearer(caller)))
    expect_inactive(introspect(server, world.token("b", aud="api-shared"), bearer(caller)))


# --------------------------------------------------------------------------
# Per-client limits: a token outside them is inactive for that client
# --------------------------------------------------------------------------

def test_client_limited_to_an_issuer(shared, world):
    c = world.clients["tenant-a"]
    auth = basic(c.id, c.secret)
    expect_active(introspect(shared, world.token("a"), auth))
    token_b = world.token("b")
    expect_inactive(introspect(shared, token_b, auth))
    expect_active(introspect(shared, token_b, gw(world)))  # the same token is active for others


def test_client_limited_to_an_audience(shared, world):
    c = world.clients["shared-aud"]
    auth = basic(c.id, c.secret)
    expect_active(introspect(shared, world.token("a", aud="api-shared"), auth))
    expect_active(introspect(shared, world.token("b", aud=["api-b", "api-shared"]), auth))
    only_a = world.token("a", aud="api-a")
    expect_inactive(introspect(shared, only_a, auth))
    expect_active(introspect(shared, only_a, gw(world)))


def test_guessing_pbkdf2_secrets_is_throttled_but_known_clients_pass(serve, world):
    # Each wrong PBKDF2 secret costs the full iteration count; past the server's CPU budget
    # for such checks the answer is 429 + Retry-After instead of more hashing, while a client
    # whose secret was already verified (memoized) keeps working.
    server = serve(world.config())
    human = world.clients["human"]
    expect_active(introspect(server, world.token("a"), basic(human.id, human.secret)))
    statuses = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        reply = introspect(server, world.token("a"), basic(human.id, "guess-" + str(len(statuses))))
        statuses.append(reply.status)
        if reply.status == 429:
            assert reply.header("Retry-After") == "1", reply
            assert reply.json()["error"] == "slow_down", reply
            break
        assert reply.status == 401, reply
    assert statuses[-1] == 429, f"no throttling after {len(statuses)} wrong PBKDF2 secrets"
    expect_active(introspect(server, world.token("a"), basic(human.id, human.secret)))
